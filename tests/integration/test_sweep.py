"""The deadline sweep on moto: work proportional to the cases due, idempotent, safe in parallel."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sunlight.app.sweep import sweep

from tests.integration.conftest import KEYS, Cloud, call, example_records, push_live, seed_open_cases

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("total", [1_000, 100_000])
def test_the_sweep_reads_only_what_is_due(cloud: Cloud, total: int) -> None:
    now = cloud.services.now()
    started = time.monotonic()
    seed_open_cases("test", total, 100, now)
    assert time.monotonic() - started < 300
    due = cloud.services.cases.due(now)
    assert due.read == 100 and sorted(due.case_nos) == [f"OPEN-{n:06d}" for n in range(100)]


def test_a_due_case_gets_its_card_once_and_its_next_moment_moves_on(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records("C2026-000007")[:3])  # accepted, undertaken, then silence
    cloud.set_now("2026-11-12T09:00:00+08:00")  # the committed limit (11-11 17:30) has passed
    first = sweep(cloud.services)
    assert first.checked == 1 and first.changed >= 2  # warning raised, then withdrawn by the yellow card
    statuses = cloud.services.alerts.statuses("C2026-000007")
    assert statuses["C2026-000007:T-YELLOW:case"] == "active"
    assert statuses["C2026-000007:T-WARN:case"] == "withdrawn"
    again = sweep(cloud.services)
    assert again.read == 0 and again.changed == 0  # nothing due until the red moment
    row = cloud.services.cases.get("C2026-000007")
    assert row is not None and row.next_due is not None
    assert row.next_due.astimezone(dt.UTC) == dt.datetime(
        2026, 11, 16, 9, 30, 1, tzinfo=dt.UTC
    )  # 17:30:01 +08:00


def test_parallel_sweeps_and_an_arriving_record_store_each_alert_once(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records("C2026-000008")[:3])
    cloud.set_now("2026-11-17T09:00:00+08:00")  # past the red moment
    created: list[str] = []
    original = cloud.services.alerts.create

    def counting_create(alert: dict, history: list) -> bool:  # type: ignore[type-arg]
        stored = original(alert, history)
        if stored:
            created.append(alert["alert_id"])
        return stored

    cloud.services.alerts.create = counting_create  # type: ignore[method-assign]
    late = example_records("C2026-000008")[3]
    workers = [threading.Thread(target=sweep, args=(cloud.services,)) for _ in range(4)]
    workers.append(
        threading.Thread(target=call, args=(cloud, "POST", "/v1/records", KEYS["a"], {"records": [late]}))
    )
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert len(created) == len(set(created))
    assert set(created) >= {"C2026-000008:T-RED:case"}
