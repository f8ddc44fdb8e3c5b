"""Rankings against the history behind them, and the nightly recompute's cost per case.

Ranking. The tallies of 50 departments (5 staff each; city bureaus and district ones, so three
region levels) are built as they would stand after 10,000 and after 1,000,000 cases spread over the
24 months to 2026-11-20: every case gets synthetic facts (`Fact`, the counts `case_facts` produces
at plausible rates), the facts are summed by `sum_facts` and the cells written into a moto "scores"
table in the item format of `DynamoTallies` (pk `tally#<period>`, sk the unit, one number per count).
`evaluation.ranking("dept", "2026-11")` then runs on the real adapters over each table, the two
interleaved. Counted per ranking: the requests and the items DynamoDB would read, and the time spent
inside the DynamoDB client (moto) apart from the rest (the ranking's own work). moto answers a Query
by walking its whole table in Python, so its share grows with the table; DynamoDB reads the
partition, so the design's figures are the items read and the own work, both meant to stay put.

Recompute. (a) Pure: the sample city's cases derived again as `recompute` derives each one (parse the
stored records, fold, clock, `case_facts` with the case's stored alerts, `sum_facts`). (b) End to end
on moto: a few hundred cases stored through the real adapters (the hash-chained append, the check
that stores alerts and posts tallies; the tallies posted in memory and then written in the adapter's
item format, since moto copies a whole table for every item of a transaction), then
`tallying.recompute(services, archive)`, checked against the stored tallies. Both are extrapolated
to a million cases and to what one 15-minute Lambda invocation covers.
"""

from __future__ import annotations

import datetime as dt
import gc
import os
import random
import statistics
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

import boto3  # noqa: E402
from moto import mock_aws  # noqa: E402
from pynamodb.connection.base import Connection  # noqa: E402
from sunlight.app import spec  # noqa: E402
from sunlight.app.bootstrap import Settings, build  # noqa: E402
from sunlight.app.services import Services  # noqa: E402
from sunlight.approval.domain.catalog import Item  # noqa: E402
from sunlight.approval.domain.config import RuleConfig  # noqa: E402
from sunlight.approval.domain.lifecycle import CaseLog, Delivery, case_clock, fold  # noqa: E402
from sunlight.approval.domain.records import parse_record  # noqa: E402
from sunlight.approval.domain.rules import evaluate  # noqa: E402
from sunlight.approval.service.casework import check_case  # noqa: E402
from sunlight.approval.service.ports import CaseRow  # noqa: E402
from sunlight.devtools.sample.city import credit_code, generate  # noqa: E402
from sunlight.evaluation.adapters.scores import BATCH, TALLY, DynamoScoreBook, DynamoTallies, number  # noqa: E402
from sunlight.evaluation.domain.tally import (  # noqa: E402
    Cell,
    Counts,
    Fact,
    alert_key,
    case_facts,
    case_handler,
    drift,
    sum_facts,
)
from sunlight.evaluation.service import scores as evaluation  # noqa: E402
from sunlight.evaluation.service.tallying import RECOMPUTE_WORKERS, recompute  # noqa: E402
from sunlight.evaluation.service.tallying import listen as evaluation_listens  # noqa: E402
from sunlight.kernel.calendar import HolidaySource, WorkCalendar  # noqa: E402
from sunlight.kernel.instants import normalised  # noqa: E402

from tests.fakes import (  # noqa: E402
    InlineWorkflow,
    MemoryAlerts,
    MemoryArchive,
    MemoryCases,
    MemoryCatalog,
    MemoryRecords,
    MemoryTallies,
    PlainProtector,
)
from tests.integration.conftest import REGION, create_tables  # noqa: E402

CALENDAR = WorkCalendar(HolidaySource.chinese_calendar())
NOW = normalised(dt.datetime(2026, 11, 20, 18, 30, tzinfo=CALENDAR.tz))
FIRST_DAY = dt.date(2024, 12, 1)  # 24 months: 2024-12 to 2026-11
LAMBDA_SECONDS = 900  # the scoring function's timeout (spec.FUNCTIONS), Lambda's maximum
ROUND_TRIP = 0.005  # an assumed DynamoDB request round trip inside a region (not measured here)

