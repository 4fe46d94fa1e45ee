"""SPEC v3's cycle, read as an advisor reads a week of it: one small cohort evaluated on seven
dates of the 2027 Match (docs/advisor-guide.md), and a property over generated cohorts and
dates that no exported next step is past its use or off the student's strategy."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dashboard.config import Config
from dashboard.docs import sample_reasons_table
from dashboard.engine import Cohort
from dashboard.exports import export_relation, write_csv
from tests.conftest import load_rows

D = dt.date
REFERENCE = (__import__("pathlib").Path(__file__).resolve().parent.parent / "docs"
             / "reference.md")

BASE = {"class_year": "2027", "stage": "M4", "step1_result": "pass", "step1_attempts": "1",
        "step2ck_score": "250", "step2ck_date": "2026-05-01", "practice_scores": "250;252",
        "us_plastics_lors": "2", "surgery_lors": "1", "publications": "9",
        "presentations": "7", "us_plastics_subis": "1", "research_year": "no",
        "parallel_plan": "yes"}

COHORT = {
    "ready": {},
    "no_step2": {"step2ck_score": None, "step2ck_date": None},
    "sat_nov": {"step2ck_score": None, "step2ck_date": "2026-11-01"},
    "booked_late": {"step2ck_score": None, "step2ck_date": "2027-02-20"},
    "letter_missing": {"us_plastics_lors": "1"},
    "gs_first": {"step2ck_score": "232", "us_plastics_lors": "0", "us_plastics_subis": "0"},
    "step1_fail_twice": {"step1_result": "fail", "step1_attempts": "2"},
    "no_class_year": {"class_year": None, "stage": "graduate"},
    "m3_booked_after_match": {"class_year": "2028", "stage": "M3", "step2ck_score": None,
                              "step2ck_date": "2028-04-01"},
}

JUNE, SEPTEMBER, DECEMBER = D(2026, 6, 15), D(2026, 9, 20), D(2026, 12, 2)
FEBRUARY, MARCH, LATE_MARCH, APRIL = D(2027, 2, 3), D(2027, 3, 4), D(2027, 3, 20), D(2027, 4, 1)
DATES = (JUNE, SEPTEMBER, DECEMBER, FEBRUARY, MARCH, LATE_MARCH, APRIL)

# (student, date) -> (cycle_status, match_year, next_step_item); the 2027 Match's default
# dates: first review 21 Sep 2026 (PSCA), exam deadline 3 Feb 2027, rank list 3 Mar, Match
# Day 19 Mar.
EXPECTED = {
    ("no_step2", JUNE): ("exams_due", 2027, "step2_sitting"),
    ("no_step2", SEPTEMBER): ("exams_due", 2027, "step2_sitting"),
    ("no_step2", DECEMBER): ("exams_due", 2027, "step2_sitting"),
    ("no_step2", FEBRUARY): ("exams_due", 2027, "step2_sitting"),  # the deadline's own day
    ("no_step2", MARCH): ("out_of_cycle", 2028, "reapplication_plan"),
    ("sat_nov", DECEMBER): ("exams_due", 2027, "step2_score"),
    ("sat_nov", FEBRUARY): ("exams_due", 2027, "step2_score"),  # sat in time, awaiting
    # SPEC 4: a sitting in time awaiting its score stays exams_due, and its score is the step.
    ("sat_nov", MARCH): ("exams_due", 2027, "step2_score"),
    ("booked_late", DECEMBER): ("exams_due", 2027, "step2_reschedule"),
    ("booked_late", MARCH): ("out_of_cycle", 2028, "reapplication_plan"),
    ("letter_missing", DECEMBER): ("ready", 2027, "plastics_letters"),
    ("letter_missing", FEBRUARY): ("ready", 2027, "rank_list"),
    ("ready", DECEMBER): ("ready", 2027, "interview_season"),
    ("ready", FEBRUARY): ("ready", 2027, "rank_list"),
    ("ready", MARCH): ("ready", 2027, "match_day"),
    ("ready", LATE_MARCH): ("cycle_over", 2028, "if_unmatched"),
    ("ready", APRIL): ("cycle_over", 2028, "if_unmatched"),
    ("gs_first", DECEMBER): ("ready", 2027, "interview_season"),
    ("gs_first", MARCH): ("ready", 2027, "match_week_soap"),
    ("step1_fail_twice", JUNE): ("exams_due", 2027, "step1_retake"),
    ("step1_fail_twice", FEBRUARY): ("exams_due", 2027, "step1_retake"),
    ("step1_fail_twice", MARCH): ("out_of_cycle", 2028, "reapplication_plan"),
    ("no_class_year", DECEMBER): ("ready", 2027, "interview_season"),
    ("no_class_year", MARCH): ("ready", 2028, "plastics_broad_list"),
    ("m3_booked_after_match", DECEMBER): ("not_applying", 2028, "step2_reschedule"),
}

PLASTICS_ONLY = {"plastics_letters", "subi_season", "vslo_applications", "mentors_found",
                 "psca_submitted", "plastics_broad_list", "plastics_targeted_list",
                 "research_started"}


def _row(name: str) -> dict:
    row = {"student_id": name, **BASE}
    for field, value in COHORT[name].items():
        row[field] = value
    return row


def _export(rows: list[dict] | Cohort, as_of: dt.date) -> list[dict]:
    """The CLI's CSV of the rows (or of a cohort loaded once) flagged on `as_of`."""
    flagged = (rows if isinstance(rows, Cohort) else load_rows(rows)).flag(Config(), as_of)
    buffer = io.BytesIO()
    write_csv(export_relation(flagged), buffer, bom=False)
    return list(csv.DictReader(io.StringIO(buffer.getvalue().decode())))


