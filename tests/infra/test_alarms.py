"""Alarms on every function, the state machine, the API and every table, all to the encrypted ops topic."""

from __future__ import annotations

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
