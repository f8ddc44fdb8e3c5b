"""The one kind of log bucket: where S3 server access logs and CloudFront standard logs are delivered.

Every log bucket of the stack is a `LogBucket`: public access blocked, HTTPS only, SSE-S3 (neither
S3 server access logging nor CloudFront log delivery can write to an SSE-KMS bucket), versioned,
retained with the stack deleted, and each log kept `LOG_DAYS` days (the Cybersecurity Law asks for
network logs to be kept at least six months; a replaced version goes after a day). The two kinds of
delivery differ only in how the writer is authorised:

- S3 server access logs (`LogDelivery.SERVER_ACCESS`): by the bucket's policy, which CDK writes for
  each logged bucket (`logging.s3.amazonaws.com`, `s3:PutObject` under that bucket's prefix, on
  condition of its ARN and account), with ACLs disabled (`BucketOwnerEnforced`). The feature flag
  that makes CDK write the policy instead of an ACL is set on this construct, where CDK reads it.
- CloudFront standard logs (`LogDelivery.CLOUDFRONT`): by an ACL grant that CloudFront adds when it
  starts delivering, so ACLs stay enabled (`BucketOwnerPreferred`: the bucket owner still owns the
  objects).
"""

from __future__ import annotations

import enum

from aws_cdk import Duration, RemovalPolicy
from aws_cdk import aws_s3 as s3
from constructs import Construct

from infra.nag import acknowledge

LOG_DAYS = 365
SERVER_ACCESS_LOGS_USE_BUCKET_POLICY = "@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy"


class LogDelivery(enum.Enum):
    """Who writes into the bucket, which fixes its object ownership and its lifecycle rule's id."""

    SERVER_ACCESS = ("access-logs", s3.ObjectOwnership.BUCKET_OWNER_ENFORCED)
    CLOUDFRONT = ("cdn-logs", s3.ObjectOwnership.BUCKET_OWNER_PREFERRED)

    def __init__(self, kind: str, ownership: s3.ObjectOwnership) -> None:
        self.kind = kind
        self.ownership = ownership


class LogBucket(Construct):
    """A log bucket, `LogBucket(...).bucket`; its logical id is the one a bare `s3.Bucket` would have
    at this construct's place (the bucket's id is `Default`, which CDK leaves out of logical ids)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        bucket_name: str,
        delivery: LogDelivery,
        receives: str,
    ) -> None:
        super().__init__(scope, construct_id)
        if delivery is LogDelivery.SERVER_ACCESS:
            # Read on this bucket when a logged bucket names it: a policy statement, not an ACL.
            self.node.set_context(SERVER_ACCESS_LOGS_USE_BUCKET_POLICY, True)
        self.delivery = delivery
        self.bucket = s3.Bucket(
            self,
            "Default",
            bucket_name=bucket_name,
            encryption=s3.BucketEncryption.S3_MANAGED,
            block_public_access=s3.BlockPublicAccess.BLOCK_ALL,
            object_ownership=delivery.ownership,
            enforce_ssl=True,
            versioned=True,
            lifecycle_rules=[
                s3.LifecycleRule(
                    id=f"expire-{delivery.kind}",
                    expiration=Duration.days(LOG_DAYS),
                    noncurrent_version_expiration=Duration.days(1),
                    abort_incomplete_multipart_upload_after=Duration.days(7),
                )
            ],
            removal_policy=RemovalPolicy.RETAIN,
        )
        acknowledge(
            self.bucket,
            "AwsSolutions-S1",
            f"This bucket receives {receives}; logging its own accesses into itself would log every log "
            "delivery, and CloudTrail records its management events.",
        )
