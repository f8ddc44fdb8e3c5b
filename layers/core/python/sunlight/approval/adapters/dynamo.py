"""DynamoDB adapters (pynamodb): the catalogue, the case rows, the record log and principals.

Model classes are made by `make_models` from the table names of one deployment, so that nothing
is bound to a table (or connects) at import time. Key design and indexes come from `sunlight.app.spec`.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import ListAttribute, NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, TransactWriteError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from sunlight.app import spec
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.lifecycle import Delivery
from sunlight.approval.domain.records import to_exchange_json
from sunlight.approval.service.ports import (
    CaseRow,
    ConcurrentAppend,
    DueCases,
    OpenPage,
    StoredRecord,
)
from sunlight.approval.service.stored import chain_hash
from sunlight.kernel.access import Principal

DUE_SHARDS = 8


@dataclass(frozen=True)
class Models:
    """The model classes of one deployment (typed Any: their attributes are made at run time)."""

    catalog: Any
    case: Any
    record: Any
    principal: Any


def table_meta(table_name: str, region: str | None = None) -> Any:
    """A pynamodb `Meta` binding a model to one table (and region) of one deployment."""
    attrs: dict[str, Any] = {"table_name": table_name}
    if region:
        attrs["region"] = region
    return type("Meta", (), attrs)


def index_meta(name: str) -> Any:
    """A pynamodb `Meta` for a global secondary index projecting all attributes, as the spec says."""
    return type("Meta", (), {"index_name": name, "projection": AllProjection()})


def make_models(names: dict[str, str], region: str | None = None) -> Models:
    """Model classes bound to one deployment's tables (names by spec logical name)."""

    def meta(logical: str) -> Any:
        return table_meta(names[logical], region)

    index = index_meta

    class CatalogModel(Model):
        Meta = meta("catalog")
        item_code = UnicodeAttribute(hash_key=True)
        dept_code = UnicodeAttribute()
        region_code = UnicodeAttribute(null=True)
        data = UnicodeAttribute()

    class DueIndex(GlobalSecondaryIndex["CaseModel"]):
        Meta = index("due-index")
        due_shard = UnicodeAttribute(hash_key=True)
        next_due = NumberAttribute(range_key=True)

    class OpenIndex(GlobalSecondaryIndex["CaseModel"]):
        Meta = index("open-index")
        open_shard = UnicodeAttribute(hash_key=True)
        case_no = UnicodeAttribute(range_key=True)

    class CaseModel(Model):
        Meta = meta("cases")
        case_no = UnicodeAttribute(hash_key=True)
        dept_code = UnicodeAttribute()
        region_code = UnicodeAttribute()
        item_code = UnicodeAttribute()
        record_count = NumberAttribute(default=0)
        checked_count = NumberAttribute(default=0)
        last_hash = UnicodeAttribute(default="")
        stage = UnicodeAttribute(null=True)
        outcome = UnicodeAttribute(null=True)
        execution_arn = UnicodeAttribute(null=True)
        task_token = UnicodeAttribute(null=True)
        next_due = NumberAttribute(null=True)
        due_shard = UnicodeAttribute(null=True)
        summary = UnicodeAttribute(null=True)
        query_hash = UnicodeAttribute(null=True)
        open_shard = UnicodeAttribute(null=True)
        notes = ListAttribute(of=UnicodeAttribute, null=True)  # JSON of each note, oldest first
        due_index = DueIndex()
        open_index = OpenIndex()

    class RecordModel(Model):
        Meta = meta("records")
        case_no = UnicodeAttribute(hash_key=True)
        record_key = UnicodeAttribute(range_key=True)
        arrival = NumberAttribute()
        content = UnicodeAttribute()
        received_at = UnicodeAttribute()
        prev_hash = UnicodeAttribute()
        hash = UnicodeAttribute()

    class PrincipalModel(Model):
        Meta = meta("principals")
        key_hash = UnicodeAttribute(hash_key=True)
        role = UnicodeAttribute()
        dept_code = UnicodeAttribute(null=True)
        region_code = UnicodeAttribute()
        name = UnicodeAttribute(null=True)

    return Models(CatalogModel, CaseModel, RecordModel, PrincipalModel)


