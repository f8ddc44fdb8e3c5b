"""Create the local deployment's resources from `sunlight.app.spec`, and nothing else: the tables and
their indexes, the data-key secret, one Lambda function per handler (told the stage's settings,
`sunlight.kernel.settings.StageDefaults`), and every state machine of `spec.STATE_MACHINES` (the case
workflow, the recompute workflow) from its ASL file with the functions' ARNs substituted.

Provisioning is idempotent: what already exists with the right shape is kept (a table keeps its
items), what differs is updated or, for a table whose keys or indexes changed, recreated.
"""

from __future__ import annotations

import base64
import io
import json
import logging
import re
import secrets
import zipfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sunlight.app import spec
from sunlight.devtools.local.cloud import ACCOUNT_ID, REGION, client
from sunlight.devtools.local.invoker import RUNTIME, FunctionRuntime
from sunlight.kernel.settings import StageDefaults

log = logging.getLogger("sunlight.devtools.local.provision")

STAGE = "local"
DATA_KEY_ENV = "SUNLIGHT_DATA_KEY_SECRET_ARN"
SERVICE_NAME = "sunlight"
_PLACEHOLDER = re.compile(r"\$\{([A-Za-z0-9_]+)\}")
_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": ["lambda.amazonaws.com", "states.amazonaws.com"]},
            "Action": "sts:AssumeRole",
        }
    ],
}


@dataclass(frozen=True)
class Provisioned:
    """What provisioning made: physical names and ARNs, and each function's runtime."""

    stage: str
    tables: dict[str, str]  # logical -> physical name
    functions: dict[str, FunctionRuntime]  # logical -> name, handler, environment, ARN
    state_machine_arn: str  # the approval case's (spec.APPROVAL_CASE)
    state_machine_created: bool
    data_key_secret_arn: str
    state_machine_arns: dict[str, str]  # every spec machine's ARN, by name (what its starters are told)
    state_machines_created: dict[
        str, bool
    ]  # by name: False if its ASL file or a function it invokes is missing


def function_name(fn: spec.Function, stage: str = STAGE) -> str:
    """`sunlight-local-rule-check`: the stack's naming (infra/names.py)."""
    return f"sunlight-{stage}-{fn.logical.replace('_', '-')}"


def state_machine_name(stage: str = STAGE, machine: spec.StateMachine = spec.APPROVAL_CASE) -> str:
    """`sunlight-local-recompute`: the stack's naming (infra/names.py)."""
    return f"sunlight-{stage}-{machine.name}"


def state_machine_arn(stage: str = STAGE, machine: spec.StateMachine = spec.APPROVAL_CASE) -> str:
    return f"arn:aws:states:{REGION}:{ACCOUNT_ID}:stateMachine:{state_machine_name(stage, machine)}"


def function_arn(fn: spec.Function, stage: str = STAGE) -> str:
    return f"arn:aws:lambda:{REGION}:{ACCOUNT_ID}:function:{function_name(fn, stage)}"


# -- tables -----------------------------------------------------------------------------------------


def _key_schema(partition: spec.Key, sort: spec.Key | None) -> list[dict[str, str]]:
    schema = [{"AttributeName": partition.name, "KeyType": "HASH"}]
    if sort is not None:
        schema.append({"AttributeName": sort.name, "KeyType": "RANGE"})
    return schema


def attribute_definitions(table: spec.Table) -> list[dict[str, str]]:
    """Every key attribute of the table and its indexes, once each."""
    keys = [table.partition, table.sort]
    for index in table.indexes:
        keys += [index.partition, index.sort]
    types: dict[str, str] = {}
    for key in keys:
        if key is None:
            continue
        if types.setdefault(key.name, key.type) != key.type:
            raise ValueError(
                f"table {table.logical}: attribute {key.name} is both {types[key.name]} and {key.type}"
            )
    return [{"AttributeName": name, "AttributeType": kind} for name, kind in types.items()]


