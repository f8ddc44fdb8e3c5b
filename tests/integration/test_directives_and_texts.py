"""A card, end to end on moto: the staff registry, the texts it sends, its written directive."""

from __future__ import annotations

import io

import pytest
from moto.core import DEFAULT_ACCOUNT_ID
from moto.sns.models import sns_backends
from pypdf import PdfReader
from sunlight.app.sweep import sweep

from tests.integration.conftest import KEYS, REGION, Cloud, call, example_records, push_live
from tests.unit.cases import ITEM

pytestmark = pytest.mark.integration
ALERT = "C2026-000002:P-ORDER:case"


def register_staff(cloud: Cloud) -> None:
    handler = {"name": "王敏", "role": "handler", "phone": "13800001234", "leader_id": "JS001"}
    leader = {"name": "赵刚", "role": "leader", "phone": "13900005678"}
    assert call(cloud, "PUT", "/v1/staff/JS017", KEYS["a"], handler)[0] == 200
    assert call(cloud, "PUT", "/v1/staff/JS001", KEYS["a"], leader)[0] == 200


def texts() -> list[tuple[str, str]]:
    return [(m[0], m[1]) for m in sns_backends[DEFAULT_ACCOUNT_ID][REGION].sms_messages.values()]


def test_a_yellow_card_texts_its_handler_and_leader_once(cloud: Cloud) -> None:
    register_staff(cloud)
    push_live(cloud, KEYS["a"], example_records("C2026-000002", skip="review"))
    sent = texts()
    assert sorted(phone for phone, _ in sent) == ["+8613800001234", "+8613900005678"]
    assert all("C2026-000002" in text and "【黄牌】" in text and len(text) <= 70 for _, text in sent)
    call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records("C2026-000002", skip="review")})
    assert len(texts()) == 2  # checking the case again sends nothing twice


def test_the_card_files_a_numbered_directive_whose_pdf_names_the_case(cloud: Cloud) -> None:
    push_live(cloud, KEYS["a"], example_records("C2026-000002", skip="review"))
    _, alert = call(cloud, "GET", f"/v1/alerts/{ALERT}", KEYS["a"])
    filed = alert["document"]
    assert filed["number"].endswith("第0001号") and filed["kind"] == "directive"
    assert call(cloud, "GET", f"/v1/alerts/{ALERT}/document", KEYS["b"])[0] == 404
    status, pdf = call(cloud, "GET", f"/v1/alerts/{ALERT}/document", KEYS["a"])
    assert status == 200 and pdf[:5] == b"%PDF-"
    text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages).replace("\n", "")
    department = ITEM.dept_code  # the test catalogue's item names no department, so its code stands in
    for expected in ("C2026-000002", "建筑工程施工许可", filed["number"], "2026年11月11日", department):
        assert expected in text
    status, html = call(
        cloud, "GET", f"/v1/alerts/{ALERT}/document", KEYS["office"], query={"format": "html"}
    )
    assert status == 200 and "督办通知书" in html.decode()


def test_staff_are_registered_by_their_own_department_only(cloud: Cloud) -> None:
    entry = {"name": "王敏", "role": "handler", "phone": "13800001234"}
    assert call(cloud, "PUT", "/v1/staff/JS017", KEYS["office"], entry)[0] == 403
    status, _ = call(cloud, "PUT", "/v1/staff/JS017", KEYS["a"], {**entry, "phone": "12345"})
    assert status == 422
    status, shown = call(cloud, "PUT", "/v1/staff/JS017", KEYS["a"], entry)
    assert status == 200 and shown["phone"] == "138****1234"


def test_a_card_on_a_case_nobody_has_handled_yet_is_stored_counted_and_texts_no_one(cloud: Cloud) -> None:
    register_staff(cloud)
    (apply,) = [r for r in example_records("C2026-000009") if r["type"] == "apply"]
    apply = {k: v for k, v in apply.items() if k not in ("handler_id", "handler_name")}
    push_live(cloud, KEYS["a"], [apply])
    cloud.set_now("2026-11-20T09:00:00+08:00")  # well past 5 working days: T-ACCEPT
    report = sweep(cloud.services)
    assert report.failed == []
    (card,) = [a for a in cloud.services.alerts.for_case("C2026-000009") if a["rule"] == "T-ACCEPT"]
    assert card["handler_id"] is None and not card.get("texts")
    counted = cloud.services.tallies.cells("all", f"dept#{ITEM.dept_code}")[f"dept#{ITEM.dept_code}"]
    assert counted["alert#yellow_card#T-ACCEPT"] == 1
