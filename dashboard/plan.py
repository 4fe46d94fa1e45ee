"""A dated plan for every student to their Match, the cohort's calendar, and the closest path
to a lower risk level.

The dates and statuses are computed in SQL (`queries/planning/`) from the flagged students and
the calendar (`dashboard/config.py`); this module holds the items' words and what each serves.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass

import duckdb
import pandas as pd
import pyarrow as pa

from dashboard import ics
from dashboard.flagging import RULE_INPUTS, FlaggedCohort, flag_records
from dashboard.rules import RISK_LEVELS, RULES_BY_ID, format_date
from dashboard.sql import create_table, load_query


@dataclass(frozen=True)
class PlanItem:
    id: str
    label: str  # what to do, in a few words
    serves: str  # the rule it clears, or the part of the guidance it follows
    kind: str  # task (done when the file shows it), reminder or event
    short: str = ""  # a few words, for tables


PLAN_ITEMS: tuple[PlanItem, ...] = (
    PlanItem("step1_pass", "Pass Step 1 on the first attempt (before the clinical year when "
             "the school allows)",
             "STEP1_NOT_TAKEN; guidance: Step 1 Strategy for Future Plastics Applicants",
             "task", "Pass Step 1"),
    PlanItem("step1_confirm", "Confirm the Step 1 result and put it in the file: ECFMG must "
             "confirm a pass by the rank order list deadline", "STEP1_FAIL; STEP1_NOT_TAKEN",
             "task", "Confirm the Step 1 result"),
    PlanItem("step1_retake", "Pass the Step 1 retake: programs screen for a Step 1 pass",
             "STEP1_FAIL; guidance: Step 1 Strategy for Future Plastics Applicants", "task",
             "Pass the Step 1 retake"),
    PlanItem("step1_last_attempt", "Pass Step 1 on the fourth and last attempt USMLE allows: "
             "sit it only when practice exams are well above the pass line",
             "STEP1_ATTEMPTS_LIMIT; STEP1_FAIL", "task", "Step 1: last attempt"),
    PlanItem("step1_no_attempts", "No Step 1 attempts left (USMLE allows four): confirm the "
             "count with USMLE and talk through careers without a US residency",
             "STEP1_ATTEMPTS_LIMIT", "task", "Step 1: no attempts left"),
    PlanItem("research_started", "Start a plastic surgery research project",
             "NO_PLASTICS_RESEARCH; guidance: Pre-clinical Years", "task",
             "Start plastics research"),
    PlanItem("mentors_found", "Find plastic surgery mentors (virtual programmes count)",
             "guidance: Clinical Years", "reminder", "Find mentors"),
    PlanItem("vslo_applications", "Apply for US plastics sub-Is on VSLO (places go by "
             "mid-April; many hosts take no students from non-LCME schools or charge fees)",
             "NO_US_PLASTICS_SUBI; guidance: Late Clinical / Early Final Year", "task",
             "Apply for sub-Is (VSLO)"),
    PlanItem("subi_season", "Do a US plastic surgery sub-I (the June-September season)",
             "NO_US_PLASTICS_SUBI; US_PLASTICS_LORS_MISSING", "task", "Do a US plastics sub-I"),
    PlanItem("step2_sitting", "Sit Step 2 CK by this date, so the score is on file in time",
             "STEP2_PENDING; EXAMS_MISS_MATCH", "task", "Sit Step 2 CK"),
    PlanItem("step2_score", "Step 2 CK score expected by this date: confirm it with the "
             "student and check it reaches programs and ECFMG",
             "STEP2_PENDING", "task", "Confirm the Step 2 CK score"),
    PlanItem("step2_reschedule", "Bring the booked Step 2 CK sitting forward to this date: "
             "as booked, its score arrives too late", "STEP2_PENDING; EXAMS_MISS_MATCH", "task",
             "Bring Step 2 CK forward"),
    PlanItem("step2_retake", "Pass the Step 2 CK retake: ECFMG certification and programs need "
             "a pass on file", "STEP2_FAIL", "task", "Pass the Step 2 CK retake"),
    PlanItem("plastics_letters", "Have two US plastic surgery letters uploaded",
             "US_PLASTICS_LORS_MISSING", "task", "Two US plastics letters"),
    PlanItem("surgery_letter", "Have a general surgery letter uploaded (a US general surgery "
             "sub-I earns it)", "SURGERY_LOR_MISSING", "task", "Surgery letter"),
    PlanItem("backup_plan", "Decide the backup application: general surgery beside "
             "integrated plastics, or preliminary surgery beside a general surgery first plan",
             "NO_PARALLEL_PLAN", "task", "Decide the backup"),
    PlanItem("plastics_broad_list", "Build a broad integrated plastics list, with a general "
             "surgery backup list", "strategy: aggressive integrated", "reminder",
             "Broad plastics list"),
    PlanItem("plastics_targeted_list", "Build a short integrated plastics list (programs that "
             "take IMGs) and a full categorical general surgery list",
             "strategy: targeted integrated", "reminder", "Short plastics + full GS list"),
    PlanItem("gs_prelim_list", "Build the categorical general surgery and preliminary surgery "
             "list (plastics stays a long-term goal)", "strategy: general surgery first",
             "reminder", "GS and prelim list"),
    PlanItem("psca_submitted", "Submit the Plastic Surgery Common Application (PSCA) and its "
             "5 program signals before it releases to programs", "guidance: Timeline Planning",
             "reminder", "Submit the PSCA + signals"),
    PlanItem("applications_submitted", "Submit ERAS applications before programs begin "
             "reviewing", "guidance: Timeline Planning", "reminder", "Submit ERAS"),
    PlanItem("reapplication_plan", "Plan the re-application for the next Match: the missing exam "
             "early, a research year or US clinical work, new letters",
             "EXAMS_MISS_MATCH; guidance: Option 2: Prelim Surgery Year + Re-application",
             "reminder", "Plan the re-application"),
    PlanItem("if_unmatched", "If the student did not match: plan the re-application for "
             "the next Match (new letters, research or a preliminary year, the exams early)",
             "guidance: Option 2: Prelim Surgery Year + Re-application", "reminder",
             "If unmatched: re-apply"),
    PlanItem("interview_season", "Interview season: answer each invitation the day it "
             "arrives, as interview days fill fast (integrated plastics programs send their "
             "first invitations on one coordinated day)", "NRMP timeline",
             "event", "Interview season"),
    PlanItem("nrmp_registration", "Register for the Match with the NRMP (late fee after this "
             "date)", "NRMP calendar", "event", "NRMP registration"),
    PlanItem("rank_list", "Certify the rank order list", "NRMP calendar", "event",
             "Rank order list"),
    PlanItem("match_week_soap", "Match week and SOAP: Monday says whether the student matched; "
             "if not, apply through SOAP to unfilled positions (Monday to Thursday)",
             "NRMP SOAP", "event", "Match week: SOAP"),
    PlanItem("match_day", "Match Day", "NRMP calendar", "event", "Match Day"),
)
PLAN_ITEMS_BY_ID = {item.id: item for item in PLAN_ITEMS}
# What programs weigh most first: how the next step is chosen among steps due the same day, and
# among missed tasks that can still be made up (queries/planning/next_steps.sql).
NEXT_STEP_WEIGHTS = ("step1_no_attempts", "step1_last_attempt", "step1_retake", "step1_pass",
                     "step1_confirm",
                     "step2_retake", "step2_reschedule", "step2_sitting", "step2_score",
                     "reapplication_plan", "if_unmatched", "subi_season", "vslo_applications",
                     "plastics_letters", "surgery_letter", "backup_plan", "research_started",
                     "psca_submitted", "applications_submitted", "plastics_broad_list",
                     "plastics_targeted_list", "gs_prelim_list", "mentors_found",
                     "rank_list", "match_week_soap", "match_day", "interview_season",
                     "nrmp_registration")
# Programs screen for these passes: missed, they are the next step whatever else is due.
SCREENED_ITEMS = ("step1_no_attempts", "step1_last_attempt", "step1_retake", "step1_pass",
                  "step1_confirm", "step2_retake")
# The steps toward a missing exam pass: for a student whose exams are due this Match
# (cycle_status exams_due), one of them is the next step.
EXAM_ITEMS = (*SCREENED_ITEMS, "step2_reschedule", "step2_sitting", "step2_score")
STATUS_LABELS = {"due": "Due", "overdue": "Overdue", "not_applicable": "Not applicable",
                 "done": "Done"}


# What a plan reads of a flagged student (a fixed list: the plan's own dates are those of the
# match year, never the cycle's dates the flagged table carries).
PLAN_COLUMNS = ("source_row, cycle, match_year, cycle_status, strategy, risk_level, stage, "
                "step1_result, step1_attempts, condition_step1_fail, condition_step2_fail, "
                "step2ck_score, step2ck_date, us_plastics_lors, surgery_lors, publications, "
                "presentations, us_plastics_subis, research_year, parallel_plan")


def plan_params(flagged: FlaggedCohort, con: duckdb.DuckDBPyConnection | None = None
                ) -> dict[str, object]:
    con = con or flagged.con
    cycles = [year for (year,) in con.sql(
        "select distinct match_year from flagged_students order by match_year").fetchall()]
    return flagged.config.plan_params(flagged.as_of, cycles)


def build_plans(flagged: FlaggedCohort, materialise: bool) -> None:
    """`student_plan_lists` (one list per student), `student_plans` (a row per item) and
    `next_steps` beside `flagged_students`: tables for the dashboard; for a one-pass export,
    views and the next steps alone."""
    con = flagged.con
    params = plan_params(flagged)
    if materialise:
        con.execute("create or replace view plan_students as select " + PLAN_COLUMNS
                    + " from flagged_students")
    else:
        # Flag once into the few columns a plan reads, rather than once per plan item.
        con.execute("create or replace table plan_students as select " + PLAN_COLUMNS
                    + " from flagged_students")
    if materialise:
        create_table(con, "student_plan_lists", "planning/student_plan", params)
        create_table(con, "student_plans", "planning/plan_rows")
    else:
        # The CLI: the next steps are picked from the lists as they are built, in one pass.
        lists = con.sql(load_query("planning/student_plan"), params=params)
        lists.create_view("student_plan_lists", replace=True)
        con.sql(load_query("planning/plan_rows")).create_view("student_plans", replace=True)
    create_table(con, "next_steps", "planning/next_steps", {
        "weights": list(NEXT_STEP_WEIGHTS), "screened": list(SCREENED_ITEMS),
        "exam_items": list(EXAM_ITEMS), "as_of": flagged.as_of})


def next_step_words(item: str | None, due: dt.date | None, as_of: dt.date,
                    short: bool = True) -> str:
    """A next step as tables and reports show it: "Overdue: " before a missed step (one the
    student can still make up), nothing when there is none."""
    if not isinstance(item, str):
        return ""
    words = PLAN_ITEMS_BY_ID[item].short if short else PLAN_ITEMS_BY_ID[item].label
    if due is not None and not pd.isna(due) and pd.Timestamp(due).date() < as_of:
        return "Overdue: " + words
    return words


def item_params() -> dict[str, list[str]]:
    return {"item_ids": [item.id for item in PLAN_ITEMS],
            "item_labels": [item.label for item in PLAN_ITEMS]}


def student_plan(flagged: FlaggedCohort, source_row: int) -> pd.DataFrame:
    """One student's open plan items, soonest first: date, end, item, status, serves."""
    frame = flagged.con.sql("select * from student_plans where source_row = $row "
                            "order by due_date, item", params={"row": source_row}).df()
    frame["what"] = frame["item"].map(lambda item: PLAN_ITEMS_BY_ID[item].label)
    frame["short"] = frame["item"].map(lambda item: PLAN_ITEMS_BY_ID[item].short)
    frame["serves"] = frame["item"].map(lambda item: _in_words(PLAN_ITEMS_BY_ID[item].serves))
    frame["status"] = frame["status"].map(STATUS_LABELS)
    frame["date"] = [
        when_text(start, end, estimated) for start, end, estimated in
        zip(frame["due_date"], frame["end_date"], frame["is_estimated"], strict=True)]
    return frame


