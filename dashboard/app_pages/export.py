"""Export: the filtered list as CSV or XLSX (formula-safe, settings recorded), and the data
issues."""

from __future__ import annotations

import datetime as dt

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from dashboard import advice, identity, reports, state
from dashboard.cohort_report import cohort_report_html
from dashboard.exports import XLSX_MAX_ROWS, csv_bytes, export_relation, xlsx_bytes

loaded = state.require_cohort()
flagged = loaded.flagged
student_filter = state.student_filter()

st.title("Export")
[(count,)] = reports.filtered_students(flagged, student_filter).aggregate(
    "count(*)").fetchall()
total = loaded.cohort.student_count
if student_filter.is_empty:
    st.markdown(f"The export holds **all {total:,} students**, most urgent first.")
else:
    st.markdown(f"The export holds the **{count:,} of {total:,} students** that match the "
                "filters on the Students page, most urgent first.")
    st.page_link("app_pages/students.py", label="Change the filters", icon=":material/tune:")

st.caption(
    "Columns: student_id, name, risk_level, band, strategy, flags, unknown, one column per "
    "rule, one-line recommendations, the student's Match year and review date, the input "
    "fields, the spreadsheet row, your file's other columns, and the settings used (the "
    "Excel file keeps those on its Settings sheet, with the data issues on another). Text "
    "that a spreadsheet would run as a formula starts with ' so it opens as plain text."
)

hide_personal = st.checkbox("Hide names and emails in the export",
                            value=state.privacy_mode(), key="export_hide_personal")
workspace = state.workspace()
cohort_name = state.cohort_name()
with_notes = bool(workspace and cohort_name) and st.checkbox(
    "Include the advisors' notes (Excel Notes sheet, summaries, a notes CSV; not the main "
    "CSV)", value=False, key="export_with_notes",
    help="A Notes sheet in the Excel file, a notes section in each advising summary, and a "
    "notes CSV below. Notes are written by advisors about students: share them as you would "
    "the students' records. Hiding names does not reach into a note's text.")


def scope(cursor):
    """The filtered students on their own cursor, so that a download never races the page."""
    return reports.filtered_students(cursor, student_filter)


stamp = flagged.as_of.isoformat()
# Buttons in a row, each as wide as its label: none is cut at 1280 px.
downloads = st.container(horizontal=True)


def scoped_notes(cursor) -> pa.Table | None:
    """The notes on the students in the export, when the advisor chose to include them."""
    if not with_notes:
        return None
    # Rows without an ID in the file carry a stand-in (ROW-n) that no note belongs to.
    # By the ID's key: a note written under the ID with a no-break space is the student's.
    names: dict[str, str | None] = {}
    for key, name in scope(cursor).filter(
            duckdb.ColumnExpression("given_student_id").isnotnull()).select(
            duckdb.FunctionExpression("student_key", duckdb.ColumnExpression("student_id")),
            duckdb.ColumnExpression("name")).fetchall():
        # A repeated ID names no one: which of its rows would the note be about?
        names[key] = None if key in names or hide_personal else name
    notes = workspace.notes_for_export(cohort_name)
    keys = identity.student_keys(notes["student_id"])
    kept = pc.is_in(keys, value_set=pa.array(list(names), pa.string()))
    notes = notes.filter(kept)
    return notes.add_column(1, "name", pa.array([names[key] for key in
                                                 keys.filter(kept).to_pylist()], pa.string()))


def logged(what: str):
    """A download's on_click: the access log records what was exported (never values)."""
    return lambda: state.log_access("export", detail=f"{what}, {count} students"
                                    + (", with notes" if with_notes else ""))


def make_csv() -> bytes:
    own = flagged.on_own_cursor()
    return csv_bytes(export_relation(own, scope(own.con), own.con, hide_personal))


def make_xlsx() -> bytes:
    own = flagged.on_own_cursor()
    return xlsx_bytes(own, scope(own.con), own.con, hide_personal, notes=scoped_notes(own.con))


downloads.download_button(
    "Download CSV", data=make_csv, file_name=f"cohort-flags-{stamp}.csv", mime="text/csv",
    type="primary", icon=":material/download:", key="export_csv", on_click=logged("CSV"),
)
if count <= XLSX_MAX_ROWS:
    downloads.download_button(
        "Download Excel (XLSX)", data=make_xlsx, file_name=f"cohort-flags-{stamp}.xlsx",
        mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        icon=":material/table:", key="export_xlsx", on_click=logged("XLSX"),
    )
else:
    downloads.warning(f"{count:,} students do not fit on one Excel sheet; download CSV.")

st.subheader("For people: summaries and the cohort report")
BATCH_LIMIT = 300
documents = st.container(horizontal=True)


def make_batch() -> bytes:
    own = flagged.on_own_cursor()
    students = scope(own.con).limit(BATCH_LIMIT).to_arrow_table().to_pylist()
    notes = {}
    if with_notes:
        by_key: dict[str, list] = {}
        for note in workspace.notes(cohort_name):
            by_key.setdefault(identity.student_key(note.student_id), []).append(note)
        notes = {student["student_id"]: by_key.get(identity.student_key(
            student["student_id"]), []) for student in students
            if student["given_student_id"] is not None}
    return advice.batch_html(students, own, hide_personal, notes).encode("utf-8")


documents.download_button(
    "Advising summaries (HTML)" if count <= BATCH_LIMIT
    else f"Advising summaries, first {BATCH_LIMIT} (HTML)",
    data=make_batch, file_name=f"advising-summaries-{stamp}.html", mime="text/html",
    icon=":material/description:", key="export_batch", disabled=count == 0,
    on_click=logged("advising summaries"),
    help="One printable document, a page per student, for the students listed above")
documents.download_button(
    "Cohort report, whole cohort (HTML)",
    data=lambda: cohort_report_html(flagged.on_own_cursor(), hide_personal).encode("utf-8"),
    file_name=f"cohort-report-{stamp}.html", mime="text/html", icon=":material/summarize:",
    key="export_report", on_click=logged("cohort report"),
    help="One page for a dean: counts by risk, the headline factors, the charts and the "
         "students at risk")
if with_notes:
    def make_notes() -> bytes:
        own = flagged.on_own_cursor()
        return csv_bytes(own.con.from_arrow(scoped_notes(own.con)))

    st.download_button("Notes on these students (CSV)", data=make_notes,
                       file_name=f"advising-notes-{stamp}.csv", mime="text/csv",
                       icon=":material/sticky_note_2:", key="export_notes",
                       on_click=logged("notes CSV"))
if count > BATCH_LIMIT:
    st.caption(f"The summaries hold the {BATCH_LIMIT} most urgent of the {count:,} students "
               "listed; narrow the filters on the Students page for others.")

st.subheader("Settings recorded with the export")
settings_lines = advice.settings_lines(flagged)
st.dataframe([{"setting": label, "value": value} for label, value in settings_lines],
             hide_index=True, key="export_settings", height=38 + 35 * len(settings_lines),
             column_config={"setting": st.column_config.TextColumn("Setting", width=320),
                            "value": st.column_config.TextColumn("Value", width="large")})

st.subheader("Data issues")
st.download_button(
    "Download data issues (CSV)",
    data=lambda: csv_bytes(loaded.cohort.data_issues(loaded.cohort.con.cursor())),
    file_name=f"data-issues-{dt.date.today().isoformat()}.csv", mime="text/csv",
    key="export_issues", icon=":material/report:",
    on_click=state.logged_download("data issues CSV"),
)
st.caption("Per-student advising summaries download from each student's page.")
