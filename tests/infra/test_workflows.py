"""The case state machine: the ASL file with every placeholder filled by a function ARN."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sunlight import spec

from infra import names
from infra.constructs.workflows import PLACEHOLDER
from tests.infra.cfn import as_list, ref_id, render
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def _machine(synthesis: Synthesis) -> dict[str, Any]:
    (machine,) = synthesis.resources("AWS::StepFunctions::StateMachine").values()
    properties: dict[str, Any] = machine["Properties"]
    return properties


def _deployed_definition(synthesis: Synthesis) -> str:
    """The definition as Step Functions receives it: DefinitionSubstitutions applied to the text."""
    properties = _machine(synthesis)
    substitutions = {
        key: render(value) for key, value in properties.get("DefinitionSubstitutions", {}).items()
    }
    text = render(properties["DefinitionString"])
    return PLACEHOLDER.sub(lambda m: substitutions.get(m[1], m[0]), text)


def test_no_placeholder_is_left_unsubstituted(synthesis: Synthesis) -> None:
    definition = _deployed_definition(synthesis)
    assert "${" not in definition
    json.loads(definition)  # still valid JSON once filled


def test_definition_references_the_functions_named_by_the_spec(synthesis: Synthesis) -> None:
    definition = _deployed_definition(synthesis)
    substitutions = _machine(synthesis)["DefinitionSubstitutions"]
    for key, logical in spec.STATE_MACHINE_SUBSTITUTIONS.items():
        function_id = synthesis.logical_id(synthesis.stack.compute.functions[logical])
        assert ref_id(substitutions[key]) == function_id
        assert f"<{function_id}.Arn>" in definition


def test_state_machine_is_standard_named_logged_and_traced(synthesis: Synthesis) -> None:
    properties = _machine(synthesis)
    assert properties["StateMachineName"] == names.state_machine_name("dev")
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert properties["TracingConfiguration"] == {"Enabled": True}


def test_state_machine_may_invoke_exactly_its_functions(synthesis: Synthesis) -> None:
    role_id = str(ref_id(_machine(synthesis)["RoleArn"]))
    invoked: set[str] = set()
    for policy in synthesis.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if "lambda:InvokeFunction" in as_list(statement["Action"]):
                    invoked |= {str(ref_id(r)) for r in as_list(statement["Resource"])}
    expected = {
        synthesis.logical_id(synthesis.stack.compute.functions[logical])
        for logical in spec.STATE_MACHINE_SUBSTITUTIONS.values()
    }
    assert invoked == expected
