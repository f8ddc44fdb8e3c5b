"""One Sunlight deployment (a stage): the constructs wired together, and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Stack, Tags
from constructs import Construct
from sunlight import spec

from infra.config import StageConfig
from infra.constructs.alarms import Alarms
from infra.constructs.api import Api
from infra.constructs.compute import DEPS_LAYER_DIR, Compute
from infra.constructs.data import Data
from infra.constructs.workflows import Workflows


class SunlightStack(Stack):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        config: StageConfig,
        definition_file: Path = spec.STATE_MACHINE_FILE,
        deps_layer_dir: Path | None = DEPS_LAYER_DIR,
        **kwargs: Any,
    ) -> None:
        super().__init__(scope, construct_id, **kwargs)
        self.config = config
        self.data = Data(self, "Data", config=config)
        self.compute = Compute(self, "Compute", config=config, data=self.data, deps_layer_dir=deps_layer_dir)
        self.workflows = Workflows(
            self, "Workflows", config=config, compute=self.compute, definition_file=definition_file
        )
        self.api = Api(self, "Api", config=config, compute=self.compute)
        self.alarms = Alarms(
            self,
            "Alarms",
            config=config,
            data=self.data,
            compute=self.compute,
            workflows=self.workflows,
            api=self.api,
        )
        Tags.of(self).add("project", "sunlight")
        Tags.of(self).add("sunlight:stage", config.stage)
