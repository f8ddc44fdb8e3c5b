"""Customer managed KMS keys with an explicit key policy (no `kms:*`), rotated yearly."""

from __future__ import annotations

from collections.abc import Sequence

from aws_cdk import RemovalPolicy, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_kms as kms
from constructs import Construct

# What the account (and through it, IAM policies of the account) may do with the key. Listed
# instead of `kms:*` so that no policy in the stack grants a whole service on every resource.
ACCOUNT_KEY_ACTIONS = (
    "kms:CancelKeyDeletion",
    "kms:CreateAlias",
    "kms:CreateGrant",
    "kms:Decrypt",
    "kms:DeleteAlias",
    "kms:DescribeKey",
    "kms:DisableKey",
    "kms:DisableKeyRotation",
    "kms:EnableKey",
    "kms:EnableKeyRotation",
    "kms:Encrypt",
    "kms:GenerateDataKey",
    "kms:GenerateDataKeyWithoutPlaintext",
    "kms:GetKeyPolicy",
    "kms:GetKeyRotationStatus",
    "kms:ListAliases",
    "kms:ListGrants",
    "kms:ListKeyPolicies",
    "kms:ListKeyRotations",
    "kms:ListResourceTags",
    "kms:PutKeyPolicy",
    "kms:ReEncryptFrom",
    "kms:ReEncryptTo",
    "kms:RetireGrant",
    "kms:RevokeGrant",
    "kms:RotateKeyOnDemand",
    "kms:ScheduleKeyDeletion",
    "kms:TagResource",
    "kms:UntagResource",
    "kms:UpdateAlias",
    "kms:UpdateKeyDescription",
)
# What a service (CloudWatch publishing an alarm to an encrypted topic) needs.
SERVICE_KEY_ACTIONS = ("kms:Decrypt", "kms:GenerateDataKey")


def customer_key(
    scope: Construct,
    construct_id: str,
    *,
    alias: str,
    description: str,
    service_principals: Sequence[str] = (),
) -> kms.Key:
    account = Stack.of(scope).account
    statements = [
        iam.PolicyStatement(
            sid="AccountAdministersAndDelegatesUse",
            principals=[iam.AccountRootPrincipal()],
            actions=list(ACCOUNT_KEY_ACTIONS),
            resources=["*"],  # in a key policy, "*" is this key
        )
    ]
    statements.extend(
        iam.PolicyStatement(
            sid=f"Service{index}",
            principals=[iam.ServicePrincipal(service)],
            actions=list(SERVICE_KEY_ACTIONS),
            resources=["*"],
            conditions={"StringEquals": {"aws:SourceAccount": account}},
        )
        for index, service in enumerate(service_principals)
    )
    return kms.Key(
        scope,
        construct_id,
        alias=alias,
        description=description,
        enable_key_rotation=True,
        policy=iam.PolicyDocument(statements=statements),
        removal_policy=RemovalPolicy.RETAIN,
    )