def table_names(stage: str) -> dict[str, str]:
    return {t.logical: t.physical(stage) for t in spec.TABLES}


# -- catalogue -----------------------------------------------------------------------------------


class DynamoCatalog:
    def __init__(self, models: Models) -> None:
        self._model = models.catalog
        self._cache: dict[str, Item] = {}

    def get(self, item_code: str) -> Item | None:
        if item_code not in self._cache:
            try:
                row = self._model.get(item_code)
            except DoesNotExist:
                return None
            self._cache[item_code] = Item.model_validate_json(row.data)
        return self._cache[item_code]

    def all(self) -> list[Item]:
        return [Item.model_validate_json(row.data) for row in self._model.scan()]

    def put(self, item: Item) -> None:
        self._model(
            item.item_code,
            dept_code=item.dept_code,
            region_code=item.region_code,
            data=item.model_dump_json(),
        ).save()
        self._cache[item.item_code] = item


# -- the record log and the case rows ------------------------------------------------------------


def record_key(seq: int, type_: str) -> str:
    return f"{seq:09d}#{type_}"


class DynamoRecordLog:
    def __init__(self, models: Models, connection: Connection | None = None) -> None:
        self._record, self._case = models.record, models.case
        self._connection = connection or Connection(region=models.record.Meta.region)

    def load(self, case_no: str) -> list[StoredRecord]:
        return [
            StoredRecord(
                r.case_no,
                r.record_key,
                int(r.arrival),
                json.loads(r.content),
                dt.datetime.fromisoformat(r.received_at),
                r.prev_hash,
                r.hash,
            )
            for r in self._record.query(case_no, consistent_read=True)
        ]

    def append(
        self, row: CaseRow, new: list[Delivery], protect: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> int:
        """Append after the case's head in one transaction; the case row moves only if unchanged."""
        prev, arrival = row.last_hash, row.record_count
        puts = []
        for delivery in new:
            arrival += 1
            content = protect(to_exchange_json(delivery.record))
            received = (delivery.received_at or dt.datetime.now(dt.UTC)).isoformat()
            digest = chain_hash(prev, content, received)
            r = delivery.record
            puts.append(
                self._record(
                    r.case_no,
                    record_key(r.seq, r.type),
                    arrival=arrival,
                    content=json.dumps(content, ensure_ascii=False),
                    received_at=received,
                    prev_hash=prev,
                    hash=digest,
                )
            )
            prev = digest
        case = self._case(row.case_no)
        first_time = row.record_count == 0
        condition: Condition = (
            self._case.case_no.does_not_exist() if first_time else self._case.record_count == row.record_count
        )
        actions = [self._case.record_count.set(arrival), self._case.last_hash.set(prev)]
        if first_time:
            actions += [
                self._case.dept_code.set(row.dept_code),
                self._case.region_code.set(row.region_code),
                self._case.item_code.set(row.item_code),
                self._case.checked_count.set(0),
            ]
        try:
            with TransactWrite(connection=self._connection) as tx:
                tx.update(case, actions=actions, condition=condition)
                for put in puts:
                    tx.save(put, condition=self._record.record_key.does_not_exist())
        except TransactWriteError as exc:
            raise ConcurrentAppend(row.case_no) from exc
        return arrival


class DynamoCases:
    def __init__(self, models: Models) -> None:
        self._model = models.case

    def get(self, case_no: str) -> CaseRow | None:
        try:
            return _row(self._model.get(case_no, consistent_read=True))
        except DoesNotExist:
            return None

    def take_token(self, case_no: str) -> CaseRow | None:
        """Remove the parked token in one write and return the row as it was (old token included)."""
        m = self._model
        try:
            # pynamodb's Model.update answers with the new values; the old token needs ALL_OLD.
            answer = m._get_connection().update_item(
                case_no,
                actions=[m.task_token.remove()],
                condition=m.case_no.exists(),
                return_values="ALL_OLD",
            )
        except UpdateError:
            return None
        return _row(m.from_raw_data(answer["Attributes"]))

    def due(self, now: dt.datetime) -> DueCases:
        """Query every shard of the sparse due index up to `now`: reads only what is due."""
        moment = int(now.timestamp())
        case_nos: list[str] = []
        for shard in range(DUE_SHARDS):
            for row in self._model.due_index.query(f"due#{shard}", self._model.next_due <= moment):
                case_nos.append(row.case_no)
        return DueCases(case_nos, len(case_nos))

    def set_execution(self, case_no: str, execution_arn: str) -> None:
        self._model(case_no).update(actions=[self._model.execution_arn.set(execution_arn)])

    def park(self, case_no: str, token: str, checked_count: int) -> bool:
        try:
            self._model(case_no).update(
                actions=[self._model.task_token.set(token)],
                condition=self._model.record_count == checked_count,
            )
        except UpdateError:
            return False
        return True

    def save_check(self, row: CaseRow, note: dict[str, Any] | None = None) -> None:
        m = self._model
        actions = [
            m.stage.set(row.stage),
            m.checked_count.set(row.checked_count),
            m.summary.set(json.dumps(row.summary, ensure_ascii=False)),
        ]
        actions.append(m.outcome.set(row.outcome) if row.outcome else m.outcome.remove())
        if row.query_hash:
            actions.append(m.query_hash.set(row.query_hash))
        if row.next_due is not None:
            actions += [
                m.next_due.set(int(row.next_due.timestamp())),
                m.due_shard.set(due_shard(row.case_no)),
            ]
        else:
            actions += [m.next_due.remove(), m.due_shard.remove()]
        # Only an open case can be judged differently by a new calendar or rule version.
        actions.append(
            m.open_shard.set(spec.open_shard(row.case_no)) if row.outcome is None else m.open_shard.remove()
        )
        if note is not None:
            actions.append(m.notes.set((m.notes | []).append([json.dumps(note, ensure_ascii=False)])))
        m(row.case_no).update(actions=actions)

    def open_page(self, shard: str, cursor: str | None, limit: int) -> OpenPage:
        start = {"open_shard": {"S": shard}, "case_no": {"S": cursor}} if cursor else None
        found = self._model.open_index.query(shard, limit=limit, last_evaluated_key=start)
        case_nos = [row.case_no for row in found]
        more = found.last_evaluated_key is not None and len(case_nos) >= limit
        return OpenPage(case_nos, case_nos[-1] if more and case_nos else None)


def due_shard(case_no: str) -> str:
    """Spread due cases over a few index partitions so the sweep's reads never sit on one."""
    return f"due#{zlib.crc32(case_no.encode()) % DUE_SHARDS}"


def _row(item: Any) -> CaseRow:
    return CaseRow(
        case_no=item.case_no,
        dept_code=item.dept_code,
        region_code=item.region_code,
        item_code=item.item_code,
        record_count=int(item.record_count or 0),
        checked_count=int(item.checked_count or 0),
        last_hash=item.last_hash or "",
        stage=item.stage or "",
        outcome=item.outcome,
        execution_arn=item.execution_arn,
        task_token=item.task_token,
        next_due=dt.datetime.fromtimestamp(item.next_due, dt.UTC) if item.next_due is not None else None,
        summary=json.loads(item.summary) if item.summary else {},
        query_hash=item.query_hash,
        notes=[json.loads(n) for n in item.notes or []],
    )


# -- principals ---------------------------------------------------------------------------------


def key_hash(api_key: str) -> str:
    return hashlib.sha256(api_key.encode()).hexdigest()


class DynamoPrincipals:
    def __init__(self, models: Models) -> None:
        self._model = models.principal

    def find(self, api_key: str) -> Principal | None:
        try:
            row = self._model.get(key_hash(api_key))
        except DoesNotExist:
            return None
        return Principal(
            role=row.role, region_code=row.region_code, dept_code=row.dept_code or "", name=row.name or ""
        )

    def put(self, api_key: str, principal: Principal) -> None:
        self._model(
            key_hash(api_key),
            role=principal.role,
            dept_code=principal.dept_code or None,
            region_code=principal.region_code,
            name=principal.name or None,
        ).save()
