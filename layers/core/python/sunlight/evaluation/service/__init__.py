"""Tallying, scoring and the reports."""
