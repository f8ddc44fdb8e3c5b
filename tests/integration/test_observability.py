"""Logs and metrics as CloudWatch gets them: one JSON line per log call, one EMF line per metric set.

A line a service writes deep in a use case carries the Lambda context and the request it serves; the
business counts and the alarmed operational metrics are written when the handler returns.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from api.handler import handler as api
from sunlight.alerts.adapters.sns import TextFailed
from sunlight.kernel import observability
from sunlight.kernel.access import Principal
from sweep.handler import handler as sweep_handler

from tests.integration.conftest import KEYS, Cloud, FakeContext, call, example_records, push_live

pytestmark = pytest.mark.integration
REQUEST_ID = "6f1c2a3e-9b7d-4c1e-8f00-000000000042"
CASE = "C2026-000002"


class RefusingTexts:
    """A text service that accepts nothing."""

    def __init__(self) -> None:
        self.tried: list[str] = []

    def send(self, phone: str, text: str) -> str:
        self.tried.append(phone)
        raise TextFailed(False, "the text service is down", "Throttling")


class CurrentStdout:
    """Whatever `sys.stdout` is when a line is written (pytest swaps it between a test's phases)."""

    def write(self, text: str) -> int:
        return sys.stdout.write(text)

    def flush(self) -> None:
        sys.stdout.flush()


@pytest.fixture
def stdout(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> Callable[[], list[Any]]:
    """What the invocations wrote to stdout, parsed line by line. The service logger's handler keeps
    the stream it was made with (Lambda's stdout, which never changes); here it writes to the one
    capsys captures."""
    monkeypatch.setattr(observability.logger.registered_handler, "stream", CurrentStdout())

    def lines() -> list[Any]:
        return [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.strip()]

    return lines


@pytest.fixture(autouse=True)
def no_metrics_left() -> Iterator[None]:
    observability.flush_metrics()  # nothing from an earlier test in this test's output
    yield


def register_staff(cloud: Cloud) -> None:
    handler = {"name": "王敏", "role": "handler", "phone": "13800001234", "leader_id": "JS001"}
    leader = {"name": "赵刚", "role": "leader", "phone": "13900005678"}
    assert call(cloud, "PUT", "/v1/staff/JS017", KEYS["a"], handler)[0] == 200
    assert call(cloud, "PUT", "/v1/staff/JS001", KEYS["a"], leader)[0] == 200


def submit(cloud: Cloud, records: list[dict[str, Any]], request_id: str) -> dict[str, Any]:
    """POST /v1/records as API Gateway hands it over, with this request id, from department A."""
    principal = cloud.principals.find(KEYS["a"])
    assert principal is not None
    event = {
        "httpMethod": "POST",
        "path": "/v1/records",
        "resource": "/v1/records",
        "headers": {"x-api-key": KEYS["a"]},
        "multiValueHeaders": {"x-api-key": [KEYS["a"]]},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": {},
        "pathParameters": None,
        "isBase64Encoded": False,
        "body": json.dumps({"records": records}, ensure_ascii=False),
        "requestContext": {
            "requestId": request_id,
            "stage": "test",
            "resourcePath": "/v1/records",
            "httpMethod": "POST",
            "identity": {"sourceIp": "127.0.0.1"},
            "authorizer": Principal.to_context(principal),
        },
    }
    response: dict[str, Any] = api(event, FakeContext(), services=cloud.services)
    assert response["statusCode"] == 200, response["body"]
    answer: dict[str, Any] = json.loads(response["body"])
    return answer


def the_card_arrives_and_its_texts_fail(cloud: Cloud) -> RefusingTexts:
    """Skip the review: the approval's arrival raises P-ORDER's yellow card, whose texts fail."""
    register_staff(cloud)
    *before, approve, _conclude = example_records(CASE, skip="review")
    push_live(cloud, KEYS["a"], before)
    texts = RefusingTexts()
    cloud.services.texts = texts
    occurred = dt.datetime.fromisoformat(approve["occurred_at"])
    cloud.set_now((occurred + dt.timedelta(minutes=1)).isoformat())
    return texts


def emf(lines: list[Any]) -> list[dict[str, Any]]:
    return [line for line in lines if isinstance(line, dict) and "_aws" in line]


def test_a_line_a_service_logs_carries_the_lambda_context_and_the_request_id(
    cloud: Cloud, stdout: Callable[[], list[Any]]
) -> None:
    texts = the_card_arrives_and_its_texts_fail(cloud)
    stdout()  # the earlier requests' output
    *_, approve, _ = example_records(CASE, skip="review")
    assert submit(cloud, [approve], REQUEST_ID)["stored"] == 1
    assert texts.tried  # the card went out to staff, and the text service refused

    failed = [line for line in stdout() if line.get("message") == "text failed"]
    assert failed, "the announce use case logs each text that failed"
    for line in failed:
        assert line["level"] == "WARNING"
        assert line["location"].startswith(
            "_send:"
        )  # written by sunlight.alerts.service.announce, not the handler
        assert line["service"] == observability.SERVICE == "sunlight"
        assert line["correlation_id"] == REQUEST_ID
        assert line["function_name"] == FakeContext.function_name
        assert line["function_request_id"] == FakeContext.aws_request_id
        assert line["function_arn"] == FakeContext.invoked_function_arn
        assert line["function_memory_size"] == FakeContext.memory_limit_in_mb
        assert "cold_start" in line
        assert line["error"].startswith("Throttling")


def test_the_next_invocation_starts_without_the_last_ones_request(
    cloud: Cloud, stdout: Callable[[], list[Any]]
) -> None:
    """State is cleared per invocation: a schedule's run does not inherit an API request's id."""
    submit(cloud, example_records("C2026-000005")[:1], REQUEST_ID)
    sweep_handler({}, FakeContext(), services=cloud.services)
    swept = [line for line in stdout() if line.get("message") == "swept"]
    assert len(swept) == 1
    assert "correlation_id" not in swept[0]
    assert swept[0]["service"] == "sunlight" and swept[0]["function_request_id"] == "req-1"


def test_a_workflow_step_correlates_by_the_execution_its_event_names() -> None:
    """A Step Functions task that passes `"execution.$": "$$.Execution.Id"` is logged under it."""
    seen: list[str | None] = []

    @observability.lambda_entry
    def step(event: dict[str, Any], context: Any) -> None:
        seen.append(observability.logger.get_correlation_id())

    execution = "arn:aws:states:us-east-1:123456789012:execution:sunlight-test-approval-case:C1"
    step({"case_no": "C1", "execution": execution}, FakeContext())
    step({"case_no": "C1"}, FakeContext())
    assert seen == [execution, None]


def test_the_business_counts_are_written_when_the_handler_returns(
    cloud: Cloud, stdout: Callable[[], list[Any]]
) -> None:
    the_card_arrives_and_its_texts_fail(cloud)
    stdout()
    *_, approve, _ = example_records(CASE, skip="review")
    bad = {**approve, "seq": 9, "occurred_at": "not a time"}
    answer = submit(cloud, [approve, bad], REQUEST_ID)
    assert (answer["stored"], answer["rejected"]) == (1, 1)

    (blob,) = [b for b in emf(stdout()) if "RecordsStored" in b]
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == observability.NAMESPACE == "Sunlight"
    assert directive["Dimensions"] == [["service"]] and blob["service"] == "sunlight"
    names = {m["Name"]: m["Unit"] for m in directive["Metrics"]}
    assert names == {"RecordsStored": "Count", "RecordsRejected": "Count", "TextsFailed": "Count"}
    assert sum(blob["RecordsStored"]) == 1 and sum(blob["RecordsRejected"]) == 1
    assert sum(blob["TextsFailed"]) >= 1


def test_the_sweeps_alarmed_metric_keeps_its_own_dimension(
    cloud: Cloud, stdout: Callable[[], list[Any]]
) -> None:
    """infra/constructs/alarms.py watches CalendarUncoveredYears on service=sweep."""
    sweep_handler({}, FakeContext(), services=cloud.services)
    (blob,) = [b for b in emf(stdout()) if "CalendarUncoveredYears" in b]
    (directive,) = blob["_aws"]["CloudWatchMetrics"]
    assert directive["Namespace"] == "Sunlight"
    assert directive["Dimensions"] == [["service"]] and blob["service"] == "sweep"
    assert [m["Name"] for m in directive["Metrics"]] == ["CalendarUncoveredYears"]


def test_an_invocation_that_counts_nothing_writes_no_metrics_and_warns_of_nothing(
    cloud: Cloud, stdout: Callable[[], list[Any]], recwarn: pytest.WarningsRecorder
) -> None:
    assert call(cloud, "GET", "/v1/items", KEYS["a"])[0] == 200
    assert emf(stdout()) == []
    assert [str(w.message) for w in recwarn] == []


def test_alerts_are_counted_by_level(stdout: Callable[[], list[Any]]) -> None:
    observability.alert_issued("red_card")
    observability.alert_issued("red_card")
    observability.alert_issued("warning")
    observability.flush_metrics()
    blobs = {b["Level"]: b for b in emf(stdout()) if "AlertsIssued" in b}
    assert sorted(blobs) == ["red_card", "warning"]
    red = blobs["red_card"]
    assert red["_aws"]["CloudWatchMetrics"][0]["Dimensions"] == [["service", "Level"]]
    assert (red["service"], sum(red["AlertsIssued"]), sum(blobs["warning"]["AlertsIssued"])) == (
        "sunlight",
        2,
        1,
    )
