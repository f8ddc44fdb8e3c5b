"""DynamoDB adapters of the citizens' side: complaints and the look-up throttle.

Model classes are made by factories from one deployment's table names (nothing binds or connects at
import time); keys and indexes are those of `sunlight.app.spec` (COMPLAINTS, THROTTLE). A complaint is
kept whole as JSON in `data`, beside the attributes its indexes need: the sparse `due-index`
(`due_shard`, `next_due`: only complaints with a next deadline moment) and the sparse `dept-index`
(`dept_code`, `filed_at`: only complaints directed to a department). Writes are conditioned on the
complaint's `version`, so two desk steps never both win.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any, TypeVar

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from sunlight.app import spec
from sunlight.approval.adapters.dynamo import DUE_SHARDS, due_shard, index_meta, table_meta
from sunlight.complaints.domain import Complaint

_T = TypeVar("_T")


_DUE_INDEX, _DEPT_INDEX = (i.name for i in spec.COMPLAINTS.indexes)


def make_complaint_model(table_name: str, region: str | None = None) -> Any:
    class DueIndex(GlobalSecondaryIndex["ComplaintModel"]):  # type: ignore[no-untyped-call]
        Meta = index_meta(_DUE_INDEX)
        due_shard = UnicodeAttribute(hash_key=True)
        next_due = NumberAttribute(range_key=True)

    class DeptIndex(GlobalSecondaryIndex["ComplaintModel"]):  # type: ignore[no-untyped-call]
        Meta = index_meta(_DEPT_INDEX)
        dept_code = UnicodeAttribute(hash_key=True)
        filed_at = UnicodeAttribute(range_key=True)

    class ComplaintModel(Model):
        Meta = table_meta(table_name, region)
        complaint_no = UnicodeAttribute(hash_key=True)
        region_code = UnicodeAttribute()
        state = UnicodeAttribute()
        filed_at = UnicodeAttribute()
        version = NumberAttribute()
        data = UnicodeAttribute()
        dept_code = UnicodeAttribute(null=True)
        due_shard = UnicodeAttribute(null=True)
        next_due = NumberAttribute(null=True)
        due_index = DueIndex()
        dept_index = DeptIndex()

    return ComplaintModel


class DynamoComplaints:
    def __init__(self, model: Any) -> None:
        self._model = model

    def _item(self, complaint: Complaint) -> Any:
        due = complaint.next_due
        return self._model(
            complaint.complaint_no,
            region_code=complaint.region_code,
            state=complaint.state,
            filed_at=complaint.filed_at.isoformat(timespec="seconds"),
            version=complaint.version,
            data=complaint.model_dump_json(),
            dept_code=complaint.dept_code,
            due_shard=due_shard(complaint.complaint_no) if due else None,
            next_due=int(due.timestamp()) if due else None,
        )

    def create(self, complaint: Complaint) -> bool:
        try:
            self._item(complaint).save(condition=self._model.complaint_no.does_not_exist())
        except PutError:
            return False
        return True

    def get(self, complaint_no: str) -> Complaint | None:
        try:
            row = self._model.get(complaint_no, consistent_read=True)
        except DoesNotExist:
            return None
        return _complaint(row)

    def save(self, complaint: Complaint, expected_version: int) -> bool:
        try:
            self._item(complaint).save(condition=self._model.version == expected_version)
        except PutError:
            return False
        return True

    def due(self, now: dt.datetime) -> list[str]:
        moment = int(now.timestamp())
        m = self._model
        return [
            row.complaint_no
            for shard in range(DUE_SHARDS)
            for row in m.due_index.query(f"due#{shard}", m.next_due <= moment)
        ]

    def listing(self, dept_code: str | None, region_prefix: str) -> list[Complaint]:
        m = self._model
        if dept_code:
            return [_complaint(r) for r in m.dept_index.query(dept_code, scan_index_forward=False)]
        rows = m.scan(filter_condition=m.region_code.startswith(region_prefix)) if region_prefix else m.scan()
        found = [_complaint(r) for r in rows]
        return sorted(found, key=lambda c: (c.filed_at, c.complaint_no), reverse=True)

    def all(self) -> Iterator[Complaint]:
        """Every stored complaint, in no order (a scan, page by page: for the nightly recompute)."""
        for row in self._model.scan():
            yield _complaint(row)


def _complaint(row: Any) -> Complaint:
    complaint = Complaint.model_validate_json(row.data)
    complaint.version = int(row.version)
    return complaint


# -- the look-up throttle ----------------------------------------------------------------------------


def make_throttle_model(table_name: str, region: str | None = None) -> Any:
    class ThrottleModel(Model):
        Meta = table_meta(table_name, region)
        throttle_key = UnicodeAttribute(hash_key=True)
        failures = NumberAttribute(null=True)
        expires_at = NumberAttribute(null=True)  # the table's TTL attribute (epoch seconds)

    return ThrottleModel


class DynamoThrottle:
    """Failed look-ups per key, counted by a conditional ADD that stops at the limit."""

    def __init__(self, model: Any) -> None:
        self._model = model

    def failures(self, key: str) -> int:
        try:
            row = self._model.get(key, consistent_read=True)
        except DoesNotExist:
            return 0
        return int(row.failures or 0)

    def fail(self, key: str, limit: int, expires_at: dt.datetime) -> bool:
        m = self._model
        try:
            m(key).update(
                actions=[m.failures.add(1), m.expires_at.set(int(expires_at.timestamp()))],
                condition=m.failures.does_not_exist() | (m.failures < limit),
            )
        except UpdateError:
            return False
        return True
