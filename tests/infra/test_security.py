"""No policy grants everything, and cdk-nag has nothing left to say."""

from __future__ import annotations

import pytest
from sunlight.app import spec

from tests.infra.cfn import as_list, statements
from tests.infra.conftest import VARIANT_SCORING_CRON, Synthesis

pytestmark = pytest.mark.infra


def _grants_everything(action: str) -> bool:
    return action == "*" or action.endswith(":*")


def test_no_statement_grants_a_whole_service_on_every_resource(synthesis: Synthesis) -> None:
    found = list(statements(synthesis.cfn["Resources"]))
    assert len(found) > 10
    offending = [
        statement
        for statement in found
        if statement.get("Effect") == "Allow"
        and "*" in as_list(statement.get("Resource", []))
        and any(_grants_everything(str(action)) for action in as_list(statement.get("Action", [])))
    ]
    assert offending == []
    assert not any("*" in as_list(statement.get("Action", [])) for statement in found)


def test_no_function_role_uses_a_managed_policy(synthesis: Synthesis) -> None:
    for function in synthesis.stack.compute.functions.values():
        role = synthesis.cfn["Resources"][synthesis.logical_id(function.role)]
        assert "ManagedPolicyArns" not in role["Properties"]


def test_cdk_nag_reports_no_unacknowledged_finding(synthesis: Synthesis) -> None:
    assert synthesis.findings == []


def test_every_acknowledgement_carries_a_reason(synthesis: Synthesis) -> None:
    acknowledged = [
        rule
        for resource in synthesis.cfn["Resources"].values()
        for rule in resource.get("Metadata", {}).get("cdk_nag", {}).get("rules_to_suppress", [])
    ]
    assert acknowledged
    for rule in acknowledged:
        assert rule["id"].startswith("AwsSolutions-")
        assert len(rule["reason"]) >= 40


def test_the_variant_stage_passes_the_checks_too(variant: Synthesis) -> None:
    assert variant.findings == []


def test_a_customer_managed_key_stage_encrypts_with_its_key_and_runs_the_sweep_at_its_rate(
    variant: Synthesis,
) -> None:
    """The variant stage: tables, secret and documents use the stage's key; the sweep runs every minute,
    the scoring at the stage's own time."""
    cfn = variant.cfn
    assert variant.stack.data.key is not None
    key_arn = {"Fn::GetAtt": [variant.logical_id(variant.stack.data.key), "Arn"]}
    for resource in cfn["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert resource["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_arn
        if resource["Type"] == "AWS::SecretsManager::Secret":
            assert resource["Properties"]["KmsKeyId"] == key_arn
    documents = cfn["Resources"][variant.logical_id(variant.stack.documents.bucket)]
    assert documents["Properties"]["BucketName"] == "sunlight-prod-documents-123456789012"
    (encryption,) = documents["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    writers = [variant.stack.compute.functions[f.logical].role for f in spec.FUNCTIONS if f.writes_documents]
    for role in writers:
        role_id = variant.logical_id(role)
        granted = [
            s
            for r in cfn["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
            for s in r["Properties"]["PolicyDocument"]["Statement"]
            if s["Resource"] == key_arn
        ]
        assert {"kms:Decrypt", "kms:GenerateDataKey"} <= {a for s in granted for a in as_list(s["Action"])}
    scheduled = variant.stack.schedules.scheduled
    sweep = cfn["Resources"][variant.logical_id(scheduled["sweep"].rule)]
    assert sweep["Properties"]["ScheduleExpression"] == "rate(1 minute)"
    scoring = cfn["Resources"][variant.logical_id(scheduled["scoring"].rule)]
    assert scoring["Properties"]["ScheduleExpression"] == VARIANT_SCORING_CRON
