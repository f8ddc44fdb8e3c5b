"""The rule configuration: every threshold, level, tolerance and legal basis, versioned.

A city changes these as data (JSON), never in code; every alert records the version that made it.
"""

from __future__ import annotations

import hashlib
import json
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError
from pydantic_core import PydanticCustomError

from sunlight.alerts.domain.model import Level
from sunlight.approval.domain.records import problems_of
from sunlight.kernel.errors import InvalidRuleConfig, Problem

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
    "L-LIMIT": "warning",
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
    "L-LIMIT": (
        "《行政许可法》第四十二条、第八十二条；本级政务服务事项目录公布的法定时限与承诺时限（较短者约束）"
    ),
}

KNOWN_RULES: tuple[str, ...] = (
    "T-WARN",
    "T-YELLOW",
    "T-RED",
    "T-ACCEPT",
    "T-STAGE",
    "T-SPECIAL",
    "P-ORDER",
    "P-SUPP-AFTER-ACCEPT",
    "P-SUPP-REPEAT",
    "P-REFUSE-NO-REASON",
    "P-OFFLINE",
    "F-FEE",
    "L-TIMING",
    "L-LATE-REPORT",
    "L-LIMIT",
)
VERSION_PATTERN = r"^[A-Za-z0-9._-]{1,40}$"


def _known_rule(rule: str) -> str:
    # A misspelt rule id would otherwise silently switch nothing on, or level nothing.
    if rule not in KNOWN_RULES:
        raise PydanticCustomError("unknown_rule", "is not a known rule")
    return rule


RuleId = Annotated[str, AfterValidator(_known_rule)]


class RuleConfig(BaseModel):
    """Thresholds for the default rules (`domain.md` §5). Days are working days."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = Field(default="2026.1", pattern=VERSION_PATTERN)
    enabled: frozenset[RuleId] = frozenset(KNOWN_RULES)
    levels: dict[RuleId, Level] = Field(default_factory=lambda: dict(DEFAULT_LEVELS))
    legal_basis: dict[RuleId, str] = Field(default_factory=lambda: dict(DEFAULT_LEGAL_BASIS))
    # Rules whose higher level withdraws the lower on the same case (摘牌). A rule not named
    # here escalates only within itself (T-SPECIAL warning -> yellow for one procedure).
    escalation_chains: list[list[RuleId]] = Field(default_factory=lambda: [["T-WARN", "T-YELLOW", "T-RED"]])

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
    def from_json(cls, data: Any) -> RuleConfig:
        """A configuration document, validated strictly: every problem is named by its field path."""
        if not isinstance(data, dict):
            raise InvalidRuleConfig([Problem("", "must be a JSON object", type(data).__name__)])
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise InvalidRuleConfig(_config_problems(exc)) from None

    @classmethod
    def load(cls, path: str | Path) -> RuleConfig:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        """The canonical document: sets as sorted lists, so equal configurations print equal."""
        data = self.model_dump(mode="json")
        for name in ("enabled", "non_reasons"):
            data[name] = sorted(data[name])
        return data

    def digest(self) -> str:
        """SHA-256 of the canonical document: tells the same content sent again from a change."""
        text = json.dumps(self.to_json(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _config_problems(exc: ValidationError) -> list[Problem]:
    """One problem per pydantic error, worded for a configuration rather than a record."""
    out = []
    for err, problem in zip(exc.errors(include_url=False), problems_of(exc), strict=True):
        text = "is not a rule configuration field" if err["type"] == "extra_forbidden" else problem.problem
        # pydantic marks a bad dict key as `levels.T-NOPE.[key]`: the key itself is the field.
        out.append(Problem(problem.field.replace(".[key]", ""), text, problem.got))
    return out
