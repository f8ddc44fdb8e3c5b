"""The complaint desk: citizens file, follow and rate complaints; the office and departments move them.

Filing gives a number (TS + date + the day's serial, from the atomic counters) and a 6-character query
code, which is texted to the complainant's phone when one is given and otherwise shown once: only its
keyed hash is stored. The complainant's name and phone are sealed like an applicant's
(`Protector.protect`) and shown only masked; an anonymous complaint keeps neither.

Deadlines are the domain's (`domain.complaints`): `check_complaint` stores the C-WARN / C-YELLOW /
C-RED alerts a complaint deserves in the alerts store, with the same conditional creates as a case's
check (so a sweep racing a desk step never issues an alert twice), announces the new ones, and moves
the complaint's next due moment. The sweep checks the complaints due; every desk step checks the
complaint it moved, so the alerts of the period it left are closed at once.
"""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sunlight.alerts import service as alerts_kernel
from sunlight.alerts.domain.notices import mainland_mobile
from sunlight.alerts.service import COMPLAINTS, AlertServices
from sunlight.approval import CaseStore, CatalogStore, Protector
from sunlight.approval.domain.catalog import CREDIT_CODE
from sunlight.approval.domain.records import mask
from sunlight.citizens import NOT_FOUND_COMPLAINT, QueryCode, ThrottleStore, verified_lookup
from sunlight.complaints.domain import (
    KIND_ZH,
    STATE_ZH,
    STEPS,
    Actor,
    Complaint,
    ComplaintChanged,
    ComplaintConfig,
    DoesNotFit,
    Kind,
    NotAllowed,
    StepName,
    allowed_steps,
    citizen_view,
    complaint_alerts,
    complaint_number,
    file_complaint,
    next_due,
    rate,
    take_step,
)
from sunlight.kernel.access import Conflict, Forbidden, NotFound, Principal
from sunlight.kernel.errors import InvalidRecord, Problem
from sunlight.kernel.observability import child_logger

logger = child_logger()

CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"  # no 0/O, 1/I/L: read out over the phone
CODE_LENGTH = 6
ATTEMPTS = 3
MAX_PAGE = 200
DEPT_CODE = CREDIT_CODE


class ComplaintServices(AlertServices, Protocol):
    """The ports the complaints desk works with: the alerts kernel's and its own."""

    @property
    def catalog(self) -> CatalogStore: ...
    @property
    def cases(self) -> CaseStore: ...
    @property
    def protector(self) -> Protector: ...
    @property
    def complaints(self) -> ComplaintStore | None: ...
    @property
    def complaint_config(self) -> ComplaintConfig | None: ...
    @property
    def throttle(self) -> ThrottleStore | None: ...


class ComplaintStore(Protocol):
    def create(self, complaint: Complaint) -> bool:
        """Store a new complaint unless its number is taken (False)."""
        ...

    def get(self, complaint_no: str) -> Complaint | None: ...
    def save(self, complaint: Complaint, expected_version: int) -> bool:
        """Replace the complaint only if the stored one is still at `expected_version`."""
        ...

    def due(self, now: dt.datetime) -> list[str]:
        """Numbers of the complaints whose next due moment has come (the sparse due index)."""
        ...

    def listing(self, dept_code: str | None, region_prefix: str) -> list[Complaint]:
        """Directed to `dept_code`, or (None) in the region, newest first."""
        ...


# -- requests --------------------------------------------------------------------------------------


class About(BaseModel):
    model_config = ConfigDict(extra="forbid")

    case_no: str | None = Field(default=None, max_length=50, pattern=r"^[0-9A-Za-z-]+$")
    dept_code: str | None = Field(default=None, pattern=DEPT_CODE)
    window: str | None = Field(default=None, max_length=50)
    staff: str | None = Field(default=None, max_length=50)


