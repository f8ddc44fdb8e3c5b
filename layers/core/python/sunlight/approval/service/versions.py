"""The office's calendars and rule configurations: load a version, list them, activate one, re-judge.

A version is loaded once and never edited: the same content again is answered as it was, other
content under a taken name is a conflict. Activating a version makes it the one every function
judges by (within the stage's cache time), raises the judgement's generation, and starts the job
that re-judges every open case under it (`recompute_page`, one page of one shard at a time), which
moves each case's due index, retracts what the new version no longer supports, raises what became
due, and notes on each case whose due instants moved.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sunlight.app import spec
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.service.casework import check_case
from sunlight.approval.service.judgement import (
    KINDS,
    Activation,
    Kind,
    StoredVersion,
    VersionConflict,
    VersionStore,
)
from sunlight.approval.service.ports import ApprovalServices
from sunlight.kernel.access import Forbidden, NotFound, Principal
from sunlight.kernel.calendar import CalendarSettings
from sunlight.kernel.errors import InvalidCalendar, InvalidRuleConfig, Problem
from sunlight.kernel.observability import child_logger

logger = child_logger()
MAX_DOCUMENT_BYTES = 200_000
PAGE_SIZE = 200  # open cases per step of the recompute job (a few seconds of a function's time)
HISTORY = 20  # activations shown with the versions


def _store(services: ApprovalServices) -> VersionStore:
    if services.versions is None:
        raise NotFound("this function keeps no calendar or rule versions")
    return services.versions


def _kind(kind: str) -> Kind:
    if kind not in KINDS:
        raise NotFound(f"no such kind of version: {kind}")
    return kind


def _office(principal: Principal, doing: str) -> None:
    if principal.role != "office":
        raise Forbidden(f"only the supervision office may {doing}")


def canonical(kind: Kind, version: str, body: Any, services: ApprovalServices) -> tuple[dict[str, Any], str]:
    """The validated, complete document of a version and its digest (InvalidCalendar /
    InvalidRuleConfig name every bad field). The path names the version; a body that names another
    is refused (field `version`)."""
    if isinstance(body, dict) and "version" not in body:
        body = {**body, "version": version}
    if kind == "calendar":
        settings = CalendarSettings.from_json(body, defaults=services.stage.calendar_settings())
        document, digest = settings.to_json(), settings.digest()
    else:
        config = RuleConfig.from_json(body)
        document, digest = config.to_json(), config.digest()
    problems = []
    if document["version"] != version:
        problems.append(
            Problem("version", f"must be the version named in the path, {version}", document["version"])
        )
    size = len(json.dumps(document, ensure_ascii=False).encode())
    if size > MAX_DOCUMENT_BYTES:  # a stored version is one item; DynamoDB's ceiling is 400 KB
        problems.append(Problem("", f"is {size} bytes; a version holds at most {MAX_DOCUMENT_BYTES}"))
    if problems:
        raise InvalidCalendar(problems) if kind == "calendar" else InvalidRuleConfig(problems)
    return document, digest


def load_version(
    kind: str, version: str, body: Any, principal: Principal, services: ApprovalServices
) -> tuple[int, dict[str, Any]]:
    """Store a new version (201), or confirm the same content again (200); other content: 409."""
    checked = _kind(kind)
    _office(principal, f"load {checked} versions")
    document, digest = canonical(checked, version, body, services)
    store = _store(services)
    stored = StoredVersion(
        checked,
        version,
        document,
        digest,
        services.now().isoformat(timespec="seconds"),
        _who(principal),
    )
    if store.put_version(stored):
        return 201, _version_view(stored, _active(store))
    existing = store.version(checked, version)
    if existing is None or existing.digest != digest:
        raise VersionConflict(
            f"{checked} version {version} is already loaded with other content; load a new version"
        )
    return 200, _version_view(existing, _active(store))


def get_version(kind: str, version: str, principal: Principal, services: ApprovalServices) -> dict[str, Any]:
    checked = _kind(kind)
    store = _store(services)
    stored = store.version(checked, version)
    if stored is None:
        raise NotFound(f"no {checked} version {version}")
    return {**_version_view(stored, _active(store)), "document": stored.document}


def list_versions(kind: str, principal: Principal, services: ApprovalServices) -> dict[str, Any]:
    """The loaded versions, the active one and the recent activations (with what each recomputed)."""
    checked = _kind(kind)
    store = _store(services)
    active = _active(store)
    generation = int(active.get("generation", 0))
    judgement = services.judgement(generation)
    out: dict[str, Any] = {
        "kind": checked,
        "active": judgement.calendar.version if checked == "calendar" else judgement.rules.version,
        "generation": generation,
        "versions": [_version_view(v, active) for v in store.versions(checked)],
        "activations": [a.to_json() for a in store.activations(generation, HISTORY) if a.kind == checked],
    }
    if checked == "calendar":
        out["uncovered_years"] = coverage(services)["uncovered_years"]
        out["covered_years"] = judgement.calendar.covered_years
    return out


def activate(kind: str, version: str, principal: Principal, services: ApprovalServices) -> dict[str, Any]:
    """Make a version active, then start re-judging every open case under it."""
    checked = _kind(kind)
    _office(principal, f"activate {checked} versions")
    store = _store(services)
    if store.version(checked, version) is None:
        raise NotFound(f"no {checked} version {version}; load it first")
    current = store.active(0, fresh=True)
    generation = int(current.get("generation", 0))
    if current.get(checked) == version:
        return {"kind": checked, "active": version, "generation": generation, "changed": False}
    now = services.now().isoformat(timespec="seconds")
    activation = Activation(
        generation + 1,
        checked,
        version,
        current.get(checked),
        now,
        _who(principal),
    )
    active = {"calendar": current.get("calendar"), "rules": current.get("rules")}
    active |= {checked: version, "generation": generation + 1, "activated_at": now}
    store.activate(active, generation, activation)
    if services.judgements is not None:
        services.judgements.forget()
    job = _start_recompute(activation.generation, services)
    return {
        "kind": checked,
        "active": version,
        "previous": activation.previous,
        "generation": activation.generation,
        "changed": True,
        "recompute": {"job": job, "shards": spec.OPEN_SHARDS},
    }


def _start_recompute(generation: int, services: ApprovalServices) -> str | None:
    """Start the job; without one (a test, a tool), re-judge every open case here and now."""
    store = _store(services)
    shards = [str(n) for n in range(spec.OPEN_SHARDS)]
    if services.recompute_jobs is None:
        for shard in shards:
            cursor: str | None = None
            while True:
                page = recompute_page(shard, cursor, generation, services)
                cursor = page["cursor"]
                if not page["more"]:
                    break
        return None
    job = services.recompute_jobs.start(generation, shards)
    store.note_job(generation, job)
    return job


def recompute_page(
    shard: str, cursor: str | None, generation: int, services: ApprovalServices, page_size: int = PAGE_SIZE
) -> dict[str, Any]:
    """Re-judge one page of one shard of the open cases under generation `generation` or newer."""
    page = services.cases.open_page(shard, cursor, page_size)
    checked = noted = 0
    failed: list[str] = []
    for case_no in page.case_nos:
        try:
            result = check_case(case_no, services, at_least=generation)
        except Exception:  # one broken case must not stop the others; its next check re-judges it
            logger.exception("recompute failed for case %s", case_no)
            failed.append(case_no)
            continue
        checked += 1
        noted += int(result["noted"])
    if services.versions is not None:
        services.versions.count_recompute(generation, checked, noted, len(failed))
    return {
        "shard": shard,
        "generation": generation,
        "cursor": page.cursor,
        "more": page.cursor is not None,
        "checked": checked,
        "noted": noted,
        "failed": failed,
    }


def coverage(services: ApprovalServices, now: dt.datetime | None = None) -> dict[str, Any]:
    """Whether the active calendar knows the official arrangement of every day of the horizon."""
    calendar = services.calendar
    horizon = services.stage.coverage_days
    uncovered = calendar.uncovered_years_ahead(now or services.now(), horizon)
    return {"calendar_version": calendar.version, "horizon_days": horizon, "uncovered_years": uncovered}


def operational_notices(services: ApprovalServices) -> list[dict[str, Any]]:
    """What the office must act on to keep the system right (shown with its alerts)."""
    seen = coverage(services)
    if not seen["uncovered_years"]:
        return []
    years = ", ".join(str(y) for y in seen["uncovered_years"])
    return [
        {
            "kind": "calendar_uncovered",
            "severity": "critical",
            **seen,
            "message": (
                f"calendar {seen['calendar_version']} does not hold the official working days of "
                f"{years}, which the next {seen['horizon_days']} days reach: cases are counted by "
                "weekends only there. Load the year's calendar (PUT /v1/calendars/{version}) and "
                "activate it."
            ),
            "message_zh": (
                f"当前日历未包含{years}年法定节假日安排，相关时限暂按周末计算，请尽快加载并启用新日历。"
            ),
        }
    ]


def _who(principal: Principal) -> str:
    return principal.name or principal.dept_code or principal.region_code


def _active(store: VersionStore) -> dict[str, Any]:
    return store.active(0, fresh=True)


def _version_view(stored: StoredVersion, active: dict[str, Any]) -> dict[str, Any]:
    return {
        "kind": stored.kind,
        "version": stored.version,
        "digest": stored.digest,
        "loaded_at": stored.loaded_at,
        "loaded_by": stored.loaded_by,
        "active": active.get(stored.kind) == stored.version,
    }
