"""The resources of a Sunlight deployment, defined once.

The CDK stack (`infra/`) and the local embedded mode (`sunlight.devtools.local`) both build their tables,
indexes, functions, routes and state machine from these definitions, and a test proves that the
synthesised template and the local resources agree. Names here are logical; a deployment prefixes
them with its stage (`sunlight-dev-cases`), and functions find them through the environment
variables named by `Table.env` and `STATE_MACHINE_ENV`.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

KeyType = Literal["S", "N"]
Access = Literal["department", "office", "any", "public"]

ROOT = Path(__file__).resolve().parents[5]
"""The repository root (layers/core/python/sunlight/app/spec.py is four folders down)."""


@dataclass(frozen=True)
class Key:
    name: str
    type: KeyType = "S"


@dataclass(frozen=True)
class Index:
    """A global secondary index; `purpose` is the access pattern it serves (shown in the README)."""

    name: str
    partition: Key
    sort: Key | None = None
    purpose: str = ""


@dataclass(frozen=True)
class Table:
    logical: str
    partition: Key
    sort: Key | None = None
    indexes: tuple[Index, ...] = ()
    purpose: str = ""

    @property
    def env(self) -> str:
        return f"SUNLIGHT_TABLE_{self.logical.upper()}"

    def physical(self, stage: str) -> str:
        return f"sunlight-{stage}-{self.logical}"


CATALOG = Table(
    "catalog",
    Key("item_code"),
    purpose="the item catalogue kept by the supervision office; read whole (a city has hundreds of items)",
)
CASES = Table(
    "cases",
    Key("case_no"),
    indexes=(
        Index(
            "due-index",
            Key("due_shard"),
            Key("next_due", "N"),
            purpose="deadline sweep: open cases whose next warning/yellow/red moment is due "
            "(sparse: only cases with a next due moment carry due_shard)",
        ),
        Index(
            "open-index",
            Key("open_shard"),
            Key("case_no"),
            purpose="every open case, in pages per shard, for re-judging them under a newly activated "
            "calendar or rule configuration (sparse: a concluded case carries no open_shard)",
        ),
    ),
    purpose="the current view of each case (stage, clock, next due moment, workflow task token, the "
    "judgement it was last checked under, its notes)",
)
RECORDS = Table(
    "records",
    Key("case_no"),
    Key("record_key"),
    purpose="append-only log of exchange records as received, each hash-chained to the previous one of its "
    "case; record_key = zero-padded seq # type, so a query returns the sender's order",
)
NOTICES_INDEX = Index(
    "notice-index",
    Key("notice_shard"),
    Key("notice_due", "N"),
    purpose="text alerts held back by quiet hours, by the moment they may go (sparse)",
)
ALERTS = Table(
    "alerts",
    Key("alert_id"),
    indexes=(
        Index(
            "dept-index",
            Key("dept_code"),
            Key("raised_key"),
            purpose="a department's alerts by time (raised_key = raised_at # alert_id), for GET /v1/alerts",
        ),
        Index(
            "case-index",
            Key("case_no"),
            Key("raised_key"),
            purpose="a case's alerts, for the case view and for syncing a fresh rule check",
        ),
        Index(
            "province-index",
            Key("province"),
            Key("raised_key"),
            purpose="the supervision office's alerts by time within its province, filtered to its region "
            "subtree",
        ),
        NOTICES_INDEX,
    ),
    purpose="alerts with their recorded state transitions (never deleted)",
)
PRINCIPALS = Table(
    "principals",
    Key("key_hash"),
    purpose="API credentials: SHA-256 of each key -> department (dept_code, region) or supervision office",
)
STAFF = Table(
    "staff",
    Key("dept_code"),
    Key("handler_id"),
    purpose="the staff registry: name, role (handler/leader), leader_id and phone of each department's "
    "staff, for text alerts",
)
COUNTERS = Table(
    "counters",
    Key("counter"),
    purpose="yearly numbering of written directives (督办通知书, 整改建议书) by atomic increment",
)
COMPLAINTS = Table(
    "complaints",
    Key("complaint_no"),
    indexes=(
        Index(
            "due-index",
            Key("due_shard"),
            Key("next_due", "N"),
            purpose="complaint deadlines for the sweep (sparse: only open complaints with a next moment)",
        ),
        Index(
            "dept-index",
            Key("dept_code"),
            Key("filed_at"),
            purpose="the complaints directed to a department, newest first",
        ),
    ),
    purpose="citizens' complaints and enquiries with their state history, deadlines and rating",
)
THROTTLE = Table(
    "throttle",
    Key("throttle_key"),
    purpose="failed public look-ups per case or complaint number and minute (expiring), against enumeration",
)
SCORES = Table(
    "scores",
    Key("pk"),
    Key("sk"),
    purpose="the performance evaluation: tallies (pk tally#<period>, sk unit, one number per count), the "
    "ledger of each source of facts (ledger#<id>), the scoring standard's versions (standard) and the "
    "scores each version made per month (score#<period>)",
)
SETTINGS = Table(
    "settings",
    Key("id"),
    purpose="the supervision office's versioned calendars and rule configurations (immutable versions), "
    "and the active judgement (calendar + rules + generation), read by every function through a cached "
    "provider",
)
TABLES: tuple[Table, ...] = (
    CATALOG,
    CASES,
    RECORDS,
    ALERTS,
    PRINCIPALS,
    STAFF,
    COUNTERS,
    COMPLAINTS,
    THROTTLE,
    SCORES,
    SETTINGS,
)


@dataclass(frozen=True)
class Function:
    logical: str
    handler: str  # module path under functions/, e.g. "api.handler.handler"
    purpose: str
    memory_mb: int = 512
    timeout_s: int = 29
    tables: tuple[str, ...] = ()
    starts_workflow: bool = False
    starts_recompute: bool = False  # starts the recompute workflow when a version is activated
    schedule_minutes: int | None = None  # run by an EventBridge schedule at this rate (config may override)
    # Or run at fixed times: an EventBridge cron expression in UTC, 6 fields ("cron(0 18 * * ? *)" is
    # 02:00 in Asia/Shanghai); config may override. A function has at most one of the two.
    schedule_cron: str | None = None
    sends_text: bool = False  # publishes SMS and to the per-level alert topics
    writes_documents: bool = False  # puts rendered directives into the documents bucket

    def __post_init__(self) -> None:
        if self.schedule_minutes is not None and self.schedule_cron is not None:
            raise ValueError(f"function {self.logical}: schedule_minutes or schedule_cron, not both")


# Each function is told its own logical name, so the composition root wires it from its entry here.
FUNCTION_ENV = "SUNLIGHT_FUNCTION"

FUNCTIONS: tuple[Function, ...] = (
    Function(
        "api",
        "api.handler.handler",
        "the exchange API behind API Gateway",
        tables=(
            "catalog",
            "cases",
            "records",
            "alerts",
            "staff",
            "counters",
            "complaints",
            "scores",
            "settings",
        ),
        starts_workflow=True,
        starts_recompute=True,
        writes_documents=True,
    ),
    Function(
        "authorizer",
        "authorizer.handler.handler",
        "maps an API key to its principal",
        256,
        10,
        ("principals",),
    ),
    Function(
        "rule_check",
        "rule_check.handler.handler",
        "folds a case and stores its alerts (texting and writing directives for new ones), for each step of "
        "the case workflow",
        tables=("catalog", "cases", "records", "alerts", "staff", "counters", "scores", "settings"),
        timeout_s=60,
        sends_text=True,
        writes_documents=True,
    ),
    Function(
        "sweep",
        "sweep.handler.handler",
        "the deadline sweep: checks the cases whose next moment is due, sends held-back text alerts",
        1024,
        300,
        ("catalog", "cases", "records", "alerts", "staff", "counters", "complaints", "scores", "settings"),
        schedule_minutes=5,
        sends_text=True,
        writes_documents=True,
    ),
    Function(
        "public",
        "public.handler.handler",
        "the citizens' public API: service guide, case progress, complaints, rankings (no key, throttled)",
        tables=(
            "catalog",
            "cases",
            "records",
            "alerts",
            "complaints",
            "throttle",
            "counters",
            "scores",
            "settings",
        ),
        sends_text=True,
    ),
    Function(
        "park",
        "park.handler.handler",
        "keeps the workflow's task token on the case until the next record arrives",
        256,
        10,
        ("cases", "records"),
        starts_workflow=True,
    ),
    Function(
        "scoring",
        "scoring.handler.handler",
        "the nightly scoring: recompute the tallies from the log and report drift, score the open months",
        1024,
        900,
        ("catalog", "cases", "records", "alerts", "complaints", "scores", "settings"),
        schedule_cron="cron(0 18 * * ? *)",  # 02:00 Asia/Shanghai, when no department is reporting
    ),
    Function(
        "recompute",
        "recompute.handler.handler",
        "re-judges a page of open cases under the active calendar and rules after an activation (a step "
        "of the recompute workflow)",
        1024,
        900,
        ("catalog", "cases", "records", "alerts", "staff", "counters", "scores", "settings"),
        sends_text=True,
        writes_documents=True,
    ),
)


def function(logical: str) -> Function:
    """The spec entry of a function, by logical name."""
    found = [f for f in FUNCTIONS if f.logical == logical]
    if not found:
        raise KeyError(f"no function {logical!r} in spec.FUNCTIONS")
    return found[0]


@dataclass(frozen=True)
class StateMachine:
    """A Standard state machine from its ASL file; `substitutions` maps each ${...} placeholder of the
    file to the function whose ARN fills it; functions that start it are told its ARN in `env`."""

    name: str
    file: Path
    env: str
    substitutions: dict[str, str]
    purpose: str = ""


APPROVAL_CASE = StateMachine(
    "approval-case",
    ROOT / "statemachines" / "approval_case.asl.json",
    "SUNLIGHT_STATE_MACHINE_ARN",
    {"RuleCheckFunctionArn": "rule_check", "ParkFunctionArn": "park"},
    "one execution per approval case: check on every record, park until the next",
)
RECOMPUTE = StateMachine(
    "recompute",
    ROOT / "statemachines" / "recompute.asl.json",
    "SUNLIGHT_RECOMPUTE_STATE_MACHINE_ARN",
    {"RecomputeFunctionArn": "recompute"},
    "one execution per activation: every open case re-judged, page by page, over the open-index shards "
    "in a bounded-concurrency map",
)
STATE_MACHINES: tuple[StateMachine, ...] = (APPROVAL_CASE, RECOMPUTE)

# The approval-case machine under its earlier names.
STATE_MACHINE_FILE = APPROVAL_CASE.file
STATE_MACHINE_NAME = APPROVAL_CASE.name
STATE_MACHINE_ENV = APPROVAL_CASE.env
STATE_MACHINE_SUBSTITUTIONS = APPROVAL_CASE.substitutions
OPEN_SHARDS = 8  # partitions of the open-index; the recompute map runs one branch per shard


def open_shard(case_no: str) -> str:
    """The open-index partition of a case ("0".."7"), spread by a checksum of its number."""
    return str(zlib.crc32(case_no.encode()) % OPEN_SHARDS)


def starts(function: Function) -> tuple[StateMachine, ...]:
    """The state machines a function starts (their ARNs in its environment, start rights in its role)."""
    return tuple(
        machine
        for machine, flag in (
            (APPROVAL_CASE, function.starts_workflow),
            (RECOMPUTE, function.starts_recompute),
        )
        if flag
    )


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    access: Access
    summary: str
    tags: tuple[str, ...] = field(default=())

    @property
    def function(self) -> str:
        """The function behind the route: /public/... is the citizens' API, the rest the exchange API."""
        return "public" if self.path.startswith("/public/") else "api"


