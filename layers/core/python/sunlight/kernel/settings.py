"""The stage's settings as every function receives them: one typed model, one environment mapping.

A stage's time zone, office hours, city region, default rule-configuration version and the timings of
the active judgement are set once in `cdk.json` (`infra/config.py`), turned into environment
variables by `StageDefaults.to_environment` for every function of the stack and of the local mode, and
read back by `StageDefaults.from_environment` at cold start, where a wrong value fails the function
at once instead of skewing every clock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from sunlight.kernel.calendar import CalendarSettings

PREFIX = "SUNLIGHT_"
ENVIRONMENT = {
    "time_zone": "SUNLIGHT_TIME_ZONE",
    "office_hours": "SUNLIGHT_OFFICE_HOURS",
    "city_region_code": "SUNLIGHT_CITY_REGION_CODE",
    "rule_config_version": "SUNLIGHT_RULE_CONFIG_VERSION",
    "settings_cache_seconds": "SUNLIGHT_SETTINGS_CACHE_SECONDS",
    "coverage_days": "SUNLIGHT_CALENDAR_COVERAGE_DAYS",
    "sms_sender": "SUNLIGHT_SMS_SENDER",
}
DEFAULT_CALENDAR_VERSION = "default"


class StageDefaults(BaseModel):
    """What a stage sets for all its functions; the office's active versions come on top of it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    time_zone: str = "Asia/Shanghai"
    office_hours: tuple[str, str] = ("08:30", "17:30")
    city_region_code: str = Field(default="330100", pattern=r"^\d{6}$")
    # The version name the built-in rule configuration carries until the office activates its own.
    rule_config_version: str = Field(default="2026.1", pattern=r"^[A-Za-z0-9._-]{1,40}$")
    # How long a function trusts its cached copy of the active versions: an activation reaches every
    # function within this time (and at once wherever a case was already judged under it).
    settings_cache_seconds: int = Field(default=60, ge=1, le=300)
    # The sweep warns while the active calendar leaves any of the next this-many days uncovered.
    coverage_days: int = Field(default=60, ge=1, le=366)
    # The sender id of text alerts, where the SMS channel takes one.
    sms_sender: str = Field(default="SUNLIGHT", min_length=1, max_length=11)

    @field_validator("time_zone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("office_hours")
    @classmethod
    def _hours(cls, value: tuple[str, str]) -> tuple[str, str]:
        for text in value:
            if len(text) != 5 or text[2] != ":":
                raise ValueError(f"office hours are HH:MM, got {text!r}")
            dt.time.fromisoformat(text)
        return value

    @model_validator(mode="after")
    def _close_after_open(self) -> StageDefaults:
        opening, closing = (dt.time.fromisoformat(t) for t in self.office_hours)
        if closing <= opening:
            raise ValueError(f"office hours must close after they open, got {'-'.join(self.office_hours)}")
        return self

    def to_environment(self) -> dict[str, str]:
        return {
            ENVIRONMENT["time_zone"]: self.time_zone,
            ENVIRONMENT["office_hours"]: "-".join(self.office_hours),
            ENVIRONMENT["city_region_code"]: self.city_region_code,
            ENVIRONMENT["rule_config_version"]: self.rule_config_version,
            ENVIRONMENT["settings_cache_seconds"]: str(self.settings_cache_seconds),
            ENVIRONMENT["coverage_days"]: str(self.coverage_days),
            ENVIRONMENT["sms_sender"]: self.sms_sender,
        }

    @classmethod
    def from_environment(cls, env: Mapping[str, str]) -> StageDefaults:
        """The stage's settings; a variable that is missing takes the default, a wrong one raises."""
        given: dict[str, object] = {}
        for name, variable in ENVIRONMENT.items():
            if variable in env:
                given[name] = env[variable]
        if "office_hours" in given:
            given["office_hours"] = tuple(str(given["office_hours"]).split("-"))
        return cls.model_validate(given)

    def calendar_settings(self) -> CalendarSettings:
        """The calendar in force before the office activates one: the official one, this stage's hours."""
        opening, closing = (dt.time.fromisoformat(t) for t in self.office_hours)
        return CalendarSettings(
            version=DEFAULT_CALENDAR_VERSION,
            time_zone=self.time_zone,
            office_open=opening,
            office_close=closing,
        )
