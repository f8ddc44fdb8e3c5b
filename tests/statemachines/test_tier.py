"""The tier covers every state machine of the spec: a new one fails here until it has executed tests."""

from __future__ import annotations

from pathlib import Path

import pytest
from sunlight.app import spec

pytestmark = pytest.mark.statemachine

HERE = Path(__file__).parent


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_every_spec_machine_has_its_executed_tests(machine: spec.StateMachine) -> None:
    module = HERE / f"test_{machine.file.name.removesuffix('.asl.json')}.py"
    assert module.exists(), f"{machine.file.name} has no tests in {module.relative_to(HERE.parents[1])}"
    assert f"spec.{machine.name.upper().replace('-', '_')}" in module.read_text(encoding="utf-8")
