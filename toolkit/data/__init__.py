"""Records, readers/writers, adapters, splits and statistics for the toolkit's data kinds."""
