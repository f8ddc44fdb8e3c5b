"""The citizens' portal in a real browser (Debian's Chromium under Playwright) against the local mode.

A department pushes a case with two working days of expert review (the clock stops) and five quick
cases concluded in one month (so it is ranked on its performance score for that month); then a
citizen finds the item in the guide, follows the case with its query code, files an anonymous
complaint and tracks it while the office and the department move it through the desk's API, and
finally reads the reply and rates it; the rankings show the scores and the city's trend chart. Every
page is photographed at phone and desktop widths; any console error or uncaught exception fails the
test that caused it.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright
from sunlight.approval.domain.catalog import Item
from sunlight.devtools.local.cloud import client
from sunlight.devtools.local.runner import LocalSystem

from tests.e2e.portal_fixtures import (
    CHROMIUM,
    CHROMIUM_ARGS,
    FIRST_PAGE_BUDGET,
    PHONE,
    TZ,
    PageErrors,
    Shots,
    case_with_expert_review,
    concluded_case,
    guide_item,
    http,
)
from tests.waiting import WAIT_SECONDS, wait_for

pytestmark = pytest.mark.e2e

CASE_NO = "LH2026-P2E-0001"
QUERY_CODE = "K7P2QX"
RANKED_CASES = 5  # the scoring standard's minimum case count: fewer and the department is not ranked
MINUTE_AHEAD_S = 40.0  # how much of the minute the throttle test starts with
MONTH_MARGIN_S = 180.0  # how far from a month's start or end the quick cases conclude
PAGES = ("", "guide", "progress", "complaint", "track", "rankings")


@dataclass(frozen=True)
class World:
    base: str
    keys: dict[str, str]
    item: Item
    month: str  # the month (Beijing time) in which the quick cases concluded: "2026-11"

    @property
    def dept(self) -> str:
        return self.item.dept_code


def _execution_status(system: LocalSystem, case_no: str) -> str | None:
    assert system.provisioned is not None
    runs = client("stepfunctions").list_executions(stateMachineArn=system.provisioned.state_machine_arn)
    return next((e["status"] for e in runs["executions"] if e["name"] == case_no), None)


def _clear_of_a_month_boundary(margin: float = MONTH_MARGIN_S) -> None:
    """Waits, when it is close to a month's start or end in Beijing time, so that the quick cases
    (each concluding a minute before it is pushed) all conclude in one month: the current one."""
    now = dt.datetime.now(TZ)
    start = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    following = (start + dt.timedelta(days=32)).replace(day=1)
    since, until = (now - start).total_seconds(), (following - now).total_seconds()
    if until < margin:
        time.sleep(until + margin)
    elif since < margin:
        time.sleep(margin - since)


@pytest.fixture(scope="module")
def world(system: LocalSystem) -> World:
    """The department's cases, pushed with its own key before the portal's first look."""
    assert system.gateway is not None
    base = system.gateway.url
    keys = {k.dept_code or "office": k.key for k in system.keys}
    item = guide_item()
    key = keys[item.dept_code]
    records = case_with_expert_review(item, CASE_NO, QUERY_CODE)
    status, answer = http(base, "POST", "/v1/records", key, {"records": records})
    assert status == 200 and answer["stored"] == len(records), answer
    quick = [f"LH2026-P2E-R{n:02d}" for n in range(1, RANKED_CASES + 1)]
    # The rankings are by month (and quarter, year), kept as the records arrive: the department is
    # ranked for the month its cases concluded in, so they must all conclude in the same one.
    _clear_of_a_month_boundary()
    month = f"{dt.datetime.now(TZ) - dt.timedelta(minutes=1):%Y-%m}"
    for case_no in quick:
        batch = concluded_case(item, case_no)
        status, answer = http(base, "POST", "/v1/records", key, {"records": batch})
        assert status == 200 and answer["stored"] == len(batch), answer
    # The figures (on-time rates, rankings) read the outcome that each case's rule check writes.
    for case_no in quick:
        wait_for(
            lambda case_no=case_no: _execution_status(system, case_no) == "SUCCEEDED",
            f"{case_no}'s execution to succeed",
        )
    assert f"{dt.datetime.now(TZ) - dt.timedelta(minutes=1):%Y-%m}" == month
    return World(base, keys, item, month)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        message = f"the portal tests need Debian's Chromium at {CHROMIUM} (make test installs it)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Shots:
    return Shots.from_environment(tmp_path_factory.mktemp("portal-screenshots"))


@pytest.fixture
def page(browser: Any, world: World) -> Iterator[Any]:
    """A fresh browser profile (nothing remembered) on a phone-sized screen, Beijing time."""
    context = browser.new_context(viewport=PHONE, locale="zh-CN", timezone_id="Asia/Shanghai")
    tab = context.new_page()
    tab.set_default_timeout(WAIT_SECONDS * 1000)
    # An assertion waits as long as an action: the API behind the page may be slow on a loaded machine.
    expect.set_options(timeout=WAIT_SECONDS * 1000)
    errors = PageErrors()
    errors.watch(tab)
    yield tab
    context.close()
    if errors.seen:
        pytest.fail("the page reported errors:\n" + "\n".join(errors.seen))


def open_page(page: Any, world: World, route: str = "") -> None:
    page.goto(f"{world.base}/#/{route}" if route else f"{world.base}/")
    expect(page.locator("#page-title")).to_be_visible()


# -- the static site -------------------------------------------------------------------------------


def test_the_first_page_weighs_under_150_kb_and_loads_nothing_from_elsewhere(
    page: Any, world: World, shots: Shots, record_property: Any
) -> None:
    responses: list[Any] = []

    def seen(response: Any) -> None:  # Playwright cannot wrap a bound builtin like list.append
        responses.append(response)

    page.on("response", seen)
    page.goto(f"{world.base}/", wait_until="networkidle")
    sizes = {r.url: len(r.body()) for r in responses}
    total = sum(sizes.values())
    record_property("first_page_bytes", total)
    (shots.folder / "first-page-weight.txt").write_text(
        "\n".join([*(f"{n:>8}  {u}" for u, n in sizes.items()), f"{total:>8}  total"]) + "\n"
    )
    assert total < FIRST_PAGE_BUDGET, sizes
    assert all(u.startswith(world.base + "/") for u in sizes), sizes
    assert not any("/public/" in u for u in sizes), "the start page calls no API"
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.get_by_role("heading", level=1)).to_have_text("办事更透明，监督在身边")
    shots.take(page, "01-home")


def test_the_portal_is_served_with_its_security_headers_and_nothing_else_of_the_repository(
    world: World,
) -> None:
    def get(path: str) -> tuple[int, Any]:
        try:
            with urllib.request.urlopen(world.base + path, timeout=30) as answer:
                return answer.status, answer.headers
        except urllib.error.HTTPError as err:
            return err.code, err.headers

    for path, content_type in (
        ("/", "text/html"),
        ("/portal/style.css", "text/css"),
        ("/portal/js/app.js", "text/javascript"),
        ("/portal/icon.svg", "image/svg+xml"),
    ):
        status, headers = get(path)
        assert status == 200, path
        assert headers["Content-Type"].startswith(content_type), path
        assert headers["Content-Security-Policy"].startswith("default-src 'self'")
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["Referrer-Policy"] == "no-referrer"
        assert headers["X-Frame-Options"] == "DENY"
    for path in (
        "/portal/README.md",
        "/portal/../pyproject.toml",
        "/portal/%2e%2e/Makefile",
        "/portal/nope.js",
    ):
        assert get(path)[0] == 404, path


# -- the citizen's journey -------------------------------------------------------------------------


def test_a_citizen_finds_the_item_in_the_service_guide(page: Any, world: World, shots: Shots) -> None:
    item = world.item
    open_page(page, world)
    page.get_by_label("搜索办事事项").fill(item.name[:4])
    page.get_by_label("搜索办事事项").press("Enter")
    expect(page).to_have_url(re.compile(r"#/guide\?q="))
    page.get_by_label("实施部门").select_option(item.dept_code)
    page.get_by_role("button", name="查询", exact=True).click()
    card = page.locator("li.item").filter(has=page.get_by_role("heading", name=item.name, exact=True))
    expect(card).to_be_visible()
    expect(page.locator(".count")).to_contain_text("共 ")
    for text in (
        item.dept_name or "",
        item.legal_basis or "",
        f"{item.statutory_limit.value} 个工作日",
        f"{item.committed_limit.value} 个工作日",
        f"¥{int(float(item.fee_standard)):,}",
        "承办",
        "审核",
        "批准",
        "可网上申请，也可到窗口办理",
        "专家评审",
        "100%",
        f"（已办结 {RANKED_CASES} 件）",
    ):
        expect(card).to_contain_text(text)
    shots.take(page, "02-guide")


def test_a_citizen_follows_the_case_and_sees_the_pause_explained(
    page: Any, world: World, shots: Shots
) -> None:
    open_page(page, world, "progress")
    page.get_by_label("办件编号").fill(CASE_NO)
    page.get_by_label("查询密码").fill(QUERY_CODE)
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator("#case-title")).to_have_text(world.item.name)
    result = page.locator("#progress-result")
    expect(result).to_contain_text("已用工作日")
    expect(result).to_contain_text("剩余工作日")
    expect(result).to_contain_text("李**")  # the applicant, masked by the API
    pause = page.locator(".pause-box")
    expect(pause).to_have_count(1)
    expect(pause).to_contain_text("专家评审")
    expect(pause).to_contain_text("不计入办理时限")
    expect(pause).to_contain_text("个工作日")
    timeline = page.locator(".timeline li")
    expect(timeline).to_have_count(5)
    expect(timeline.nth(3)).to_contain_text("专家评审开始")
    expect(timeline.nth(4)).to_contain_text("特别程序结束")
    expect(page.locator(".timeline li.pause")).to_have_count(2)
    shots.take(page, "03-progress")


def test_a_due_date_counted_across_a_year_without_official_holidays_is_marked_provisional(
    page: Any, world: World, shots: Shots
) -> None:
    """A case accepted now on a 30-working-day item is due in a year the calendar does not cover yet
    (chinese_calendar knows up to 2026 and the local mode has loaded no later year)."""
    item = {**world.item.model_dump(mode="json"), "item_code": "330100-CG-P2E-30"}
    item |= {"statutory_limit": {"value": 45, "unit": "G"}, "committed_limit": {"value": 30, "unit": "G"}}
    assert http(world.base, "PUT", f"/v1/items/{item['item_code']}", world.keys["office"], item)[0] == 200
    now = dt.datetime.now(TZ) - dt.timedelta(minutes=5)
    common = {"case_no": "LH2026-P2E-PROV", "item_code": item["item_code"], "dept_code": world.item.dept_code}
    common |= {"region_code": "330100"}
    records = [
        {**common, "type": "apply", "seq": 1, "occurred_at": (now - dt.timedelta(minutes=5)).isoformat()}
        | {"applicant_type": "person", "applicant_name": "李小龙", "applicant_id_type": "id_card"}
        | {"applicant_id_no": "330102199001011234", "contact_phone": "13800001234", "channel": "window"},
        {**common, "type": "accept", "seq": 2, "occurred_at": now.isoformat(), "handler_name": "王敏"}
        | {"handler_id": "P2E01", "result": "accept", "receipt_no": "SL-P2E-PROV", "query_code": QUERY_CODE}
        | {"statutory_limit": item["statutory_limit"], "committed_limit": item["committed_limit"]}
        | {"fee_standard": item["fee_standard"]},
    ]
    status, answer = http(
        world.base, "POST", "/v1/records", world.keys[world.item.dept_code], {"records": records}
    )
    assert status == 200 and answer["stored"] == 2, answer
    look = {"case_no": "LH2026-P2E-PROV", "query_code": QUERY_CODE}
    found = wait_for(
        lambda: http(world.base, "POST", "/public/progress", None, look)[1]["found"],
        "the new case to be found by its query code",
    )
    assert found
    open_page(page, world, "progress")
    page.get_by_label("办件编号").fill("LH2026-P2E-PROV")
    page.get_by_label("查询密码").fill(QUERY_CODE)
    page.get_by_role("button", name="查询进度").click()
    expect(page.locator("#case-title")).to_have_text(world.item.name)
    expect(page.locator(".provisional-note")).to_have_count(2)
    expect(page.locator(".provisional-note").first).to_have_text("（待官方节假日安排公布后确认）")
    expect(page.locator(".summary")).to_contain_text("承诺办结期限（暂定）")
    shots.take(page, "03b-progress-provisional")


def test_a_wrong_query_code_gets_the_not_found_message_as_the_api_gives_it(page: Any, world: World) -> None:
    open_page(page, world, "progress")
    _, answer = http(
        world.base, "POST", "/public/progress", None, {"case_no": CASE_NO, "query_code": "WRONG1"}
    )
    assert answer == {"found": False, "message": "未找到该办件，或查询密码不正确"}
    for case_no in (CASE_NO, "LH2026-NO-SUCH"):
        page.get_by_label("办件编号").fill(case_no)
        page.get_by_label("查询密码").fill("WRONG1")
        page.get_by_role("button", name="查询进度").click()
        expect(page.get_by_role("alert")).to_have_text(answer["message"])


def test_an_anonymous_complaint_is_answered_by_the_department_and_rated(
    page: Any, world: World, shots: Shots
) -> None:
    # Given a citizen files an anonymous complaint about the case
    open_page(page, world, "complaint")
    page.get_by_label("投诉", exact=True).check()
    page.get_by_label("办件编号").fill(CASE_NO)
    page.get_by_label("部门", exact=True).select_option(world.dept)
    page.get_by_label("窗口", exact=True).fill("市民中心 3 号窗口")
    page.get_by_label("内容").fill("专家评审结束后一直没有进展，窗口说还要等，请督促尽快办理。")
    page.get_by_label("匿名（不留姓名和电话）").check()
    expect(page.get_by_label("手机号码")).to_be_hidden()
    shots.take(page, "04-complaint")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的投诉")).to_be_visible()
    number = page.locator("#complaint-no").inner_text().strip()
    code = page.locator("#complaint-code").inner_text().strip()
    assert re.fullmatch(r"TS\d{13}", number) and re.fullmatch(r"[0-9A-Z]{6}", code), (number, code)
    expect(page.locator("#complaint-area")).not_to_contain_text("短信")  # no phone, no SMS
    shots.take(page, "05-complaint-receipt")

    # and tracks it: received
    page.get_by_role("link", name="查询处理进度").click()
    expect(page.get_by_label("投诉编号")).to_have_value(number)
    page.get_by_label("查询密码").fill(code)
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#complaint-state")).to_have_text("已收到")
    expect(page.locator("#track-result")).to_contain_text("尚未答复")

    # When the office accepts it and directs it to the department, which replies, and the office verifies
    office, department = world.keys["office"], world.keys[world.dept]
    reply = "经核查，专家论证已于近日完成，本局将在三个工作日内作出决定并通知您。感谢监督。"
    for key, step in (
        (office, {"step": "accept"}),
        (office, {"step": "direct", "dept_code": world.dept, "due_days": 5}),
        (department, {"step": "reply", "reply": reply}),
        (office, {"step": "verify"}),
    ):
        status, answer = http(world.base, "POST", f"/v1/complaints/{number}/steps", key, step)
        assert status == 200, (step, status, answer)

    # Then the citizen sees the reply and the history, and rates it
    page.get_by_role("button", name="查询", exact=True).click()
    expect(page.locator("#complaint-reply")).to_have_text(reply)
    expect(page.locator("#complaint-state")).to_have_text("已核实")
    history = page.locator(".history li")
    expect(history).to_have_count(5)
    expect(history.nth(2)).to_contain_text(world.item.dept_name or world.dept)
    shots.take(page, "06-track-replied")
    page.get_by_label("5 · 非常满意").check()
    page.get_by_label("意见（选填）").fill("答复及时，谢谢。")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator("#complaint-rating")).to_contain_text("5 分（满分 5 分）")
    expect(page.get_by_role("button", name="提交评价")).to_have_count(0)
    expect(page.get_by_role("status").filter(has_text="感谢您的评价")).to_be_visible()
    shots.take(page, "07-track-rated")
    _, answer = http(
        world.base, "POST", "/public/complaints/status", None, {"complaint_no": number, "query_code": code}
    )
    assert answer["complaint"]["rating"] == 5 and answer["complaint"]["can_rate"] is False


def test_an_enquiry_with_a_phone_number_says_the_code_was_texted(page: Any, world: World) -> None:
    open_page(page, world, "complaint")
    page.get_by_label("咨询", exact=True).check()
    page.get_by_label("内容").fill("请问绿地审批需要提交哪些材料？")
    page.get_by_label("姓名", exact=True).fill("王五")
    page.get_by_label("手机号码").fill("139 1234 5678")
    page.get_by_role("button", name="提交").click()
    expect(page.get_by_role("heading", name="已收到您的咨询")).to_be_visible()
    expect(page.locator("#complaint-area")).to_contain_text("已向 139****5678 发送短信")


def _percent(rate: float | None) -> str:
    """A rate as the portal shows it: 100%, 0% or 97.5%."""
    if rate is None:
        return "—"
    value = rate * 100
    return f"{value:.0f}%" if value in (0, 100) else f"{value:.1f}%"


def _count(n: float) -> str:
    """A count as the portal shows it (the API may give 1.0; a quarter's or a year's may be 1.5)."""
    return str(int(n)) if n == int(n) else f"{n:.1f}"


def _change(change: float | None) -> str:
    if change is None:
        return "—"
    return "0.00" if change == 0 else f"{'▲+' if change > 0 else '▼−'}{abs(change):.2f}"


def _periods_offered(today: dt.date) -> list[str]:
    """This month, last month, this quarter, this year."""
    last = (today.replace(day=1) - dt.timedelta(days=1)).strftime("%Y-%m")
    return [f"{today:%Y-%m}", last, f"{today.year}-Q{(today.month + 2) // 3}", str(today.year)]


def test_the_rankings_show_the_scores_the_cut_off_the_standard_and_the_hidden_ones(
    page: Any, world: World, shots: Shots
) -> None:
    # The period the API chooses by default is selected, and the four periods are offered
    _, default = http(world.base, "GET", "/public/rankings")
    open_page(page, world, "rankings")
    period = page.get_by_label("统计期间")
    expect(period).to_have_value(default["period"])
    offered = period.locator("option").evaluate_all("(options) => options.map((o) => o.value)")
    assert offered[:4] == _periods_offered(dt.datetime.now(TZ).date()), offered

    # The month the cases concluded in, chosen with the selector
    period.select_option(world.month)
    page.get_by_role("button", name="查看", exact=True).click()
    expect(page).to_have_url(re.compile(rf"#/rankings\?period={world.month}$"))
    _, data = http(world.base, "GET", f"/public/rankings?period={world.month}")
    assert data["period"] == world.month and data["standard_versions"], data
    ranked = next(d for d in data["departments"] if d["dept_code"] == world.dept)
    assert ranked["concluded"] == RANKED_CASES and ranked["total"] >= 100, ranked
    year, month = world.month.split("-")
    caption = page.locator("#rankings-result caption")
    expect(caption).to_contain_text(f"{year}年{int(month)}月部门绩效评估得分排行")
    expect(caption).to_contain_text(f"统计截至 {data['cut_off']}")
    expect(caption).to_contain_text("已定稿" if data["final"] else "统计中")
    expect(caption).to_contain_text(f"评分标准版本：{'、'.join(data['standard_versions'])}")
    expect(caption).to_contain_text(
        f"已办结不足 {data['min_cases']} 件的部门不参加排名，本期有 {data['hidden']} 个部门未列出。"
    )
    headers = ["名次", "部门", "得分", "较上期", "办结件数", "按时办结率", "提前办结率", "黄牌", "红牌"]
    expect(page.locator("thead th")).to_have_count(len(headers))
    for n, name in enumerate(headers):  # a phone shows some in short; their names are whole
        expect(page.locator("thead th").nth(n)).to_have_accessible_name(name)
    row = page.locator("tbody tr").filter(has_text=world.item.dept_name or world.dept)
    expect(row).to_have_count(1)
    expect(row.locator("td")).to_have_text(
        [
            str(ranked["rank"]),
            f"{ranked['total']:.2f}",
            re.compile("^" + re.escape(_change(ranked["change"]))),
            str(RANKED_CASES),
            _percent(ranked["on_time_rate"]),
            _percent(ranked["early_rate"]),
            _count(ranked["yellow_cards"]),
            _count(ranked["red_cards"]),
        ]
    )
    assert ranked["on_time_rate"] == 1.0

    # The city's trend chart loads, with its summary as text beside it
    chart = page.get_by_role("img", name="折线图：近 12 个月全市办件按月统计的按时办结率和提前办结率")
    chart.scroll_into_view_if_needed()
    expect(chart).to_be_visible()
    page.wait_for_function("(img) => img.complete && img.naturalWidth > 0", arg=chart.element_handle())
    assert chart.evaluate("(img) => img.naturalWidth") > 0
    expect(page.locator("figure figcaption")).to_contain_text("按时办结率：")
    shots.take(page, "08-rankings")

    # The same in English
    page.get_by_role("button", name="English").click()
    caption = page.locator("#rankings-result caption")
    expect(caption).to_contain_text(f"Figures up to {data['cut_off']}")
    expect(caption).to_contain_text(f"Scoring standard version: {', '.join(data['standard_versions'])}")
    expect(page.get_by_role("columnheader", name="Score")).to_be_visible()
    expect(row.locator("td.score")).to_have_text(f"{ranked['total']:.2f}")
    expect(page.get_by_label("Period")).to_have_value(world.month)
    expect(page.get_by_role("img", name=re.compile("^Line chart"))).to_be_visible()
    shots.take(page, "08b-rankings-english")


def test_the_trend_chart_is_an_svg_image(world: World) -> None:
    with urllib.request.urlopen(world.base + "/public/trend", timeout=60) as answer:
        assert answer.status == 200
        assert answer.headers["Content-Type"].startswith("image/svg+xml")
        body = answer.read().decode()
    assert body.startswith("<svg") and "按时办结率" in body and "提前办结率" in body


# -- language, keyboard, structure -----------------------------------------------------------------


def test_the_english_switch_is_remembered(page: Any, world: World, shots: Shots) -> None:
    open_page(page, world, "progress")
    page.get_by_role("button", name="English").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1)).to_have_text("Case progress")
    page.reload()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("navigation", name="Main navigation")).to_contain_text("Service guide")
    page.get_by_label("Case number").fill(CASE_NO)
    page.get_by_label("Query code").fill(QUERY_CODE)
    page.get_by_role("button", name="Show progress").click()
    expect(page.locator(".pause-box h3")).to_have_text("Expert review")
    expect(page.locator(".pause-box [lang='zh-CN']")).to_contain_text("不计入办理时限")
    shots.take(page, "09-progress-english")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("html")).to_have_attribute("lang", "zh-CN")
    expect(page.locator("#case-title")).to_have_text(world.item.name)  # the answer is kept
    assert page.evaluate("localStorage.getItem('sunlight.lang')") == "zh-CN"


def test_the_case_can_be_looked_up_with_the_keyboard_alone(page: Any, world: World) -> None:
    open_page(page, world)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "skip"
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent") == "办件查询":
            break
    focused = page.evaluate("getComputedStyle(document.activeElement).outlineStyle")
    assert focused == "solid", "the focused link shows its focus"
    page.keyboard.press("Enter")
    expect(page.locator("#page-title")).to_be_focused()
    page.keyboard.press("Tab")
    page.keyboard.type(CASE_NO)
    page.keyboard.press("Tab")
    page.keyboard.type(QUERY_CODE)
    page.keyboard.press("Enter")
    expect(page.locator("#case-title")).to_be_focused()
    expect(page.locator("#case-title")).to_have_text(world.item.name)


def test_every_page_has_landmarks_one_title_and_a_label_on_every_control(page: Any, world: World) -> None:
    audit = """() => {
      const named = (el) =>
        el.labels?.length || el.getAttribute('aria-label') || el.getAttribute('aria-labelledby');
      const controls = [...document.querySelectorAll('input, select, textarea')]
        .filter((el) => el.type !== 'hidden' && el.getClientRects().length);
      return {
        lang: document.documentElement.lang,
        h1: document.querySelectorAll('h1').length,
        main: document.querySelectorAll('main').length,
        banner: document.querySelectorAll('body > header').length,
        nav: !!document.querySelector('nav[aria-label]'),
        footer: document.querySelectorAll('body > footer').length,
        unlabelled: controls.filter((el) => !named(el)).map((el) => el.outerHTML),
        unnamedButtons: [...document.querySelectorAll('button')].filter((b) => !b.textContent.trim()).length,
        imagesWithoutAlt: document.querySelectorAll('img:not([alt])').length,
      };
    }"""
    for route in PAGES:
        open_page(page, world, route)
        page.wait_for_load_state("networkidle")
        found = page.evaluate(audit)
        assert found == {
            "lang": "zh-CN",
            "h1": 1,
            "main": 1,
            "banner": 1,
            "nav": True,
            "footer": 1,
            "unlabelled": [],
            "unnamedButtons": 0,
            "imagesWithoutAlt": 0,
        }, route


def test_twenty_wrong_codes_in_a_minute_on_one_case_are_throttled_by_the_public_api(system: Any) -> None:
    """The function's own per-number throttle answers, before the gateway's general rate limit."""
    url = system.gateway.url + "/public/progress"
    # The gateway's per-client bucket for public routes (40, 20 a second) is shared with the portal
    # tests before this one: let it fill up, so that the 21st answer is the function's own.
    limiter = system.gateway.limiter
    time.sleep(limiter.burst / limiter.rate)
    # The function counts failures per calendar minute: 21 requests that straddle a minute's end are
    # two minutes' counts (seen once on a loaded machine), so start with most of a minute ahead.
    left = 60 - time.time() % 60
    if left < MINUTE_AHEAD_S:
        time.sleep(left + 0.5)
    answers = []
    for n in range(21):
        body = json.dumps({"case_no": "NO-SUCH-CASE-1", "query_code": f"WRONG{n:02d}"}).encode()
        request = urllib.request.Request(
            url, data=body, method="POST", headers={"content-type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=30) as answer:
                answers.append((answer.status, answer.read()))
        except urllib.error.HTTPError as err:
            answers.append((err.code, err.read()))
    assert set(answers[:20]) == {answers[0]} and answers[0][0] == 200
    assert answers[20][0] == 429 and "查询过于频繁" in json.loads(answers[20][1])["message"]