def table_definition(table: spec.Table, stage: str = STAGE) -> dict[str, Any]:
    """`create_table` arguments for `table`: on-demand, every index projecting all attributes."""
    definition: dict[str, Any] = {
        "TableName": table.physical(stage),
        "KeySchema": _key_schema(table.partition, table.sort),
        "AttributeDefinitions": attribute_definitions(table),
        "BillingMode": "PAY_PER_REQUEST",
    }
    if table.indexes:
        definition["GlobalSecondaryIndexes"] = [
            {
                "IndexName": index.name,
                "KeySchema": _key_schema(index.partition, index.sort),
                "Projection": {"ProjectionType": "ALL"},
            }
            for index in table.indexes
        ]
    return definition


def _shape(description: dict[str, Any]) -> dict[str, Any]:
    """The parts of a table description that spec decides, in a comparable order."""
    return {
        "KeySchema": description["KeySchema"],
        "AttributeDefinitions": sorted(description["AttributeDefinitions"], key=lambda a: a["AttributeName"]),
        "GlobalSecondaryIndexes": sorted(
            (
                {"IndexName": i["IndexName"], "KeySchema": i["KeySchema"], "Projection": i["Projection"]}
                for i in description.get("GlobalSecondaryIndexes") or []
            ),
            key=lambda i: i["IndexName"],
        ),
        "BillingMode": (description.get("BillingModeSummary") or {}).get(
            "BillingMode", description.get("BillingMode", "PROVISIONED")
        ),
    }


def _ensure_table(dynamodb: Any, table: spec.Table, stage: str) -> None:
    wanted = table_definition(table, stage)
    name = wanted["TableName"]
    try:
        existing = dynamodb.describe_table(TableName=name)["Table"]
    except dynamodb.exceptions.ResourceNotFoundException:
        existing = None
    if existing is not None:
        if _shape(existing) == _shape(wanted):
            return
        log.warning("table %s has other keys or indexes than spec: recreating it (its items are lost)", name)
        dynamodb.delete_table(TableName=name)
        dynamodb.get_waiter("table_not_exists").wait(TableName=name, WaiterConfig={"Delay": 1})
    dynamodb.create_table(**wanted)
    dynamodb.get_waiter("table_exists").wait(TableName=name, WaiterConfig={"Delay": 1})


def describe_local_tables(stage: str = STAGE) -> dict[str, dict[str, Any]]:
    """Per logical table: KeySchema, AttributeDefinitions, GlobalSecondaryIndexes (name, keys,
    projection) and BillingMode, as DynamoDB's `describe_table` reports them."""
    dynamodb = client("dynamodb")
    return {
        table.logical: _shape(dynamodb.describe_table(TableName=table.physical(stage))["Table"])
        for table in spec.TABLES
    }


# -- secret, role, functions, state machine ---------------------------------------------------------


def _ensure_data_key(data_key: str | None, stage: str) -> str:
    """The secret holding the personal-data key (32 random bytes, base64); `data_key` wins if given."""
    sm = client("secretsmanager")
    name = f"sunlight-{stage}/data-key"
    try:
        arn: str = sm.describe_secret(SecretId=name)["ARN"]
    except sm.exceptions.ResourceNotFoundException:
        value = data_key or new_data_key()
        return str(sm.create_secret(Name=name, SecretString=value)["ARN"])
    if data_key and sm.get_secret_value(SecretId=arn)["SecretString"] != data_key:
        sm.put_secret_value(SecretId=arn, SecretString=data_key)
    return arn


def new_data_key() -> str:
    return base64.b64encode(secrets.token_bytes(32)).decode()


def _ensure_role(stage: str) -> str:
    iam = client("iam")
    name = f"sunlight-{stage}-execution"
    try:
        return str(iam.get_role(RoleName=name)["Role"]["Arn"])
    except iam.exceptions.NoSuchEntityException:
        return str(iam.create_role(RoleName=name, AssumeRolePolicyDocument=json.dumps(_TRUST))["Role"]["Arn"])


