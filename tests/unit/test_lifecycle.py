"""Folding a case's records: duplicates, conflicts, reordering, stages, and recomputation."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sunlight.approval.domain.config import RuleConfig
from sunlight.approval.domain.lifecycle import (
    DUE_KEYS,
    CaseLog,
    Delivery,
    case_clock,
    due_change_note,
    due_instants,
    fold,
    recompute_open_cases,
)
from sunlight.approval.domain.records import parse_record, to_exchange_json
from sunlight.approval.domain.rules import evaluate
from sunlight.devtools.sample.city import generate
from sunlight.kernel.calendar import CalendarSettings, HolidaySource, WorkCalendar, YearCalendar
from sunlight.kernel.errors import CaseMismatch, ConflictingRecord

from tests.unit.cases import ITEM, Case, at

pytestmark = pytest.mark.unit


def test_the_same_record_twice_is_a_duplicate_and_changes_nothing() -> None:
    case = Case().full()
    log = case.log()
    before = [d.record for d in log.deliveries]
    assert log.add(case.deliveries[2]) == "duplicate"
    assert [d.record for d in log.deliveries] == before


def test_a_duplicate_sent_with_the_standards_aliases_is_still_a_duplicate() -> None:
    case = Case().full()
    log = case.log()
    raw = to_exchange_json(case.deliveries[1].record)
    aliased = {
        {"case_no": "SBLSH", "seq": "SJBBH", "dept_code": "ZZJGDM"}.get(k, k): v for k, v in raw.items()
    }
    assert log.add(Delivery(parse_record(aliased))) == "duplicate"


def test_same_identity_with_other_content_is_a_conflict_and_nothing_is_overwritten() -> None:
    case = Case().full()
    log = case.log()
    raw = to_exchange_json(case.deliveries[1].record) | {"query_code": "ZZZZZZ"}
    with pytest.raises(ConflictingRecord) as caught:
        log.add(Delivery(parse_record(raw)))
    assert caught.value.differences == ["query_code"]
    assert "nothing overwritten" in str(caught.value)
    assert log.deliveries[1].record.query_code == "8F3K2Q"  # type: ignore[union-attr]


def test_a_record_naming_another_item_for_the_same_case_is_refused() -> None:
    case = Case().full()
    log = case.log()
    raw = to_exchange_json(case.deliveries[1].record) | {"seq": 9, "item_code": "OTHER-1"}
    with pytest.raises(CaseMismatch):
        log.add(Delivery(parse_record(raw)))


def test_current_stage_follows_the_procedure() -> None:
    case = Case().apply()
    assert case.state().current_stage == "applied"
    case.accept()
    assert case.state().current_stage == "undertake"
    case.stage("undertake", "2026-11-03 10:00")
    assert case.state().current_stage == "review"
    case.stage("review", "2026-11-04 10:00", action="return")
    assert case.state().current_stage == "review"
    case.add(
        "special_start", "2026-11-04 11:00", special_no=1, kind="testing", planned={"value": 3, "unit": "G"}
    )
    assert case.state().current_stage == "special_procedure"
    case.add("special_end", "2026-11-05 11:00", special_no=1, fee="30")
    state = case.state()
    assert state.current_stage == "review" and str(state.special_fees) == "30"
    case.stage("review", "2026-11-05 15:00").stage("approve", "2026-11-06 10:00").conclude("2026-11-06 15:00")
    assert case.state().current_stage == "concluded" and case.state().outcome == "issued"


def test_the_clock_reports_elapsed_and_remaining_working_time(calendar: WorkCalendar) -> None:
    state = Case().apply().accept().state()
    clock = case_clock(state, ITEM, calendar, RuleConfig(), at("2026-11-05 13:00"))
    assert clock is not None
    assert clock.elapsed_working_days == pytest.approx(2.5)  # 11-03, 11-04, half of 11-05
    assert clock.remaining_working_days == pytest.approx(4.5)
    assert clock.next_due(at("2026-11-05 13:00")) == at("2026-11-09 17:30")


def _alerts_json(deliveries: list[Delivery], calendar: WorkCalendar, now: dt.datetime) -> list[str]:
    log = CaseLog(deliveries[0].record.case_no)
    for d in deliveries:
        log.add(d)
    item = ITEM_BY_CODE[log.deliveries[0].record.item_code]
    alerts = evaluate(fold(log.deliveries, tuple(item.stages)), item, calendar, RuleConfig(), now)
    return sorted(json.dumps(a.to_json(), sort_keys=True, ensure_ascii=False) for a in alerts)


_CITY = generate(3, dt.date(2026, 9, 24), dt.date(2026, 10, 20), 12)
ITEM_BY_CODE = {i.item_code: i for i in _CITY.catalog}
_CASES = [
    [Delivery(parse_record(rec), got) for got, rec in c.lines if got <= _CITY.as_of]
    for c in _CITY.cases
    if len(c.lines) >= 3
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_duplicate_and_reordered_delivery_produce_exactly_the_alerts_of_in_order_delivery(
    data: st.DataObject, calendar: WorkCalendar
) -> None:
    in_order = data.draw(st.sampled_from(_CASES))
    shuffled = data.draw(st.permutations(in_order))
    repeats = data.draw(st.lists(st.sampled_from(in_order), max_size=4))
    spot = data.draw(st.integers(0, len(shuffled)))
    delivered = [*shuffled[:spot], *repeats, *shuffled[spot:]]
    assert _alerts_json(delivered, calendar, _CITY.as_of) == _alerts_json(in_order, calendar, _CITY.as_of)


def test_the_property_test_covers_cases_with_alerts(calendar: WorkCalendar) -> None:
    with_alerts = [c for c in _CASES if _alerts_json(c, calendar, _CITY.as_of)]
    assert len(with_alerts) >= 20 and len(_CASES) >= 150


def test_loading_the_next_years_calendar_recomputes_open_cases_and_says_so(calendar: WorkCalendar) -> None:
    case = Case().apply("2026-12-21 09:00").accept("2026-12-21 10:00")
    state = case.state()
    now = at("2026-12-28 09:00")
    before = case_clock(state, ITEM, calendar, RuleConfig(), now)
    assert before is not None and before.uncovered_years == [2027]
    new_year = YearCalendar(2027, frozenset(dt.date(2027, 1, d) for d in (1, 2, 3)), frozenset())
    loaded = WorkCalendar(
        HolidaySource.chinese_calendar(),
        CalendarSettings(version="2027-official", loaded_years={2027: new_year}),
    )
    changes = recompute_open_cases([(state, ITEM)], calendar, loaded, RuleConfig(), now)
    assert [c.case_no for c in changes] == [case.case_no]
    assert changes[0].before["committed_due"] == "2026-12-30T17:30:00+08:00"
    assert changes[0].after["statutory_due"] == "2027-01-12T17:30:00+08:00"  # 1 Jan 2027 is a holiday now
    assert changes[0].before["statutory_due"] == "2027-01-11T17:30:00+08:00"
    assert (
        state.notes[-1]
        == changes[0].note
        == (
            "due instants recomputed under calendar 2027-official: "
            "statutory due 2027-01-11 17:30 → 2027-01-12 17:30; "
            "red card at 2027-01-04 17:30 → 2027-01-05 17:30"
        )
    )
    after = case_clock(state, ITEM, loaded, RuleConfig(), now)
    assert after is not None and after.uncovered_years == []


def test_a_recomputation_that_moves_nothing_is_audited_but_writes_no_note(calendar: WorkCalendar) -> None:
    state = Case().apply().accept().state()
    renamed = WorkCalendar(HolidaySource.chinese_calendar(), CalendarSettings(version="renamed"))
    changes = recompute_open_cases([(state, ITEM)], calendar, renamed, RuleConfig(), at("2026-11-03 09:00"))
    assert [(c.case_no, c.note) for c in changes] == [(state.case_no, None)]
    assert state.notes == []


def test_due_instants_are_the_four_moments_in_iso_seconds(calendar: WorkCalendar) -> None:
    clock = case_clock(Case().apply().accept().state(), ITEM, calendar, RuleConfig(), at("2026-11-03 09:00"))
    assert clock is not None
    assert due_instants(clock) == {
        "committed_due": "2026-11-11T17:30:00+08:00",
        "statutory_due": "2026-11-23T17:30:00+08:00",
        "warn_at": "2026-11-09T17:30:00+08:00",
        "red_at": "2026-11-16T17:30:00+08:00",
    }
    assert tuple(due_instants(clock)) == DUE_KEYS


def test_the_change_note_names_what_moved_in_local_time_in_due_key_order(calendar: WorkCalendar) -> None:
    before = {
        "statutory_due": "2027-02-04T17:30:00+08:00",
        "committed_due": "2027-01-12T17:30:00+08:00",
        "warn_at": "2027-01-08T17:30:00+08:00",
    }
    after = {
        "statutory_due": "2027-02-08T09:30:00Z",  # the same local 17:30, written in UTC
        "committed_due": "2027-01-14T17:30:00+08:00",
        "warn_at": "2027-01-08T09:30:00+00:00",  # the same instant: not a change
        "red_at": "2027-02-08T17:30:00+08:00",  # not known before: skipped
    }
    assert due_change_note(before, after, "calendar hz-2027.1", calendar) == (
        "due instants recomputed under calendar hz-2027.1: "
        "committed due 2027-01-12 17:30 → 2027-01-14 17:30; "
        "statutory due 2027-02-04 17:30 → 2027-02-08 17:30"
    )


def test_the_change_note_is_none_when_nothing_moved_and_says_what_changed(calendar: WorkCalendar) -> None:
    same = {"red_at": "2027-02-08T17:30:00+08:00"}
    assert due_change_note(same, same, "rules 2027.2", calendar) is None
    moved = {"red_at": "2027-02-09T17:30:00+08:00"}
    assert due_change_note(same, moved, "rules 2027.2", calendar) == (
        "due instants recomputed under rules 2027.2: red card at 2027-02-08 17:30 → 2027-02-09 17:30"
    )


def test_closed_cases_are_not_recomputed(calendar: WorkCalendar) -> None:
    state = Case().full().state()
    other = WorkCalendar(HolidaySource.weekends_only(), CalendarSettings(version="x"))
    assert recompute_open_cases([(state, ITEM)], calendar, other, RuleConfig(), at("2026-11-30 09:00")) == []
