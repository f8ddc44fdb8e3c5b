"""Facts, tallies, the scoring standard and the arithmetic of a score."""
