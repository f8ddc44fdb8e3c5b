"""The CDK app: `cdk synth -c stage=dev` (run as `python -m infra.app` from the repository root).

Reads the stage's settings from cdk.json context `sunlight:stages`, builds the stack
`Sunlight-<stage>` and runs the cdk-nag AwsSolutions checks on it during synthesis; any finding
that is neither fixed nor acknowledged fails the synthesis.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from aws_cdk import App, Environment
from sunlight.app import spec

from infra import names
from infra.config import STAGES_CONTEXT_KEY, ConfigError, StageConfig, load_stage
from infra.constructs.compute import DEPS_LAYER_DIR
from infra.constructs.workflows import DefinitionError
from infra.nag import apply_checks, synthesize
from infra.stack import SunlightStack


def build_stack(
    app: App,
    config: StageConfig,
    *,
    definition_file: Path = spec.STATE_MACHINE_FILE,
    deps_layer_dir: Path | None = DEPS_LAYER_DIR,
) -> SunlightStack:
    """The stage's stack in `app`; the account comes from the config or the CLI's credentials, if any."""
    return SunlightStack(
        app,
        names.stack_name(config.stage),
        config=config,
        definition_file=definition_file,
        deps_layer_dir=deps_layer_dir,
        env=Environment(
            account=config.account or os.environ.get("CDK_DEFAULT_ACCOUNT"), region=config.region
        ),
        description=f"Sunlight (阳光监察) e-supervision, stage {config.stage}",
    )


def main() -> None:
    app = App()
    try:
        config = load_stage(app.node.try_get_context(STAGES_CONTEXT_KEY), app.node.try_get_context("stage"))
        build_stack(app, config)
    except (ConfigError, DefinitionError) as error:
        sys.exit(f"sunlight infra: {error}")
    apply_checks(app)
    problems = synthesize(app)
    if problems:
        sys.exit("cdk-nag findings not fixed or acknowledged:\n  " + "\n  ".join(problems))


if __name__ == "__main__":
    main()
