"""The ports the use cases need: small protocols, real adapters in `sunlight.adapters`, fakes in tests."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from sunlight.alerts.service import AlertServices
from sunlight.approval.domain.catalog import Item
from sunlight.approval.domain.lifecycle import Delivery

if TYPE_CHECKING:
    from sunlight.approval.domain.config import RuleConfig
    from sunlight.approval.service.judgement import Judgement, JudgementSource, VersionStore
    from sunlight.kernel.settings import StageDefaults


@dataclass(frozen=True)
class StoredRecord:
    """A record as kept in the append-only log: content (personal data protected) and its chain."""

    case_no: str
    record_key: str
    arrival: int
    content: dict[str, Any]
    received_at: dt.datetime
    prev_hash: str
    hash: str


@dataclass
class CaseRow:
    """The stored view of a case: who owns it, how far the log and the checks are, the workflow."""

    case_no: str
    dept_code: str
    region_code: str
    item_code: str
    record_count: int = 0
    checked_count: int = 0
    last_hash: str = ""
    stage: str = ""
    outcome: str | None = None
    execution_arn: str | None = None
    task_token: str | None = None
    next_due: dt.datetime | None = None
    summary: dict[str, Any] = field(default_factory=dict)
    query_hash: str | None = None  # keyed hash of the applicant's query code, for the public look-up
    # What the system said about the case over time (e.g. due instants recomputed), oldest first.
    notes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def judged_generation(self) -> int:
        """The activation generation the case was last judged under (0: the stage's defaults)."""
        return int(self.summary.get("generation", 0))


class CatalogStore(Protocol):
    def get(self, item_code: str) -> Item | None: ...
    def all(self) -> list[Item]: ...
    def put(self, item: Item) -> None: ...


class RecordLog(Protocol):
    def load(self, case_no: str) -> list[StoredRecord]: ...

    def append(
        self, row: CaseRow, new: list[Delivery], protect: Callable[[dict[str, Any]], dict[str, Any]]
    ) -> int:
        """Append deliveries after the case's current head; raises `ConcurrentAppend` if it moved."""
        ...


@dataclass(frozen=True)
class OpenPage:
    """A page of one shard of the open cases, and where the next page starts (None: the last)."""

    case_nos: list[str]
    cursor: str | None


@dataclass(frozen=True)
class DueCases:
    """The cases whose next due moment has come, and how many index items reading them cost."""

    case_nos: list[str]
    read: int


class CaseStore(Protocol):
    def get(self, case_no: str) -> CaseRow | None: ...
    def due(self, now: dt.datetime) -> DueCases: ...
    def take_token(self, case_no: str) -> CaseRow | None:
        """Remove and return the parked task token (returns the row as it was before)."""
        ...

    def set_execution(self, case_no: str, execution_arn: str) -> None: ...
    def park(self, case_no: str, token: str, checked_count: int) -> bool:
        """Keep the token unless records arrived since `checked_count`; False if they did."""
        ...

    def save_check(self, row: CaseRow, note: dict[str, Any] | None = None) -> None:
        """Keep what the check found; `note` is appended to the case's notes (never rewritten)."""
        ...

    def open_page(self, shard: str, cursor: str | None, limit: int) -> OpenPage:
        """Up to `limit` open cases of one shard of the open index, after `cursor`."""
        ...


class Workflow(Protocol):
    def start(self, case_no: str, name: str) -> str: ...
    def resume(self, token: str, output: dict[str, Any]) -> bool:
        """Resume a parked execution; False if the token is no longer valid."""
        ...


class Protector(Protocol):
    def protect(self, content: dict[str, Any]) -> dict[str, Any]: ...
    def reveal(self, content: dict[str, Any]) -> dict[str, Any]: ...
    def keyed_hash(self, value: str) -> str: ...


class ConcurrentAppend(Exception):
    """Another writer appended to the same case first; reload and try again."""


class RecomputeJobs(Protocol):
    def start(self, generation: int, shards: list[str]) -> str:
        """Start re-judging every open case for an activation; returns the job's id (execution ARN)."""
        ...


class ApprovalServices(AlertServices, Protocol):
    """The ports the approval line works with (`app.services.Services` provides them)."""

    @property
    def catalog(self) -> CatalogStore: ...
    @property
    def records(self) -> RecordLog: ...
    @property
    def cases(self) -> CaseStore: ...
    @property
    def workflow(self) -> Workflow: ...
    @property
    def protector(self) -> Protector: ...
    @property
    def judgements(self) -> JudgementSource | None: ...
    @property
    def versions(self) -> VersionStore | None: ...
    @property
    def recompute_jobs(self) -> RecomputeJobs | None: ...
    @property
    def stage(self) -> StageDefaults: ...
    @property
    def config(self) -> RuleConfig: ...
    def judgement(self, at_least: int = 0) -> Judgement: ...
