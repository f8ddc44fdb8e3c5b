"""The item catalogue (事项目录): what each item requires, kept by the supervision office."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from sunlight.approval.domain.records import Limit, Money, SpecialKind, StageName, problems_error, problems_of
from sunlight.kernel.errors import InvalidRecord, Problem, UnknownItem

CREDIT_CODE = r"^[0-9A-HJ-NPQRTUWXY]{18}$"
"""A unified social credit code (统一社会信用代码): departments and companies."""


class Item(BaseModel):
    """One catalogue entry, as in `exchange-format.md`."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    item_code: str = Field(min_length=1, max_length=24)
    name: str = Field(min_length=1, max_length=200)
    dept_code: str = Field(pattern=CREDIT_CODE)
    dept_name: str | None = None
    region_code: str | None = Field(default=None, pattern=r"^([0-9]{6}|[0-9]{9}|[0-9]{12})$")
    legal_basis: str = Field(min_length=1)
    statutory_limit: Limit
    committed_limit: Limit
    stages: list[StageName] = Field(min_length=1)
    fee_standard: Money = "0"
    online_required: bool = False
    specials_allowed: list[SpecialKind] = Field(default_factory=list)
    stage_limits: dict[StageName, Limit] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _consistent(self) -> Item:
        found: list[tuple[str, str, Any]] = []
        if len(set(self.stages)) != len(self.stages):
            found.append(("stages", "must not repeat a stage", list(self.stages)))
        for stage in sorted(set(self.stage_limits) - set(self.stages)):
            found.append((f"stage_limits.{stage}", "names a stage the item does not have", stage))
        if found:
            raise problems_error(found)
        return self

    @property
    def is_free(self) -> bool:
        return float(self.fee_standard) == 0


class Catalog:
    """Items by code."""

    def __init__(self, items: Iterable[Item]) -> None:
        self._items = {i.item_code: i for i in items}

    def __getitem__(self, item_code: str) -> Item:
        try:
            return self._items[item_code]
        except KeyError:
            raise UnknownItem(item_code) from None

    def __contains__(self, item_code: object) -> bool:
        return item_code in self._items

    def __iter__(self) -> Iterator[Item]:
        return iter(self._items.values())

    def __len__(self) -> int:
        return len(self._items)

    @classmethod
    def from_json(cls, data: Any) -> Catalog:
        """Load from a list of entries or {"items": [...]}; every bad entry is reported."""
        entries = data.get("items") if isinstance(data, dict) else data
        if not isinstance(entries, list):
            raise InvalidRecord(
                [Problem("items", "must be a list of catalogue entries", type(data).__name__)]
            )
        items, problems = [], []
        for n, entry in enumerate(entries):
            try:
                items.append(Item.model_validate(entry))
            except ValidationError as exc:
                problems += [Problem(f"items[{n}].{p.field}", p.problem, p.got) for p in problems_of(exc)]
        if problems:
            raise InvalidRecord(problems)
        return cls(items)

    @classmethod
    def load(cls, path: str | Path) -> Catalog:
        return cls.from_json(json.loads(Path(path).read_text(encoding="utf-8")))

    def to_json(self) -> dict[str, Any]:
        return {"items": [i.model_dump(mode="json", exclude_defaults=False) for i in self]}
