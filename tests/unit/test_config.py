"""The rule configuration: strict about rule ids and versions, every problem named, a stable digest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError
from sunlight.approval.domain.config import KNOWN_RULES, RuleConfig
from sunlight.kernel.errors import InvalidRuleConfig, Problem

pytestmark = pytest.mark.unit


def problems(data: Any) -> list[Problem]:
    with pytest.raises(InvalidRuleConfig) as caught:
        RuleConfig.from_json(data)
    return caught.value.problems


def test_l_limit_is_a_known_warning_enabled_by_default_with_its_legal_basis() -> None:
    config = RuleConfig()
    assert len(KNOWN_RULES) == 15 and "L-LIMIT" in KNOWN_RULES
    assert config.enabled == frozenset(KNOWN_RULES)
    assert config.level("L-LIMIT") == "warning"
    assert "第四十二条" in config.basis("L-LIMIT") and "较短者" in config.basis("L-LIMIT")


def test_every_default_level_and_legal_basis_names_a_known_rule() -> None:
    assert set(RuleConfig().levels) <= set(KNOWN_RULES)
    assert set(RuleConfig().legal_basis) == set(KNOWN_RULES)


@pytest.mark.parametrize(
    ("data", "field"),
    [
        ({"enabled": ["T-WARN", "T-NOPE"]}, "enabled.1"),
        ({"levels": {"T-NOPE": "warning"}}, "levels.T-NOPE"),
        ({"legal_basis": {"t-warn": "法"}}, "legal_basis.t-warn"),
        ({"escalation_chains": [["T-WARN", "T-YELOW"]]}, "escalation_chains.0.1"),
    ],
)
def test_an_unknown_rule_id_is_refused_wherever_it_appears(data: dict[str, Any], field: str) -> None:
    assert [(p.field, p.problem) for p in problems(data)] == [(field, "is not a known rule")]


@pytest.mark.parametrize("version", ["", "2027 1", "规则-2027", "v" * 41])
def test_a_version_outside_the_allowed_characters_is_refused(version: str) -> None:
    assert [p.field for p in problems({"version": version})] == ["version"]
    with pytest.raises(ValidationError):
        RuleConfig(version=version)


def test_every_problem_is_reported_by_its_dotted_path() -> None:
    found = problems(
        {
            "levels": {"T-RED": "purple", "T-NOPE": "warning"},
            "warn_days_before": -1,
            "warn_days": 2,
        }
    )
    assert [p.field for p in found] == ["levels.T-RED", "levels.T-NOPE", "warn_days_before", "warn_days"]
    assert found[-1].problem == "is not a rule configuration field"
    assert str(InvalidRuleConfig(found)).startswith(
        "levels.T-RED: must be one of: warning, yellow_card, red_card"
    )


def test_a_document_that_is_not_an_object_is_refused() -> None:
    assert problems(["T-WARN"]) == [Problem("", "must be a JSON object", "list")]


def test_a_valid_document_loads_and_round_trips() -> None:
    config = RuleConfig.from_json(
        {"version": "2027.2", "enabled": ["T-WARN", "L-LIMIT"], "warn_days_before": 3}
    )
    assert config.enabled == frozenset({"T-WARN", "L-LIMIT"}) and config.warn_days_before == 3
    assert RuleConfig.from_json(config.to_json()) == config


def test_the_digest_ignores_set_order_and_tells_different_content_apart() -> None:
    one = RuleConfig.from_json({"enabled": ["T-WARN", "T-RED", "L-LIMIT"]})
    two = RuleConfig.from_json({"enabled": ["L-LIMIT", "T-RED", "T-WARN"]})
    assert one.digest() == two.digest() and len(one.digest()) == 64
    assert one.to_json()["enabled"] == ["L-LIMIT", "T-RED", "T-WARN"]
    assert RuleConfig(version="2027.2").digest() != RuleConfig().digest()
    assert RuleConfig(warn_days_before=3).digest() != RuleConfig().digest()


def test_load_raises_invalid_rule_config_for_bad_content(tmp_path: Path) -> None:
    path = tmp_path / "rules.json"
    path.write_text(json.dumps({"levels": {"T-NOPE": "warning"}}), encoding="utf-8")
    with pytest.raises(InvalidRuleConfig) as caught:
        RuleConfig.load(path)
    assert caught.value.code == "InvalidRuleConfig"
    assert caught.value.problems[0].field == "levels.T-NOPE"
    path.write_text(json.dumps({"version": "2027.3"}), encoding="utf-8")
    assert RuleConfig.load(path).version == "2027.3"
