"""Intake: a department's batch of exchange records, answered record by record.

Good records are stored even when others in the batch are bad; a rejected record leaves nothing
behind. Each case's new records are appended to its hash-chained log in one conditional write, and
the case's workflow is started, or resumed if it is waiting for the next record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sunlight.approval.domain.events import RecordsRejected
from sunlight.approval.domain.lifecycle import CaseLog, Delivery
from sunlight.approval.domain.records import parse_record
from sunlight.approval.service.ports import ApprovalServices, CaseRow, ConcurrentAppend
from sunlight.approval.service.stored import load_log
from sunlight.kernel.access import Principal
from sunlight.kernel.errors import InvalidRecord, Problem, SunlightError
from sunlight.kernel.observability import records_rejected, records_stored

APPEND_ATTEMPTS = 5


@dataclass
class RecordAnswer:
    index: int
    status: str
    identity: dict[str, Any]
    errors: list[Problem] = field(default_factory=list)
    # Rejected for a moment (another request was writing the case), not for what the record says:
    # it does not count against the department's reporting completeness.
    transient: bool = False

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"index": self.index, "status": self.status, **self.identity}
        if self.errors:
            out["errors"] = [p.as_dict() for p in self.errors]
        return out


def submit(raw_records: list[Any], principal: Principal, services: ApprovalServices) -> dict[str, Any]:
    """Validate, authorise, deduplicate and store a batch; start or resume each case's workflow."""
    answers: dict[int, RecordAnswer] = {}
    by_case: dict[str, list[tuple[int, Delivery]]] = {}
    received = services.now()
    for index, raw in enumerate(raw_records):
        delivery = _admit(index, raw, principal, services, answers)
        if delivery is not None:
            by_case.setdefault(delivery.record.case_no, []).append(
                (index, Delivery(delivery.record, received))
            )
    for case_no, entries in by_case.items():
        _store_case(case_no, entries, services, answers)
    if principal.role == "department":
        bad = [raw_records[i] for i, a in answers.items() if a.status == "rejected" and not a.transient]
        services.events.publish(
            RecordsRejected([(raw, principal.dept_code, principal.region_code) for raw in bad])
        )
    ordered = [answers[i].to_json() for i in sorted(answers)]
    counts = {s: sum(1 for a in ordered if a["status"] == s) for s in ("stored", "duplicate", "rejected")}
    records_stored(counts["stored"])
    records_rejected(counts["rejected"])
    return {"results": ordered, **counts}


def _admit(
    index: int, raw: Any, principal: Principal, services: ApprovalServices, answers: dict[int, RecordAnswer]
) -> Delivery | None:
    try:
        record = parse_record(raw)
    except InvalidRecord as exc:
        answers[index] = RecordAnswer(index, "rejected", exc.identity, exc.problems)
        return None
    identity = {"case_no": record.case_no, "type": record.type, "seq": record.seq}
    problems = []
    if not principal.may_submit_for(record.dept_code):
        problems.append(
            Problem("dept_code", "is not the credit code of the submitting department", record.dept_code)
        )
    elif services.catalog.get(record.item_code) is None:
        problems.append(Problem("item_code", "is not in the catalogue", record.item_code))
    if problems:
        answers[index] = RecordAnswer(index, "rejected", identity, problems)
        return None
    return Delivery(record)


def _store_case(
    case_no: str,
    entries: list[tuple[int, Delivery]],
    services: ApprovalServices,
    answers: dict[int, RecordAnswer],
) -> None:
    for _ in range(APPEND_ATTEMPTS):
        row = services.cases.get(case_no)
        log = load_log(case_no, services)
        new = _classify(log, entries, answers)
        if not new:
            return
        first = new[0].record
        row = row or CaseRow(case_no, first.dept_code, first.region_code, first.item_code)
        try:
            services.records.append(row, new, services.protector.protect)
        except ConcurrentAppend:
            continue
        _kick_workflow(case_no, services)
        return
    for index, delivery in entries:
        r = delivery.record
        answers[index] = RecordAnswer(
            index,
            "rejected",
            {"case_no": r.case_no, "type": r.type, "seq": r.seq},
            [Problem("case_no", "the case is being written by another request; send again", case_no)],
            transient=True,
        )


def _classify(
    log: CaseLog, entries: list[tuple[int, Delivery]], answers: dict[int, RecordAnswer]
) -> list[Delivery]:
    """Add each entry to the case's log: stored, duplicate, or rejected as a conflict."""
    new = []
    for index, delivery in entries:
        r = delivery.record
        identity = {"case_no": r.case_no, "type": r.type, "seq": r.seq}
        try:
            status = log.add(delivery)
        except SunlightError as exc:
            answers[index] = RecordAnswer(index, "rejected", identity, [Problem("record", str(exc), None)])
            continue
        answers[index] = RecordAnswer(index, status, identity)
        if status == "stored":
            new.append(delivery)
    return new


def _kick_workflow(case_no: str, services: ApprovalServices) -> None:
    """Resume the case's parked execution, or start one if none is running (or it has ended)."""
    before = services.cases.take_token(case_no)
    if before is None:
        return
    if before.task_token and services.workflow.resume(before.task_token, {"case_no": case_no}):
        return
    if before.execution_arn and not before.outcome and not before.task_token:
        return  # running a check right now: it parks only if no record arrived meanwhile
    name = case_no if before.execution_arn is None else f"{case_no}-{before.record_count}"
    services.cases.set_execution(case_no, services.workflow.start(case_no, name))
