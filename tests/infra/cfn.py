"""Reading a synthesised template: intrinsic functions rendered as text, policy statements found."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any


def render(value: Any) -> str:
    """A CloudFormation value as text: Ref X -> <X>, GetAtt X.Y -> <X.Y>, Join and Sub resolved."""
    if isinstance(value, str):
        return value
    if isinstance(value, dict) and len(value) == 1:
        ((name, arg),) = value.items()
        if name == "Ref":
            return f"<{arg}>"
        if name == "Fn::GetAtt":
            return f"<{'.'.join(arg) if isinstance(arg, list) else arg}>"
        if name == "Fn::Join":
            separator, parts = arg
            return str(separator).join(render(part) for part in parts)
        if name == "Fn::Sub":
            text, variables = (arg, {}) if isinstance(arg, str) else arg
            return re.sub(
                r"\$\{([^}]+)\}",
                lambda m: render(variables[m[1]]) if m[1] in variables else f"<{m[1]}>",
                text,
            )
        if name == "Fn::Select" and isinstance(arg[1], dict) and "Fn::Split" in arg[1]:
            separator, source = arg[1]["Fn::Split"]
            return f"<part {arg[0]} of {render(source)} split by {separator!r}>"
    raise AssertionError(f"cannot render {value!r}")


def as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def statements(node: Any) -> Iterator[dict[str, Any]]:
    """Every policy statement anywhere below `node` (IAM policies, roles, key and topic policies)."""
    if isinstance(node, dict):
        if isinstance(node.get("Statement"), list):
            yield from node["Statement"]
        for child in node.values():
            yield from statements(child)
    elif isinstance(node, list):
        for child in node:
            yield from statements(child)


def ref_id(value: Any) -> str | None:
    """The logical id a Ref or GetAtt points at, or None."""
    if isinstance(value, dict) and "Ref" in value:
        return str(value["Ref"])
    if isinstance(value, dict) and "Fn::GetAtt" in value:
        return str(value["Fn::GetAtt"][0])
    return None


def referenced_ids(node: Any) -> set[str]:
    """Every logical id referenced (Ref or GetAtt) anywhere below `node`."""
    found: set[str] = set()
    if isinstance(node, dict):
        if (target := ref_id(node)) is not None:
            found.add(target)
        for child in node.values():
            found |= referenced_ids(child)
    elif isinstance(node, list):
        for child in node:
            found |= referenced_ids(child)
    return found
