"""Plans as iCalendar files (RFC 5545, written by the `icalendar` package): a student's dated
plan, or the cohort's calendar, to open in Outlook, Google Calendar or Apple Calendar.

Every step is an all-day event: a season (the sub-internship months) spans its days, a
deadline is its one day. An event's UID is made of the student, the step and the Match year,
never of the date, so a calendar that imports next week's file updates the event when a date
moves instead of showing it twice. Uploaded text (names, ids) goes only into properties that
`icalendar` escapes; nothing in the file is markup.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

from icalendar import Calendar, Event, vText

PRODID = "-//Cohort Advisor//Match plans//EN"
UID_DOMAIN = "cohort-advisor.invalid"  # RFC 5545 asks for a domain; this one is never real


@dataclass(frozen=True)
class Entry:
    """One step on a calendar: `end` is the last day of a season (inclusive), else None."""

    student_id: str
    item: str
    match_year: int | None
    start: dt.date
    end: dt.date | None
    summary: str
    description: str


def calendar_bytes(entries: Iterable[Entry], name: str,
                   now: dt.datetime | None = None) -> bytes:
    """The entries as one VCALENDAR, named `name` in clients that show a calendar's name."""
    stamp = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    # An X- property is untyped, so icalendar escapes it only when given as TEXT.
    calendar.add("x-wr-calname", vText(one_line(name)))
    for entry in entries:
        event = Event()
        event.add("uid", _uid(entry))
        event.add("dtstamp", stamp)
        event.add("dtstart", entry.start)
        # DTEND of an all-day event is the day after its last (RFC 5545, 3.6.1).
        event.add("dtend", (entry.end or entry.start) + dt.timedelta(days=1))
        event.add("summary", one_line(entry.summary))
        event.add("description", entry.description)
        event.add("transp", "TRANSPARENT")  # a reminder, not time the advisor is busy
        calendar.add_component(event)
    return calendar.to_ical()


def one_line(text: str) -> str:
    """A title on one line: line breaks, tabs and runs of spaces (a name pasted from a form)
    as one space."""
    return " ".join(text.split())


def _uid(entry: Entry) -> str:
    key = "\x1f".join((entry.student_id, entry.item, str(entry.match_year or "")))
    return f"{hashlib.sha256(key.encode()).hexdigest()[:32]}@{UID_DOMAIN}"


def describe(serves: str, status: str, estimated: bool) -> str:
    """What an event's description says beside its title."""
    lines = [f"Status: {status}."]
    if serves:
        lines.append(f"Serves: {serves}.")
    if estimated:
        lines.append("The date is estimated from the default calendar; the school's own "
                     "dates are set in Cohort Advisor's Settings.")
    return "\n".join(lines)


def who(student_id: str, name: object, privacy: bool) -> str:
    """The student as a cohort calendar names them: the name and id, the id alone in privacy
    mode (the file may be opened on a shared screen) or without a name."""
    if privacy or name is None or name == "":
        return student_id
    return f"{name} ({student_id})"
