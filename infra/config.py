"""The stage configuration: one validated model per stage, read from cdk.json context.

`cdk.json` holds `context["sunlight:stages"]`, a mapping of stage name to settings; `-c stage=NAME`
picks one (default `dev`). A per-developer stage can reuse another's settings with
`"extends": "dev"` and override only what differs, e.g. `"dev-li": {"extends": "dev"}`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from sunlight.app import spec
from sunlight.kernel.settings import StageDefaults

STAGES_CONTEXT_KEY = "sunlight:stages"
DEFAULT_STAGE = "dev"
SWEEP = "sweep"  # the spec function whose rate `sweep_minutes` overrides
SCORING = "scoring"  # the spec function whose cron expression `scoring_cron` overrides
PUBLIC_FUNCTION = "public"  # the spec function of the citizens' API, throttled by `portal_throttle`

# CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 3653)


# An EventBridge cron expression: six fields (minutes hours day-of-month month day-of-week year), in UTC.
CRON = re.compile(r"^cron\((\S+) (\S+) (\S+) (\S+) (\S+) (\S+)\)$")


def check_cron(expression: str) -> str:
    """`expression` if EventBridge would take it as a cron schedule (six fields, and `?` in exactly one
    of day-of-month and day-of-week), else ValueError."""
    match = CRON.match(expression)
    if match is None:
        raise ValueError(
            f"a cron schedule is cron(minutes hours day-of-month month day-of-week year), got {expression!r}"
        )
    day_of_month, day_of_week = match[3], match[5]
    if (day_of_month == "?") == (day_of_week == "?"):
        raise ValueError(f"{expression!r}: exactly one of day-of-month and day-of-week must be '?'")
    return expression


# StageDefaults field -> the StageConfig field (cdk.json key) it comes from, where the names differ.
_STAGE_FIELD = {"coverage_days": "calendar_coverage_days"}


class ConfigError(ValueError):
    """The stage asked for is missing from cdk.json, or its settings do not validate."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Throttle(_Model):
    """API Gateway token bucket: steady requests per second and burst size."""

    rate_limit: float = Field(gt=0)
    burst_limit: int = Field(gt=0)


class Department(_Model):
    """A caller of the API: a department that reports cases, or the supervision office.

    Each gets its own API key and usage plan (throttle and daily quota). The key's SHA-256 is
    registered in the principals table with `dept_code`, `region_code` and `role`.
    """

    dept_code: str = Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z-]{1,31}$")
    name: str = Field(min_length=1)
    region_code: str = Field(pattern=r"^\d{6}$")
    role: Literal["department", "office"] = "department"
    throttle: Throttle | None = None
    daily_quota: int | None = Field(default=None, gt=0)


class PortalDomain(_Model):
    """The portal's own domain name and its certificate (exactly one of the two kinds).

    CloudFront outside China takes an ACM certificate from us-east-1 (`certificate_arn`). CloudFront in
    the China regions has no ACM: the certificate is uploaded to the IAM certificate store and named by
    its id (`iam_certificate_id`, e.g. `ASCA...`), and the domain needs an ICP recordal.
    """

    name: str = Field(max_length=253, pattern=r"^([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
    certificate_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:acm:us-east-1:\d{12}:certificate/[0-9a-f-]+$"
    )
    iam_certificate_id: str | None = Field(default=None, pattern=r"^[A-Z0-9]{16,128}$")

    @model_validator(mode="after")
    def _one_certificate(self) -> PortalDomain:
        if (self.certificate_arn is None) == (self.iam_certificate_id is None):
            raise ValueError("portal_domain needs exactly one of certificate_arn and iam_certificate_id")
        return self


