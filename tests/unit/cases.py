"""A small builder of exchange records for tests: one case, records in the sender's order."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import CaseLog, CaseState, Delivery, fold
from sunlight.approval.domain.records import parse_record
from sunlight.approval.domain.rules import Alert, evaluate
from sunlight.kernel.calendar import WorkCalendar

DEPT = "11330100MB1234567X"
TZ = dt.timezone(dt.timedelta(hours=8))

ITEM = Item.model_validate(
    {
        "item_code": "330100-JS-001",
        "name": "建筑工程施工许可",
        "dept_code": DEPT,
        "legal_basis": "《建筑法》第八条",
        "statutory_limit": {"value": 15, "unit": "G"},
        "committed_limit": {"value": 7, "unit": "G"},
        "stages": ["undertake", "review", "approve"],
        "fee_standard": "0",
        "online_required": True,
        "specials_allowed": ["expert_review", "hearing", "extension"],
        "stage_limits": {"undertake": {"value": 2, "unit": "G"}},
    }
)


def at(text: str) -> dt.datetime:
    """'2026-11-02 10:00' in Beijing time."""
    return dt.datetime.fromisoformat(text).replace(tzinfo=TZ)


class Case:
    """Records of one case; `received` defaults to one minute after each event."""

    def __init__(self, item: Item = ITEM, case_no: str = "C2026-000001") -> None:
        self.item, self.case_no = item, case_no
        self.deliveries: list[Delivery] = []

    def add(self, type_: str, when: str, received: str | None = None, **fields: Any) -> Case:
        occurred = at(when)
        raw = {
            "type": type_,
            "case_no": self.case_no,
            "item_code": self.item.item_code,
            "dept_code": self.item.dept_code,
            "region_code": "330100",
            "seq": len(self.deliveries) + 1,
            "occurred_at": occurred.isoformat(),
            **fields,
        }
        if type_ in ("pre_accept", "accept", "stage", "conclude"):
            raw.setdefault("handler_name", "王敏")
            raw.setdefault("handler_id", "JS017")
        got = at(received) if received else occurred + dt.timedelta(minutes=1)
        self.deliveries.append(Delivery(parse_record(raw), got))
        return self

    def apply(self, when: str = "2026-11-02 09:12", channel: str = "online", **kw: Any) -> Case:
        return self.add(
            "apply",
            when,
            applicant_type="person",
            applicant_name="张三",
            applicant_id_type="id_card",
            applicant_id_no="330102199001011234",
            contact_phone="13800001234",
            channel=channel,
            materials=["申请表"],
            **kw,
        )

    def accept(self, when: str = "2026-11-02 10:00", **kw: Any) -> Case:
        fields = {
            "result": "accept",
            "query_code": "8F3K2Q",
            "statutory_limit": {"value": 15, "unit": "G"},
            "committed_limit": {"value": 7, "unit": "G"},
            "fee_standard": self.item.fee_standard,
            **kw,
        }
        return self.add("accept", when, **fields)

    def refuse(self, when: str, reason: str) -> Case:
        return self.add("accept", when, result="refuse", reason=reason)

    def stage(self, stage: str, when: str, action: str = "pass", **kw: Any) -> Case:
        return self.add("stage", when, stage=stage, action=action, **kw)

    def stages(self, *whens: str) -> Case:
        for stage, when in zip(("undertake", "review", "approve"), whens, strict=False):
            self.stage(stage, when)
        return self

    def conclude(self, when: str, outcome: str = "issued", fee: str = "0", **kw: Any) -> Case:
        return self.add("conclude", when, outcome=outcome, fee_charged=fee, **kw)

    def full(self, conclude: str = "2026-11-06 16:00") -> Case:
        """apply -> accept -> three stages -> conclude, on time."""
        return (
            self.apply()
            .accept()
            .stages("2026-11-03 15:30", "2026-11-04 11:00", "2026-11-05 16:00")
            .conclude(conclude)
        )

    def log(self) -> CaseLog:
        log = CaseLog(self.case_no)
        for d in self.deliveries:
            log.add(d)
        return log

    def state(self) -> CaseState:
        return fold(self.log().deliveries, tuple(self.item.stages))

    def alerts(self, calendar: WorkCalendar, now: str, config: RuleConfig | None = None) -> list[Alert]:
        return evaluate(self.state(), self.item, calendar, config or RuleConfig(), at(now))

    def active(self, calendar: WorkCalendar, now: str, config: RuleConfig | None = None) -> dict[str, Alert]:
        return {a.rule: a for a in self.alerts(calendar, now, config) if a.status == "active"}