class Filing(BaseModel):
    """A complaint or enquiry as a citizen files it on the portal."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind
    text: str = Field(min_length=5, max_length=2000)
    anonymous: bool = False
    name: str | None = Field(default=None, min_length=1, max_length=50)
    phone: str | None = Field(default=None, max_length=30)
    about: About = Field(default_factory=About)

    @field_validator("phone")
    @classmethod
    def _mobile(cls, value: str | None) -> str | None:
        if value is None or not value.strip():
            return None
        number = mainland_mobile(value)
        if number is None:
            raise ValueError("must be a mainland mobile number")
        return number


class ComplaintLookup(BaseModel):
    model_config = ConfigDict(extra="forbid")

    complaint_no: str = Field(min_length=1, max_length=32, pattern=r"^[0-9A-Za-z]+$")
    query_code: QueryCode


class RatingRequest(ComplaintLookup):
    rating: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class StepRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    step: StepName
    reason: str | None = Field(default=None, max_length=2000)
    dept_code: str | None = Field(default=None, pattern=DEPT_CODE)
    due_days: int | None = Field(default=None, ge=1, le=365)
    reply: str | None = Field(default=None, max_length=4000)
    # With the step verify: whether the complaint proved true (查实); it then counts in the score.
    substantiated: bool | None = None


# -- helpers ---------------------------------------------------------------------------------------


def _store(services: ComplaintServices) -> ComplaintStore:
    if services.complaints is None:
        raise RuntimeError("this function has no complaints table")
    store: ComplaintStore = services.complaints
    return store


def _config(services: ComplaintServices) -> ComplaintConfig:
    config: ComplaintConfig | None = services.complaint_config
    return config or ComplaintConfig()


def _now(services: ComplaintServices) -> dt.datetime:
    return services.now().replace(microsecond=0)


def _departments(services: ComplaintServices) -> dict[str, tuple[str, str | None]]:
    """dept_code -> (name, region_code) of every department with an item in the catalogue."""
    found: dict[str, tuple[str, str | None]] = {}
    for item in sorted(services.catalog.all(), key=lambda i: i.item_code):
        name, region = found.get(item.dept_code, (item.dept_name or item.dept_code, None))
        found[item.dept_code] = (name, region or item.region_code)
    return found


def new_query_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def _actor(principal: Principal) -> Actor:
    return Actor(principal.role, principal.dept_code, principal.name)


def _sees(complaint: Complaint, principal: Principal) -> bool:
    if principal.role == "department":
        return complaint.dept_code == principal.dept_code
    return complaint.region_code.startswith(principal.scope)


# -- the citizen's side ----------------------------------------------------------------------------


def file(body: Filing, services: ComplaintServices) -> dict[str, Any]:
    """File a complaint: number, query code (texted if a phone is given), due moment."""
    store, config, now = _store(services), _config(services), _now(services)
    departments = _departments(services)
    named = body.about.dept_code
    if named and named not in departments:
        raise InvalidRecord([Problem("about.dept_code", "is not a department of the catalogue", named)])
    code = new_query_code()
    contact, shown = _contact(body, services)
    day = services.calendar.local(now).date()
    for _ in range(ATTEMPTS):
        assert services.counters is not None, "complaint numbers need the counters table"
        number = complaint_number(day, services.counters.next(f"complaint-{day:%Y%m%d}"))
        complaint = file_complaint(
            number,
            body.kind,
            body.text.strip(),
            query_hash=services.protector.keyed_hash(code),
            region_code=_region(body.about, departments, services, config),
            now=now,
            calendar=services.calendar,
            config=config,
            anonymous=body.anonymous,
            about=body.about.model_dump(exclude_none=True),
            contact=contact,
            contact_masked=shown,
        )
        complaint.version = 1
        if store.create(complaint):
            break
    else:
        raise Conflict("no free complaint number; try again")
    if body.phone:
        _text_receipt(complaint, code, body.phone, services, now)
    return {
        "complaint_no": complaint.complaint_no,
        "query_code": code,
        "kind": complaint.kind,
        "due": complaint.due.isoformat(timespec="seconds"),
    }


def _contact(body: Filing, services: ComplaintServices) -> tuple[dict[str, str], dict[str, str]]:
    """Sealed and masked contact data; an anonymous complaint keeps none (the phone is only texted)."""
    if body.anonymous:
        return {}, {}
    # Sealed under the exchange format's personal fields of an applicant, with the same data key.
    plain = {"applicant_name": body.name, "contact_phone": body.phone}
    given = {k: v for k, v in plain.items() if v}
    sealed = services.protector.protect({"type": "apply", **given})
    contact = {k.split("_")[-1]: sealed[k] for k in given}
    shown = {
        k.split("_")[-1]: mask(v, "name" if k == "applicant_name" else "phone") for k, v in given.items()
    }
    return contact, shown


def _region(
    about: About,
    departments: dict[str, tuple[str, str | None]],
    services: ComplaintServices,
    config: ComplaintConfig,
) -> str:
    """The region of the case or department named, else the deployment's (never revealed back)."""
    if about.case_no:
        row = services.cases.get(about.case_no)
        if row is not None:
            return row.region_code
    if about.dept_code and departments.get(about.dept_code, ("", None))[1]:
        return str(departments[about.dept_code][1])
    return config.default_region_code


