"""Small Streamlit helpers shared by the pages: table column set-up and plain-text messages.

Uploaded text (names, ids, file and column names) only ever reaches the screen through
`st.dataframe`, `st.text` or `st.code`, which render no Markdown or HTML (SPEC section 8).
"""

from __future__ import annotations

import streamlit as st

from dashboard.rules import BAND_LABELS, RISK_LABELS, STAGE_LABELS, STRATEGY_LABELS

RISK_COLOURS = {"high": "red", "moderate": "orange", "needs_data": "violet", "low": "green"}


def show_refusal(message: str) -> None:
    """A refused file or mapping: a fixed heading, then the message as plain text."""
    with st.container(border=True):
        st.error("This cohort file cannot be used.", icon=":material/block:")
        st.text(message)


def student_column_config() -> dict:
    return {
        "student_id": st.column_config.TextColumn("Student ID"),
        "name": st.column_config.TextColumn("Name"),
        "risk_level": st.column_config.TextColumn("Risk"),
        "unchecked": st.column_config.TextColumn(
            "Not checked", help="Rules that could not be checked for lack of data"),
        "critical_flags": st.column_config.TextColumn("Critical flags", width="medium"),
        "warning_flags": st.column_config.TextColumn("Warnings", width="medium"),
        "info_flags": st.column_config.TextColumn(
            "Early notes", help="Flags raised before the final year: information only"),
        "band": st.column_config.TextColumn("Band"),
        "strategy": st.column_config.TextColumn("Strategy"),
        "stage": st.column_config.TextColumn("Stage"),
        "step2ck_score": st.column_config.NumberColumn("Step 2 CK", format="%d"),
        "us_plastics_lors": st.column_config.NumberColumn("US plastics LORs", format="%d"),
        "class_year": st.column_config.NumberColumn("Class", format="%d"),
        "campus": st.column_config.TextColumn("Campus"),
        "advisor": st.column_config.TextColumn("Advisor"),
        "source_row": None,
    }


MASK = "•••"
PERSONAL_COLUMNS = ("name", "email")


def masked(value: object, privacy: bool) -> object:
    """A name or email as shown: hidden in privacy mode (for screen sharing)."""
    return MASK if privacy and value is not None else value


def readable(frame, privacy: bool = False):
    """Enum columns as words an advisor reads (Final year, Targeted integrated...); names and
    emails masked in privacy mode."""
    labels = {"risk_level": RISK_LABELS, "band": BAND_LABELS, "strategy": STRATEGY_LABELS,
              "stage": STAGE_LABELS}
    shown = frame.copy()
    for column in PERSONAL_COLUMNS:
        if privacy and column in shown:
            shown[column] = shown[column].map(lambda value: masked(value, True))
    for column, mapping in labels.items():
        if column in shown:
            shown[column] = shown[column].map(lambda value, m=mapping: m.get(value, value))
    return shown


def counted(count: int, singular: str, plural: str | None = None) -> str:
    """'1 cell', '3 cells', '1,200 students'."""
    return f"{count:,} {singular if count == 1 else (plural or singular + 's')}"
