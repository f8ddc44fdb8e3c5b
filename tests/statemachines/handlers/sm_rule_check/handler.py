"""Stand-in for the rule_check function: does what the test scripted (tests/statemachines/fakes.py)."""

from typing import Any

from tests.statemachines.fakes import SCRIPT


def handler(event: dict[str, Any], context: Any) -> Any:
    return SCRIPT.call("rule_check", event)
