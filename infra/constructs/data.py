"""The data: one DynamoDB table per `sunlight.spec.TABLES` entry, and the key that protects personal data.

Tables are on-demand, with point-in-time recovery, encrypted (AWS managed key, or a customer
managed key when the stage asks for one), and retained when the stack is deleted: the record log
is evidence and must outlive any deployment mistake.
"""

from __future__ import annotations

from aws_cdk import RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_kms as kms
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct

from infra import names
from infra.config import StageConfig
from infra.constructs.keys import customer_key
from infra.nag import acknowledge
from sunlight import spec

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
# 64 lower-case hex characters = 32 random bytes (Secrets Manager generates characters, not bytes).
DATA_KEY_HEX_CHARS = 64
_NOT_HEX = "ghijklmnopqrstuvwxyz"


def _attribute(key: spec.Key) -> dynamodb.Attribute:
    return dynamodb.Attribute(name=key.name, type=_ATTRIBUTE_TYPES[key.type])


class Data(Construct):
    """Tables by logical name, the optional customer managed key, and the personal-data key secret."""

    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig) -> None:
        super().__init__(scope, construct_id)
        self.key: kms.Key | None = None
        if config.table_encryption == "customer_managed":
            self.key = customer_key(
                self,
                "TableKey",
                alias=f"alias/{names.prefix(config.stage)}-data",
                description=f"Sunlight {config.stage}: tables and the personal-data key secret",
            )
        self.tables: dict[str, dynamodb.Table] = {
            table.logical: self._table(table, config) for table in spec.TABLES
        }
        self.data_key_secret = secretsmanager.Secret(
            self,
            "DataKey",
            secret_name=names.data_key_secret_name(config.stage),
            description=(
                f"Sunlight {config.stage}: {DATA_KEY_HEX_CHARS // 2}-byte key, as {DATA_KEY_HEX_CHARS} hex "
                "characters, that encrypts personal data fields"
            ),
            encryption_key=self.key,
            generate_secret_string=secretsmanager.SecretStringGenerator(
                password_length=DATA_KEY_HEX_CHARS,
                exclude_uppercase=True,
                exclude_punctuation=True,
                exclude_characters=_NOT_HEX,
                include_space=False,
                require_each_included_type=False,
            ),
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.data_key_secret,
            "AwsSolutions-SMG4",
            "The data key encrypts stored personal data; rotating it without re-encrypting every "
            "record would make old records unreadable, so rotation is a planned, versioned procedure "
            "rather than a Secrets Manager schedule.",
        )

    def _table(self, table: spec.Table, config: StageConfig) -> dynamodb.Table:
        resource = dynamodb.Table(
            self,
            names.construct_id(table.logical),
            table_name=table.physical(config.stage),
            partition_key=_attribute(table.partition),
            sort_key=_attribute(table.sort) if table.sort else None,
            billing_mode=dynamodb.BillingMode.PAY_PER_REQUEST,
            point_in_time_recovery_specification=dynamodb.PointInTimeRecoverySpecification(
                point_in_time_recovery_enabled=True
            ),
            encryption=(
                dynamodb.TableEncryption.CUSTOMER_MANAGED
                if self.key
                else dynamodb.TableEncryption.AWS_MANAGED
            ),
            encryption_key=self.key,
            deletion_protection=config.deletion_protection,
            removal_policy=RemovalPolicy.RETAIN,
        )
        for index in table.indexes:
            resource.add_global_secondary_index(
                index_name=index.name,
                partition_key=_attribute(index.partition),
                sort_key=_attribute(index.sort) if index.sort else None,
                projection_type=dynamodb.ProjectionType.ALL,
            )
        return resource
