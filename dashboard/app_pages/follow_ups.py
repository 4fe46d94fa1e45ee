"""Follow-ups: the notes with a follow-up date that are due or overdue, by advisor."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import streamlit as st

from dashboard import reports, state, ui

WINDOWS = {0: "Overdue or today", 7: "7 days", 14: "14 days", 30: "30 days", 90: "90 days"}

st.title("Follow-ups")
workspace = state.require_workspace("notes and follow-ups")

loaded = state.require_cohort()
flagged = loaded.flagged
today = flagged.as_of
cohort = state.cohort_name()
controls = st.columns([3, 2])
window = controls[0].segmented_control(
    "Due within", options=list(WINDOWS), format_func=WINDOWS.get, default=14,
    key="follow_ups_window") or 0
# The sample's notes are not anyone's work: a session still on the sample sees every cohort.
scope_options = [cohort, None] if cohort and cohort != state.SAMPLE_COHORT_NAME else [None]
scope = controls[1].selectbox(
    "Cohort", options=scope_options,
    format_func=lambda name: "Every cohort" if name is None else ui.clipped(name, 60),
    key="follow_ups_scope")
due = workspace.follow_ups(scope, today + dt.timedelta(days=window))
st.caption(f"Open follow-ups due on or before {today + dt.timedelta(days=window):%-d %b %Y} "
           f"(the as-of date is {today:%-d %b %Y}). Set a follow-up date on a note on the "
           "student's page; mark it done here or there.")
if due.empty:
    st.success("Nothing is due in this window.", icon=":material/task_alt:")
    st.stop()

due["follow_up"] = pd.to_datetime(due["follow_up"]).dt.date
# Who advises each student, from the loaded file when the note is on its cohort.
students = reports.students_by_id(flagged, due["student_id"].unique().tolist())
due = due.merge(students, on="student_id", how="left")
in_file = due["cohort"] == cohort
due["advisor"] = due["advisor_group"].where(in_file & due["advisor_group"].notna(),
                                            "(not in the loaded file)")
due.loc[in_file & due["source_row"].notna() & due["advisor_group"].isna(),
        "advisor"] = "(not given)"
due["when"] = due["follow_up"].map(
    lambda day: "overdue" if day < today else ("today" if day == today else "due"))

by_advisor = (due.groupby("advisor").agg(
    overdue=("when", lambda when: int((when == "overdue").sum())),
    due=("when", lambda when: int((when != "overdue").sum())))
    .reset_index().sort_values(["overdue", "due"], ascending=False))
st.dataframe(by_advisor, hide_index=True, key="follow_ups_by_advisor",
             column_config={"advisor": "Advisor", "overdue": "Overdue", "due": "Due"})

privacy = state.privacy_mode()
shown = pd.DataFrame({
    "follow up": due["follow_up"],
    "status": due["when"],
    "student": due["student_id"].map(ui.clipped),
    "name": due["name"].map(lambda name: ui.clipped(ui.masked(name, privacy))),
    "advisor": due["advisor"].map(ui.clipped),
    "note": due["body"].map(lambda body: ui.clipped(body, 300)),
    "written by": due["author"],
})
if scope is None:
    shown.insert(2, "cohort", due["cohort"].map(ui.clipped))
st.caption("Select follow-ups to mark them done, or one to open the student.")
event = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="multi-row",
                     key="follow_ups_table",
                     column_config={"follow up": st.column_config.DateColumn(
                         "Follow up by", format="D MMM YYYY"), "status": "Status",
                         "student": "Student", "name": "Name", "advisor": "Advisor",
                         "cohort": "Cohort", "written by": "Written by",
                         "note": st.column_config.TextColumn("Note", width="large")})
picked = due.iloc[event.selection.rows] if event and event.selection.rows else due.iloc[0:0]
actions = st.container(horizontal=True)
if actions.button("Mark done" if len(picked) < 2 else f"Mark {len(picked)} done",
                  disabled=picked.empty, key="follow_ups_done", icon=":material/check:"):
    for note_id in picked["note_id"]:
        workspace.set_note_status(int(note_id), done=True, by=state.author())
    st.rerun()
openable = picked[picked["source_row"].notna() & (picked["cohort"] == cohort)]
if actions.button("Open the student", disabled=len(picked) != 1 or openable.empty,
                  key="follow_ups_open", icon=":material/person_search:"):
    st.session_state["student_row"] = int(openable.iloc[0]["source_row"])
    st.session_state["student_tab"] = ui.NOTES_TAB  # where the follow-up was written
    st.switch_page("app_pages/student.py")
