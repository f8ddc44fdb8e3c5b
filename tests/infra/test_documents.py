"""The documents bucket keeps the written directives: private, SSL-only, encrypted, versioned, logged,
retained, and never expired."""

from __future__ import annotations

from typing import Any

import pytest

from tests.infra.cfn import as_list, ref_id, render, statements
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra

BLOCK_ALL = {
    "BlockPublicAcls": True,
    "BlockPublicPolicy": True,
    "IgnorePublicAcls": True,
    "RestrictPublicBuckets": True,
}


def _bucket_id(synthesis: Synthesis) -> str:
    return synthesis.logical_id(synthesis.stack.documents.bucket)


def _log_bucket_id(synthesis: Synthesis) -> str:
    return synthesis.logical_id(synthesis.stack.documents.access_logs)


def _policy(synthesis: Synthesis, bucket_id: str) -> list[dict[str, Any]]:
    (policy,) = (
        p["Properties"]["PolicyDocument"]
        for p in synthesis.resources("AWS::S3::BucketPolicy").values()
        if ref_id(p["Properties"]["Bucket"]) == bucket_id
    )
    return list(statements(policy))


def test_the_stack_has_the_documents_and_portal_buckets_and_their_log_buckets_only(
    synthesis: Synthesis,
) -> None:
    portal = synthesis.stack.portal
    assert portal.log_bucket is not None
    assert set(synthesis.resources("AWS::S3::Bucket")) == {
        _bucket_id(synthesis),
        _log_bucket_id(synthesis),
        synthesis.logical_id(portal.bucket),
        synthesis.logical_id(portal.log_bucket),
    }
    name = render(synthesis.cfn["Resources"][_bucket_id(synthesis)]["Properties"]["BucketName"])
    assert name == "sunlight-dev-documents-<AWS::AccountId>"


@pytest.mark.parametrize("which", ["documents", "access logs"])
def test_buckets_block_public_access_refuse_plain_http_and_are_encrypted_and_retained(
    synthesis: Synthesis, which: str
) -> None:
    bucket_id = _bucket_id(synthesis) if which == "documents" else _log_bucket_id(synthesis)
    bucket = synthesis.cfn["Resources"][bucket_id]
    properties = bucket["Properties"]
    assert properties["PublicAccessBlockConfiguration"] == BLOCK_ALL
    assert properties["OwnershipControls"] == {"Rules": [{"ObjectOwnership": "BucketOwnerEnforced"}]}
    (encryption,) = properties["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"]["SSEAlgorithm"] in {"AES256", "aws:kms"}
    assert properties["VersioningConfiguration"] == {"Status": "Enabled"}
    assert bucket["DeletionPolicy"] == bucket["UpdateReplacePolicy"] == "Retain"
    (deny,) = (s for s in _policy(synthesis, bucket_id) if s["Effect"] == "Deny")
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}
    assert deny["Principal"] == {"AWS": "*"}
    assert deny["Action"] == "s3:*"
    assert {render(r) for r in as_list(deny["Resource"])} == {f"<{bucket_id}.Arn>", f"<{bucket_id}.Arn>/*"}


def test_documents_bucket_policy_grants_nobody_anything(synthesis: Synthesis) -> None:
    assert [s for s in _policy(synthesis, _bucket_id(synthesis)) if s["Effect"] == "Allow"] == []


def test_directives_are_never_expired(synthesis: Synthesis) -> None:
    properties = synthesis.cfn["Resources"][_bucket_id(synthesis)]["Properties"]
    for rule in properties.get("LifecycleConfiguration", {}).get("Rules", []):
        assert not {"ExpirationInDays", "ExpirationDate", "NoncurrentVersionExpiration"} & set(rule), rule
        assert not rule.get("ExpiredObjectDeleteMarker"), rule
        assert "NoncurrentVersionExpirationInDays" not in rule, rule


@pytest.mark.parametrize("which", ["documents", "portal"])
def test_access_logs_go_to_the_log_bucket_by_its_policy(synthesis: Synthesis, which: str) -> None:
    """Each logged bucket may deliver under its own prefix only."""
    bucket_id = (
        _bucket_id(synthesis) if which == "documents" else synthesis.logical_id(synthesis.stack.portal.bucket)
    )
    logging = synthesis.cfn["Resources"][bucket_id]["Properties"]["LoggingConfiguration"]
    assert ref_id(logging["DestinationBucketName"]) == _log_bucket_id(synthesis)
    prefix = logging["LogFilePrefix"]
    (allow,) = (
        s
        for s in _policy(synthesis, _log_bucket_id(synthesis))
        if s["Effect"] == "Allow" and ref_id(s["Condition"]["ArnLike"]["aws:SourceArn"]) == bucket_id
    )
    assert allow["Principal"] == {"Service": "logging.s3.amazonaws.com"}
    assert allow["Action"] == "s3:PutObject"
    assert render(allow["Resource"]) == f"<{_log_bucket_id(synthesis)}.Arn>/{prefix}*"
    # Kept at least the six months the Cybersecurity Law asks of network logs.
    log_bucket = synthesis.cfn["Resources"][_log_bucket_id(synthesis)]["Properties"]
    (rule,) = log_bucket["LifecycleConfiguration"]["Rules"]
    assert rule["ExpirationInDays"] >= 180


def test_the_log_bucket_takes_deliveries_from_the_two_logged_buckets_only(synthesis: Synthesis) -> None:
    allowed = [s for s in _policy(synthesis, _log_bucket_id(synthesis)) if s["Effect"] == "Allow"]
    sources = {ref_id(s["Condition"]["ArnLike"]["aws:SourceArn"]) for s in allowed}
    assert sources == {_bucket_id(synthesis), synthesis.logical_id(synthesis.stack.portal.bucket)}
    prefixes = {render(s["Resource"]) for s in allowed}
    assert len(prefixes) == len(allowed) == 2
