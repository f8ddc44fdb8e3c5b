"""The case workflow: the Standard state machine defined by `statemachines/approval_case.asl.json`.

The ASL file is the definition (state machines are files, not CDK code); each `${Placeholder}` in it
is filled by CloudFormation from `definition_substitutions` with the ARN of the function that
`sunlight.spec.STATE_MACHINE_SUBSTITUTIONS` names. The file's text is embedded in the template
(`DefinitionBody.from_string`) rather than uploaded as an S3 asset (`from_file`), so the template
shows, diffs and tests the very definition that is deployed.
"""

from __future__ import annotations

import re
from pathlib import Path

from aws_cdk import RemovalPolicy
from aws_cdk import aws_iam as iam
from aws_cdk import aws_logs as logs
from aws_cdk import aws_stepfunctions as sfn
from constructs import Construct
from sunlight import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.compute import Compute, retention
from infra.nag import acknowledge

PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")


class DefinitionError(ValueError):
    """The ASL file is missing, or names a placeholder that no function fills."""


def read_definition(path: Path) -> str:
    if not path.is_file():
        raise DefinitionError(
            f"state machine definition {path} not found: the case workflow is defined by that ASL file"
        )
    text = path.read_text(encoding="utf-8")
    unknown = sorted(set(PLACEHOLDER.findall(text)) - set(spec.STATE_MACHINE_SUBSTITUTIONS))
    if unknown:
        raise DefinitionError(
            f"{path.name} uses placeholders that sunlight.spec.STATE_MACHINE_SUBSTITUTIONS does not fill: "
            + ", ".join(unknown)
        )
    return text


class Workflows(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        compute: Compute,
        definition_file: Path = spec.STATE_MACHINE_FILE,
    ) -> None:
        super().__init__(scope, construct_id)
        name = names.state_machine_name(config.stage)
        log_group = logs.LogGroup(
            self,
            "Logs",
            log_group_name=f"/aws/vendedlogs/states/{name}",
            retention=retention(config),
            removal_policy=RemovalPolicy.DESTROY,
        )
        invoked = {
            key: compute.functions[logical] for key, logical in spec.STATE_MACHINE_SUBSTITUTIONS.items()
        }
        self.state_machine = sfn.StateMachine(
            self,
            "ApprovalCase",
            state_machine_name=name,
            state_machine_type=sfn.StateMachineType.STANDARD,
            definition_body=sfn.DefinitionBody.from_string(read_definition(definition_file)),
            definition_substitutions={key: function.function_arn for key, function in invoked.items()},
            # Execution data carries personal fields of the case: log events, not their payloads.
            logs=sfn.LogOptions(destination=log_group, level=sfn.LogLevel.ALL, include_execution_data=False),
            tracing_enabled=True,
        )
        # On the unqualified ARNs only (what the ASL names), not `arn:*` as `grant_invoke` would.
        self.state_machine.add_to_role_policy(
            iam.PolicyStatement(
                sid="InvokeStepFunctions",
                actions=["lambda:InvokeFunction"],
                resources=sorted({function.function_arn for function in invoked.values()}),
            )
        )
        acknowledge(
            self.state_machine,
            "AwsSolutions-IAM5[Resource::*]",
            "Step Functions log delivery (logs:CreateLogDelivery and friends) and X-Ray tracing actions "
            "support no resource-level permissions; CDK grants exactly those on Resource '*'.",
        )
