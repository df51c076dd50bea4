"""Ratings: after a collaboration completes, each side rates the other once (1 to 5 stars)."""
