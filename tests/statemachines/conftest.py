"""The state-machine tier: each ASL of `spec.STATE_MACHINES` executed by moto's Step Functions.

The cloud is the local mode's (`LocalCloud`: moto's server with state-machine execution on, Lambda
without Docker), one per test module; the machines and functions are provisioned as the local mode
provisions them (`provision`), and moto's Lambda runs the functions in-process through the repo's
invoker (`in_process_lambda`). Only the handlers are stand-ins (`handlers/`, scripted by `fakes.SCRIPT`), so
each test decides which call fails, how, and what the others answer.

Retry waits are recorded instead of slept (`Deployment.retry_waits`): the definitions run unchanged,
their backoff is asserted exactly, and the tier stays fast. Timeouts are real: a test that needs one
to expire runs a copy of the definition with a short `TimeoutSeconds` (`with_timeouts`).
"""

from __future__ import annotations

import dataclasses
import json
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any, TypeVar

import pytest
from moto.stepfunctions.parser.asl.component.common.retry import retrier_decl
from sunlight.app import spec
from sunlight.devtools.local.cloud import ACCOUNT_ID, LocalCloud, client
from sunlight.devtools.local.invoker import in_process_lambda
from sunlight.devtools.local.provision import Provisioned, provision, state_machine_definition

from tests.statemachines.fakes import SCRIPT, Script
from tests.waiting import wait_for

HANDLERS = Path(__file__).parent / "handlers"
FUNCTIONS = {f.logical: f for f in spec.FUNCTIONS}
T = TypeVar("T")
CALLED = sorted({logical for machine in spec.STATE_MACHINES for logical in machine.substitutions.values()})


@dataclass
class Deployment:
    """The provisioned machines (functions replaced by stand-ins) and what the test needs around them."""

    provisioned: Provisioned
    script: Script
    retry_waits: list[float]
    sfn: Any = field(default_factory=lambda: client("stepfunctions"))

    def arn(self, machine: spec.StateMachine) -> str:
        return self.provisioned.state_machine_arns[machine.name]

    def start(self, machine_arn: str, name: str, payload: dict[str, Any]) -> str:
        answer = self.sfn.start_execution(stateMachineArn=machine_arn, name=name, input=json.dumps(payload))
        return str(answer["executionArn"])

    def finished(self, execution_arn: str) -> dict[str, Any]:
        """The execution's description once it is no longer running."""

        def done() -> dict[str, Any]:
            answer: dict[str, Any] = self.sfn.describe_execution(executionArn=execution_arn)
            return answer if answer["status"] != "RUNNING" else {}

        result: dict[str, Any] = wait_for(done, f"{execution_arn.rsplit(':', 1)[-1]} to finish")
        return result

    def before_end(self, execution_arn: str, predicate: Callable[[], T], what: str) -> T:
        """`wait_for(predicate, what)`, failing at once (with the execution's error) if the execution
        ends before `predicate` holds."""

        def check() -> T | None:
            value = predicate()
            if value:
                return value
            answer = self.sfn.describe_execution(executionArn=execution_arn)
            if answer["status"] != "RUNNING":
                value = predicate()  # it may have come just before the end
                if value:
                    return value
                raise AssertionError(
                    f"the execution ended {answer['status']} ({answer.get('error')}: "
                    f"{answer.get('cause')}) before {what}"
                )
            return None

        result = wait_for(check, what)
        assert result is not None
        return result

    def history(self, execution_arn: str) -> list[dict[str, Any]]:
        events: list[dict[str, Any]] = []
        kwargs: dict[str, Any] = {"executionArn": execution_arn, "maxResults": 1000}
        while True:
            page = self.sfn.get_execution_history(**kwargs)
            events += page["events"]
            if not page.get("nextToken"):
                return events
            kwargs["nextToken"] = page["nextToken"]

    def create_machine(self, name: str, asl: Path, machine: spec.StateMachine) -> str:
        """Another state machine from `asl` (a modified copy of `machine`'s), on the same functions."""
        arns = {logical: runtime.arn for logical, runtime in self.provisioned.functions.items()}
        definition = state_machine_definition(asl, arns, machine.substitutions)
        role = f"arn:aws:iam::{ACCOUNT_ID}:role/sunlight-{self.provisioned.stage}-execution"
        answer = self.sfn.create_state_machine(name=name, definition=definition, roleArn=role)
        return str(answer["stateMachineArn"])

    def calls(self, function: str) -> Callable[[], list[dict[str, Any]]]:
        """A predicate for `wait_for`: the events `function` got so far (truthy once it was called)."""
        return lambda: list(self.script.calls[function])


@pytest.fixture(scope="module")
def provisioned() -> Iterator[Provisioned]:
    """One cloud per test module (its environment is given back when the module is done); each test
    names its executions apart, and ends them."""
    functions = [
        dataclasses.replace(FUNCTIONS[logical], handler=f"sm_{logical}.handler.handler") for logical in CALLED
    ]
    with LocalCloud(port=0), in_process_lambda(HANDLERS):
        made = provision(functions=functions)
        assert all(made.state_machines_created.values()), made.state_machines_created
        yield made


@pytest.fixture
def deployment(provisioned: Provisioned, monkeypatch: pytest.MonkeyPatch) -> Iterator[Deployment]:
    waits: list[float] = []
    lock = threading.Lock()

    def record(seconds: float) -> None:
        with lock:
            waits.append(seconds)

    # moto's retrier sleeps `IntervalSeconds * BackoffRate**n` with `time.sleep`; record it instead.
    monkeypatch.setattr(retrier_decl, "time", SimpleNamespace(sleep=record))
    SCRIPT.reset()
    yield Deployment(provisioned, SCRIPT, waits)
    SCRIPT.reset()


def with_timeouts(machine: spec.StateMachine, folder: Path, **seconds_by_state: int) -> Path:
    """A copy of `machine`'s ASL where each named Task state's `TimeoutSeconds` is replaced (and
    nothing else is changed); fails if a state is missing or has no timeout to replace."""
    definition = json.loads(machine.file.read_text(encoding="utf-8"))
    for state, seconds in seconds_by_state.items():
        task = definition["States"][state]
        assert "TimeoutSeconds" in task, f"{machine.file.name}: {state} has no TimeoutSeconds"
        task["TimeoutSeconds"] = seconds
    path = folder / machine.file.name
    path.write_text(json.dumps(definition), encoding="utf-8")
    return path


# -- reading an execution's history -----------------------------------------------------------------


def entered(events: list[dict[str, Any]]) -> list[str]:
    """The names of the states the execution entered, in order."""
    return [e["stateEnteredEventDetails"]["name"] for e in events if e["type"].endswith("StateEntered")]


def task_outcomes(events: list[dict[str, Any]]) -> list[str]:
    """Per Lambda task attempt, in order: "succeeded", "timed out" or the error's name."""
    out = []
    for event in events:
        if event["type"] == "TaskSucceeded":
            out.append("succeeded")
        elif event["type"] == "TaskFailed":
            out.append(event["taskFailedEventDetails"]["error"])
        elif event["type"] == "TaskTimedOut":
            out.append("timed out")
    return out


def state_input(events: list[dict[str, Any]], name: str) -> dict[str, Any]:
    """The input of the last entry into state `name`."""
    details = [
        e["stateEnteredEventDetails"]
        for e in events
        if e["type"].endswith("StateEntered") and e["stateEnteredEventDetails"]["name"] == name
    ]
    assert details, f"the execution never entered {name}"
    value: dict[str, Any] = json.loads(details[-1]["input"])
    return value
