"""The alert topics: one KMS-encrypted SNS topic per alert level of `sunlight.app.spec.LEVELS`.

Functions whose spec entry `sends_text` publish each new alert to its level's topic (and text the
handlers directly); whoever must hear of every red card (the supervision office's mailbox, a
provincial system) subscribes to that topic. The topics share one customer managed key, so that a
subscriber such as an SQS queue can be granted decryption on it.
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Stack
from aws_cdk import aws_kms as kms
from aws_cdk import aws_sns as sns
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.keys import customer_key

# What a publisher needs on the topics' key (SNS encrypts each message under a data key).
PUBLISH_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


class AlertTopics(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.key: kms.Key = customer_key(
            self,
            "Key",
            alias=f"alias/{names.prefix(config.stage)}-alerts",
            description=f"Sunlight {config.stage}: the alert topics",
        )
        self.topics: dict[str, sns.Topic] = {}
        for level in spec.LEVELS:
            topic = sns.Topic(
                self,
                names.construct_id(level),
                topic_name=names.alert_topic_name(config.stage, level),
                display_name=f"Sunlight {config.stage} {level.replace('_', ' ')}",
                master_key=self.key,
                enforce_ssl=True,
            )
            self.topics[level] = topic
            CfnOutput(
                self,
                f"{names.construct_id(level)}TopicArn",
                value=topic.topic_arn,
                description=f"{level} alerts",
            )

    def arns_json(self) -> str:
        """`{level: topic ARN}` as JSON, for a function's environment (resolved by CloudFormation)."""
        return Stack.of(self).to_json_string({level: topic.topic_arn for level, topic in self.topics.items()})
