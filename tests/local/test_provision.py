"""Provisioning makes exactly the resources of `sunlight.spec`, and makes them again harmlessly."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from sunlight import spec
from sunlight.local.cloud import LocalCloud, client
from sunlight.local.provision import (
    DATA_KEY_ENV,
    describe_local_tables,
    function_name,
    provision,
    state_machine_definition,
)

pytestmark = pytest.mark.integration

ASL = spec.STATE_MACHINE_FILE if spec.STATE_MACHINE_FILE.exists() else None


def expected_tables() -> dict[str, dict[str, object]]:
    """What each table must look like, written from spec independently of the provisioner."""
    expected: dict[str, dict[str, object]] = {}
    for table in spec.TABLES:
        keys = [(table.partition, "HASH"), *([(table.sort, "RANGE")] if table.sort else [])]
        attributes = {k.name: k.type for k, _ in keys}
        indexes = []
        for index in table.indexes:
            index_keys = [(index.partition, "HASH"), *([(index.sort, "RANGE")] if index.sort else [])]
            attributes.update({k.name: k.type for k, _ in index_keys})
            indexes.append(
                {
                    "IndexName": index.name,
                    "KeySchema": [{"AttributeName": k.name, "KeyType": t} for k, t in index_keys],
                    "Projection": {"ProjectionType": "ALL"},
                }
            )
        expected[table.logical] = {
            "KeySchema": [{"AttributeName": k.name, "KeyType": t} for k, t in keys],
            "AttributeDefinitions": [
                {"AttributeName": n, "AttributeType": t} for n, t in sorted(attributes.items())
            ],
            "GlobalSecondaryIndexes": sorted(indexes, key=lambda i: str(i["IndexName"])),
            "BillingMode": "PAY_PER_REQUEST",
        }
    return expected


def test_provisioning_creates_exactly_the_tables_and_indexes_of_spec(cloud: LocalCloud) -> None:
    provision(state_machine_file=ASL)

    names = client("dynamodb").list_tables()["TableNames"]
    assert sorted(names) == sorted(t.physical("local") for t in spec.TABLES)
    assert describe_local_tables() == expected_tables()


def test_each_function_gets_its_handler_tables_workflow_and_data_key(cloud: LocalCloud) -> None:
    made = provision(state_machine_file=ASL)

    lambda_ = client("lambda")
    listed = sorted(f["FunctionName"] for f in lambda_.list_functions()["Functions"])
    assert listed == sorted(function_name(fn) for fn in spec.FUNCTIONS)
    for fn in spec.FUNCTIONS:
        config = lambda_.get_function_configuration(FunctionName=function_name(fn))
        assert config["Handler"] == fn.handler
        assert (config["MemorySize"], config["Timeout"]) == (fn.memory_mb, fn.timeout_s)
        env = config["Environment"]["Variables"]
        table_vars = {k: v for k, v in env.items() if k.startswith("SUNLIGHT_TABLE_")}
        assert table_vars == {t.env: t.physical("local") for t in spec.TABLES if t.logical in fn.tables}
        assert env["SUNLIGHT_STAGE"] == "local"
        assert env["POWERTOOLS_SERVICE_NAME"] == "sunlight"
        assert env[spec.STATE_MACHINE_ENV] == made.state_machine_arn
        assert env[DATA_KEY_ENV] == made.data_key_secret_arn
        assert made.functions[fn.logical].environment == env


def test_the_data_key_secret_holds_32_random_bytes(cloud: LocalCloud) -> None:
    made = provision(state_machine_file=ASL)

    secret = client("secretsmanager").get_secret_value(SecretId=made.data_key_secret_arn)["SecretString"]
    assert len(base64.b64decode(secret, validate=True)) == 32


@pytest.mark.skipif(ASL is None, reason="statemachines/approval_case.asl.json does not exist yet")
def test_the_case_workflow_is_the_asl_file_with_function_arns_substituted(cloud: LocalCloud) -> None:
    made = provision()

    sfn = client("stepfunctions")
    machine = sfn.describe_state_machine(stateMachineArn=made.state_machine_arn)
    assert machine["name"] == "sunlight-local-approval-case"
    assert "${" not in machine["definition"]
    for logical in spec.STATE_MACHINE_SUBSTITUTIONS.values():
        assert made.functions[logical].arn in machine["definition"]
    assert (
        json.loads(machine["definition"])["StartAt"]
        == json.loads(spec.STATE_MACHINE_FILE.read_text())["StartAt"]
    )


def test_provisioning_again_keeps_items_secret_and_resources(cloud: LocalCloud) -> None:
    first = provision(state_machine_file=ASL, data_key=base64.b64encode(b"k" * 32).decode())
    dynamodb = client("dynamodb")
    dynamodb.put_item(TableName=spec.CASES.physical("local"), Item={"case_no": {"S": "C1"}})

    second = provision(state_machine_file=ASL, data_key=base64.b64encode(b"k" * 32).decode())

    assert second == first
    assert dynamodb.get_item(TableName=spec.CASES.physical("local"), Key={"case_no": {"S": "C1"}})["Item"]
    assert len(client("lambda").list_functions()["Functions"]) == len(spec.FUNCTIONS)
    assert len(client("secretsmanager").list_secrets()["SecretList"]) == 1
    if ASL is not None:
        assert len(client("stepfunctions").list_state_machines()["stateMachines"]) == 1


def test_a_given_data_key_replaces_the_secret_value(cloud: LocalCloud) -> None:
    provision(state_machine_file=ASL)
    key = base64.b64encode(b"z" * 32).decode()

    made = provision(state_machine_file=ASL, data_key=key)

    assert client("secretsmanager").get_secret_value(SecretId=made.data_key_secret_arn)["SecretString"] == key


def test_a_table_of_another_shape_is_recreated_as_spec_says(cloud: LocalCloud) -> None:
    client("dynamodb").create_table(
        TableName=spec.ALERTS.physical("local"),
        KeySchema=[{"AttributeName": "wrong", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "wrong", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )

    provision(state_machine_file=ASL)

    assert describe_local_tables()["alerts"] == expected_tables()["alerts"]


def test_a_placeholder_without_substitution_is_refused(tmp_path: Path) -> None:
    asl = tmp_path / "machine.asl.json"
    asl.write_text(
        '{"StartAt": "A", "States": {"A": {"Type": "Task", "Resource": "${NoSuchArn}", "End": true}}}'
    )

    with pytest.raises(ValueError, match=r"\$\{NoSuchArn\}"):
        state_machine_definition(asl, {"rule_check": "arn:r", "park": "arn:p"})


def test_the_cloud_gives_the_environment_back_when_it_stops() -> None:
    before = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "MOTO_PORT", "AWS_ACCESS_KEY_ID")}
    with LocalCloud(port=0) as running:
        assert os.environ["AWS_ENDPOINT_URL"] == running.endpoint
        assert os.environ["MOTO_PORT"] == str(running.port)
    assert {k: os.environ.get(k) for k in before} == before
