"""Development tools, never deployed: the local embedded mode, the sample city, the CLI and its
offline checker. The Lambda layer's asset excludes this package (`infra/constructs/compute.py`)."""
