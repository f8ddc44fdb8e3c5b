"""What an alert is, for every supervision line: its levels, the statuses it moves through, and the
fields every stored alert carries (a line adds its own facts and labels)."""

from __future__ import annotations

from typing import Any, Literal, TypedDict

Level = Literal["warning", "yellow_card", "red_card"]
LEVEL_RANK: dict[str, int] = {"warning": 1, "yellow_card": 2, "red_card": 3}
LEVEL_ZH: dict[str, str] = {"warning": "预警", "yellow_card": "黄牌", "red_card": "红牌"}

# A check derives these; people set the others (appealed, upheld, dismissed), which a check never undoes.
DERIVED = frozenset({"active", "withdrawn", "retracted"})
# What still counts against a department (and in its score): issued and not taken back.
COUNTING_STATUSES = frozenset({"active", "closed", "appealed", "dismissed"})
APPEALABLE = frozenset({"active", "closed"})


class StoredAlert(TypedDict, total=False):
    """An alert as the store keeps it. Every line fills the first group; the rest is the line's own
    explanation (`facts`) and what it was derived from."""

    alert_id: str
    rule: str
    level: Level
    key: str
    raised_at: str
    status: str
    legal_basis: str
    message: str
    facts: dict[str, Any]
    dept_code: str
    region_code: str
    handler_id: str | None
    # The subject: a case's number (complaints keep theirs here too) and, for a complaint, its own.
    case_no: str
    complaint_no: str
    # Why a verdict was born or moved out of `active`: outranked by a higher card, or its period ended.
    withdrawn_by: str
    withdrawn_at: str | None
    closed_reason: str
