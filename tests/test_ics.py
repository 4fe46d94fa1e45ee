"""The iCalendar exports (RFC 5545): a student's plan and the cohort calendar, read back by
two parsers, `icalendar` and `vobject` (the one the Radicale CalDAV server uses)."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
import vobject

from dashboard import plan
from dashboard.config import Config
from tests.conftest import load_rows
from tests.test_workspace import student

DECEMBER = dt.date(2026, 12, 3)


@pytest.fixture(scope="module")
def flagged():
    rows = [student("A-1", Name="Ana Díaz", Stage="M3", **{"Class Year": "2028",
                                                          "US Plastics LORs": "0"}),
            student("A-2", Name='Tom "TJ" O\'Neil; Jr., MD\r\nBEGIN:VEVENT',
                    **{"Step 2 CK": ""}),
            student("A-3", Name="Lin Wei", Stage="M4", **{"US Plastics Sub-Is": "0"})]
    return load_rows(rows).flag(Config(), DECEMBER, materialise=True)


def students(flagged) -> list[dict]:
    return flagged.relation().order("source_row").df().to_dict("records")


def test_a_students_plan_is_one_all_day_event_per_open_step(flagged):
    first = students(flagged)[0]
    data = plan.student_plan_ics(flagged, first)
    steps = plan.student_plan(flagged, first["source_row"])
    parsed = icalendar.Calendar.from_ical(data)
    events = list(parsed.walk("VEVENT"))
    assert len(events) == len(steps) > 0
    assert str(parsed["X-WR-CALNAME"]) == "Match plan: Ana Díaz (A-1)"
    for event, step in zip(events, steps.itertuples(), strict=True):
        start, end = event.decoded("DTSTART"), event.decoded("DTEND")
        assert type(start) is dt.date and type(end) is dt.date  # all-day
        if step.status == "Overdue":  # on the day the advisor looks, never in the past
            assert start == DECEMBER and str(event["SUMMARY"]).startswith("Overdue since ")
        else:
            assert start == step.due_date.date() >= DECEMBER
            last = step.end_date.date() if step.end_date is not None and str(
                step.end_date) != "NaT" else start
            assert end == last + dt.timedelta(days=1)
            assert str(event["SUMMARY"]) == step.what
    assert len({str(event["UID"]) for event in events}) == len(events)


def test_a_uid_names_the_student_and_step_not_the_date(flagged):
    """Next week's file updates the events a calendar holds instead of doubling them."""
    first = students(flagged)[0]
    later = load_rows([student("A-1", Name="Ana Díaz", Stage="M3", **{
        "Class Year": "2028", "US Plastics LORs": "0"})]).flag(
        Config(), DECEMBER + dt.timedelta(days=60), materialise=True)
    before = icalendar.Calendar.from_ical(plan.student_plan_ics(flagged, first))
    after = icalendar.Calendar.from_ical(plan.student_plan_ics(later, students(later)[0]))
    uids = {str(e["UID"]): str(e["SUMMARY"]) for e in before.walk("VEVENT")}
    shared = [e for e in after.walk("VEVENT") if str(e["UID"]) in uids]
    assert shared  # the same steps, the same UIDs


def test_uploaded_text_stays_text_in_both_parsers(flagged):
    second = students(flagged)[1]
    data = plan.student_plan_ics(flagged, second)
    events = list(icalendar.Calendar.from_ical(data).walk("VEVENT"))
    assert len(events) == len(plan.student_plan(flagged, second["source_row"]))
    card = vobject.readOne(data.decode("utf-8"))
    assert card.x_wr_calname.value == (
        "Match plan: Tom \"TJ\" O'Neil; Jr., MD BEGIN:VEVENT (A-2)")
    assert len(card.vevent_list) == len(events)


def test_the_cohort_calendar_names_each_student_unless_private(flagged):
    data = plan.cohort_calendar_ics(flagged, 90)
    rows = plan.cohort_calendar(flagged, 90).df()
    card = vobject.readOne(data.decode("utf-8"))
    assert len(card.vevent_list) == len(rows) > 0
    summaries = [event.summary.value for event in card.vevent_list]
    assert any(summary.endswith(" - Lin Wei (A-3)") for summary in summaries)
    assert all(event.description.value.startswith("Advisor: ") for event in card.vevent_list)
    private = vobject.readOne(plan.cohort_calendar_ics(flagged, 90, privacy=True).decode())
    texts = [event.summary.value + event.description.value for event in private.vevent_list]
    assert not any("Lin Wei" in text or "Ana" in text for text in texts)
    assert any(event.summary.value.endswith(" - A-3") for event in private.vevent_list)
