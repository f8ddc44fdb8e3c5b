"""The e2e tier: each test module runs against its own local embedded system, through real HTTP."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sunlight.app.bootstrap import clear_caches
from sunlight.devtools.local.runner import LocalSystem, RunOptions


@pytest.fixture(scope="module")
def system(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalSystem]:
    """A fresh local system per module (its own data folder, free ports), stopped after the module."""
    clear_caches()
    options = RunOptions(data=tmp_path_factory.mktemp("sunlight"), port=0, cloud_port=0, dump_every=3600)
    with LocalSystem(options) as running:
        yield running
    clear_caches()
