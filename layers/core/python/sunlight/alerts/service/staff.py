"""The staff registry: a department registers who handles its cases and who leads them."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field

from sunlight.alerts.domain.notices import StaffMember
from sunlight.alerts.service.ports import AlertServices
from sunlight.kernel.access import Forbidden, Principal


class StaffEntry(BaseModel):
    name: str = Field(min_length=1, max_length=50)
    role: str = Field(pattern="^(handler|leader)$")
    phone: str
    leader_id: str | None = Field(default=None, max_length=50)
    active: bool = True


def register(
    handler_id: str, body: StaffEntry, principal: Principal, services: AlertServices
) -> dict[str, Any]:
    if principal.role != "department" or services.staff is None:
        raise Forbidden("a department registers its own staff")
    member = StaffMember.model_validate(
        {"dept_code": principal.dept_code, "handler_id": handler_id, **body.model_dump()}
    )
    services.staff.put(member)
    shown = member.model_dump(mode="json")
    shown["phone"] = shown["phone"][:3] + "****" + shown["phone"][-4:]
    return shown
