"""Audit: the decision log of every recommendation."""
