"""Import: what was loaded, the column mapping (overridable), and the data issues."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.engine import MappingError, validate_mapping
from dashboard.exports import csv_bytes
from dashboard.fields import FIELDS

NOT_MAPPED = ""

st.title("Import")
st.caption("Upload a cohort in the sidebar (CSV, TSV or XLSX, one row per student, a header "
           "row). Nothing is stored: the cohort lives in this browser session only.")

loaded = state.require_cohort()
source = loaded.source
cohort = loaded.cohort
issues = cohort.data_issues()
counts = cohort.issue_counts()
parts = [ui.counted(cohort.student_count, "student") + " loaded",
         ui.counted(counts["unreadable_cells"], "cell") + " could not be read",
         ui.counted(counts["repeated_ids"], "duplicate ID"),
         ui.counted(counts["missing_ids"], "row") + " without an ID"]
st.subheader("; ".join(parts))
st.text(f"File: {source.file_name}" + ("  (bundled sample data)" if source.is_sample else ""))

st.header("Column mapping")
st.caption("How each column of the file was matched to a field Cohort Advisor reads. Change "
           "any match and apply; every page is recomputed.")
mapping = cohort.mapping
with st.form("import_mapping_form"):
    grid = st.columns(3)
    chosen = {}
    column_options = [NOT_MAPPED, *cohort.raw.headers]
    for position, field in enumerate(FIELDS):
        current = mapping.get(field.name, NOT_MAPPED)
        chosen[field.name] = grid[position % 3].selectbox(
            field.label + (" (required)" if field.name == "student_id" else ""),
            options=column_options, index=column_options.index(current),
            format_func=lambda column: column or "(not in file)",
            key=f"import_map_{field.name}", help=field.description,
        )
    apply, reset = st.columns([1, 1])
    applied = apply.form_submit_button("Apply mapping", type="primary")
    restored = reset.form_submit_button("Use the detected mapping")
if applied:
    try:
        new_mapping = validate_mapping(cohort.raw, chosen)
    except MappingError as error:
        st.error("That mapping cannot be used.")
        st.text(str(error))
    else:
        state.set_mapping_override(source, new_mapping)
        st.rerun()
if restored:
    state.set_mapping_override(source, None)
    st.rerun()

unmapped = list(cohort.extra_columns.values())
left, right = st.columns(2)
with left:
    st.caption("Matched columns")
    st.dataframe(pd.DataFrame({"file column": list(mapping.values()),
                               "field": [f for f in mapping]}), hide_index=True,
                 key="import_mapping_table")
with right:
    st.caption("Columns kept as they are (carried into exports)")
    st.dataframe(pd.DataFrame({"file column": unmapped}), hide_index=True,
                 key="import_unmapped_table")

st.header("Data issues")
issue_frame = issues.df()
if issue_frame.empty:
    st.success("Every cell was read.")
else:
    st.caption("Cells that could not be read are treated as missing (the rules that need them "
               "show as unknown). Row numbers are as a spreadsheet shows them, header = row 1.")
    st.dataframe(issue_frame, hide_index=True, key="import_issues_table",
                 column_config={"row": st.column_config.NumberColumn("Row", format="%d")})
    st.download_button("Download data issues (CSV)", data=csv_bytes(issues),
                       file_name="data-issues.csv", mime="text/csv",
                       key="import_issues_download", icon=":material/download:")
