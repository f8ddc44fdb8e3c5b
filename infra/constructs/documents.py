"""The documents bucket: the written directives (督办通知书, 整改建议书) the functions render.

Directives are official records: the bucket is versioned, never expires an object or an old version,
is retained when the stack is deleted, blocks public access, refuses plain HTTP and is encrypted
(SSE-S3, or SSE-KMS with the stage's data key when the stage asks for customer managed encryption).
Its server access logs, and the portal bucket's, go to a `LogBucket` (`infra/constructs/logs.py`),
which keeps them `LOG_DAYS` days (the Cybersecurity Law asks for network logs to be kept at least six
months).
"""

from __future__ import annotations

from aws_cdk import CfnOutput, Duration, RemovalPolicy, Stack
from aws_cdk import aws_s3 as s3
from constructs import Construct
from sunlight.app import spec

from infra import names
from infra.config import StageConfig
from infra.constructs.data import Data
from infra.constructs.logs import LogBucket, LogDelivery

# Directives are read when issued and when appealed; after that they are kept, rarely read.
INFREQUENT_ACCESS_AFTER = Duration.days(90)
ACCESS_LOG_PREFIX = f"{spec.DOCUMENTS_BUCKET}/"


class Documents(Construct):
    def __init__(self, scope: Construct, construct_id: str, *, config: StageConfig, data: Data) -> None:
        super().__init__(scope, construct_id)
        account = Stack.of(self).account
        self.access_logs = LogBucket(
            self,
            "AccessLogs",
            bucket_name=names.access_log_bucket_name(config.stage, account),
            delivery=LogDelivery.SERVER_ACCESS,
            receives="the server access logs of the documents and portal buckets",
        ).bucket
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
