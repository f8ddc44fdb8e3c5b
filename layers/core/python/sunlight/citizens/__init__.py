"""The citizens' read-only facade: service guide, case progress, rankings (no key, throttled)."""
