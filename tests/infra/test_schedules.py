"""Scheduled functions (the deadline sweep at a rate, the nightly scoring at a fixed time): an
EventBridge rule at the configured rate or cron expression, retries, and an encrypted dead-letter
queue whose depth alarms."""

from __future__ import annotations

from typing import Any

import pytest
from sunlight.app import spec

from infra import names
from infra.config import check_cron
from infra.constructs.schedules import cron_interval_minutes, event_age, schedule_event_age
from tests.infra.cfn import as_list, ref_id, statements
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra

SCHEDULED = tuple(f for f in spec.FUNCTIONS if f.schedule_minutes is not None or f.schedule_cron is not None)
NIGHTLY_UTC = "cron(0 18 * * ? *)"  # 02:00 in Asia/Shanghai (UTC+8, no daylight saving)


def rate(minutes: int) -> str:
    return f"rate({minutes} minute{'' if minutes == 1 else 's'})"


def expression(synthesis: Synthesis, function: spec.Function) -> str:
    """The ScheduleExpression the stage's settings give `function`: its cron, else rate(N minutes)."""
    cron = synthesis.config.schedule_cron_of(function)
    if cron is not None:
        assert synthesis.config.schedule_minutes_of(function) is None
        return cron
    minutes = synthesis.config.schedule_minutes_of(function)
    assert minutes is not None
    assert minutes == (synthesis.config.sweep_minutes or function.schedule_minutes)
    return rate(minutes)


def _age(synthesis: Synthesis, function: spec.Function) -> float:
    return schedule_event_age(
        synthesis.config.schedule_minutes_of(function), synthesis.config.schedule_cron_of(function)
    ).to_seconds()


def _rule(synthesis: Synthesis, function: spec.Function) -> dict[str, Any]:
    rule = synthesis.stack.schedules.scheduled[function.logical].rule
    properties: dict[str, Any] = synthesis.cfn["Resources"][synthesis.logical_id(rule)]["Properties"]
    return properties


def _queue_id(synthesis: Synthesis, function: spec.Function) -> str:
    return synthesis.logical_id(synthesis.stack.schedules.scheduled[function.logical].dead_letter_queue)


def _function_id(synthesis: Synthesis, function: spec.Function) -> str:
    return synthesis.logical_id(synthesis.stack.compute.functions[function.logical])


def test_the_sweep_and_the_nightly_scoring_are_scheduled() -> None:
    assert {"sweep", "scoring"} <= {f.logical for f in SCHEDULED}


def test_one_rule_per_scheduled_function(synthesis: Synthesis) -> None:
    rules = synthesis.resources("AWS::Events::Rule")
    assert len(rules) == len(SCHEDULED)
    targeted = {ref_id(target["Arn"]) for rule in rules.values() for target in rule["Properties"]["Targets"]}
    assert targeted == {_function_id(synthesis, f) for f in SCHEDULED}


@pytest.mark.parametrize("function", SCHEDULED, ids=lambda f: f.logical)
def test_rule_runs_its_function_at_the_configured_rate(synthesis: Synthesis, function: spec.Function) -> None:
    properties = _rule(synthesis, function)
    assert properties["ScheduleExpression"] == expression(synthesis, function)
    assert properties["State"] == "ENABLED"
    assert properties["Name"] == names.schedule_rule_name("dev", function)
    (target,) = properties["Targets"]
    assert ref_id(target["Arn"]) == _function_id(synthesis, function)
    # EventBridge may invoke the function, and only from this rule.
    rule_id = synthesis.logical_id(synthesis.stack.schedules.scheduled[function.logical].rule)
    permissions = [
        p["Properties"]
        for p in synthesis.resources("AWS::Lambda::Permission").values()
        if p["Properties"]["Principal"] == "events.amazonaws.com"
    ]
    (permission,) = (p for p in permissions if ref_id(p["SourceArn"]) == rule_id)
    assert ref_id(permission["FunctionName"]) == _function_id(synthesis, function)
    of_function = [p for p in permissions if ref_id(p["FunctionName"]) == _function_id(synthesis, function)]
    assert [ref_id(p["SourceArn"]) for p in of_function] == [rule_id]


def test_the_sweep_runs_at_a_rate_and_the_scoring_nightly_at_a_fixed_time(synthesis: Synthesis) -> None:
    """A rate of a day would fire a day after each deployment; the cron fires at 02:00 in Beijing."""
    (sweep,) = (f for f in SCHEDULED if f.logical == "sweep")
    (scoring,) = (f for f in SCHEDULED if f.logical == "scoring")
    assert _rule(synthesis, sweep)["ScheduleExpression"] == rate(sweep.schedule_minutes or 0)
    assert (scoring.schedule_minutes, scoring.schedule_cron) == (None, NIGHTLY_UTC)
    properties = _rule(synthesis, scoring)
    assert properties["ScheduleExpression"] == NIGHTLY_UTC
    assert properties["Name"] == "sunlight-dev-scoring-schedule"
    assert "(UTC)" in properties["Description"]
    # A night's run that could not be delivered may wait six hours, not until the next night.
    (target,) = properties["Targets"]
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == 21_600


