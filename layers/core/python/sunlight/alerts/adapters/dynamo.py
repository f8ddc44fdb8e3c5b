"""The announcer's tables: the staff registry (who handles and leads a department's cases) and the
counters that number written directives."""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.exceptions import DoesNotExist
from pynamodb.models import Model

from sunlight.alerts.domain.notices import StaffMember
from sunlight.approval.adapters.dynamo import table_meta


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
