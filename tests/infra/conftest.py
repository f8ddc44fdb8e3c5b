"""One synthesis of the dev stage per session (cdk-nag included), shared by every infra test."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

# Before aws_cdk starts its jsii runtime: quiets the Node 20 end-of-life banner.
os.environ.setdefault("JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION", "20")

from aws_cdk import App
from aws_cdk.assertions import Template
from sunlight import spec

from infra.app import build_stack
from infra.config import STAGES_CONTEXT_KEY, StageConfig, load_stage
from infra.nag import apply_checks, synthesize
from infra.stack import SunlightStack


@dataclass(frozen=True)
class Synthesis:
    config: StageConfig
    stack: SunlightStack
    template: Template
    cfn: dict[str, Any]
    findings: list[str]

    def resources(self, kind: str) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.cfn["Resources"].items() if v["Type"] == kind}

    def logical_id(self, construct: Any) -> str:
        return str(self.stack.get_logical_id(construct.node.default_child))


@pytest.fixture(scope="session")
def config() -> StageConfig:
    context = json.loads((spec.ROOT / "cdk.json").read_text(encoding="utf-8"))["context"]
    return load_stage(context[STAGES_CONTEXT_KEY], "dev")


@pytest.fixture(scope="session")
def definition_file() -> Path:
    return spec.STATE_MACHINE_FILE


@pytest.fixture(scope="session")
def synthesis(
    tmp_path_factory: pytest.TempPathFactory, config: StageConfig, definition_file: Path
) -> Iterator[Synthesis]:
    """The dev stack synthesised once, as the CLI would (nag checks on), without the deps layer."""
    outdir = tmp_path_factory.mktemp("cdk.out")
    app = App(outdir=str(outdir))
    stack = build_stack(app, config, definition_file=definition_file, deps_layer_dir=None)
    apply_checks(app)
    findings = synthesize(app)
    cfn = json.loads((outdir / stack.template_file).read_text(encoding="utf-8"))
    yield Synthesis(config, stack, Template.from_json(cfn), cfn, findings)
