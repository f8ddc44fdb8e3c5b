"""The data: one DynamoDB table per `sunlight.app.spec.TABLES` entry, and the key that protects personal data.

Tables are on-demand, with point-in-time recovery, encrypted (AWS managed key, or a customer
managed key when the stage asks for one), and retained when the stack is deleted: the record log
is evidence and must outlive any deployment mistake. Only the `throttle` table has a time to live
(`TTL_ATTRIBUTES`). The personal-data key lives in a Secrets Manager secret (also retained), filled
once at creation by a small custom resource because the functions expect base64 of 32 random bytes,
which the secret's own generator cannot make.
"""

from __future__ import annotations

from pathlib import Path

from aws_cdk import CustomResource, Duration, RemovalPolicy
from aws_cdk import aws_dynamodb as dynamodb
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from aws_cdk import aws_secretsmanager as secretsmanager
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.keys import customer_key
from infra.nag import acknowledge

_ATTRIBUTE_TYPES = {"S": dynamodb.AttributeType.STRING, "N": dynamodb.AttributeType.NUMBER}
# Time-to-live attribute (epoch seconds) by table: DynamoDB deletes an item some time after it passes.
# Not in `sunlight.app.spec` (which describes keys and indexes only): the public API's failed-look-up
# counters expire on their own; every other table keeps its items.
TTL_ATTRIBUTES = {"throttle": "expires_at"}
DATA_KEY_HANDLER = Path(__file__).resolve().parents[1] / "runtime" / "data_key.py"


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
                description=f"Sunlight {config.stage}: tables, personal-data key secret, documents",
            )
        self.tables: dict[str, dynamodb.Table] = {
            table.logical: self._table(table, config) for table in spec.TABLES
        }
        self.data_key_secret = secretsmanager.Secret(
            self,
            "DataKey",
            secret_name=names.data_key_secret_name(config.stage),
            description=f"Sunlight {config.stage}: base64 of the 32-byte key that seals personal data fields",
            encryption_key=self.key,
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.data_key_secret,
            "AwsSolutions-SMG4",
            "The data key seals stored personal data; rotating it without re-sealing every record "
            "would make old records unreadable, so rotation is a planned, versioned procedure rather "
            "than a Secrets Manager schedule.",
        )
        self.data_key_initialiser = self._initialise_data_key(config)

    def _initialise_data_key(self, config: StageConfig) -> CustomResource:
        """Writes base64(32 random bytes) into the secret on creation (see infra/runtime/data_key.py)."""
        log_group = logs.LogGroup(
            self,
            "DataKeyInitLogs",
            retention=logs.RetentionDays.ONE_MONTH,
            removal_policy=RemovalPolicy.DESTROY,
        )
        role = iam.Role(
            self,
            "DataKeyInitRole",
            assumed_by=iam.ServicePrincipal("lambda.amazonaws.com"),
            description=f"Sunlight {config.stage}: writes the first data key into its secret",
        )
        log_group.grant_write(role)
        role.add_to_policy(
            iam.PolicyStatement(
                actions=["secretsmanager:PutSecretValue"], resources=[self.data_key_secret.secret_arn]
            )
        )
        if self.key is not None:
            role.add_to_policy(
                iam.PolicyStatement(
                    actions=["kms:Encrypt", "kms:GenerateDataKey"], resources=[self.key.key_arn]
                )
            )
        function = lambda_.Function(
            self,
            "DataKeyInit",
            function_name=names.data_key_initialiser_name(config.stage),
            description="custom resource: puts the first personal-data key into its secret",
            runtime=lambda_.Runtime.PYTHON_3_12,
            architecture=lambda_.Architecture.ARM_64,
            handler="index.handler",
            code=lambda_.Code.from_inline(DATA_KEY_HANDLER.read_text(encoding="utf-8")),
            timeout=Duration.seconds(60),
            role=role,
            log_group=log_group,
        )
        acknowledge(
            function,
            "AwsSolutions-L1",
            "Same pinned python3.12 runtime as the Sunlight functions; this deploy-time helper runs once "
            "per stack and uses only the standard library and the runtime's boto3.",
        )
        return CustomResource(
            self,
            "DataKeyValue",
            service_token=function.function_arn,
            resource_type="Custom::SunlightDataKey",
            properties={"SecretId": self.data_key_secret.secret_arn},
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
            time_to_live_attribute=TTL_ATTRIBUTES.get(table.logical),
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
