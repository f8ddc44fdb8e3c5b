"""The integration tier: the real adapters and handlers on moto, in-process, no AWS account."""

from __future__ import annotations

import base64
import datetime as dt
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pytest
from api.handler import handler as api
from authorizer.handler import handler as authorizer
from moto import mock_aws
from public.handler import handler as public
from sunlight.app import spec
from sunlight.app.bootstrap import Settings, build
from sunlight.app.services import Services
from sunlight.approval.adapters.dynamo import DynamoPrincipals, due_shard
from sunlight.kernel.access import Principal
from sunlight.kernel.instants import normalised

from tests.fakes import InlineWorkflow
from tests.unit.cases import ITEM

REGION = "us-east-1"
DEPT_A, DEPT_B = ITEM.dept_code, "11330100MB7654321X"
KEYS = {"a": "key-dept-a", "b": "key-dept-b", "office": "key-office"}


def create_tables(stage: str) -> None:
    client = boto3.client("dynamodb", region_name=REGION)
    for table in spec.TABLES:
        keys = [table.partition, *([table.sort] if table.sort else [])]
        attrs = {k.name: k.type for k in keys}
        gsis = []
        for index in table.indexes:
            index_keys = [index.partition, *([index.sort] if index.sort else [])]
            attrs.update({k.name: k.type for k in index_keys})
            gsis.append(
                {
                    "IndexName": index.name,
                    "KeySchema": [
                        {"AttributeName": k.name, "KeyType": t}
                        for k, t in zip(index_keys, ("HASH", "RANGE"), strict=False)
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                }
            )
        extra = {"GlobalSecondaryIndexes": gsis} if gsis else {}
        client.create_table(
            TableName=table.physical(stage),
            BillingMode="PAY_PER_REQUEST",
            KeySchema=[
                {"AttributeName": k.name, "KeyType": t} for k, t in zip(keys, ("HASH", "RANGE"), strict=False)
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": t} for n, t in attrs.items()],
            **extra,
        )


@dataclass
class Cloud:
    services: Services
    principals: DynamoPrincipals
    workflow: InlineWorkflow
    clock: list[dt.datetime] = field(default_factory=list)

    def set_now(self, text: str) -> None:
        self.clock[0] = normalised(dt.datetime.fromisoformat(text))


@pytest.fixture
def cloud() -> Iterator[Cloud]:
    os.environ.update(
        {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": REGION}
    )
    os.environ.pop("AWS_ENDPOINT_URL", None)
    with mock_aws():
        create_tables("test")
        boto3.client("s3", region_name=REGION).create_bucket(Bucket="sunlight-test-documents")
        sns = boto3.client("sns", region_name=REGION)
        topics = {level: sns.create_topic(Name=f"sunlight-test-{level}")["TopicArn"] for level in spec.LEVELS}
        settings = Settings(
            stage="test",
            tables={t.logical: t.physical("test") for t in spec.TABLES},
            data_key=base64.b64decode(base64.b64encode(b"k" * 32)),
            documents_bucket="sunlight-test-documents",
            alert_topics=topics,
        )
        services, principals = build(settings)
        clock = [normalised(dt.datetime.fromisoformat("2026-11-20T09:00:00+08:00"))]
        services.now = lambda: clock[0]
        workflow = InlineWorkflow()
        workflow.services = services
        services.workflow = workflow
        services.catalog.put(ITEM)
        principals.put(KEYS["a"], Principal("department", "330100", DEPT_A, "市住房和城乡建设局"))
        principals.put(KEYS["b"], Principal("department", "330100", DEPT_B, "市市场监督管理局"))
        principals.put(KEYS["office"], Principal("office", "330100", "", "市监察局效能室"))
        yield Cloud(services, principals, workflow, clock)


class FakeContext:
    function_name = "sunlight-test"
    memory_limit_in_mb = 512
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:sunlight-test"
    aws_request_id = "req-1"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


def call(
    cloud: Cloud,
    method: str,
    path: str,
    key: str | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> tuple[int, Any]:
    """An API Gateway proxy request through the authorizer and the route's handler: (status, body).
    `raw` sends those bytes as the body, base64-encoded as API Gateway passes a binary body."""
    response = respond(cloud, method, path, key, body, query, raw)
    if response.get("isBase64Encoded"):
        return response["statusCode"], base64.b64decode(response["body"])
    return response["statusCode"], json.loads(response["body"]) if response.get("body") else None


def body_bytes(response: dict[str, Any]) -> bytes:
    body: str = response.get("body") or ""
    return base64.b64decode(body) if response.get("isBase64Encoded") else body.encode()


def respond(
    cloud: Cloud,
    method: str,
    path: str,
    key: str | None = None,
    body: Any = None,
    query: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> dict[str, Any]:
    """The whole proxy response (headers included), as the gateway gets it; 401 as the authorizer
    would have answered."""
    route = next(r for r in spec.ROUTES if r.method == method and _matches(r.path, path))
    headers = {"x-api-key": key} if key else {}
    event: dict[str, Any] = {
        "httpMethod": method,
        "path": path,
        "resource": route.path,
        "headers": headers,
        "multiValueHeaders": {k: [v] for k, v in headers.items()},
        "queryStringParameters": query,
        "multiValueQueryStringParameters": {k: [v] for k, v in (query or {}).items()},
        "pathParameters": _params(route.path, path),
        "isBase64Encoded": raw is not None,
        "body": base64.b64encode(raw).decode()
        if raw is not None
        else body
        if isinstance(body, str) or body is None
        else json.dumps(body, ensure_ascii=False),
        "requestContext": {
            "requestId": "r1",
            "stage": "test",
            "resourcePath": route.path,
            "httpMethod": method,
            "identity": {"sourceIp": "127.0.0.1"},
        },
    }
    if route.access != "public":
        try:
            answer = authorizer(
                {
                    "type": "REQUEST",
                    "methodArn": f"arn:aws:execute-api:x:1:api/test/{method}{path}",
                    "headers": headers,
                },
                FakeContext(),
                principals=cloud.principals,
            )
        except Exception as exc:
            assert str(exc) == "Unauthorized"
            return {"statusCode": 401, "headers": {}, "body": json.dumps({"message": "Unauthorized"})}
        event["requestContext"]["authorizer"] = answer["context"]
    function = public if route.function == "public" else api
    response: dict[str, Any] = function(event, FakeContext(), services=cloud.services)
    return response


def _matches(template: str, path: str) -> bool:
    a, b = template.strip("/").split("/"), path.strip("/").split("/")
    return len(a) == len(b) and all(x == y or x.startswith("{") for x, y in zip(a, b, strict=True))


def _params(template: str, path: str) -> dict[str, str] | None:
    pairs = zip(template.strip("/").split("/"), path.strip("/").split("/"), strict=True)
    found = {x[1:-1]: y for x, y in pairs if x.startswith("{")}
    return found or None


def example_records(case_no: str = "C2026-000001", skip: str | None = None) -> list[dict[str, Any]]:
    lines = (Path(__file__).parents[1] / "unit" / "data" / "example_case.jsonl").read_text(encoding="utf-8")
    out, seq = [], 0
    for line in lines.splitlines():
        record = json.loads(line)
        if skip is not None and record.get("stage") == skip:
            continue
        seq += 1
        out.append({**record, "case_no": case_no, "seq": seq})
    return out


def push_live(cloud: Cloud, key: str, records: list[dict[str, Any]]) -> list[Any]:
    """Send records one by one, each a minute after it happened, as a live business system does."""
    answers = []
    for record in records:
        occurred = dt.datetime.fromisoformat(record["occurred_at"])
        cloud.set_now((occurred + dt.timedelta(minutes=1)).isoformat())
        answers.append(call(cloud, "POST", "/v1/records", key, {"records": [record]})[1])
    return answers


def seed_open_cases(stage: str, total: int, due: int, now: dt.datetime) -> None:
    """`total` open cases in the due index, `due` of them due by `now`, the rest due tomorrow."""
    table = boto3.resource("dynamodb", region_name=REGION).Table(f"sunlight-{stage}-cases")
    with table.batch_writer() as batch:
        for n in range(total):
            case_no = f"OPEN-{n:06d}"
            moment = now - dt.timedelta(minutes=1) if n < due else now + dt.timedelta(days=1)
            batch.put_item(
                Item={
                    "case_no": case_no,
                    "dept_code": "X",
                    "region_code": "330100",
                    "item_code": "330100-JS-001",
                    "record_count": 0,
                    "checked_count": 0,
                    "due_shard": due_shard(case_no),
                    "next_due": int(moment.timestamp()),
                }
            )
