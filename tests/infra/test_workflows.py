"""The state machines: each spec machine's ASL file with every placeholder filled by a function ARN."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from sunlight.app import spec

from infra import names
from infra.constructs.workflows import PLACEHOLDER, DefinitionError, read_definition
from tests.infra.cfn import as_list, ref_id, render
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra

MACHINES = pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)


def _machine(synthesis: Synthesis, machine: spec.StateMachine) -> dict[str, Any]:
    construct = synthesis.stack.workflows.state_machines[machine.name]
    properties: dict[str, Any] = synthesis.cfn["Resources"][synthesis.logical_id(construct)]["Properties"]
    return properties


def _deployed_definition(synthesis: Synthesis, machine: spec.StateMachine) -> str:
    """The definition as Step Functions receives it: DefinitionSubstitutions applied to the text."""
    properties = _machine(synthesis, machine)
    substitutions = {
        key: render(value) for key, value in properties.get("DefinitionSubstitutions", {}).items()
    }
    text = render(properties["DefinitionString"])
    return PLACEHOLDER.sub(lambda m: substitutions.get(m[1], m[0]), text)


def test_one_state_machine_per_spec_entry(synthesis: Synthesis) -> None:
    deployed = {
        m["Properties"]["StateMachineName"]
        for m in synthesis.resources("AWS::StepFunctions::StateMachine").values()
    }
    assert deployed == {names.state_machine_name("dev", machine) for machine in spec.STATE_MACHINES}
    assert names.state_machine_name("dev", spec.RECOMPUTE) == "sunlight-dev-recompute"
    assert (
        synthesis.stack.workflows.state_machine is synthesis.stack.workflows.state_machines["approval-case"]
    )


@MACHINES
def test_no_placeholder_is_left_unsubstituted(synthesis: Synthesis, machine: spec.StateMachine) -> None:
    definition = _deployed_definition(synthesis, machine)
    assert "${" not in definition
    json.loads(definition)  # still valid JSON once filled


@MACHINES
def test_definition_is_the_spec_file(synthesis: Synthesis, machine: spec.StateMachine) -> None:
    assert render(_machine(synthesis, machine)["DefinitionString"]) == machine.file.read_text(
        encoding="utf-8"
    )


@MACHINES
def test_definition_references_the_functions_named_by_the_spec(
    synthesis: Synthesis, machine: spec.StateMachine
) -> None:
    definition = _deployed_definition(synthesis, machine)
    substitutions = _machine(synthesis, machine)["DefinitionSubstitutions"]
    assert set(substitutions) == set(machine.substitutions)
    for key, logical in machine.substitutions.items():
        function_id = synthesis.logical_id(synthesis.stack.compute.functions[logical])
        assert ref_id(substitutions[key]) == function_id
        assert f"<{function_id}.Arn>" in definition


@MACHINES
def test_state_machine_is_standard_named_logged_and_traced(
    synthesis: Synthesis, machine: spec.StateMachine
) -> None:
    properties = _machine(synthesis, machine)
    assert properties["StateMachineName"] == names.state_machine_name("dev", machine)
    assert properties["StateMachineType"] == "STANDARD"
    assert properties["LoggingConfiguration"]["Level"] == "ALL"
    assert properties["LoggingConfiguration"]["IncludeExecutionData"] is False
    assert properties["TracingConfiguration"] == {"Enabled": True}
    (destination,) = properties["LoggingConfiguration"]["Destinations"]
    log_group = synthesis.cfn["Resources"][str(ref_id(destination["CloudWatchLogsLogGroup"]["LogGroupArn"]))]
    assert (
        log_group["Properties"]["LogGroupName"]
        == f"/aws/vendedlogs/states/{names.state_machine_name('dev', machine)}"
    )


@MACHINES
def test_state_machine_may_invoke_exactly_its_functions(
    synthesis: Synthesis, machine: spec.StateMachine
) -> None:
    role_id = str(ref_id(_machine(synthesis, machine)["RoleArn"]))
    invoked: set[str] = set()
    for policy in synthesis.resources("AWS::IAM::Policy").values():
        if {"Ref": role_id} in policy["Properties"]["Roles"]:
            for statement in policy["Properties"]["PolicyDocument"]["Statement"]:
                if "lambda:InvokeFunction" in as_list(statement["Action"]):
                    invoked |= {str(ref_id(r)) for r in as_list(statement["Resource"])}
    expected = {
        synthesis.logical_id(synthesis.stack.compute.functions[logical])
        for logical in machine.substitutions.values()
    }
    assert invoked == expected


def _maps(states: dict[str, Any]) -> list[dict[str, Any]]:
    """Every Map state, nested ones included."""
    found = []
    for state in states.values():
        if state.get("Type") == "Map":
            found.append(state)
            processor = state.get("ItemProcessor") or state.get("Iterator") or {}
            found += _maps(processor.get("States", {}))
        for branch in state.get("Branches", []):
            found += _maps(branch.get("States", {}))
    return found


def test_the_recompute_map_is_bounded_by_the_open_index_shards(synthesis: Synthesis) -> None:
    """One branch per shard of the open-index, never more at once: a bounded load on the tables."""
    definition = json.loads(_deployed_definition(synthesis, spec.RECOMPUTE))
    maps = _maps(definition["States"])
    assert maps, "the recompute machine runs its shards in a Map"
    for state in maps:
        assert "MaxConcurrencyPath" not in state  # fixed in the definition, not taken from the input
        # 0, or no MaxConcurrency, would be unbounded.
        assert 1 <= state.get("MaxConcurrency", 0) <= spec.OPEN_SHARDS, state.get("MaxConcurrency")


def test_an_unknown_placeholder_is_refused(tmp_path: Path) -> None:
    asl = tmp_path / "machine.asl.json"
    asl.write_text('{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${Nope}", "End": true}}}')
    with pytest.raises(DefinitionError, match="Nope"):
        read_definition(asl, spec.RECOMPUTE.substitutions)
    with pytest.raises(DefinitionError, match="not found"):
        read_definition(tmp_path / "none.asl.json", spec.RECOMPUTE.substitutions)
