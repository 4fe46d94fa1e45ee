"""Cohort overview: who needs attention and why, at a glance; clicking a chart filters."""

from __future__ import annotations

import altair as alt
import pandas as pd
import streamlit as st

from dashboard import charts, reports, state, ui
from dashboard.exports import csv_bytes
from dashboard.fields import FIELDS_BY_NAME
from dashboard.rules import (
    BAND_LABELS,
    RISK_LABELS,
    RISK_MEANINGS,
    RULES_BY_ID,
    STRATEGY_LABELS,
)

loaded = state.require_cohort()
flagged = loaded.flagged
thresholds = flagged.config.thresholds
summary = reports.cohort_summary(flagged)

st.title("Cohort overview")
st.caption("Counts and charts for the whole cohort, as of "
           f"{flagged.as_of:%-d %b %Y}. Click a bar, or drag over the scatter plot, to list "
           "those students under the counts and on the Students page.")

# A remembered mapping is never applied without saying so, and whose it is.
if loaded.remembered is not None:
    with st.container(border=True, horizontal=True, vertical_alignment="center",
                      key="overview_remembered_banner"):
        st.text(f"Columns read with {loaded.remembered.origin()}. Check them on the Import "
                "page if this file is laid out differently.")
        st.page_link("app_pages/import_data.py", label="Import page",
                     icon=":material/upload_file:")

# Headline fields no column feeds: said first, where the advisor looks, with the way to map.
unread_headline = loaded.cohort.unread_headline_fields()
if unread_headline or loaded.mapping_notes:
    with st.container(border=True, key="overview_unread_banner"):
        if unread_headline:
            st.error("Not read from this file: "
                     + ", ".join(FIELDS_BY_NAME[name].label for name in unread_headline)
                     + ". No column feeds "
                     + ("it" if len(unread_headline) == 1 else "them")
                     + ", so those checks are not run: their tiles say \"not read\", never 0. "
                     "Map the column on the Import page.", icon=":material/report:")
            unmapped = loaded.cohort.unmapped_columns()
            if unmapped:
                st.text("Columns left unmapped: " + ", ".join(unmapped[:30])
                        + (", ..." if len(unmapped) > 30 else ""))  # uploaded text: plain
        for note in loaded.mapping_notes:
            st.text(note)
        st.page_link("app_pages/import_data.py", label="Map the columns on the Import page",
                     icon=":material/upload_file:")

# The headline checks that could not run: never let missing data read as safe.
unchecked = []
if summary["count_step1_unknown"]:
    unchecked.append("Step 1 could not be checked for "
                     + ui.counted(summary["count_step1_unknown"], "student"))
if summary["count_us_plastics_lors_unknown"]:
    unchecked.append("US plastics letters could not be checked for "
                     + ui.counted(summary["count_us_plastics_lors_unknown"],
                                  "final-year or applying student"))
if unchecked:
    with st.container(border=True):
        st.warning("; ".join(unchecked) + ". They are counted as *needs data*, never as low "
                   "risk. Map a column on the Import page, or fill the cells in the file.",
                   icon=":material/help:")
        st.page_link("app_pages/import_data.py", label="Open the Import page",
                     icon=":material/upload_file:")

# What changed since the last snapshot of this cohort.
compared = state.changes(loaded)
if compared is not None:
    since, found = compared
    change_summary = found.summary(since.as_of)
    with st.container(border=True):
        st.subheader(f"What changed since {since.as_of:%-d %b %Y}")
        st.text(change_summary.headline())  # counts and catalogue labels
        st.caption(
            f"Compared with the snapshot of {since.as_of:%-d %b %Y} ("
            + ui.counted(since.student_count, "student") + "): "
            + ui.counted(change_summary.students_changed, "student") + " changed in some way; "
            + ui.counted(change_summary.scores_changed, "Step 2 CK score")
            + " new or changed. A flag whose data could no longer be read is not counted as "
            "cleared.")
        if (change_summary.joined > summary["count_students"] / 2
                and change_summary.left > since.student_count / 2):
            st.warning("Most students of this file are not in the snapshot, and most of the "
                       "snapshot's are not in this file: is this upload the same cohort? "
                       "Choose its cohort in the sidebar.", icon=":material/help:")
        if change_summary.ambiguous_ids:
            st.caption(ui.counted(change_summary.ambiguous_ids, "student ID")
                       + " repeated in one of the files could not be compared: which row "
                       "would be which student?")
        if change_summary.rows_without_id:
            st.caption(ui.counted(change_summary.rows_without_id, "row")
                       + " of this file without a student ID could not be compared.")
        moved = [(RULES_BY_ID[rule_id].label, raised,
                  change_summary.flags_cleared.get(rule_id, 0))
                 for rule_id, raised in change_summary.flags_raised.items()]
        moved += [(RULES_BY_ID[rule_id].label, 0, cleared)
                  for rule_id, cleared in change_summary.flags_cleared.items()
                  if rule_id not in change_summary.flags_raised]
        with st.container(horizontal=True):
            if st.button("List the changed students", key="overview_changed_students",
                         icon=":material/groups:",
                         disabled=not change_summary.students_changed):
                state.set_student_filter(reports.StudentFilter(changed_only=True))
                st.switch_page("app_pages/students.py")
            st.download_button(
                "Download the changes (CSV)", data=lambda: csv_bytes(found.relation()),
                file_name=f"changes-since-{since.as_of.isoformat()}.csv", mime="text/csv",
                key="overview_changes_download", icon=":material/download:",
                on_click=state.logged_download("changes CSV"),
                disabled=not change_summary.students_changed)
        if moved:
            st.dataframe(pd.DataFrame(moved, columns=["flag", "raised", "cleared"]),
                         hide_index=True, key="overview_flag_changes")
