"""The 2027 scenario shared by the integration and e2e tests of calendar activation: the calendar the
office loads, and a case accepted 2026-12-01 10:00 whose limits reach into 2027."""

from __future__ import annotations

from typing import Any

CALENDAR_2027: dict[str, Any] = {
    "version": "hz-2027.1",
    "time_zone": "Asia/Shanghai",
    "office_hours": ["08:30", "17:30"],
    "extra_holidays": [],
    "extra_workdays": [],
    "years": {"2027": {"holidays": ["2027-01-01", "2027-01-04"], "workdays": []}},
}


def accepted_case(
    case_no: str, item_code: str, dept_code: str, committed: int = 30, unit: str = "G"
) -> list[dict[str, Any]]:
    """Applied 2026-12-01 09:00 and accepted at 10:00, declaring 45 working days in law and
    `committed` promised; query code 8F3K2Q."""
    common = {"case_no": case_no, "item_code": item_code, "dept_code": dept_code, "region_code": "330100"}
    return [
        {
            **common,
            "type": "apply",
            "seq": 1,
            "occurred_at": "2026-12-01T09:00:00+08:00",
            "applicant_type": "person",
            "applicant_name": "王小明",
            "applicant_id_type": "id_card",
            "applicant_id_no": "330102199001011234",
            "contact_phone": "13800000000",
            "channel": "window",
            "materials": ["申请表"],
        },
        {
            **common,
            "type": "accept",
            "seq": 2,
            "occurred_at": "2026-12-01T10:00:00+08:00",
            "handler_name": "王敏",
            "handler_id": "JS017",
            "result": "accept",
            "receipt_no": f"SL-{case_no}",
            "query_code": "8F3K2Q",
            "statutory_limit": {"value": 45, "unit": "G"},
            "committed_limit": {"value": committed, "unit": unit},
            "fee_standard": "0",
            "materials": ["申请表"],
        },
    ]
