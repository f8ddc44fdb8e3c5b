"""Who is calling, and what they may read and write.

A department submits only its own records and reads only its own cases and alerts; the supervision
office reads everything in its region subtree and keeps the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

# The access errors live in the one hierarchy (sunlight.kernel.errors); named here too, where the
# use cases have always imported them from.
from sunlight.kernel.errors import Conflict, Forbidden, NotFound, Unauthorized

__all__ = ["Conflict", "Forbidden", "NotFound", "Principal", "Role", "Unauthorized"]

Role = Literal["department", "office"]


@dataclass(frozen=True)
class Principal:
    role: Role
    region_code: str
    dept_code: str = ""
    name: str = ""

    @property
    def scope(self) -> str:
        """The region prefix this principal covers: 330100 (a city) covers 3301…, 330000 covers 33…."""
        code = self.region_code[:6]
        while code.endswith("00") and len(code) > 2:
            code = code[:-2]
        return code

    def sees(self, dept_code: str, region_code: str) -> bool:
        if self.role == "department":
            return dept_code == self.dept_code
        return region_code.startswith(self.scope)

    def may_submit_for(self, dept_code: str) -> bool:
        return self.role == "department" and dept_code == self.dept_code

    @property
    def keeps_catalogue(self) -> bool:
        return self.role == "office"

    def to_context(self) -> dict[str, str]:
        """As an API Gateway authorizer context (flat strings)."""
        return {
            "role": self.role,
            "region_code": self.region_code,
            "dept_code": self.dept_code,
            "name": self.name,
        }

    @classmethod
    def from_context(cls, context: dict[str, Any] | None) -> Principal:
        if not context or context.get("role") not in ("department", "office"):
            raise Unauthorized("no principal on the request")
        return cls(
            role=context["role"],
            region_code=str(context.get("region_code", "")),
            dept_code=str(context.get("dept_code", "")),
            name=str(context.get("name", "")),
        )
