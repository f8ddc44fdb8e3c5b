"""Intake, the rule check, the case view, calendar and rule versions."""
