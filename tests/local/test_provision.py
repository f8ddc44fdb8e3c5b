"""Provisioning makes exactly the resources of `sunlight.app.spec`, and makes them again harmlessly."""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path

import pytest
from sunlight.app import spec
from sunlight.devtools.local.cloud import LocalCloud, client
from sunlight.devtools.local.provision import (
    DATA_KEY_ENV,
    describe_local_tables,
    function_environment,
    function_name,
    provision,
    state_machine_definition,
)
from sunlight.kernel.settings import StageDefaults

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
        for machine in spec.STATE_MACHINES:
            if machine in spec.starts(fn):
                assert env[machine.env] == made.state_machine_arns[machine.name]
            else:
                assert machine.env not in env, (fn.logical, machine.name)
        assert {k: env[k] for k in StageDefaults().to_environment()} == StageDefaults().to_environment()
        assert StageDefaults.from_environment(env) == StageDefaults()
        assert env[DATA_KEY_ENV] == made.data_key_secret_arn
        assert made.functions[fn.logical].environment == env
    by_name = {fn.logical: fn for fn in spec.FUNCTIONS}
    assert made.functions["api"].environment[spec.STATE_MACHINE_ENV] == made.state_machine_arn
    assert made.functions["api"].environment[spec.RECOMPUTE.env] == made.state_machine_arns["recompute"]
    assert spec.starts(by_name["api"]) == (spec.APPROVAL_CASE, spec.RECOMPUTE)


def test_the_stage_settings_given_reach_every_function(cloud: LocalCloud) -> None:
    defaults = StageDefaults(
        time_zone="Asia/Urumqi",
        office_hours=("09:00", "18:00"),
        city_region_code="650100",
        settings_cache_seconds=5,
    )
    made = provision(state_machine_file=ASL, defaults=defaults)

    lambda_ = client("lambda")
    for fn in spec.FUNCTIONS:
        env = lambda_.get_function_configuration(FunctionName=function_name(fn))["Environment"]["Variables"]
        assert StageDefaults.from_environment(env) == defaults
        assert env["SUNLIGHT_OFFICE_HOURS"] == "09:00-18:00"
        assert made.functions[fn.logical].environment == env


def test_function_environment_names_only_the_machines_a_function_starts() -> None:
    arns = {machine.name: f"arn:{machine.name}" for machine in spec.STATE_MACHINES}
    by_name = {fn.logical: fn for fn in spec.FUNCTIONS}
    api = function_environment(by_name["api"], "local", arns, "arn:secret")
    park = function_environment(by_name["park"], "local", arns, "arn:secret")
    recompute = function_environment(by_name["recompute"], "local", arns, "arn:secret")
    assert (api[spec.STATE_MACHINE_ENV], api[spec.RECOMPUTE.env]) == ("arn:approval-case", "arn:recompute")
    assert park[spec.STATE_MACHINE_ENV] == "arn:approval-case" and spec.RECOMPUTE.env not in park
    assert not {m.env for m in spec.STATE_MACHINES} & set(recompute)
    assert StageDefaults.from_environment(recompute) == StageDefaults()


def test_the_data_key_secret_holds_32_random_bytes(cloud: LocalCloud) -> None:
    made = provision(state_machine_file=ASL)

    secret = client("secretsmanager").get_secret_value(SecretId=made.data_key_secret_arn)["SecretString"]
    assert len(base64.b64decode(secret, validate=True)) == 32


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_each_workflow_is_its_asl_file_with_function_arns_substituted(
    cloud: LocalCloud, machine: spec.StateMachine
) -> None:
    if not machine.file.exists():
        pytest.skip(f"{machine.file} does not exist yet")
    made = provision()

    sfn = client("stepfunctions")
    assert made.state_machines_created[machine.name]
    described = sfn.describe_state_machine(stateMachineArn=made.state_machine_arns[machine.name])
    assert described["name"] == f"sunlight-local-{machine.name}"
    assert "${" not in described["definition"]
    for logical in machine.substitutions.values():
        assert made.functions[logical].arn in described["definition"]
    assert json.loads(described["definition"])["StartAt"] == json.loads(machine.file.read_text())["StartAt"]
    if machine == spec.APPROVAL_CASE:
        assert made.state_machine_arn == made.state_machine_arns[machine.name]
        assert made.state_machine_created


def test_a_machine_whose_file_is_missing_is_not_made_and_the_others_are(
    cloud: LocalCloud, tmp_path: Path
) -> None:
    made = provision(state_machine_files={"recompute": tmp_path / "none.asl.json"})

    assert made.state_machines_created == {"approval-case": True, "recompute": False}
    listed = {m["name"] for m in client("stepfunctions").list_state_machines()["stateMachines"]}
    assert listed == {"sunlight-local-approval-case"}
    # Its starters are still told where it will be.
    assert made.functions["api"].environment[spec.RECOMPUTE.env] == made.state_machine_arns["recompute"]


def test_provisioning_again_keeps_items_secret_and_resources(cloud: LocalCloud) -> None:
    first = provision(state_machine_file=ASL, data_key=base64.b64encode(b"k" * 32).decode())
    dynamodb = client("dynamodb")
    dynamodb.put_item(TableName=spec.CASES.physical("local"), Item={"case_no": {"S": "C1"}})

    second = provision(state_machine_file=ASL, data_key=base64.b64encode(b"k" * 32).decode())

    assert second == first
    assert dynamodb.get_item(TableName=spec.CASES.physical("local"), Key={"case_no": {"S": "C1"}})["Item"]
    assert len(client("lambda").list_functions()["Functions"]) == len(spec.FUNCTIONS)
    assert len(client("secretsmanager").list_secrets()["SecretList"]) == 1
    machines = client("stepfunctions").list_state_machines()["stateMachines"]
    assert sorted(m["stateMachineArn"] for m in machines) == sorted(
        arn for name, arn in first.state_machine_arns.items() if first.state_machines_created[name]
    )


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
    with pytest.raises(ValueError, match=r"\$\{NoSuchArn\}"):
        state_machine_definition(asl, {"recompute": "arn:c"}, spec.RECOMPUTE.substitutions)


@pytest.mark.parametrize("machine", spec.STATE_MACHINES, ids=lambda m: m.name)
def test_no_placeholder_is_left_in_any_spec_asl(machine: spec.StateMachine) -> None:
    arns = {
        logical: f"arn:aws:lambda:cn-north-1:000000000000:function:{logical}"
        for logical in machine.substitutions.values()
    }
    text = state_machine_definition(machine.file, arns, machine.substitutions)
    assert "${" not in text
    json.loads(text)


def test_the_cloud_gives_the_environment_back_when_it_stops() -> None:
    before = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "MOTO_PORT", "AWS_ACCESS_KEY_ID")}
    with LocalCloud(port=0) as running:
        assert os.environ["AWS_ENDPOINT_URL"] == running.endpoint
        assert os.environ["MOTO_PORT"] == str(running.port)
    assert {k: os.environ.get(k) for k in before} == before
