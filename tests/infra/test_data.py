"""The tables are exactly those of `sunlight.app.spec`, protected, and kept when the stack goes."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from sunlight.app import spec

from infra.runtime import data_key
from infra.spec_cfn import table_properties
from tests.infra.cfn import ref_id
from tests.infra.conftest import Synthesis

pytestmark = pytest.mark.infra


def _table(synthesis: Synthesis, name: str) -> dict[str, Any]:
    (table,) = (
        t
        for t in synthesis.resources("AWS::DynamoDB::Table").values()
        if t["Properties"]["TableName"] == name
    )
    return table


def test_the_stack_has_exactly_the_spec_tables(synthesis: Synthesis) -> None:
    names = {t["Properties"]["TableName"] for t in synthesis.resources("AWS::DynamoDB::Table").values()}
    assert names == {table.physical("dev") for table in spec.TABLES}


@pytest.mark.parametrize("table", spec.TABLES, ids=lambda t: t.logical)
def test_keys_attributes_and_indexes_match_the_spec(synthesis: Synthesis, table: spec.Table) -> None:
    expected = table_properties(table, "dev")
    actual = _table(synthesis, table.physical("dev"))["Properties"]
    assert actual["KeySchema"] == expected["KeySchema"]
    assert actual["AttributeDefinitions"] == expected["AttributeDefinitions"]
    assert actual.get("GlobalSecondaryIndexes") == expected.get("GlobalSecondaryIndexes")
    assert actual["BillingMode"] == expected["BillingMode"] == "PAY_PER_REQUEST"


def test_the_staff_and_counters_tables_and_the_notice_index(synthesis: Synthesis) -> None:
    """Spelled out, not derived from the spec: the shapes the functions of issue 4 rely on."""
    staff = _table(synthesis, "sunlight-dev-staff")["Properties"]
    assert staff["KeySchema"] == [
        {"AttributeName": "dept_code", "KeyType": "HASH"},
        {"AttributeName": "handler_id", "KeyType": "RANGE"},
    ]
    assert "GlobalSecondaryIndexes" not in staff
    counters = _table(synthesis, "sunlight-dev-counters")["Properties"]
    assert counters["KeySchema"] == [{"AttributeName": "counter", "KeyType": "HASH"}]
    assert counters["AttributeDefinitions"] == [{"AttributeName": "counter", "AttributeType": "S"}]
    alerts = _table(synthesis, "sunlight-dev-alerts")["Properties"]
    (notice,) = (i for i in alerts["GlobalSecondaryIndexes"] if i["IndexName"] == "notice-index")
    assert notice["KeySchema"] == [
        {"AttributeName": "notice_shard", "KeyType": "HASH"},
        {"AttributeName": "notice_due", "KeyType": "RANGE"},
    ]
    assert notice["Projection"] == {"ProjectionType": "ALL"}
    types = {a["AttributeName"]: a["AttributeType"] for a in alerts["AttributeDefinitions"]}
    assert types["notice_shard"] == "S"
    assert types["notice_due"] == "N"


def test_the_complaints_and_throttle_tables_of_issue_5(synthesis: Synthesis) -> None:
    """Spelled out: complaints with its deadline and department indexes, throttle keyed by one string."""
    complaints = _table(synthesis, "sunlight-dev-complaints")["Properties"]
    assert complaints["KeySchema"] == [{"AttributeName": "complaint_no", "KeyType": "HASH"}]
    indexes = {i["IndexName"]: i for i in complaints["GlobalSecondaryIndexes"]}
    assert set(indexes) == {"due-index", "dept-index"}
    assert indexes["due-index"]["KeySchema"] == [
        {"AttributeName": "due_shard", "KeyType": "HASH"},
        {"AttributeName": "next_due", "KeyType": "RANGE"},
    ]
    assert indexes["dept-index"]["KeySchema"] == [
        {"AttributeName": "dept_code", "KeyType": "HASH"},
        {"AttributeName": "filed_at", "KeyType": "RANGE"},
    ]
    types = {a["AttributeName"]: a["AttributeType"] for a in complaints["AttributeDefinitions"]}
    assert types == {
        "complaint_no": "S",
        "due_shard": "S",
        "next_due": "N",
        "dept_code": "S",
        "filed_at": "S",
    }
    throttle = _table(synthesis, "sunlight-dev-throttle")["Properties"]
    assert throttle["KeySchema"] == [{"AttributeName": "throttle_key", "KeyType": "HASH"}]
    assert "GlobalSecondaryIndexes" not in throttle


def test_only_the_throttle_table_expires_items_by_expires_at(synthesis: Synthesis) -> None:
    ttl = {
        t["Properties"]["TableName"]: t["Properties"].get("TimeToLiveSpecification")
        for t in synthesis.resources("AWS::DynamoDB::Table").values()
    }
    assert ttl.pop("sunlight-dev-throttle") == {"AttributeName": "expires_at", "Enabled": True}
    assert ttl and set(ttl.values()) == {None}


def test_every_table_has_point_in_time_recovery_encryption_and_is_retained(synthesis: Synthesis) -> None:
    tables = synthesis.resources("AWS::DynamoDB::Table")
    assert tables
    for logical_id, table in tables.items():
        properties = table["Properties"]
        assert properties["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}, (
            logical_id
        )
        assert properties["SSESpecification"]["SSEEnabled"] is True, logical_id
        assert table["DeletionPolicy"] == table["UpdateReplacePolicy"] == "Retain", logical_id


def test_every_index_projects_all_attributes(synthesis: Synthesis) -> None:
    for table in synthesis.resources("AWS::DynamoDB::Table").values():
        for index in table["Properties"].get("GlobalSecondaryIndexes", []):
            assert index["Projection"] == {"ProjectionType": "ALL"}


def test_the_data_key_secret_is_retained_and_filled_once_by_the_initialiser(synthesis: Synthesis) -> None:
    ((secret_id, secret),) = synthesis.resources("AWS::SecretsManager::Secret").items()
    assert secret["DeletionPolicy"] == "Retain"
    (initialiser,) = synthesis.resources("Custom::SunlightDataKey").values()
    assert ref_id(initialiser["Properties"]["SecretId"]) == secret_id
    for function in synthesis.stack.compute.functions.values():
        depends_on = synthesis.cfn["Resources"][synthesis.logical_id(function)].get("DependsOn", [])
        assert synthesis.logical_id(synthesis.stack.data.data_key_initialiser) in depends_on


def test_the_initialiser_writes_base64_of_32_random_bytes_on_create_only() -> None:
    calls: list[dict[str, str]] = []
    sent: list[dict[str, Any]] = []

    class Secrets:
        def put_secret_value(self, **kwargs: str) -> None:
            calls.append(kwargs)

    event = {
        "RequestType": "Create",
        "ResourceProperties": {"SecretId": "arn:secret"},
        "ResponseURL": "https://r",
        "StackId": "s",
        "RequestId": "r",
        "LogicalResourceId": "DataKeyValue",
    }
    send = lambda url, body: sent.append(json.loads(body))  # noqa: E731
    data_key.handler(event, None, secrets=Secrets(), send=send)
    (call,) = calls
    assert call["SecretId"] == "arn:secret"
    assert len(base64.b64decode(call["SecretString"], validate=True)) == 32
    assert sent[-1]["Status"] == "SUCCESS"

    for request_type in ("Update", "Delete"):
        data_key.handler(
            {**event, "RequestType": request_type, "PhysicalResourceId": sent[0]["PhysicalResourceId"]},
            None,
            secrets=Secrets(),
            send=send,
        )
        assert sent[-1]["Status"] == "SUCCESS"
        assert sent[-1]["PhysicalResourceId"] == sent[0]["PhysicalResourceId"]
    assert len(calls) == 1


def test_the_initialiser_reports_a_failure_instead_of_hanging() -> None:
    class Broken:
        def put_secret_value(self, **kwargs: str) -> None:
            raise RuntimeError("AccessDenied")

    sent: list[dict[str, Any]] = []
    event = {
        "RequestType": "Create",
        "ResourceProperties": {"SecretId": "arn:secret"},
        "ResponseURL": "https://r",
        "StackId": "s",
        "RequestId": "r",
        "LogicalResourceId": "DataKeyValue",
    }
    data_key.handler(event, None, secrets=Broken(), send=lambda url, body: sent.append(json.loads(body)))
    assert sent[0]["Status"] == "FAILED"
    assert "AccessDenied" in sent[0]["Reason"]
