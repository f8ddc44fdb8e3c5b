"""Quantified evaluation: tallies that listen, scores, rankings and reports.

Its public face for the other contexts (the citizens' rankings): what a department's figures and
ranks are, and the Protocol of the services it needs. Its services and adapters are its own.
"""

from sunlight.evaluation.service.scores import counts_for, current_standard, previous_period, ranking
from sunlight.evaluation.service.tallying import EvaluationServices

__all__ = ["EvaluationServices", "counts_for", "current_standard", "previous_period", "ranking"]
