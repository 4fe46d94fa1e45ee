"""Students: the cohort filtered and ordered by priority; selecting a row opens the student."""

from __future__ import annotations

import math

import streamlit as st

from dashboard import reports, state, ui
from dashboard.rules import (
    BAND_LABELS,
    BANDS,
    RISK_LABELS,
    RISK_LEVELS,
    RULES,
    RULES_BY_ID,
    STAGE_LABELS,
    STRATEGIES,
    STRATEGY_LABELS,
)

PAGE_SIZE = 100

loaded = state.require_cohort()
flagged = loaded.flagged
stored = state.student_filter()
options = reports.filter_options(flagged)

st.title("Students")

top = st.columns([1.6, 1.3, 3.6, 2.3])  # the four risk pills fit on one line at 1280 px
search = top[0].text_input("Search name or ID", value=stored.search, key="students_search",
                           placeholder="e.g. Okafor")
at_risk_only = top[1].toggle("At risk", value=stored.at_risk_only,
                             key="students_at_risk_only",
                             help="Only students at high or moderate risk, or whose Step 1 or "
                             "US plastics letters could not be checked (needs data)")
risk_levels = top[2].pills("Risk level", options=list(RISK_LEVELS), selection_mode="multi",
                           default=list(stored.risk_levels), format_func=RISK_LABELS.get,
                           key="students_risk_levels")
flags = top[3].multiselect("Has any of these flags", options=[rule.id for rule in RULES],
                           default=list(stored.flags),
                           format_func=lambda rule_id: RULES_BY_ID[rule_id].label,
                           key="students_flags")

FLAG_MATCHES = {"raised_or_unchecked": "Raised or not checked", "raised": "Raised only",
                "unchecked": "Not checked only"}
flag_match = stored.flag_match
if flags:
    flag_match = st.segmented_control(
        "Students with these flags", options=list(FLAG_MATCHES), format_func=FLAG_MATCHES.get,
        default=stored.flag_match, key="students_flag_match",
        help="Not checked: the rule could not run for lack of data (blank or unreadable "
        "cells), so the flag may apply; they are included unless you say otherwise"
    ) or "raised_or_unchecked"

with st.expander("More filters: band, strategy, stage, class year, campus, advisor",
                 expanded=bool(stored.bands or stored.strategies or stored.stages
                               or stored.class_years or stored.campuses or stored.advisors)):
    more = st.columns(3)
    bands = more[0].multiselect("Step 2 CK band", options=list(BANDS),
                                default=list(stored.bands), format_func=BAND_LABELS.get,
                                key="students_bands")
    strategies = more[1].multiselect("Strategy", options=list(STRATEGIES),
                                     default=list(stored.strategies),
                                     format_func=STRATEGY_LABELS.get, key="students_strategies")
    stage_options = [*STAGE_LABELS, "missing"]
    stages = more[2].multiselect("Stage", options=stage_options, default=list(stored.stages),
                                 format_func=lambda s: STAGE_LABELS.get(s, "Not given"),
                                 key="students_stages")
    class_years = more[0].multiselect(
        "Class year", options=options["class_years"],
        default=[y for y in stored.class_years if y in options["class_years"]],
        key="students_class_years")
    campuses = more[1].multiselect(
        "Campus", options=options["campuses"],
        default=[c for c in stored.campuses if c in options["campuses"]],
        key="students_campuses")
    advisors = more[2].multiselect(
        "Advisor", options=options["advisors"],
        default=[a for a in stored.advisors if a in options["advisors"]],
        key="students_advisors")

compared = state.changes(loaded)
changed_only = False
if compared is not None:
    changed_only = st.toggle(
        f"Changed since the snapshot of {compared[0].as_of:%-d %b %Y}",
        value=stored.changed_only, key="students_changed_only",
        help="Students who joined, or whose risk level, flags, Step 2 CK, US plastics letters "
        "or sub-Is changed since the last snapshot of this cohort")

current = stored.changed(
    changed_only=changed_only, search=search.strip(), at_risk_only=at_risk_only,
    risk_levels=tuple(risk_levels or ()),
    flags=tuple(flags), flag_match=flag_match, bands=tuple(bands),
    strategies=tuple(strategies), stages=tuple(stages),
    class_years=tuple(class_years), campuses=tuple(campuses), advisors=tuple(advisors),
)
if current != stored:
    state.set_student_filter(current)

if current.score_min is not None or current.research_min is not None:
    note, clear = st.columns([5, 1])
    note.caption(
        f"Also limited to the chart selection: Step 2 CK {current.score_min}-{current.score_max},"
        f" research items {current.research_min}-{current.research_max}."
    )
    if clear.button("Clear chart selection", key="students_clear_region"):
        state.set_student_filter(current.changed(score_min=None, score_max=None,
                                                 research_min=None, research_max=None))
        st.rerun()

page = st.session_state.get("students_page", 1)
frame, total = reports.student_page(flagged, current, page, PAGE_SIZE)
pages = max(1, math.ceil(total / PAGE_SIZE))
if page > pages:
    page = st.session_state["students_page"] = pages
    frame, total = reports.student_page(flagged, current, page, PAGE_SIZE)

st.caption(
    f"{total:,} of {loaded.cohort.student_count:,} students match, most urgent first (risk "
    "level, then the soonest next deadline, then the most flags). Select a row to open the "
    "student."
)
shown = ui.readable(frame, state.privacy_mode())
if compared is not None and current.changed_only:
    # What changed, in words, beside the reasons: why each student is on this list.
    details = compared[1].details(frame["student_id"].tolist())
    shown.insert(shown.columns.get_loc("reasons"), "what_changed",
                 frame["student_id"].map(lambda student_id: details.get(student_id, "")))
    left = compared[1].left()
    if left:
        st.caption(ui.counted(len(left), "student") + " of the snapshot left the file; they "
                   "are listed in the changes download on the Overview.")
event = st.dataframe(
    shown, hide_index=True,
    column_config={**ui.student_column_config(), "what_changed": st.column_config.TextColumn(
        "What changed", width="medium")},
    on_select="rerun", selection_mode="single-row", key="students_table",
    height=min(38 + 35 * max(len(frame), 1), 38 + 35 * 12),
)
if event and event.selection.rows:
    st.session_state["student_row"] = int(frame.iloc[event.selection.rows[0]]["source_row"])
    st.switch_page("app_pages/student.py")

if pages > 1:
    st.number_input(f"Page (of {pages:,}, {PAGE_SIZE} students each)", min_value=1,
                    max_value=pages, step=1, key="students_page")
