"""The local embedded mode builds the stack's resources: tables and state machine, compared with the
template synthesised in this session (not with a second description of it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sunlight import spec
from sunlight.local.cloud import LocalCloud, client
from sunlight.local.provision import describe_local_tables, provision

from tests.infra.cfn import render
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def shape(properties: dict[str, Any]) -> dict[str, Any]:
    """Order-free: CloudFormation keeps declaration order, DynamoDB sorts attribute definitions."""
    return {
        "KeySchema": properties["KeySchema"],
        "AttributeDefinitions": sorted(properties["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            (
                {k: i[k] for k in ("IndexName", "KeySchema", "Projection")}
                for i in properties.get("GlobalSecondaryIndexes", [])
            ),
            key=lambda i: i["IndexName"],
        ),
        "BillingMode": properties["BillingMode"],
    }


@pytest.fixture(scope="module")
def local() -> Any:
    with LocalCloud(port=0) as cloud:
        provision(state_machine_file=spec.STATE_MACHINE_FILE)
        yield cloud


def test_local_tables_are_the_templates_tables(synthesis: Synthesis, local: LocalCloud) -> None:
    stage = synthesis.config.stage
    template = {
        props["Properties"]["TableName"]: shape(props["Properties"])
        for props in synthesis.resources("AWS::DynamoDB::Table").values()
    }
    described = describe_local_tables()
    assert len(template) == len(spec.TABLES)
    for table in spec.TABLES:
        mine = described[table.logical]
        mine = {
            **mine,
            "GlobalSecondaryIndexes": [
                {k: i[k] for k in ("IndexName", "KeySchema", "Projection")}
                for i in mine["GlobalSecondaryIndexes"]
            ],
        }
        assert mine == template[table.physical(stage)], table.logical


def test_local_state_machine_is_the_templates_definition(synthesis: Synthesis, local: LocalCloud) -> None:
    machine = next(iter(synthesis.resources("AWS::StepFunctions::StateMachine").values()))["Properties"]
    deployed = json.loads(render(machine["DefinitionString"]))
    sfn = client("stepfunctions")
    arn = next(
        m["stateMachineArn"]
        for m in sfn.list_state_machines()["stateMachines"]
        if m["name"].endswith(spec.STATE_MACHINE_NAME)
    )
    running = json.loads(sfn.describe_state_machine(stateMachineArn=arn)["definition"])

    def skeleton(definition: dict[str, Any]) -> dict[str, Any]:
        return {
            name: {k: v for k, v in state.items() if k != "Parameters"}
            for name, state in definition["States"].items()
        }

    assert skeleton(running) == skeleton(deployed)
    assert running["StartAt"] == deployed["StartAt"]
