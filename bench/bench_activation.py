"""Activating a calendar: every open case re-judged under it, per case and for 100,000 open cases.

N open cases (2,000; 300 with --quick) are stored on moto, in process, in the real adapters' item
format: each has a record log of two records (apply, accept: sealed, hash-chained, as the append
stores them) and a case row checked once by `check_case` under the stage's calendar (summary, due
instants, due index, the sparse open-index shard, the case ledger in the scores table). Every case
was accepted in December 2026 under a 30-working-day limit, so its limits end in January 2027,
which the stage's calendar counts by weekends only. The office then loads and activates a 2027
calendar (two more holidays) with `recompute_jobs=None`, so `activate` re-judges every open case
inline, page by page along the 8 open-index shards, as the recompute workflow's steps would: every
case's due instants move and every case gets a note.

Every DynamoDB request of the activation is metered through botocore: requests per table and
operation, items read, read request units (strongly consistent reads one unit per 4 KB, eventually
consistent ones half, at least one request's worth), items written and write request units (the
larger of the item before and after, per 1 KB; transactional writes twice; each global secondary
index the write touches, as DynamoDB bills it, from the item before and after), and the time spent
inside the client (moto). The figures per case and per page are extrapolated to 100,000 open cases:
Step Functions transitions from the recompute ASL, Lambda time, time on moto serially and in the
cloud, and the cost at list prices. Baseline in the same process: fold + clock + rules of one case in
memory (`moto_over_pure`).
"""

from __future__ import annotations

import datetime as dt
import gc
import json
import math
import os
import statistics
import sys
import time
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

from bench_intake import PRICES  # noqa: E402
from bench_scoring import ROUND_TRIP  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402
from sunlight.app import spec  # noqa: E402
from sunlight.app.bootstrap import Settings, build  # noqa: E402
from sunlight.app.services import Services  # noqa: E402
from sunlight.approval.adapters.dynamo import make_models, record_key  # noqa: E402
from sunlight.approval.domain.lifecycle import Delivery, case_clock, fold  # noqa: E402
from sunlight.approval.domain.records import parse_record, to_exchange_json  # noqa: E402
from sunlight.approval.domain.rules import evaluate  # noqa: E402
from sunlight.approval.service.casework import check_case  # noqa: E402
from sunlight.approval.service.ports import CaseRow  # noqa: E402
from sunlight.approval.service.stored import chain_hash, chain_intact  # noqa: E402
from sunlight.approval.service.versions import PAGE_SIZE, activate, load_version  # noqa: E402
from sunlight.evaluation.adapters.scores import DynamoTallies  # noqa: E402
from sunlight.kernel.access import Principal  # noqa: E402
from sunlight.kernel.instants import normalised  # noqa: E402

from tests.fakes import MemoryTallies  # noqa: E402
from tests.integration.conftest import REGION, create_tables  # noqa: E402
from tests.integration.test_versions import CALENDAR_2027, LONG_ITEM, case_records  # noqa: E402

STAGE = "bench"
OPEN_CASES = 100_000  # the extrapolation's open cases
LAMBDA_MB = 1024  # the recompute function (spec.FUNCTIONS), arm64
LAMBDA_SECONDS = 900
ACCEPT_DAYS = [dt.date(2026, 12, d) for d in (1, 2, 3, 4, 7, 8, 9, 10)]  # working days of December 2026
NOW = normalised(dt.datetime.fromisoformat("2026-12-11T09:00:00+08:00"))
OFFICE = Principal("office", "330100", "", "市监察局效能室")


# -- the meter ---------------------------------------------------------------------------------------


def item_size(item: dict[str, Any]) -> int:
    """An item's size as DynamoDB counts it: attribute names plus values (numbers about half their
    digits, lists and maps 3 bytes plus a byte an element)."""
    return sum(len(name.encode()) + _value_size(value) for name, value in item.items())


def _value_size(value: Any) -> int:
    if isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPES:
        (kind, v), *_ = value.items()
        if kind in ("S", "B"):
            return len(v.encode() if isinstance(v, str) else v)
        if kind == "N":
            return _number_size(v)
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "L":
            return 3 + sum(_value_size(e) + 1 for e in v)
        if kind == "M":
            return 3 + sum(len(k.encode()) + _value_size(e) + 1 for k, e in v.items())
        return sum(len(str(e).encode()) for e in v)  # sets
    return _plain_size(value)


