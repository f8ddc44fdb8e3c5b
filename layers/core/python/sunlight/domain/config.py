"""The rule configuration: every threshold, level, tolerance and legal basis, versioned.

A city changes these as data (JSON), never in code; every alert records the version that made it.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Level = Literal["warning", "yellow_card", "red_card"]
LEVEL_RANK: dict[str, int] = {"warning": 1, "yellow_card": 2, "red_card": 3}

DEFAULT_LEVELS: dict[str, Level] = {
    "T-WARN": "warning",
    "T-YELLOW": "yellow_card",
    "T-RED": "red_card",
    "T-ACCEPT": "yellow_card",
    "T-STAGE": "warning",
    "P-ORDER": "yellow_card",
    "P-SUPP-AFTER-ACCEPT": "warning",
    "P-SUPP-REPEAT": "warning",
    "P-REFUSE-NO-REASON": "warning",
    "P-OFFLINE": "warning",
    "F-FEE": "yellow_card",
    "L-TIMING": "warning",
    "L-LATE-REPORT": "warning",
}

DEFAULT_LEGAL_BASIS: dict[str, str] = {
    "T-WARN": "《行政许可法》第四十二条；本级政务服务事项承诺办结时限",
    "T-YELLOW": "本级政务服务事项承诺办结时限；《行政许可法》第四十二条",
    "T-RED": "《行政许可法》第四十二条、第八十二条（法定期限以工作日计算，不含法定节假日）",
    "T-ACCEPT": "《行政许可法》第三十二条（五日内作出受理、不予受理或一次告知补正的决定）",
    "T-STAGE": "本级审批环节时限规定（流程固化）",
    "T-SPECIAL": "《行政许可法》第四十五条（听证、招标、拍卖、检验、检测、检疫、鉴定、专家评审期限书面告知）",
    "P-ORDER": "《行政许可法》第三十四条至第三十八条（审查与决定程序）；流程固化，环节不得跳过",
    "P-SUPP-AFTER-ACCEPT": "《行政许可法》第三十二条第一款第四项（补正应在受理前告知）",
    "P-SUPP-REPEAT": "《行政许可法》第三十二条第一款第四项（一次告知申请人需要补正的全部内容）",
    "P-REFUSE-NO-REASON": "《行政许可法》第三十二条第二款、第三十八条第二款（不予受理、不予许可应说明理由）",
    "P-OFFLINE": "《国务院关于在线政务服务的若干规定》第十条（应当网上办理的事项在线办理）",
    "F-FEE": "《行政许可法》第五十八条、第五十九条（依法收费，不得擅自收费）",
    "L-TIMING": "电子监察数据交换规范（数据应真实、时间应符合办理程序）",
    "L-LATE-REPORT": "电子监察数据交换规范（办件信息实时报送）",
}


class RuleConfig(BaseModel):
    """Thresholds for the default rules (`domain.md` §5). Days are working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = "2026.1"
    enabled: frozenset[str] = frozenset({*DEFAULT_LEVELS, "T-SPECIAL"})
    levels: dict[str, Level] = Field(default_factory=lambda: dict(DEFAULT_LEVELS))
    legal_basis: dict[str, str] = Field(default_factory=lambda: dict(DEFAULT_LEGAL_BASIS))
    # Rules whose higher level withdraws the lower on the same case (摘牌). A rule not named
    # here escalates only within itself (T-SPECIAL warning -> yellow for one procedure).
    escalation_chains: list[list[str]] = Field(default_factory=lambda: [["T-WARN", "T-YELLOW", "T-RED"]])

    warn_days_before: float = Field(default=2, ge=0)
    # A limit shorter than the warning period would warn every case on acceptance: the warning
    # then comes once this share of the committed limit has run (1.0 keeps the literal rule).
    warn_max_share: float = Field(default=0.5, gt=0, le=1)
    yellow_cure_days: float = Field(default=3, gt=0)
    accept_decision_days: int = Field(default=5, ge=1)
    special_warn_days_before: float = Field(default=2, ge=0)
    special_warn_level: Level = "warning"
    special_overrun_level: Level = "yellow_card"
    supplement_notices_allowed: int = Field(default=1, ge=1)
    reason_min_chars: int = Field(default=4, ge=0)
    non_reasons: frozenset[str] = frozenset(
        {
            "无",
            "无。",
            "不符合",
            "不符合条件",
            "不符合要求",
            "其他",
            "其它",
            "/",
            "-",
            "略",
            "见附件",
            "null",
            "none",
            "n/a",
        }
    )
    fee_tolerance_yuan: Decimal = Decimal("0.00")
    fee_tolerance_ratio: Decimal = Decimal("0")
    fee_on_free_item_level: Level = "red_card"
    min_stage_seconds: int = Field(default=60, ge=0)
    future_tolerance_seconds: int = Field(default=300, ge=0)
    late_report_days: float = Field(default=1, gt=0)
    # A record missing from a case's sequence may still be in transit: order rules wait this long.
    gap_grace_days: float = Field(default=1, ge=0)

    def warn_lead(self, committed_days: float) -> float:
        """How many working days before the committed limit T-WARN fires, for a limit of that size."""
        return min(self.warn_days_before, committed_days * self.warn_max_share)

    def level(self, rule: str) -> Level:
        return self.levels.get(rule, "warning")

    def basis(self, rule: str) -> str:
        return self.legal_basis.get(rule, "")

    @classmethod
    def load(cls, path: str | Path) -> RuleConfig:
        return cls.model_validate(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