# City bureaus (region 330100: province and city levels) and district ones (a county level more).
DISTRICTS = ("330102", "330105", "330106", "330108", "330109", "330110")
STAFF_PER_DEPT = 5

# Alerts a case may raise besides the time chain: (rule, level, share of accepted cases, when).
OTHER_ALERTS: tuple[tuple[str, str, float, str], ...] = (
    ("T-ACCEPT", "yellow_card", 0.03, "accept"),
    ("P-SUPP-REPEAT", "warning", 0.03, "accept"),
    ("T-STAGE", "warning", 0.02, "middle"),
    ("P-SUPP-AFTER-ACCEPT", "warning", 0.02, "middle"),
    ("L-TIMING", "warning", 0.015, "middle"),
    ("T-SPECIAL", "warning", 0.01, "middle"),
    ("P-ORDER", "yellow_card", 0.03, "end"),
    ("F-FEE", "yellow_card", 0.025, "end"),
    ("P-OFFLINE", "warning", 0.015, "end"),
)
REFUSED, LATE, WARNED, LATE_RECORD = 0.035, 0.08, 0.06, 0.02


@dataclass(frozen=True)
class Dept:
    code: str
    name: str
    region: str
    limit: int  # committed limit in working days
    staff: tuple[str, ...]


def departments() -> list[Dept]:
    out = []
    for n in range(1, 51):
        code = credit_code(n)
        region = "330100" if n <= 10 else DISTRICTS[n % len(DISTRICTS)]
        staff = tuple(f"{code[-4:]}{s:03d}" for s in range(1, STAFF_PER_DEPT + 1))
        out.append(Dept(code, f"部门{n:02d}", region, (5, 8, 10, 15)[n % 4], staff))
    return out


def catalog(depts: list[Dept]) -> list[Item]:
    """Two items a department, committed limits cut from the statutory ones (the limit-cut bonus)."""
    items = []
    for n, d in enumerate(depts, start=1):
        for m in (1, 2):
            entry = {
                "item_code": f"{d.region}-D{n:02d}-{m:03d}",
                "name": f"{d.name}许可事项{m}",
                "dept_code": d.code,
                "dept_name": d.name,
                "region_code": d.region,
                "legal_basis": "《行政许可法》第四十二条",
                "statutory_limit": {"value": 20, "unit": "G"},
                "committed_limit": {"value": d.limit, "unit": "G"},
                "stages": ["undertake", "review", "approve"],
            }
            items.append(Item.model_validate(entry))
    return items


