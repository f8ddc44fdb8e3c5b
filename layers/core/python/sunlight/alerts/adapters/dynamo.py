"""The alerts kernel's tables: the alerts themselves (with their indexes by department, case,
province and notice time), the staff registry (who handles and leads a department's cases) and the
counters that number written directives."""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition
from pynamodb.indexes import GlobalSecondaryIndex
from pynamodb.models import Model

from sunlight.alerts.domain.notices import StaffMember
from sunlight.alerts.service import AlertFilter, AlertPage
from sunlight.approval.adapters.dynamo import DUE_SHARDS, due_shard, index_meta, table_meta
from sunlight.kernel.errors import InvalidRecord, Problem


def make_alert_model(table_name: str, region: str | None = None) -> Any:
    """The alert model bound to one deployment's alerts table (key design from `sunlight.app.spec`)."""

    class DeptIndex(GlobalSecondaryIndex["AlertModel"]):
        Meta = index_meta("dept-index")
        dept_code = UnicodeAttribute(hash_key=True)
        raised_key = UnicodeAttribute(range_key=True)

    class CaseIndex(GlobalSecondaryIndex["AlertModel"]):
        Meta = index_meta("case-index")
        case_no = UnicodeAttribute(hash_key=True)
        raised_key = UnicodeAttribute(range_key=True)

    class ProvinceIndex(GlobalSecondaryIndex["AlertModel"]):
        Meta = index_meta("province-index")
        province = UnicodeAttribute(hash_key=True)
        raised_key = UnicodeAttribute(range_key=True)

    class NoticeIndex(GlobalSecondaryIndex["AlertModel"]):
        Meta = index_meta("notice-index")
        notice_shard = UnicodeAttribute(hash_key=True)
        notice_due = NumberAttribute(range_key=True)

    class AlertModel(Model):
        Meta = table_meta(table_name, region)
        alert_id = UnicodeAttribute(hash_key=True)
        case_no = UnicodeAttribute()
        dept_code = UnicodeAttribute()
        region_code = UnicodeAttribute()
        province = UnicodeAttribute()
        rule = UnicodeAttribute()
        level = UnicodeAttribute()
        status = UnicodeAttribute()
        raised_at = UnicodeAttribute()
        raised_key = UnicodeAttribute()
        data = UnicodeAttribute()
        history = UnicodeAttribute()
        dept_index = DeptIndex()
        case_index = CaseIndex()
        province_index = ProvinceIndex()
        notice_shard = UnicodeAttribute(null=True)
        notice_due = NumberAttribute(null=True)
        notice_index = NoticeIndex()

    return AlertModel


