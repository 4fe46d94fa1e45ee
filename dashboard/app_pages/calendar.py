"""Calendar: what falls due across the cohort in the next 30, 60 or 90 days, and what is
overdue, by milestone and by advisor; selecting a line opens the student."""

from __future__ import annotations

import datetime as dt

import duckdb
import streamlit as st

from dashboard import plan, state, ui
from dashboard.exports import csv_bytes
from dashboard.rules import format_date

loaded = state.require_cohort()
flagged = loaded.flagged

st.title("Calendar")
days = st.segmented_control("Looking ahead", options=[30, 60, 90], default=30,
                            format_func=lambda d: f"{d} days", key="calendar_days") or 30
st.caption(f"As of {format_date(flagged.as_of)}: every plan step due by "
           f"{format_date(flagged.as_of + dt.timedelta(days=days))}, "
           "and every step overdue, soonest first. Dates marked estimated follow the default "
           "calendar (Settings). Select a line to open the student.")

SHOWN = 500  # lines drawn; the download holds them all
items = plan.cohort_calendar(flagged, days)
[(total,)] = items.aggregate("count(*)").fetchall()
if total == 0:
    st.success("Nothing falls due in this window.")
    st.stop()


def counts_by(column: str):
    """Overdue and due steps per value of `column` ('item' or 'advisor'), counted in DuckDB."""
    grouped = items.aggregate(
        [duckdb.ColumnExpression(column), *[duckdb.SQLExpression(part) for part in (
            "count(*) filter (where status = 'overdue')",
            "count(*) filter (where status = 'due')")]], column)
    frame = grouped.df()
    frame.columns = [column, "Overdue", "Due"]
    return frame.sort_values(["Overdue", "Due"], ascending=False)


left, right = st.columns(2)
with left:
    st.caption("By step")
    by_step = counts_by("item")
    by_step.insert(0, "step", by_step.pop("item").map(
        lambda item: plan.PLAN_ITEMS_BY_ID[item].short))
    st.dataframe(by_step, hide_index=True, key="calendar_by_step",
                 column_config={"step": "Step"})
with right:
    st.caption("By advisor")
    st.dataframe(counts_by("advisor"), hide_index=True, key="calendar_by_advisor",
                 column_config={"advisor": "Advisor"})

advisors = [advisor for (advisor,) in items.aggregate("advisor", "advisor").order(
    "advisor").fetchall()]
chosen = st.multiselect("Advisor", options=advisors, key="calendar_advisors",
                        placeholder="All advisors")
if chosen:
    items = items.filter(duckdb.ColumnExpression("advisor").isin(
        *[duckdb.ConstantExpression(advisor) for advisor in chosen]))
[(matched,)] = items.aggregate("count(*)").fetchall()
shown = items.limit(SHOWN).df()
shown["status"] = shown["status"].map(plan.STATUS_LABELS)
shown["when"] = [plan.when_text(start, end, estimated) for start, end, estimated in
                 zip(shown["due_date"], shown["end_date"], shown["is_estimated"], strict=True)]
st.caption(ui.counted(matched, "step") + " in the list"
           + (f"; the {SHOWN} soonest are shown, the download holds all" if matched > SHOWN
              else ""))
table = ui.readable(shown[["when", "status", "what", "student_id", "name", "advisor",
                           "risk_level", "source_row"]], state.privacy_mode())
event = st.dataframe(
    table, hide_index=True, on_select="rerun", selection_mode="single-row",
    key="calendar_table", height=min(38 + 35 * max(len(table), 1), 560),
    column_config={"when": "When", "status": "Status", "what": "Step",
                   "student_id": "Student ID", "name": "Name", "advisor": "Advisor",
                   "risk_level": "Risk", "source_row": None},
)
if event and event.selection.rows:
    st.session_state["student_row"] = int(shown.iloc[event.selection.rows[0]]["source_row"])
    st.switch_page("app_pages/student.py")

with st.container(horizontal=True):
    st.download_button(
        "Download this calendar (CSV)",
        data=lambda: csv_bytes(plan.cohort_calendar(flagged, days, flagged.con.cursor())),
        file_name=f"calendar-{flagged.as_of.isoformat()}-{days}-days.csv", mime="text/csv",
        key="calendar_download", icon=":material/download:",
        on_click=state.logged_download(f"calendar CSV, {days} days"),
    )
    privacy = state.privacy_mode()
    st.download_button(
        "Add to a calendar app (.ics)",
        data=lambda: plan.cohort_calendar_ics(flagged, days, privacy, flagged.con.cursor()),
        file_name=f"calendar-{flagged.as_of.isoformat()}-{days}-days.ics",
        mime="text/calendar", key="calendar_download_ics", icon=":material/event:",
        on_click=state.logged_download(f"calendar (.ics), {days} days"),
        help="Every step in the list as an all-day event, for Outlook, Google Calendar or "
             "Apple Calendar; overdue steps are put on today. Importing next week's file "
             "updates the same events. Names are left out in privacy mode.")
