"""The workflows: one Standard state machine per `sunlight.app.spec.STATE_MACHINES` entry, from its ASL file.

The ASL file is the definition (state machines are files, not CDK code); each `${Placeholder}` in it
is filled by CloudFormation from `definition_substitutions` with the ARN of the function that the
machine's `substitutions` name. The file's text is embedded in the template
(`DefinitionBody.from_string`) rather than uploaded as an S3 asset (`from_file`), so the template
shows, diffs and tests the very definition that is deployed.

- `approval-case` (`statemachines/approval_case.asl.json`): one execution per case, checked on every
  record (`rule_check`) and parked until the next (`park`).
- `recompute` (`statemachines/recompute.asl.json`): one execution per activation of a calendar or
  rule configuration; a bounded Map over the shards of the cases' `open-index`, each page re-judged
  by `recompute`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.compute import Compute, retention
from infra.nag import acknowledge

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class DefinitionError(ValueError):
    """An ASL file is missing, or names a placeholder that no function fills."""


def read_definition(path: Path, substitutions: Mapping[str, str] = spec.STATE_MACHINE_SUBSTITUTIONS) -> str:
    """The ASL text at `path`, every `${…}` in it one of `substitutions` (placeholder -> function)."""
    if not path.is_file():
        raise DefinitionError(
            f"state machine definition {path} not found: each workflow of "
            "sunlight.app.spec.STATE_MACHINES is defined by its ASL file"
        )
    text = path.read_text(encoding="utf-8")
    unknown = sorted(set(PLACEHOLDER.findall(text)) - set(substitutions))
    if unknown:
        raise DefinitionError(
            f"{path.name} uses placeholders that its sunlight.app.spec state machine does not fill: "
            + ", ".join(unknown)
        )
    return text


class Workflows(Construct):
    """Every spec state machine, by name (`state_machines["recompute"]`); `state_machine` is the
    approval case's."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        compute: Compute,
        definition_file: Path = spec.STATE_MACHINE_FILE,
        definition_files: Mapping[str, Path] | None = None,
    ) -> None:
        """`definition_file` replaces the approval case's ASL file, `definition_files` any machine's (by
        name); the others come from their spec entries."""
        super().__init__(scope, construct_id)
        files = {machine.name: machine.file for machine in spec.STATE_MACHINES}
        files[spec.APPROVAL_CASE.name] = definition_file
        files.update(definition_files or {})
        self.state_machines: dict[str, sfn.StateMachine] = {
            machine.name: self._machine(config, compute, machine, files[machine.name])
            for machine in spec.STATE_MACHINES
        }
        self.state_machine = self.state_machines[spec.APPROVAL_CASE.name]

    def _machine(
        self, config: StageConfig, compute: Compute, machine: spec.StateMachine, definition_file: Path
    ) -> sfn.StateMachine:
        name = names.state_machine_name(config.stage, machine)
        cid = names.construct_id(machine.name)
        log_group = logs.LogGroup(
            self,
            # The approval case's log group keeps the id it was first deployed with (a new id would
            # replace it, and the replacement's fixed name would collide with the old one).
            "Logs" if machine == spec.APPROVAL_CASE else f"{cid}Logs",
            log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=retention(config),
            removal_policy=RemovalPolicy.DESTROY,
        )
        invoked = {key: compute.functions[logical] for key, logical in machine.substitutions.items()}
        state_machine = sfn.StateMachine(
            self,
            cid,
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(
                read_definition(definition_file, machine.substitutions)
            ),
            definition_substitutions={key: function.function_arn for key, function in invoked.items()},
            # Execution data carries personal fields of the case: log events, not their payloads.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
        # On the unqualified ARNs only (what the ASL names), not `arn:*` as `grant_invoke` would.
        state_machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="InvokeStepFunctions",
                actions=["lambda:InvokeFunction"],
                resources=sorted({function.function_arn for function in invoked.values()}),
            )
        )
        acknowledge(
            state_machine,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing actions "
            "support no resource-level permissions; CDK grants exactly those on Resource '*'.",
        )
        return state_machine
