"""Scoring: reward and cost models, batched scoring, judging."""
