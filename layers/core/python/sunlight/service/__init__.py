"""Use cases: what the handlers call, written against the ports in `ports.py`."""
