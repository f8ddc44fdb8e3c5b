"""In-memory adapters for the service ports: the same contracts as the DynamoDB ones, no AWS."""

from __future__ import annotations

import copy
import datetime as dt
import heapq
import json
from collections.abc import Callable
from typing import Any

from sunlight.domain.catalog import Item
from sunlight.domain.complaints import Complaint
from sunlight.domain.lifecycle import Delivery
from sunlight.domain.records import to_exchange_json
from sunlight.notices import StaffMember
from sunlight.service.casework import check_case, park
from sunlight.service.ports import AlertFilter, AlertPage, CaseRow, ConcurrentAppend, DueCases, StoredRecord
from sunlight.service.public import AlertFacts, ClosedCase
from sunlight.service.services import Services
from sunlight.service.stored import chain_hash


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

    def save_check(self, row: CaseRow) -> None:
        stored = self.rows[row.case_no]
        stored.stage, stored.outcome, stored.checked_count = row.stage, row.outcome, row.checked_count
        stored.next_due, stored.summary, stored.query_hash = row.next_due, row.summary, row.query_hash
        if row.next_due is not None:
            heapq.heappush(self._due, (row.next_due.timestamp(), row.case_no))


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


class MemoryFigures:
    """The public figures read straight from the in-memory case rows and alerts (no cache)."""

    def __init__(self, cases: MemoryCases, alerts: MemoryAlerts) -> None:
        self._cases, self._alerts = cases, alerts

    def closed_cases(self) -> list[ClosedCase]:
        return [
            ClosedCase(r.case_no, r.dept_code, r.item_code, r.outcome)
            for r in self._cases.rows.values()
            if r.outcome
        ]

    def alerts(self) -> list[AlertFacts]:
        return [
            AlertFacts(a["case_no"], a["dept_code"], a["rule"], a["level"], a["status"])
            for a in self._alerts.items.values()
        ]
