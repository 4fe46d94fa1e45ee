"""Access log: who opened which student, exported what and when (shown when sign-in is on)."""

from __future__ import annotations

import streamlit as st

from dashboard import state

st.title("Access log")
workspace = state.require_workspace("the log and its page")
st.caption("Kept while sign-in is on: each signed-in advisor's openings of a student, exports, "
           "notes and snapshots, newest first, in UTC. A student appears by ID only; no "
           "student's values are logged. The latest 1,000 entries are shown.")
log = workspace.access_log(limit=1_000)
if log.empty:
    st.info("Nothing logged yet.")
else:
    st.dataframe(log, hide_index=True, key="access_log_table",
                 column_config={"logged_at": st.column_config.DatetimeColumn(
                     "When (UTC)", format="D MMM YYYY HH:mm"), "who": "Who",
                     "action": "Action", "cohort": "Cohort", "student_id": "Student ID",
                     "detail": "Detail"})
