"""Text alerts (短信提醒): who is texted about an alert, what the text says, and when it may go.

Pure: no AWS, no clock reads. Time comes in as `now`, the working-day calendar as an argument.
`domain.md` §5: a warning texts the case's handler (经办人), a yellow card the handler and the leader
(分管领导), a red card the leader; never more than once per alert; a daily digest is an option.

The caller plans the texts of an alert once (`plan`), stores the plan on the alert with a conditional
write (so a second evaluation of the same alert plans nothing), and sends each planned text when it
is `due`. Texts held back by quiet hours go at the next working day's office opening.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, field_validator

from sunlight.alerts.domain.model import LEVEL_RANK, LEVEL_ZH, Level
from sunlight.kernel.calendar import WorkCalendar
from sunlight.kernel.errors import CalendarRangeError

MOBILE = re.compile(r"^1[3-9]\d{9}$")
_SEPARATORS = re.compile(r"[\s\-()]")
_MOMENT = re.compile(r"(\d{4})-(\d{2})-(\d{2}) (\d{2}:\d{2})")
_NOTE = re.compile(r"（[^（）\d]*）")  # a parenthetical note without any number (no date, no amount)


class Verdict(Protocol):
    """An alert as a line's rules make it (the approval line's `rules.Alert`), before it is stored."""

    @property
    def alert_id(self) -> str: ...
    @property
    def case_no(self) -> str: ...
    @property
    def level(self) -> Level: ...
    @property
    def status(self) -> str: ...
    @property
    def message(self) -> str: ...
    @property
    def facts(self) -> dict[str, Any]: ...
    def to_json(self) -> dict[str, Any]: ...


AlertLike = Verdict | Mapping[str, Any]
"""An alert as the rules make it, or as stored and served (`Alert.to_json()` plus `alert_id`)."""


def mainland_mobile(phone: str) -> str | None:
    """The 11-digit mainland mobile number in `phone` ("+86 138-0000-1234" too), or None."""
    bare = _SEPARATORS.sub("", phone)
    if bare.startswith("+86"):
        bare = bare[3:]
    elif bare.startswith("0086"):
        bare = bare[4:]
    elif len(bare) == 13 and bare.startswith("86"):
        bare = bare[2:]
    return bare if MOBILE.match(bare) else None


def sms_length(text: str) -> int:
    """Length as an SMS counts it in UCS-2: UTF-16 code units (a character beyond the BMP is two)."""
    return len(text.encode("utf-16-le")) // 2


class StaffMember(BaseModel):
    """An entry of the staff registry: who handles or leads a department's cases, and their mobile."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    dept_code: str = Field(min_length=1, max_length=64)
    handler_id: str = Field(min_length=1, max_length=64)
    name: str = Field(min_length=1, max_length=64)
    role: Literal["handler", "leader"]
    phone: str = Field(pattern=MOBILE.pattern)
    leader_id: str | None = None
    active: bool = True

    @field_validator("phone", mode="before")
    @classmethod
    def _normalise_phone(cls, value: Any) -> Any:
        if isinstance(value, str):
            return mainland_mobile(value) or value  # an invalid number fails the pattern, as given
        return value


