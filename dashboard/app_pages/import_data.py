"""Import: what was loaded and how it was read, the column mapping (overridable), the sheet
of a workbook, and the data issues, summarised before they are listed."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from dashboard import state, ui
from dashboard.engine import MappingError, validate_mapping
from dashboard.exports import csv_bytes
from dashboard.fields import FIELDS, template_csv

NOT_MAPPED = ""
KIND_MEANINGS = {
    "unreadable": "could not be read: treated as missing, so the rules that need it are "
                  "unknown, never clear",
    "interpreted": "read with a guess that the problem column spells out; check it",
    "identity": "a student ID that is missing or repeated; every row is kept",
}

st.title("Import")
st.caption("Upload a cohort in the sidebar (CSV, TSV or XLSX, one row per student, a header "
           "row). Nothing is stored: the cohort lives in this browser session only.")
st.download_button("Download a template with every column Cohort Advisor reads",
                   data=template_csv(), file_name="cohort-template.csv", mime="text/csv",
                   key="import_template", icon=":material/download:")

source = state.current_source()
workbook_sheets = state.sheets(source)
with_cohort = [sheet for sheet in workbook_sheets if sheet.has_cohort]
if len(with_cohort) > 1 or (workbook_sheets and state.chosen_sheet(source)):
    names = [sheet.name for sheet in with_cohort]
    chosen = state.chosen_sheet(source)
    picked = st.selectbox(
        "Sheet", options=names, index=names.index(chosen) if chosen in names else 0,
        key=f"import_sheet_{source.digest[:12]}",
        help="Sheets of this workbook that have a header row with a student ID column. "
             "Hidden sheets are listed only when they hold one.")
    if picked != (chosen or names[0]):
        state.set_sheet(source, picked)
        st.rerun()

loaded = state.require_cohort()
cohort = loaded.cohort
raw = cohort.raw
issues = cohort.data_issues()
counts = cohort.issue_counts()
parts = [ui.counted(cohort.student_count, "student") + " loaded",
         ui.counted(counts["unreadable"], "cell") + " unreadable",
         ui.counted(counts["interpreted"], "cell") + " interpreted",
         ui.counted(counts["repeated_ids"], "repeated ID"),
         ui.counted(counts["missing_ids"], "row") + " without an ID"]
st.subheader("; ".join(parts))
st.text(f"File: {source.file_name}" + ("  (bundled sample data)" if source.is_sample else "")
        + (f"  ·  sheet: {raw.sheet}" if raw.sheet else "")
        + f"  ·  header on row {raw.header_row}")
for note in [*raw.notes, *cohort.header_notes()]:
    st.text(f"• {note}")

st.header("Column mapping")
st.caption("How each column of the file was matched to a field Cohort Advisor reads. Change "
           "any match and apply; every page is recomputed.")
mapping = cohort.mapping
# Keys carry the file's digest, so a new upload never shows the last file's choices.
form_key = f"{source.digest[:12]}_{raw.sheet or ''}"
with st.form(f"import_mapping_form_{form_key}"):
    grid = st.columns(3)
    chosen_columns = {}
    column_options = [NOT_MAPPED, *raw.headers]
    for position, field in enumerate(FIELDS):
        current = mapping.get(field.name, NOT_MAPPED)
        chosen_columns[field.name] = grid[position % 3].selectbox(
            field.label + (" (required)" if field.name == "student_id" else ""),
            options=column_options, index=column_options.index(current),
            format_func=lambda column: column or "(not in file)",
            key=f"import_map_{form_key}_{field.name}", help=field.description,
        )
    apply, reset = st.columns([1, 1])
    applied = apply.form_submit_button("Apply mapping", type="primary")
    restored = reset.form_submit_button("Use the detected mapping")
if applied:
    try:
        new_mapping = validate_mapping(raw, chosen_columns)
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
                               "field": list(mapping)}), hide_index=True,
                 key="import_mapping_table")
with right:
    st.caption("Columns kept as they are (carried into exports)")
    st.dataframe(pd.DataFrame({"file column": unmapped}), hide_index=True,
                 key="import_unmapped_table")

st.header("Data issues")
issue_frame = issues.df()
if issue_frame.empty:
    st.success("Every cell was read as written.")
else:
    st.caption("Row numbers are as a spreadsheet shows them (the first row of the file is "
               "row 1). " + " ".join(f"{kind.capitalize()}: {meaning}."
                                     for kind, meaning in KIND_MEANINGS.items()))
    by_column = (issue_frame.groupby(["column", "kind"], sort=False).size()
                 .unstack(fill_value=0).reindex(columns=list(KIND_MEANINGS), fill_value=0)
                 .reset_index())
    st.dataframe(by_column, hide_index=True, key="import_issue_summary",
                 column_config={"column": "Column", "unreadable": "Unreadable",
                                "interpreted": "Interpreted", "identity": "ID issues"})
    kinds = st.pills("Show", options=list(KIND_MEANINGS), selection_mode="multi",
                     default=list(KIND_MEANINGS), key="import_issue_kinds",
                     format_func=str.capitalize)
    shown = issue_frame[issue_frame["kind"].isin(kinds or list(KIND_MEANINGS))]
    st.dataframe(shown, hide_index=True, key="import_issues_table",
                 column_config={"row": st.column_config.NumberColumn("Row", format="%d")})
    st.download_button("Download data issues (CSV)", data=csv_bytes(issues),
                       file_name="data-issues.csv", mime="text/csv",
                       key="import_issues_download", icon=":material/download:")
