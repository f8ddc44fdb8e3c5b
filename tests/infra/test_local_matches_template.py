"""The local embedded mode builds the stack's resources: tables and state machines, compared with the
template synthesised in this session (not with a second description of it)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.devtools.local.cloud import LocalCloud, client
from sunlight.devtools.local.provision import describe_local_tables, provision

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
        yield cloud, provision()


def test_local_tables_are_the_templates_tables(synthesis: Synthesis, local: Any) -> None:
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


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_local_state_machine_is_the_templates_definition(
    synthesis: Synthesis, local: Any, machine: spec.StateMachine
) -> None:
    _, provisioned = local
    construct = synthesis.stack.workflows.state_machines[machine.name]
    properties = synthesis.cfn["Resources"][synthesis.logical_id(construct)]["Properties"]
    deployed = json.loads(render(properties["DefinitionString"]))
    assert provisioned.state_machines_created[machine.name]
    arn = provisioned.state_machine_arns[machine.name]
    sfn = client("stepfunctions")
    described = sfn.describe_state_machine(stateMachineArn=arn)
    assert described["name"] == f"sunlight-local-{machine.name}"
    assert properties["StateMachineName"] == f"sunlight-dev-{machine.name}"
    assert "${" not in described["definition"]
    running = json.loads(described["definition"])

    def skeleton(node: Any) -> Any:
        """The definition without its task parameters (function ARNs differ: local vs template)."""
        if isinstance(node, dict):
            return {k: skeleton(v) for k, v in node.items() if k != "Parameters"}
        if isinstance(node, list):
            return [skeleton(v) for v in node]
        return node

    assert skeleton(running) == skeleton(deployed)
    # Every function the template substitutes is the local function of that name.
    for placeholder, logical in machine.substitutions.items():
        assert placeholder in properties["DefinitionSubstitutions"]
        assert provisioned.functions[logical].arn in described["definition"]
