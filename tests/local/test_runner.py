"""`sunlight run` end to end on fake handlers: keys, catalogue, the gateway, and a restart; and its
scheduler, which runs the nightly scoring shortly after start and then every `score_every` seconds."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import sys
import textwrap
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sunlight.app import spec
from sunlight.app.bootstrap import clear_caches
from sunlight.devtools.local.cloud import client
from sunlight.devtools.local.runner import LocalSystem, RunOptions, key_hash

from tests.waiting import wait_for

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

# Notes each scheduled run in the scores table: the event it got, and that it was told the table.
SCORING = """
    import os, time
    import boto3

    def handler(event, context):
        boto3.client("dynamodb").put_item(
            TableName=os.environ["SUNLIGHT_TABLE_SCORES"],
            Item={"pk": {"S": "fake-run"}, "sk": {"S": repr(time.time())},
                  "source": {"S": event["source"]}, "detail_type": {"S": event["detail-type"]}},
        )
        return {"scored": [], "drift": {"drifted_counts": 0, "drift": ["not", "logged"]}}
"""

HANDLER_PACKAGES = ("api", "authorizer", "rule_check", "park", "scoring")


@pytest.fixture
def fake_spec_functions(tmp_path: Path) -> Iterator[Path]:
    """A functions folder with the spec's own names; the real handler modules come back afterwards."""
    saved = {n: m for n, m in sys.modules.items() if n.split(".")[0] in HANDLER_PACKAGES}
    folder = tmp_path / "functions"
    for name, source in (("api", API), ("authorizer", AUTHORIZER), ("scoring", SCORING)):
        (folder / name).mkdir(parents=True)
        (folder / name / "handler.py").write_text(textwrap.dedent(source), encoding="utf-8")
    yield folder
    for name in [n for n in sys.modules if n.split(".")[0] in HANDLER_PACKAGES]:
        del sys.modules[name]
    sys.modules.update(saved)


def scores_items(pk: str | None = None) -> list[dict[str, Any]]:
    items = client("dynamodb").scan(TableName=spec.SCORES.physical("local"), ConsistentRead=True)["Items"]
    return [i for i in items if pk is None or i["pk"]["S"] == pk]


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


def test_the_scheduler_runs_the_scoring_at_once_and_then_every_interval(
    fake_spec_functions: Path, tmp_path: Path
) -> None:
    options = RunOptions(
        data=tmp_path / "data",
        port=0,
        cloud_port=0,
        functions_dir=fake_spec_functions,
        dump_every=3600,
        sweep_every=0,
        score_every=0.5,
    )
    with LocalSystem(options):
        runs = wait_for(lambda: len(found := scores_items("fake-run")) >= 3 and found, "three scoring runs")
    assert {(r["source"]["S"], r["detail_type"]["S"]) for r in runs} == {("aws.events", "Scheduled Event")}
    times = sorted(float(r["sk"]["S"]) for r in runs)
    assert all(later - earlier >= 0.4 for earlier, later in itertools.pairwise(times))


def test_the_first_scoring_comes_shortly_after_start_and_none_when_disabled(
    fake_spec_functions: Path, tmp_path: Path
) -> None:
    common: dict[str, Any] = {
        "port": 0,
        "cloud_port": 0,
        "functions_dir": fake_spec_functions,
        "dump_every": 3600,
        "sweep_every": 0,
    }
    with LocalSystem(RunOptions(data=tmp_path / "on", **common)) as system:
        assert system.options.score_every == 600  # the default: not ten minutes before the first run
        assert wait_for(lambda: scores_items("fake-run"), "a scoring run")
    with LocalSystem(RunOptions(data=tmp_path / "off", score_every=0, **common)) as system:
        assert "sunlight-scoring" not in {t.name for t in system._threads}
        time.sleep(1)
        assert scores_items("fake-run") == []


def test_the_real_scoring_handler_scores_the_open_months(tmp_path: Path) -> None:
    """The scoring function as provisioned (its tables' variables, the data key) runs the real handler:
    the current month gets its head item (score#<month>, ~head)."""
    clear_caches()
    options = RunOptions(data=tmp_path / "data", port=0, cloud_port=0, dump_every=3600, score_every=1)
    try:
        with LocalSystem(options) as system:
            assert system.provisioned is not None
            env = system.provisioned.functions["scoring"].environment
            assert {spec.SCORES.env, spec.CASES.env, spec.RECORDS.env} <= set(env)
            month = f"{dt.datetime.now(dt.timezone(dt.timedelta(hours=8))):%Y-%m}"
            (head,) = wait_for(
                lambda: [i for i in scores_items(f"score#{month}") if i["sk"]["S"] == "~head"],
                f"the scores of {month} to be kept",
            )
            assert head["final"] == {"BOOL": False}
    finally:
        clear_caches()
