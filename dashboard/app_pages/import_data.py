"""Import: what was loaded and how it was read, the column mapping (overridable), the sheet
of a workbook, and the data issues, summarised before they are listed."""

from __future__ import annotations

import hashlib

import pandas as pd
import streamlit as st

from dashboard import access, state, ui
from dashboard.engine import READABLE_FIELDS, MappingError, validate_mapping
from dashboard.exports import csv_bytes
from dashboard.fields import FIELDS, FIELDS_BY_NAME, template_csv
from dashboard.mapping_file import mapping_toml

NOT_MAPPED = ""
KIND_MEANINGS = {
    "unreadable": "could not be read: treated as missing, so the rules that need it are "
                  "unknown, never clear",
    "interpreted": "read with a guess that the problem column spells out; check it",
    "identity": "a student ID that is missing or repeated; every row is kept",
}

st.title("Import")
st.caption("Upload a cohort in the sidebar (CSV, TSV, XLSX, XLS or ODS, one row per student, "
           "a header row). The upload lives in this browser session only, until you save it as a "
           "snapshot on the Workspace page. How you map its columns and read its values is "
           "remembered for your next file with the same columns.")
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
for note in [*raw.notes, *loaded.mapping_notes, *cohort.header_notes()]:
    st.text(f"• {note}")
unread_headline = cohort.unread_headline_fields()
if unread_headline:
    st.error("Not read: " + ", ".join(FIELDS_BY_NAME[name].label for name in unread_headline)
             + ". No column feeds these headline fields; map their columns below.",
             icon=":material/report:")

st.header("Column mapping")
mapping = cohort.mapping
ORIGINS = {"detected": "detected from the column names",
           "chosen": "chosen on this page, and remembered for your next file with these "
                     "columns",
           "snapshot": "the one the snapshot was saved with"}
st.caption("How each column of the file was matched to a field Cohort Advisor reads"
           + (f": {ORIGINS[loaded.mapping_origin]}." if loaded.mapping_origin in ORIGINS
              else ".")
           + ("" if source.snapshot is not None
              else " Change any match and apply; every page is recomputed."))
if loaded.remembered is not None:  # names an advisor's email: plain text, never Markdown
    st.text(f"Read with {loaded.remembered.origin()}.")


def mapping_form() -> None:
    """The mapping, editable. Keys carry the file, the sheet and the mapping in effect: the
    form always shows the mapping that was applied, never the last file's choices or an edit
    that was not applied."""
    in_effect = hashlib.sha256(repr(sorted(mapping.items())).encode()).hexdigest()[:12]
    form_key = f"{source.digest[:12]}_{raw.sheet or ''}_{in_effect}"
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
        share = False
        if access.signed_in_email() is not None:  # without sign-in every advisor is "local"
            share = st.checkbox(
                "Share this mapping with every advisor of this workspace",
                key=f"import_share_{form_key}",
                help="Unticked, it is remembered for your own next file with these columns "
                     "only. Ticked, every advisor's next file with these columns is read "
                     "this way, and their pages say that you shared it.")
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
            state.set_mapping_override(source, new_mapping, raw.headers, shared=share)
            st.rerun()
    if restored:
        state.set_mapping_override(source, None, raw.headers, shared=share)
        st.rerun()


if source.snapshot is None:
    mapping_form()

unmapped = list(cohort.extra_columns.values())
left, right = st.columns(2)
with left:
    st.caption("Matched columns")
    # Tall enough for every field: the list never scrolls inside itself.
    matched = {FIELDS_BY_NAME[name].label: column for name, column in mapping.items()}
    if cohort.name_parts and "name" not in mapping:
        matched["Name"] = " + ".join(cohort.name_parts.values())
    st.dataframe(pd.DataFrame({"file column": list(matched.values()),
                               "read as": list(matched)}),
                 hide_index=True, height=38 + 35 * max(len(matched), 1),
                 key="import_mapping_table")
with right:
    st.caption("Columns kept as they are (carried into exports)")
    st.dataframe(pd.DataFrame({"file column": unmapped}), hide_index=True,
                 key="import_unmapped_table")

# What each unmapped column could feed, by its header and its values: proposed, never applied.
suggestions = cohort.detection.suggestions if cohort.detection else {}
proposed = [(column, FIELDS_BY_NAME[field].label, f"{fit:.0%}")
            for column, ranked in suggestions.items() if column in unmapped
            for field, fit in ranked if field not in mapping]
