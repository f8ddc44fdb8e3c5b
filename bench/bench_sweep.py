"""The sweep's work against the number of open cases: items read, not cases open.

The same 100 due cases sit among 1,000 and among 20,000 open ones in the due index (moto,
in process); the sweep's index query is counted. On DynamoDB the cost is the items read; moto
scans its table in Python to answer a query, so its time grows with the table and is not a figure
of the design, only the count is.
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

from moto import mock_aws  # noqa: E402
from sunlight.approval.adapters.dynamo import DynamoCases, make_models, table_names  # noqa: E402

from tests.integration.conftest import REGION, create_tables, seed_open_cases  # noqa: E402


def _read(total: int, due: int) -> tuple[int, float]:
    with mock_aws():
        create_tables("bench")
        now = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)
        seed_open_cases("bench", total, due, now)
        cases = DynamoCases(make_models(table_names("bench"), region=REGION))
        started = time.perf_counter()
        found = cases.due(now)
        return found.read, time.perf_counter() - started


def run(quick: bool = False) -> dict[str, float]:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    small, large = 1_000, 5_000 if quick else 20_000
    read_small, _ = _read(small, 100)
    read_large, _ = _read(large, 100)
    return {
        "open_small": float(small),
        "open_large": float(large),
        "items_read_small": float(read_small),
        "items_read_large": float(read_large),
        "items_read_ratio_large_over_small": read_large / read_small,
        "open_ratio_large_over_small": large / small,
    }


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv[1:]).items():
        print(f"{key:36} {value:12.2f}")
