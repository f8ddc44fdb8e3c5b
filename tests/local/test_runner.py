"""`sunlight run` end to end on fake handlers: keys, catalogue, the gateway, and a restart."""

from __future__ import annotations

import json
import sys
import textwrap
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sunlight import spec
from sunlight.local.cloud import client
from sunlight.local.runner import LocalSystem, RunOptions, key_hash

pytestmark = pytest.mark.integration

AUTHORIZER = """
    import hashlib, os
    import boto3

    def handler(event, context):
        key = {k.lower(): v for k, v in (event.get("headers") or {}).items()}.get("x-api-key")
        table = os.environ["SUNLIGHT_TABLE_PRINCIPALS"]
        digest = hashlib.sha256((key or "").encode()).hexdigest()
        item = boto3.client("dynamodb").get_item(TableName=table, Key={"key_hash": {"S": digest}}).get("Item")
        if not item:
            raise Exception("Unauthorized")
        return {
            "principalId": item.get("dept_code", {"S": "office"})["S"],
            "policyDocument": {"Version": "2012-10-17", "Statement": [
                {"Action": "execute-api:Invoke", "Effect": "Allow", "Resource": event["methodArn"]}]},
            "context": {"role": item["role"]["S"], "region_code": item["region_code"]["S"]},
        }
"""

API = """
    import json, os
    import boto3

    def handler(event, context):
        items = boto3.client("dynamodb").scan(TableName=os.environ["SUNLIGHT_TABLE_CATALOG"])["Items"]
        body = {"count": len(items), "role": event["requestContext"]["authorizer"]["role"],
                "first": json.loads(items[0]["data"]["S"]) if items else None}
        return {"statusCode": 200, "headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
"""

HANDLER_PACKAGES = ("api", "authorizer", "rule_check", "park")


@pytest.fixture
def fake_spec_functions(tmp_path: Path) -> Iterator[Path]:
    """A functions folder with the spec's own names; the real handler modules come back afterwards."""
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] in HANDLER_PACKAGES}
    folder = tmp_path / "functions"
    for name, source in (("api", API), ("authorizer", AUTHORIZER)):
        (folder / name).mkdir(parents=True)
        (folder / name / "handler.py").write_text(textwrap.dedent(source), encoding="utf-8")
    yield folder
    for name in [n for n in sys.modules if n.split(".")[0] in HANDLER_PACKAGES]:
        del sys.modules[name]
    sys.modules.update(saved)


def get(url: str, key: str | None = None) -> tuple[int, Any]:
    request = urllib.request.Request(url, headers={"x-api-key": key} if key else {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


def test_run_serves_the_sample_catalogue_with_stable_keys_and_survives_a_restart(
    fake_spec_functions: Path, tmp_path: Path
) -> None:
    data = tmp_path / "data"
    options = RunOptions(data=data, port=0, cloud_port=0, functions_dir=fake_spec_functions, dump_every=3600)

    with LocalSystem(options) as system:
        assert system.gateway is not None
        keys = json.loads((data / "keys.json").read_text())["keys"]
        office = next(k for k in keys if k["role"] == "office")
        departments = [k for k in keys if k["role"] == "department"]
        assert (office["region_code"], len(departments)) == ("330100", 42)
        stored = client("dynamodb").get_item(
            TableName=spec.PRINCIPALS.physical("local"),
            Key={"key_hash": {"S": key_hash(departments[0]["key"])}},
        )["Item"]
        assert {k: v["S"] for k, v in stored.items() if k != "key_hash"} == {
            "role": "department",
            "dept_code": departments[0]["dept_code"],
            "region_code": departments[0]["region_code"],
            "name": departments[0]["name"],
        }

        status, answer = get(f"{system.gateway.url}/v1/items", office["key"])
        assert (status, answer["count"], answer["role"]) == (200, 336, "office")
        assert {"item_code", "dept_code", "statutory_limit"} <= set(answer["first"])
        assert get(f"{system.gateway.url}/v1/items")[0] == 401

        banner = system.banner()
        assert f"{system.gateway.url}/v1/openapi.json" in banner
        assert office["key"] in banner
        assert sum(k["key"] in banner for k in departments) == 3
        assert str(data / "keys.json") in banner and "sunlight push" in banner
        client("dynamodb").put_item(TableName=spec.CASES.physical("local"), Item={"case_no": {"S": "OPEN-1"}})

    assert json.loads((data / "tables" / "cases.json").read_text())["items"] == [{"case_no": {"S": "OPEN-1"}}]

    with LocalSystem(options) as again:
        assert again.gateway is not None
        assert json.loads((data / "keys.json").read_text())["keys"] == keys
        assert again.open_cases == ["OPEN-1"]
        assert "1 open cases were restored" in again.banner()
        status, answer = get(f"{again.gateway.url}/v1/items", departments[5]["key"])
        assert (status, answer["count"], answer["role"]) == (200, 336, "department")
