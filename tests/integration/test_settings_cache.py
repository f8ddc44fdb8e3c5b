"""Functions as deployed (built from their environment alone, on moto) read the stage's settings and
the office's active versions through one cache: an activation reaches them after the cache period,
without a deploy or a restart."""

from __future__ import annotations

import base64
import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import pytest
from aws_lambda_powertools.utilities.parameters import base as parameters_base
from moto import mock_aws
from sunlight.app import spec
from sunlight.app.bootstrap import Settings, build, clear_caches, from_environment
from sunlight.approval.service.versions import activate, load_version
from sunlight.kernel.access import Principal
from sunlight.kernel.settings import StageDefaults
from sweep.handler import handler as sweep_handler

from tests.integration.conftest import REGION, FakeContext, create_tables

pytestmark = pytest.mark.integration
OFFICE = Principal("office", "330100", "", "市监察局效能室")
STAGE = StageDefaults(
    time_zone="Asia/Shanghai",
    office_hours=("09:00", "17:00"),
    city_region_code="330200",
    rule_config_version="nb-2026.3",
    settings_cache_seconds=120,
)


def environment(function: str) -> dict[str, str]:
    """A function's environment as the stack (and the local mode) sets it."""
    fn = next(f for f in spec.FUNCTIONS if f.logical == function)
    tables = {t.logical: t for t in spec.TABLES}
    return {
        "SUNLIGHT_STAGE": "test",
        "SUNLIGHT_DATA_KEY": base64.b64encode(b"k" * 32).decode(),
        **{tables[name].env: tables[name].physical("test") for name in fn.tables},
        **STAGE.to_environment(),
    }


@pytest.fixture
def deployed(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    for name in [k for k in os.environ if k.startswith("SUNLIGHT_")]:
        monkeypatch.delenv(name)
    clear_caches()
    with mock_aws():
        create_tables("test")
        for name, value in environment("sweep").items():
            monkeypatch.setenv(name, value)
        yield
    clear_caches()


def sweep_calendar_version() -> Any:
    return sweep_handler({}, FakeContext())["coverage"]["calendar_version"]


class ProviderClock:
    """The wall clock Powertools Parameters reads to expire its cache, moved by the test instead of
    waited for (the cache period is then exact, whatever the machine's load)."""

    def __init__(self) -> None:
        self.at = dt.datetime(2026, 12, 2, 9, 0)

    def now(self) -> dt.datetime:
        return self.at


def test_a_deployed_function_sees_a_new_activation_after_the_cache_period(
    deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    clock = ProviderClock()
    monkeypatch.setattr(parameters_base, "datetime", clock)
    assert sweep_calendar_version() == "default"  # read, and cached for settings_cache_seconds
    # The office activates through another function instance (the API's), as in the cloud.
    office = build(Settings.from_env(environment("api")))[0]
    body = {"version": "nb-2027.1", "years": {"2027": {"holidays": ["2027-01-01"], "workdays": []}}}
    assert load_version("calendar", "nb-2027.1", body, OFFICE, office)[0] == 201
    activate("calendar", "nb-2027.1", OFFICE, office)

    clock.at += dt.timedelta(seconds=STAGE.settings_cache_seconds - 1)
    assert sweep_calendar_version() == "default"  # its cached copy, still within the cache period
    clock.at += dt.timedelta(seconds=2)
    assert sweep_calendar_version() == "nb-2027.1"  # the period over: read afresh, no deploy


def test_a_deployed_function_reads_the_stage_settings_from_its_environment(deployed: None) -> None:
    services = from_environment()[0]
    assert services.stage == STAGE
    assert services.calendar.settings.office_open.isoformat() == "09:00:00"
    assert services.calendar.settings.office_close.isoformat() == "17:00:00"
    assert services.config.version == "nb-2026.3"
    assert services.complaint_config.default_region_code == "330200"
    # A calendar loaded without hours takes the stage's: they are part of the stored version.
    body = {"version": "nb-2027.1", "years": {}}
    _, view = load_version("calendar", "nb-2027.1", body, OFFICE, services)
    assert services.versions is not None
    stored = services.versions.version("calendar", "nb-2027.1")
    assert stored is not None and stored.document["office_hours"] == ["09:00", "17:00"]
    assert view["active"] is False


def test_a_wrong_stage_setting_fails_the_function_at_cold_start(
    deployed: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SUNLIGHT_OFFICE_HOURS", "17:30-08:30")
    with pytest.raises(ValueError, match="office hours must close after they open"):
        from_environment()
    monkeypatch.setenv("SUNLIGHT_OFFICE_HOURS", "08:30-17:30")
    monkeypatch.setenv("SUNLIGHT_TIME_ZONE", "Mars/Olympus_Mons")
    with pytest.raises(ValueError, match="unknown time zone"):
        from_environment()


def test_a_function_that_names_itself_is_wired_from_its_spec_entry_and_fails_at_cold_start_without_a_port(
    deployed: None,
) -> None:
    env = environment("scoring") | {spec.FUNCTION_ENV: "scoring"}
    services = build(Settings.from_env(env))[0]
    # Its entry lists complaints and scores, not staff or throttle: built from the list, nothing more.
    assert services.complaints is not None and services.tallies is not None and services.archive is not None
    assert services.staff is None and services.throttle is None

    del env[spec.COMPLAINTS.env]
    with pytest.raises(RuntimeError, match=f"function scoring: its environment lacks {spec.COMPLAINTS.env}"):
        Settings.from_env(env)
    public = environment("public") | {spec.FUNCTION_ENV: "public"}  # sends texts: needs its topics
    with pytest.raises(RuntimeError, match=spec.ALERT_TOPICS_ENV):
        Settings.from_env(public)
