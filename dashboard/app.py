"""Cohort Advisor: `streamlit run dashboard/app.py`. Navigation, the upload, and nothing else."""

from __future__ import annotations

import logging
import traceback
from pathlib import Path

import streamlit as st

from dashboard import access, state

log = logging.getLogger("cohort_advisor.app")

# A local icon: a Material or emoji icon would make the browser fetch it from a font CDN.
st.set_page_config(page_title="Cohort Advisor", page_icon=str(Path(__file__).with_name("icon.png")),
                   layout="wide")

access.require_access()  # before anything about students reaches the page

navigation = st.navigation([
    st.Page("app_pages/overview.py", title="Overview", icon=":material/monitoring:",
            default=True),
    st.Page("app_pages/students.py", title="Students", icon=":material/groups:"),
    st.Page("app_pages/student.py", title="Student", icon=":material/person_search:"),
    st.Page("app_pages/calendar.py", title="Calendar", icon=":material/event:"),
    st.Page("app_pages/follow_ups.py", title="Follow-ups", icon=":material/task_alt:"),
    st.Page("app_pages/import_data.py", title="Import", icon=":material/upload_file:"),
    st.Page("app_pages/export.py", title="Export", icon=":material/download:"),
    st.Page("app_pages/workspace.py", title="Workspace", icon=":material/history:"),
    st.Page("app_pages/settings.py", title="Settings", icon=":material/tune:"),
    *([st.Page("app_pages/access_log.py", title="Access log", icon=":material/policy:")]
      if access.signed_in_email() else []),
])

with st.sidebar:
    st.file_uploader(
        "Upload a cohort",
        type=["csv", "tsv", "txt", "xlsx", "xls", "ods"],
        key=state.UPLOAD_KEY,
        on_change=state.remember_upload,
        max_upload_size=state.MAX_UPLOAD_MB,
        help="One row per student with a header row. CSV, TSV or XLSX; see the Import page "
        "for the columns Cohort Advisor reads.",
    )
    st.toggle("Privacy mode", key=state.PRIVACY_KEY, value=state.privacy_mode(),
              on_change=state.remember_privacy,
              help="Hide student names and emails on every page, for screen sharing")
    source = state.current_source()
    if source.is_sample:
        st.info("Showing the **sample cohort** of 150 invented students. Upload your cohort "
                "above to replace it.", icon=":material/science:")
    workspace = state.workspace()
    with st.container(border=True):
        st.caption("Workspace")
        if workspace is None:
            st.warning("Unavailable, so snapshots, notes and remembered settings are off in "
                       "this session.", icon=":material/cloud_off:")
            st.text(state.workspace_problem() or "")
        else:
            held = workspace.contents()
            st.text(str(workspace.path))
            cohort_name = state.cohort_name()
            if source.snapshot is not None:
                st.caption(f"Showing a saved snapshot of {source.snapshot.as_of:%-d %b %Y}.")
            elif source.is_unsaved_upload and state.snapshot_of_upload() is None:
                st.caption("This upload is **session-only**: nothing about its students is "
                           "stored until you save a snapshot.")
            st.caption(
                f"Holds {held['cohorts']:,} cohort(s), {held['snapshots']:,} snapshot(s) and "
                f"{held['notes']:,} note(s); column mappings, value readings and settings "
                "are remembered (they hold no student data).")
            known = [name for name in workspace.cohorts() if name != state.SAMPLE_COHORT_NAME]
            if source.is_unsaved_upload and known:
                options = [*known, None]
                picker = "app_cohort_picker"
                # The picker shows the session's cohort, also after a save under a new name.
                st.session_state[picker] = cohort_name if cohort_name in options else None
                st.selectbox(
                    "Cohort of this upload", options=options,
                    format_func=lambda name: "a new cohort" if name is None else name,
                    key=picker,
                    on_change=lambda: state.set_cohort_name(st.session_state[picker]),
                    help="Changes are shown since this cohort's last snapshot, and notes are "
                    "kept under its name. A new cohort gets its name when you save it.")
            elif cohort_name:
                st.text(f"Cohort: {cohort_name}")
            st.page_link("app_pages/workspace.py", label="Snapshots and history",
                         icon=":material/history:")

if source.snapshot is not None:  # never mistaken for this week's upload, on any page
    with st.container(border=True, horizontal=True, vertical_alignment="center"):
        st.text(f"Showing the saved snapshot of {source.snapshot.cohort} as of "
                f"{source.snapshot.as_of:%-d %b %Y} ({source.snapshot.student_count:,} "
                f"students from {source.snapshot.file_name}), not your latest upload.")
        st.button("Close the snapshot", on_click=state.close_snapshot, key="app_close_snapshot",
                  icon=":material/close:")

try:
    navigation.run()
except Exception as error:  # the advisor sees a message, never a traceback
    # Log where it failed, not the message: messages can quote student values.
    log.error("page %s failed with %s at\n%s", navigation.title, type(error).__name__,
              "".join(traceback.format_tb(error.__traceback__)))
    st.error("Something went wrong on this page. Your cohort is unchanged; try again, or "
             "reload the page. The failure was logged for the team.")
