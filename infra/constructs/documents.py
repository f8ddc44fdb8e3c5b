"""The documents bucket: the written directives (督办通知书, 整改建议书) the functions render.

Directives are official records: the bucket is versioned, never expires an object or an old version,
is retained when the stack is deleted, blocks public access, refuses plain HTTP and is encrypted
(SSE-S3, or SSE-KMS with the stage's data key when the stage asks for customer managed encryption).
Its server access logs go to a second bucket, which keeps them `ACCESS_LOG_DAYS` days (the
Cybersecurity Law asks for network logs to be kept at least six months).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct
from sunlight import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.data import Data
from infra.nag import acknowledge

ACCESS_LOG_DAYS = 365
# Directives are read when issued and when appealed; after that they are kept, rarely read.
INFREQUENT_ACCESS_AFTER = Duration.days(90)
ACCESS_LOG_PREFIX = f"{spec.DOCUMENTS_BUCKET}/"
SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


class Documents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, data: Data) -> None:
        super().__init__(scope, construct_id)
        # Log delivery authorised by the log bucket's policy, not by an ACL (ACLs stay disabled).
        self.node.set_context(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, True)
        account = Stack.of(self).account
        self.access_logs = s3.Bucket(
            self,
            "AccessLogs",
            bucket_name=names.access_log_bucket_name(config.stage, account),
            # Server access log delivery writes only to SSE-S3 buckets.
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="expire-access-logs",
                    expiration=Duration.days(ACCESS_LOG_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.access_logs,
            "AwsSolutions-S1",
            "This is the server access log bucket of the documents bucket; logging its own accesses into "
            "itself would log every log delivery, and CloudTrail records its management events.",
        )
        # The stage's data key when tables are customer-key encrypted: directives name cases and staff.
        self.key = data.key
        self.bucket = s3.Bucket(
            self,
            "Bucket",
            bucket_name=names.documents_bucket_name(config.stage, account),
            encryption=s3.BucketEncryption.KMS if self.key else s3.BucketEncryption.S3_MANAGED,
            encryption_key=self.key,
            bucket_key_enabled=self.key is not None,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
            enforce_ssl=True,
            versioned=True,
            server_access_logs_bucket=self.access_logs,
            server_access_logs_prefix=ACCESS_LOG_PREFIX,
            # No expiration of any kind: directives are kept. Cheaper storage once they are old.
            lifecycle_rules=[
                s3.LifecycleRule(
                    id="keep-directives",
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                    transitions=[
                        s3.Transition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=INFREQUENT_ACCESS_AFTER,
                        )
                    ],
                    noncurrent_version_transitions=[
                        s3.NoncurrentVersionTransition(
                            storage_class=s3.StorageClass.INFREQUENT_ACCESS,
                            transition_after=Duration.days(30),
                        )
                    ],
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        CfnOutput(self, "BucketName", value=self.bucket.bucket_name, description="written directives")
