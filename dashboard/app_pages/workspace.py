"""Workspace: save the loaded cohort as a snapshot; list, open, compare and delete snapshots
and whole cohorts; what the workspace holds and where."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.workspace import WorkspaceError

st.title("Workspace")
workspace = state.require_workspace("snapshots and notes")

st.caption("The workspace remembers your cohorts between uploads: snapshots you save, notes "
           "and follow-ups, and how your files are read. It is one file on this server; "
           "copy it to back it up (see the README).")
st.text(f"File: {workspace.path}")

loaded = state.require_cohort()
source = loaded.source
flagged = loaded.flagged

st.header("Save the loaded cohort")
if source.snapshot is not None:
    st.info("The loaded cohort is a saved snapshot; upload a file to save a new one.",
            icon=":material/info:")
else:
    saved = state.snapshot_of_upload()
    known = workspace.cohorts()
    if saved is not None:
        st.success(f"This file is saved: the snapshot of {saved.as_of:%-d %b %Y}, saved "
                   f"{saved.saved_at:%-d %b %Y %H:%M} UTC.", icon=":material/check_circle:")
    else:
        st.caption(f"A snapshot keeps every student of the loaded file as read and flagged on "
                   f"{flagged.as_of:%-d %b %Y}, with its data issues, its column mapping and "
                   "the settings, so it reopens as it is now. Nothing about students is stored "
                   "until you save.")
        with st.form("workspace_save_form"):
            name = st.text_input(
                "Cohort name", value=state.cohort_name() or "", max_chars=100,
                placeholder="e.g. Class of 2027",
                help="Snapshots of the same cohort are compared with each other.")
            if known:
                st.text("Cohorts in the workspace: "
                        + ", ".join(ui.clipped(known_name, 40) for known_name in known[:8]))
            save = st.form_submit_button("Save as snapshot", type="primary",
                                         icon=":material/save:")
        if save:
            try:
                info = workspace.save_snapshot(flagged.on_own_cursor(), name, state.author(),
                                               source_digest=source.digest)
            except WorkspaceError as error:
                st.error("The snapshot was not saved.")
                st.text(str(error))
            else:
                state.set_cohort_name(info.cohort)
                state.log_access("save_snapshot", detail=f"{info.student_count} students")
                st.toast("Snapshot saved.", icon=":material/check_circle:")
                st.rerun()

st.header("Snapshots")
cohorts = workspace.cohorts()
if not cohorts:
    st.info("No snapshot yet. Save one above; the next upload of the same cohort then shows "
            "what changed.")
    st.stop()
current = state.cohort_name()
shown_cohort = st.selectbox("Cohort", options=cohorts,
                            index=cohorts.index(current) if current in cohorts else 0,
                            key="workspace_cohort_picker")
snapshots = workspace.snapshots(shown_cohort)
frame = pd.DataFrame([{
    "as of": info.as_of, "students": info.student_count, "file": info.file_name,
    "saved by": info.saved_by, "saved (UTC)": info.saved_at, "id": info.snapshot_id,
} for info in snapshots])
if frame.empty:
    st.caption("This cohort has notes but no snapshot.")
else:
    st.caption("Newest first. Select one to open it: every page then shows the cohort as it "
               "was saved, and the Overview what changed since the snapshot before it.")
    # A new key after each deletion: no row stays selected, and no deletion stays armed.
    table_key = f"workspace_snapshots_{st.session_state.get('workspace_deletions', 0)}"
    event = st.dataframe(frame, hide_index=True, on_select="rerun",
                         selection_mode="single-row", key=table_key,
                         column_config={"id": None, "as of": st.column_config.DateColumn(
                             "As of", format="D MMM YYYY")})
    if event and event.selection.rows:
        picked = snapshots[event.selection.rows[0]]
        with st.container(border=True):
            st.text(picked.label)
            opened, deleted = st.columns(2)
            if opened.button("Open this snapshot", type="primary", key="workspace_open",
                             icon=":material/folder_open:"):
                state.open_snapshot(picked)
                state.log_access("open_snapshot", detail=f"snapshot {picked.snapshot_id}")
                st.switch_page("app_pages/overview.py")
            confirm = deleted.checkbox("Yes, delete it for good",
                                       key=f"workspace_confirm_delete_{picked.snapshot_id}")
            if deleted.button("Delete this snapshot", key="workspace_delete",
                              icon=":material/delete:", disabled=not confirm):
                workspace.delete_snapshot(picked.snapshot_id)
                st.session_state["workspace_deletions"] = \
                    st.session_state.get("workspace_deletions", 0) + 1
                state.log_access("delete_snapshot", detail=f"snapshot {picked.snapshot_id}")
                if source.snapshot is not None and \
                        source.snapshot.snapshot_id == picked.snapshot_id:
                    state.close_snapshot()  # it is gone: back to the upload it replaced
                st.toast("Snapshot deleted.", icon=":material/delete:")
                st.rerun()

with st.expander("Delete the whole cohort: every snapshot and note"):
    st.text(f"Deletes the cohort: {shown_cohort}")
    st.caption("The workspace file is then rewritten, so nothing of the cohort is left in it.")
    typed = st.text_input("Type the cohort's name to confirm, then press Enter",
                          key=f"workspace_delete_cohort_name_{shown_cohort}")
    if st.button("Delete the cohort", key="workspace_delete_cohort", icon=":material/delete:",
                 disabled=typed.strip() != shown_cohort):
        workspace.delete_cohort(shown_cohort)
        state.log_access("delete_cohort")
        if source.snapshot is not None and source.snapshot.cohort == shown_cohort:
            state.close_snapshot()
        if state.cohort_name() == shown_cohort:
            state.set_cohort_name(None)
        st.toast("Cohort deleted.", icon=":material/delete:")
        st.rerun()

held = workspace.contents()
st.header("Remembered between uploads")
st.caption(f"{held['mappings']:,} column mapping(s), by the set of column names of a file, and "
           f"{held['readings']:,} value reading(s); both are managed on the Import page. The "
           "settings and the privacy switch are remembered too. None of it is about a "
           "student.")
st.page_link("app_pages/import_data.py", label="Open the Import page",
             icon=":material/upload_file:")
