"""The deadline sweep: check exactly the cases whose next moment has come, nothing else.

Its work grows with the cases due, not the cases open: the due index is sparse and keyed by the next
due moment. Checking a case is the same step the workflow runs (fold, evaluate at now, store alerts
with conditional writes, move the next due moment), so a sweep racing another sweep or an arriving
record can only find the alert already stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sunlight.alerts.service import send_held_texts
from sunlight.app.services import Services
from sunlight.approval.service.casework import check_case
from sunlight.approval.service.versions import coverage
from sunlight.complaints.service import check_complaint, due_complaints
from sunlight.kernel.observability import child_logger

logger = child_logger()


@dataclass
class SweepReport:
    now: str
    read: int
    checked: int
    changed: int
    failed: list[str] = field(default_factory=list)
    texts_sent: int = 0
    coverage: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "now": self.now,
            "read": self.read,
            "checked": self.checked,
            "changed": self.changed,
            "failed": self.failed,
            "coverage": self.coverage,
        }


def sweep(services: Services) -> SweepReport:
    now = services.now()
    due = services.cases.due(now)
    report = SweepReport(now.isoformat(timespec="seconds"), due.read, 0, 0)
    for case_no in due.case_nos:
        try:
            result = check_case(case_no, services)
        except Exception:  # one broken case must not stop the sweep; it stays due and is retried
            logger.exception("check failed", extra={"case_no": case_no})
            report.failed.append(case_no)
            continue
        report.checked += 1
        report.changed += int(result["changed"])
    _sweep_complaints(services, report)
    if services.texts is not None:
        report.texts_sent = send_held_texts(services.alerts.held(now), services, now)
    report.coverage = coverage(services, now)
    return report


def _sweep_complaints(services: Services, report: SweepReport) -> None:
    """The complaints whose next deadline moment has come, checked the same way (C-* alerts)."""
    due = due_complaints(services, services.now())
    report.read += len(due)
    for complaint_no in due:
        try:
            result = check_complaint(complaint_no, services)
        except Exception:  # stays due and is retried, like a case
            logger.exception("complaint check failed", extra={"complaint_no": complaint_no})
            report.failed.append(complaint_no)
            continue
        report.checked += 1
        report.changed += int(result["changed"])
