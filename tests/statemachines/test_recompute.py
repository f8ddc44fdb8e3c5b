"""recompute.asl.json executed by moto: every shard paged to its end, a failed page retried.

RecomputePage (inside the EachShard map) retries the Lambda service's errors (2 s, x2, 6 times) and any
other task failure (5 s, x2, 3 times); there is no Catch, and no timeout of its own (the function's
900 s Lambda timeout bounds a page, and is reported as the task failure Sandbox.Timedout).
"""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.approval.adapters.workflow import StepFunctionsRecompute

from tests.statemachines.conftest import Deployment, entered, task_outcomes
from tests.statemachines.fakes import error

pytestmark = pytest.mark.statemachine

MACHINE = spec.RECOMPUTE
PAGES = {None: "page-2", "page-2": "page-3", "page-3": None}  # cursor -> the next one (None: last)


def page(event: dict[str, Any]) -> dict[str, Any]:
    """What the recompute function answers for a page (sunlight.approval.service.versions.recompute_page)."""
    following = PAGES[event["cursor"]]
    return {
        "shard": event["shard"],
        "generation": event["generation"],
        "cursor": following,
        "more": following is not None,
        "recomputed": 10,
        "failed": [],
    }


def cursors_by_shard(calls: list[dict[str, Any]]) -> dict[str, list[str | None]]:
    seen: dict[str, list[str | None]] = defaultdict(list)
    for call in calls:
        seen[call["shard"]].append(call["cursor"])
    return dict(seen)


def test_every_shard_is_paged_to_its_end_and_failed_pages_are_retried(deployment: Deployment) -> None:
    # Shard 1's second page fails once (a function error); shard 2's first is throttled once.
    def recompute(event: dict[str, Any], before: int) -> dict[str, Any]:
        if before == 0 and (event["shard"], event["cursor"]) == ("1", "page-2"):
            raise error("ClientError", "throttled write")
        if before == 0 and (event["shard"], event["cursor"]) == ("2", None):
            raise error("Lambda.TooManyRequestsException")
        return page(event)

    deployment.script.on("recompute", recompute, key=lambda event: f"{event['shard']}/{event['cursor']}")
    request = {"generation": 7, "shards": ["0", "1", "2"]}
    execution = deployment.start(deployment.arn(MACHINE), "generation-7", request)
    result = deployment.finished(execution)

    assert result["status"] == "SUCCEEDED", result
    assert json.loads(result["output"]) == request  # the map's results are dropped (ResultPath null)
    calls = deployment.script.calls["recompute"]
    assert cursors_by_shard(calls) == {
        "0": [None, "page-2", "page-3"],
        "1": [None, "page-2", "page-2", "page-3"],
        "2": [None, None, "page-2", "page-3"],
    }
    assert {call["generation"] for call in calls} == {7}
    assert sorted(deployment.retry_waits) == [2, 5]  # the service retrier and the task-failure retrier
    events = deployment.history(execution)
    assert sorted(task_outcomes(events)) == sorted(
        ["ClientError", "Lambda.TooManyRequestsException"] + ["succeeded"] * 9
    )
    succeeded = [
        e["mapIterationSucceededEventDetails"]["index"] for e in events if "IterationSucceeded" in e["type"]
    ]
    assert sorted(succeeded) == [0, 1, 2]
    assert entered(events)[-1] == "AllRecomputed"


def test_a_page_that_always_fails_fails_the_execution_after_its_retries(deployment: Deployment) -> None:
    """No Catch: a shard whose page keeps failing ends the map and the execution with the page's error
    (the execution, named by its generation, is not started again by StepFunctionsRecompute)."""

    def recompute(event: dict[str, Any], before: int) -> dict[str, Any]:
        if event["shard"] == "1":
            raise error("NotFound", "item of case X is not in the catalogue")
        return {**page(event), "cursor": None, "more": False}  # shard 0: one page

    deployment.script.on("recompute", recompute, key=lambda event: event["shard"])
    execution = deployment.start(
        deployment.arn(MACHINE), "generation-8", {"generation": 8, "shards": ["0", "1"]}
    )
    result = deployment.finished(execution)

    assert result["status"] == "FAILED", result
    assert result["error"] == "NotFound"
    assert json.loads(result["cause"])["errorMessage"] == "item of case X is not in the catalogue"
    events = deployment.history(execution)
    failed = [
        e["mapIterationFailedEventDetails"]["index"] for e in events if e["type"] == "MapIterationFailed"
    ]
    assert failed == [1]
    assert "MapStateFailed" in [e["type"] for e in events]
    assert "AllRecomputed" not in entered(events)
    assert cursors_by_shard(deployment.script.calls["recompute"])["1"] == [None] * 4
    assert deployment.retry_waits == [5, 10, 20]
    # Activating generation 8 again does not run it again: the adapter answers the failed execution.
    again = StepFunctionsRecompute(deployment.sfn, deployment.arn(MACHINE)).start(8, ["0", "1"])
    assert again == execution
    executions = deployment.sfn.list_executions(stateMachineArn=deployment.arn(MACHINE))["executions"]
    assert [e["status"] for e in executions if e["name"] == "generation-8"] == ["FAILED"]
