"""Small Streamlit helpers shared by the pages: table column set-up and plain-text messages.

Uploaded text (names, ids, file and column names) only ever reaches the screen through
`st.dataframe`, `st.text` or `st.code`, which render no Markdown or HTML.
"""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard.rules import BAND_LABELS, RISK_LABELS, STRATEGY_LABELS

STAGE_SHORT = {"preclinical": "M1-M2", "clinical": "M3", "final_year": "M4",
               "applying": "Applying"}
RISK_COLOURS = {"high": "red", "moderate": "orange", "needs_data": "violet", "low": "green"}


def show_refusal(message: str) -> None:
    """A refused file or mapping: a fixed heading, then the message as plain text."""
    with st.container(border=True):
        st.error("This cohort file cannot be used.", icon=":material/block:")
        st.text(message)


def student_column_config() -> dict:
    """The Students table: who, how urgent, what was not checked, why and what next fit in
    the 820 px a 1280 px screen leaves beside the sidebar; the rest scrolls."""
    return {
        "student_id": st.column_config.TextColumn("Student ID", width=75),
        "name": st.column_config.TextColumn("Name", width=120),
        "risk_level": st.column_config.TextColumn("Risk", width=85),
        "unchecked": st.column_config.TextColumn(
            "Data missing", width=115,
            help="Blank or unreadable data, so that the rules needing it could not be checked "
            "(never counted as clear). Blank when every rule was checked"),
        "reasons": st.column_config.TextColumn(
            "Why", width=160, help="Critical flags first, then warnings"),
        "next_step": st.column_config.TextColumn(
            "Next step", width=140,
            help="The student's soonest step still ahead; when none is, a missed step they can "
            "still make up (Overdue), else the next calendar date. The plan is on the "
            "student's page"),
        "next_step_due": st.column_config.DateColumn("Due", format="D MMM YYYY", width=90),
        "step2ck_score": st.column_config.TextColumn("Step 2 CK", width="small"),
        "us_plastics_lors": st.column_config.TextColumn("US PRS letters", width=110),
        "stage": st.column_config.TextColumn("Stage", width="small"),
        "advisor": st.column_config.TextColumn("Advisor"),
        "strategy": st.column_config.TextColumn("Strategy"),
        "class_year": st.column_config.TextColumn("Match year", width="small"),
        "campus": st.column_config.TextColumn("Campus"),
        "source_row": None,
    }


STUDENT_TABS = ("Profile", "Flags and missing data", "Plan to the Match", "Strategy",
                "Notes and history", "What if")
NOTES_TAB = "Notes and history"

MASK = "•••"
PERSONAL_COLUMNS = ("name", "email")


DRAWN_LIMIT = 200  # characters of one uploaded value drawn in a heading or label


def clipped(value: object, limit: int = DRAWN_LIMIT) -> str:
    """Uploaded text as drawn on screen: cut (and said so) past `limit` characters; the full
    value is kept and exported."""
    text = "" if value is None else str(value)
    return text if len(text) <= limit else text[:limit] + f"… ({len(text):,} characters)"


def masked(value: object, privacy: bool) -> object:
    """A name or email as shown: hidden in privacy mode (for screen sharing)."""
    return MASK if privacy and value is not None else value


def readable(frame, privacy: bool = False):
    """Enum columns as words an advisor reads (Final year, Targeted integrated...); names and
    emails masked in privacy mode."""
    labels = {"risk_level": RISK_LABELS, "band": BAND_LABELS, "strategy": STRATEGY_LABELS,
              "stage": STAGE_SHORT}
    shown = frame.copy()
    for column in PERSONAL_COLUMNS:
        if privacy and column in shown:
            shown[column] = shown[column].map(lambda value: masked(value, True))
    for column, mapping in labels.items():
        if column in shown:
            shown[column] = shown[column].map(lambda value, m=mapping: m.get(value, value))
    # A blank or unreadable value says so in words: a grey "None" under "US PRS letters"
    # reads as no letters.
    for column in GIVEN_COLUMNS:
        if column in shown:
            shown[column] = [NOT_GIVEN if value is None or value is pd.NA or value != value
                             else str(value) for value in shown[column].astype(object)]
    return shown


NOT_GIVEN = "not given"
GIVEN_COLUMNS = ("name", "step2ck_score", "us_plastics_lors", "class_year", "stage", "advisor",
                 "campus")


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 cell', '3 cells', '1,200 students'."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"
