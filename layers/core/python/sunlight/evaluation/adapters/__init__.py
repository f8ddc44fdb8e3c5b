"""The scores table."""
