"""Input no schema could take is refused with a 4xx, never a 5xx (issue 12, first slice): bodies that
are not UTF-8, nest past what a parser holds or carry a number of thousands of digits; periods outside
the calendar's years; cursors this API did not hand out (those it did hand out page on:
`test_api.py::test_alerts_are_filtered_and_paginated`)."""

from __future__ import annotations

import pytest

from tests.integration.conftest import KEYS, Cloud, call, example_records

pytestmark = pytest.mark.integration

UNREADABLE = {
    "not UTF-8": (b'\xff\xfe{"records": []}', "the body is not UTF-8"),
    "nested 100,000 deep": (b"[" * 100_000 + b"]" * 100_000, "the body nests too deeply"),
    "a 5,000-digit number": (
        b'{"records": [{"type": "apply", "seq": ' + b"9" * 5000 + b"}]}",
        "a number in the body has too many digits",
    ),
}


@pytest.mark.parametrize("kind", sorted(UNREADABLE))
@pytest.mark.parametrize(
    ("path", "key"), [("/v1/records", KEYS["a"]), ("/public/complaints", None)], ids=["exchange", "public"]
)
def test_an_unreadable_body_is_a_400_in_the_one_error_shape(
    cloud: Cloud, kind: str, path: str, key: str | None
) -> None:
    raw, why = UNREADABLE[kind]
    status, body = call(cloud, "POST", path, key, raw=raw)
    assert (status, body) == (400, {"error": "InvalidBody", "message": why})


def test_the_api_still_serves_after_unreadable_bodies(cloud: Cloud) -> None:
    for raw, _ in UNREADABLE.values():
        call(cloud, "POST", "/v1/records", KEYS["a"], raw=raw)
    status, answer = call(cloud, "POST", "/v1/records", KEYS["a"], {"records": example_records()})
    assert status == 200 and answer["stored"] == len(example_records())


@pytest.mark.parametrize("period", ["0000", "0000-Q1", "0000-01", "9999-12"])
def test_a_period_outside_the_calendars_years_is_a_422(cloud: Cloud, period: str) -> None:
    status, body = call(cloud, "GET", "/public/rankings", query={"period": period})
    assert status == 422 and body["problems"][0]["field"] == "period", body
    status, body = call(cloud, "GET", "/v1/scores", KEYS["office"], query={"period": period})
    assert status == 422 and body["problems"][0]["field"] == "period", body


@pytest.mark.parametrize(
    "cursor",
    [
        "garbage",  # not base64
        "bm90IGpzb24",  # base64 of "not json"
        "WzEsMl0",  # base64 of a JSON list
        "eyJzZWNyZXQiOnsiUyI6IngifX0",  # base64 of a key on an attribute no index has
    ],
)
def test_a_cursor_the_api_did_not_hand_out_is_a_422(cloud: Cloud, cursor: str) -> None:
    status, body = call(cloud, "GET", "/v1/alerts", KEYS["office"], query={"cursor": cursor})
    assert status == 422, body
    assert body["problems"] == [
        {
            "field": "cursor",
            "problem": "invalid cursor: pass the cursor of the previous page as given",
            "got": None,
        }
    ]
