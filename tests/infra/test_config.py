"""The stage config read from cdk.json: validated, with per-developer stages that extend another."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_sqs as sqs
from sunlight.app import spec
from sunlight.kernel.settings import StageDefaults

from infra.config import STAGES_CONTEXT_KEY, ConfigError, load_stage
from infra.nag import apply_checks, synthesize

pytestmark = pytest.mark.infra


def _stages() -> dict[str, Any]:
    stages: dict[str, Any] = json.loads((spec.ROOT / "cdk.json").read_text(encoding="utf-8"))["context"][
        STAGES_CONTEXT_KEY
    ]
    return stages


def test_dev_is_the_default_stage_and_lists_departments_and_the_office() -> None:
    config = load_stage(_stages())
    assert config.stage == "dev"
    roles = [d.role for d in config.departments]
    assert roles.count("department") >= 2
    assert roles.count("office") == 1


def test_a_developer_stage_extends_dev_and_overrides_what_differs() -> None:
    stages = {**_stages(), "dev-li": {"extends": "dev", "log_retention_days": 7}}
    config = load_stage(stages, "dev-li")
    assert config.stage == "dev-li"
    assert config.log_retention_days == 7
    assert config.departments == load_stage(stages, "dev").departments


def test_an_unknown_stage_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="known: dev"):
        load_stage(_stages(), "prod")


@pytest.mark.parametrize(
    ("override", "message"),
    [
        ({"log_retention_days": 10}, "log_retention_days"),
        ({"office_hours": ["8.30", "17:30"]}, "HH:MM"),
        ({"surprise": 1}, "surprise"),
        ({"departments": []}, "departments"),
        ({"sweep_minutes": 0}, "sweep_minutes"),
        ({"scoring_cron": "rate(1 day)"}, "scoring_cron"),
        ({"scoring_cron": "cron(0 18 * * *)"}, "scoring_cron"),
        ({"scoring_cron": "cron(0 18 * * * *)"}, "scoring_cron"),
        ({"office_hours": ["18:00", "09:00"]}, "office_hours: office hours must close after they open"),
        ({"office_hours": ["09:00", "09:00"]}, "close after they open"),
        ({"office_hours": ["25:00", "09:00"]}, "HH:MM"),
        ({"time_zone": "Mars/Base"}, "time_zone: unknown time zone 'Mars/Base'"),
        ({"settings_cache_seconds": 0}, "settings_cache_seconds"),
        ({"settings_cache_seconds": 301}, "settings_cache_seconds"),
        ({"calendar_coverage_days": 0}, "calendar_coverage_days"),
        ({"city_region_code": "3301"}, "city_region_code"),
    ],
)
def test_invalid_settings_are_rejected_with_the_field(override: dict[str, Any], message: str) -> None:
    stages = {"dev": {**_stages()["dev"], **override}}
    with pytest.raises(ConfigError, match=message):
        load_stage(stages, "dev")


def test_the_stage_settings_default_and_become_the_functions_defaults() -> None:
    config = load_stage(_stages(), "dev")
    assert (config.settings_cache_seconds, config.calendar_coverage_days) == (60, 60)
    defaults = config.defaults()
    assert defaults == StageDefaults(
        time_zone=config.time_zone,
        office_hours=config.office_hours,
        city_region_code=config.city_region_code,
        rule_config_version=config.rule_config_version,
        settings_cache_seconds=60,
        coverage_days=60,
    )
    assert StageDefaults.from_environment(defaults.to_environment()) == defaults


def test_the_sweep_runs_at_the_spec_rate_unless_the_stage_says_otherwise() -> None:
    (sweep,) = (f for f in spec.FUNCTIONS if f.logical == "sweep")
    assert sweep.schedule_minutes is not None
    assert load_stage(_stages(), "dev").schedule_minutes_of(sweep) == sweep.schedule_minutes
    stages = {**_stages(), "dev-li": {"extends": "dev", "sweep_minutes": 1}}
    config = load_stage(stages, "dev-li")
    assert config.schedule_minutes_of(sweep) == 1
    unscheduled = [f for f in spec.FUNCTIONS if f.schedule_minutes is None]
    assert unscheduled
    assert all(config.schedule_minutes_of(f) is None for f in unscheduled)


def test_the_scoring_runs_at_the_spec_time_unless_the_stage_says_otherwise() -> None:
    (scoring,) = (f for f in spec.FUNCTIONS if f.logical == "scoring")
    assert (scoring.schedule_minutes, scoring.schedule_cron) == (None, "cron(0 18 * * ? *)")
    dev = load_stage(_stages(), "dev")
    assert dev.schedule_cron_of(scoring) == scoring.schedule_cron
    assert dev.schedule_minutes_of(scoring) is None
    stages = {**_stages(), "dev-li": {"extends": "dev", "scoring_cron": "cron(30 20 * * ? *)"}}
    config = load_stage(stages, "dev-li")
    assert config.schedule_cron_of(scoring) == "cron(30 20 * * ? *)"
    assert all(config.schedule_cron_of(f) is None for f in spec.FUNCTIONS if f.schedule_cron is None)


def test_a_function_has_a_rate_or_a_cron_not_both() -> None:
    with pytest.raises(ValueError, match="not both"):
        spec.Function("x", "x.handler.handler", "x", schedule_minutes=5, schedule_cron="cron(0 18 * * ? *)")


def test_duplicate_department_codes_are_rejected() -> None:
    dev = _stages()["dev"]
    stages = {"dev": {**dev, "departments": [dev["departments"][0], dev["departments"][0]]}}
    with pytest.raises(ConfigError, match="duplicate dept_code"):
        load_stage(stages, "dev")


def test_the_nag_check_does_report_an_unacknowledged_finding(tmp_path: Path) -> None:
    """So that an empty list of findings for the real stack means something."""
    app = App(outdir=str(tmp_path))
    sqs.Queue(Stack(app, "Probe"), "Queue")
    apply_checks(app)
    assert any("AwsSolutions-SQS4" in finding for finding in synthesize(app))
