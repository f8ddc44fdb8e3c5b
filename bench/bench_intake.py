"""Intake throughput and the cost of a case in AWS terms.

The sample city's records go through the real API handler (authorizer context, validation, the
hash-chained append, the case workflow's rule check and park steps) on moto, in process. The run
counts, per record, the DynamoDB write and read units the adapters ask for and the Step Functions
state transitions the workflow takes (from the ASL: a check is CheckRules + Concluded?, a wait is
WaitForNextRecord, the end is CaseConcluded), and turns them into a cost per million cases at AWS
list prices. The baseline in the same run is a plain DynamoDB PutItem loop on the same moto, so the
throughput ratio says how many bare writes one record's intake costs here.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT), str(ROOT / "functions")]

import boto3  # noqa: E402
from api.handler import handler as api  # noqa: E402
from botocore.client import BaseClient  # noqa: E402
from moto import mock_aws  # noqa: E402
from sunlight.app import spec  # noqa: E402
from sunlight.app.bootstrap import Settings, build  # noqa: E402
from sunlight.devtools.sample.city import generate  # noqa: E402
from sunlight.kernel.access import Principal  # noqa: E402
from sunlight.kernel.instants import normalised  # noqa: E402

from tests.integration.conftest import REGION, FakeContext, InlineWorkflow, create_tables  # noqa: E402

# AWS list prices, us-east-1, on-demand (USD). Transactional writes cost two write units an item.
PRICES = {
    "dynamodb_write_unit": 0.625 / 1e6,
    "dynamodb_read_unit": 0.125 / 1e6,
    "sfn_transition": 0.025 / 1e3,
    "lambda_request": 0.20 / 1e6,
    "lambda_gb_second_arm": 0.0000133334,
    "apigw_rest_request": 3.50 / 1e6,
}


class Meter:
    """Counts DynamoDB capacity units by operation, from the requests every client sends (pynamodb's
    models and the boto3 client of the tallies alike go through botocore's `_make_api_call`)."""

    def __init__(self) -> None:
        self.units: Counter[str] = Counter()

    def install(self) -> None:
        original = BaseClient._make_api_call
        meter = self

        def counting(client: Any, operation_name: str, operation_kwargs: dict[str, Any]) -> Any:
            if client.meta.service_model.service_name == "dynamodb":
                meter.count(operation_name, operation_kwargs)
            return original(client, operation_name, operation_kwargs)

        BaseClient._make_api_call = counting  # type: ignore[method-assign]
        self._original = original

    def uninstall(self) -> None:
        BaseClient._make_api_call = self._original  # type: ignore[method-assign]

    def count(self, op: str, params: dict[str, Any]) -> None:
        if op in ("PutItem", "UpdateItem", "DeleteItem"):
            self.units["write"] += _units(params)
        elif op == "TransactWriteItems":
            self.units["write"] += 2 * sum(_units(next(iter(i.values()))) for i in params["TransactItems"])
        elif op == "GetItem":
            self.units["read"] += 1 if params.get("ConsistentRead") else 0.5
        elif op in ("Query", "Scan"):
            self.units["read_requests"] += 1


def _units(params: dict[str, Any]) -> int:
    size = len(json.dumps(params.get("Item") or params.get("Key") or {}, ensure_ascii=False).encode())
    return max(1, -(-size // 1024))


def run(quick: bool = False) -> dict[str, float]:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    city = generate(9, dt.date(2026, 10, 12), dt.date(2026, 10, 16 if quick else 30), 6 if quick else 10)
    envelopes = city.envelopes()
    with mock_aws():
        create_tables("bench")
        settings = Settings(
            stage="bench",
            tables={t.logical: t.physical("bench") for t in spec.TABLES},
            data_key=base64.b64decode(base64.b64encode(os.urandom(32))),
        )
        services, _ = build(settings)
        workflow = InlineWorkflow()
        workflow.services = services
        services.workflow = workflow
        for item in city.catalog:
            services.catalog.put(item)
        meter = Meter()
        meter.install()
        now = [city.as_of]
        services.now = lambda: now[0]
        per_record: list[float] = []
        started = time.perf_counter()
        for envelope in envelopes:
            record = envelope["record"]
            now[0] = normalised(dt.datetime.fromisoformat(envelope["received_at"]))
            principal = Principal("department", record["region_code"], record["dept_code"])
            t0 = time.perf_counter()
            response = api(_event({"records": [record]}, principal), FakeContext(), services=services)
            per_record.append(time.perf_counter() - t0)
            assert response["statusCode"] == 200, response["body"]
        elapsed = time.perf_counter() - started
        meter.uninstall()
        baseline = _plain_puts(len(envelopes) if quick else 2000)
    records, cases = len(envelopes), len({e["record"]["case_no"] for e in envelopes})
    checks, parks = len(workflow.started) + workflow.tokens, workflow.tokens
    concluded = sum(1 for c in city.cases if c.closed_at and c.closed_at <= city.as_of)
    transitions = 2 * checks + parks + concluded  # CheckRules + Concluded? per check; a wait; the end
    lambda_seconds = statistics.mean(per_record) * records
    cost = {
        "dynamodb": meter.units["write"] * PRICES["dynamodb_write_unit"]
        + (meter.units["read"] + meter.units["read_requests"]) * PRICES["dynamodb_read_unit"],
        "step_functions": transitions * PRICES["sfn_transition"],
        "lambda": (records + checks + parks) * PRICES["lambda_request"]
        + lambda_seconds * 0.5 * PRICES["lambda_gb_second_arm"],
        "api_gateway": records * PRICES["apigw_rest_request"],
    }
    per_million_cases = {k: v / cases * 1e6 for k, v in cost.items()}
    return {
        "records": float(records),
        "cases": float(cases),
        "records_per_second": records / elapsed,
        "intake_median_ms": statistics.median(per_record) * 1e3,
        "plain_puts_per_second": baseline,
        "intake_over_plain_put": baseline / (records / elapsed),
        "dynamodb_write_units_per_record": meter.units["write"] / records,
        "dynamodb_reads_per_record": (meter.units["read"] + meter.units["read_requests"]) / records,
        "sfn_transitions_per_record": transitions / records,
        "sfn_transitions_per_case": transitions / cases,
        **{f"usd_per_million_cases_{k}": v for k, v in per_million_cases.items()},
        "usd_per_million_cases_total": sum(per_million_cases.values()),
    }


def _event(body: dict[str, Any], principal: Principal) -> dict[str, Any]:
    return {
        "httpMethod": "POST",
        "path": "/v1/records",
        "resource": "/v1/records",
        "headers": {},
        "multiValueHeaders": {},
        "queryStringParameters": None,
        "multiValueQueryStringParameters": None,
        "pathParameters": None,
        "isBase64Encoded": False,
        "body": json.dumps(body, ensure_ascii=False),
        "requestContext": {
            "requestId": "bench",
            "stage": "bench",
            "resourcePath": "/v1/records",
            "httpMethod": "POST",
            "authorizer": principal.to_context(),
        },
    }


def _plain_puts(count: int) -> float:
    client = boto3.client("dynamodb", region_name=REGION)
    client.create_table(
        TableName="baseline",
        BillingMode="PAY_PER_REQUEST",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
    )
    started = time.perf_counter()
    for n in range(count):
        client.put_item(TableName="baseline", Item={"k": {"S": f"k{n}"}, "v": {"S": "x" * 600}})
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    for key, value in run(quick="--quick" in sys.argv[1:]).items():
        print(f"{key:40} {value:14.3f}")
