"""One Sunlight deployment (a stage): the constructs wired together, and nothing else."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from aws_cdk import Stack, Tags
from constructs import Construct
from sunlight.app import spec

from infra.config import StageConfig
from infra.constructs.alarms import Alarms
from infra.constructs.api import Api
from infra.constructs.compute import DEPS_LAYER_DIR, Compute
from infra.constructs.data import Data
from infra.constructs.documents import Documents
from infra.constructs.portal import Portal
from infra.constructs.schedules import Schedules
from infra.constructs.topics import AlertTopics
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
        self.documents = Documents(self, "Documents", config=config, data=self.data)
        self.alert_topics = AlertTopics(self, "AlertTopics", config=config)
        self.compute = Compute(
            self,
            "Compute",
            config=config,
            data=self.data,
            documents=self.documents,
            alert_topics=self.alert_topics,
            deps_layer_dir=deps_layer_dir,
        )
        self.workflows = Workflows(
            self, "Workflows", config=config, compute=self.compute, definition_file=definition_file
        )
        self.schedules = Schedules(self, "Schedules", config=config, compute=self.compute)
        self.api = Api(self, "Api", config=config, compute=self.compute)
        self.portal = Portal(self, "Portal", config=config, api=self.api, documents=self.documents)
        self.alarms = Alarms(
            self,
            "Alarms",
            config=config,
            data=self.data,
            compute=self.compute,
            workflows=self.workflows,
            api=self.api,
            schedules=self.schedules,
        )
        Tags.of(self).add("project", "sunlight")
        Tags.of(self).add("sunlight:stage", config.stage)
