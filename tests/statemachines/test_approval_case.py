"""approval_case.asl.json executed by moto: its retries, its missing catches, and its year-long park.

CheckRules retries the Lambda service's errors (2 s, x2, 6 times) and any other task failure (5 s, x2,
3 times), and has no Catch. WaitForNextRecord retries the same way, and catches States.Timeout (a year
without a record) into NoRecordForAYear, which fails the execution as CaseAbandoned. Each task names
its execution, which the functions log as their correlation id.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.approval.adapters.workflow import StepFunctionsWorkflow

from tests.statemachines.conftest import Deployment, entered, state_input, task_outcomes, with_timeouts
from tests.statemachines.fakes import error, fails
from tests.waiting import wait_for

pytestmark = pytest.mark.statemachine

MACHINE = spec.APPROVAL_CASE
A_YEAR = 365 * 24 * 3600
SERVICE_ERRORS = [
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
]


def checked(records: int, concluded: bool = False) -> dict[str, Any]:
    """What rule_check answers (the shape of sunlight.approval.service.casework.check_case's answer)."""
    return {
        "case_no": "C",
        "concluded": concluded,
        "checked_records": records,
        "alerts": 0,
        "changed": 0,
        "noted": False,
    }


def parks(event: dict[str, Any], before: int) -> dict[str, Any]:
    return {"case_no": event["case_no"], "parked": True}


def tasks_of(events: list[dict[str, Any]], state: str) -> list[str]:
    """The outcomes of the task attempts made while in `state` (each entry into it, in order)."""
    outcomes, inside = [], False
    for event in events:
        if event["type"].endswith("StateEntered"):
            inside = event["stateEnteredEventDetails"]["name"] == state
        elif inside:
            outcomes += task_outcomes([event])
    return outcomes


@pytest.mark.parametrize(
    "failure",
    [
        "ClientError",  # e.g. a throttled DynamoDB call inside the handler
        "Sandbox.Timedout",  # what Lambda reports for a check slower than the function's timeout
    ],
)
def test_a_check_that_fails_once_is_retried_and_the_case_parks_resumes_and_concludes(
    deployment: Deployment, failure: str
) -> None:
    def check(event: dict[str, Any], before: int) -> dict[str, Any]:
        if before == 0:
            raise error(failure, "the first check failed")
        return checked(records=before, concluded=before == 2)

    deployment.script.on("rule_check", check)
    deployment.script.on("park", parks)
    case_no = f"C-RETRY-{failure}"
    execution = deployment.start(deployment.arn(MACHINE), case_no, {"case_no": case_no})

    (parked,) = deployment.before_end(execution, deployment.calls("park"), "the case parked its task token")
    assert parked["case_no"] == case_no
    assert parked["checked_records"] == 1  # from the retried check's answer
    assert deployment.sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
    # The next record arrives: intake resumes the parked execution through the workflow adapter.
    workflow = StepFunctionsWorkflow(deployment.sfn, deployment.arn(MACHINE))
    assert workflow.resume(parked["task_token"], {"case_no": case_no}) is True
    result = deployment.finished(execution)

    assert result["status"] == "SUCCEEDED", result
    events = deployment.history(execution)
    assert entered(events) == [
        "CheckRules",
        "Concluded?",
        "WaitForNextRecord",
        "CheckRules",
        "Concluded?",
        "CaseConcluded",
    ]
    assert tasks_of(events, "CheckRules") == [failure, "succeeded", "succeeded"]
    assert deployment.retry_waits == [5]  # the task-failure retrier's first interval, not the service's 2 s
    assert [c["case_no"] for c in deployment.script.calls["rule_check"]] == [case_no] * 3
    output = json.loads(result["output"])
    assert output["check"] == {"concluded": True, "checked_records": 2, "alerts": 0}
    assert output["arrival"] == {"case_no": case_no}
    # The real definition parks for a year.
    (scheduled,) = [
        e["taskScheduledEventDetails"]
        for e in events
        if e["type"] == "TaskScheduled" and e["taskScheduledEventDetails"]["resource"].endswith("TaskToken")
    ]
    assert scheduled["timeoutInSeconds"] == A_YEAR


def test_each_lambda_service_error_is_retried_by_the_service_retrier(deployment: Deployment) -> None:
    def check(event: dict[str, Any], before: int) -> dict[str, Any]:
        if before < len(SERVICE_ERRORS):
            raise error(SERVICE_ERRORS[before])
        return checked(records=3, concluded=True)

    deployment.script.on("rule_check", check)
    execution = deployment.start(deployment.arn(MACHINE), "C-SERVICE", {"case_no": "C-SERVICE"})
    result = deployment.finished(execution)

    assert result["status"] == "SUCCEEDED", result
    assert tasks_of(deployment.history(execution), "CheckRules") == [*SERVICE_ERRORS, "succeeded"]
    assert deployment.retry_waits == [2, 4, 8, 16]  # one retrier for all four names: 2 s, doubling
    assert json.loads(result["output"])["check"]["concluded"] is True
    assert not deployment.script.calls["park"]


@pytest.mark.parametrize(
    ("failure", "waits"),
    [
        # Any function error: the task-failure retrier, 3 retries.
        ("NotFound", [5, 10, 20]),
        # Lambda throttling that never ends: the service retrier, 6 retries; the task-failure retrier
        # (which would also match) is not consulted once the first matching one is exhausted.
        ("Lambda.TooManyRequestsException", [2, 4, 8, 16, 32, 64]),
    ],
)
def test_a_check_that_always_fails_fails_the_execution_after_its_retries(
    deployment: Deployment, failure: str, waits: list[int]
) -> None:
    """CheckRules has no Catch: the handler's error ends the execution (and the case never parks)."""
    deployment.script.on("rule_check", fails(failure, "no"))
    execution = deployment.start(deployment.arn(MACHINE), f"C-BROKEN-{failure}", {"case_no": "C-BROKEN"})
    result = deployment.finished(execution)

    assert result["status"] == "FAILED"
    assert result["error"] == failure
    assert json.loads(result["cause"])["errorMessage"] == "no"
    events = deployment.history(execution)
    assert entered(events) == ["CheckRules"]
    assert tasks_of(events, "CheckRules") == [failure] * (len(waits) + 1)
    assert deployment.retry_waits == waits
    assert len(deployment.script.calls["rule_check"]) == len(waits) + 1
    assert not deployment.script.calls["park"]


def test_no_record_within_the_timeout_takes_the_timeout_branch(
    deployment: Deployment, tmp_path: Path
) -> None:
    """The year-long park, shortened to a second: the task times out, the Catch routes the execution to
    NoRecordForAYear (CaseAbandoned), and a record arriving afterwards cannot resume it."""
    real = json.loads(MACHINE.file.read_text(encoding="utf-8"))["States"]["WaitForNextRecord"]
    assert real["TimeoutSeconds"] == A_YEAR
    short = deployment.create_machine(
        "approval-case-short-park", with_timeouts(MACHINE, tmp_path, WaitForNextRecord=1), MACHINE
    )
    deployment.script.on("rule_check", lambda event, before: checked(records=4))
    deployment.script.on("park", parks)
    execution = deployment.start(short, "C-QUIET", {"case_no": "C-QUIET"})
    result = deployment.finished(execution)

    assert result["status"] == "FAILED", result
    assert result["error"] == "CaseAbandoned"
    assert result["cause"] == "No record arrived for a year; the sweep keeps watching the case's deadlines."
    events = deployment.history(execution)
    assert entered(events) == ["CheckRules", "Concluded?", "WaitForNextRecord", "NoRecordForAYear"]
    assert tasks_of(events, "WaitForNextRecord")[-1] == "timed out"
    timed_out = [e["taskTimedOutEventDetails"] for e in events if e["type"] == "TaskTimedOut"]
    assert [t["error"] for t in timed_out] == ["States.Timeout"]
    caught = state_input(events, "NoRecordForAYear")
    assert caught["timeout"]["Error"] == "States.Timeout"  # the Catch's ResultPath keeps the check
    assert caught["check"] == {"concluded": False, "checked_records": 4, "alerts": 0}
    assert deployment.retry_waits == []  # a timeout is not retried
    (parked,) = wait_for(deployment.calls("park"), "the park call")
    # A record arriving after the timeout: the token is gone, so intake starts a new execution.
    workflow = StepFunctionsWorkflow(deployment.sfn, short)
    assert workflow.resume(parked["task_token"], {"case_no": "C-QUIET"}) is False


def test_a_park_hit_by_a_lambda_service_error_is_retried(deployment: Deployment) -> None:
    def park(event: dict[str, Any], before: int) -> dict[str, Any]:
        if before == 0:
            raise error("Lambda.ServiceException")
        return parks(event, before)

    deployment.script.on("rule_check", lambda event, before: checked(records=1, concluded=before > 0))
    deployment.script.on("park", park)
    execution = deployment.start(deployment.arn(MACHINE), "C-PARK-SVC", {"case_no": "C-PARK-SVC"})
    calls = deployment.before_end(execution, lambda: deployment.calls("park")()[1:], "the park was retried")
    StepFunctionsWorkflow(deployment.sfn, deployment.arn(MACHINE)).resume(
        calls[-1]["task_token"], {"case_no": "C-PARK-SVC"}
    )
    result = deployment.finished(execution)

    assert result["status"] == "SUCCEEDED", result
    assert tasks_of(deployment.history(execution), "WaitForNextRecord") == [
        "Lambda.ServiceException",
        "succeeded",
    ]
    assert deployment.retry_waits == [2]


def test_a_park_that_fails_once_is_retried(deployment: Deployment) -> None:
    def park(event: dict[str, Any], before: int) -> dict[str, Any]:
        if before == 0:
            raise error("ClientError", "throttled")
        return parks(event, before)

    deployment.script.on("rule_check", lambda event, before: checked(records=1, concluded=before > 0))
    deployment.script.on("park", park)
    execution = deployment.start(deployment.arn(MACHINE), "C-PARK", {"case_no": "C-PARK"})

    calls = deployment.before_end(execution, lambda: deployment.calls("park")()[1:], "the park was retried")
    StepFunctionsWorkflow(deployment.sfn, deployment.arn(MACHINE)).resume(
        calls[-1]["task_token"], {"case_no": "C-PARK"}
    )
    result = deployment.finished(execution)

    assert result["status"] == "SUCCEEDED", (result.get("error"), result.get("cause"))
    assert tasks_of(deployment.history(execution), "WaitForNextRecord") == ["ClientError", "succeeded"]
    assert deployment.retry_waits == [5]


def test_each_task_names_its_execution_for_the_logs(deployment: Deployment) -> None:
    deployment.script.on(
        "rule_check", lambda event, before: checked(records=before + 1, concluded=before > 0)
    )
    deployment.script.on("park", parks)
    execution = deployment.start(deployment.arn(MACHINE), "C-CORRELATED", {"case_no": "C-CORRELATED"})

    (parked,) = deployment.before_end(execution, deployment.calls("park"), "the case parked its task token")
    StepFunctionsWorkflow(deployment.sfn, deployment.arn(MACHINE)).resume(
        parked["task_token"], {"case_no": "C-CORRELATED"}
    )
    assert deployment.finished(execution)["status"] == "SUCCEEDED"
    checks = [c for c in deployment.script.calls["rule_check"] if c["case_no"] == "C-CORRELATED"]
    assert [c["execution"] for c in checks] == [execution, execution]
    assert parked["execution"] == execution
