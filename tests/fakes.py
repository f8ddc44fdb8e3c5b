"""In-memory adapters for the service ports: the same contracts as the DynamoDB ones, no AWS."""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import json
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import Any

from sunlight.alerts.domain.notices import StaffMember
from sunlight.alerts.service.ports import AlertFilter, AlertPage
from sunlight.app.services import Services
from sunlight.app.spec import open_shard
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.lifecycle import Delivery
from sunlight.approval.domain.records import to_exchange_json
from sunlight.approval.service.casework import check_case, park
from sunlight.approval.service.ports import (
    CaseRow,
    ConcurrentAppend,
    DueCases,
    OpenPage,
    StoredRecord,
)
from sunlight.approval.service.stored import chain_hash
from sunlight.complaints.domain import Complaint
from sunlight.evaluation.domain.tally import Cell, Counts
from sunlight.evaluation.service import tallying
from sunlight.evaluation.service.tallying import Ledger


class MemoryCatalog:
    def __init__(self, items: list[Item] | None = None) -> None:
        self.items = {i.item_code: i for i in items or []}

    def get(self, item_code: str) -> Item | None:
        return self.items.get(item_code)

    def all(self) -> list[Item]:
        return list(self.items.values())

    def put(self, item: Item) -> None:
        self.items[item.item_code] = item


