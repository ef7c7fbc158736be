"""Classifiers behind one interface: `classify(texts) -> [Classification]`."""
