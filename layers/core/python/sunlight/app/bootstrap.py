"""The composition root: settings from the environment, and the real adapters built from them.

Called once per cold start by the handlers (never at import time, so moto can be active first).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import time
from collections.abc import Callable
from functools import cache

import boto3
from pydantic import BaseModel

from sunlight.alerts.adapters.documents import S3Documents
from sunlight.alerts.adapters.dynamo import (
    DynamoAlerts,
    DynamoCounters,
    DynamoStaff,
    make_alert_model,
    make_counter_model,
    make_staff_model,
)
from sunlight.alerts.adapters.sns import SnsAlertTopics, SnsTexts
from sunlight.alerts.domain.notices import NoticeSettings
from sunlight.app import spec
from sunlight.app.services import Services
from sunlight.approval.adapters.dynamo import (
    DynamoCases,
    DynamoCatalog,
    DynamoPrincipals,
    DynamoRecordLog,
    Models,
    make_models,
)
from sunlight.approval.adapters.settings import DynamoSettings
from sunlight.approval.adapters.workflow import StepFunctionsRecompute, StepFunctionsWorkflow
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.records import sealed_fields
from sunlight.approval.service.judgement import ActiveJudgement
from sunlight.complaints.adapters import (
    DynamoComplaints,
    DynamoThrottle,
    make_complaint_model,
    make_throttle_model,
)
from sunlight.complaints.domain import ComplaintConfig
from sunlight.evaluation.adapters.scores import DynamoArchive, DynamoScoreBook, DynamoTallies
from sunlight.evaluation.service import tallying
from sunlight.kernel.calendar import HolidaySource, WorkCalendar
from sunlight.kernel.events import Bus
from sunlight.kernel.instants import normalised
from sunlight.kernel.sealing import FieldSealer
from sunlight.kernel.settings import StageDefaults


class Settings(BaseModel):
    """What a function needs to know about its deployment, read from its environment.

    The stage's time zone, office hours, region and default rule version (`defaults`) come from
    `cdk.json` through `StageDefaults`; the calendar and rules in force are the office's active
    versions in the settings table, read through `ActiveJudgement`.
    """

    stage: str
    tables: dict[str, str]
    defaults: StageDefaults = StageDefaults()
    state_machine_arn: str = ""
    recompute_state_machine_arn: str = ""
    data_key: bytes
    complaints_file: str | None = None
    # The local mode's simulated city runs on a simulated clock: start instant and speed-up.
    simulated_start: dt.datetime | None = None
    simulated_speed: float = 1.0
    documents_bucket: str = ""
    alert_topics: dict[str, str] = {}

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        tables = _tables(env)
        return cls(
            stage=env.get("SUNLIGHT_STAGE", "dev"),
            tables=tables,
            defaults=StageDefaults.from_environment(env),
            state_machine_arn=env.get(spec.STATE_MACHINE_ENV, ""),
            recompute_state_machine_arn=env.get(spec.RECOMPUTE.env, ""),
            data_key=_data_key(env),
            complaints_file=env.get("SUNLIGHT_COMPLAINTS_FILE"),
            simulated_start=env.get("SUNLIGHT_SIMULATED_START") or None,
            documents_bucket=env.get(spec.DOCUMENTS_ENV, ""),
            alert_topics=json.loads(env.get(spec.ALERT_TOPICS_ENV, "{}")),
            simulated_speed=float(env.get("SUNLIGHT_SIMULATED_SPEED", "1")),
        )


def _tables(env: dict[str, str]) -> dict[str, str]:
    """The tables this function may use, by logical name. A function that names itself (`spec.FUNCTION_ENV`,
    set by CDK and the local mode) must have everything its `spec.FUNCTIONS` entry lists: a wiring
    fault stops it at cold start instead of answering 404 at the first call that needs the port."""
    by_name = {t.logical: t for t in spec.TABLES}
    name = env.get(spec.FUNCTION_ENV)
    if name is None:  # tests and tools: whatever tables the environment names
        tables = {t.logical: env[t.env] for t in spec.TABLES if t.env in env}
        if not tables:
            raise RuntimeError(f"no table names in the environment (expected {spec.TABLES[0].env} …)")
        return tables
    function = spec.function(name)
    needed = [by_name[t].env for t in function.tables]
    needed += [machine.env for machine in spec.starts(function)]
    needed += [spec.DOCUMENTS_ENV] if function.writes_documents else []
    needed += [spec.ALERT_TOPICS_ENV] if function.sends_text else []
    missing = [variable for variable in needed if not env.get(variable)]
    if missing:
        raise RuntimeError(
            f"function {name}: its environment lacks {', '.join(missing)} (see spec.FUNCTIONS)"
        )
    return {t: env[by_name[t].env] for t in function.tables}


def _data_key(env: dict[str, str]) -> bytes:
    if "SUNLIGHT_DATA_KEY" in env:
        return base64.b64decode(env["SUNLIGHT_DATA_KEY"])
    secret = boto3.client("secretsmanager").get_secret_value(SecretId=env["SUNLIGHT_DATA_KEY_SECRET_ARN"])
    return base64.b64decode(secret["SecretString"])


def build(settings: Settings) -> tuple[Services, DynamoPrincipals]:
    # Model classes need a table name each; the ones this function lacks are never used.
    region = boto3.session.Session().region_name
    named = settings.tables | _unused(settings.tables)
    models = make_models(named, region=region)
    stage = settings.defaults
    calendar = WorkCalendar(HolidaySource.chinese_calendar(), stage.calendar_settings())
    services = Services(
        catalog=DynamoCatalog(models),
        records=DynamoRecordLog(models),
        cases=DynamoCases(models),
        alerts=DynamoAlerts(make_alert_model(named["alerts"], region)),
        workflow=StepFunctionsWorkflow(boto3.client("stepfunctions"), settings.state_machine_arn),
        protector=FieldSealer(settings.data_key, sealed_fields()),
        base_calendar=calendar,
        base_config=RuleConfig(version=stage.rule_config_version),
        now=_clock(settings, calendar),
        stage=stage,
    )
    _judging(services, settings)
    _announcing(services, settings)
    complaints = _citizens(services, settings)
    _evaluation(services, settings, models, complaints)
    bus = Bus()
    tallying.listen(bus, services)
    services.events = bus
    return services, DynamoPrincipals(models)


def _judging(services: Services, settings: Settings) -> None:
    """The office's active calendar and rules, cached, where the function has the settings table."""
    if "settings" not in settings.tables:
        return
    store = DynamoSettings(boto3.client("dynamodb"), settings.tables["settings"], boto3.resource("dynamodb"))
    services.versions = store
    services.judgements = ActiveJudgement(
        store,
        settings.defaults.calendar_settings(),
        services.base_config,
        settings.defaults.settings_cache_seconds,
    )
    if settings.recompute_state_machine_arn:
        services.recompute_jobs = StepFunctionsRecompute(
            boto3.client("stepfunctions"), settings.recompute_state_machine_arn
        )


