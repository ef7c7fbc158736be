"""Training stages: each builds a TRL trainer from a recipe and gated data."""
