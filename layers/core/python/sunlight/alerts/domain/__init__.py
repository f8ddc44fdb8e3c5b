"""What an alert is and how it moves, for every line."""
