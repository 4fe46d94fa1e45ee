"""One student: profile, every raised flag with its evidence and advice, missing data,
strategy, next steps for the stage, and a what-if panel."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import advice, charts, plan, reports, state, ui
from dashboard.rules import (
    BAND_LABELS,
    RISK_LABELS,
    RISK_MEANINGS,
    RULES_BY_ID,
    STRATEGY_ADVICE,
    STRATEGY_LABELS,
    format_date,
    rule_state,
)

SEVERITY_ICONS = {"critical": ":material/error:", "warning": ":material/warning:",
                  "info": ":material/info:"}

loaded = state.require_cohort()
flagged = loaded.flagged

choices = reports.student_choices(flagged, state.student_filter())
selected_row = st.session_state.get("student_row")
if selected_row is not None and selected_row not in [row for row, _, _ in choices]:
    record = reports.student_record(flagged, selected_row)
    if record is not None:
        choices = [(record["source_row"], record["student_id"], record["name"]), *choices]
privacy = state.privacy_mode()
labels = {row: f"{ui.clipped(student_id, 60)} · "
                f"{ui.clipped(ui.masked(name, privacy), 80) or '(no name)'} (row {row})"
          for row, student_id, name in choices}

st.title("Student")
if not choices:
    st.info("No student matches the filters on the Students page.")
    st.stop()
picked = st.selectbox(
    "Student (from the filtered list, most urgent first)", options=list(labels),
    index=list(labels).index(selected_row) if selected_row in labels else 0,
    format_func=labels.get, key="student_picker",
)
st.session_state["student_row"] = picked
student = reports.student_record(flagged, picked)
if st.session_state.get("student_logged") != (loaded.source.digest, picked):
    if not state.log_access("open_student", student_id=student["student_id"]):
        # Sign-in is on, so every opened student must be in the access log: no log, no page.
        st.error("This student's page cannot open: the access log cannot be written. "
                 "Ask whoever runs Cohort Advisor to check the workspace (see the sidebar).")
        st.text(state.workspace_problem() or "")
        st.stop()
    st.session_state["student_logged"] = (loaded.source.digest, picked)
workspace = state.workspace()
cohort_name = state.cohort_name()
notes = (workspace.notes(cohort_name, student["student_id"])
         if workspace is not None and cohort_name and student["given_student_id"] else [])

# Uploaded text is shown with st.text: never Markdown.
st.text(f"{ui.clipped(ui.masked(student['name'], privacy)) or '(no name)'}  ·  "
        f"{ui.clipped(student['student_id'])}  ·  "
        f"spreadsheet row {student['source_row']}")
badges = st.columns([1, 6])
badges[0].badge(f"{RISK_LABELS[student['risk_level']]} risk",
                color=ui.RISK_COLOURS[student["risk_level"]],
                help=RISK_MEANINGS[student["risk_level"]])
badges[1].caption(f"Strategy: {STRATEGY_LABELS[student['strategy']]} · Step 2 CK band: "
                  f"{BAND_LABELS[student['band']]}")

# Fixed labels, and the open tab kept in the session: it stays open after a save, and the
# Follow-ups page opens a student on their notes.
overview, flags_tab, dated_tab, plan_tab, notes_tab, what_if_tab = st.tabs(
    list(ui.STUDENT_TABS), key="student_tab", on_change="rerun")

with overview:
    metrics = st.columns(4)
    metrics[0].metric("Step 2 CK", student["step2ck_score"] or "none yet",
                      help=BAND_LABELS[student["band"]])
    letters = student["us_plastics_lors"]
    metrics[1].metric("US plastics letters", "unknown" if letters is None else letters)
    metrics[2].metric("Research items",
                      (student["publications"] or 0) + (student["presentations"] or 0))
    metrics[3].metric("Flags raised", len([r for r in student["flags"].split(";") if r]),
                      help="Critical, warning and early (info) flags together")
    profile = pd.DataFrame(advice.profile_rows(student, privacy,
                                               advice.cell_reads(flagged, student)))
    profile["value"] = profile["value"].map(ui.clipped)
    extras = {header: ui.masked(student[key], privacy and key in loaded.cohort.personal_columns)
              for key, header in loaded.cohort.extra_columns.items()}
    left, right = st.columns([3, 2]) if extras else (st.container(), None)
    # Tall enough for every row: the profile never scrolls inside itself.
    left.dataframe(profile, hide_index=True, height=38 + 35 * len(profile),
                   column_config={"field": st.column_config.TextColumn("Field", width=150),
                                  "value": st.column_config.TextColumn("Value", width="large")},
                   key="student_profile")
    if extras:
        right.caption("The file's other columns (notes and the like)")
        right.dataframe(pd.DataFrame({"column": list(extras), "value": [
            ui.clipped(v, 2000) for v in extras.values()]}), hide_index=True,
            height=min(38 + 35 * len(extras), 38 + 35 * len(profile)),
            column_config={"column": "Column", "value": st.column_config.TextColumn(
                "Value", width="large")}, key="student_extras")
    cell_issues = reports.student_issues(loaded.cohort, student["source_row"])
    if not cell_issues.empty:
        st.caption("Cells of this student's row that were read with a guess (interpreted) or "
                   "could not be read (treated as missing)")
        st.dataframe(cell_issues, hide_index=True, key="student_cell_issues",
                     column_config={"row": None})

with flags_tab:
    flags = advice.raised_flags(student, flagged.config)
    if not flags:
        st.success("No flag is raised for this student.")
    for flag in flags:
        with st.container(border=True):
            heading = f"**{flag['severity'].title()}: {flag['title']}**"
            if flag["is_headline"]:
                heading += " (a headline risk factor)"
            st.markdown(heading)  # fixed catalogue wording only
            st.text(flag["evidence"])
            st.markdown(flag["explanation"])
            st.markdown(f"**What to do:** {flag['recommendation']}")  # catalogue text
            st.caption(f"Guidance: {flag['guidance']}")
    missing = advice.missing_data(student, loaded.cohort.mapping)
    if missing:
        st.subheader("Missing data")
        st.caption("These rules cannot be checked until the data is filled in; they count as "
                   "unknown, never as clear.")
        st.dataframe(pd.DataFrame(missing), hide_index=True, key="student_missing")

with dated_tab:
    plan_frame = plan.student_plan(flagged, picked)
    st.text(advice.plan_summary(student))
    st.caption(f"For the {student['cycle']} Match programs begin reviewing applications on "
               f"{format_date(student['date_first_review'])} (the first of the PSCA release "
               f"and ERAS review); the latest Step 2 CK sitting whose score arrives in time is "
               f"{format_date(student['date_latest_sitting'])}. Dates marked estimated follow "
               "the default calendar; set your school's in Settings.")
    if plan_frame.empty:
        st.success("Nothing is left on the plan: the file shows every step done.")
    else:
        st.altair_chart(charts.plan_timeline(plan_frame, flagged.as_of),
                        key="student_plan_chart")
        st.dataframe(plan_frame[["date", "what", "status", "serves"]], hide_index=True,
                     key="student_plan_table",
                     column_config={"date": "When", "what": "What",
                                    "status": "Status", "serves": "Serves"})
        st.download_button(
            "Add the plan to a calendar app (.ics)",
            data=lambda: plan.student_plan_ics(flagged.on_own_cursor(), student, privacy),
            file_name=advice.summary_file_name(student, flagged.as_of).replace(
                "advising-summary-", "match-plan-").removesuffix(".html") + ".ics",
            mime="text/calendar", key="student_plan_ics",
            icon=":material/event:",
            on_click=state.logged_download("plan (.ics)", student["student_id"]),
            help="Each open step as an all-day event (overdue ones on today), for the "
                 "student's or your own calendar; next week's file updates the same events.")
    path = plan.closest_path(flagged, student)
    if student["risk_level"] in ("high", "moderate"):
        st.subheader("Closest path to a lower risk level")
        if path is None:
            st.text("No change the student can still make lowers the risk level: a Step 1 "
                    "result or a Step 2 CK score already on record, or a date already "
                    "missed, stays as it is. The flags say how to make the most of the "
                    "application.")
        else:
            st.text(f"{len(path['steps'])} change(s) would bring the risk level to "
                    f"{RISK_LABELS[path['risk_level']].lower()}:")
            for words, when in path["steps"]:
                st.text(f"• {words}" + (f", by {when}" if when else ""))

with plan_tab:
    st.subheader(f"Strategy: {STRATEGY_LABELS[student['strategy']]}")
    st.markdown(STRATEGY_ADVICE[student["strategy"]])  # catalogue text
    st.text(advice.plan_summary(student))
    for reason in advice.strategy_reasoning(student, flagged.config.thresholds):
        st.text(f"• {reason}")
    st.caption("The dated steps are on the Plan to the Match tab.")

with notes_tab:
    if workspace is None:
        st.warning("The workspace is unavailable, so notes are off in this session.")
        st.text(state.workspace_problem() or "")
    elif not student["given_student_id"]:
        st.info("This row has no student ID in the file, so a note could not find the student "
                "again in the next upload. Add the ID to the file to keep notes.",
                icon=":material/info:")
    elif not cohort_name:
        st.info("Name the cohort on the Workspace page (save a snapshot) to keep notes.",
                icon=":material/info:")
        st.page_link("app_pages/workspace.py", label="Open the Workspace page",
                     icon=":material/history:")
    else:
        rows_with_id = reports.students_by_id(flagged, [student["student_id"]])
        if not rows_with_id.empty and rows_with_id.iloc[0]["rows_with_id"] > 1:
            st.warning(f"This student ID is on {rows_with_id.iloc[0]['rows_with_id']} rows of "
                       "the file. Notes are kept by ID, so they may be about any of those "
                       "rows: fix the repeated ID in the file.", icon=":material/warning:")
        st.text(f"Notes on {ui.clipped(student['student_id'])} in the cohort "
                f"{ui.clipped(cohort_name, 60)}: every advisor of this workspace sees them.")
        with st.form(f"student_note_form_{picked}", clear_on_submit=True):
            st.text_area("New note", max_chars=5000, key=f"student_note_body_{picked}",
                         placeholder="What was agreed, what to check next")
            st.date_input(
                "Follow up by (optional)", value=None, min_value=flagged.as_of,
                format="YYYY-MM-DD", key=f"student_note_date_{picked}",
                help="The note is listed on the Follow-ups page from this date until it is "
                "marked done.", width=260)
            # Saved in the button's callback, before the next run: navigating away at once
            # cannot stop it half done, and the list below already holds the new note.
            st.form_submit_button("Save note", type="primary", icon=":material/save:",
                                  on_click=state.save_note,
                                  args=(cohort_name, student["student_id"], picked))
        problem = st.session_state.pop("student_note_problem", None)
        if problem:
            st.error("The note was not saved.")
            st.text(problem)
        for note in notes:
            with st.container(border=True):
                line = f"{note.author} · {note.written_at:%-d %b %Y %H:%M} UTC"
                if note.follow_up:
                    line += (f" · follow up by {note.follow_up:%-d %b %Y} · " + (
                        "done" if note.status == "done"
                        else "overdue" if note.follow_up < flagged.as_of else "open"))
                st.text(line)
                st.text(note.body)  # typed text: never Markdown
                buttons = st.columns([1, 1, 4])
                if note.follow_up:
                    done = note.status == "done"
                    buttons[0].button("Reopen" if done else "Mark done",
                                      key=f"student_note_status_{note.note_id}",
                                      icon=":material/undo:" if done else ":material/check:",
                                      on_click=state.set_note_status,
                                      args=(note.note_id, student["student_id"], not done))
                with buttons[1].popover("Delete", icon=":material/delete:"):
                    st.write("Delete this note for everyone? It cannot be brought back; the "
                             "access log keeps that it was deleted, not its text.")
                    st.button("Delete the note", key=f"student_note_delete_{note.note_id}",
                              type="primary", on_click=state.delete_note,
                              args=(note.note_id, student["student_id"]))

        history = workspace.student_history(cohort_name, student["student_id"])
        st.subheader("Across snapshots")
        if history.empty:
            st.caption("No snapshot of this cohort has this student yet.")
        else:
            now = pd.DataFrame([{
                "as_of": flagged.as_of, "risk_level": student["risk_level"],
                "step2ck_score": student["step2ck_score"],
                "us_plastics_lors": student["us_plastics_lors"],
                "us_plastics_subis": student["us_plastics_subis"], "flags": student["flags"],
                "rows": 1, "snapshot_id": None}])
            timeline = history if loaded.source.snapshot is not None or \
                state.snapshot_of_upload() is not None else pd.concat(
                    [history, now.assign(as_of=pd.Timestamp(flagged.as_of))],
                    ignore_index=True)
            st.altair_chart(charts.student_history_chart(timeline), key="student_history")
            table = timeline.assign(
                snapshot=timeline["snapshot_id"].map(
                    lambda value: "loaded file" if pd.isna(value) else "snapshot"),
                risk=timeline["risk_level"].map(lambda level: RISK_LABELS.get(level, "")),
                flags=timeline["flags"].map(
                    lambda flags: "; ".join(RULES_BY_ID[r].label for r in (flags or "").split(";")
                                            if r in RULES_BY_ID)),
                # A blank count in words, never a grey "None" that reads as nothing wrong.
                **{column: timeline[column].map(
                    lambda value: "not given" if pd.isna(value) else f"{int(value)}")
                   for column in ("step2ck_score", "us_plastics_lors", "us_plastics_subis")})
            st.dataframe(table[["as_of", "snapshot", "risk", "step2ck_score",
                                "us_plastics_lors", "us_plastics_subis", "flags"]],
                         hide_index=True, key="student_history_table",
                         column_config={"as_of": st.column_config.DateColumn(
                             "As of", format="D MMM YYYY"), "snapshot": "From",
                             "risk": "Risk", "step2ck_score": "Step 2 CK",
                             "us_plastics_lors": "US PRS letters",
                             "us_plastics_subis": "US PRS sub-Is", "flags": "Flags"})

with what_if_tab:
    st.caption("Try changes and see how flags, band and strategy would move. Nothing is saved.")
    inputs = st.columns(3)
    changes = {
        "step2ck_score": inputs[0].number_input(
            "Step 2 CK", min_value=1, max_value=300, value=student["step2ck_score"],
            placeholder="no score", key=f"student_whatif_score_{picked}"),
        "us_plastics_lors": inputs[1].number_input(
            "US plastics letters", min_value=0, max_value=999,
            value=student["us_plastics_lors"], placeholder="unknown",
            key=f"student_whatif_lors_{picked}"),
        "us_plastics_subis": inputs[2].number_input(
            "US plastics sub-Is", min_value=0, max_value=999,
            value=student["us_plastics_subis"], placeholder="unknown",
            key=f"student_whatif_subis_{picked}"),
        "publications": inputs[0].number_input(
            "Publications", min_value=0, max_value=999, value=student["publications"],
            placeholder="unknown", key=f"student_whatif_pubs_{picked}"),
        "presentations": inputs[1].number_input(
            "Presentations", min_value=0, max_value=999, value=student["presentations"],
            placeholder="unknown", key=f"student_whatif_pres_{picked}"),
    }
    plan_options = {True: "Yes", False: "No", None: "Unknown"}
    changes["parallel_plan"] = inputs[2].selectbox(
        "Parallel plan", options=list(plan_options), format_func=plan_options.get,
        index=list(plan_options).index(student["parallel_plan"]),
        key=f"student_whatif_plan_{picked}")
    changes = {k: (int(v) if isinstance(v, float) else v) for k, v in changes.items()}
    outcome = reports.what_if(flagged, picked, changes)
    summary_rows = pd.DataFrame({
        "": ["Risk level", "Step 2 CK band", "Strategy"],
        "now": [RISK_LABELS[student["risk_level"]], BAND_LABELS[student["band"]],
                STRATEGY_LABELS[student["strategy"]]],
        "with these changes": [RISK_LABELS[outcome["risk_level"]],
                               BAND_LABELS[outcome["band"]],
                               STRATEGY_LABELS[outcome["strategy"]]],
    })
    st.dataframe(summary_rows, hide_index=True, key="student_whatif_result")
    flag_rows = pd.DataFrame([
        {"flag": RULES_BY_ID[rule_id].label, "now": student[rule_id],
         "with these changes": outcome[rule_id]}
        for rule_id in RULES_BY_ID
        if student[rule_id] != "clear" or outcome[rule_id] != "clear"
    ])
    if not flag_rows.empty:
        st.dataframe(flag_rows, hide_index=True, key="student_whatif_flags")
    cleared = [RULES_BY_ID[r].label for r in student["flags"].split(";")
               if r and rule_state(outcome[r]) != "raised"]
    if cleared:
        st.success("Would clear: " + ", ".join(cleared))

st.download_button(
    "Download advising summary (HTML)",
    data=advice.summary_html(student, flagged, privacy=privacy, notes=notes),
    file_name=advice.summary_file_name(student, flagged.as_of), mime="text/html",
    key="student_summary_download", icon=":material/description:",
    on_click=state.logged_download("advising summary" + (", with notes" if notes else ""),
                                   student["student_id"]),
)
