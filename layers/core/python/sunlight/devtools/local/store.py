"""The local mode's memory across restarts: every table's items, dumped to `<data>/tables/<logical>.json`
(DynamoDB JSON as `scan` returns it; binary values base64) and written back after provisioning.

Step Functions executions cannot be saved: a restored case that is still open has no workflow until
its next record arrives, and `restored_open_cases` lists those cases for whoever restarts them.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from sunlight.app import spec
from sunlight.devtools.local.cloud import client
from sunlight.devtools.local.provision import STAGE

FORMAT = "sunlight-local-table/1"


def _encode(value: Any) -> Any:
    """An AttributeValue from boto3 made JSON-safe (bytes as base64 text)."""
    if isinstance(value, dict):
        return {
            k: base64.b64encode(v).decode()
            if k == "B"
            else [base64.b64encode(b).decode() for b in v]
            if k == "BS"
            else _encode(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        return {
            k: base64.b64decode(v)
            if k == "B"
            else [base64.b64decode(b) for b in v]
            if k == "BS"
            else _decode(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_decode(v) for v in value]
    return value


def scan_items(physical: str) -> list[dict[str, Any]]:
    dynamodb = client("dynamodb")
    items: list[dict[str, Any]] = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=physical):
        items += page["Items"]
    return items


def dump_tables(data: Path, stage: str = STAGE) -> dict[str, int]:
    """Write every table's items under `data/tables/`; returns item counts by logical table."""
    folder = data / "tables"
    folder.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for table in spec.TABLES:
        items = scan_items(table.physical(stage))
        document = {"format": FORMAT, "table": table.logical, "items": [_encode(i) for i in items]}
        target = folder / f"{table.logical}.json"
        partial = target.with_suffix(".json.partial")
        partial.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
        os.replace(partial, target)  # a crash mid-dump leaves the previous dump whole
        counts[table.logical] = len(items)
    return counts


def restore_tables(data: Path, stage: str = STAGE) -> dict[str, int]:
    """Put back every dumped item (tables must exist); returns item counts by logical table."""
    dynamodb = client("dynamodb")
    counts: dict[str, int] = {}
    for table in spec.TABLES:
        source = data / "tables" / f"{table.logical}.json"
        if not source.exists():
            continue
        document = json.loads(source.read_text(encoding="utf-8"))
        items = [_decode(i) for i in document.get("items", [])]
        if table is spec.CASES:
            items = [_indexed_if_open(item) for item in items]
        for start in range(0, len(items), 25):
            requests = [{"PutRequest": {"Item": item}} for item in items[start : start + 25]]
            pending: dict[str, Any] = {table.physical(stage): requests}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
        counts[table.logical] = len(items)
    return counts


def _indexed_if_open(item: dict[str, Any]) -> dict[str, Any]:
    """An open case saved before the open-index existed joins it, so an activation re-judges it too."""
    if "outcome" in item or "open_shard" in item:
        return item
    return {**item, "open_shard": {"S": spec.open_shard(item["case_no"]["S"])}}


def restored_open_cases(stage: str = STAGE) -> list[str]:
    """The case numbers whose `cases` item has no `outcome`: open cases, whose workflow (if they had
    one before a restart) is gone and must be started again."""
    dynamodb = client("dynamodb")
    open_cases: list[str] = []
    paginator = dynamodb.get_paginator("scan")
    pages = paginator.paginate(
        TableName=spec.CASES.physical(stage),
        ProjectionExpression="#k",
        FilterExpression="attribute_not_exists(outcome)",
        ExpressionAttributeNames={"#k": spec.CASES.partition.name},
    )
    for page in pages:
        open_cases += [item[spec.CASES.partition.name]["S"] for item in page["Items"]]
    return sorted(open_cases)