@pytest.mark.parametrize("function", SCHEDULED, ids=lambda f: f.logical)
def test_delivery_is_retried_and_then_dead_lettered(synthesis: Synthesis, function: spec.Function) -> None:
    (target,) = _rule(synthesis, function)["Targets"]
    assert ref_id(target["DeadLetterConfig"]["Arn"]) == _queue_id(synthesis, function)
    assert target["RetryPolicy"]["MaximumRetryAttempts"] >= 1
    assert target["RetryPolicy"]["MaximumEventAgeInSeconds"] == _age(synthesis, function)


@pytest.mark.parametrize("function", SCHEDULED, ids=lambda f: f.logical)
def test_a_failed_run_is_retried_and_then_dead_lettered(
    synthesis: Synthesis, function: spec.Function
) -> None:
    (config,) = (
        c["Properties"]
        for c in synthesis.resources("AWS::Lambda::EventInvokeConfig").values()
        if ref_id(c["Properties"]["FunctionName"]) == _function_id(synthesis, function)
    )
    assert ref_id(config["DestinationConfig"]["OnFailure"]["Destination"]) == _queue_id(synthesis, function)
    assert config["MaximumRetryAttempts"] in {1, 2}
    assert config["MaximumEventAgeInSeconds"] == _age(synthesis, function)
    assert 60 <= config["MaximumEventAgeInSeconds"] <= 21_600
    # The function's own role may send its failures to the queue (Lambda uses it for destinations).
    role_id = synthesis.logical_id(synthesis.stack.compute.functions[function.logical].role)
    sends = [
        s
        for p in synthesis.resources("AWS::IAM::Policy").values()
        if {"Ref": role_id} in p["Properties"]["Roles"]
        for s in p["Properties"]["PolicyDocument"]["Statement"]
        if "sqs:SendMessage" in as_list(s["Action"])
    ]
    assert [ref_id(s["Resource"]) for s in sends] == [_queue_id(synthesis, function)]


@pytest.mark.parametrize("function", SCHEDULED, ids=lambda f: f.logical)
def test_dead_letter_queue_is_encrypted_ssl_only_and_written_by_its_rule_only(
    synthesis: Synthesis, function: spec.Function
) -> None:
    queue_id = _queue_id(synthesis, function)
    queue = synthesis.cfn["Resources"][queue_id]["Properties"]
    assert queue["QueueName"] == names.dead_letter_queue_name("dev", function)
    assert queue.get("SqsManagedSseEnabled") is True or "KmsMasterKeyId" in queue
    assert queue["MessageRetentionPeriod"] == 14 * 24 * 3600
    (policy,) = (
        p["Properties"]["PolicyDocument"]
        for p in synthesis.resources("AWS::SQS::QueuePolicy").values()
        if [ref_id(q) for q in p["Properties"]["Queues"]] == [queue_id]
    )
    found = list(statements(policy))
    assert any(
        s["Effect"] == "Deny" and s.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        for s in found
    )
    (allow,) = (s for s in found if s["Effect"] == "Allow")
    assert allow["Principal"] == {"Service": "events.amazonaws.com"}
    assert allow["Action"] == "sqs:SendMessage"
    rule_id = synthesis.logical_id(synthesis.stack.schedules.scheduled[function.logical].rule)
    assert ref_id(allow["Condition"]["ArnEquals"]["aws:SourceArn"]) == rule_id


@pytest.mark.parametrize("function", SCHEDULED, ids=lambda f: f.logical)
def test_dead_letter_queue_depth_alarms_to_the_ops_topic(
    synthesis: Synthesis, function: spec.Function
) -> None:
    queue_id = _queue_id(synthesis, function)
    (alarm,) = (
        a["Properties"]
        for a in synthesis.resources("AWS::CloudWatch::Alarm").values()
        if a["Properties"].get("Namespace") == "AWS/SQS"
        and any(ref_id(d["Value"]) == queue_id for d in a["Properties"].get("Dimensions", []))
    )
    assert alarm["MetricName"] == "ApproximateNumberOfMessagesVisible"
    assert alarm["Threshold"] == 1
    assert alarm["ComparisonOperator"] == "GreaterThanOrEqualToThreshold"
    ops_id = synthesis.logical_id(synthesis.stack.alarms.topic)
    assert [ref_id(action) for action in alarm["AlarmActions"]] == [ops_id]


@pytest.mark.parametrize(("minutes", "seconds"), [(1, 60), (5, 300), (1440, 21_600)])
def test_a_run_may_wait_one_interval_within_both_services_bounds(minutes: int, seconds: int) -> None:
    assert event_age(minutes).to_seconds() == seconds


@pytest.mark.parametrize(
    ("cron", "minutes"),
    [
        ("cron(0 18 * * ? *)", 1440),
        ("cron(30 2 ? * MON-FRI *)", 1440),
        ("cron(15 * * * ? *)", 60),
        ("cron(0/10 * * * ? *)", 1),
        ("cron(0 8,20 * * ? *)", 60),
    ],
)
def test_a_cron_schedule_is_given_its_shortest_interval(cron: str, minutes: int) -> None:
    assert cron_interval_minutes(check_cron(cron)) == minutes


@pytest.mark.parametrize(
    "cron",
    ["rate(1 day)", "cron(0 18 * * *)", "cron(0 18 * * * *)", "cron(0 18 ? * ? *)", "0 18 * * ? *"],
)
def test_a_malformed_cron_is_rejected(cron: str) -> None:
    with pytest.raises(ValueError):
        check_cron(cron)
