"""Alarms on every function, every state machine, the API and every table, on the nightly scoring's
tally drift and on the sweep's calendar coverage, all to the encrypted ops topic."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from sunlight.app import spec

from tests.infra.cfn import ref_id
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def _alarms(synthesis: Synthesis) -> list[dict[str, Any]]:
    return [a["Properties"] for a in synthesis.resources("AWS::CloudWatch::Alarm").values()]


def _dimension(alarm: dict[str, Any], name: str) -> str | None:
    for dimension in alarm.get("Dimensions", []):
        if dimension["Name"] == name:
            return ref_id(dimension["Value"]) or dimension["Value"]
    return None


@pytest.mark.parametrize("metric", ["Errors", "Throttles"])
@pytest.mark.parametrize("function", spec.FUNCTIONS, ids=lambda f: f.logical)
def test_every_function_has_an_alarm(synthesis: Synthesis, function: spec.Function, metric: str) -> None:
    function_id = synthesis.logical_id(synthesis.stack.compute.functions[function.logical])
    matching = [
        a
        for a in _alarms(synthesis)
        if a.get("Namespace") == "AWS/Lambda"
        and a.get("MetricName") == metric
        and _dimension(a, "FunctionName") == function_id
    ]
    assert len(matching) == 1


@pytest.mark.parametrize(
    ("metric", "what"), [("ExecutionsFailed", "failed"), ("ExecutionsTimedOut", "timed-out")]
)
@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_every_state_machine_alarms_on_failed_and_timed_out_executions(
    synthesis: Synthesis, machine: spec.StateMachine, metric: str, what: str
) -> None:
    machine_id = synthesis.logical_id(synthesis.stack.workflows.state_machines[machine.name])
    (alarm,) = (
        a
        for a in _alarms(synthesis)
        if a.get("Namespace") == "AWS/States"
        and a.get("MetricName") == metric
        and _dimension(a, "StateMachineArn") == machine_id
    )
    assert alarm["AlarmName"] == f"sunlight-dev-{machine.name}-{what}"
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (1, "GreaterThanOrEqualToThreshold")


def test_api_5xx_alarm(synthesis: Synthesis) -> None:
    metrics = {(a.get("Namespace"), a.get("MetricName")) for a in _alarms(synthesis)}
    assert ("AWS/ApiGateway", "5XXError") in metrics


def test_alarm_names_are_unique(synthesis: Synthesis) -> None:
    names = [a["AlarmName"] for a in _alarms(synthesis)]
    assert len(names) == len(set(names))


def test_every_table_alarms_on_throttled_requests(synthesis: Synthesis) -> None:
    watched: set[str] = set()
    for alarm in _alarms(synthesis):
        for query in alarm.get("Metrics", []):
            stat = query.get("MetricStat", {}).get("Metric", {})
            if stat.get("MetricName") == "ThrottledRequests":
                watched |= {str(ref_id(d["Value"])) for d in stat["Dimensions"] if d["Name"] == "TableName"}
    assert watched == {synthesis.logical_id(t) for t in synthesis.stack.data.tables.values()}


def test_every_alarm_notifies_the_encrypted_ops_topic(synthesis: Synthesis) -> None:
    topic_id = synthesis.logical_id(synthesis.stack.alarms.topic)
    topic = synthesis.cfn["Resources"][topic_id]
    assert topic["Properties"]["TopicName"] == "sunlight-dev-ops"
    assert "KmsMasterKeyId" in topic["Properties"]
    for alarm in _alarms(synthesis):
        assert [ref_id(action) for action in alarm["AlarmActions"]] == [topic_id]


def _handler_module(function: str) -> Any:
    """functions/<function>/handler.py, loaded under a name of its own."""
    path = spec.ROOT / "functions" / function / "handler.py"
    found = importlib.util.spec_from_file_location(f"{function}_handler_for_alarm_test", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module


def _scoring_handler_metrics() -> Any:
    """The Powertools `Metrics` of functions/scoring/handler.py."""
    return _handler_module("scoring").metrics


def _assert_emitted_as_alarmed(metrics: Any, alarm: dict[str, Any], value: float) -> None:
    """What `metrics` emits (embedded metric format) is the alarm's metric: the same namespace and
    exactly its dimensions, whatever the function's environment says."""
    try:
        metrics.add_metric(name=alarm["MetricName"], unit="Count", value=value)
        emf = metrics.serialize_metric_set()
    finally:
        metrics.clear_metrics()
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in directive["Metrics"]] == [alarm["MetricName"]]
    assert directive["Dimensions"] == [[d["Name"] for d in alarm["Dimensions"]]]
    assert {d["Name"]: emf[d["Name"]] for d in alarm["Dimensions"]} == {
        d["Name"]: d["Value"] for d in alarm["Dimensions"]
    }


def test_tally_drift_alarms_on_the_metric_the_scoring_emits(
    synthesis: Synthesis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any drift the nightly recompute found in a day alarms; a day without a datapoint does not."""
    (alarm,) = (a for a in _alarms(synthesis) if a.get("MetricName") == "TallyDrift")
    assert alarm["AlarmName"] == "sunlight-dev-scoring-tally-drift"
    assert alarm["Namespace"] == "Sunlight"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "scoring"}]
    assert (alarm["Period"], alarm["EvaluationPeriods"]) == (86_400, 1)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Statistic"] == "Maximum"
    # What the handler emits (embedded metric format): the same namespace and exactly these dimensions,
    # whatever the function's environment says (the stack sets POWERTOOLS_SERVICE_NAME=sunlight).
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sunlight")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Sunlight")
    _assert_emitted_as_alarmed(_scoring_handler_metrics(), alarm, 3)


def test_an_uncovered_calendar_alarms_on_the_metric_the_sweep_emits(
    synthesis: Synthesis, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any year in the coverage window without a calendar, seen in a day, alarms; no datapoint does not."""
    (alarm,) = (a for a in _alarms(synthesis) if a.get("MetricName") == "CalendarUncoveredYears")
    assert alarm["AlarmName"] == "sunlight-dev-sweep-calendar-uncovered"
    assert alarm["Namespace"] == "Sunlight"
    assert alarm["Dimensions"] == [{"Name": "service", "Value": "sweep"}]
    assert (alarm["Period"], alarm["EvaluationPeriods"]) == (86_400, 1)
    assert (alarm["Threshold"], alarm["ComparisonOperator"]) == (0, "GreaterThanThreshold")
    assert alarm["TreatMissingData"] == "notBreaching"
    assert alarm["Statistic"] == "Maximum"
    monkeypatch.setenv("POWERTOOLS_SERVICE_NAME", "sunlight")
    monkeypatch.setenv("POWERTOOLS_METRICS_NAMESPACE", "Sunlight")
    module = _handler_module("sweep")
    assert getattr(module, "UNCOVERED_METRIC", alarm["MetricName"]) == alarm["MetricName"]
    _assert_emitted_as_alarmed(module.metrics, alarm, 1)