class NoticeSettings(BaseModel):
    """A city's text-alert settings, versioned like the rule configuration."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    version: str = "2026.1"
    # Local time (the calendar's zone). No text goes from quiet_start to quiet_end; equal: none quiet.
    quiet_start: dt.time = dt.time(21, 0)
    quiet_end: dt.time = dt.time(8, 0)
    # Held texts go at the next working day's office opening (else at quiet_end, any day).
    deliver_at_office_open: bool = True
    # One SMS segment of UCS-2 (Chinese) text is 70 characters; longer texts split and cost more.
    max_chars: int = Field(default=70, ge=20, le=1600)
    # AWS sender ID: 1-11 letters and digits, at least one letter.
    sender_id: str = Field(default="SUNLIGHT", pattern=r"^[A-Za-z0-9]{1,11}$")
    signature: str = "（阳光监察）"
    levels_to_handler: frozenset[Level] = frozenset({"warning", "yellow_card"})
    levels_to_leader: frozenset[Level] = frozenset({"yellow_card", "red_card"})

    @field_validator("sender_id")
    @classmethod
    def _sender_has_a_letter(cls, value: str) -> str:
        if not any(c.isalpha() for c in value):
            raise ValueError("a sender ID needs at least one letter")
        return value

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class PlannedText(BaseModel):
    """One text of one alert to one recipient, and the moment it may be sent."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    alert_id: str
    recipient_id: str
    role: Literal["handler", "leader"]
    phone: str
    text: str
    send_at: dt.datetime

    @property
    def text_id(self) -> str:
        """Idempotency key: one text per alert and recipient."""
        return f"{self.alert_id}>{self.recipient_id}"

    def to_json(self) -> dict[str, Any]:
        return self.model_dump(mode="json")


class TextSender(Protocol):
    """The port that sends one text (SNS in the cloud, `MemoryTexts` in tests); returns its id."""

    def send(self, phone: str, text: str) -> str: ...


# -- alerts as stored or as made -------------------------------------------------------------


@dataclass(frozen=True)
class _View:
    alert_id: str
    case_no: str
    level: Level
    status: str
    message: str
    item_name: str


def _view(alert: AlertLike) -> _View:
    if not isinstance(alert, Mapping):
        return _View(
            alert.alert_id,
            alert.case_no,
            alert.level,
            alert.status,
            alert.message,
            str(alert.facts.get("item_name") or ""),
        )
    case_no, rule, key = str(alert["case_no"]), str(alert["rule"]), str(alert.get("key", "case"))
    level = alert["level"]
    if level not in LEVEL_RANK:
        raise ValueError(f"unknown alert level {level!r}")
    facts = alert.get("facts") or {}
    return _View(
        str(alert.get("alert_id") or f"{case_no}:{rule}:{key}"),
        case_no,
        level,
        str(alert.get("status", "active")),
        str(alert.get("message", "")),
        str(facts.get("item_name") or ""),
    )


# -- who ---------------------------------------------------------------------------------------


def _reachable(member: StaffMember | None) -> bool:
    return member is not None and member.active and bool(member.phone)


def _present(members: Iterable[StaffMember | None]) -> list[StaffMember]:
    return [m for m in members if m is not None and _reachable(m)]


def recipients(
    alert: AlertLike, handler: StaffMember | None, leader: StaffMember | None, settings: NoticeSettings
) -> list[StaffMember]:
    """Who is texted about the alert: handler and/or leader by level, each person once.

    When nobody the level names can be reached (missing, inactive), the other one is texted instead,
    so that no alert goes unheard: a red card with no leader on file goes to the handler, a warning
    whose handler has left goes to the leader.
    """
    level = _view(alert).level
    to_handler, to_leader = level in settings.levels_to_handler, level in settings.levels_to_leader
    if not (to_handler or to_leader):
        return []
    wanted = [m for m, on in ((handler, to_handler), (leader, to_leader)) if on]
    chosen = _present(wanted) or _present([leader if to_handler else handler])
    out: list[StaffMember] = []
    for member in chosen:
        if all(member.handler_id != o.handler_id and member.phone != o.phone for o in out):
            out.append(member)
    return out


# -- what --------------------------------------------------------------------------------------


def _short_moments(text: str) -> str:
    """'2026-11-11 17:30' -> '11月11日17:30': the due moment stays, the year goes."""
    return _MOMENT.sub(lambda m: f"{int(m[2])}月{int(m[3])}日{m[4]}", text)


