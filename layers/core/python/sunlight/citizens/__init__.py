"""The citizens' read-only facade: service guide, case progress, rankings (no key, throttled).

Its public face: the guarded look-up by number and query code (the complaints desk uses it too).
"""

from sunlight.citizens.service import NOT_FOUND_COMPLAINT, QueryCode, ThrottleStore, verified_lookup

__all__ = ["NOT_FOUND_COMPLAINT", "QueryCode", "ThrottleStore", "verified_lookup"]