@pytest.fixture(scope="module")
def exported() -> dict[dt.date, dict[str, dict]]:
    cohort = load_rows([_row(name) for name in COHORT])
    return {as_of: {row["student_id"]: row for row in _export(cohort, as_of)}
            for as_of in DATES}


@pytest.mark.parametrize(("student", "as_of"), list(EXPECTED), ids=lambda v: str(v))
def test_the_cycle_week_by_week(exported, student, as_of):
    row = exported[as_of][student]
    assert (row["cycle_status"], int(row["match_year"]), row["next_step_item"]) == (
        EXPECTED[(student, as_of)])


@pytest.mark.parametrize("as_of", DATES, ids=str)
def test_every_next_step_is_usable_and_on_strategy(exported, as_of):
    for row in exported[as_of].values():
        due, until = D.fromisoformat(row["next_step_due"]), D.fromisoformat(
            row["next_step_useful_until"])
        assert due >= as_of or until >= as_of, row["student_id"]
        assert until >= due, row["student_id"]
        if row["strategy"] == "general_surgery_first":
            assert row["next_step_item"] not in PLASTICS_ONLY, row["student_id"]
        if row["step2ck_score"] or row["step2ck_date"]:
            assert row["next_step_item"] != "step2_sitting", row["student_id"]


def test_the_spec_columns_lead_every_export(exported):
    first = next(iter(exported[DECEMBER].values()))
    assert list(first)[:13] == [
        "student_id", "name", "risk_level", "band", "strategy", "flags", "unknown",
        "cycle_status", "match_year", "next_step", "next_step_item", "next_step_due",
        "next_step_useful_until"]


def test_a_booked_exam_after_the_students_own_match_is_said(exported):
    row = exported[DECEMBER]["m3_booked_after_match"]
    assert row["next_step_item"] == "step2_reschedule"
    assert row["next_step"].startswith("Bring the booked Step 2 CK sitting forward")


def test_the_reference_says_which_rule_puts_each_sample_student_at_risk():
    assert sample_reasons_table() in REFERENCE.read_text(encoding="utf-8"), (
        "run `python -m dashboard.docs` and paste into docs/reference.md")


STAGES = ["M1", "M2", "M3", "M4", "graduate", None]
FIELD_VALUES = {
    "class_year": st.sampled_from([None, "2026", "2027", "2028", "2029", "2030"]),
    "stage": st.sampled_from(STAGES),
    "step1_result": st.sampled_from([None, "pass", "fail", "not taken"]),
    "step1_attempts": st.sampled_from([None, "1", "2", "3", "4"]),
    "step2ck_score": st.sampled_from([None, "200", "216", "230", "238", "246", "258"]),
    "step2ck_date": st.sampled_from([None, "2024-05-01", "2025-09-10", "2026-06-01",
                                     "2026-11-01", "2027-02-20", "2027-08-01", "2028-04-01"]),
    "us_plastics_lors": st.sampled_from([None, "0", "1", "2", "3"]),
    "surgery_lors": st.sampled_from([None, "0", "1"]),
    "publications": st.sampled_from([None, "0", "3", "12"]),
    "presentations": st.sampled_from([None, "0", "4"]),
    "us_plastics_subis": st.sampled_from([None, "0", "1", "2"]),
    "research_year": st.sampled_from([None, "yes", "no"]),
    "parallel_plan": st.sampled_from([None, "yes", "no"]),
}


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.fixed_dictionaries(FIELD_VALUES), min_size=1, max_size=12),
       as_of=st.dates(min_value=D(2025, 1, 1), max_value=D(2029, 12, 31)))
def test_no_next_step_is_past_its_use_or_off_the_strategy(rows, as_of):
    cohort = [{"student_id": f"S{index}", **row} for index, row in enumerate(rows)]
    for row in _export(cohort, as_of):
        due, until = D.fromisoformat(row["next_step_due"]), D.fromisoformat(
            row["next_step_useful_until"])
        assert due >= as_of or until >= as_of, row
        if row["strategy"] == "general_surgery_first":
            assert row["next_step_item"] not in PLASTICS_ONLY, row
        if row["step2ck_score"] or row["step2ck_date"]:
            assert row["next_step_item"] != "step2_sitting", row
        if row["cycle_status"] == "exams_due":
            assert row["next_step_item"] in {
                "step1_pass", "step1_confirm", "step1_retake", "step1_last_attempt",
                "step1_no_attempts",
                "step2_sitting", "step2_score", "step2_reschedule", "step2_retake"}, row
        if row["risk_level"] in ("high", "moderate") and row["cycle_status"] == "out_of_cycle":
            assert int(row["match_year"]) == int(row["cycle"]) + 1, row
