"""The sample city: a generated catalogue and seeded, reproducible record streams with ground truth.

`make_catalog` turns the static departments of `city_data` into catalogue entries. `generate`
produces, for a period, cases that are mostly on time, some late, some irregular (skipped stages,
repeated supplements, wrong fees, unreasoned refusals, late reports, back-filled online cases,
special procedures across holidays, extensions), each from a *profile* that says which alerts it
must raise and when. The truth is the generator's plan, not a rerun of the rules, so tests can
compare `sunlight check` against it.
"""

from __future__ import annotations

import datetime as dt
import json
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from sunlight.approval.domain.catalog import Catalog, Item
from sunlight.approval.domain.config import RuleConfig
from sunlight.devtools.sample.city_data import DEPARTMENTS
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

REGION = "330100"
_CREDIT_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏飞斌宇浩凯辉建国志文晓东海燕"
_COMPANY = ("建设", "科技", "商贸", "餐饮", "物流", "医药", "环保", "置业", "文化", "农业", "能源", "食品")
MIN_GAP = 1800  # working seconds between generated steps: far from L-TIMING's threshold


def credit_code(n: int) -> str:
    """A well-formed 18-character credit code for the n-th sample department."""
    body = f"11{REGION}MB{n:07d}"
    return body + _CREDIT_CHARS[sum(map(ord, body)) % len(_CREDIT_CHARS)]


def make_catalog() -> Catalog:
    items = []
    for n, dept in enumerate(DEPARTMENTS, start=1):
        code = credit_code(n)
        for m, spec in enumerate(dept["items"], start=1):
            entry: dict[str, Any] = {
                "item_code": f"{REGION}-{dept['abbr']}-{m:03d}",
                "name": spec["name"],
                "dept_code": code,
                "dept_name": dept["name"],
                "region_code": REGION,
                "legal_basis": spec["legal_basis"],
                "statutory_limit": {"value": spec["statutory"][0], "unit": spec["statutory"][1]},
                "committed_limit": {"value": spec["committed"][0], "unit": spec["committed"][1]},
                "stages": list(spec["stages"]),
                "fee_standard": spec["fee"],
                "online_required": spec["online_required"],
                "specials_allowed": list(spec["specials"]),
                "stage_limits": {
                    k: {"value": v, "unit": u} for k, (v, u) in spec.get("stage_limits", {}).items()
                },
            }
            items.append(Item.model_validate(entry))
    return Catalog(items)


# -- the generated stream ------------------------------------------------------------------------


@dataclass
class PlannedCase:
    """One generated case: its records with receipt times, and the alerts it must raise."""

    case_no: str
    profile: str
    item: Item
    lines: list[tuple[dt.datetime, dict[str, Any]]] = field(default_factory=list)  # (received_at, record)
    expected: dict[str, dt.datetime] = field(default_factory=dict)  # rule -> moment it must fire
    closed_at: dt.datetime | None = None


@dataclass
class SampleCity:
    catalog: Catalog
    cases: list[PlannedCase]
    as_of: dt.datetime

    def envelopes(self) -> list[dict[str, Any]]:
        """Every record received by `as_of`, in order of receipt, as {"received_at", "record"}."""
        rows = [(r, rec) for c in self.cases for r, rec in c.lines if r <= self.as_of]
        rows.sort(key=lambda x: (x[0], x[1]["case_no"], x[1]["seq"]))
        return [{"received_at": r.isoformat(), "record": rec} for r, rec in rows]

    def truth(self) -> dict[str, set[str]]:
        """case_no -> the rules whose alert stands at `as_of` (escalation applied)."""
        return {c.case_no: standing(c.expected, self.as_of) for c in self.cases}


TIME_CHAIN = ("T-WARN", "T-YELLOW", "T-RED")


def standing(expected: dict[str, dt.datetime], as_of: dt.datetime) -> set[str]:
    """The rules that stand at `as_of`: fired by then, lower time cards withdrawn by higher ones."""
    fired = {rule for rule, moment in expected.items() if moment < as_of}
    chain = [r for r in TIME_CHAIN if r in fired]
    return (fired - set(TIME_CHAIN)) | set(chain[-1:])


