"""The settings table: the office's calendar and rule-configuration versions, and the active judgement.

Items (partition key `id`):

- `calendar#<version>` / `rules#<version>`: one loaded version, its canonical JSON in `value`, its
  digest, who loaded it and when. Put only if absent: a version is never edited.
- `versions#calendar` / `versions#rules`: the string set of loaded versions (no scan to list them).
- `judgement`: the active calendar and rules versions and their `generation`, which every
  activation raises by one under a condition on the one it read (two activations never both win).
- `activation#<generation>`: what each activation was, who made it, its recompute job and counts.

Reads of the active judgement and of versions go through Powertools Parameters' DynamoDB provider,
which caches them in the function instance (`max_age`); the service layer decides when to force a
fresh read.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from aws_lambda_powertools.utilities.parameters import DynamoDBProvider
from botocore.exceptions import ClientError

from sunlight.approval.service.judgement import Activation, StoredVersion, VersionConflict

ACTIVE = "judgement"
_IMMUTABLE_AGE = 24 * 3600  # a version never changes: its cached copy is good for a day


class _Provider(DynamoDBProvider):
    """Powertools' DynamoDB provider, with consistent reads and an absent item read as `{}`.

    An absent item must be cached like any other answer (Powertools does not cache None), or every
    check of every case would read the table until the office activates something.
    """

    def _get(self, name: str, **sdk_options: Any) -> str:
        item = self.table.get_item(Key={self.key_attr: name}, ConsistentRead=True).get("Item")
        return str(item[self.value_attr]) if item else "{}"


class DynamoSettings:
    """`judgement.VersionStore` on the settings table."""

    def __init__(self, client: Any, table: str, resource: Any = None) -> None:
        self._client = client
        self._table = table
        self._provider = _Provider(table, key_attr="id", value_attr="value", boto3_client=resource)

    # -- reads (cached) ---------------------------------------------------------------------------

    def active(self, max_age: int, fresh: bool = False) -> dict[str, Any]:
        value = self._provider.get(ACTIVE, max_age=max_age, transform="json", force_fetch=fresh)
        return value if isinstance(value, dict) else {}

    def document(self, kind: str, version: str) -> dict[str, Any] | None:
        value = self._provider.get(f"{kind}#{version}", max_age=_IMMUTABLE_AGE, transform="json")
        return value if isinstance(value, dict) and value else None

    # -- reads (uncached: the office's views) ----------------------------------------------------

    def version(self, kind: str, version: str) -> StoredVersion | None:
        item = self._client.get_item(
            TableName=self._table, Key={"id": {"S": f"{kind}#{version}"}}, ConsistentRead=True
        ).get("Item")
        return _stored(item) if item else None

    def versions(self, kind: str) -> list[StoredVersion]:
        item = self._client.get_item(
            TableName=self._table, Key={"id": {"S": f"versions#{kind}"}}, ConsistentRead=True
        ).get("Item")
        names = sorted(item["versions"]["SS"]) if item else []
        found = [self.version(kind, name) for name in names]
        return [v for v in found if v is not None]

    def activations(self, generation: int, count: int) -> list[Activation]:
        keys = [
            {"id": {"S": f"activation#{g}"}} for g in range(max(1, generation - count + 1), generation + 1)
        ]
        if not keys:
            return []
        answer = self._client.batch_get_item(
            RequestItems={self._table: {"Keys": keys, "ConsistentRead": True}}
        )
        items = answer["Responses"].get(self._table, [])
        return sorted((_activation(i) for i in items), key=lambda a: -a.generation)

    # -- writes -----------------------------------------------------------------------------------

    def put_version(self, stored: StoredVersion) -> bool:
        """Store a new version; False if the name is taken (the caller compares the content)."""
        item = {
            "id": {"S": f"{stored.kind}#{stored.version}"},
            "kind": {"S": stored.kind},
            "version": {"S": stored.version},
            "value": {"S": json.dumps(stored.document, ensure_ascii=False, sort_keys=True)},
            "digest": {"S": stored.digest},
            "loaded_at": {"S": stored.loaded_at},
            "loaded_by": {"S": stored.loaded_by},
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self._table,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(id)",
                        }
                    },
                    {
                        "Update": {
                            "TableName": self._table,
                            "Key": {"id": {"S": f"versions#{stored.kind}"}},
                            "UpdateExpression": "ADD versions :v",
                            "ExpressionAttributeValues": {":v": {"SS": [stored.version]}},
                        }
                    },
                ]
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in (
                "TransactionCanceledException",
                "ConditionalCheckFailedException",
            ):
                return False
            raise
        return True

    def activate(self, active: dict[str, Any], previous_generation: int, activation: Activation) -> None:
        """Make `active` the judgement if the generation is still `previous_generation`."""
        condition = "attribute_not_exists(id)" if previous_generation == 0 else "generation = :previous"
        values = {":previous": {"N": str(previous_generation)}} if previous_generation else None
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                "id": {"S": ACTIVE},
                "value": {"S": json.dumps(active, sort_keys=True)},
                "generation": {"N": str(active["generation"])},
            },
            "ConditionExpression": condition,
        }
        if values:
            put["ExpressionAttributeValues"] = values
        record = {
            "TableName": self._table,
            "Item": _activation_item(activation),
            "ConditionExpression": "attribute_not_exists(id)",
        }
        try:
            self._client.transact_write_items(TransactItems=[{"Put": put}, {"Put": record}])
        except ClientError as exc:
            if exc.response["Error"]["Code"] in (
                "TransactionCanceledException",
                "ConditionalCheckFailedException",
            ):
                raise VersionConflict(
                    "another activation came first; read the active versions and retry"
                ) from None
            raise
        self._provider.clear_cache()  # type: ignore[no-untyped-call]

    def note_job(self, generation: int, job: str) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": f"activation#{generation}"}},
            UpdateExpression="SET job = :job",
            ExpressionAttributeValues={":job": {"S": job}},
        )

    def count_recompute(self, generation: int, checked: int, noted: int, failed: int) -> None:
        self._client.update_item(
            TableName=self._table,
            Key={"id": {"S": f"activation#{generation}"}},
            UpdateExpression="ADD checked :c, noted :n, failed :f SET last_page_at = :at",
            ExpressionAttributeValues={
                ":c": {"N": str(checked)},
                ":n": {"N": str(noted)},
                ":f": {"N": str(failed)},
                ":at": {"S": dt.datetime.now(dt.UTC).isoformat(timespec="seconds")},
            },
        )

    def forget(self) -> None:
        self._provider.clear_cache()  # type: ignore[no-untyped-call]


def _stored(item: dict[str, Any]) -> StoredVersion:
    return StoredVersion(
        kind=item["kind"]["S"],
        version=item["version"]["S"],
        document=json.loads(item["value"]["S"]),
        digest=item["digest"]["S"],
        loaded_at=item["loaded_at"]["S"],
        loaded_by=item["loaded_by"]["S"],
    )


def _activation_item(a: Activation) -> dict[str, Any]:
    return {
        "id": {"S": f"activation#{a.generation}"},
        "generation": {"N": str(a.generation)},
        "kind": {"S": a.kind},
        "version": {"S": a.version},
        "previous": {"S": a.previous or ""},
        "activated_at": {"S": a.activated_at},
        "activated_by": {"S": a.activated_by},
        "checked": {"N": "0"},
        "noted": {"N": "0"},
        "failed": {"N": "0"},
    }


def _activation(item: dict[str, Any]) -> Activation:
    return Activation(
        generation=int(item["generation"]["N"]),
        kind=item["kind"]["S"],
        version=item["version"]["S"],
        previous=item["previous"]["S"] or None,
        activated_at=item["activated_at"]["S"],
        activated_by=item["activated_by"]["S"],
        job=item.get("job", {}).get("S"),
        checked=int(item.get("checked", {}).get("N", "0")),
        noted=int(item.get("noted", {}).get("N", "0")),
        failed=int(item.get("failed", {}).get("N", "0")),
    )