def _text_receipt(
    complaint: Complaint, code: str, phone: str, services: ComplaintServices, now: dt.datetime
) -> None:
    """Text the number and code at once (the citizen just asked; quiet hours do not apply)."""
    if services.texts is None:
        return
    kind = KIND_ZH[complaint.kind]
    local = services.calendar.local(complaint.due)
    text = (
        f"您的{kind}已登记，编号{complaint.complaint_no}，查询密码{code}，"
        f"将于{local.month}月{local.day}日前答复。（阳光监察）"
    )
    try:
        services.texts.send(phone, text)
        state = "sent"
    except Exception as exc:  # the complaint stands; the code was also shown on the page
        logger.warning(
            "receipt text failed", extra={"complaint_no": complaint.complaint_no, "error": str(exc)}
        )
        state = "failed"
    texted = complaint.model_copy(deep=True)
    texted.texts.append(
        {"kind": "receipt", "to": mask(phone, "phone"), "at": now.isoformat(), "state": state}
    )
    texted.version = complaint.version + 1
    _store(services).save(texted, complaint.version)


# The steps the complainant hears of by text (the others are internal to the desk).
PUBLIC_STEPS = frozenset({"accepted", "rejected", "replied", "closed"})


def _text_step(complaint: Complaint, services: ComplaintServices, now: dt.datetime) -> None:
    """Tell the complainant, if they left a phone, that their complaint moved (no content by text)."""
    sealed = complaint.contact.get("phone")
    if services.texts is None or not sealed:
        return
    phone = services.protector.reveal({"type": "apply", "contact_phone": sealed})["contact_phone"]
    text = (
        f"您的{KIND_ZH[complaint.kind]}{complaint.complaint_no}状态：{STATE_ZH[complaint.state]}，"
        "请凭查询密码在阳光政务门户查看。（阳光监察）"
    )
    try:
        services.texts.send(phone, text)
        state = "sent"
    except Exception as exc:  # the step stands; the citizen can still look it up
        logger.warning("step text failed", extra={"complaint_no": complaint.complaint_no, "error": str(exc)})
        state = "failed"
    texted = complaint.model_copy(deep=True)
    texted.texts.append(
        {"kind": complaint.state, "to": mask(phone, "phone"), "at": now.isoformat(), "state": state}
    )
    texted.version = complaint.version + 1
    _store(services).save(texted, complaint.version)


def _looked_up(lookup: ComplaintLookup, services: ComplaintServices) -> Complaint | None:
    found: list[Complaint | None] = []

    def stored_hash() -> str | None:
        complaint = _store(services).get(lookup.complaint_no)
        found.append(complaint)
        return complaint.query_hash if complaint else None

    code = lookup.query_code.strip().upper()
    if not verified_lookup("complaint", lookup.complaint_no, code, stored_hash, services):
        return None
    return found[-1]


def status(lookup: ComplaintLookup, services: ComplaintServices) -> dict[str, Any]:
    complaint = _looked_up(lookup, services)
    if complaint is None:
        return dict(NOT_FOUND_COMPLAINT)
    return {"found": True, "complaint": citizen_view(complaint)}


def rate_reply(body: RatingRequest, services: ComplaintServices) -> dict[str, Any]:
    """The citizen's rating of the reply: once, and only once there is a reply (else 409)."""
    for _ in range(ATTEMPTS):
        complaint = _looked_up(body, services)
        if complaint is None:
            return dict(NOT_FOUND_COMPLAINT)
        try:
            rated = rate(complaint, body.rating, body.comment, _now(services))
        except DoesNotFit as exc:
            message = "该投诉已评价，不能重复评价" if complaint.rating else "该投诉尚未答复，暂不能评价"
            raise Conflict(message) from exc
        rated.version = complaint.version + 1
        if _store(services).save(rated, complaint.version):
            return {"ok": True}
    raise Conflict("该投诉正在处理，请稍后再试")


# -- the officers' side ----------------------------------------------------------------------------


def officer_view(complaint: Complaint, principal: Principal, services: ComplaintServices) -> dict[str, Any]:
    """A complaint for the office or the department holding it: everything but sealed data and codes."""
    return {
        **summary(complaint),
        "text": complaint.text,
        "anonymous": complaint.anonymous,
        "about": complaint.about,
        "channel": complaint.channel,
        "contact": None if complaint.anonymous else complaint.contact_masked,
        "reply": complaint.reply,
        "substantiated": complaint.substantiated,
        "rating": complaint.rating,
        "rating_comment": complaint.rating_comment,
        "rated_at": _iso(complaint.rated_at),
        "history": [h.model_dump(mode="json", exclude_none=True) for h in complaint.history],
        "steps": allowed_steps(complaint, _actor(principal)),
        "alerts": services.alerts.for_case(complaint.complaint_no),
        "config_version": complaint.config_version,
    }


def summary(complaint: Complaint) -> dict[str, Any]:
    return {
        "complaint_no": complaint.complaint_no,
        "kind": complaint.kind,
        "kind_zh": KIND_ZH[complaint.kind],
        "state": complaint.state,
        "state_zh": STATE_ZH[complaint.state],
        "region_code": complaint.region_code,
        "filed_at": _iso(complaint.filed_at),
        "due": _iso(complaint.due),
        "dept_code": complaint.dept_code,
        "dept_due": _iso(complaint.dept_due),
        "next_due": _iso(complaint.next_due),
    }


