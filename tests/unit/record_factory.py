"""Valid raw exchange records of every type, built from the example case in exchange-format.md.

`record(type_, **overrides)` returns a fresh dict that `parse_record` accepts; an override replaces or
adds a field, and `DROP` as an override's value removes the field.
"""

from __future__ import annotations

import copy
from typing import Any

DROP: Any = object()

COMMON: dict[str, Any] = {
    "case_no": "C2026-000001",
    "item_code": "330100-JS-001",
    "dept_code": "11330100MB1234567X",
    "region_code": "330100",
}
HANDLER: dict[str, Any] = {"handler_name": "王敏", "handler_id": "JS017"}

_BODIES: dict[str, dict[str, Any]] = {
    "apply": {
        "seq": 1,
        "occurred_at": "2026-11-02T09:12:00+08:00",
        "applicant_type": "organisation",
        "applicant_name": "杭州某建设有限公司",
        "applicant_id_type": "credit_code",
        "applicant_id_no": "91330100MA2XXXXXX1",
        "contact_phone": "13800000000",
        "channel": "window",
        "project_name": "某小区二期",
        "materials": ["申请表", "施工合同"],
    },
    "pre_accept": {
        "seq": 2,
        "occurred_at": "2026-11-02T09:40:00+08:00",
        **HANDLER,
        "result": "pass",
    },
    "accept": {
        "seq": 2,
        "occurred_at": "2026-11-02T10:00:00+08:00",
        **HANDLER,
        "result": "accept",
        "receipt_no": "SL-0001",
        "query_code": "8F3K2Q",
        "statutory_limit": {"value": 15, "unit": "G"},
        "committed_limit": {"value": 7, "unit": "G"},
        "fee_standard": "0",
        "materials": ["申请表", "施工合同"],
    },
    "stage": {
        "seq": 3,
        "occurred_at": "2026-11-03T15:30:00+08:00",
        **HANDLER,
        "stage": "undertake",
        "action": "pass",
        "opinion": "材料齐全",
    },
    "supplement_notice": {
        "seq": 3,
        "occurred_at": "2026-11-03T15:30:00+08:00",
        "reason": "施工合同缺少盖章页",
        "materials": ["施工合同"],
    },
    "supplement_received": {
        "seq": 4,
        "occurred_at": "2026-11-04T10:00:00+08:00",
        "materials": ["施工合同"],
    },
    "special_start": {
        "seq": 5,
        "occurred_at": "2026-11-05T11:00:00+08:00",
        "special_no": 1,
        "kind": "expert_review",
        "reason": "需组织专家论证",
        "approver": "赵刚",
        "planned": {"value": 5, "unit": "G"},
    },
    "special_end": {
        "seq": 6,
        "occurred_at": "2026-11-10T16:00:00+08:00",
        "special_no": 1,
        "result": "专家论证通过",
        "fee": "0",
    },
    "conclude": {
        "seq": 6,
        "occurred_at": "2026-11-09T09:30:00+08:00",
        **HANDLER,
        "outcome": "issued",
        "certificate_name": "建筑工程施工许可证",
        "certificate_no": "330100202611090101",
        "valid_until": "2027-11-08",
        "fee_charged": "0",
    },
    "collect": {
        "seq": 7,
        "occurred_at": "2026-11-10T14:00:00+08:00",
        "collector_name": "张三",
        "method": "window",
    },
}

TYPES: tuple[str, ...] = tuple(_BODIES)


def record(type_: str, **overrides: Any) -> dict[str, Any]:
    """A valid raw record of `type_`, with `overrides` applied (`DROP` removes a field)."""
    data: dict[str, Any] = {"type": type_, **COMMON, **copy.deepcopy(_BODIES[type_])}
    for name, value in overrides.items():
        if value is DROP:
            data.pop(name, None)
        else:
            data[name] = value
    return data