if proposed:
    st.caption("Unmapped columns and the fields they could feed, best first (by the header and "
               "by how many of the column's values that field reads). Nothing here is applied "
               "until you choose it in the mapping above.")
    st.dataframe(pd.DataFrame(proposed, columns=["file column", "could be", "values that fit"]),
                 hide_index=True, key="import_suggestions_table")
st.download_button("Download the mapping in effect (for cohort-advisor flag --mapping FILE)",
                   data=mapping_toml(cohort), file_name="cohort-mapping.toml",
                   mime="application/toml", key="import_mapping_download",
                   icon=":material/download:", on_click=state.logged_download("mapping"))

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
                 column_config={
                     "row": st.column_config.NumberColumn("Row", format="%d", width=60),
                     "column": st.column_config.TextColumn("Column", width=130),
                     "value": st.column_config.TextColumn("Value in the file", width=190),
                     "problem": st.column_config.TextColumn("Problem", width="large"),
                     "kind": st.column_config.TextColumn("Kind", width=95)})
    st.download_button("Download data issues (CSV)", data=csv_bytes(issues),
                       file_name="data-issues.csv", mime="text/csv",
                       key="import_issues_download", icon=":material/download:",
                       on_click=state.logged_download("data issues CSV"))

st.header("Value readings")
st.caption("Tell Cohort Advisor what a cell means when it cannot tell, such as 'Applying IM "
           "too' means yes for the parallel plan. Readings are remembered by the workspace "
           "and apply to every upload; each cell read by one is listed above as interpreted.")
workspace = state.workspace()
if workspace is None:
    st.warning("The workspace is unavailable, so value readings cannot be saved.")
elif source.snapshot is not None:
    st.info("A snapshot keeps the cells as they were read when it was saved; readings apply to "
            "the next upload.", icon=":material/info:")
else:
    readings = workspace.value_readings()
    unread = (issue_frame[issue_frame["kind"] == "unreadable"] if not issue_frame.empty
              else issue_frame)
    columns = st.columns([1.2, 2, 1, 1])
    field = columns[0].selectbox("Field", options=list(READABLE_FIELDS),
                                 format_func=lambda name: FIELDS_BY_NAME[name].label,
                                 key="import_reading_field")
    written = columns[1].text_input("Written in the cell as", max_chars=200,
                                    key="import_reading_written",
                                    placeholder="e.g. Applying IM too")
    means = columns[2].selectbox("Means", options=READABLE_FIELDS[field],
                                 format_func=lambda value: value.replace("_", " "),
                                 key=f"import_reading_means_{field}")
    columns[3].space("small")
    if columns[3].button("Add the reading", icon=":material/add:", key="import_reading_add",
                         disabled=not written.strip()):
        try:
            workspace.add_value_reading(field, written, means, state.author())
        except MappingError as error:
            st.error("That reading cannot be used.")
            st.text(str(error))
        else:
            state.log_access("add_value_reading", detail=field)  # the field, never the value
            st.session_state.pop("import_reading_written", None)
            st.rerun()
    candidates = unread[unread["column"].isin(
        [mapping.get(name) for name in READABLE_FIELDS])] if not unread.empty else unread
    if not candidates.empty:
        st.caption("Cells of these fields that could not be read, most frequent first: "
                   "candidates for a reading.")
        candidates = (candidates.groupby(["column", "value"]).size().rename("cells")
                      .reset_index().sort_values("cells", ascending=False).head(20))
        candidates["value"] = candidates["value"].map(ui.clipped)
        st.dataframe(candidates, hide_index=True, key="import_reading_candidates")
    if readings:
        listed = pd.DataFrame([{"field": FIELDS_BY_NAME[r.field].label, "written": r.written,
                                "means": r.means.replace("_", " ")} for r in readings])
        event = st.dataframe(listed, hide_index=True, on_select="rerun",
                             selection_mode="multi-row", key="import_readings_table")
        # The rows were selected in the list as drawn on the previous run: map them through
        # that list, so that a reading another advisor added since never shifts the choice.
        drawn = st.session_state.get("import_readings_drawn", readings)
        chosen = [drawn[position] for position in (event.selection.rows if event else [])
                  if position < len(drawn)]
        st.session_state["import_readings_drawn"] = readings
        if st.button(f"Remove {len(chosen)} selected", disabled=not chosen,
                     key="import_remove_readings", icon=":material/delete:"):
            for reading in chosen:
                workspace.remove_value_reading(reading.field, reading.written_key)
                state.log_access("remove_value_reading", detail=reading.field)
            st.rerun()