def _iso(instant: dt.datetime | None) -> str | None:
    return instant.isoformat(timespec="seconds") if instant else None


def get(complaint_no: str, principal: Principal, services: ComplaintServices) -> dict[str, Any]:
    complaint = _visible(complaint_no, principal, services)
    return officer_view(complaint, principal, services)


def _visible(complaint_no: str, principal: Principal, services: ComplaintServices) -> Complaint:
    complaint = _store(services).get(complaint_no)
    if complaint is None or not _sees(complaint, principal):
        raise NotFound(f"complaint {complaint_no} not found")  # the same whether absent or not theirs
    return complaint


def listing(principal: Principal, params: dict[str, str], services: ComplaintServices) -> dict[str, Any]:
    """Newest first: the office's region, or the complaints directed to the department.

    Read whole and paged by offset: a city has thousands of complaints a year, not millions.
    """
    store = _store(services)
    if principal.role == "department":
        found = store.listing(principal.dept_code, "")
    else:
        found = store.listing(None, principal.scope)
    if params.get("state"):
        found = [c for c in found if c.state == params["state"]]
    start = int(params.get("cursor") or 0)
    limit = max(1, min(int(params.get("limit", "50")), MAX_PAGE))
    page = found[start : start + limit]
    more = start + limit < len(found)
    return {"complaints": [summary(c) for c in page], "cursor": str(start + limit) if more else None}


def step(
    complaint_no: str, body: StepRequest, principal: Principal, services: ComplaintServices
) -> dict[str, Any]:
    """Move a complaint: 403 for a role that may not, 409 for a step that does not fit its state."""
    store, config = _store(services), _config(services)
    if STEPS[body.step].by == "office" and principal.role != "office":
        raise Forbidden(f"only the supervision office may {body.step} a complaint")
    for _ in range(ATTEMPTS):
        complaint = _visible(complaint_no, principal, services)
        dept_name = None
        if body.step == "direct" and body.dept_code:
            departments = _departments(services)
            if body.dept_code not in departments:
                raise InvalidRecord(
                    [Problem("dept_code", "is not a department of the catalogue", body.dept_code)]
                )
            dept_name = departments[body.dept_code][0]
        now = _now(services)
        try:
            moved = take_step(
                complaint,
                body.step,
                _actor(principal),
                now,
                services.calendar,
                config,
                reason=body.reason,
                dept_code=body.dept_code,
                dept_name=dept_name,
                due_days=body.due_days,
                reply=body.reply,
                substantiated=body.substantiated,
            )
        except NotAllowed as exc:
            raise Forbidden(str(exc)) from exc
        except DoesNotFit as exc:
            raise Conflict(str(exc)) from exc
        moved.version = complaint.version + 1
        if store.save(moved, complaint.version):
            sync_alerts(moved, services, now)
            services.events.publish(ComplaintChanged(moved))
            if moved.state in PUBLIC_STEPS:
                _text_step(moved, services, now)
            return officer_view(moved, principal, services)
    raise Conflict(f"complaint {complaint_no} is being changed by another request; try again")


# -- deadlines -------------------------------------------------------------------------------------


def due_complaints(services: ComplaintServices, now: dt.datetime) -> list[str]:
    """The complaints whose next due moment has come (none where this function has no complaints table)."""
    if services.complaints is None:
        return []
    return _store(services).due(now)


def check_complaint(complaint_no: str, services: ComplaintServices) -> dict[str, Any]:
    """Store the C-* alerts the complaint deserves now, announce new ones, move its next due moment."""
    store, config = _store(services), _config(services)
    complaint = store.get(complaint_no)
    if complaint is None:
        raise NotFound(f"complaint {complaint_no} is not known")
    now = _now(services)
    changed, derived = sync_alerts(complaint, services, now)
    if changed:
        services.events.publish(ComplaintChanged(complaint))
    due = next_due(complaint, services.calendar, config, now)
    if due != complaint.next_due:
        moved = complaint.model_copy(deep=True)
        moved.next_due, moved.version = due, complaint.version + 1
        # Losing this race is fine: the desk step that won recomputed the next due moment itself.
        store.save(moved, complaint.version)
    return {"complaint_no": complaint_no, "alerts": derived, "changed": changed}


def sync_alerts(complaint: Complaint, services: ComplaintServices, now: dt.datetime) -> tuple[int, int]:
    """Create the alerts not stored yet, move stored active ones the complaint's history withdrew or
    closed; states people set (appealed, upheld, dismissed) are never touched. Returns (changed, derived).
    """
    derived = complaint_alerts(complaint, services.calendar, _config(services), now)
    changed = alerts_kernel.sync(complaint.complaint_no, derived, now, None, services, COMPLAINTS)
    return changed, len(derived)