elif (state.workspace() is not None and loaded.source.is_unsaved_upload
      and state.snapshot_of_upload() is None):
    st.caption("Save this upload as a snapshot on the Workspace page: the next upload of the "
               "cohort then shows here what changed.")



def not_checked(count: int) -> str | None:
    return f"{count:,} not checked" if count else None


total = summary["count_students"]
# Wider columns for the longer headline labels: nothing is cut at 1280 px.
columns = st.columns([0.85, 0.9, 0.9, 1, 1.45, 1.15, 1.25])
columns[0].metric("Students", f"{total:,}")
columns[1].metric("High risk", f"{summary['count_high']:,}", help=RISK_MEANINGS["high"])
columns[2].metric("Moderate", f"{summary['count_moderate']:,}", help=RISK_MEANINGS["moderate"])
columns[3].metric("Needs data", f"{summary['count_needs_data']:,}",
                  help=RISK_MEANINGS["needs_data"])
NOT_READ = "not read"
unread = set(loaded.cohort.unread_fields())


def tile_value(field: str, count: int) -> str:
    """A headline count, or a dash (with "not read" under it) when no column feeds its field:
    never a 0."""
    return "—" if field in unread else f"{count:,}"


def tile_note(field: str, unknown: int) -> str | None:
    return NOT_READ if field in unread else not_checked(unknown)


step1_unread = {"step1_result", "step1_attempts"} <= unread
columns[4].metric("Step 1 fail/repeat",
                  "—" if step1_unread else f"{summary['count_step1_fail']:,}",
                  delta=NOT_READ if step1_unread else not_checked(summary["count_step1_unknown"]),
                  delta_color="off",
                  delta_arrow="off", help=RULES_BY_ID["STEP1_FAIL"].title)
columns[5].metric(f"Step 2 < {thresholds.step2_low}",
                  tile_value("step2ck_score", summary["count_step2_low"]),
                  delta=NOT_READ if "step2ck_score" in unread else None, delta_color="off",
                  delta_arrow="off",
                  help=RULES_BY_ID["STEP2_LOW"].title)
columns[6].metric(f"PRS LORs < {thresholds.us_plastics_lors_min}",
                  tile_value("us_plastics_lors", summary["count_us_plastics_lors_missing"]),
                  delta=tile_note("us_plastics_lors", summary["count_us_plastics_lors_unknown"]),
                  delta_color="off", delta_arrow="off",
                  help="Fewer letters from US plastic surgeons than needed: final-year and "
                  "applying students (and those with no stage) only")

# Students picked in a chart are listed here, under the counts, where the eye is; the
# container is filled once the charts below have said what was picked.
picked_area = st.container()
# Each pick: what was picked in words, the filter it sets, and any uploaded value it names
# (drawn as plain text, never in the Markdown heading).
picks: list[tuple[str, dict, str | None]] = []


# Built once per cohort, settings and date: building an Altair chart and turning it into its
# Vega-Lite spec costs more than the query behind it, on every rerun.
specs = st.session_state.get("overview_specs")
specs_key = (st.session_state["data_cohort"][0], flagged.config, flagged.as_of)
if specs is None or specs[0] != specs_key:
    specs = (specs_key, {})
    st.session_state["overview_specs"] = specs


def chart(build, key: str) -> dict:
    """The chart `build()` makes, drawn with its selection; built only when not cached."""
    if key not in specs[1]:
        with alt.data_transformers.disable_max_rows():  # the data is aggregated already
            specs[1][key] = build().to_dict()
    event = st.vega_lite_chart(specs[1][key], on_select="rerun", key=key)
    return event.selection if event else {}


