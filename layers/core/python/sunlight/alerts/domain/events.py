"""What the alerts kernel says happened outside a check: a person moved an alert (appeal, decision)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class AlertMoved:
    """An alert after a person's step; whether it still counts may have changed."""

    alert: dict[str, Any]