class DynamoAlerts:
    def __init__(self, model: Any) -> None:
        self._model = model

    def for_case(self, case_no: str) -> list[dict[str, Any]]:
        return [_alert_json(a) for a in self._model.case_index.query(case_no)]

    def statuses(self, case_no: str) -> dict[str, str]:
        return {a.alert_id: a.status for a in self._model.case_index.query(case_no)}

    def get(self, alert_id: str) -> dict[str, Any] | None:
        try:
            return _alert_json(self._model.get(alert_id, consistent_read=True))
        except DoesNotExist:
            return None

    def create(self, alert: dict[str, Any], history: list[dict[str, Any]]) -> bool:
        """Store a new alert; False if it is already there (a concurrent check stored it first)."""
        item = self._model(
            alert["alert_id"],
            case_no=alert["case_no"],
            dept_code=alert["dept_code"],
            region_code=alert["region_code"],
            province=alert["region_code"][:2],
            rule=alert["rule"],
            level=alert["level"],
            status=history[-1]["status"],
            raised_at=alert["raised_at"],
            raised_key=f"{alert['raised_at']}#{alert['alert_id']}",
            data=json.dumps(alert, ensure_ascii=False),
            history=json.dumps(history, ensure_ascii=False),
        )
        try:
            item.save(condition=self._model.alert_id.does_not_exist())
        except PutError:
            return False
        return True

    def move(self, alert_id: str, before: str, after: str, entry: dict[str, Any]) -> bool:
        """Change the status if it is still `before`, appending the history entry; False otherwise."""
        try:
            old = self._model.get(alert_id, consistent_read=True)
        except DoesNotExist:
            return False
        if old.status != before:
            return False
        history = [*json.loads(old.history), {"status": after, **entry}]
        data = {**json.loads(old.data), "status": after}
        m = self._model
        try:
            old.update(
                actions=[
                    m.status.set(after),
                    m.history.set(json.dumps(history, ensure_ascii=False)),
                    m.data.set(json.dumps(data, ensure_ascii=False)),
                ],
                condition=m.status == before,
            )
        except UpdateError:
            return False
        return True

    def hold(self, alert_id: str, until: dt.datetime | None) -> None:
        """Put the alert in the sparse notice index until `until` (None takes it out)."""
        m = self._model
        if until is None:
            actions = [m.notice_shard.remove(), m.notice_due.remove()]
        else:
            actions = [m.notice_shard.set(due_shard(alert_id)), m.notice_due.set(int(until.timestamp()))]
        m(alert_id).update(actions=actions)

    def held(self, now: dt.datetime) -> list[dict[str, Any]]:
        moment = int(now.timestamp())
        return [
            _alert_json(a)
            for shard in range(DUE_SHARDS)
            for a in self._model.notice_index.query(f"due#{shard}", self._model.notice_due <= moment)
        ]

    def annotate(self, alert_id: str, fields: dict[str, Any]) -> None:
        """Add facts to an alert's stored JSON (its directive, its text plan)."""
        old = self._model.get(alert_id, consistent_read=True)
        data = {**json.loads(old.data), **fields}
        old.update(actions=[self._model.data.set(json.dumps(data, ensure_ascii=False))])

    def query(self, flt: AlertFilter, cursor: str | None, limit: int) -> AlertPage:
        m = self._model
        low, high = flt.raised_from or "0", (flt.raised_to or "9999") + "~"
        key_condition = m.raised_key.between(low, high)
        condition: Condition | None = None
        for attr, value in ((m.level, flt.level), (m.rule, flt.rule), (m.status, flt.status)):
            if value:
                condition = (attr == value) if condition is None else condition & (attr == value)
        if flt.region_prefix:
            region = m.region_code.startswith(flt.region_prefix)
            condition = region if condition is None else condition & region
        start = _cursor(cursor) if cursor else None
        if flt.dept_code:
            results = m.dept_index.query(
                flt.dept_code,
                key_condition,
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
        else:
            results = m.province_index.query(
                flt.region_prefix[:2],
                key_condition,
                filter_condition=condition,
                scan_index_forward=False,
                limit=limit,
                last_evaluated_key=start,
            )
        alerts = [_alert_json(a) for a in results]
        last = results.last_evaluated_key
        token = (
            base64.urlsafe_b64encode(json.dumps(last).encode()).decode()
            if last and len(alerts) == limit
            else None
        )
        return AlertPage(alerts, token)


# The attributes a page of the alert listing can end on: the table's key and its indexes' keys.
_CURSOR_KEYS = frozenset({"alert_id", "dept_code", "province", "case_no", "raised_key"})


def _cursor(text: str) -> dict[str, Any]:
    """The key a listing resumes from, as this API handed it out; anything else is refused (422)."""
    try:
        key = json.loads(base64.urlsafe_b64decode(text.encode("ascii")))
    except (ValueError, UnicodeError):  # binascii.Error and JSONDecodeError are ValueErrors
        key = None
    well_formed = (
        isinstance(key, dict)
        and key
        and set(key) <= _CURSOR_KEYS
        and all(isinstance(v, dict) and set(v) == {"S"} and isinstance(v["S"], str) for v in key.values())
    )
    if not well_formed:
        raise InvalidRecord(
            [Problem("cursor", "invalid cursor: pass the cursor of the previous page as given")]
        )
    return dict(key)


def _alert_json(a: Any) -> dict[str, Any]:
    return {**json.loads(a.data), "status": a.status, "history": json.loads(a.history)}


def make_staff_model(table_name: str, region: str | None = None) -> Any:
    class StaffModel(Model):
        Meta: Any = table_meta(table_name, region)
        dept_code = UnicodeAttribute(hash_key=True)
        handler_id = UnicodeAttribute(range_key=True)
        data = UnicodeAttribute()

    return StaffModel


class DynamoStaff:
    def __init__(self, model: Any) -> None:
        self._model = model

    def get(self, dept_code: str, handler_id: str) -> StaffMember | None:
        try:
            return StaffMember.model_validate_json(self._model.get(dept_code, handler_id).data)
        except DoesNotExist:
            return None

    def leader_of(self, member: StaffMember) -> StaffMember | None:
        if member.leader_id:
            return self.get(member.dept_code, member.leader_id)
        leaders = [StaffMember.model_validate_json(r.data) for r in self._model.query(member.dept_code)]
        return next((m for m in leaders if m.role == "leader" and m.active), None)

    def put(self, member: StaffMember) -> None:
        self._model(member.dept_code, member.handler_id, data=member.model_dump_json()).save()


def make_counter_model(table_name: str, region: str | None = None) -> Any:
    class CounterModel(Model):
        Meta: Any = table_meta(table_name, region)
        counter = UnicodeAttribute(hash_key=True)
        value = NumberAttribute(default=0)

    return CounterModel


class DynamoCounters:
    def __init__(self, model: Any) -> None:
        self._model = model

    def next(self, name: str) -> int:
        """An atomic increment: two directives issued at once never share a number."""
        item = self._model(name)
        item.update(actions=[self._model.value.add(1)])
        return int(item.value)
