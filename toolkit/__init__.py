"""Safety-aware post-training toolkit: recipes, gated data, TRL stages, tracking and reports."""

__version__ = "0.1.0"
