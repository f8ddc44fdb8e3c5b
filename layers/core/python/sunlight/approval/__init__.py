"""Administrative approval cases: the first supervision line (the worked example of a line)."""
