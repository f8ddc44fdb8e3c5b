"""moto's Lambda runs the real handler in-process, and Step Functions sees its results and errors."""

from __future__ import annotations

import dataclasses
import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.devtools.local.cloud import LocalCloud, client
from sunlight.devtools.local.invoker import FunctionRuntime, HandlerError, Invoker, in_process_lambda
from sunlight.devtools.local.provision import Provisioned, provision

from tests.waiting import wait_for

pytestmark = pytest.mark.integration

FUNCTIONS = {f.logical: f for f in spec.FUNCTIONS}

# A small case workflow of our own: a checked step (errors caught by type) and a parked step.
ASL = {
    "StartAt": "Check",
    "States": {
        "Check": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Parameters": {"FunctionName": "${RuleCheckFunctionArn}", "Payload.$": "$"},
            "ResultSelector": {"result.$": "$.Payload"},
            "ResultPath": "$.check",
            "Catch": [{"ErrorEquals": ["ValueError"], "ResultPath": "$.error", "Next": "Caught"}],
            "Next": "Park",
        },
        "Park": {
            "Type": "Task",
            "Resource": "arn:aws:states:::lambda:invoke.waitForTaskToken",
            "Parameters": {
                "FunctionName": "${ParkFunctionArn}",
                "Payload": {"case_no.$": "$.case_no", "task_token.$": "$$.Task.Token"},
            },
            "ResultPath": "$.arrival",
            "End": True,
        },
        "Caught": {"Type": "Pass", "End": True},
    },
}


def provision_with(functions_dir: Path, asl: Path, rule_check: str) -> Provisioned:
    """The spec's functions, with rule_check and park pointing at fake handlers."""
    functions = [
        dataclasses.replace(FUNCTIONS["rule_check"], handler=f"{rule_check}.handler.handler"),
        dataclasses.replace(FUNCTIONS["park"], handler="fake_park.handler.handler"),
    ]
    return provision(state_machine_file=asl, functions=functions)


def finished(execution_arn: str) -> dict[str, Any]:
    sfn = client("stepfunctions")

    def done() -> dict[str, Any] | None:
        answer: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        return answer if answer["status"] != "RUNNING" else None

    result: dict[str, Any] = wait_for(done, "the execution to finish")
    return result


def test_a_task_runs_the_real_handler_and_wait_for_task_token_resumes(
    cloud: LocalCloud, functions_dir: Path, tmp_path: Path
) -> None:
    asl = tmp_path / "machine.asl.json"
    asl.write_text(json.dumps(ASL))
    with in_process_lambda(functions_dir):
        made = provision_with(functions_dir, asl, "fake_echo")
        sfn = client("stepfunctions")
        execution = sfn.start_execution(
            stateMachineArn=made.state_machine_arn, name="C1", input=json.dumps({"case_no": "C1"})
        )["executionArn"]

        token = wait_for((functions_dir / "tokens" / "C1").exists, "C1's parked task token")
        assert token
        assert sfn.describe_execution(executionArn=execution)["status"] == "RUNNING"
        sfn.send_task_success(
            taskToken=(functions_dir / "tokens" / "C1").read_text(), output=json.dumps({"record": 2})
        )
        result = finished(execution)

    assert result["status"] == "SUCCEEDED"
    output = json.loads(result["output"])
    assert output["check"]["result"]["echo"] == {"case_no": "C1"}
    assert output["check"]["result"]["function"] == "sunlight-local-rule-check"
    assert output["check"]["result"]["stage"] == "local"  # the function's environment was applied
    assert 0 < output["check"]["result"]["remaining_ms"] <= FUNCTIONS["rule_check"].timeout_s * 1000
    assert output["arrival"] == {"record": 2}


def test_a_handler_exception_is_a_lambda_error_that_catch_sees_by_type(
    cloud: LocalCloud, functions_dir: Path, tmp_path: Path
) -> None:
    asl = tmp_path / "machine.asl.json"
    asl.write_text(json.dumps(ASL))
    with in_process_lambda(functions_dir):
        made = provision_with(functions_dir, asl, "fake_echo")
        execution = client("stepfunctions").start_execution(
            stateMachineArn=made.state_machine_arn,
            name="C2",
            input=json.dumps({"case_no": "C2", "fail": True}),
        )["executionArn"]
        result = finished(execution)

    assert result["status"] == "SUCCEEDED"
    error = json.loads(result["output"])["error"]
    assert error["Error"] == "ValueError"
    assert json.loads(error["Cause"])["errorMessage"] == "asked to fail"


