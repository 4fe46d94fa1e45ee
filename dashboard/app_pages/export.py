"""Export: the filtered list as CSV or XLSX (formula-safe, thresholds recorded), and the
data issues."""

from __future__ import annotations

import datetime as dt

import streamlit as st

from dashboard import state, views
from dashboard.exports import csv_bytes, xlsx_bytes

loaded = state.require_cohort()
cohort = loaded.cohort
thresholds = state.thresholds()
student_filter = state.student_filter()

st.title("Export")
[(count,)] = views.filtered_students(cohort.con, student_filter).aggregate("count(*)").fetchall()
total = cohort.student_count
if student_filter.is_empty:
    st.markdown(f"The export holds **all {total:,} students**, most urgent first.")
else:
    st.markdown(f"The export holds the **{count:,} of {total:,} students** that match the "
                "filters on the Students page, most urgent first.")
    st.page_link("app_pages/students.py", label="Change the filters", icon=":material/tune:")

st.caption(
    "Columns: student_id, name, risk_level, band, strategy, flags, unknown, one column per "
    "rule, one-line recommendations, the input fields, the spreadsheet row, your file's "
    "other columns, and the thresholds used. Text that a spreadsheet would run "
    "as a formula starts with ' so it opens as plain text."
)


hide_personal = st.checkbox("Hide names and emails in the export",
                            value=state.privacy_mode(), key="export_hide_personal")


def export_relation(connection):
    """The filtered export, on its own cursor so that a download never races the page."""
    return cohort.export(views.filtered_students(connection, student_filter), thresholds,
                         con=connection, hide_personal=hide_personal)


stamp = dt.date.today().isoformat()
left, right, _ = st.columns([1, 1.3, 2])
left.download_button(
    "Download CSV", data=lambda: csv_bytes(export_relation(cohort.con.cursor())),
    file_name=f"cohort-flags-{stamp}.csv", mime="text/csv", type="primary",
    icon=":material/download:", key="export_csv",
)
right.download_button(
    "Download Excel (XLSX)",
    data=lambda: xlsx_bytes(export_relation(cohort.con.cursor()), thresholds),
    file_name=f"cohort-flags-{stamp}.xlsx",
    mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    icon=":material/table:", key="export_xlsx",
)

st.subheader("Thresholds recorded with the export")
st.dataframe(
    [{"threshold": name, "value": value} for name, value in thresholds.as_rows()],
    hide_index=True, key="export_thresholds",
)

st.subheader("Data issues")
st.download_button(
    "Download data issues (CSV)", data=lambda: csv_bytes(cohort.data_issues()),
    file_name=f"data-issues-{stamp}.csv", mime="text/csv", key="export_issues",
    icon=":material/report:",
)
st.caption("Per-student advising summaries download from each student's page.")
