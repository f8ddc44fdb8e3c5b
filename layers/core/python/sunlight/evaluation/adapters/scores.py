"""DynamoDB adapters of the performance evaluation: the tallies and their ledgers (`TallyStore`), the
scoring standard's versions and the scores they made (`ScoreBook`), and the archive of every case and
complaint the nightly recompute reads (`Archive`).

One table (`spec.SCORES`, keys `pk` and `sk`, both strings) holds:

- a tally cell: pk `tally#<period>`, sk the unit; each count a top-level number named by the count;
- a ledger: pk `ledger#<ledger_id>`, sk `-`; `postings` (JSON) and `version`;
- a standard: pk `standard`, sk its version; `body` (JSON) and `loaded_at`; the current version's
  pointer is the item sk `~current`;
- a score: pk `score#<period>`, sk `<version>#<unit>`, `data` (JSON); the period's latest scoring is
  the item sk `~head`.

These use a boto3 *client*, not pynamodb: count names are data (`alert#red_card#R-01`), so every
attribute here is dynamic, and names with `#`, `:` and `-` always go through expression placeholders.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterator
from decimal import Decimal
from typing import Any, Protocol

from botocore.exceptions import ClientError

from sunlight.approval.adapters.dynamo import Models
from sunlight.complaints.domain import Complaint
from sunlight.evaluation.domain.tally import Cell, Counts
from sunlight.evaluation.service.tallying import Ledger

TALLY, LEDGER, STANDARD, SCORE = "tally#", "ledger#", "standard", "score#"
CURRENT, HEAD = "~current", "~head"
MAX_ACTIONS = 100
"""DynamoDB's limit of actions in one TransactWriteItems."""
BATCH = 25
"""DynamoDB's limit of requests in one BatchWriteItem."""
_KEYS = frozenset({"pk", "sk"})
_RETRYABLE = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


def number(value: float) -> dict[str, str]:
    """A count as a DynamoDB number: ints exact, floats rounded to 6 places (no binary noise)."""
    if isinstance(value, int):
        return {"N": str(value)}
    return {"N": format(Decimal(repr(round(value, 6))), "f")}


def _counts(item: dict[str, Any]) -> Counts:
    return {k: float(v["N"]) for k, v in item.items() if k not in _KEYS and "N" in v}


def _s(value: str) -> dict[str, str]:
    return {"S": value}


class _Table:
    """The client and the table's physical name, with the paging every reader needs."""

    def __init__(self, client: Any, table_name: str) -> None:
        self._client, self._table = client, table_name

    def _key(self, pk: str, sk: str) -> dict[str, Any]:
        return {"pk": _s(pk), "sk": _s(sk)}

    def _get(self, pk: str, sk: str) -> dict[str, Any] | None:
        answer = self._client.get_item(TableName=self._table, Key=self._key(pk, sk), ConsistentRead=True)
        item: dict[str, Any] | None = answer.get("Item")
        return item

    def _query(self, pk: str, sk_prefix: str = "", consistent: bool = False) -> Iterator[dict[str, Any]]:
        """Every item of one partition (whose sk starts with the prefix), over all pages."""
        condition, values = "pk = :pk", {":pk": _s(pk)}
        if sk_prefix:  # begins_with refuses an empty string
            condition += " AND begins_with(sk, :sk)"
            values[":sk"] = _s(sk_prefix)
        pages = self._client.get_paginator("query").paginate(
            TableName=self._table,
            KeyConditionExpression=condition,
            ExpressionAttributeValues=values,
            ConsistentRead=consistent,
        )
        for page in pages:
            yield from page["Items"]

    def _scan(self, pk_prefix: str, projection: str | None = None) -> Iterator[dict[str, Any]]:
        """Every item whose pk starts with the prefix (a scan: for the nightly job and the rare listing)."""
        extra: dict[str, Any] = {"ProjectionExpression": projection} if projection else {}
        pages = self._client.get_paginator("scan").paginate(
            TableName=self._table,
            FilterExpression="begins_with(pk, :p)",
            ExpressionAttributeValues={":p": _s(pk_prefix)},
            **extra,
        )
        for page in pages:
            yield from page["Items"]


# -- the tallies -------------------------------------------------------------------------------------


