"""The tallies, the score book and the archive: one contract, run against the DynamoDB adapters on moto
and against the in-memory fakes, so the fakes the service tests use cannot drift from the adapters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import boto3
import pytest
from moto import mock_aws
from sunlight.app import spec
from sunlight.approval.service.ports import CaseRow
from sunlight.complaints.domain import Complaint
from sunlight.devtools.local.provision import table_definition
from sunlight.evaluation.adapters.scores import DynamoScoreBook, DynamoTallies

from tests.fakes import MemoryArchive, MemoryCases, MemoryComplaints, MemoryScoreBook, MemoryTallies
from tests.integration.conftest import REGION, Cloud

AT = dt.datetime(2026, 11, 23, 2, 0, tzinfo=dt.UTC)
BACKENDS = ("memory", "dynamo")


@dataclass
class Stores:
    tallies: Any  # TallyStore
    book: Any  # ScoreBook


@pytest.fixture(params=BACKENDS)
def stores(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[Stores]:
    if request.param == "memory":
        yield Stores(MemoryTallies(), MemoryScoreBook())
        return
    for name, value in {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        client.create_table(**table_definition(spec.SCORES, "test"))
        table = spec.SCORES.physical("test")
        yield Stores(DynamoTallies(client, table), DynamoScoreBook(client, table))


def posting(day: str, counts: dict[str, float]) -> dict[str, Any]:
    return {"day": day, "dept": "D1", "region": "440305", "handler": None, "counts": counts}


# -- the tallies -------------------------------------------------------------------------------------


def test_a_missing_ledger_is_empty_at_version_zero(stores: Stores) -> None:
    ledger = stores.tallies.ledger("case#none")
    assert ledger.postings == {} and ledger.version == 0


def test_increments_add_up_and_negative_ones_subtract(stores: Stores) -> None:
    t = stores.tallies
    cell = ("m#2026-11", "dept#D1")
    assert t.post("case#1", 0, {"accept": posting("2026-11-23", {"accepted": 1})}, {cell: {"accepted": 1}})
    assert t.post("case#2", 0, {}, {cell: {"accepted": 1, "on_time": 0.5}})
    assert t.post("case#1", 1, {}, {cell: {"accepted": -1, "on_time": 0.25}})
    assert t.cells("m#2026-11", "dept#") == {"dept#D1": {"accepted": 1.0, "on_time": 0.75}}
    ledger = t.ledger("case#1")
    assert ledger.version == 2 and ledger.postings == {}
    assert t.ledger("case#2").version == 1


def test_float_counts_carry_no_binary_noise(stores: Stores) -> None:
    t = stores.tallies
    for n in range(10):
        assert t.post(f"case#{n}", 0, {}, {("all", "dept#D1"): {"score": 0.1}})
    assert t.cells("all", "dept#") == {"dept#D1": {"score": 1.0}}


def test_a_post_at_a_stale_version_is_refused_and_changes_nothing(stores: Stores) -> None:
    t = stores.tallies
    cell = ("d#2026-11-23", "dept#D1")
    first = {"accept": posting("2026-11-23", {"accepted": 1})}
    assert t.post("case#1", 0, first, {cell: {"accepted": 1}})
    # A second writer that read the ledger before the first one posted.
    assert not t.post("case#1", 0, {"other": posting("2026-11-23", {"x": 1})}, {cell: {"accepted": 1}})
    assert not t.post("case#1", 5, {}, {cell: {"accepted": 1}})
    assert t.ledger("case#1").postings == first
    assert t.ledger("case#1").version == 1
    assert t.cells("d#2026-11-23", "") == {"dept#D1": {"accepted": 1.0}}


def test_cells_read_one_period_with_a_prefix(stores: Stores) -> None:
    t = stores.tallies
    increments = {
        ("m#2026-11", "dept#D1"): {"accepted": 2},
        ("m#2026-11", "dept#D2"): {"accepted": 1},
        ("m#2026-11", "staff#D1#H1"): {"accepted": 2},
        ("m#2026-11", "region#440300"): {"alert#red_card#R-01": 1},
        ("m#2026-10", "dept#D1"): {"accepted": 7},
        ("all", "dept#D1"): {"accepted": 9},
    }
    assert t.post("case#1", 0, {}, increments)
    assert t.cells("m#2026-11", "dept#") == {"dept#D1": {"accepted": 2.0}, "dept#D2": {"accepted": 1.0}}
    assert t.cells("m#2026-11", "staff#D1#") == {"staff#D1#H1": {"accepted": 2.0}}
    assert t.cells("m#2026-11", "region#") == {"region#440300": {"alert#red_card#R-01": 1.0}}
    assert t.cells("m#2026-12", "dept#") == {}
    assert len(t.cells("m#2026-11", "")) == 4


def test_a_post_of_more_cells_than_a_transaction_holds_still_lands(stores: Stores) -> None:
    t = stores.tallies
    increments = {("d#2026-11-23", f"dept#D{n:03d}"): {"records": 1, "late:records-x": 2} for n in range(130)}
    assert t.post("intake#D#2026-11-23", 0, {"f": posting("2026-11-23", {"records": 1})}, increments)
    cells = t.cells("d#2026-11-23", "dept#")
    assert len(cells) == 130
    assert all(c == {"records": 1.0, "late:records-x": 2.0} for c in cells.values())
    # The ledger's condition holds on this path too.
    assert not t.post("intake#D#2026-11-23", 0, {}, increments)
    assert t.ledger("intake#D#2026-11-23").version == 1
    assert len(t.cells("d#2026-11-23", "dept#")) == 130


def test_a_post_of_some_dozens_of_cells_lands(stores: Stores) -> None:
    """More cells than a few, fewer than the 100 actions of one transaction."""
    t = stores.tallies
    increments = {("m#2026-11", f"region#{n:06d}"): {"accepted": 1} for n in range(40)}
    assert t.post("case#1", 0, {}, increments)
    assert not t.post("case#1", 0, {}, increments)
    assert t.post("case#1", 1, {}, {cell: {"accepted": -1} for cell in increments})
    assert t.cells("m#2026-11", "region#") == {unit: {"accepted": 0.0} for _, unit in increments}


def test_everything_leaves_out_zero_counts(stores: Stores) -> None:
    t = stores.tallies
    assert t.post(
        "case#1", 0, {}, {("all", "dept#D1"): {"accepted": 1, "refused": 1}, ("all", "dept#D2"): {"x": 1}}
    )
    assert t.post("case#1", 1, {}, {("all", "dept#D1"): {"refused": -1}, ("all", "dept#D2"): {"x": -1}})
    assert t.post("case#2", 0, {}, {("m#2026-11", "staff#D1#H1"): {"on_time": 1.5}})
    assert t.everything() == {
        ("all", "dept#D1"): {"accepted": 1.0},
        ("m#2026-11", "staff#D1#H1"): {"on_time": 1.5},
    }


def test_ledger_ids_by_prefix(stores: Stores) -> None:
    t = stores.tallies
    for ledger_id in ("intake#D1#2026-11-23", "intake#D2#2026-11-23", "adjust#dept#D1#2026", "case#C1"):
        assert t.post(ledger_id, 0, {}, {})
    assert t.ledger_ids("intake#") == ["intake#D1#2026-11-23", "intake#D2#2026-11-23"]
    assert t.ledger_ids("adjust#") == ["adjust#dept#D1#2026"]
    assert t.ledger_ids("complaint#") == []


# -- the score book ----------------------------------------------------------------------------------


def test_a_standard_is_written_once(stores: Stores) -> None:
    b = stores.book
    assert b.put_standard("2026.1", {"weights": {"on_time": 40}}, AT)
    assert not b.put_standard("2026.1", {"weights": {"on_time": 99}}, AT + dt.timedelta(days=1))
    assert b.standard("2026.1") == {"weights": {"on_time": 40}}
    assert b.standard("2026.9") is None


def test_versions_oldest_first_and_the_current_pointer(stores: Stores) -> None:
    b = stores.book
    assert b.current() is None and b.versions() == []
    assert b.put_standard("b", {"n": 2}, AT + dt.timedelta(hours=1))
    assert b.put_standard("a", {"n": 1}, AT)
    b.set_current("b", AT)
    b.set_current("a", AT + dt.timedelta(hours=2))
    assert b.current() == "a"
    assert b.versions() == [
        {"version": "a", "loaded_at": AT.isoformat()},
        {"version": "b", "loaded_at": (AT + dt.timedelta(hours=1)).isoformat()},
    ]


def test_scores_are_kept_per_period_and_version_with_a_head(stores: Stores) -> None:
    b = stores.book
    assert b.head("2026-11") is None
    units = [{"unit": f"dept#D{n:02d}", "score": 90.5 - n, "rank": n + 1} for n in range(60)]
    b.save_scores("2026-11", "v1", units, AT, final=False)
    b.save_scores("2026-11", "v2", units[:3], AT + dt.timedelta(hours=1), final=True)
    b.save_scores("2026-10", "v1", units[:1], AT, final=True)
    assert b.scores("2026-11", "v1") == units
    assert b.scores("2026-11", "v2") == units[:3]
    assert b.scores("2026-12", "v1") == []
    assert b.head("2026-11") == {
        "version": "v2",
        "scored_at": (AT + dt.timedelta(hours=1)).isoformat(),
        "final": True,
    }
    assert b.head("2026-10") == {"version": "v1", "scored_at": AT.isoformat(), "final": True}


def test_scoring_again_with_a_version_replaces_its_scores(stores: Stores) -> None:
    b = stores.book
    b.save_scores(
        "2026-11", "v1", [{"unit": "dept#A", "score": 1}, {"unit": "dept#B", "score": 2}], AT, final=False
    )
    b.save_scores("2026-11", "v1", [{"unit": "dept#B", "score": 3}], AT + dt.timedelta(days=1), final=True)
    assert b.scores("2026-11", "v1") == [{"unit": "dept#B", "score": 3}]
    assert b.head("2026-11") == {
        "version": "v1",
        "scored_at": (AT + dt.timedelta(days=1)).isoformat(),
        "final": True,
    }


# -- the archive -------------------------------------------------------------------------------------


def complaint(no: str) -> Complaint:
    return Complaint(
        complaint_no=no,
        kind="complaint",
        text="窗口推诿",
        filed_at=AT,
        due=AT + dt.timedelta(days=15),
        region_code="330100",
        query_hash="h",
    )


@pytest.mark.parametrize("backend", BACKENDS)
def test_the_archive_lists_every_case_and_complaint(backend: str, request: pytest.FixtureRequest) -> None:
    if backend == "memory":
        cases, complaints = MemoryCases(), MemoryComplaints()
        archive: Any = MemoryArchive(cases, complaints)
        for n in range(3):
            cases.rows[f"C{n}"] = CaseRow(f"C{n}", "D1", "330100", "I1")
    else:
        cloud: Cloud = request.getfixturevalue("cloud")
        archive, complaints = cloud.services.archive, cloud.services.complaints
        for n in range(3):
            cloud.services.records.append(CaseRow(f"C{n}", "D1", "330100", "I1"), [], lambda c: c)
    for no in ("TS-1", "TS-2"):
        assert complaints.create(complaint(no))
    assert sorted(archive.case_nos()) == ["C0", "C1", "C2"]
    found = sorted(archive.complaints(), key=lambda c: c.complaint_no)
    assert [c.complaint_no for c in found] == ["TS-1", "TS-2"]
    assert found[0] == complaint("TS-1")


def test_the_bootstrap_wires_the_scores_table(cloud: Cloud) -> None:
    services = cloud.services
    assert isinstance(services.tallies, DynamoTallies)
    assert isinstance(services.scorebook, DynamoScoreBook)
    assert services.tallies.post("case#X", 0, {}, {("all", "dept#D1"): {"accepted": 1}})
    assert services.tallies.everything() == {("all", "dept#D1"): {"accepted": 1.0}}
