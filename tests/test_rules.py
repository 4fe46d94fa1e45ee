"""The rule table of the README, case by case: every threshold from both sides, every unknown
path, each stage's severity, the calendar. A cell of None leaves it blank; ABSENT drops the
column. Unless a case names its own date, rules are evaluated on conftest.AS_OF (1 Jul 2026,
before programs begin reviewing for the 2027 Match on 30 Sep 2026)."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from dashboard.config import Calendar, Config, Thresholds
from dashboard.reports import flag_prevalence
from dashboard.rules import RULE_IDS
from tests.conftest import AS_OF, flag_each, flag_rows

ABSENT = object()
BEFORE_REVIEW = dt.date(2026, 9, 29)
REVIEW_DAY = dt.date(2026, 9, 30)  # programs begin reviewing for the 2027 Match
AFTER_REVIEW = dt.date(2026, 10, 1)

# A final-year student of the class of 2027 for whom every rule is known and clear.
CLEAR_STUDENT = {
    "student_id": "S1",
    "class_year": "2027",
    "stage": "M4",
    "step1_result": "pass",
    "step1_attempts": "1",
    "step2ck_score": "250",
    "step2ck_date": "2026-06-01",
    "practice_scores": "250;252",
    "us_plastics_lors": "2",
    "surgery_lors": "1",
    "publications": "1",
    "presentations": "1",
    "us_plastics_subis": "1",
    "research_year": "no",
    "parallel_plan": "yes",
}


def student(**changes) -> dict:
    row = dict(CLEAR_STUDENT)
    for field, value in changes.items():
        if value is ABSENT:
            row.pop(field)
        else:
            row[field] = value
    return row


NO_SCORE = {"step2ck_score": None}

# (rule, changes to the clear student, expected state, date evaluated on)
RULE_CASES = [
    # STEP1_FAIL: step1_result = 'fail' OR COALESCE(step1_attempts, 1) >= 2
    ("STEP1_FAIL", {"step1_result": "fail"}, "critical"),
    ("STEP1_FAIL", {"step1_result": "Failed", "step1_attempts": None}, "critical"),
    ("STEP1_FAIL", {"step1_result": "F"}, "critical"),
    ("STEP1_FAIL", {"step1_result": "FAIL - retake 3/2026", "step1_attempts": "1"}, "critical"),
    ("STEP1_FAIL", {"step1_result": "Failed once", "step1_attempts": None}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "2.0"}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "1"}, "clear"),
    ("STEP1_FAIL", {"step1_attempts": None}, "clear"),
    ("STEP1_FAIL", {"step1_result": "Passed"}, "clear"),
    ("STEP1_FAIL", {"step1_result": "Passed (2025)"}, "clear"),
    ("STEP1_FAIL", {"step1_result": "P"}, "clear"),
    ("STEP1_FAIL", {"step1_result": "NT", "step1_attempts": "0"}, "clear"),
    ("STEP1_FAIL", {"step1_result": " scheduled ", "step1_attempts": None}, "clear"),
    ("STEP1_FAIL", {"step1_result": "pending", "step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": "1"}, "unknown"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": None}, "unknown"),
    ("STEP1_FAIL", {"step1_result": ABSENT, "step1_attempts": ABSENT}, "unknown"),
    ("STEP1_FAIL", {"step1_result": ABSENT, "step1_attempts": "1"}, "unknown"),
    ("STEP1_FAIL", {"step1_result": "maybe", "step1_attempts": None}, "unknown"),
    ("STEP1_FAIL", {"step1_result": "#N/A", "step1_attempts": "1"}, "unknown"),
    ("STEP1_FAIL", {"step1_result": "n/a", "step1_attempts": "1"}, "unknown"),
    ("STEP1_FAIL", {"step1_result": "pass", "step1_attempts": "-1"}, "clear"),
    # STEP1_NOT_TAKEN: clear before the clinical stage, unknown when the result is missing
    ("STEP1_NOT_TAKEN", {"step1_result": "not taken"}, "critical"),
    ("STEP1_NOT_TAKEN", {"step1_result": "Not taken yet"}, "critical"),
    ("STEP1_NOT_TAKEN", {"step1_result": "scheduled", "stage": "M3"}, "warning"),
    ("STEP1_NOT_TAKEN", {"step1_result": "NT", "stage": "applying"}, "critical"),
    ("STEP1_NOT_TAKEN", {"step1_result": "NT", "stage": None}, "critical"),
    ("STEP1_NOT_TAKEN", {"step1_result": "NT", "stage": "MS2"}, "clear"),
    ("STEP1_NOT_TAKEN", {"step1_result": None, "stage": "M1"}, "clear"),
    ("STEP1_NOT_TAKEN", {"step1_result": None}, "unknown"),
    ("STEP1_NOT_TAKEN", {"step1_result": None, "stage": "clinical"}, "unknown"),
    ("STEP1_NOT_TAKEN", {"step1_result": "pass"}, "clear"),
    ("STEP1_NOT_TAKEN", {"step1_result": "fail"}, "clear"),
    # STEP2_FAIL: under the passing score; a missing score is clear (STEP2_PENDING covers it)
    ("STEP2_FAIL", {"step2ck_score": "213"}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "214"}, "clear"),
    ("STEP2_FAIL", {"step2ck_score": None}, "clear"),
    ("STEP2_FAIL", {"step2ck_score": "abc"}, "clear"),
    # STEP2_LOW: reads only the score, so a missing score is clear
    ("STEP2_LOW", {"step2ck_score": "234"}, "critical"),
    ("STEP2_LOW", {"step2ck_score": "234.0"}, "critical"),
    ("STEP2_LOW", {"step2ck_score": "210"}, "critical"),
    ("STEP2_LOW", {"step2ck_score": "230 (unofficial)"}, "critical"),
    ("STEP2_LOW", {"step2ck_score": "235"}, "clear"),
    ("STEP2_LOW", {"step2ck_score": None}, "clear"),
    ("STEP2_LOW", {"step2ck_score": ABSENT}, "clear"),
    ("STEP2_LOW", {"step2ck_score": "999"}, "clear"),
    # STEP2_BELOW_TARGET
    ("STEP2_BELOW_TARGET", {"step2ck_score": "234"}, "clear"),
    ("STEP2_BELOW_TARGET", {"step2ck_score": "235"}, "warning"),
    ("STEP2_BELOW_TARGET", {"step2ck_score": "244"}, "warning"),
    ("STEP2_BELOW_TARGET", {"step2ck_score": "245"}, "clear"),
    ("STEP2_BELOW_TARGET", {"step2ck_score": None}, "clear"),
    # STEP2_PENDING: the latest sitting for the 2027 Match is 2 Sep 2026 (30 Sep - 28 days)
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-02"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "9/2/2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "9/2/26"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2-Sep-2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "Sep 2, 2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-03"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-29"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "not a date"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "0026-09-01"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": "2028", "step2ck_date": "10/15/27"},
     "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": "2028", "step2ck_date": "2027-08-01"},
     "clear"),
    ("STEP2_PENDING", {"step2ck_score": "240", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "M3"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "MS2", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": None, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": ABSENT, "step2ck_date": ABSENT}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "Reapplicant", "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "warning", BEFORE_REVIEW),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "critical", REVIEW_DAY),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-10-20"}, "critical", AFTER_REVIEW),
    # Without a class year the cycle is the next whose review date is on or after as-of.
    ("STEP2_PENDING", {**NO_SCORE, "class_year": None, "step2ck_date": "2026-09-03"},
     "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": None, "step2ck_date": "2026-12-01"},
     "clear", AFTER_REVIEW),
    # PRACTICE_LOW: only while there is no real score, and not before the clinical stage
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230;234"}, "warning"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230, 220 / 250"}, "warning"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230 220"}, "warning"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "NBME 10: 230 / UWSA1 228"}, "warning"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230;235"}, "clear"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230"}, "clear"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "230;abc"}, "clear"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "250;252;230;231;260"}, "warning"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": None}, "unknown"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": ABSENT}, "unknown"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": ";"}, "unknown"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": None, "stage": "M3"}, "unknown"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": None, "stage": "M1"}, "clear"),
    ("PRACTICE_LOW", {**NO_SCORE, "practice_scores": "200;200", "stage": "M2"}, "clear"),
    ("PRACTICE_LOW", {"step2ck_score": "250", "practice_scores": "200;200"}, "clear"),
    ("PRACTICE_LOW", {"step2ck_score": "250", "practice_scores": None}, "clear"),
    # US_PLASTICS_LORS_MISSING: with none in hand, a booked sub-I softens it until review opens
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "0"},
     "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "1"},
     "warning"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "1"},
     "warning", BEFORE_REVIEW),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "1"},
     "critical", REVIEW_DAY),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": None},
     "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1"}, "warning"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1", "us_plastics_subis": "0"},
     "warning", AFTER_REVIEW),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "2"}, "clear"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "2 letters"}, "clear"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "0",
                                  "stage": "applying"}, "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "0",
                                  "stage": None}, "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "stage": "M3"}, "info"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1", "stage": "M1"}, "info"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": None}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "-1"}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1.5"}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1 or 2"}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "2_0"}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": ABSENT}, "unknown"),
    # SURGERY_LOR_MISSING
    ("SURGERY_LOR_MISSING", {"surgery_lors": "0"}, "warning"),
    ("SURGERY_LOR_MISSING", {"surgery_lors": "0", "stage": "preclinical"}, "info"),
    ("SURGERY_LOR_MISSING", {"surgery_lors": "1"}, "clear"),
    ("SURGERY_LOR_MISSING", {"surgery_lors": None}, "unknown"),
    # NO_PLASTICS_RESEARCH: SQL three-valued AND
    ("NO_PLASTICS_RESEARCH", {"publications": "0", "presentations": "0"}, "warning"),
    ("NO_PLASTICS_RESEARCH", {"publications": "0", "presentations": "0", "stage": "M3"}, "info"),
    ("NO_PLASTICS_RESEARCH", {"publications": "1", "presentations": "0"}, "clear"),
    ("NO_PLASTICS_RESEARCH", {"publications": "0", "presentations": "1"}, "clear"),
    ("NO_PLASTICS_RESEARCH", {"publications": "0", "presentations": None}, "unknown"),
    ("NO_PLASTICS_RESEARCH", {"publications": "1", "presentations": None}, "clear"),
    ("NO_PLASTICS_RESEARCH", {"publications": None, "presentations": None}, "unknown"),
    ("NO_PLASTICS_RESEARCH", {"publications": "TBD", "presentations": "0"}, "unknown"),
    # NO_US_PLASTICS_SUBI
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "0"}, "warning"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "0", "stage": "clinical"}, "info"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "1"}, "clear"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": None}, "unknown"),
    # NO_PARALLEL_PLAN: critical beside a Step 1 fail or a low Step 2 CK in readiness stages
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "N"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "0"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "none"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "No backup"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step1_result": "fail"}, "critical"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step2ck_score": "234"}, "critical"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step2ck_score": "235"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step1_result": None,
                          "step1_attempts": None}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "stage": "M3"}, "info"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "stage": "M1", "step1_result": "fail"},
     "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "stage": "M3", "step2ck_score": "230"},
     "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "yes"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "X"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "TRUE"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "Gen Surg"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "General Surgery (categorical)"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "Prelim"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "Yes - GS"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": None}, "unknown"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "perhaps"}, "unknown"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "10"}, "unknown"),
]


def _case(entry):
    rule_id, changes, expected, *rest = entry
    return rule_id, changes, expected, (rest[0] if rest else AS_OF)


def test_clear_student_is_clear_everywhere():
    [row] = flag_rows([CLEAR_STUDENT])
    assert {rule_id: row[rule_id] for rule_id in RULE_IDS} == dict.fromkeys(RULE_IDS, "clear")
    assert (row["risk_level"], row["flags"], row["unknown"]) == ("low", "", "")


@pytest.fixture(scope="module")
def rule_case_results():
    results = [None] * len(RULE_CASES)
    by_date: dict[dt.date, list[int]] = {}
    for index, entry in enumerate(RULE_CASES):
        by_date.setdefault(_case(entry)[3], []).append(index)
    for as_of, indexes in by_date.items():
        rows = flag_each([student(**_case(RULE_CASES[i])[1]) for i in indexes], as_of=as_of)
        for index, row in zip(indexes, rows, strict=True):
            results[index] = row
    return results


@pytest.mark.parametrize(
    ("case", "rule_id", "expected"),
    [(index, entry[0], entry[2]) for index, entry in enumerate(RULE_CASES)],
    ids=[f"{entry[0]}-{index}" for index, entry in enumerate(RULE_CASES)],
)
def test_rule_state(rule_case_results, case, rule_id, expected):
    assert rule_case_results[case][rule_id] == expected


def test_every_rule_has_cases_for_each_of_its_states():
    seen = Counter((entry[0], "raised" if entry[2] not in ("clear", "unknown") else entry[2])
                   for entry in RULE_CASES)
    for rule_id in RULE_IDS:
        assert seen[(rule_id, "raised")] and seen[(rule_id, "clear")], rule_id
    always_known = {"STEP2_FAIL", "STEP2_LOW", "STEP2_BELOW_TARGET", "STEP2_PENDING"}
    for rule_id in set(RULE_IDS) - always_known:
        assert seen[(rule_id, "unknown")], rule_id


THRESHOLD_CASES = [
    ("STEP2_FAIL", {"step2_pass": 220}, {"step2ck_score": "219"}, "critical"),
    ("STEP2_FAIL", {"step2_pass": 220}, {"step2ck_score": "220"}, "clear"),
    ("STEP2_LOW", {"step2_low": 240}, {"step2ck_score": "239"}, "critical"),
    ("STEP2_LOW", {"step2_low": 240}, {"step2ck_score": "240"}, "clear"),
    ("STEP2_BELOW_TARGET", {"step2_target": 250}, {"step2ck_score": "249"}, "warning"),
    ("PRACTICE_LOW", {"practice_low_count": 1},
     {"step2ck_score": None, "practice_scores": "230"}, "warning"),
    ("PRACTICE_LOW", {"practice_low": 240},
     {"step2ck_score": None, "practice_scores": "238;239"}, "warning"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors_min": 3}, {"us_plastics_lors": "2"},
     "warning"),
    ("SURGERY_LOR_MISSING", {"surgery_lors_min": 2}, {"surgery_lors": "1"}, "warning"),
]


@pytest.mark.parametrize(("rule_id", "threshold", "changes", "expected"), THRESHOLD_CASES)
def test_rule_follows_threshold(rule_id, threshold, changes, expected):
    config = Config(Thresholds().changed(**threshold))
    [row] = flag_rows([student(**changes)], config)
    assert row[rule_id] == expected


CALENDAR_CASES = [
    # (calendar, changes, as_of, STEP2_PENDING)
    (Calendar(score_release_days=14), {"step2ck_date": "2026-09-16"}, AS_OF, "clear"),
    (Calendar(score_release_days=14), {"step2ck_date": "2026-09-17"}, AS_OF, "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 9, 15)),)), {"step2ck_date": "2026-09-02"},
     AS_OF, "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": "2026-09-17"},
     AS_OF, "clear"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": None},
     AFTER_REVIEW, "warning"),
]


@pytest.mark.parametrize(("calendar", "changes", "as_of", "expected"), CALENDAR_CASES)
def test_pending_follows_the_calendar(calendar, changes, as_of, expected):
    [row] = flag_rows([student(step2ck_score=None, **changes)], Config(calendar=calendar),
                      as_of=as_of)
    assert row["STEP2_PENDING"] == expected


CYCLE_CASES = [
    # (class_year, as_of, cycle, review opens, latest sitting)
    ("2027", AS_OF, 2027, dt.date(2026, 9, 30), dt.date(2026, 9, 2)),
    ("2026", AS_OF, 2026, dt.date(2025, 9, 24), dt.date(2025, 8, 27)),
    ("2028", AS_OF, 2028, dt.date(2027, 9, 29), dt.date(2027, 9, 1)),
    (None, AS_OF, 2027, dt.date(2026, 9, 30), dt.date(2026, 9, 2)),
    (None, REVIEW_DAY, 2027, dt.date(2026, 9, 30), dt.date(2026, 9, 2)),
    (None, AFTER_REVIEW, 2028, dt.date(2027, 9, 29), dt.date(2027, 9, 1)),
    (None, dt.date(2026, 12, 31), 2028, dt.date(2027, 9, 29), dt.date(2027, 9, 1)),
    (None, dt.date(2027, 1, 1), 2028, dt.date(2027, 9, 29), dt.date(2027, 9, 1)),
    ("Class of 2029", AS_OF, 2029, dt.date(2028, 9, 27), dt.date(2028, 8, 30)),
    ("1999", AS_OF, 2027, dt.date(2026, 9, 30), dt.date(2026, 9, 2)),
]


@pytest.mark.parametrize(("class_year", "as_of", "cycle", "opens", "latest"), CYCLE_CASES)
def test_cycle_and_review_date(class_year, as_of, cycle, opens, latest):
    [row] = flag_rows([student(class_year=class_year)], as_of=as_of)
    assert (row["cycle"], row["date_review_opens"], row["date_latest_sitting"]) == (
        cycle, opens, latest)


BAND_CASES = [
    ("255", "highly_competitive"),
    ("254", "competitive"),
    ("245", "competitive"),
    ("244", "borderline"),
    ("235", "borderline"),
    ("234", "low"),
    ("210", "low"),
    (None, "unknown"),
    ("abc", "unknown"),
]


def test_band():
    rows = flag_each([student(step2ck_score=score) for score, _ in BAND_CASES])
    assert [(score, row["band"]) for (score, _), row in zip(BAND_CASES, rows, strict=True)] \
        == BAND_CASES


STRONG = {"us_plastics_lors": "2", "publications": "1", "presentations": "1"}
WEAK_LETTERS = {"us_plastics_lors": "1", "publications": "3", "presentations": "0"}
WEAK_RESEARCH = {"us_plastics_lors": "3", "publications": "1", "presentations": "0"}
STEP1_UNKNOWN = {"step1_result": None, "step1_attempts": None}

STRATEGY_CASES = [
    ({"step2ck_score": None}, "pending"),
    ({"step2ck_score": None, "step1_result": "fail"}, "pending"),
    ({"step2ck_score": "250", **STRONG}, "aggressive_integrated"),
    ({"step2ck_score": "249", **STRONG}, "targeted_integrated"),
    ({"step2ck_score": "250", **WEAK_LETTERS}, "targeted_integrated"),
    ({"step2ck_score": "250", **WEAK_RESEARCH}, "targeted_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": "2", "publications": None,
      "presentations": "2"}, "aggressive_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": None, "publications": "2",
      "presentations": "2"}, "targeted_integrated"),
    ({"step2ck_score": "240", **WEAK_LETTERS}, "targeted_integrated"),
    ({"step2ck_score": "239", **STRONG}, "general_surgery_first"),
    ({"step2ck_score": "220", **STRONG}, "general_surgery_first"),
    ({"step2ck_score": "250", "step1_result": "fail", **STRONG}, "targeted_integrated"),
    ({"step2ck_score": "270", "step1_attempts": "2", **WEAK_LETTERS}, "general_surgery_first"),
    ({"step2ck_score": "249", "step1_result": "fail", **STRONG}, "general_surgery_first"),
    # An unknown Step 1 never earns the aggressive path.
    ({"step2ck_score": "260", **STEP1_UNKNOWN, **STRONG}, "targeted_integrated"),
    ({"step2ck_score": "260", "step1_result": "FAIL - retake 3/2026", **STRONG},
     "targeted_integrated"),
    ({"step2ck_score": "260", "step1_result": "#N/A", "step1_attempts": "1", **STRONG},
     "targeted_integrated"),
    ({"step2ck_score": "239", **STEP1_UNKNOWN, **STRONG}, "general_surgery_first"),
]


def test_strategy():
    rows = flag_each([student(**changes) for changes, _ in STRATEGY_CASES])
    got = [(changes, row["strategy"]) for (changes, _), row in
           zip(STRATEGY_CASES, rows, strict=True)]
    assert got == STRATEGY_CASES


def test_strategy_thresholds_are_parameters():
    config = Config(Thresholds().changed(aggressive_min=260, step2_highly_competitive=265))
    [row] = flag_rows([student(step2ck_score="255", **STRONG)], config)
    assert row["strategy"] == "targeted_integrated"


RISK_CASES = [
    ({}, "low"),
    ({"step2ck_score": "240"}, "moderate"),
    ({"us_plastics_lors": "0", "us_plastics_subis": "0"}, "high"),
    # Letters not in hand yet but a sub-I booked, before review opens: a warning, not critical.
    ({"us_plastics_lors": "0", "us_plastics_subis": "2"}, "moderate"),
    # Info-level flags (outside the readiness stages) do not raise the risk level.
    ({"stage": "M1", "us_plastics_lors": "0", "publications": "0", "presentations": "0"}, "low"),
    ({"stage": "M1", "us_plastics_lors": "0", "parallel_plan": "no"}, "low"),
    ({"stage": "M3", "parallel_plan": "no", "step1_result": "fail"}, "high"),
    # The headline checks that could not run: never low.
    (STEP1_UNKNOWN, "needs_data"),
    ({"step1_result": "maybe"}, "needs_data"),
    ({"step1_result": None, "step1_attempts": "1"}, "needs_data"),
    ({"us_plastics_lors": None}, "needs_data"),
    ({"us_plastics_lors": "#N/A"}, "needs_data"),
    ({"us_plastics_lors": None, "stage": None}, "needs_data"),
    ({"us_plastics_lors": None, "stage": "M3"}, "low"),
    ({**STEP1_UNKNOWN, "stage": "M1"}, "needs_data"),
    ({**STEP1_UNKNOWN, "step2ck_score": "240"}, "moderate"),
    ({"us_plastics_lors": None, "step2ck_score": "230"}, "high"),
    # Unknowns that are not headline checks leave the risk level as it is.
    ({"parallel_plan": None, "surgery_lors": None, "publications": None}, "low"),
]


def test_risk_level():
    rows = flag_each([student(**changes) for changes, _ in RISK_CASES])
    got = [(changes, row["risk_level"]) for (changes, _), row in
           zip(RISK_CASES, rows, strict=True)]
    assert got == RISK_CASES


def test_flags_and_unknown_follow_catalogue_order():
    [row] = flag_rows([student(
        parallel_plan="no", step1_result="fail", us_plastics_subis=None, surgery_lors="0",
        step2ck_score="210", publications=None, presentations=None,
    )])
    assert row["flags"] == "STEP1_FAIL;STEP2_FAIL;STEP2_LOW;SURGERY_LOR_MISSING;NO_PARALLEL_PLAN"
    assert row["unknown"] == "NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI"
    assert row["risk_level"] == "high"
    assert row["recommendations"].split("; ")[0].startswith("Let a strong Step 2 CK")


def test_only_student_id_makes_every_dependent_rule_unknown():
    [row] = flag_rows([{"student_id": "S9"}])
    assert row["unknown"] == (
        "STEP1_FAIL;STEP1_NOT_TAKEN;PRACTICE_LOW;US_PLASTICS_LORS_MISSING;SURGERY_LOR_MISSING;"
        "NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI;NO_PARALLEL_PLAN"
    )
    # A missing stage counts as a readiness stage, so a missing score is pending.
    assert row["flags"] == "STEP2_PENDING"
    assert (row["band"], row["strategy"], row["risk_level"]) == ("unknown", "pending", "moderate")
    # Without a class year the cycle is always the next one, so review has not opened yet.
    [row] = flag_rows([{"student_id": "S9"}], as_of=AFTER_REVIEW)
    assert (row["cycle"], row["STEP2_PENDING"]) == (2028, "warning")
    [row] = flag_rows([{"student_id": "S9", "class_year": "2027"}], as_of=AFTER_REVIEW)
    assert (row["STEP2_PENDING"], row["risk_level"]) == ("critical", "high")


def test_flag_prevalence_counts_every_state_but_clear(sample_cohort, sample_flagged):
    flagged = sample_cohort.flag(Config(), AS_OF, materialise=True)
    frame = flag_prevalence(flagged)
    counted = Counter((rule_id, row[rule_id]) for row in sample_flagged for rule_id in RULE_IDS
                      if row[rule_id] != "clear")
    shown = {(rule_id, state): count for rule_id, state, count in
             frame[["rule_id", "state", "count_students"]].itertuples(index=False)}
    assert shown == counted
    assert list(dict.fromkeys(frame["rule_id"])) == [
        rule_id for rule_id in RULE_IDS if any(key[0] == rule_id for key in counted)]


def test_counts_and_raised_ids_agree_with_the_rule_columns(sample_flagged):
    for row in sample_flagged:
        states = [row[rule_id] for rule_id in RULE_IDS]
        assert row["count_critical"] == states.count("critical")
        assert row["count_warning"] == states.count("warning")
        assert row["count_info"] == states.count("info")
        assert row["count_unknown"] == states.count("unknown")
        assert row["flags"] == ";".join(
            r for r in RULE_IDS if row[r] in ("critical", "warning", "info"))
        assert row["unknown"] == ";".join(r for r in RULE_IDS if row[r] == "unknown")


def test_no_student_whose_headline_checks_failed_to_run_reads_as_low(sample_flagged):
    for row in sample_flagged:
        if row["STEP1_FAIL"] == "unknown" or (
                row["US_PLASTICS_LORS_MISSING"] == "unknown" and row["is_ready_stage"]):
            assert row["risk_level"] != "low", row["student_id"]