ROUTES: tuple[Route, ...] = (
    Route("POST", "/v1/records", "department", "submit a batch of up to 500 exchange records"),
    Route("PUT", "/v1/items/{item_code}", "office", "create or replace a catalogue item"),
    Route("GET", "/v1/items", "any", "the item catalogue"),
    Route("GET", "/v1/cases/{case_no}", "any", "a case: timeline, stage, clock and alerts"),
    Route("GET", "/v1/alerts", "any", "alerts, filtered and paginated"),
    Route("GET", "/v1/alerts/{alert_id}", "any", "an alert with its history"),
    Route("POST", "/v1/alerts/{alert_id}/appeal", "department", "appeal a card (reason, evidence)"),
    Route("POST", "/v1/alerts/{alert_id}/decision", "office", "uphold or dismiss an appeal"),
    Route("GET", "/v1/alerts/{alert_id}/document", "any", "the written directive of a card (HTML or PDF)"),
    Route("PUT", "/v1/staff/{handler_id}", "department", "register a member of staff for text alerts"),
    Route("GET", "/v1/openapi.json", "public", "this API's OpenAPI description (public, rate-limited)"),
    Route(
        "GET",
        "/v1/complaints",
        "any",
        "complaints the caller may see (office: its region; department: its own)",
    ),
    Route("GET", "/v1/complaints/{complaint_no}", "any", "a complaint with its history"),
    Route(
        "POST",
        "/v1/complaints/{complaint_no}/steps",
        "any",
        "move a complaint: accept, reject, handle, direct, reply, verify, close",
    ),
    Route(
        "GET", "/public/items", "public", "the service guide: items with limits, fees, stages, on-time rate"
    ),
    Route("POST", "/public/progress", "public", "a case's progress, given its number and query code"),
    Route("POST", "/public/complaints", "public", "file a complaint or enquiry (anonymous allowed)"),
    Route(
        "POST", "/public/complaints/status", "public", "a complaint's status, given its number and query code"
    ),
    Route("POST", "/public/complaints/rating", "public", "rate the answer to a complaint (1-5)"),
    Route("GET", "/v1/scoring/standard", "any", "the current scoring standard (or ?version=), the versions"),
    Route("PUT", "/v1/scoring/standard", "office", "load a new version of the scoring standard"),
    Route("POST", "/v1/scoring/adjustments", "office", "a sanction or a deduction the office decided"),
    Route("POST", "/v1/scoring/runs", "office", "score the open months now (the nightly job's scoring)"),
    Route("GET", "/v1/scores", "any", "scores ranked for a period, with horizontal and vertical comparison"),
    Route("GET", "/v1/scores/explain", "any", "one unit's score with its arithmetic and evidence"),
    Route("GET", "/v1/scores/trend", "any", "one unit's monthly scores over a range of months"),
    Route("GET", "/v1/reports/{scope}", "any", "statistics per unit or region: JSON, CSV or XLSX"),
    Route("GET", "/v1/reports/{scope}/trend", "any", "a trend chart of one figure per unit (SVG)"),
    Route("GET", "/public/rankings", "public", "departments' scores and ranks for a period (published)"),
    Route("GET", "/public/trend", "public", "the city's on-time and early-completion rates by month (SVG)"),
)


def _versioned(collection: str, what: str) -> tuple[Route, ...]:
    """The routes of a kind of versioned configuration the office loads and activates."""
    one = f"/v1/{collection}/{{version}}"
    return (
        Route("GET", f"/v1/{collection}", "any", f"the {what} versions, the active one, the activations"),
        Route("GET", one, "any", f"one {what} version as loaded"),
        Route("PUT", one, "office", f"load a {what} version (immutable)"),
        Route("POST", f"{one}/activate", "office", f"make a {what} version active; re-judge open cases"),
    )


ROUTES += _versioned("calendars", "calendar") + _versioned("rules", "rule-configuration")
MAX_BATCH = 500
BINARY_MEDIA_TYPES = (
    "application/pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
)
"""What the API answers in bytes: the written directives (PDF) and the XLSX reports."""

DOCUMENTS_BUCKET = "documents"  # logical; physical: sunlight-<stage>-documents-<account>
DOCUMENTS_ENV = "SUNLIGHT_DOCUMENTS_BUCKET"
ALERT_TOPICS_ENV = "SUNLIGHT_ALERT_TOPICS"  # JSON {level: topic ARN}, one topic per alert level
LEVELS = ("warning", "yellow_card", "red_card")
