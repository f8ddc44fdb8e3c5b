"""The tables survive a restart: dumped to the data folder, restored after provisioning."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sunlight.app import spec
from sunlight.devtools.local.cloud import LocalCloud, client
from sunlight.devtools.local.provision import provision
from sunlight.devtools.local.store import dump_tables, restore_tables, restored_open_cases, scan_items

pytestmark = pytest.mark.integration

CASES = spec.CASES.physical("local")
RECORDS = spec.RECORDS.physical("local")

ITEMS: dict[str, list[dict[str, object]]] = {
    CASES: [
        {"case_no": {"S": "C1"}, "stage": {"S": "review"}, "next_due": {"N": "1780000000"}},
        {"case_no": {"S": "C2"}, "outcome": {"S": "issued"}},
        {"case_no": {"S": "C3"}, "token": {"NULL": True}, "tags": {"SS": ["a", "b"]}},
    ],
    RECORDS: [
        {
            "case_no": {"S": "C1"},
            "record_key": {"S": f"{n:06d}#stage"},
            "sealed": {"B": bytes([n, 0, 255])},
            "blobs": {"BS": [b"\x00\x01", bytes([n])]},
            "body": {"M": {"seq": {"N": str(n)}, "names": {"L": [{"S": "王敏"}, {"BOOL": True}]}}},
        }
        for n in range(1, 60)  # more than one batch_write_item
    ],
}


def by_key(items: list[dict[str, object]]) -> dict[str, dict[str, object]]:
    return {json.dumps([i.get("case_no"), i.get("record_key")], default=str): i for i in items}


def test_dump_then_restore_into_a_fresh_cloud_gives_back_every_item(tmp_path: Path) -> None:
    with LocalCloud(port=0):
        provision(state_machine_file=tmp_path / "none.asl.json")
        dynamodb = client("dynamodb")
        for table, items in ITEMS.items():
            for item in items:
                dynamodb.put_item(TableName=table, Item=item)
        counts = dump_tables(tmp_path)
    assert counts["cases"] == 3 and counts["records"] == 59 and counts["alerts"] == 0
    assert (tmp_path / "tables" / "records.json").exists()

    with LocalCloud(port=0):
        provision(state_machine_file=tmp_path / "none.asl.json")
        assert scan_items(CASES) == []
        restored = restore_tables(tmp_path)
        assert restored["records"] == 59
        for table, items in ITEMS.items():
            wanted = [indexed_if_open(i) for i in items] if table == CASES else items
            assert by_key(scan_items(table)) == by_key(wanted)
        assert restored_open_cases() == ["C1", "C3"]
        # Open cases saved before the open-index existed join it: an activation re-judges them too.
        shards = {spec.open_shard(n) for n in ("C1", "C3")}
        found = {
            item["case_no"]["S"]
            for shard in shards
            for item in client("dynamodb").query(
                TableName=CASES,
                IndexName="open-index",
                KeyConditionExpression="open_shard = :s",
                ExpressionAttributeValues={":s": {"S": shard}},
            )["Items"]
        }
        assert found == {"C1", "C3"}


def indexed_if_open(case: dict[str, object]) -> dict[str, object]:
    if "outcome" in case:
        return case
    return {**case, "open_shard": {"S": spec.open_shard(str(case["case_no"]["S"]))}}  # type: ignore[index]


def test_restoring_without_a_dump_changes_nothing(cloud: LocalCloud, tmp_path: Path) -> None:
    provision(state_machine_file=tmp_path / "none.asl.json")

    assert restore_tables(tmp_path) == {}
    assert restored_open_cases() == []