PROFILES: dict[str, float] = {
    "ontime": 0.55,
    "denied": 0.05,
    "warn": 0.06,
    "yellow": 0.05,
    "red": 0.03,
    "accept_late": 0.03,
    "skip_stage": 0.03,
    "supp_after_accept": 0.02,
    "supp_repeat": 0.03,
    "refuse_no_reason": 0.015,
    "refused": 0.02,
    "offline": 0.015,
    "wrong_fee": 0.015,
    "free_fee": 0.01,
    "timing": 0.015,
    "late_report": 0.02,
    "special_ok": 0.03,
    "special_overrun": 0.01,
    "stage_late": 0.02,
    "extension_ok": 0.015,
}
# Profiles whose alerts need the case complete before `as_of`; the rest are judged at any moment.
NEEDS_COMPLETION = frozenset(PROFILES) - {"ontime", "denied", "warn", "yellow", "red"}


class CityGenerator:
    """Plans cases for a period; all randomness comes from one seeded `random.Random`."""

    def __init__(self, catalog: Catalog, calendar: WorkCalendar, seed: int, config: RuleConfig | None = None):
        self.catalog, self.calendar, self.rng = catalog, calendar, random.Random(seed)
        self.config = config or RuleConfig()
        self.items = sorted(catalog, key=lambda i: i.item_code)
        self.day = calendar.day_seconds
        self._serial = 0

    # -- entry point --

    def generate(self, start: dt.date, end: dt.date, cases_per_day: int) -> SampleCity:
        as_of = self.calendar.close_of(end) + dt.timedelta(hours=1)
        cases: list[PlannedCase] = []
        day = start
        while day <= end:
            if self.calendar.is_working_day(day):
                for _ in range(self.rng.randint(cases_per_day // 2, cases_per_day * 3 // 2)):
                    cases.append(self._plan(day, as_of))
            day += dt.timedelta(days=1)
        return SampleCity(self.catalog, cases, as_of)

    def _plan(self, day: dt.date, as_of: dt.datetime) -> PlannedCase:
        profile = self.rng.choices(list(PROFILES), weights=list(PROFILES.values()))[0]
        for candidate in (profile, "ontime"):
            planned = self._try(candidate, day)
            if planned is None:
                continue
            complete = planned.closed_at is not None and max(r for r, _ in planned.lines) < as_of
            if candidate in NEEDS_COMPLETION and not complete:
                continue
            return planned
        raise AssertionError("the ontime profile always plans")  # pragma: no cover

    def _try(self, profile: str, day: dt.date) -> PlannedCase | None:
        item = self._pick_item(profile)
        if item is None:
            return None
        self._serial += 1
        case = PlannedCase(f"SL{day:%Y%m%d}-{self._serial:06d}", profile, item)
        builder = CaseBuilder(self, case, day)
        ok = getattr(builder, f"plan_{profile}")()
        return case if ok is not False else None

    def _pick_item(self, profile: str) -> Item | None:
        fits: Callable[[Item], bool] = PROFILE_ITEMS.get(profile, _plain_item)
        candidates = [i for i in self.items if fits(i)]
        return self.rng.choice(candidates) if candidates else None


def _plain_item(item: Item) -> bool:
    return item.committed_limit.unit == "G" and item.statutory_limit.unit == "G"


def _has_b_special(item: Item) -> bool:
    return _plain_item(item) and any(k != "extension" for k in item.specials_allowed)


PROFILE_ITEMS: dict[str, Callable[[Item], bool]] = {
    "ontime": lambda i: True,
    "denied": lambda i: True,
    "offline": lambda i: i.online_required and _plain_item(i),
    "wrong_fee": lambda i: not i.is_free and _plain_item(i),
    "free_fee": lambda i: i.is_free and _plain_item(i),
    "special_ok": _has_b_special,
    "special_overrun": _has_b_special,
    "stage_late": lambda i: bool(i.stage_limits) and _plain_item(i),
    "extension_ok": lambda i: "extension" in i.specials_allowed and _plain_item(i),
    "timing": lambda i: len(i.stages) >= 2 and _plain_item(i),
    "skip_stage": _plain_item,
}


class CaseBuilder:
    """Writes one case's records for a profile, and states the alerts that profile must raise."""

    def __init__(self, gen: CityGenerator, case: PlannedCase, day: dt.date) -> None:
        self.gen, self.case, self.item = gen, case, case.item
        self.cal, self.rng, self.day = gen.calendar, gen.rng, gen.day
        self.seq = 0
        self.pauses: list[tuple[dt.datetime, dt.datetime]] = []
        self.extension = 0
        self.channel = "online" if self.item.online_required else self.rng.choice(("window", "online"))
        self.applied_at = self.cal.close_of(day) - dt.timedelta(seconds=self.rng.randint(3600, 8 * 3600))
        self.accepted_at: dt.datetime | None = None
        dept = self.item.dept_code
        self.staff = [(_person(random.Random(dept + str(n))), f"{dept[-4:]}{n:03d}") for n in range(1, 6)]

    # -- positions on the working clock --

    def pos(self, instant: dt.datetime) -> int:
        return self.cal.position(instant)

    def at(self, position: float) -> dt.datetime:
        return self.cal.instant(int(position))

    # -- records --

    def emit(
        self, type_: str, at: dt.datetime, received: dt.datetime | None = None, **fields: Any
    ) -> dt.datetime:
        self.seq += 1
        record = {
            "type": type_,
            "case_no": self.case.case_no,
            "item_code": self.item.item_code,
            "dept_code": self.item.dept_code,
            "region_code": REGION,
            "seq": self.seq,
            "occurred_at": at.isoformat(),
            **{k: v for k, v in fields.items() if v is not None},
        }
        if type_ in ("pre_accept", "accept", "stage", "conclude", "supplement_notice", "special_start"):
            name, staff_id = self.rng.choice(self.staff)
            record.setdefault("handler_name", name)
            record.setdefault("handler_id", staff_id)
        received = received or at + dt.timedelta(seconds=self.rng.randint(5, 600))
        self.case.lines.append((received, record))
        return received

    def apply(self) -> None:
        person = self.rng.random() < 0.6
        name = (
            _person(self.rng)
            if person
            else f"杭州{self.rng.choice(_COMPANY)}{self.rng.choice(['有限公司', '股份有限公司'])}"
        )
        self.emit(
            "apply",
            self.applied_at,
            applicant_type="person" if person else "organisation",
            applicant_name=name,
            applicant_id_type="id_card" if person else "credit_code",
            applicant_id_no=_id_no(self.rng, person),
            contact_phone=f"13{self.rng.randint(0, 10**9 - 1):09d}",
            channel=self.channel,
            project_name=None if person else f"{name[:4]}{self.item.name}项目",
            materials=["申请书", "身份证明"],
        )
        if self.channel == "online":
            self.emit(
                "pre_accept", self.applied_at + dt.timedelta(minutes=self.rng.randint(5, 30)), result="pass"
            )

    def accept(self, at: dt.datetime | None = None) -> int:
        at = at or self.at(self.pos(self.applied_at) + self.rng.uniform(0.1, 1.5) * self.day)
        at = max(at, self.applied_at + dt.timedelta(minutes=40))
        self.accepted_at = at
        self.emit(
            "accept",
            at,
            result="accept",
            receipt_no=f"SL{self.seq:02d}{self.rng.randint(0, 99999):05d}",
            query_code=f"{self.rng.randint(0, 36**6 - 1):06X}"[-6:],
            statutory_limit=self.item.statutory_limit.model_dump(),
            committed_limit=self.item.committed_limit.model_dump(),
            fee_standard=self.item.fee_standard,
            materials=["申请书", "身份证明"],
        )
        return self.pos(at)

    def refuse(self, reason: str) -> None:
        at = self.at(self.pos(self.applied_at) + self.rng.uniform(0.1, 1.5) * self.day)
        self.emit("accept", at, result="refuse", reason=reason)
        self.case.closed_at = at

    def procedure(
        self,
        start: int,
        conclude_at: int,
        *,
        skip: int | None = None,
        deny: bool = False,
        fee: str | None = None,
        fast_second: bool = False,
        late_stage: int | None = None,
        late_report: int | None = None,
    ) -> dict[str, dt.datetime]:
        """Stages evenly between `start` and `conclude_at`, each within its stage limit; then conclude."""
        stages = list(self.item.stages)
        limits = [self.item.stage_limits[s].value for s in stages if s in self.item.stage_limits]
        gap = (conclude_at - start) / (len(stages) + 1)
        if limits:
            gap = min(gap, 0.7 * min(limits) * self.day)
        marks: dict[str, dt.datetime] = {}
        position: float = start
        for n, stage in enumerate(stages):
            if n == late_stage:
                began = self.at(position)
                marks["stage_due"] = self.cal.add_working_days(began, self.item.stage_limits[stage].value)
                position = self.pos(began) + (self.item.stage_limits[stage].value + 1) * self.day + MIN_GAP
            else:
                position += 20 if (fast_second and n == 1) else gap
            if n == skip:
                continue
            at = self.at(position)
            denying = deny and n == len(stages) - 1
            received = None
            if n == late_report:
                received = self.at(position + self.rng.uniform(2, 4) * self.day)
            got = self.emit(
                "stage",
                at,
                received,
                stage=stage,
                action="deny" if denying else "pass",
                opinion="同意" if not denying else None,
                reason="经审查，申请事项不符合法定条件和标准，依法不予许可" if denying else None,
            )
            marks.setdefault("first_after_skip", got) if skip is not None and n > skip else None
            marks[f"stage{n}"] = got
        end = self.at(max(conclude_at, position + MIN_GAP))
        outcome = "denied" if deny else "issued"
        got = self.emit(
            "conclude",
            end,
            outcome=outcome,
            fee_charged=fee if fee is not None else self.item.fee_standard,
            reason="经审查，申请事项不符合法定条件和标准，依法不予许可" if deny else None,
            certificate_name=None if deny else f"{self.item.name}决定书",
            certificate_no=None if deny else f"{REGION}{end:%Y%m%d}{self.seq:04d}",
        )
        marks.setdefault("first_after_skip", got)
        marks["conclude"] = got
        self.case.closed_at = end
        return marks

    # -- the clock as the plan sees it --

    def moments(self) -> dict[str, dt.datetime]:
        assert self.accepted_at is not None
        acc, cal, cfg = self.accepted_at, self.cal, self.gen.config
        c, s = self.item.committed_limit, self.item.statutory_limit
        due = cal.add(acc, c.value + self.extension, c.unit, self.pauses)
        stat = cal.add(acc, s.value + self.extension, s.unit, self.pauses)
        lead = cfg.warn_lead(c.value)
        if c.unit == "G":
            warn = cal.add_working_days(acc, c.value + self.extension - lead, self.pauses)
        else:
            warn = cal.shift_working(due, -lead)
        if c.unit == "G":
            cure = cal.add_working_days(acc, c.value + self.extension + cfg.yellow_cure_days, self.pauses)
        else:
            cure = cal.shift_working(due, cfg.yellow_cure_days)
        return {"T-WARN": warn, "T-YELLOW": due, "T-RED": min(stat, cure)}

    def expect_time_chain(self) -> None:
        """Time alerts follow from the plan: each moment the case was still open at fires."""
        closed = self.case.closed_at
        assert self.accepted_at is not None
        for rule, moment in self.moments().items():
            if closed is None or moment < closed:
                # A moment that falls before acceptance (a one-day limit) is raised on acceptance.
                self.case.expected[rule] = max(moment, self.accepted_at)

    def window(self, lo: int, hi: int) -> int | None:
        return int(self.rng.uniform(lo, hi)) if hi > lo else None

    def finish(self, marks: dict[str, dt.datetime] | None = None) -> bool:
        self.expect_time_chain()
        return True

    # -- profiles --

    def _ontime_end(self, start: int) -> int:
        lo = start + (len(self.item.stages) + 1) * MIN_GAP
        hi = self.pos(self.moments()["T-WARN"]) - MIN_GAP
        return self.window(lo, hi) or lo

    def _accepted(self) -> int:
        self.apply()
        if self.rng.random() < 0.15:
            notice = self.at(self.pos(self.applied_at) + 0.2 * self.day)
            self.emit("supplement_notice", notice, reason="材料不全", materials=["营业执照副本"])
            self.emit(
                "supplement_received", self.at(self.pos(notice) + 0.5 * self.day), materials=["营业执照副本"]
            )
            return self.accept(self.at(self.pos(notice) + 0.8 * self.day))
        return self.accept()

    def plan_ontime(self) -> bool:
        start = self._accepted()
        self.procedure(start, self._ontime_end(start))
        return self.finish()

    def plan_denied(self) -> bool:
        start = self._accepted()
        self.procedure(start, self._ontime_end(start), deny=True)
        return self.finish()

    def _late(self, lo_rule: str, hi_rule: str | None) -> bool:
        self.apply()
        start = self.accept()
        m = {k: self.pos(v) for k, v in self.moments().items()}
        lo = max(m[lo_rule], start + (len(self.item.stages) + 1) * MIN_GAP) + MIN_GAP
        end = self.window(lo, m[hi_rule] - MIN_GAP if hi_rule else m[lo_rule] + 3 * self.day)
        if end is None:
            return False
        self.procedure(start, end)
        return self.finish()

    def plan_warn(self) -> bool:
        return self._late("T-WARN", "T-YELLOW")

    def plan_yellow(self) -> bool:
        return self._late("T-YELLOW", "T-RED")

    def plan_red(self) -> bool:
        return self._late("T-RED", None)

    def plan_accept_late(self) -> bool:
        self.apply()
        due = self.cal.add_working_days(self.applied_at, self.gen.config.accept_decision_days)
        start = self.accept(self.at(self.pos(due) + self.rng.uniform(0.2, 0.9) * self.day))
        self.case.expected["T-ACCEPT"] = due
        self.procedure(start, self._ontime_end(start))
        return self.finish()

    def plan_skip_stage(self) -> bool:
        start = self._accepted()
        marks = self.procedure(start, self._ontime_end(start), skip=min(1, len(self.item.stages) - 1))
        self.case.expected["P-ORDER"] = marks["first_after_skip"]
        return self.finish()

    def plan_supp_after_accept(self) -> bool:
        self.apply()
        start = self.accept()
        got = self.emit(
            "supplement_notice", self.at(start + MIN_GAP), reason="需补充材料", materials=["现场照片"]
        )
        self.emit("supplement_received", self.at(start + 2 * MIN_GAP), materials=["现场照片"])
        self.case.expected["P-SUPP-AFTER-ACCEPT"] = got
        self.procedure(start + 2 * MIN_GAP, self._ontime_end(start + 2 * MIN_GAP))
        return self.finish()

    def plan_supp_repeat(self) -> bool:
        self.apply()
        first = self.at(self.pos(self.applied_at) + 0.2 * self.day)
        self.emit("supplement_notice", first, reason="材料不全", materials=["申请书"])
        self.emit("supplement_received", self.at(self.pos(first) + 0.3 * self.day), materials=["申请书"])
        second = self.at(self.pos(first) + 0.6 * self.day)
        got = self.emit("supplement_notice", second, reason="材料仍不全", materials=["平面图"])
        self.emit("supplement_received", self.at(self.pos(second) + 0.3 * self.day), materials=["平面图"])
        self.case.expected["P-SUPP-REPEAT"] = got
        start = self.accept(self.at(self.pos(second) + 0.6 * self.day))
        self.procedure(start, self._ontime_end(start))
        return self.finish()

    def plan_refuse_no_reason(self) -> bool:
        self.apply()
        self.refuse(self.rng.choice(("不符合条件", "无", "其他")))
        self.case.expected["P-REFUSE-NO-REASON"] = self.case.lines[-1][0]
        return True

    def plan_refused(self) -> bool:
        self.apply()
        self.refuse("申请事项不属于本机关职权范围，已告知申请人向有关行政机关申请")
        return True

    def plan_offline(self) -> bool:
        self.channel = "online"
        day = self.applied_at.date()
        self.applied_at = self.cal.close_of(day) - dt.timedelta(hours=8, minutes=self.rng.randint(0, 20))
        self.apply()
        start = self.accept(self.applied_at + dt.timedelta(minutes=50))
        end = start + (len(self.item.stages) + 1) * MIN_GAP
        before = len(self.case.lines)
        self.procedure(start, end)
        assert self.case.closed_at is not None
        batch = self.at(self.pos(self.case.closed_at) + 2 * MIN_GAP)
        self.case.lines[before - 1 :] = [
            (batch + dt.timedelta(seconds=n), rec) for n, (_, rec) in enumerate(self.case.lines[before - 1 :])
        ]
        self.case.expected["P-OFFLINE"] = self.case.lines[-1][0]
        return self.finish()

    def plan_wrong_fee(self) -> bool:
        start = self._accepted()
        fee = str((Decimal(self.item.fee_standard) * Decimal("1.5")).quantize(Decimal("0.01")))
        marks = self.procedure(start, self._ontime_end(start), fee=fee)
        self.case.expected["F-FEE"] = marks["conclude"]
        return self.finish()

    def plan_free_fee(self) -> bool:
        start = self._accepted()
        marks = self.procedure(start, self._ontime_end(start), fee=self.rng.choice(("50", "200", "35.50")))
        self.case.expected["F-FEE"] = marks["conclude"]
        return self.finish()

    def plan_timing(self) -> bool:
        start = self._accepted()
        marks = self.procedure(start, self._ontime_end(start), fast_second=True)
        self.case.expected["L-TIMING"] = marks["stage1"]
        return self.finish()

    def plan_late_report(self) -> bool:
        start = self._accepted()
        marks = self.procedure(start, self._ontime_end(start), late_report=0)
        self.case.expected["L-LATE-REPORT"] = marks["stage0"]
        return self.finish()

    def _special(self, overrun: bool) -> tuple[int, dt.datetime | None]:
        self.apply()
        start = self.accept()
        kind = self.rng.choice([k for k in self.item.specials_allowed if k != "extension"])
        began = self.at(start + MIN_GAP)
        planned = 3 if overrun else 10
        self.emit(
            "special_start",
            began,
            special_no=1,
            kind=kind,
            reason="依法需要" + kind,
            approver="分管局长",
            planned={"value": planned, "unit": "G"},
        )
        planned_end = self.cal.add_working_days(began, planned)
        if overrun:
            ended = self.at(self.pos(planned_end) + self.rng.uniform(0.3, 1.5) * self.day)
        else:
            ended = self.at(self.pos(began) + self.rng.uniform(3, 6) * self.day)
        self.emit("special_end", ended, special_no=1, result="完成")
        self.pauses.append((began, ended))
        return self.pos(ended), planned_end if overrun else None

    def plan_special_ok(self) -> bool:
        resume, _ = self._special(overrun=False)
        end = self.window(
            resume + (len(self.item.stages) + 1) * MIN_GAP, self.pos(self.moments()["T-WARN"]) - MIN_GAP
        )
        if end is None:
            return False
        self.procedure(resume, end)
        return self.finish()

    def plan_special_overrun(self) -> bool:
        resume, planned_end = self._special(overrun=True)
        assert planned_end is not None
        self.case.expected["T-SPECIAL"] = planned_end
        self.procedure(resume, self._ontime_end(resume))
        return self.finish()

    def plan_stage_late(self) -> bool:
        start = self._accepted()
        late = next(n for n, s in enumerate(self.item.stages) if s in self.item.stage_limits)
        marks = self.procedure(start, self._ontime_end(start), late_stage=late)
        self.case.expected["T-STAGE"] = marks["stage_due"]
        return self.finish()

    def plan_extension_ok(self) -> bool:
        self.apply()
        start = self.accept()
        original_due = self.pos(self.moments()["T-YELLOW"])
        self.emit(
            "special_start",
            self.at(start + MIN_GAP),
            special_no=1,
            kind="extension",
            reason="情况复杂，经负责人批准延长",
            approver="局长",
            planned={"value": 10, "unit": "G"},
        )
        self.extension = 10
        end = self.window(original_due + MIN_GAP, self.pos(self.moments()["T-WARN"]) - MIN_GAP)
        if end is None:
            return False
        self.procedure(start + MIN_GAP, end)
        return self.finish()


def _person(rng: random.Random) -> str:
    return rng.choice(_SURNAMES) + "".join(rng.choice(_GIVEN) for _ in range(rng.randint(1, 2)))


def _id_no(rng: random.Random, person: bool) -> str:
    if person:
        born = dt.date(rng.randint(1960, 2004), rng.randint(1, 12), rng.randint(1, 28))
        return f"330102{born:%Y%m%d}{rng.randint(0, 9999):04d}"
    return f"91{REGION}MA{rng.randint(0, 10**7 - 1):07d}{rng.choice('0123456789ABCDEFGHJKLMNPQRTUWXY')}"


def generate(
    seed: int, start: dt.date, end: dt.date, cases_per_day: int, calendar: WorkCalendar | None = None
) -> SampleCity:
    calendar = calendar or WorkCalendar(HolidaySource.chinese_calendar())
    return CityGenerator(make_catalog(), calendar, seed).generate(start, end, cases_per_day)


def write_sample(out: Path, seed: int, start: dt.date, end: dt.date, cases_per_day: int) -> list[Path]:
    """Write catalog.json, records.jsonl (envelopes in order of receipt) and truth.json."""
    city = generate(seed, start, end, cases_per_day)
    out.mkdir(parents=True, exist_ok=True)
    catalog, records, truth = out / "catalog.json", out / "records.jsonl", out / "truth.json"
    catalog.write_text(json.dumps(city.catalog.to_json(), ensure_ascii=False, indent=1), encoding="utf-8")
    with records.open("w", encoding="utf-8") as f:
        for envelope in city.envelopes():
            f.write(json.dumps(envelope, ensure_ascii=False) + "\n")
    summary = {
        "as_of": city.as_of.isoformat(),
        "seed": seed,
        "start": start.isoformat(),
        "end": end.isoformat(),
        "cases": {
            c.case_no: {"profile": c.profile, "standing": sorted(s)}
            for c, s in zip(city.cases, city.truth().values(), strict=True)
        },
    }
    truth.write_text(json.dumps(summary, ensure_ascii=False, indent=1), encoding="utf-8")
    return [catalog, records, truth]
