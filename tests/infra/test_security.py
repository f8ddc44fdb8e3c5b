"""No policy grants everything, and cdk-nag has nothing left to say."""

from __future__ import annotations

import json
from pathlib import Path
from typing import cast

import pytest
from aws_cdk import App, CfnElement
from constructs import IConstruct
from sunlight import spec

from infra.app import build_stack
from infra.config import StageConfig
from infra.nag import apply_checks, synthesize
from tests.infra.cfn import as_list, statements
from tests.infra.conftest import Synthesis

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


def test_a_customer_managed_key_stage_passes_the_checks_too(
    tmp_path: Path, config: StageConfig, definition_file: Path
) -> None:
    """And it encrypts the documents with the stage's key, and runs the sweep at its own rate."""
    stage = config.model_copy(
        update={
            "stage": "prod",
            "table_encryption": "customer_managed",
            "account": "123456789012",
            "sweep_minutes": 1,
        }
    )
    app = App(outdir=str(tmp_path))
    stack = build_stack(app, stage, definition_file=definition_file, deps_layer_dir=None)
    apply_checks(app)
    assert synthesize(app) == []
    cfn = json.loads((tmp_path / stack.template_file).read_text(encoding="utf-8"))

    def logical_id(construct: IConstruct | None) -> str:
        assert construct is not None
        return stack.get_logical_id(cast(CfnElement, construct.node.default_child))

    key_arn = {"Fn::GetAtt": [logical_id(stack.data.key), "Arn"]}
    for resource in cfn["Resources"].values():
        if resource["Type"] == "AWS::DynamoDB::Table":
            assert resource["Properties"]["SSESpecification"]["KMSMasterKeyId"] == key_arn
        if resource["Type"] == "AWS::SecretsManager::Secret":
            assert resource["Properties"]["KmsKeyId"] == key_arn
    documents = cfn["Resources"][logical_id(stack.documents.bucket)]
    assert documents["Properties"]["BucketName"] == "sunlight-prod-documents-123456789012"
    (encryption,) = documents["Properties"]["BucketEncryption"]["ServerSideEncryptionConfiguration"]
    assert encryption["ServerSideEncryptionByDefault"] == {
        "SSEAlgorithm": "aws:kms",
        "KMSMasterKeyID": key_arn,
    }
    writers = [stack.compute.functions[f.logical].role for f in spec.FUNCTIONS if f.writes_documents]
    for role in writers:
        role_id = logical_id(role)
        granted = [
            s
            for r in cfn["Resources"].values()
            if r["Type"] == "AWS::IAM::Policy" and {"Ref": role_id} in r["Properties"]["Roles"]
            for s in r["Properties"]["PolicyDocument"]["Statement"]
            if s["Resource"] == key_arn
        ]
        assert {"kms:Decrypt", "kms:GenerateDataKey"} <= {a for s in granted for a in as_list(s["Action"])}
    (rule,) = (r for r in cfn["Resources"].values() if r["Type"] == "AWS::Events::Rule")
    assert rule["Properties"]["ScheduleExpression"] == "rate(1 minute)"