class MemoryRecords:
    def __init__(self, cases: MemoryCases) -> None:
        self.logs: dict[str, list[StoredRecord]] = {}
        self._cases = cases

    def load(self, case_no: str) -> list[StoredRecord]:
        return list(self.logs.get(case_no, []))

    def append(
        self, row: CaseRow, new: list[Delivery], protect: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> int:
        current = self._cases.rows.get(row.case_no)
        if (current.record_count if current else 0) != row.record_count:
            raise ConcurrentAppend(row.case_no)
        log = self.logs.setdefault(row.case_no, [])
        prev, arrival = row.last_hash, row.record_count
        for d in new:
            arrival += 1
            content = protect(to_exchange_json(d.record))
            received = d.received_at or dt.datetime.now(dt.UTC)
            digest = chain_hash(prev, content, received.isoformat())
            log.append(
                StoredRecord(
                    row.case_no,
                    f"{d.record.seq:09d}#{d.record.type}",
                    arrival,
                    content,
                    received,
                    prev,
                    digest,
                )
            )
            prev = digest
        stored = current or copy.copy(row)
        stored.record_count, stored.last_hash = arrival, prev
        self._cases.rows[row.case_no] = stored
        return arrival


class MemoryCases:
    """Case rows and a due index kept as a heap, so `due` costs the cases due, not the cases open."""

    def __init__(self) -> None:
        self.rows: dict[str, CaseRow] = {}
        self._due: list[tuple[float, str]] = []
        self.reads = 0

    def get(self, case_no: str) -> CaseRow | None:
        row = self.rows.get(case_no)
        return copy.copy(row) if row else None

    def due(self, now: dt.datetime) -> DueCases:
        moment, found = now.timestamp(), []
        while self._due and self._due[0][0] <= moment:
            when, case_no = heapq.heappop(self._due)
            row = self.rows.get(case_no)
            self.reads += 1
            if row is not None and row.next_due is not None and row.next_due.timestamp() == when:
                found.append(case_no)
        return DueCases(found, len(found))

    def take_token(self, case_no: str) -> CaseRow | None:
        row = self.rows.get(case_no)
        if row is None:
            return None
        before = copy.copy(row)
        row.task_token = None
        return before

    def set_execution(self, case_no: str, execution_arn: str) -> None:
        self.rows[case_no].execution_arn = execution_arn

    def park(self, case_no: str, token: str, checked_count: int) -> bool:
        row = self.rows[case_no]
        if row.record_count != checked_count:
            return False
        row.task_token = token
        return True

    def save_check(self, row: CaseRow, note: dict[str, Any] | None = None) -> None:
        stored = self.rows[row.case_no]
        if note is not None:
            stored.notes = [*stored.notes, note]
        stored.stage, stored.outcome, stored.checked_count = row.stage, row.outcome, row.checked_count
        stored.next_due, stored.summary, stored.query_hash = row.next_due, row.summary, row.query_hash
        if row.next_due is not None:
            heapq.heappush(self._due, (row.next_due.timestamp(), row.case_no))

    def open_page(self, shard: str, cursor: str | None, limit: int) -> OpenPage:
        """Shard by the adapter's own function, so a test sees the same split as DynamoDB."""
        found = sorted(
            n
            for n, row in self.rows.items()
            if row.outcome is None and open_shard(n) == shard and n > (cursor or "")
        )
        page = found[:limit]
        return OpenPage(page, page[-1] if len(found) > limit else None)


class MemoryAlerts:
    def __init__(self) -> None:
        self.items: dict[str, dict[str, Any]] = {}
        self.created: list[str] = []
        self.holds: dict[str, dt.datetime | None] = {}

    def statuses(self, case_no: str) -> dict[str, str]:
        return {k: v["status"] for k, v in self.items.items() if v["case_no"] == case_no}

    def get(self, alert_id: str) -> dict[str, Any] | None:
        return copy.deepcopy(self.items.get(alert_id))

    def create(self, alert: dict[str, Any], history: list[dict[str, Any]]) -> bool:
        if alert["alert_id"] in self.items:
            return False
        self.items[alert["alert_id"]] = {**alert, "status": history[-1]["status"], "history": history}
        self.created.append(alert["alert_id"])
        return True

    def move(self, alert_id: str, before: str, after: str, entry: dict[str, Any]) -> bool:
        item = self.items.get(alert_id)
        if item is None or item["status"] != before:
            return False
        item["status"] = after
        item["history"].append({"status": after, **entry})
        return True

    def annotate(self, alert_id: str, fields: dict[str, Any]) -> None:
        self.items[alert_id].update(copy.deepcopy(fields))

    def hold(self, alert_id: str, until: dt.datetime | None) -> None:
        self.holds[alert_id] = until

    def held(self, now: dt.datetime) -> list[dict[str, Any]]:
        return [
            copy.deepcopy(self.items[k])
            for k, until in self.holds.items()
            if until is not None and until <= now
        ]

    def for_case(self, case_no: str) -> list[dict[str, Any]]:
        return [copy.deepcopy(v) for v in self.items.values() if v["case_no"] == case_no]

    def query(self, flt: AlertFilter, cursor: str | None, limit: int) -> AlertPage:
        found = [
            a
            for a in self.items.values()
            if (not flt.dept_code or a["dept_code"] == flt.dept_code)
            and (not flt.status or a["status"] == flt.status)
            and (not flt.rule or a["rule"] == flt.rule)
        ]
        found.sort(key=lambda a: (a["raised_at"], a["alert_id"]), reverse=True)
        start = int(cursor or 0)
        page = found[start : start + limit]
        return AlertPage(copy.deepcopy(page), str(start + limit) if start + limit < len(found) else None)


class PlainProtector:
    def protect(self, content: dict[str, Any]) -> dict[str, Any]:
        return json.loads(json.dumps(content))

    def reveal(self, content: dict[str, Any]) -> dict[str, Any]:
        return content

    def keyed_hash(self, value: str) -> str:
        return "h:" + value[::-1]


class InlineWorkflow:
    """Runs the approval-case steps in-process, in the order the ASL file gives them."""

    def __init__(self) -> None:
        self.services: Services | None = None
        self.started: list[str] = []
        self.tokens = 0

    def start(self, case_no: str, name: str) -> str:
        self.started.append(name)
        self._step(case_no)
        return f"arn:aws:states:local:0:execution:approval-case:{name}"

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        self._step(output["case_no"])
        return True

    def _step(self, case_no: str) -> None:
        assert self.services is not None
        check = check_case(case_no, self.services)
        if not check["concluded"]:
            self.tokens += 1
            park(case_no, f"token-{self.tokens}", check["checked_records"], self.services)


class MemoryStaff:
    def __init__(self, members: list[StaffMember] | None = None) -> None:
        self.members = {(m.dept_code, m.handler_id): m for m in members or []}

    def get(self, dept_code: str, handler_id: str) -> StaffMember | None:
        return self.members.get((dept_code, handler_id))

    def leader_of(self, member: StaffMember) -> StaffMember | None:
        if member.leader_id:
            return self.get(member.dept_code, member.leader_id)
        return next(
            (m for m in self.members.values() if m.dept_code == member.dept_code and m.role == "leader"), None
        )

    def put(self, member: StaffMember) -> None:
        self.members[(member.dept_code, member.handler_id)] = member


class MemoryCounters:
    def __init__(self) -> None:
        self.values: dict[str, int] = {}

    def next(self, name: str) -> int:
        self.values[name] = self.values.get(name, 0) + 1
        return self.values[name]


class MemoryComplaints:
    """Complaints by number, each stored as JSON (so a caller never holds the stored object)."""

    def __init__(self) -> None:
        self.rows: dict[str, str] = {}

    def create(self, complaint: Complaint) -> bool:
        if complaint.complaint_no in self.rows:
            return False
        self.rows[complaint.complaint_no] = complaint.model_dump_json()
        return True

    def get(self, complaint_no: str) -> Complaint | None:
        data = self.rows.get(complaint_no)
        return Complaint.model_validate_json(data) if data else None

    def save(self, complaint: Complaint, expected_version: int) -> bool:
        stored = self.get(complaint.complaint_no)
        if stored is None or stored.version != expected_version:
            return False
        self.rows[complaint.complaint_no] = complaint.model_dump_json()
        return True

    def due(self, now: dt.datetime) -> list[str]:
        found = (self.get(n) for n in self.rows)
        return [c.complaint_no for c in found if c and c.next_due is not None and c.next_due <= now]

    def listing(self, dept_code: str | None, region_prefix: str) -> list[Complaint]:
        found = [c for c in map(self.get, self.rows) if c is not None]
        if dept_code:
            found = [c for c in found if c.dept_code == dept_code]
        else:
            found = [c for c in found if c.region_code.startswith(region_prefix)]
        return sorted(found, key=lambda c: (c.filed_at, c.complaint_no), reverse=True)


class MemoryThrottle:
    def __init__(self) -> None:
        self.counts: dict[str, int] = {}

    def failures(self, key: str) -> int:
        return self.counts.get(key, 0)

    def fail(self, key: str, limit: int, expires_at: dt.datetime) -> bool:
        if self.counts.get(key, 0) >= limit:
            return False
        self.counts[key] = self.counts.get(key, 0) + 1
        return True


def _decimal(value: float) -> Decimal:
    """A count as the DynamoDB adapter stores it: ints exact, floats rounded to 6 places."""
    return Decimal(value) if isinstance(value, int) else Decimal(repr(round(value, 6)))


class MemoryTallies:
    """The tallies and ledgers with the adapter's semantics: a post lands only at the ledger's
    version, counts add as decimals and read back as floats, `everything` leaves out zero counts."""

    def __init__(self) -> None:
        self.tallies: dict[Cell, dict[str, Decimal]] = {}
        self.ledgers: dict[str, tuple[str, int]] = {}  # id -> (postings as JSON, version)
        self.posts = 0

    def ledger(self, ledger_id: str) -> Ledger:
        if ledger_id not in self.ledgers:
            return Ledger({}, 0)
        postings, version = self.ledgers[ledger_id]
        return Ledger(json.loads(postings), version)

    def post(
        self,
        ledger_id: str,
        version: int,
        postings: dict[str, dict[str, Any]],
        increments: dict[Cell, Counts],
    ) -> bool:
        if self.ledgers.get(ledger_id, ("", 0))[1] != version:
            return False
        self.ledgers[ledger_id] = (json.dumps(postings, sort_keys=True), version + 1)
        for cell, counts in increments.items():
            moving = {name: value for name, value in counts.items() if value}
            if moving:
                stored = self.tallies.setdefault(cell, {})
                for name, value in moving.items():
                    stored[name] = stored.get(name, Decimal(0)) + _decimal(value)
        self.posts += 1
        return True

    def cells(self, period: str, unit_prefix: str) -> dict[str, Counts]:
        return {
            unit: {k: float(v) for k, v in counts.items()}
            for (p, unit), counts in sorted(self.tallies.items())
            if p == period and unit.startswith(unit_prefix)
        }

    def everything(self) -> dict[Cell, Counts]:
        out: dict[Cell, Counts] = {}
        for cell, counts in self.tallies.items():
            kept = {k: float(v) for k, v in counts.items() if v}
            if kept:
                out[cell] = kept
        return out

    def ledger_ids(self, prefix: str) -> list[str]:
        return sorted(i for i in self.ledgers if i.startswith(prefix))


class MemoryScoreBook:
    """Standards written once, a current pointer, and the scores per period and version (by unit)."""

    def __init__(self) -> None:
        self.standards: dict[str, tuple[str, str]] = {}  # version -> (body JSON, loaded_at)
        self.pointer: str | None = None
        self.saved: dict[tuple[str, str], dict[str, str]] = {}  # (period, version) -> unit -> JSON
        self.heads: dict[str, dict[str, Any]] = {}

    def put_standard(self, version: str, body: dict[str, Any], at: dt.datetime) -> bool:
        if version.startswith("~"):
            raise ValueError(f"a standard's version may not start with '~': {version!r}")
        if version in self.standards:
            return False
        self.standards[version] = (json.dumps(body, ensure_ascii=False), at.isoformat())
        return True

    def standard(self, version: str) -> dict[str, Any] | None:
        found = self.standards.get(version)
        return json.loads(found[0]) if found else None

    def versions(self) -> list[dict[str, Any]]:
        found = [{"version": v, "loaded_at": at} for v, (_, at) in self.standards.items()]
        return sorted(found, key=lambda v: (v["loaded_at"], v["version"]))

    def current(self) -> str | None:
        return self.pointer

    def set_current(self, version: str, at: dt.datetime) -> None:
        self.pointer = version

    def save_scores(
        self, period: str, version: str, scores: list[dict[str, Any]], at: dt.datetime, final: bool
    ) -> None:
        self.saved[(period, version)] = {
            s["unit"]: json.dumps(s, ensure_ascii=False, default=str) for s in scores
        }
        self.heads[period] = {"version": version, "scored_at": at.isoformat(), "final": final}

    def scores(self, period: str, version: str) -> list[dict[str, Any]]:
        saved = self.saved.get((period, version), {})
        return [json.loads(saved[unit]) for unit in sorted(saved)]

    def head(self, period: str) -> dict[str, Any] | None:
        found = self.heads.get(period)
        return dict(found) if found else None


class MemoryArchive:
    """Every case number and complaint held by the in-memory stores."""

    def __init__(self, cases: MemoryCases, complaints: MemoryComplaints | None) -> None:
        self._cases, self._complaints = cases, complaints

    def case_nos(self) -> Iterator[str]:
        yield from list(self._cases.rows)

    def complaints(self) -> Iterator[Complaint]:
        if self._complaints is not None:
            for complaint_no in list(self._complaints.rows):
                found = self._complaints.get(complaint_no)
                if found is not None:
                    yield found


def with_evaluation(services: Services) -> Services:
    """Give in-memory Services the tallies, a score book and the archive of its own cases and
    complaints (the stores must be the Memory ones of this module)."""
    services.tallies = MemoryTallies()
    services.scorebook = MemoryScoreBook()
    services.archive = MemoryArchive(services.cases, services.complaints)  # type: ignore[arg-type]
    tallying.listen(services.events, services)
    return services
