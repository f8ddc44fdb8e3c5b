"""The case workflow on Step Functions: start an execution per case, resume a parked one."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import ClientError

_GONE = {"TaskTimedOut", "InvalidToken", "TaskDoesNotExist", "ExecutionDoesNotExist"}


class StepFunctionsWorkflow:
    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client, self._arn = client, state_machine_arn

    def start(self, case_no: str, name: str) -> str:
        try:
            answer = self._client.start_execution(
                stateMachineArn=self._arn, name=name[:80], input=json.dumps({"case_no": case_no})
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            return f"{self._arn.replace(':stateMachine:', ':execution:')}:{name[:80]}"
        return str(answer["executionArn"])

    def resume(self, token: str, output: dict[str, Any]) -> bool:
        try:
            self._client.send_task_success(taskToken=token, output=json.dumps(output))
        except ClientError as exc:
            if exc.response["Error"]["Code"] in _GONE:
                return False
            raise
        return True


class StepFunctionsRecompute:
    """The recompute workflow: one execution per activation, named by its generation (started once)."""

    def __init__(self, client: Any, state_machine_arn: str) -> None:
        self._client, self._arn = client, state_machine_arn

    def start(self, generation: int, shards: list[str]) -> str:
        name = f"generation-{generation}"
        try:
            answer = self._client.start_execution(
                stateMachineArn=self._arn,
                name=name,
                input=json.dumps({"generation": generation, "shards": shards}),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "ExecutionAlreadyExists":
                raise
            return f"{self._arn.replace(':stateMachine:', ':execution:')}:{name}"
        return str(answer["executionArn"])
