"""Helpers of the portal's browser tests: Debian's Chromium under Playwright, the fixture cases the
departments push, plain HTTP for the desk's API calls, screenshots and page errors."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sunlight.approval.domain.catalog import Item
from sunlight.devtools.sample.city import make_catalog
from sunlight.kernel.calendar import HolidaySource, WorkCalendar

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's Chromium (`make test` installs it); never a browser that `playwright install` fetches."""
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}
FIRST_PAGE_BUDGET = 150 * 1024
TZ = dt.timezone(dt.timedelta(hours=8))


def http(base: str, method: str, path: str, key: str | None = None, body: Any = None) -> tuple[int, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(base + path, data=data, method=method)
    if key:
        request.add_header("x-api-key", key)
    if data is not None:
        request.add_header("content-type", "application/json")
    try:
        with urllib.request.urlopen(request, timeout=120) as answer:
            return answer.status, json.loads(answer.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


def guide_item() -> Item:
    """An item with a fee, a 10+ working-day promise and expert review among its special procedures."""
    fits = [
        i
        for i in make_catalog()
        if "expert_review" in i.specials_allowed
        and not i.online_required
        and len(i.stages) == 3
        and i.committed_limit.unit == "G"
        and i.committed_limit.value >= 10
        and i.fee_standard not in ("0", "0.00")
    ]
    return min(fits, key=lambda i: i.item_code)


def working_days_back(count: int, today: dt.date | None = None) -> list[dt.date]:
    """The `count` working days before today, oldest first."""
    calendar = WorkCalendar(HolidaySource.chinese_calendar())
    day = today or dt.datetime.now(TZ).date()
    found: list[dt.date] = []
    while len(found) < count:
        day -= dt.timedelta(days=1)
        if calendar.is_working_day(day):
            found.append(day)
    return found[::-1]


def at(day: dt.date, hour: int, minute: int = 0) -> str:
    return dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=TZ).isoformat()


def _common(item: Item, case_no: str) -> dict[str, Any]:
    return {
        "case_no": case_no,
        "item_code": item.item_code,
        "dept_code": item.dept_code,
        "region_code": "330100",
    }


WHO = {"handler_name": "陈涛", "handler_id": "P2E001"}


def case_with_expert_review(item: Item, case_no: str, query_code: str) -> list[dict[str, Any]]:
    """Accepted six working days ago, handled, then two working days of expert review (a type-B
    special procedure: the clock stops); now at the review stage."""
    d0, d1, d2, _, d4, _ = working_days_back(6)
    steps: list[tuple[str, dict[str, Any]]] = [
        (
            at(d0, 9, 10),
            {
                "type": "apply",
                "applicant_type": "person",
                "applicant_name": "李小龙",
                "applicant_id_type": "id_card",
                "applicant_id_no": "330102199001011234",
                "contact_phone": "13800001234",
                "channel": "window",
                "project_name": "某小区绿地改造",
            },
        ),
        (
            at(d0, 9, 40),
            {
                "type": "accept",
                **WHO,
                "result": "accept",
                "receipt_no": "SL-P2E-1",
                "query_code": query_code,
                "statutory_limit": item.statutory_limit.model_dump(),
                "committed_limit": item.committed_limit.model_dump(),
                "fee_standard": item.fee_standard,
            },
        ),
        (
            at(d1, 15, 0),
            {"type": "stage", **WHO, "stage": "undertake", "action": "pass", "opinion": "材料齐全"},
        ),
        (
            at(d2, 9, 0),
            {
                "type": "special_start",
                **WHO,
                "special_no": 1,
                "kind": "expert_review",
                "reason": "涉及古树名木，组织专家论证",
                "approver": "赵刚",
                "planned": {"value": 3, "unit": "G"},
            },
        ),
        (at(d4, 9, 0), {"type": "special_end", **WHO, "special_no": 1, "result": "专家论证通过", "fee": "0"}),
    ]
    return [
        {**_common(item, case_no), **step, "seq": n, "occurred_at": when}
        for n, (when, step) in enumerate(steps, start=1)
    ]


def concluded_case(
    item: Item, case_no: str, skip: str | None = None, query_code: str = "RANK01"
) -> list[dict[str, Any]]:
    """A whole case done within the hour: applied, accepted, its stages (less `skip`), issued."""
    now = dt.datetime.now(TZ).replace(microsecond=0)
    steps: list[dict[str, Any]] = [
        {
            "type": "apply",
            "applicant_type": "person",
            "applicant_name": "张三",
            "applicant_id_type": "id_card",
            "applicant_id_no": "330102199001011234",
            "contact_phone": "13800001234",
            "channel": "window",
        },
        {
            "type": "accept",
            **WHO,
            "result": "accept",
            "query_code": query_code,
            "statutory_limit": item.statutory_limit.model_dump(),
            "committed_limit": item.committed_limit.model_dump(),
        },
        *({"type": "stage", **WHO, "stage": s, "action": "pass"} for s in item.stages if s != skip),
        {"type": "conclude", **WHO, "outcome": "issued", "fee_charged": item.fee_standard},
    ]
    return [
        {
            **_common(item, case_no),
            **step,
            "seq": n,
            "occurred_at": (now - dt.timedelta(minutes=8 * (len(steps) - n) + 1)).isoformat(),
        }
        for n, step in enumerate(steps, start=1)
    ]


@dataclass
class Shots:
    """Screenshots of each page at phone and desktop widths, in `folder` (and `copy_to`, if set)."""

    folder: Path
    copy_to: Path | None = None
    taken: list[Path] = field(default_factory=list)

    @classmethod
    def from_environment(cls, folder: Path) -> Shots:
        extra = os.environ.get("SUNLIGHT_SCREENSHOTS")
        return cls(folder, Path(extra) if extra else None)

    def take(self, page: Any, name: str) -> None:
        original = page.viewport_size
        for width, size in (("phone", PHONE), ("desktop", DESKTOP)):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)  # a layout pass at the new width
            path = self.folder / f"{name}-{width}.png"
            page.screenshot(path=str(path), full_page=True)
            self.taken.append(path)
            if self.copy_to is not None:
                self.copy_to.mkdir(parents=True, exist_ok=True)
                shutil.copy2(path, self.copy_to / path.name)
        if original:
            page.set_viewport_size(original)


@dataclass
class PageErrors:
    """Console errors and uncaught exceptions of a page: any one fails the test."""

    seen: list[str] = field(default_factory=list)

    def watch(self, page: Any) -> None:
        page.on(
            "console",
            lambda m: self.seen.append(f"console {m.type}: {m.text}") if m.type == "error" else None,
        )
        page.on("pageerror", lambda e: self.seen.append(f"page error: {e}"))
