"""Decide: small calculators (wait, runtime, cost, confidence) and the advisor that joins them."""
