"""Export: the filtered list as CSV or XLSX (formula-safe, settings recorded), and the data
issues."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import advice, reports, state
from dashboard.exports import csv_bytes, export_relation, xlsx_bytes

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


def scope(cursor):
    """The filtered students on their own cursor, so that a download never races the page."""
    return reports.filtered_students(cursor, student_filter)


stamp = flagged.as_of.isoformat()
left, right, _ = st.columns([1, 1.3, 2])


def make_csv() -> bytes:
    cursor = flagged.con.cursor()
    return csv_bytes(export_relation(flagged, scope(cursor), cursor, hide_personal))


def make_xlsx() -> bytes:
    cursor = flagged.con.cursor()
    return xlsx_bytes(flagged, scope(cursor), cursor, hide_personal)


left.download_button(
    "Download CSV", data=make_csv, file_name=f"cohort-flags-{stamp}.csv", mime="text/csv",
    type="primary", icon=":material/download:", key="export_csv",
)
right.download_button(
    "Download Excel (XLSX)", data=make_xlsx, file_name=f"cohort-flags-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table:", key="export_xlsx",
)

st.subheader("Settings recorded with the export")
st.dataframe([{"setting": label, "value": value}
              for label, value in advice.settings_lines(flagged)],
             hide_index=True, key="export_settings")

st.subheader("Data issues")
st.download_button(
    "Download data issues (CSV)", data=lambda: csv_bytes(loaded.cohort.data_issues()),
    file_name=f"data-issues-{dt.date.today().isoformat()}.csv", mime="text/csv",
    key="export_issues", icon=":material/report:",
)
st.caption("Per-student advising summaries download from each student's page.")
