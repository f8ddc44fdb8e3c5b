"""One synthesis of the dev stage per session (cdk-nag included), shared by every infra test, and one of
a variant stage outside China with every optional setting on (customer managed key, the portal's own
domain and web ACL, the sweep's rate and the scoring's time, another time zone, office hours, city and
settings cache), for what the dev stage cannot show."""

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
from sunlight.app import spec

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


def _synthesize(outdir: Path, config: StageConfig, definition_file: Path) -> Synthesis:
    """The stage's stack synthesised as the CLI would (nag checks on), without the deps layer."""
    app = App(outdir=str(outdir))
    stack = build_stack(app, config, definition_file=definition_file, deps_layer_dir=None)
    apply_checks(app)
    findings = synthesize(app)
    cfn = json.loads((outdir / stack.template_file).read_text(encoding="utf-8"))
    return Synthesis(config, stack, Template.from_json(cfn), cfn, findings)


@pytest.fixture(scope="session")
def synthesis(
    tmp_path_factory: pytest.TempPathFactory, config: StageConfig, definition_file: Path
) -> Iterator[Synthesis]:
    """The dev stack (cn-north-1), synthesised once."""
    yield _synthesize(tmp_path_factory.mktemp("cdk.out"), config, definition_file)


VARIANT_ACCOUNT = "123456789012"
VARIANT_REGION = "ap-east-1"  # outside China: CloudFront with Origin Access Control
VARIANT_DOMAIN = "portal.example.gov.cn"
VARIANT_IAM_CERTIFICATE = "ASCACKCEVSQ6C2EXAMPLE"
VARIANT_SCORING_CRON = "cron(30 19 ? * MON-FRI *)"  # 03:30 in Beijing on working days
# Stage settings far from the defaults, for the functions' environment.
VARIANT_TIME_ZONE = "Asia/Urumqi"
VARIANT_OFFICE_HOURS = ("09:00", "18:00")
VARIANT_CITY = "650100"
VARIANT_CACHE_SECONDS = 120
VARIANT_COVERAGE_DAYS = 90
VARIANT_WEB_ACL = f"arn:aws:wafv2:us-east-1:{VARIANT_ACCOUNT}:global/webacl/sunlight-prod/0123abcd"


@pytest.fixture(scope="session")
def variant(
    tmp_path_factory: pytest.TempPathFactory, config: StageConfig, definition_file: Path
) -> Synthesis:
    """A `prod` stage outside China with every option on, synthesised once (only if a test asks)."""
    stage = StageConfig.model_validate(
        {
            **config.model_dump(),
            "stage": "prod",
            "account": VARIANT_ACCOUNT,
            "region": VARIANT_REGION,
            "table_encryption": "customer_managed",
            "sweep_minutes": 1,
            "scoring_cron": VARIANT_SCORING_CRON,
            "portal_domain": {"name": VARIANT_DOMAIN, "iam_certificate_id": VARIANT_IAM_CERTIFICATE},
            "portal_web_acl_arn": VARIANT_WEB_ACL,
            "time_zone": VARIANT_TIME_ZONE,
            "office_hours": list(VARIANT_OFFICE_HOURS),
            "city_region_code": VARIANT_CITY,
            "settings_cache_seconds": VARIANT_CACHE_SECONDS,
            "calendar_coverage_days": VARIANT_COVERAGE_DAYS,
        }
    )
    return _synthesize(tmp_path_factory.mktemp("cdk.out.variant"), stage, definition_file)