class History:
    """Synthetic facts of one case at a time, as `case_facts` would derive them for a case that went
    through the office in the 24 months: submitted on a working day, accepted (or refused), concluded
    within or beyond its department's committed limit (or still open on 2026-11-20), with its records
    received per day and the alerts that still count (a lower time card withdrawn by a higher one
    counts nothing)."""

    def __init__(self, seed: int, depts: list[Dept]) -> None:
        self.rng = random.Random(seed)
        self.depts = depts
        self.weights = [1 / n**0.7 for n in range(1, len(depts) + 1)]  # some bureaus are much busier
        days, day = [], FIRST_DAY
        while len(days) < 2 or days[-1] < NOW.date() + dt.timedelta(days=90):
            if CALENDAR.is_working_day(day):
                days.append(day)
            day += dt.timedelta(days=1)
        self.days = days
        self.today = max(i for i, d in enumerate(days) if d <= NOW.date())

    def cases(self, n: int) -> Iterator[list[Fact]]:
        picks = self.rng.choices(self.depts, weights=self.weights, k=n)
        for dept in picks:
            yield self.case(dept)

    def case(self, dept: Dept) -> list[Fact]:
        rng, days, today = self.rng, self.days, self.today
        handler = dept.staff[rng.randrange(STAFF_PER_DEPT)]
        facts: list[Fact] = []
        records: dict[int, list[int]] = {}

        def fact(fact_id: str, i: int, counts: Counts) -> None:
            facts.append(Fact(fact_id, days[i], dept.code, dept.region, handler, counts))

        def alert(rule: str, level: str, i: int, counts: bool = True) -> None:
            if i <= today:
                fact(f"alert#{rule}", i, {alert_key(level, rule): 1} if counts else {})

        def received(i: int, n: int = 1) -> None:
            if i <= today:
                day = records.setdefault(i, [0, 0])
                day[0] += n
                day[1] += sum(1 for _ in range(n) if rng.random() < LATE_RECORD)

        d = rng.randrange(today + 1)
        if rng.random() < REFUSED:
            fact("accept", d, {"refused": 1})
            received(d, 2)
            if rng.random() < 0.3:
                alert("P-REFUSE-NO-REASON", "warning", d)
        else:
            a = min(d + (1 if rng.random() < 0.3 else 0), today)  # accepted that day or the next
            late, limit = rng.random() < LATE, dept.limit
            k = limit + rng.randint(1, limit) if late else rng.randint(1, limit)
            c = a + k
            fact("accept", a, {"accepted": 1, "in_progress": int(c > today)})
            if c <= today:
                fact("conclude", c, {"concluded": 1, "on_time": int(not late), "early": int(k < limit)})
            received(d)
            received(a)
            middle = a + rng.randint(1, k)
            received(middle, rng.randint(1, 3))
            received(c)
            if late:  # T-WARN withdrawn by T-YELLOW, and T-YELLOW by T-RED beyond half the limit again
                red = k > limit * 3 // 2
                alert("T-WARN", "warning", a + max(limit - 2, 0), counts=False)
                alert("T-YELLOW", "yellow_card", a + limit, counts=not red)
                if red:
                    alert("T-RED", "red_card", a + limit * 3 // 2 + 1)
            elif rng.random() < WARNED:
                alert("T-WARN", "warning", a + k - 1)
            for rule, level, share, when in OTHER_ALERTS:
                if rng.random() < share:
                    alert(rule, level, {"accept": a, "middle": middle, "end": c}[when])
        for i, (n, late_n) in sorted(records.items()):
            fact(f"records#{days[i]}", i, {"records": n, "late_records": late_n})
            if late_n:
                alert("L-LATE-REPORT", "warning", i)
        return facts


def aggregate(cases: Iterator[list[Fact]], keep: list[Fact] | None = None) -> dict[Cell, Counts]:
    """The tallies the cases' facts add up to. Facts of the same day, department and handler land in
    the same cells, so they are added up first and `sum_facts` spreads each sum over its cells once
    (the same tallies as summing every fact, at a fraction of the work)."""
    groups: dict[tuple[dt.date, str, str, str | None], Counts] = {}
    for facts in cases:
        if keep is not None:
            keep.extend(facts)
        for f in facts:
            if not f.counts:
                continue
            into = groups.setdefault((f.day, f.dept_code, f.region_code, f.handler_id), {})
            for name, value in f.counts.items():
                into[name] = into.get(name, 0) + value
    summed = [Fact(f"sum#{n}", *key, counts) for n, (key, counts) in enumerate(groups.items())]
    return sum_facts(summed)


def _nonzero(cells: dict[Cell, Counts]) -> dict[Cell, Counts]:
    out = {}
    for cell, counts in cells.items():
        kept = {k: float(v) for k, v in counts.items() if v}
        if kept:
            out[cell] = kept
    return out


def write_cells(client: Any, table: str, cells: dict[Cell, Counts]) -> int:
    """The cells as `DynamoTallies` keeps them (its `ADD` leaves out zero increments), 25 a batch."""
    requests = []
    for (period, unit), counts in cells.items():
        moving = {name: number(float(value)) for name, value in sorted(counts.items()) if value}
        if moving:
            item = {"pk": {"S": TALLY + period}, "sk": {"S": unit}, **moving}
            requests.append({"PutRequest": {"Item": item}})
    for start in range(0, len(requests), BATCH):
        pending: dict[str, Any] = {table: requests[start : start + BATCH]}
        while pending:
            pending = client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
    return len(requests)


def create_scores_table(client: Any, name: str) -> None:
    table = spec.SCORES
    keys = [table.partition, *([table.sort] if table.sort else [])]
    client.create_table(
        TableName=name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[
            {"AttributeName": k.name, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=False)
        ],
        AttributeDefinitions=[{"AttributeName": k.name, "AttributeType": k.type} for k in keys],
    )


class ClientMeter:
    """Requests, items read and time spent inside a boto3 client (here: inside moto)."""

    def __init__(self, client: Any) -> None:
        self.requests, self.items, self.counts, self.seconds = 0, 0, 0, 0.0
        original = client._make_api_call

        def metered(operation: str, params: dict[str, Any]) -> Any:
            t0 = time.perf_counter()
            try:
                answer = original(operation, params)
            finally:
                self.seconds += time.perf_counter() - t0
            self.requests += 1
            self.items += answer.get("ScannedCount", 1 if "Item" in answer else 0)
            self.counts += sum(len(item) - 2 for item in answer.get("Items", ()))  # beside pk and sk
            return answer

        client._make_api_call = metered

    def reset(self) -> None:
        self.requests, self.items, self.counts, self.seconds = 0, 0, 0, 0.0


def ranking_services(client: Any, table: str, items: list[Item]) -> Services:
    cases = MemoryCases()
    return Services(
        MemoryCatalog(items),
        MemoryRecords(cases),
        cases,
        MemoryAlerts(),
        InlineWorkflow(),
        PlainProtector(),
        CALENDAR,
        RuleConfig(),
        lambda: NOW,
        tallies=DynamoTallies(client, table),
        scorebook=DynamoScoreBook(client, table),
    )


def _history_table(
    client: Any, size: str, cases: int, seed: int, depts: list[Dept], items: list[Item]
) -> tuple[Services, dict[str, float]]:
    """Build a history's tallies, write them into a table of their own and check they read back."""
    keep: list[Fact] | None = [] if cases <= 20_000 else None
    cells = aggregate(History(seed, depts).cases(cases), keep)
    if keep is not None:  # the grouping must add up to what summing every fact gives
        assert _nonzero(cells) == _nonzero(sum_facts(keep)), "grouped sums differ from sum_facts"
    table = f"sunlight-bench-scores-{size}"
    create_scores_table(client, table)
    t0 = time.perf_counter()
    written = write_cells(client, table, cells)
    wrote = time.perf_counter() - t0
    services = ranking_services(client, table, items)
    month = {u: c for (p, u), c in _nonzero(cells).items() if p == "m#2026-11" and u.startswith("dept#")}
    assert services.tallies.cells("m#2026-11", "dept#") == month, "the table does not hold the tallies built"
    return services, {
        f"cases_{size}": float(cases),
        f"items_{size}": float(written),
        f"day_items_{size}": float(sum(1 for p, _ in cells if p.startswith("d#"))),
        f"counts_per_dept_month_{size}": statistics.mean(len(c) for c in month.values()),
        f"write_s_{size}": wrote,
    }


def _rankings(quick: bool) -> dict[str, float]:
    depts = departments()
    items = catalog(depts)
    sizes = {"small": 10_000, "large": 100_000 if quick else 1_000_000}
    runs = 3 if quick else 5
    out: dict[str, float] = {}
    with mock_aws():
        client = boto3.client("dynamodb", region_name=REGION)
        services = {}
        for n, (size, cases) in enumerate(sizes.items()):
            services[size], figures = _history_table(client, size, cases, 1000 + n, depts, items)
            out.update(figures)
        meter = ClientMeter(client)
        # The histories are setup, not work: keep the collector from rescanning them every cycle.
        gc.collect()
        gc.freeze()
        timings: dict[str, list[tuple[float, float, int, int, int]]] = {s: [] for s in sizes}
        for _ in range(runs):
            for size in sizes:  # interleaved, so drift on a shared machine hits both alike
                meter.reset()
                t0 = time.perf_counter()
                answer = evaluation.ranking("dept", "2026-11", services[size])
                total = time.perf_counter() - t0
                assert answer["units"], answer
                timings[size].append((total, meter.seconds, meter.requests, meter.items, meter.counts))
        gc.unfreeze()
    own_per_count = {}
    for size, rows in timings.items():
        out[f"ranking_ms_{size}"] = statistics.median(r[0] for r in rows) * 1e3
        out[f"ranking_own_ms_{size}"] = statistics.median(r[0] - r[1] for r in rows) * 1e3
        out[f"ranking_requests_{size}"] = float(rows[-1][2])
        out[f"ranking_items_read_{size}"] = float(rows[-1][3])
        own_per_count[size] = out[f"ranking_own_ms_{size}"] / rows[-1][4]
    out["cases_ratio_large_over_small"] = out["cases_large"] / out["cases_small"]
    out["items_ratio_large_over_small"] = out["items_large"] / out["items_small"]
    out["ranking_ratio_large_over_small"] = out["ranking_ms_large"] / out["ranking_ms_small"]
    out["ranking_own_ratio_large_over_small"] = out["ranking_own_ms_large"] / out["ranking_own_ms_small"]
    out["ranking_own_per_count_ratio_large_over_small"] = own_per_count["large"] / own_per_count["small"]
    out["ranking_items_read_ratio_large_over_small"] = (
        out["ranking_items_read_large"] / out["ranking_items_read_small"]
    )
    return out


# -- the recompute ---------------------------------------------------------------------------------


def _pure(quick: bool) -> dict[str, float]:
    """Each case derived again as `recompute` does, minus the reads: parse the stored records, fold,
    clock, `case_facts` with the alerts its checks stored, `sum_facts`."""
    config = RuleConfig()
    city = generate(5, dt.date(2026, 9, 1), dt.date(2026, 11, 20), 8 if quick else 30, CALENDAR)
    items = {i.item_code: i for i in city.catalog}
    now = normalised(city.as_of)
    by_case: dict[str, list[tuple[dict[str, Any], dt.datetime]]] = {}
    for e in city.envelopes():
        received = normalised(dt.datetime.fromisoformat(e["received_at"]))
        by_case.setdefault(e["record"]["case_no"], []).append((e["record"], received))
    alerts: dict[str, list[dict[str, Any]]] = {}
    for case_no, stored in by_case.items():  # what the checks left in the alert store (setup)
        state = _fold(case_no, stored, items)
        handler = case_handler(state)
        alerts[case_no] = [
            {
                **a.to_json(),
                "alert_id": a.alert_id,
                "dept_code": state.dept_code,
                "region_code": state.region_code,
                "handler_id": handler,
            }
            for a in evaluate(state, items[state.item_code], CALENDAR, config, now)
        ]
    gc.collect()
    gc.freeze()
    sums: dict[Cell, Counts] = {}
    per_case: list[float] = []
    for case_no, stored in by_case.items():
        t0 = time.perf_counter()
        state = _fold(case_no, stored, items)
        clock = case_clock(state, items[state.item_code], CALENDAR, config, now)
        sum_facts(case_facts(state, clock, alerts[case_no], CALENDAR, config.late_report_days), sums)
        per_case.append(time.perf_counter() - t0)
    gc.unfreeze()
    mean = statistics.mean(per_case)
    return {
        "pure_cases": float(len(per_case)),
        "pure_s_per_million_cases": mean * 1e6,
        "pure_cases_per_lambda": LAMBDA_SECONDS / mean,
    }


def _fold(case_no: str, stored: list[tuple[dict[str, Any], dt.datetime]], items: dict[str, Item]) -> Any:
    log = CaseLog(case_no)
    for content, received in stored:
        log.add(Delivery(parse_record(content), received))
    first = log.deliveries[0].record
    return fold(log.deliveries, tuple(items[first.item_code].stages))


class ConnectionMeter:
    """Requests and time inside pynamodb's connection (the case, record, alert and catalogue tables)."""

    def __init__(self) -> None:
        self.requests, self.seconds = 0, 0.0
        self._original: Callable[..., Any] = Connection._make_api_call

    def __enter__(self) -> ConnectionMeter:
        original, meter = self._original, self

        def metered(connection: Any, operation: str, params: dict[str, Any]) -> Any:
            t0 = time.perf_counter()
            try:
                return original(connection, operation, params)
            finally:
                meter.seconds += time.perf_counter() - t0
                meter.requests += 1

        Connection._make_api_call = metered  # type: ignore[method-assign]
        return self

    def __exit__(self, *exc: object) -> None:
        Connection._make_api_call = self._original  # type: ignore[method-assign]


def _end_to_end(quick: bool) -> dict[str, float]:
    """A few hundred cases stored through the real adapters, then `recompute` over the archive."""
    city = generate(11, dt.date(2026, 10, 12), dt.date(2026, 10, 30), 6 if quick else 20, CALENDAR)
    now = normalised(city.as_of)
    by_case: dict[str, list[Delivery]] = {}
    for e in city.envelopes():
        received = normalised(dt.datetime.fromisoformat(e["received_at"]))
        by_case.setdefault(e["record"]["case_no"], []).append(Delivery(parse_record(e["record"]), received))
    with mock_aws():
        create_tables("bench")
        settings = Settings(
            stage="bench",
            tables={t.logical: t.physical("bench") for t in spec.TABLES},
            data_key=os.urandom(32),
        )
        services, _ = build(settings)
        workflow = InlineWorkflow()
        workflow.services = services
        services.workflow = workflow
        services.now = lambda: now
        for item in city.catalog:
            services.catalog.put(item)
        # moto copies a whole table for every item of a transaction, so posting each case's tallies
        # there makes the setup quadratic: they are posted in memory with the adapter's semantics,
        # then written into the scores table in its item format (ledgers and cells) in batches.
        dynamo_tallies, services.tallies = services.tallies, MemoryTallies()
        for case_no, deliveries in by_case.items():
            first = deliveries[0].record
            row = CaseRow(case_no, first.dept_code, first.region_code, first.item_code)
            services.records.append(row, deliveries, services.protector.protect)
            check_case(case_no, services)  # stores the alerts, posts the tallies
        ledger_bytes = _copy_tallies(services.tallies, dynamo_tallies) / len(by_case)
        services.tallies = dynamo_tallies
        scores = ClientMeter(services.tallies._client)
        gc.collect()
        gc.freeze()
        with ConnectionMeter() as tables:
            t0 = time.perf_counter()
            sums, report = recompute(services, services.archive, workers=1)  # serial: per-request figures
            elapsed = time.perf_counter() - t0
        store, requests = tables.seconds + scores.seconds, tables.requests + scores.requests
        gc.unfreeze()
        drifted = drift(services.tallies.everything(), sums)
        assert not drifted, drifted[:5]
    per_case = elapsed / report.cases
    return {
        "moto_cases": float(report.cases),
        "moto_ms_per_case": per_case * 1e3,
        "moto_requests_per_case": requests / report.cases,
        "ledger_bytes_per_case": ledger_bytes,
        "moto_own_us_per_case": (elapsed - store) / report.cases * 1e6,
        "moto_s_per_million_cases": per_case * 1e6,
        "moto_cases_per_lambda": LAMBDA_SECONDS / per_case,
    }


def _copy_tallies(memory: MemoryTallies, dynamo: DynamoTallies) -> int:
    """The ledgers (by the adapter's own put) and the cells into the table; returns the case
    ledgers' bytes (attribute names and values, as DynamoDB sizes an item)."""
    client, table = dynamo._client, dynamo._table
    ledgers, size = [], 0
    for ledger_id in memory.ledger_ids(""):
        ledger = memory.ledger(ledger_id)
        item = dynamo._ledger_put(ledger_id, ledger.version - 1, ledger.postings)["Item"]
        ledgers.append({"PutRequest": {"Item": item}})
        if ledger_id.startswith("case#"):
            size += sum(len(k) + len(next(iter(v.values())).encode()) for k, v in item.items())
    for start in range(0, len(ledgers), BATCH):
        client.batch_write_item(RequestItems={table: ledgers[start : start + BATCH]})
    write_cells(client, table, memory.everything())
    return size


class Latent:
    """A port whose every call first waits `delay` seconds, as a network round trip would."""

    def __init__(self, port: Any, delay: float) -> None:
        self._port, self._delay = port, delay

    def __getattr__(self, name: str) -> Any:
        method = getattr(self._port, name)

        def call(*args: Any, **kwargs: Any) -> Any:
            time.sleep(self._delay)
            return method(*args, **kwargs)

        return call


def _concurrent(quick: bool) -> dict[str, float]:
    """The recompute's reads one after another against 16 at once, with an assumed round trip of
    `ROUND_TRIP` per request (in-memory stores behind a delay; the delay is the assumption)."""
    city = generate(11, dt.date(2026, 10, 12), dt.date(2026, 10, 30), 4 if quick else 10, CALENDAR)
    now = normalised(city.as_of)
    cases = MemoryCases()
    workflow = InlineWorkflow()
    services = Services(
        MemoryCatalog(list(city.catalog)),
        MemoryRecords(cases),
        cases,
        MemoryAlerts(),
        workflow,
        PlainProtector(),
        CALENDAR,
        RuleConfig(),
        lambda: now,
        tallies=MemoryTallies(),
    )
    evaluation_listens(services.events, services)
    workflow.services = services
    by_case: dict[str, list[Delivery]] = {}
    for e in city.envelopes():
        received = normalised(dt.datetime.fromisoformat(e["received_at"]))
        by_case.setdefault(e["record"]["case_no"], []).append(Delivery(parse_record(e["record"]), received))
    for case_no, deliveries in by_case.items():
        first = deliveries[0].record
        services.records.append(
            CaseRow(case_no, first.dept_code, first.region_code, first.item_code),
            deliveries,
            services.protector.protect,
        )
        check_case(case_no, services)
    stored = services.tallies.everything()
    services.cases = Latent(cases, ROUND_TRIP)
    services.records = Latent(services.records, ROUND_TRIP)
    services.alerts = Latent(services.alerts, ROUND_TRIP)
    archive = MemoryArchive(cases, None)
    timed: dict[int, float] = {}
    for workers in (1, RECOMPUTE_WORKERS):
        t0 = time.perf_counter()
        sums, report = recompute(services, archive, workers=workers)
        timed[workers] = (time.perf_counter() - t0) / report.cases
        assert not drift(stored, sums)
    return {
        "latent_round_trip_ms": ROUND_TRIP * 1e3,
        "latent_cases": float(report.cases),
        "latent_serial_ms_per_case": timed[1] * 1e3,
        "latent_concurrent_ms_per_case": timed[RECOMPUTE_WORKERS] * 1e3,
        "latent_speedup": timed[1] / timed[RECOMPUTE_WORKERS],
        "latent_cases_per_lambda": LAMBDA_SECONDS / timed[RECOMPUTE_WORKERS],
    }


def run(quick: bool = False) -> dict[str, float]:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    return {**_rankings(quick), **_pure(quick), **_end_to_end(quick), **_concurrent(quick)}


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv[1:]).items():
        print(f"{key:44} {value:14.2f}")