def _in_words(serves: str) -> str:
    """Rule ids as their labels: `NO_PLASTICS_RESEARCH` reads as `No plastics research`."""
    return "; ".join(RULES_BY_ID[part].label if part in RULES_BY_ID else part
                     for part in serves.split("; "))


def when_text(start, end, estimated: bool) -> str:
    """30 Sep 2026, or 1 Jun 2026 to 30 Sep 2026 for a season; (estimated) when not set."""
    text = format_date(_as_date(start))
    if end is not None and not pd.isna(end):
        text += f" to {format_date(_as_date(end))}"
    return text + (" (estimated)" if estimated else "")


def _as_date(value) -> dt.date:
    """A date from a date, a datetime or a pandas Timestamp (a datetime, so a date too)."""
    return value.date() if isinstance(value, dt.datetime) else value


def cohort_calendar(flagged: FlaggedCohort, days: int,
                    con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
    """Every task, reminder or event due in the next `days` days, and every overdue task."""
    con = con or flagged.con
    return con.sql(load_query("planning/cohort_calendar"),
                   params={"as_of": flagged.as_of, "days": days, **item_params()})


def student_plan_ics(flagged: FlaggedCohort, student: dict, privacy: bool = False) -> bytes:
    """A student's open plan as an iCalendar file, each step an all-day event."""
    frame = student_plan(flagged, student["source_row"])
    entries = [
        _entry(flagged.as_of, student["student_id"], row.item, student.get("match_year"),
               _as_date(row.due_date), _optional_date(row.end_date),
               row.status == STATUS_LABELS["overdue"], row.what,
               ics.describe(row.serves, row.status, bool(row.is_estimated)))
        for row in frame.itertuples()]
    name = ics.who(student["student_id"], student.get("name"), privacy)
    return ics.calendar_bytes(entries, f"Match plan: {name}")


def cohort_calendar_ics(flagged: FlaggedCohort, days: int, privacy: bool = False,
                        con: duckdb.DuckDBPyConnection | None = None) -> bytes:
    """The cohort calendar (`cohort_calendar`) as an iCalendar file: each step an all-day
    event titled with the step and the student, the advisor in its description."""
    relation = cohort_calendar(flagged, days, con)
    columns = relation.columns
    entries = []
    for values in relation.fetchall():
        row = dict(zip(columns, values, strict=True))
        status = STATUS_LABELS[row["status"]]
        title = PLAN_ITEMS_BY_ID[row["item"]].short
        entries.append(_entry(
            flagged.as_of, row["student_id"], row["item"], row["match_year"],
            row["due_date"], row["end_date"], row["status"] == "overdue",
            title + " - " + ics.who(row["student_id"], row["name"], privacy),
            f"Advisor: {row['advisor']}.\n" + ics.describe(
                _in_words(PLAN_ITEMS_BY_ID[row["item"]].serves), status,
                bool(row["is_estimated"]))))
    return ics.calendar_bytes(entries, f"Cohort calendar, {days} days from "
                                       f"{format_date(flagged.as_of)}")


def _entry(as_of: dt.date, student_id: str, item: str, match_year: int | None,
           due: dt.date, end: dt.date | None, overdue: bool, what: str,
           description: str) -> ics.Entry:
    """A step as a calendar event. An overdue step is put on the evaluation date, where the
    advisor will see it, saying since when it is overdue: its own day is already past."""
    if overdue:
        return ics.Entry(student_id, item, match_year, as_of, None,
                         f"Overdue since {format_date(due)}: {what}", description)
    return ics.Entry(student_id, item, match_year, due, end, what, description)


def _optional_date(value) -> dt.date | None:
    return None if value is None or pd.isna(value) else _as_date(value)


# --- the closest path to a lower risk level -----------------------------------------------

@dataclass(frozen=True)
class Lever:
    id: str
    words: str
    plan_item: str  # the plan item whose date it must happen by


LEVERS = (
    Lever("backup", "a backup application", "backup_plan"),
    Lever("plastics_letters", "US plastics letters up to the number needed", "plastics_letters"),
    Lever("surgery_letter", "a general surgery letter", "surgery_letter"),
    Lever("subi", "a US plastics sub-I done or booked", "subi_season"),
    Lever("research", "a first plastics abstract or publication", "research_started"),
    Lever("step2_booked", "Step 2 CK booked by the latest sitting", "step2_sitting"),
    Lever("step1_passed", "a Step 1 pass", "step1_pass"),
)


def _apply(record: dict, lever: str, flagged: FlaggedCohort, cycle: int) -> None:
    t = flagged.config.thresholds
    if lever == "backup":
        record["parallel_plan"] = True
    elif lever == "plastics_letters":
        record["us_plastics_lors"] = t.us_plastics_lors_min
    elif lever == "surgery_letter":
        record["surgery_lors"] = t.surgery_lors_min
    elif lever == "subi":
        record["us_plastics_subis"] = max(record["us_plastics_subis"] or 0, 1)
    elif lever == "research":
        record["presentations"] = max(record["presentations"] or 0, 1)
        record["publications"] = record["publications"] or 0
    elif lever == "step2_booked":
        record["step2ck_date"] = max(flagged.as_of, flagged.config.calendar.date_of(
            "latest_step2ck_sitting", cycle))
    elif lever == "step1_passed":
        record["step1_result"] = "pass"
        record["step1_attempts"] = 1


def _applicable(student: dict, flagged: FlaggedCohort) -> list[str]:
    t = flagged.config.thresholds
    levers = []
    if student["parallel_plan"] is not True:
        levers.append("backup")
    if (student["us_plastics_lors"] or 0) < t.us_plastics_lors_min:
        levers.append("plastics_letters")
    if (student["surgery_lors"] or 0) < t.surgery_lors_min:
        levers.append("surgery_letter")
    if not (student["us_plastics_subis"] or 0) >= 1:
        levers.append("subi")
    if not ((student["publications"] or 0) + (student["presentations"] or 0)) > 0:
        levers.append("research")
    latest = student["date_latest_sitting"]
    if student["step2ck_score"] is None and latest >= flagged.as_of:
        levers.append("step2_booked")
    if student["step1_result"] == "not_taken":
        levers.append("step1_passed")
    return levers


def closest_path(flagged: FlaggedCohort, student: dict, max_changes: int = 4) -> dict | None:
    """The fewest changes that would lower a high or moderate student's risk level, with the
    date each must happen by; None when no change the student can make lowers it (a Step 1
    failure or a low score stays on the record)."""
    if student["risk_level"] not in ("high", "moderate"):
        return None
    plan = student_plan(flagged, student["source_row"]).set_index("item")
    # Only a change the plan still has a date ahead for (its own date, else the last date it
    # helps this Match): never a fix whose time has passed, nor a step off the strategy.
    by_when = {}
    for lever in LEVERS:
        if lever.plan_item in plan.index:
            row = plan.loc[lever.plan_item]
            end = row["end_date"] if not pd.isna(row["end_date"]) else row["due_date"]
            if _as_date(end) >= flagged.as_of:
                by_when[lever.id] = row["date"]
            elif _as_date(row["useful_until"]) >= flagged.as_of:
                by_when[lever.id] = format_date(_as_date(row["useful_until"]))
    levers = [lever for lever in _applicable(student, flagged) if lever in by_when]
    record = {name: student[name] for name in RULE_INPUTS}
    combos = [combo for size in range(1, min(max_changes, len(levers)) + 1)
              for combo in itertools.combinations(levers, size)]
    if not combos:
        return None
    schema = flagged.con.sql(
        "select * from canonical_students limit 0").select(
        *[duckdb.ColumnExpression(name) for name in RULE_INPUTS]).to_arrow_table().schema
    records = []
    for combo in combos:
        changed = dict(record)
        for lever in combo:
            _apply(changed, lever, flagged, student["cycle"])
        records.append(changed)
    outcomes = flag_records(pa.Table.from_pylist(records, schema=schema), flagged.config,
                            flagged.as_of)
    now = RISK_LEVELS.index(student["risk_level"])
    by_lever = {lever.id: lever for lever in LEVERS}
    for combo, outcome in zip(combos, outcomes, strict=True):
        if RISK_LEVELS.index(outcome["risk_level"]) > now:
            steps = [(by_lever[lever].words, by_when[lever]) for lever in combo]
            return {"risk_level": outcome["risk_level"], "steps": steps}
    return None
