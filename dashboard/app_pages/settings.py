"""Settings: the date the rules are evaluated on, the thresholds and the calendar, grouped,
with the guidance's defaults and a reset."""

from __future__ import annotations

import datetime as dt
from dataclasses import fields

import pandas as pd
import streamlit as st

from dashboard import state
from dashboard.config import (
    CALENDAR_DATE_LABELS,
    FIRST_YEAR,
    LAST_YEAR,
    MILESTONES_BY_KEY,
    Calendar,
    Config,
    ConfigError,
    Thresholds,
    setting_fields,
)
from dashboard.rules import format_date

st.title("Settings")
st.caption("The thresholds and the calendar apply to every page and export, and are kept in "
           "the workspace: everyone who uses it starts from them, until they change them. The "
           "as-of date is this session's only. Each export records what it used. The defaults "
           "come from the guidance and the USMLE and ERAS calendars.")

current = state.config()
defaults = Config()
groups: dict[str, list] = {}
for f in setting_fields(Thresholds):
    groups.setdefault(f.metadata["group"], []).append(f)

with st.form("settings_form"):
    top = st.columns([1, 1, 2])
    as_of = top[0].date_input(
        "Evaluate the rules as of", value=state.as_of(), key="settings_as_of_input",
        min_value=dt.date(FIRST_YEAR, 1, 1), max_value=dt.date(LAST_YEAR, 12, 31),
        help="Today unless you set a date: for example the day a report must describe.")
    applied = top[1].form_submit_button("Apply", type="primary")
    restored = top[2].form_submit_button("Reset to the defaults and today")
    tabs = st.tabs([*groups, "Calendar"])
    values: dict[str, int] = {}
    for tab, group_fields in zip(tabs, groups.values(), strict=False):
        grid = tab.columns(2)
        for position, f in enumerate(group_fields):
            if f.metadata.get("kind") == "schedule":
                continue  # the pass-mark schedule has its own table below
            values[f.name] = grid[position % 2].number_input(
                f.metadata["label"], value=getattr(current.thresholds, f.name),
                min_value=f.metadata["low"], max_value=f.metadata["high"], step=1,
                key=f"settings_{f.name}",
                help=f"{f.metadata['help']} Default {getattr(defaults.thresholds, f.name)}.")
    step2_tab = tabs[list(groups).index("Step 2 CK")]
    pass_field = next(f for f in fields(Thresholds) if f.name == "step2_pass")
    step2_tab.caption(pass_field.metadata["help"] + " Edit the marks or add a row for a new "
                      "date; a score is judged by the mark in force on its exam date.")
    schedule = step2_tab.data_editor(
        pd.DataFrame({"from exam date": [since for since, _ in current.thresholds.step2_pass],
                      "passing score": [mark for _, mark in current.thresholds.step2_pass]}),
        num_rows="dynamic", hide_index=True, key="settings_step2_pass",
        column_config={
            "from exam date": st.column_config.DateColumn("From exam date", required=True),
            "passing score": st.column_config.NumberColumn("Passing score", min_value=1,
                                                           max_value=300, step=1,
                                                           required=True)})
    calendar_tab = tabs[-1]
    release = next(f for f in fields(Calendar) if f.name == "score_release_days")
    score_release_days = calendar_tab.number_input(
        release.metadata["label"], value=current.calendar.score_release_days,
        min_value=release.metadata["low"], max_value=release.metadata["high"], step=1,
        key="settings_score_release_days",
        help=f"{release.metadata['help']} Default {defaults.calendar.score_release_days}.")
    calendar_tab.caption(
        "The day programs may begin reviewing applications, by Match year. A year not set "
        "here uses the last Wednesday of September of the year before (the rule that gives "
        "the dates of 2021-2025). Set the dates your school works to.")
    this_year = dt.date.today().year
    review_opens = dict(current.calendar.review_opens)
    grid = calendar_tab.columns(4)
    chosen_dates: dict[int, dt.date] = {}
    for position, year in enumerate(range(this_year - 1, this_year + 4)):
        chosen_dates[year] = grid[position % 4].date_input(
            f"{year} Match", value=current.calendar.review_opens_on(year),
            key=f"settings_review_opens_{year}",
            help="Configured" if year in review_opens else "Estimated by the default rule")

if applied:
    pass_marks = [(pd.Timestamp(since).date(), int(mark)) for since, mark in zip(
        schedule["from exam date"], schedule["passing score"], strict=True)
        if not pd.isna(since) and not pd.isna(mark)]
    values["step2_pass"] = tuple(pass_marks) or current.thresholds.step2_pass
    configured = {year: date for year, date in review_opens.items()}
    for year, date in chosen_dates.items():
        if year in review_opens or date != current.calendar.review_opens_on(year):
            configured[year] = date
    try:
        chosen = Config(Thresholds(**values),
                        Calendar(score_release_days=int(score_release_days),
                                 review_opens=tuple(sorted(configured.items())),
                                 milestones=current.calendar.milestones))
    except ConfigError as error:
        st.error("Those settings cannot be used.")
        st.text(str(error))
    else:
        state.set_config(chosen)
        state.set_as_of(None if as_of == dt.date.today() else as_of)
        st.success("Settings applied everywhere.")
if restored:
    state.set_config(defaults)
    state.set_as_of(None)
    for key in list(st.session_state):
        if key.startswith("settings_") and key not in ("settings_config", "settings_as_of"):
            del st.session_state[key]
    st.rerun()

changed = [f.metadata["label"] for f in setting_fields(Thresholds)
           if getattr(state.config().thresholds, f.name) != getattr(defaults.thresholds, f.name)]
if state.config().calendar != defaults.calendar:
    changed.append("calendar")
if state.as_of() != dt.date.today():
    changed.append(f"rules evaluated as of {format_date(state.as_of())}")
if changed:
    st.info("Changed from the defaults: " + "; ".join(changed))

st.subheader("The Match calendar in use")
st.caption("Every date the rules and plans use, by Match year, with where it comes from. A date "
           "marked estimated follows its default rule; set your school's dates in a config file "
           "(README \"Settings\") or, for the review dates, above.")
in_use = state.config().calendar
years = list(range(dt.date.today().year, dt.date.today().year + 3))
sources = {key: milestone.source for key, milestone in MILESTONES_BY_KEY.items()}
sources.update({
    "review_opens": "AAMC ERAS timeline (default: last Wednesday of September of Y-1)",
    "first_review": "The earlier of the PSCA release and ERAS review",
    "latest_step2ck_sitting": "First review less the days to a score (USMLE score reporting)",
    "exam_deadline": "Rank order list deadline less the days to a score (NRMP FAQ: ECFMG must "
                     "confirm an IMG's passes by the rank list deadline)",
})
st.dataframe(pd.DataFrame([
    {"date": label, **{f"{year} Match": format_date(in_use.date_of(key, year)) + (
        "" if in_use.is_configured(year, key) else " (estimated)") for year in years},
     "source": sources[key]}
    for key, label in CALENDAR_DATE_LABELS.items()]), hide_index=True,
    key="settings_calendar_table")
