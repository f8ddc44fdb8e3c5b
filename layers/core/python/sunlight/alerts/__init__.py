"""The alerts kernel: one model, one lifecycle, one sync path and one announcer for every line.

Its public face: `sunlight.alerts.domain.model` (what an alert is) and `sunlight.alerts.service` (sync,
announce, the `Line` of each supervision line). This package itself imports nothing, so a line's
domain code can name the alert model without loading the announcer.
"""