class DynamoTallies(_Table):
    """`TallyStore`: counters added to by `ADD`, ledgers replaced under a version condition."""

    def ledger(self, ledger_id: str) -> Ledger:
        item = self._get(LEDGER + ledger_id, "-")
        if item is None:
            return Ledger({}, 0)
        return Ledger(json.loads(item["postings"]["S"]), int(item["version"]["N"]))

    def post(
        self,
        ledger_id: str,
        version: int,
        postings: dict[str, dict[str, Any]],
        increments: dict[Cell, Counts],
    ) -> bool:
        put = self._ledger_put(ledger_id, version, postings)
        updates = [u for u in (self._cell_update(c, counts) for c, counts in increments.items()) if u]
        if 1 + len(updates) <= MAX_ACTIONS:
            return self._transact(put, updates)
        # Too many cells for one transaction: the ledger first, on its own condition, then the cells
        # one by one. A crash in between leaves a count short (the ledger says it was posted); the
        # nightly recompute reports it as drift, and nothing ever counts twice.
        try:
            self._client.put_item(**put)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        for update in updates:
            self._client.update_item(**update)
        return True

    def _transact(self, put: dict[str, Any], updates: list[dict[str, Any]]) -> bool:
        """The ledger and its cells in one transaction; False when another writer moved the ledger
        first, or a concurrent transaction touched one of the items (the caller reads and tries again)."""
        try:
            self._client.transact_write_items(TransactItems=[{"Put": put}, *({"Update": u} for u in updates)])
        except ClientError as exc:
            error = exc.response["Error"]
            if error["Code"] != "TransactionCanceledException":
                raise
            reasons = {r.get("Code") for r in exc.response.get("CancellationReasons", [])}
            if reasons & _RETRYABLE or any(r in error.get("Message", "") for r in _RETRYABLE):
                return False
            raise
        return True

    def _ledger_put(
        self, ledger_id: str, version: int, postings: dict[str, dict[str, Any]]
    ) -> dict[str, Any]:
        put: dict[str, Any] = {
            "TableName": self._table,
            "Item": {
                **self._key(LEDGER + ledger_id, "-"),
                "postings": _s(json.dumps(postings, ensure_ascii=False, sort_keys=True)),
                "version": {"N": str(version + 1)},
            },
        }
        if version == 0:
            put["ConditionExpression"] = "attribute_not_exists(pk)"
        else:
            put["ConditionExpression"] = "#v = :v"
            put["ExpressionAttributeNames"] = {"#v": "version"}
            put["ExpressionAttributeValues"] = {":v": {"N": str(version)}}
        return put

    def _cell_update(self, cell: Cell, counts: Counts) -> dict[str, Any] | None:
        """One cell's `ADD` of its non-zero increments (None when there are none)."""
        moving = [(name, value) for name, value in sorted(counts.items()) if value]
        if not moving:
            return None
        period, unit = cell
        names = {f"#c{n}": name for n, (name, _) in enumerate(moving)}
        values = {f":c{n}": number(value) for n, (_, value) in enumerate(moving)}
        return {
            "TableName": self._table,
            "Key": self._key(TALLY + period, unit),
            "UpdateExpression": "ADD " + ", ".join(f"#c{n} :c{n}" for n in range(len(moving))),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }

    def cells(self, period: str, unit_prefix: str) -> dict[str, Counts]:
        return {item["sk"]["S"]: _counts(item) for item in self._query(TALLY + period, unit_prefix)}

    def everything(self) -> dict[Cell, Counts]:
        out: dict[Cell, Counts] = {}
        for item in self._scan(TALLY):
            counts = {k: v for k, v in _counts(item).items() if v}
            if counts:
                out[(item["pk"]["S"].removeprefix(TALLY), item["sk"]["S"])] = counts
        return out

    def ledger_ids(self, prefix: str) -> list[str]:
        found = self._scan(LEDGER + prefix, projection="pk")
        return sorted(item["pk"]["S"].removeprefix(LEDGER) for item in found)


# -- the standards and the scores --------------------------------------------------------------------