def _plain_size(value: Any) -> int:
    """The same for values a boto3 resource has already deserialised (the settings provider's)."""
    if isinstance(value, str):
        return len(value.encode())
    if isinstance(value, bool) or value is None:
        return 1
    if isinstance(value, (int, float, Decimal)):
        return _number_size(str(value))
    if isinstance(value, dict):
        return 3 + sum(len(str(k).encode()) + _plain_size(e) + 1 for k, e in value.items())
    if isinstance(value, (list, tuple)):
        return 3 + sum(_plain_size(e) + 1 for e in value)
    if isinstance(value, (set, frozenset)):
        return sum(_plain_size(e) for e in value)
    return len(bytes(value))


def _number_size(text: str) -> int:
    return len(text.strip("-").lstrip("0").replace(".", "")) // 2 + 1


_TYPES = frozenset(("S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"))


def _read_units(size: int, consistent: bool) -> float:
    return max(1, math.ceil(size / 4096)) * (1.0 if consistent else 0.5)


def _write_units(size: int) -> int:
    return max(1, math.ceil(size / 1024))


class Meter:
    """Every DynamoDB request through botocore (pynamodb's models, the tallies' and the settings'
    boto3 clients alike): requests by table and operation, items and request units read and written
    (global secondary indexes included), and the time inside the client. Writes read the item before
    and after with a raw GetItem to size them and their index writes; that time is kept apart
    (`side_seconds`) and is neither the client's nor the caller's."""

    def __init__(self, stage: str) -> None:
        self.requests: Counter[tuple[str, str]] = Counter()
        self.items_read: Counter[str] = Counter()
        self.read_units: Counter[str] = Counter()
        self.items_written: Counter[str] = Counter()
        self.write_units: Counter[str] = Counter()
        self.index_items_written: Counter[str] = Counter()
        self.index_write_units: Counter[str] = Counter()
        self.seconds = self.side_seconds = 0.0
        self.notes = 0
        self.op_seconds: Counter[tuple[str, str]] = Counter()
        self.logical = {t.physical(stage): t.logical for t in spec.TABLES}
        self.keys = {
            t.physical(stage): [t.partition.name, *([t.sort.name] if t.sort else [])] for t in spec.TABLES
        }
        self.indexes = {
            t.physical(stage): [[i.partition.name, *([i.sort.name] if i.sort else [])] for i in t.indexes]
            for t in spec.TABLES
        }

    def __enter__(self) -> Meter:
        original, meter = BaseClient._make_api_call, self
        self._original = original

        def metered(client: Any, operation: str, params: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name != "dynamodb":
                return original(client, operation, params)
            return meter.call(client, operation, params)

        BaseClient._make_api_call = metered  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    def _raw(self, client: Any, table: str, key: dict[str, Any]) -> dict[str, Any] | None:
        t0 = time.perf_counter()
        try:
            answer = self._original(
                client, "GetItem", {"TableName": table, "Key": key, "ConsistentRead": True}
            )
        finally:
            self.side_seconds += time.perf_counter() - t0
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def call(self, client: Any, op: str, params: dict[str, Any]) -> Any:
        table = params.get("TableName") or _first_table(params)
        single_write = op in ("PutItem", "UpdateItem", "DeleteItem")
        if single_write:
            key = params.get("Key") or {k: params["Item"][k] for k in self.keys[table]}
            before = self._raw(client, table, key)
        t0 = time.perf_counter()
        try:
            answer = self._original(client, op, params)
        finally:
            took = time.perf_counter() - t0
            self.seconds += took
        name = self.logical.get(table, table)
        kind = (name, f"{op}:{params['IndexName']}" if "IndexName" in params else op)
        self.requests[kind] += 1
        self.op_seconds[kind] += took
        names = params.get("ExpressionAttributeNames", {}).values()
        self.notes += int(op == "UpdateItem" and name == "cases" and "notes" in names)
        if op == "GetItem":
            item = answer.get("Item")
            self.items_read[name] += int(item is not None)
            self.read_units[name] += _read_units(item_size(item or {}), bool(params.get("ConsistentRead")))
        elif op in ("Query", "Scan"):
            items = answer.get("Items", [])
            self.items_read[name] += answer.get("ScannedCount", len(items))
            size = sum(item_size(i) for i in items)
            self.read_units[name] += _read_units(size, bool(params.get("ConsistentRead")))
        elif op == "BatchGetItem":
            for physical, items in answer.get("Responses", {}).items():
                n = self.logical.get(physical, physical)
                self.items_read[n] += len(items)
                self.read_units[n] += sum(_read_units(item_size(i), True) for i in items)
        elif single_write:
            after = self._raw(client, table, key)
            self.items_written[name] += 1
            self.write_units[name] += _write_units(max(item_size(before or {}), item_size(after or {})))
            self._index_writes(table, before, after)
        elif op == "TransactWriteItems":
            for action in params["TransactItems"]:
                (body,) = action.values()
                n = self.logical.get(body["TableName"], body["TableName"])
                self.items_written[n] += 1
                self.write_units[n] += 2 * _write_units(item_size(body.get("Item") or body.get("Key") or {}))
        elif op == "BatchWriteItem":
            for physical, requests in params["RequestItems"].items():
                n = self.logical.get(physical, physical)
                for r in requests:
                    self.items_written[n] += 1
                    self.write_units[n] += _write_units(item_size(r.get("PutRequest", {}).get("Item", {})))
        return answer

    def _index_writes(self, table: str, before: dict[str, Any] | None, after: dict[str, Any] | None) -> None:
        """A write to a table item is one more write per index it is in (projection ALL): an update
        in place, or a delete and a put when the index key moved."""
        name = self.logical.get(table, table)
        for keys in self.indexes.get(table, []):
            was = before is not None and all(k in before for k in keys)
            now = after is not None and all(k in after for k in keys)
            writes: list[dict[str, Any]] = []
            if was and now and any(before[k] != after[k] for k in keys):  # type: ignore[index]
                writes = [before, after]  # type: ignore[list-item]
            elif was and now and before != after:
                writes = [after]  # type: ignore[list-item]
            elif was and not now:
                writes = [before]  # type: ignore[list-item]
            elif now and not was:
                writes = [after]  # type: ignore[list-item]
            self.index_items_written[name] += len(writes)
            self.index_write_units[name] += sum(_write_units(item_size(w)) for w in writes)


def _first_table(params: dict[str, Any]) -> str:
    """The table a request without a TableName works on (transactions, batches): its first one."""
    for action in params.get("TransactItems", ()):
        (body,) = action.values()
        return str(body["TableName"])
    return next(iter(params.get("RequestItems") or {"-": None}))


# -- the open cases ------------------------------------------------------------------------------


def _deliveries(case_no: str, n: int) -> list[Delivery]:
    """Apply and accept on one of December's working days, each received a minute after."""
    day = ACCEPT_DAYS[n % len(ACCEPT_DAYS)].isoformat()
    out = []
    for record in case_records(case_no):
        occurred = record["occurred_at"].replace("2026-12-01", day)
        received = normalised(dt.datetime.fromisoformat(occurred) + dt.timedelta(minutes=1))
        out.append(Delivery(parse_record({**record, "occurred_at": occurred}), received))
    return out


def _store_logs(services: Services, settings: Settings, logs: dict[str, list[Delivery]]) -> None:
    """The record logs and case rows as `DynamoRecordLog.append` leaves them (sealed content, hash
    chain, the row's count and head), written in batches: moto copies the whole table for every item
    of a transaction, which would make thousands of appends quadratic. The first case goes through
    the real append, and the others must carry the same attributes."""
    models = make_models(settings.tables, region=REGION)
    (first, deliveries), *rest = logs.items()
    r0 = deliveries[0].record
    services.records.append(
        CaseRow(first, r0.dept_code, r0.region_code, r0.item_code), deliveries, services.protector.protect
    )
    with models.record.batch_write() as records, models.case.batch_write() as cases:
        for case_no, deliveries in rest:
            prev = ""
            for arrival, d in enumerate(deliveries, start=1):
                content = services.protector.protect(to_exchange_json(d.record))
                received = d.received_at.isoformat()  # type: ignore[union-attr]
                digest = chain_hash(prev, content, received)
                records.save(
                    models.record(
                        case_no,
                        record_key(d.record.seq, d.record.type),
                        arrival=arrival,
                        content=json.dumps(content, ensure_ascii=False),
                        received_at=received,
                        prev_hash=prev,
                        hash=digest,
                    )
                )
                prev = digest
            r = deliveries[0].record
            cases.save(
                models.case(
                    case_no,
                    dept_code=r.dept_code,
                    region_code=r.region_code,
                    item_code=r.item_code,
                    record_count=len(deliveries),
                    checked_count=0,
                    last_hash=prev,
                )
            )
    second = rest[0][0]
    real, direct = models.case.get(first).attribute_values, models.case.get(second).attribute_values
    assert real.keys() == direct.keys(), (real.keys(), direct.keys())
    assert [r.attribute_values.keys() for r in models.record.query(first)] == [
        r.attribute_values.keys() for r in models.record.query(second)
    ]
    stored = services.records.load(second)
    assert chain_intact(stored) and stored[-1].hash == services.cases.get(second).last_hash  # type: ignore[union-attr]


def _store_ledgers(memory: MemoryTallies, dynamo: DynamoTallies) -> None:
    """The case ledgers the first checks posted, into the scores table by the adapter's own put (the
    activation reads each; with nothing to change it posts nothing, so the cells are not needed)."""
    requests = []
    for ledger_id in memory.ledger_ids("case#"):
        ledger = memory.ledger(ledger_id)
        requests.append(
            {
                "PutRequest": {
                    "Item": dynamo._ledger_put(ledger_id, ledger.version - 1, ledger.postings)["Item"]
                }
            }
        )
    for start in range(0, len(requests), 25):
        dynamo._client.batch_write_item(RequestItems={dynamo._table: requests[start : start + 25]})


def _pure(services: Services, logs: dict[str, list[Delivery]], rounds: int) -> float:
    """Seconds per case to fold, clock and evaluate a case in memory under the active judgement."""
    judgement = services.judgement()
    calendar, config = judgement.calendar, judgement.rules
    stages = tuple(LONG_ITEM.stages)
    means = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        for deliveries in logs.values():
            state = fold(deliveries, stages)
            clock = case_clock(state, LONG_ITEM, calendar, config, NOW)
            evaluate(state, LONG_ITEM, calendar, config, NOW, clock)
        means.append((time.perf_counter() - t0) / len(logs))
    return statistics.median(means)


# -- the extrapolation --------------------------------------------------------------------------------


def _transitions(pages_per_shard: list[int]) -> int:
    """Step Functions state transitions of one recompute execution, walked from its ASL: the Map
    state, per page the states of the loop (RecomputePage and MorePages?), per shard the branch's
    end, and the final state."""
    asl = json.loads(spec.RECOMPUTE.file.read_text(encoding="utf-8"))
    (mapping,) = [s for s in asl["States"].values() if s["Type"] == "Map"]
    branch = mapping["ItemProcessor"]["States"]
    loop = [n for n, s in branch.items() if s["Type"] in ("Task", "Choice")]
    ends = [n for n, s in branch.items() if s["Type"] in ("Succeed", "Fail")]
    assert loop == ["RecomputePage", "MorePages?"] and len(ends) == 1, branch.keys()
    outside = len(asl["States"])  # EachShard and AllRecomputed
    return outside + sum(len(loop) * pages + len(ends) for pages in pages_per_shard)


def _pages(cases: int) -> int:
    """Pages `open_page` takes for a shard: full pages, and one more (empty when the shard fills its
    last page exactly, since DynamoDB then still returns a LastEvaluatedKey)."""
    return cases // PAGE_SIZE + 1


def _shards(open_cases: int) -> list[int]:
    """Open cases per shard, spread by `spec.open_shard` over case numbers like the bench's."""
    counts = Counter(spec.open_shard(f"HB2026-{n:06d}") for n in range(open_cases))
    return [counts[str(s)] for s in range(spec.OPEN_SHARDS)]


@dataclass
class Measured:
    cases: int
    seed_s: float
    elapsed_s: float  # the activation, without the meter's own reads
    meter: Meter
    case_bytes: int
    pure_s: float


def _measure(n: int, rounds: int) -> Measured:
    logs = {f"HB2026-{i:06d}": _deliveries(f"HB2026-{i:06d}", i) for i in range(n)}
    with mock_aws():
        create_tables(STAGE)
        settings = Settings(
            stage=STAGE, tables={t.logical: t.physical(STAGE) for t in spec.TABLES}, data_key=os.urandom(32)
        )
        services, _ = build(settings)
        services.now = lambda: NOW
        services.catalog.put(LONG_ITEM)
        t0 = time.perf_counter()
        _store_logs(services, settings, logs)
        # The first check of each case; its tallies posted in memory (a transaction per case on moto
        # copies the whole scores table per item), then the ledgers written in the adapter's format.
        dynamo_tallies, memory = services.tallies, MemoryTallies()
        services.tallies = memory
        for case_no in logs:
            check_case(case_no, services)
        assert isinstance(dynamo_tallies, DynamoTallies)
        _store_ledgers(memory, dynamo_tallies)
        services.tallies = dynamo_tallies
        seeded = time.perf_counter() - t0
        before = services.cases.get(next(iter(logs)))
        assert before is not None and before.summary["calendar_version"] == "default", before
        status, _ = load_version("calendar", CALENDAR_2027["version"], CALENDAR_2027, OFFICE, services)
        assert status == 201

        gc.collect()
        gc.freeze()
        with Meter(STAGE) as meter:
            t0 = time.perf_counter()
            answer = activate("calendar", CALENDAR_2027["version"], OFFICE, services)
            elapsed = time.perf_counter() - t0 - meter.side_seconds
        gc.unfreeze()
        assert answer["changed"] and answer["recompute"]["job"] is None, answer
        (record,) = services.versions.activations(answer["generation"], 1)  # type: ignore[union-attr]
        assert (record.checked, record.noted, record.failed) == (n, n, 0), record
        after = services.cases.get(next(iter(logs)))
        assert after is not None and after.summary["calendar_version"] == CALENDAR_2027["version"]
        assert len(after.notes) == 1 and after.next_due != before.next_due, after
        item = dynamo_tallies._client.get_item(
            TableName=spec.CASES.physical(STAGE), Key={"case_no": {"S": after.case_no}}
        )["Item"]
        pure = _pure(services, logs, rounds)
    return Measured(n, seeded, elapsed, meter, item_size(item), pure)


def run(quick: bool = False) -> dict[str, float]:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    measured = _measure(200, 3) if quick else _measure(1_000, 5)
    return _figures(measured)


@dataclass(frozen=True)
class Split:
    """The activation's requests apart: once a page (the open-index query, then the activation's
    counts in the settings table), once an activation (the version read and the transaction that
    makes it active, also settings) and once a case (all the rest). Units: the settings table's
    scale with pages, the rest with cases."""

    pages: int
    page_requests: float  # per page, the settings table's once-an-activation requests included
    case_requests: int
    case_reads: int
    case_writes: int
    read_units: float  # the case work's (settings apart)
    write_units: float
    settings_read_units: float
    settings_write_units: float

    @classmethod
    def of(cls, meter: Meter) -> Split:
        pages = meter.requests[("cases", "Query:open-index")]
        settings = sum(v for (t, _), v in meter.requests.items() if t == "settings")
        cases = {k: v for k, v in meter.requests.items() if k[0] != "settings"}
        writes = meter.write_units + meter.index_write_units
        return cls(
            pages=pages,
            page_requests=(pages + settings) / pages,
            case_requests=sum(cases.values()) - pages,
            case_reads=sum(v for (_, op), v in cases.items() if op.startswith(("GetItem", "Query"))) - pages,
            case_writes=sum(
                v for (_, op), v in cases.items() if op in ("PutItem", "UpdateItem", "DeleteItem")
            ),
            read_units=sum(v for t, v in meter.read_units.items() if t != "settings"),
            write_units=sum(v for t, v in writes.items() if t != "settings"),
            settings_read_units=meter.read_units["settings"],
            settings_write_units=writes["settings"],
        )


def _figures(m: Measured) -> dict[str, float]:
    n, meter, split = m.cases, m.meter, Split.of(m.meter)
    per_case_s = m.elapsed_s / n
    own_s = (m.elapsed_s - meter.seconds) / n
    # Items of the case work (the open-index entries it pages through included), settings apart.
    items_read = sum(v for t, v in meter.items_read.items() if t != "settings")
    items_written = sum(v for t, v in meter.items_written.items() if t != "settings")
    index_written = sum(v for t, v in meter.index_items_written.items() if t != "settings")
    # 100,000 open cases: the shards as spec.open_shard spreads them, the pages open_page takes.
    # In the cloud each request is one round trip of ROUND_TRIP (assumed, not measured), plus this
    # machine's own work per case; the 8 shards run side by side, so the largest one sets the time.
    shards = _shards(OPEN_CASES)
    pages = [_pages(c) for c in shards]
    cloud_case_s = own_s + split.case_requests / n * ROUND_TRIP
    cloud_page_s = split.page_requests * ROUND_TRIP
    cloud_shard_s = [c * cloud_case_s + p * cloud_page_s for c, p in zip(shards, pages, strict=True)]
    lambda_s = sum(cloud_shard_s)
    transitions = _transitions(pages)
    scale, page_scale = OPEN_CASES / n, sum(pages) / split.pages
    read_units = split.read_units * scale + split.settings_read_units * page_scale
    write_units = split.write_units * scale + split.settings_write_units * page_scale
    cost = {
        "dynamodb_read": read_units * PRICES["dynamodb_read_unit"],
        "dynamodb_write": write_units * PRICES["dynamodb_write_unit"],
        "lambda": sum(pages) * PRICES["lambda_request"]
        + lambda_s * LAMBDA_MB / 1024 * PRICES["lambda_gb_second_arm"],
        "step_functions": transitions * PRICES["sfn_transition"],
    }
    return {
        "open_cases": float(n),
        "seed_s": m.seed_s,
        "pages": float(split.pages),
        "requests_per_case": split.case_requests / n,
        "read_requests_per_case": split.case_reads / n,
        "write_requests_per_case": split.case_writes / n,
        "requests_per_page": split.page_requests,
        "items_read_per_case": items_read / n,
        "read_units_per_case": split.read_units / n,
        "items_written_per_case": items_written / n,
        "index_items_written_per_case": index_written / n,
        "write_units_per_case": split.write_units / n,
        "notes_per_case": meter.notes / n,
        "case_item_bytes": float(m.case_bytes),
        "moto_ms_per_case": per_case_s * 1e3,
        "moto_client_ms_per_case": meter.seconds / n * 1e3,
        "own_ms_per_case": own_s * 1e3,
        "pure_us_per_case": m.pure_s * 1e6,
        "moto_over_pure": per_case_s / m.pure_s,
        "pages_100k": float(sum(pages)),
        "largest_shard_100k": float(max(shards)),
        "sfn_transitions_100k": float(transitions),
        "items_read_100k": items_read * scale + meter.items_read["settings"] * page_scale,
        "items_written_100k": (items_written + index_written) * scale
        + meter.items_written["settings"] * page_scale,
        "read_units_100k": read_units,
        "write_units_100k": write_units,
        "moto_serial_s_100k": per_case_s * OPEN_CASES,
        "round_trip_ms": ROUND_TRIP * 1e3,
        "cloud_ms_per_case": cloud_case_s * 1e3,
        "cloud_s_per_page": PAGE_SIZE * cloud_case_s + cloud_page_s,
        "cloud_serial_s_100k": lambda_s,
        "cloud_s_100k": max(cloud_shard_s),
        "lambda_gb_s_100k": lambda_s * LAMBDA_MB / 1024,
        **{f"usd_100k_{k}": v for k, v in cost.items()},
        "usd_100k_total": sum(cost.values()),
    }


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv[1:]).items():
        print(f"{key:36} {value:14.4f}")