def _placeholder_zip() -> bytes:
    """moto wants code; the local invoker runs functions/ from the source tree instead."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("README.txt", "The local mode runs the handler from functions/ in-process.\n")
    return buffer.getvalue()


def function_environment(
    fn: spec.Function,
    stage: str,
    state_machines: Mapping[str, str],
    data_key_secret_arn: str,
    documents_bucket: str = "",
    alert_topics: dict[str, str] | None = None,
    defaults: StageDefaults | None = None,
) -> dict[str, str]:
    """The function's environment: its tables, the stage's settings (`defaults`, StageDefaults() if
    None), the ARN of each machine it starts (`state_machines`: ARN by machine name), the data key,
    and the documents bucket and alert topics if its spec entry asks for them."""
    tables = {t.logical: t for t in spec.TABLES}
    env = {tables[name].env: tables[name].physical(stage) for name in fn.tables}
    env.update(
        {
            "SUNLIGHT_STAGE": stage,
            **(defaults or StageDefaults()).to_environment(),
            DATA_KEY_ENV: data_key_secret_arn,
            "POWERTOOLS_SERVICE_NAME": SERVICE_NAME,
            spec.FUNCTION_ENV: fn.logical,
        }
    )
    env.update({machine.env: state_machines[machine.name] for machine in spec.starts(fn)})
    if fn.writes_documents and documents_bucket:
        env[spec.DOCUMENTS_ENV] = documents_bucket
    if fn.sends_text and alert_topics:
        env[spec.ALERT_TOPICS_ENV] = json.dumps(alert_topics)
    return env


def documents_bucket_name(stage: str) -> str:
    return f"sunlight-{stage}-{spec.DOCUMENTS_BUCKET}"


def _ensure_documents_bucket(stage: str) -> str:
    s3, name = client("s3"), documents_bucket_name(stage)
    try:
        s3.head_bucket(Bucket=name)
    except Exception:
        s3.create_bucket(Bucket=name)
    return name


def _ensure_alert_topics(stage: str) -> dict[str, str]:
    """One topic per alert level (create_topic is idempotent)."""
    sns = client("sns")
    return {
        level: str(sns.create_topic(Name=f"sunlight-{stage}-{level}")["TopicArn"]) for level in spec.LEVELS
    }


def _ensure_function(lambda_: Any, fn: spec.Function, role: str, env: dict[str, str], stage: str) -> str:
    name = function_name(fn, stage)
    config = {
        "FunctionName": name,
        "Handler": fn.handler,
        "Role": role,
        "Runtime": RUNTIME,
        "MemorySize": fn.memory_mb,
        "Timeout": fn.timeout_s,
        "Environment": {"Variables": env},
        "Description": fn.purpose,
    }
    try:
        lambda_.get_function(FunctionName=name)
    except lambda_.exceptions.ResourceNotFoundException:
        return str(lambda_.create_function(Code={"ZipFile": _placeholder_zip()}, **config)["FunctionArn"])
    return str(lambda_.update_function_configuration(**config)["FunctionArn"])


def state_machine_definition(
    path: Path,
    function_arns: Mapping[str, str],
    substitutions: Mapping[str, str] = spec.STATE_MACHINE_SUBSTITUTIONS,
) -> str:
    """The ASL at `path` with each `${Key}` of `substitutions` (a machine's, the approval case's by
    default) replaced by the ARN of the function it names; any placeholder left over is an error, as
    in the CDK stack."""
    text = path.read_text(encoding="utf-8")
    for placeholder, logical in substitutions.items():
        text = text.replace("${" + placeholder + "}", function_arns[logical])
    left = sorted(set(_PLACEHOLDER.findall(text)))
    if left:
        raise ValueError(f"{path}: no substitution for {', '.join('${' + p + '}' for p in left)}")
    json.loads(text)  # fail here, with the file's name, rather than inside Step Functions
    return text


def _ensure_state_machine(definition: str, role: str, stage: str, machine: spec.StateMachine) -> str:
    sfn = client("stepfunctions")
    name = state_machine_name(stage, machine)
    for page in sfn.get_paginator("list_state_machines").paginate():
        for existing in page["stateMachines"]:
            if existing["name"] == name:
                sfn.update_state_machine(stateMachineArn=existing["stateMachineArn"], definition=definition)
                return str(existing["stateMachineArn"])
    return str(sfn.create_state_machine(name=name, definition=definition, roleArn=role)["stateMachineArn"])


def provision(
    stage: str = STAGE,
    *,
    state_machine_file: Path | None = None,
    state_machine_files: Mapping[str, Path] | None = None,
    data_key: str | None = None,
    functions: Iterable[spec.Function] = spec.FUNCTIONS,
    defaults: StageDefaults | None = None,
) -> Provisioned:
    """Create or update every resource of the local deployment; call after `LocalCloud.start()`.

    Each machine of `spec.STATE_MACHINES` is made from its spec file, unless `state_machine_file`
    (the approval case's) or `state_machine_files` (by machine name) say otherwise. A machine whose
    file does not exist, or that invokes a function not among `functions`, is not made (a warning),
    but its starters are still told its ARN. `defaults` are the stage's settings every function gets
    (StageDefaults() if None)."""
    dynamodb = client("dynamodb")
    for table in spec.TABLES:
        _ensure_table(dynamodb, table, stage)
    secret_arn = _ensure_data_key(data_key, stage)
    bucket, topics = _ensure_documents_bucket(stage), _ensure_alert_topics(stage)
    role = _ensure_role(stage)
    machine_arns = {machine.name: state_machine_arn(stage, machine) for machine in spec.STATE_MACHINES}
    settings = defaults or StageDefaults()
    lambda_ = client("lambda")
    runtimes: dict[str, FunctionRuntime] = {}
    arns: dict[str, str] = {}
    for fn in functions:
        env = function_environment(fn, stage, machine_arns, secret_arn, bucket, topics, settings)
        arns[fn.logical] = _ensure_function(lambda_, fn, role, env, stage)
        runtimes[fn.logical] = FunctionRuntime(
            function_name(fn, stage), fn.handler, env, arns[fn.logical], fn.memory_mb, fn.timeout_s
        )
    files = {machine.name: machine.file for machine in spec.STATE_MACHINES}
    if state_machine_file is not None:
        files[spec.APPROVAL_CASE.name] = state_machine_file
    files.update(state_machine_files or {})
    created: dict[str, bool] = {}
    for machine in spec.STATE_MACHINES:
        asl = files[machine.name]
        missing = sorted(set(machine.substitutions.values()) - set(arns))
        if not asl.exists():
            log.warning("%s does not exist yet: no %s state machine", asl, machine.name)
        elif missing:
            log.warning(
                "no %s state machine: it invokes %s, not provisioned", machine.name, ", ".join(missing)
            )
        else:
            definition = state_machine_definition(asl, arns, machine.substitutions)
            made = _ensure_state_machine(definition, role, stage, machine)
            if made != machine_arns[machine.name]:  # the functions were told that ARN; moto must agree
                raise RuntimeError(
                    f"state machine ARN {made} is not the expected {machine_arns[machine.name]}"
                )
        created[machine.name] = asl.exists() and not missing
    return Provisioned(
        stage=stage,
        tables={t.logical: t.physical(stage) for t in spec.TABLES},
        functions=runtimes,
        state_machine_arn=machine_arns[spec.APPROVAL_CASE.name],
        state_machine_created=created[spec.APPROVAL_CASE.name],
        data_key_secret_arn=secret_arn,
        state_machine_arns=machine_arns,
        state_machines_created=created,
    )