left, right = st.columns([1, 1.3])
with left:
    selection = chart(lambda: charts.risk_levels_chart(summary), "overview_risk_chart")
    if selection.get(charts.SELECT_RISK):
        risk = selection[charts.SELECT_RISK][0]["risk_level"]
        picks.append((f"risk level {RISK_LABELS[risk]}", {"risk_levels": (risk,)}, None))
    selection = chart(lambda: charts.strategy_chart(reports.strategy_mix(flagged)),
                      "overview_strategy_chart")
    if selection.get(charts.SELECT_STRATEGY):
        strategy = selection[charts.SELECT_STRATEGY][0]["strategy"]
        picks.append((f"strategy {STRATEGY_LABELS[strategy]}", {"strategies": (strategy,)},
                      None))
with right:
    selection = chart(lambda: charts.flag_prevalence_chart(reports.flag_prevalence(flagged)),
                      "overview_flag_chart")
    if selection.get(charts.SELECT_FLAG):
        picked_flag = selection[charts.SELECT_FLAG][0]
        rule_id = picked_flag["rule_id"]
        if picked_flag.get("state") == "unknown":  # the grey part: the data was missing
            picks.append((f"{RULES_BY_ID[rule_id].label} not checked (data missing)",
                          {"flags": (rule_id,), "flag_match": "unchecked"}, None))
        else:
            picks.append((f"flag {RULES_BY_ID[rule_id].label}",
                          {"flags": (rule_id,), "flag_match": "raised"}, None))

left, right = st.columns(2)
with left:
    selection = chart(lambda: charts.score_histogram(reports.score_distribution(flagged),
                                                     thresholds),
                      "overview_score_chart")
    if selection.get(charts.SELECT_BAND):
        band = selection[charts.SELECT_BAND][0]["band"]
        picks.append((f"Step 2 CK band {BAND_LABELS[band]}", {"bands": (band,)}, None))
    if summary["count_without_score"]:
        st.caption(f"{summary['count_without_score']:,} students have no Step 2 CK score yet "
                   "and are not in this chart.")
with right:
    selection = chart(lambda: charts.score_vs_research_chart(
        reports.score_vs_research(flagged), thresholds), "overview_scatter_chart")
    region = selection.get(charts.SELECT_REGION)
    if region and "step2ck_score" in region:
        low_score, high_score = region["step2ck_score"]
        low_research, high_research = region.get("count_research", [0, 10_000])
        picks.append((
            f"Step 2 CK {round(low_score)}-{round(high_score)}, research "
            f"{round(low_research)}-{round(high_research)}",
            {"score_min": int(round(low_score)), "score_max": int(round(high_score)),
             "research_min": int(round(low_research)), "research_max": int(round(high_research))},
        ))

group_by = st.segmented_control(
    "Risk by", options=list(reports.GROUPINGS), format_func=reports.GROUPINGS.get,
    default="campus", key="overview_group_by",
) or "campus"
selection = chart(
    lambda: charts.risk_by_group_chart(reports.risk_by_group(flagged, group_by),
                                       reports.GROUPINGS[group_by]),
    f"overview_group_chart_{group_by}",
)
if selection.get(charts.SELECT_GROUP):
    picked = selection[charts.SELECT_GROUP][0]
    value, risk = picked["group_value"], picked["risk_level"]
    changes = {"risk_levels": (risk,)}
    if value != "(not given)":
        changes[{"class_year": "class_years", "campus": "campuses",
                 "advisor": "advisors"}[group_by]] = (
            (int(value),) if group_by == "class_year" else (value,))
    picks.append((f"{reports.GROUPINGS[group_by].lower()} and risk level {RISK_LABELS[risk]}",
                  changes, f"{reports.GROUPINGS[group_by]}: {value}"))

if not picks and st.session_state.get("overview_picked_filter") is not None:
    # The pick was cleared: so is the filter it set, unless the Students page changed it since.
    if state.student_filter() == st.session_state["overview_picked_filter"]:
        state.set_student_filter(reports.StudentFilter())
    st.session_state["overview_picked_filter"] = None
if picks:
    description, changes, named = picks[-1]
    chosen = reports.StudentFilter().changed(**changes)
    if chosen != state.student_filter():
        state.set_student_filter(chosen)
    st.session_state["overview_picked_filter"] = chosen
    frame, matched = reports.student_page(flagged, chosen, page=1, page_size=50)
    with picked_area.container(border=True):
        st.subheader(f"{ui.counted(matched, 'student')} picked: {description}")
        if named is not None:
            st.text(named)
        st.caption(("The 50 most urgent are shown; the full list is open on the Students "
                    "page too." if matched > 50 else "They are listed on the Students page "
                    "too.") + " Click an empty part of the chart to clear the pick.")
        st.dataframe(ui.readable(frame, state.privacy_mode()), hide_index=True,
                     column_config=ui.student_column_config(), key="overview_picked_table",
                     height=min(38 + 35 * max(len(frame), 1), 38 + 35 * 6))
        st.page_link("app_pages/students.py", label="Open the Students page",
                     icon=":material/groups:")