def _body_variants(body: str) -> list[str]:
    """The body, then ever shorter forms that keep what happened and the due moment."""
    out = [body]

    def push(text: str) -> None:
        if text and text != out[-1]:
            out.append(text)

    push(_short_moments(out[-1]))
    push(_NOTE.sub("", out[-1]))
    core = out[-1].rstrip("。")
    while "；" in core:  # further findings go first, the first one stays
        core = core.rsplit("；", 1)[0]
        push(core + "。")
    while "，" in core:  # trailing clauses: requests and consequences ("请抓紧办理", "已发督办通知书")
        head, tail = core.rsplit("，", 1)
        if _MOMENT.search(tail) or re.search(r"\d+月\d+日", tail):
            break  # the due moment is in it
        core = head
        push(core + "。")
    if "：" in core:  # the details after the colon
        core = core.split("：", 1)[0]
        push(core + "。")
    return out


def _fit(text: str, room: int) -> str:
    """The longest start of `text` within `room` characters, marked "…" when cut."""
    if sms_length(text) <= room:
        return text
    cut = text[: max(room - 1, 0)]
    while cut and sms_length(cut) > room - 1:  # characters beyond the BMP count twice
        cut = cut[:-1]
    return cut + "…" if room > 0 else ""


def _cut(core: str, room: int) -> str:
    """The body cut to `room` characters, the due moment's parenthesis kept if it can be."""
    moments = list(re.finditer(r"（[^（）]*\d+月\d+日[^（）]*）", core))
    if moments:
        moment = moments[-1]
        tail = core[moment.start() :]
        if sms_length(tail) + 2 <= room:
            return _fit(core[: moment.start()], room - sms_length(tail)) + tail
    return _fit(core, room)


def _split(view: _View) -> tuple[str, str]:
    """The message's head (level tag and case number) and its body (what happened), item name aside."""
    tag = f"【{LEVEL_ZH[view.level]}】"
    head = f"{tag}办件{view.case_no}"
    message = view.message.strip()
    named = f"{head}（{view.item_name}）"
    for prefix in (named, head, tag):
        if message.startswith(prefix):
            return head, message[len(prefix) :]
    return head, message


def compose(alert: AlertLike, settings: NoticeSettings) -> str:
    """The alert as one SMS of at most `settings.max_chars` characters where that is possible.

    Kept whole: the level tag (【黄牌】), the case number, what happened and the due moment.
    Given up in this order until the text fits: the item name beyond 8 characters, the year of
    dates, notes in parentheses, further findings, trailing clauses without the due moment, the
    details after a colon, the item name, and last the body itself (cut with "…", before the due
    moment's parenthesis when that still fits). The
    signature is added only if it still fits. A case number so long that the tag and it alone
    exceed the limit gives a longer text: the head is never cut.
    """
    view = _view(alert)
    limit = settings.max_chars
    head, body = _split(view)
    item = view.item_name
    names = [item]
    if len(item) > 9:
        names.append(item[:8] + "…")
    bodies = _body_variants(body)
    candidates = [(names[0], bodies[0])]
    candidates += [(names[-1], b) for b in bodies]
    candidates += [("", bodies[-1])]
    text = ""
    for name, variant in candidates:
        text = f"{head}（{name}）{variant}" if name else f"{head}{variant}"
        if sms_length(text) <= limit:
            break
    else:
        text = head + _cut(bodies[-1].rstrip("。"), limit - sms_length(head))
    if settings.signature and sms_length(text + settings.signature) <= limit:
        text += settings.signature
    return text


# -- when --------------------------------------------------------------------------------------


def is_quiet(moment: dt.time, settings: NoticeSettings) -> bool:
    """Whether a local time of day falls in the quiet hours (which may run over midnight)."""
    start, end = settings.quiet_start, settings.quiet_end
    if start == end:
        return False
    if start < end:
        return start <= moment < end
    return moment >= start or moment < end


