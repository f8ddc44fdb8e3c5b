"""Quantified evaluation: tallies that listen, scores, rankings and reports."""
