"""Alarms on every function, the state machine, the API and every table, and on the nightly scoring's
tally drift, all to the encrypted ops topic."""

from __future__ import annotations

import importlib.util
from typing import Any

import pytest
from sunlight import spec

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


def test_state_machine_failures_and_api_5xx_alarm(synthesis: Synthesis) -> None:
    metrics = {(a.get("Namespace"), a.get("MetricName")) for a in _alarms(synthesis)}
    assert ("AWS/States", "ExecutionsFailed") in metrics
    assert ("AWS/ApiGateway", "5XXError") in metrics


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


def _scoring_handler_metrics() -> Any:
    """The Powertools `Metrics` of functions/scoring/handler.py, loaded under a name of its own."""
    path = spec.ROOT / "functions" / "scoring" / "handler.py"
    found = importlib.util.spec_from_file_location("scoring_handler_for_alarm_test", path)
    assert found is not None and found.loader is not None
    module = importlib.util.module_from_spec(found)
    found.loader.exec_module(module)
    return module.metrics


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
    metrics = _scoring_handler_metrics()
    try:
        metrics.add_metric(name="TallyDrift", unit="Count", value=3)
        emf = metrics.serialize_metric_set()
    finally:
        metrics.clear_metrics()
    (directive,) = emf["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == alarm["Namespace"]
    assert [m["Name"] for m in directive["Metrics"]] == [alarm["MetricName"]]
    assert directive["Dimensions"] == [[d["Name"] for d in alarm["Dimensions"]]]
    assert {d["Name"]: emf[d["Name"]] for d in alarm["Dimensions"]} == {"service": "scoring"}