@pytest.mark.skipif(
    not spec.STATE_MACHINE_FILE.exists(), reason="the case workflow's ASL file does not exist yet"
)
def test_the_real_case_workflow_parks_resumes_and_concludes(cloud: LocalCloud, functions_dir: Path) -> None:
    with in_process_lambda(functions_dir):
        made = provision_with(functions_dir, spec.STATE_MACHINE_FILE, "fake_rule_check")
        sfn = client("stepfunctions")
        execution = sfn.start_execution(
            stateMachineArn=made.state_machine_arn, name="C3", input=json.dumps({"case_no": "C3"})
        )["executionArn"]
        wait_for((functions_dir / "tokens" / "C3").exists, "C3's parked task token")
        (functions_dir / "CONCLUDED").touch()
        sfn.send_task_success(
            taskToken=(functions_dir / "tokens" / "C3").read_text(), output=json.dumps({"case_no": "C3"})
        )
        result = finished(execution)

    assert result["status"] == "SUCCEEDED"
    assert json.loads(result["output"])["check"]["concluded"] is True


def test_lambda_invoke_returns_the_handler_result_or_an_unhandled_function_error(
    cloud: LocalCloud, functions_dir: Path, tmp_path: Path
) -> None:
    asl = tmp_path / "machine.asl.json"
    asl.write_text(json.dumps(ASL))
    with in_process_lambda(functions_dir):
        made = provision_with(functions_dir, asl, "fake_echo")
        lambda_ = client("lambda")
        name = made.functions["rule_check"].name
        ok = lambda_.invoke(FunctionName=name, Payload=json.dumps({"x": 1}))
        failed = lambda_.invoke(FunctionName=name, Payload=json.dumps({"fail": True}))

    assert "FunctionError" not in ok
    assert json.loads(ok["Payload"].read())["echo"] == {"x": 1}
    assert failed["FunctionError"] == "Unhandled"
    error = json.loads(failed["Payload"].read())
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "asked to fail")
    assert any("fake_echo" in line for line in error["stackTrace"])


def test_the_environment_is_applied_during_the_call_only(functions_dir: Path) -> None:
    fn = FunctionRuntime("f", "fake_echo.handler.handler", {"SUNLIGHT_STAGE": "probe"})
    before = os.environ.get("SUNLIGHT_STAGE")

    result = Invoker(functions_dir).invoke(fn, {"a": 1})

    assert result["stage"] == "probe"
    assert os.environ.get("SUNLIGHT_STAGE") == before
    assert "SET_BY_HANDLER" not in os.environ


def test_two_functions_run_at_once_each_with_its_own_environment(functions_dir: Path) -> None:
    invoker = Invoker(functions_dir)
    functions = [
        FunctionRuntime(f"f{n}", "fake_echo.handler.handler", {"SUNLIGHT_STAGE": f"s{n}"}) for n in (1, 2)
    ]
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        results = list(pool.map(lambda fn: invoker.invoke(fn, {"sleep": 0.3}), functions))
        elapsed = time.monotonic() - started

    assert [r["stage"] for r in results] == ["s1", "s2"]
    assert elapsed < 0.55  # concurrently, not one after the other


def test_one_function_runs_one_call_at_a_time(functions_dir: Path) -> None:
    invoker = Invoker(functions_dir)
    fn = FunctionRuntime("single", "fake_echo.handler.handler")
    with ThreadPoolExecutor(2) as pool:
        started = time.monotonic()
        list(pool.map(lambda _: invoker.invoke(fn, {"sleep": 0.2}), range(2)))

    assert time.monotonic() - started >= 0.4


def test_a_missing_handler_module_is_an_import_error_as_lambda_reports_it(functions_dir: Path) -> None:
    with pytest.raises(HandlerError) as raised:
        Invoker(functions_dir).invoke(FunctionRuntime("f", "no_such.handler.handler"), {})

    assert raised.value.error_type == "Runtime.ImportModuleError"
