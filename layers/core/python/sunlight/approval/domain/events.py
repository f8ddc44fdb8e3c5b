"""What the approval line says happened: a case was checked, records were turned away."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sunlight.approval.domain.lifecycle import CaseState, Clock


@dataclass(frozen=True)
class CaseChecked:
    """A case was judged and its alerts synced (its state and clock as judged, for the listeners)."""

    case_no: str
    state: CaseState
    clock: Clock | None


@dataclass(frozen=True)
class RecordsRejected:
    """Records a department sent that did not meet the exchange format: (raw, dept_code, region_code)."""

    rejected: list[tuple[Any, str, str]]