class DynamoScoreBook(_Table):
    """`ScoreBook`: versions are written once (conditioned on absence); scores per period and version."""

    def put_standard(self, version: str, body: dict[str, Any], at: dt.datetime) -> bool:
        if version.startswith("~"):
            raise ValueError(f"a standard's version may not start with '~': {version!r}")
        try:
            self._client.put_item(
                TableName=self._table,
                Item={
                    **self._key(STANDARD, version),
                    "body": _s(json.dumps(body, ensure_ascii=False)),
                    "loaded_at": _s(at.isoformat()),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def standard(self, version: str) -> dict[str, Any] | None:
        item = self._get(STANDARD, version)
        if item is None or version == CURRENT:
            return None
        body: dict[str, Any] = json.loads(item["body"]["S"])
        return body

    def versions(self) -> list[dict[str, Any]]:
        found = [
            {"version": item["sk"]["S"], "loaded_at": item["loaded_at"]["S"]}
            for item in self._query(STANDARD, consistent=True)
            if item["sk"]["S"] != CURRENT
        ]
        return sorted(found, key=lambda v: (v["loaded_at"], v["version"]))

    def current(self) -> str | None:
        item = self._get(STANDARD, CURRENT)
        return item["version"]["S"] if item else None

    def set_current(self, version: str, at: dt.datetime) -> None:
        self._client.put_item(
            TableName=self._table,
            Item={**self._key(STANDARD, CURRENT), "version": _s(version), "set_at": _s(at.isoformat())},
        )

    def save_scores(
        self, period: str, version: str, scores: list[dict[str, Any]], at: dt.datetime, final: bool
    ) -> None:
        pk = SCORE + period
        keep = {f"{version}#{s['unit']}" for s in scores}
        # Scoring a period again with the same version replaces what it made: a unit no longer scored
        # must not linger beside the fresh ones.
        stale = [
            item["sk"]["S"]
            for item in self._query(pk, f"{version}#", consistent=True)
            if item["sk"]["S"] not in keep
        ]
        requests = [{"DeleteRequest": {"Key": self._key(pk, sk)}} for sk in stale] + [
            {
                "PutRequest": {
                    "Item": {
                        **self._key(pk, f"{version}#{s['unit']}"),
                        "data": _s(json.dumps(s, ensure_ascii=False, default=str)),
                    }
                }
            }
            for s in scores
        ]
        for start in range(0, len(requests), BATCH):
            self._batch(requests[start : start + BATCH])
        # The head last: a reader that finds it finds every score it points at.
        self._client.put_item(
            TableName=self._table,
            Item={
                **self._key(pk, HEAD),
                "version": _s(version),
                "scored_at": _s(at.isoformat()),
                "final": {"BOOL": final},
            },
        )

    def _batch(self, requests: list[dict[str, Any]], attempts: int = 8) -> None:
        """One BatchWriteItem, sending back what DynamoDB left unprocessed (throttling) with backoff."""
        pending: dict[str, Any] = {self._table: requests}
        for attempt in range(attempts):
            pending = self._client.batch_write_item(RequestItems=pending).get("UnprocessedItems") or {}
            if not pending:
                return
            time.sleep(min(0.05 * 2**attempt, 2.0))
        raise RuntimeError(f"{self._table}: writes still unprocessed after {attempts} attempts")

    def scores(self, period: str, version: str) -> list[dict[str, Any]]:
        return [json.loads(item["data"]["S"]) for item in self._query(SCORE + period, f"{version}#")]

    def head(self, period: str) -> dict[str, Any] | None:
        item = self._get(SCORE + period, HEAD)
        if item is None:
            return None
        return {
            "version": item["version"]["S"],
            "scored_at": item["scored_at"]["S"],
            "final": item["final"]["BOOL"],
        }


# -- the archive -------------------------------------------------------------------------------------


class EveryComplaint(Protocol):
    def all(self) -> Iterator[Complaint]: ...


class DynamoArchive:
    """Every case number (a scan of the case rows, keys only) and every stored complaint."""

    def __init__(self, models: Models, complaints: EveryComplaint | None) -> None:
        self._case, self._complaints = models.case, complaints

    def case_nos(self) -> Iterator[str]:
        for row in self._case.scan(attributes_to_get=["case_no"]):
            yield row.case_no

    def complaints(self) -> Iterator[Complaint]:
        if self._complaints is not None:
            yield from self._complaints.all()