def _announcing(services: Services, settings: Settings) -> None:
    """The staff registry and numbering always; documents and texts where the function may use them."""
    region = boto3.session.Session().region_name
    if "staff" in settings.tables:
        services.staff = DynamoStaff(make_staff_model(settings.tables["staff"], region))
    if "counters" in settings.tables:
        services.counters = DynamoCounters(make_counter_model(settings.tables["counters"], region))
    services.notice_settings = NoticeSettings(sender_id=settings.defaults.sms_sender)
    if settings.documents_bucket:
        services.documents = S3Documents(boto3.client("s3"), settings.documents_bucket)
    if settings.alert_topics:
        sns = boto3.client("sns")
        services.texts = SnsTexts(sns, settings.defaults.sms_sender)
        services.topics = SnsAlertTopics(sns, settings.alert_topics)


def _citizens(services: Services, settings: Settings) -> DynamoComplaints | None:
    """Complaints and the look-up throttle where the function has their tables."""
    region = boto3.session.Session().region_name
    tables = settings.tables
    complaints = None
    if "complaints" in tables:
        services.complaints = complaints = DynamoComplaints(
            make_complaint_model(tables["complaints"], region)
        )
    if "throttle" in tables:
        services.throttle = DynamoThrottle(make_throttle_model(tables["throttle"], region))
    services.complaint_config = (
        ComplaintConfig.load(settings.complaints_file)
        if settings.complaints_file
        else ComplaintConfig(default_region_code=settings.defaults.city_region_code)
    )
    return complaints


def _evaluation(
    services: Services, settings: Settings, models: Models, complaints: DynamoComplaints | None
) -> None:
    """The tallies, the score book and the archive where the function has the scores table (absent
    elsewhere: nothing is tallied or scored). After `_citizens`: the archive reads its complaints."""
    if "scores" not in settings.tables:
        return
    table = settings.tables["scores"]
    client = boto3.client("dynamodb")
    services.tallies = DynamoTallies(client, table)
    services.scorebook = DynamoScoreBook(client, table)
    services.archive = DynamoArchive(models, complaints)


def _clock(settings: Settings, calendar: WorkCalendar) -> Callable[[], dt.datetime]:
    """Wall time in the calendar's zone, or the simulated clock when the local mode asks for one."""
    if settings.simulated_start is None:
        return lambda: normalised(dt.datetime.now(calendar.tz))
    start, speed, origin = settings.simulated_start, settings.simulated_speed, time.monotonic()
    return lambda: normalised(start + dt.timedelta(seconds=(time.monotonic() - origin) * speed))


def from_environment() -> tuple[Services, DynamoPrincipals]:
    """The services of this function instance, built on first use.

    Keyed by the function's Sunlight environment: in the cloud that is one entry per process; in
    the local mode, where every function runs in one process with its own environment, one each.
    """
    return _built(frozenset((k, v) for k, v in os.environ.items() if k.startswith("SUNLIGHT_")))


@cache
def _built(environment: frozenset[tuple[str, str]]) -> tuple[Services, DynamoPrincipals]:
    return build(Settings.from_env(dict(os.environ) | dict(environment)))


def clear_caches() -> None:
    """Forget built services (the local mode and its tests start a new cloud on a new port)."""
    _built.cache_clear()
    principals_from_environment.cache_clear()


@cache
def principals_from_environment() -> DynamoPrincipals:
    """Only what the authorizer needs: the principals table (no calendar, no data key)."""
    table = spec.PRINCIPALS
    names = {table.logical: os.environ[table.env]}
    return DynamoPrincipals(make_models(names | _unused(names), region=boto3.session.Session().region_name))


def _unused(names: dict[str, str]) -> dict[str, str]:
    """Placeholders for the tables a caller never touches (model classes need a name each)."""
    return {t.logical: f"unused-{t.logical}" for t in spec.TABLES if t.logical not in names}