class StageConfig(_Model):
    stage: str = Field(pattern=r"^[a-z][a-z0-9-]{1,15}$")
    account: str | None = Field(default=None, pattern=r"^\d{12}$")
    region: str
    city_region_code: str = Field(pattern=r"^\d{6}$")
    time_zone: str = "Asia/Shanghai"
    office_hours: tuple[str, str]
    rule_config_version: str
    # How long a function trusts its cached copy of the office's active calendar and rules (seconds):
    # an activation reaches every function within this time.
    settings_cache_seconds: int = Field(default=60, ge=1, le=300)
    # The sweep warns (metric CalendarUncoveredYears, alarmed) while the active calendar leaves any of
    # the next this-many days uncovered.
    calendar_coverage_days: int = Field(default=60, ge=1, le=366)
    sms_sender: str
    departments: tuple[Department, ...] = Field(min_length=1)
    # Default per-method throttle of the API stage, and the stricter one of the public route.
    api_throttle: Throttle = Throttle(rate_limit=100, burst_limit=200)
    public_throttle: Throttle = Throttle(rate_limit=5, burst_limit=10)
    # Per-method throttle of each route of the citizens' public API (/public/...), behind the portal.
    portal_throttle: Throttle = Throttle(rate_limit=20, burst_limit=40)
    # Usage-plan throttle of a department that does not set its own.
    department_throttle: Throttle = Throttle(rate_limit=20, burst_limit=40)
    table_encryption: Literal["aws_managed", "customer_managed"] = "aws_managed"
    deletion_protection: bool = False
    log_retention_days: int = 90
    ops_email: str | None = None
    # Minutes between runs of the deadline sweep (an EventBridge rule); default: the spec's.
    sweep_minutes: int | None = Field(default=None, ge=1, le=1440)
    # When the nightly scoring runs: an EventBridge cron expression in UTC; default: the spec's
    # ("cron(0 18 * * ? *)", 02:00 in Asia/Shanghai).
    scoring_cron: str | None = None
    # The citizens' portal behind CloudFront (off: the site is only uploaded to its bucket; see
    # infra/README.md for the China regions, where CloudFront needs an ICP-recorded domain).
    portal_cdn: bool = True
    portal_domain: PortalDomain | None = None
    # An existing AWS WAF web ACL (scope CLOUDFRONT, made in us-east-1) for the distribution.
    portal_web_acl_arn: str | None = Field(
        default=None, pattern=r"^arn:aws[a-z-]*:wafv2:us-east-1:\d{12}:global/webacl/.+$"
    )

    @field_validator("log_retention_days")
    @classmethod
    def _known_retention(cls, value: int) -> int:
        if value not in LOG_RETENTION_DAYS:
            raise ValueError(f"must be one of {LOG_RETENTION_DAYS}")
        return value

    @field_validator("scoring_cron")
    @classmethod
    def _cron(cls, value: str | None) -> str | None:
        return None if value is None else check_cron(value)

    @field_validator("office_hours")
    @classmethod
    def _hh_mm(cls, value: tuple[str, str]) -> tuple[str, str]:
        for text in value:
            hours, _, minutes = text.partition(":")
            if not (
                len(text) == 5
                and hours.isdigit()
                and minutes.isdigit()
                and int(hours) < 24
                and int(minutes) < 60
            ):
                raise ValueError(f"office hours must be HH:MM, got {text!r}")
        return value

    @model_validator(mode="after")
    def _valid_defaults(self) -> StageConfig:
        # time_zone (a known IANA zone), office_hours (HH:MM, closing after opening) and the rest are
        # checked by the very model every function reads them back with at cold start.
        try:
            self.defaults()
        except ValidationError as error:
            raise ValueError(
                "; ".join(
                    f"{_STAGE_FIELD.get(str(e['loc'][0]), e['loc'][0]) if e['loc'] else 'office_hours'}: "
                    f"{e['msg'].removeprefix('Value error, ')}"
                    for e in error.errors()
                )
            ) from None
        return self

    @model_validator(mode="after")
    def _unique_departments(self) -> StageConfig:
        codes = [d.dept_code for d in self.departments]
        duplicates = sorted({c for c in codes if codes.count(c) > 1})
        if duplicates:
            raise ValueError(f"duplicate dept_code: {', '.join(duplicates)}")
        return self

    @model_validator(mode="after")
    def _portal_settings_need_the_cdn(self) -> StageConfig:
        if not self.portal_cdn and (self.portal_domain or self.portal_web_acl_arn):
            raise ValueError("portal_domain and portal_web_acl_arn need portal_cdn: true")
        return self

    def defaults(self) -> StageDefaults:
        """The stage's settings as every function receives them (`StageDefaults.to_environment`)."""
        return StageDefaults(
            time_zone=self.time_zone,
            office_hours=self.office_hours,
            city_region_code=self.city_region_code,
            rule_config_version=self.rule_config_version,
            settings_cache_seconds=self.settings_cache_seconds,
            coverage_days=self.calendar_coverage_days,
            sms_sender=self.sms_sender,
        )

    @property
    def in_china(self) -> bool:
        """Beijing or Ningxia: the aws-cn partition, where some services and features differ."""
        return self.region.startswith("cn-")

    def throttle_of(self, department: Department) -> Throttle:
        return department.throttle or self.department_throttle

    def route_throttle(self, route: spec.Route) -> Throttle | None:
        """The method throttle of a public route (the citizens' API or the description); None: the stage's."""
        if route.access != "public":
            return None
        return self.portal_throttle if route.function == PUBLIC_FUNCTION else self.public_throttle

    def schedule_minutes_of(self, function: spec.Function) -> int | None:
        """Minutes between scheduled runs of `function`, or None if the spec does not schedule it."""
        if function.schedule_minutes is None:
            return None
        if function.logical == SWEEP and self.sweep_minutes is not None:
            return self.sweep_minutes
        return function.schedule_minutes

    def schedule_cron_of(self, function: spec.Function) -> str | None:
        """The cron expression (UTC) of `function`'s scheduled runs, or None if the spec gives it none."""
        if function.schedule_cron is None:
            return None
        if function.logical == SCORING and self.scoring_cron is not None:
            return self.scoring_cron
        return check_cron(function.schedule_cron)


def _resolve(stages: Mapping[str, Any], name: str, seen: tuple[str, ...] = ()) -> dict[str, Any]:
    if name in seen:
        raise ConfigError(f"stage {name!r}: 'extends' loops through {' -> '.join((*seen, name))}")
    if name not in stages:
        known = ", ".join(sorted(stages)) or "none"
        raise ConfigError(
            f"stage {name!r} is not in cdk.json context {STAGES_CONTEXT_KEY!r} (known: {known})"
        )
    raw = dict(stages[name])
    parent = raw.pop("extends", None)
    if parent is None:
        return raw
    return {**_resolve(stages, str(parent), (*seen, name)), **raw}


def load_stage(stages: Mapping[str, Any] | None, name: str | None = None) -> StageConfig:
    """The validated settings of stage `name` (default `dev`) from the `sunlight:stages` context."""
    stage = name or DEFAULT_STAGE
    if not stages:
        raise ConfigError(f"cdk.json has no context {STAGES_CONTEXT_KEY!r}")
    settings = _resolve(stages, stage)
    try:
        return StageConfig.model_validate({**settings, "stage": stage})
    except ValueError as error:
        raise ConfigError(f"stage {stage!r} in cdk.json: {error}") from error