def send_at(now: dt.datetime, calendar: WorkCalendar, settings: NoticeSettings) -> dt.datetime:
    """When a text made at `now` may go: now, unless it is quiet hours (texts go any day otherwise).

    Held texts go at the next working day's office opening (`deliver_at_office_open`), or else at
    the end of the quiet hours. Pure: a function of `now`, the calendar and the settings.
    """
    local = calendar.local(now)
    if not is_quiet(local.time(), settings):
        return now
    tz = calendar.tz
    if not settings.deliver_at_office_open:
        end = dt.datetime.combine(local.date(), settings.quiet_end, tz)
        return end if end > local else end + dt.timedelta(days=1)
    opens = calendar.settings.office_open
    day = local.date()
    for _ in range(366):
        if calendar.is_working_day(day):
            opening = dt.datetime.combine(day, opens, tz)
            if is_quiet(opens, settings) and opens < settings.quiet_end:
                opening = dt.datetime.combine(day, settings.quiet_end, tz)  # the office opens early
            if opening >= local:
                return opening
        day += dt.timedelta(days=1)
    raise CalendarRangeError(f"no working day within a year after {local.date()}")


# -- the outbox --------------------------------------------------------------------------------


def plan(
    alert: AlertLike,
    handler: StaffMember | None,
    leader: StaffMember | None,
    now: dt.datetime,
    calendar: WorkCalendar,
    settings: NoticeSettings,
) -> list[PlannedText]:
    """The texts an alert deserves: one per recipient, all with the same text and moment.

    Only an active alert is texted (a withdrawn one was outranked by the card that withdrew it).
    Store the plan on the alert once, with a conditional write: that is what keeps an alert from
    texting anyone twice when the case is evaluated again.
    """
    view = _view(alert)
    if view.status != "active":
        return []
    people = recipients(alert, handler, leader, settings)
    if not people:
        return []
    text, moment = compose(alert, settings), send_at(now, calendar, settings)
    return [
        PlannedText(
            alert_id=view.alert_id,
            recipient_id=p.handler_id,
            role="leader" if leader is not None and p.handler_id == leader.handler_id else "handler",
            phone=p.phone,
            text=text,
            send_at=moment,
        )
        for p in people
    ]


def due(planned: Iterable[PlannedText], now: dt.datetime) -> list[PlannedText]:
    """The planned texts that may go at `now`, earliest first."""
    return sorted((p for p in planned if p.send_at <= now), key=lambda p: (p.send_at, p.text_id))


# -- the daily digest --------------------------------------------------------------------------


def digest(alerts: Sequence[AlertLike], day: dt.date, settings: NoticeSettings | None = None) -> str:
    """One recipient's day in one text: counts per level, then case numbers, worst first, as fit.

    Withdrawn alerts are not counted (the card that withdrew them is); an alert is counted once.
    """
    settings = settings or NoticeSettings()
    limit, signature = settings.max_chars, settings.signature
    views = {v.alert_id: v for v in map(_view, alerts) if v.status != "withdrawn"}
    counts = dict.fromkeys(LEVEL_ZH, 0)
    worst: dict[str, int] = {}
    for v in views.values():
        counts[v.level] += 1
        worst[v.case_no] = max(worst.get(v.case_no, 0), LEVEL_RANK[v.level])
    summary = "、".join(f"{LEVEL_ZH[level]}{n}条" for level, n in counts.items())
    text = f"【监察日报】{day.month}月{day.day}日{summary}"
    cases = sorted(worst, key=lambda c: (-worst[c], c))
    if cases:
        listed: list[str] = []
        for n in range(len(cases), 0, -1):
            more = f"等{len(cases)}件" if n < len(cases) else ""
            attempt = f"{text}，办件{'、'.join(cases[:n])}{more}。"
            if sms_length(attempt) <= limit:
                listed = cases[:n]
                text = attempt
                break
        if not listed:
            text += f"，涉及办件{len(cases)}件。"
    else:
        text += "。"
    if signature and sms_length(text + signature) <= limit:
        text += signature
    return text


__all__ = [
    "MOBILE",
    "AlertLike",
    "NoticeSettings",
    "PlannedText",
    "StaffMember",
    "TextSender",
    "compose",
    "digest",
    "due",
    "is_quiet",
    "mainland_mobile",
    "plan",
    "recipients",
    "send_at",
    "sms_length",
]
