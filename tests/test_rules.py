"""The rule table of the README, case by case: every threshold from both sides, every unknown
path, each stage's severity, the calendar. A cell of None leaves it blank; ABSENT drops the
column. Unless a case names its own date, rules are evaluated on conftest.AS_OF (1 Jul 2026,
before the first review for the 2027 Match: the PSCA release, estimated at ERAS review (30 Sep
2026) less 9 days, 21 Sep 2026). Dates of the 2027 Match by the default rules: latest sitting
whose score reaches the first review 24 Aug 2026, rank order list deadline 3 Mar 2027, exam
deadline (rank list less 28 days) 3 Feb 2027, Match Day 19 Mar 2027."""

from __future__ import annotations

import datetime as dt
from collections import Counter

import pytest

from dashboard.config import Calendar, Config, ConfigError, Thresholds, config_from_document
from dashboard.reports import flag_prevalence
from dashboard.rules import RULE_IDS, RULES_BY_ID
from tests.conftest import AS_OF, flag_each, flag_rows

ABSENT = object()
# v3: "review opens" is the first review, the PSCA release (estimated: ERAS review on 30 Sep
# 2026 less 9 days), not ERAS review itself.
BEFORE_REVIEW = dt.date(2026, 9, 20)
REVIEW_DAY = dt.date(2026, 9, 21)  # the first review for the 2027 Match
AFTER_REVIEW = dt.date(2026, 9, 22)
ERAS_REVIEW_DAY = dt.date(2026, 9, 30)
EXAM_DEADLINE = dt.date(2027, 2, 3)  # 2027 rank order list deadline (3 Mar) less 28 days
MATCH_DAY = dt.date(2027, 3, 19)

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
    # STEP1_ATTEMPTS_LIMIT (v3): step1_attempts >= 3 AND step1_result <> 'pass'
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "fail", "step1_attempts": "2"}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "fail", "step1_attempts": "3"}, "critical"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "fail", "step1_attempts": "4"}, "critical"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "not taken", "step1_attempts": "3"}, "critical"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "pass", "step1_attempts": "2"}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "pass", "step1_attempts": "3"}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "pass", "step1_attempts": "4"}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": None, "step1_attempts": "2"}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": None, "step1_attempts": "3"}, "unknown"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": None, "step1_attempts": "4"}, "unknown"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "pass", "step1_attempts": None}, "clear"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "fail", "step1_attempts": None}, "unknown"),
    ("STEP1_ATTEMPTS_LIMIT", {"step1_result": "fail", "step1_attempts": "3", "stage": "M2"},
     "critical"),
    # EXAMS_MISS_MATCH (v3): readiness stage and cycle_status out_of_cycle; the exam deadline
    # for the 2027 Match is 3 Feb 2027.
    ("EXAMS_MISS_MATCH", {}, "clear", dt.date(2027, 2, 4)),
    ("EXAMS_MISS_MATCH", {**NO_SCORE, "step2ck_date": None}, "clear", EXAM_DEADLINE),
    ("EXAMS_MISS_MATCH", {**NO_SCORE, "step2ck_date": None}, "critical", dt.date(2027, 2, 4)),
    ("EXAMS_MISS_MATCH", {"step1_result": "not taken"}, "clear", EXAM_DEADLINE),
    ("EXAMS_MISS_MATCH", {"step1_result": "not taken"}, "critical", dt.date(2027, 2, 4)),
    ("EXAMS_MISS_MATCH", {"step1_result": None, "step1_attempts": None}, "unknown",
     dt.date(2027, 2, 4)),
    ("EXAMS_MISS_MATCH", {**NO_SCORE, "step2ck_date": None, "stage": "M3"}, "clear",
     dt.date(2027, 2, 4)),
    # STEP2_FAIL: under the passing score; a missing score is clear (STEP2_PENDING covers it)
    # v3: the mark in force on the exam date (2026-06-01) is 218, so 214 is now a fail.
    ("STEP2_FAIL", {"step2ck_score": "213"}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "214"}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "217"}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "218"}, "clear"),
    # The 213/214 boundary, on an exam dated while 214 was the mark.
    ("STEP2_FAIL", {"step2ck_score": "213", "step2ck_date": "2025-06-30"}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "214", "step2ck_date": "2025-06-30"}, "clear"),
    # No exam date: under the lowest mark raised, at the mark in force today clear, else unknown.
    ("STEP2_FAIL", {"step2ck_score": "208", "step2ck_date": None}, "critical"),
    ("STEP2_FAIL", {"step2ck_score": "214", "step2ck_date": None}, "unknown"),
    ("STEP2_FAIL", {"step2ck_score": "218", "step2ck_date": None}, "clear"),
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
    # STEP2_PENDING: the latest sitting for the 2027 Match is 24 Aug 2026 (v3: the first
    # review, 21 Sep 2026 by the estimated PSCA release, less 28 days; it was 2 Sep in v2)
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-08-24"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "8/24/2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "8/24/26"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "24-Aug-2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "Aug 24, 2026"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-08-25"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-02"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-03"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-29"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "not a date"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "0026-09-01"}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": "2028", "step2ck_date": "10/15/27"},
     "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": "2028", "step2ck_date": "2027-08-23"},
     "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": "2028", "step2ck_date": "2027-08-24"},
     "warning"),
    ("STEP2_PENDING", {"step2ck_score": "240", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "M3"}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "MS2", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": None, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": ABSENT, "step2ck_date": ABSENT}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "stage": "Reapplicant", "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "warning", BEFORE_REVIEW),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "critical", REVIEW_DAY),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-10-20"}, "critical", AFTER_REVIEW),
    # v3: critical from the PSCA release, before ERAS review opens.
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": None}, "critical",
     dt.date(2026, 9, 29)),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-10"}, "warning", BEFORE_REVIEW),
    ("STEP2_PENDING", {**NO_SCORE, "step2ck_date": "2026-09-10"}, "critical", REVIEW_DAY),
    # Without a class year an applicant belongs to the Match under way until its rank order
    # list deadline (v3: in the autumn that is still the 2027 Match, so a sitting in December
    # is too late and critical once review has opened; in v2 it was the 2028 Match, clear).
    ("STEP2_PENDING", {**NO_SCORE, "class_year": None, "step2ck_date": "2026-09-03"},
     "warning"),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": None, "step2ck_date": "2026-12-01"},
     "critical", AFTER_REVIEW),
    ("STEP2_PENDING", {**NO_SCORE, "class_year": None, "step2ck_date": "2027-08-23"},
     "clear", dt.date(2027, 3, 4)),
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
    # v3: review opens at the PSCA release (21 Sep), before ERAS review (30 Sep).
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "us_plastics_subis": "1"},
     "critical", dt.date(2026, 9, 29)),
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
    cases = [_case(entry) for entry in RULE_CASES]
    return flag_each([student(**case[1]) for case in cases], as_of=[case[3] for case in cases])


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
    # v3: STEP2_FAIL can be unknown (a score with no exam date between the marks).
    always_known = {"STEP2_LOW", "STEP2_BELOW_TARGET", "STEP2_PENDING"}
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
    # v3: the first review is the estimated PSCA release, 21 Sep 2026 (it was 30 Sep in v2),
    # so with 14 days to a score the latest sitting is 7 Sep 2026.
    (Calendar(score_release_days=14), {"step2ck_date": "2026-09-07"}, AS_OF, "clear"),
    (Calendar(score_release_days=14), {"step2ck_date": "2026-09-08"}, AS_OF, "warning"),
    # ERAS review configured on 15 Sep: the PSCA, 9 days before, on 6 Sep; latest 9 Aug.
    (Calendar(review_opens=((2027, dt.date(2026, 9, 15)),)), {"step2ck_date": "2026-09-02"},
     AS_OF, "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 9, 15)),)), {"step2ck_date": "2026-08-09"},
     AS_OF, "clear"),
    (Calendar(review_opens=((2027, dt.date(2026, 9, 15)),)), {"step2ck_date": "2026-08-10"},
     AS_OF, "warning"),
    # ERAS review configured on 15 Oct: the PSCA on 6 Oct, latest sitting 8 Sep (v3; the
    # 17 Sep sitting that was in time in v2 is now too late).
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": "2026-09-17"},
     AS_OF, "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": "2026-09-08"},
     AS_OF, "clear"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": None},
     AFTER_REVIEW, "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": None},
     dt.date(2026, 10, 5), "warning"),
    (Calendar(review_opens=((2027, dt.date(2026, 10, 15)),)), {"step2ck_date": None},
     dt.date(2026, 10, 6), "critical"),
    # A configured PSCA release: the first review is the earlier of it and ERAS review.
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 9, 30)),)),
     {"step2ck_date": "2026-09-02"}, AS_OF, "clear"),
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 9, 30)),)),
     {"step2ck_date": "2026-09-03"}, AS_OF, "warning"),
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 10, 9)),)),
     {"step2ck_date": "2026-09-02"}, AS_OF, "clear"),
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 9, 14)),)),
     {"step2ck_date": "2026-08-17"}, AS_OF, "clear"),
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 9, 14)),)),
     {"step2ck_date": "2026-08-18"}, AS_OF, "warning"),
    (Calendar(milestones=(("psca_release", 2027, dt.date(2026, 9, 14)),)),
     {"step2ck_date": None}, dt.date(2026, 9, 14), "critical"),
]


@pytest.mark.parametrize(("calendar", "changes", "as_of", "expected"), CALENDAR_CASES)
def test_pending_follows_the_calendar(calendar, changes, as_of, expected):
    [row] = flag_rows([student(step2ck_score=None, **changes)], Config(calendar=calendar),
                      as_of=as_of)
    assert row["STEP2_PENDING"] == expected


CYCLE_CASES = [
    # (changes, as_of, cycle, first review, latest sitting)
    # v3: the first review is the estimated PSCA release (ERAS review less 9 days), so every
    # latest sitting is 9 days earlier than in v2.
    ({"class_year": "2027"}, AS_OF, 2027, dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    ({"class_year": "2026"}, AS_OF, 2026, dt.date(2025, 9, 15), dt.date(2025, 8, 18)),
    ({"class_year": "2028"}, AS_OF, 2028, dt.date(2027, 9, 20), dt.date(2027, 8, 23)),
    ({"class_year": "Class of 2029"}, AS_OF, 2029, dt.date(2028, 9, 18), dt.date(2028, 8, 21)),
    ({"class_year": "1999"}, AS_OF, 2027, dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    # Without a class year, a final-year or applying student belongs to the Match under way
    # until its rank order list deadline (3 Mar 2027): v3 (v2 moved on when review opened).
    ({"class_year": None}, AS_OF, 2027, dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    ({"class_year": None}, REVIEW_DAY, 2027, dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    ({"class_year": None}, AFTER_REVIEW, 2027, dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    ({"class_year": None}, dt.date(2026, 12, 15), 2027, dt.date(2026, 9, 21),
     dt.date(2026, 8, 24)),
    ({"class_year": None, "stage": "applying"}, dt.date(2026, 12, 15), 2027,
     dt.date(2026, 9, 21), dt.date(2026, 8, 24)),
    ({"class_year": None}, dt.date(2027, 1, 1), 2027, dt.date(2026, 9, 21),
     dt.date(2026, 8, 24)),
    ({"class_year": None}, dt.date(2027, 3, 3), 2027, dt.date(2026, 9, 21),
     dt.date(2026, 8, 24)),
    ({"class_year": None}, dt.date(2027, 3, 4), 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
    # Any other stage, or none: the first Match whose first review is on or after as-of.
    ({"class_year": None, "stage": "M3"}, REVIEW_DAY, 2027, dt.date(2026, 9, 21),
     dt.date(2026, 8, 24)),
    ({"class_year": None, "stage": "M3"}, AFTER_REVIEW, 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
    ({"class_year": None, "stage": "M3"}, dt.date(2026, 12, 15), 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
    ({"class_year": None, "stage": "M1"}, dt.date(2026, 12, 15), 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
    ({"class_year": None, "stage": None}, REVIEW_DAY, 2027, dt.date(2026, 9, 21),
     dt.date(2026, 8, 24)),
    ({"class_year": None, "stage": None}, AFTER_REVIEW, 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
    ({"class_year": None, "stage": None}, dt.date(2026, 12, 15), 2028, dt.date(2027, 9, 20),
     dt.date(2027, 8, 23)),
]


@pytest.mark.parametrize(("changes", "as_of", "cycle", "first_review", "latest"), CYCLE_CASES)
def test_cycle_and_review_date(changes, as_of, cycle, first_review, latest):
    [row] = flag_rows([student(**changes)], as_of=as_of)
    assert (row["cycle"], row["date_first_review"], row["date_latest_sitting"]) == (
        cycle, first_review, latest)
    # ERAS review itself is the last Wednesday of September; the PSCA comes 9 days before.
    assert row["date_review_opens"] - row["date_first_review"] == dt.timedelta(days=9)


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


# v3: a strong profile needs a US plastics sub-I and 15 research items (publications plus
# presentations), besides the letters; v2 took 2 letters and any research.
STRONG = {"us_plastics_lors": "2", "publications": "10", "presentations": "5",
          "us_plastics_subis": "1"}
WEAK_LETTERS = {"us_plastics_lors": "1", "publications": "15", "presentations": "0",
                "us_plastics_subis": "1"}
WEAK_RESEARCH = {"us_plastics_lors": "3", "publications": "14", "presentations": "0",
                 "us_plastics_subis": "1"}
NO_SUBI = {**STRONG, "us_plastics_subis": "0"}
STEP1_UNKNOWN = {"step1_result": None, "step1_attempts": None}

STRATEGY_CASES = [
    ({"step2ck_score": None}, "pending"),
    ({"step2ck_score": None, "step1_result": "fail"}, "pending"),
    ({"step2ck_score": "250", **STRONG}, "aggressive_integrated"),
    ({"step2ck_score": "249", **STRONG}, "targeted_integrated"),
    ({"step2ck_score": "250", **WEAK_LETTERS}, "targeted_integrated"),
    ({"step2ck_score": "250", **WEAK_RESEARCH}, "targeted_integrated"),
    # v3: a sub-I and 15 research items; missing counts are taken as 0.
    ({"step2ck_score": "250", **NO_SUBI}, "targeted_integrated"),
    ({"step2ck_score": "250", **STRONG, "us_plastics_subis": None}, "targeted_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": "2", "publications": "1",
      "presentations": "1", "us_plastics_subis": "1"}, "targeted_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": "2", "publications": None,
      "presentations": "15", "us_plastics_subis": "1"}, "aggressive_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": "2", "publications": None,
      "presentations": "14", "us_plastics_subis": "1"}, "targeted_integrated"),
    ({"step2ck_score": "250", "us_plastics_lors": None, "publications": "10",
      "presentations": "10", "us_plastics_subis": "1"}, "targeted_integrated"),
    ({"step2ck_score": "240", **WEAK_LETTERS}, "targeted_integrated"),
    ({"step2ck_score": "239", **STRONG}, "general_surgery_first"),
    ({"step2ck_score": "220", **STRONG}, "general_surgery_first"),
    ({"step2ck_score": "250", "step1_result": "fail", **STRONG}, "targeted_integrated"),
    ({"step2ck_score": "270", "step1_attempts": "2", **WEAK_LETTERS}, "general_surgery_first"),
    ({"step2ck_score": "270", "step1_attempts": "2", **WEAK_RESEARCH},
     "general_surgery_first"),
    ({"step2ck_score": "270", "step1_attempts": "2", **NO_SUBI}, "general_surgery_first"),
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
    config = Config(Thresholds().changed(strong_research_min=2))
    [row] = flag_rows([student(step2ck_score="255", us_plastics_lors="2", publications="1",
                               presentations="1", us_plastics_subis="1")], config)
    assert row["strategy"] == "aggressive_integrated"


STRONG_PROFILE_CASES = [
    # (changes, is_strong_profile): letters >= 2, a sub-I, publications + presentations >= 15
    (STRONG, True),
    ({**STRONG, "publications": "10", "presentations": "4"}, False),  # 14 items
    ({**STRONG, "publications": "15", "presentations": "0"}, True),
    ({**STRONG, "publications": "0", "presentations": "15"}, True),
    ({**STRONG, "publications": "14", "presentations": None}, False),
    ({**STRONG, "publications": None, "presentations": "15"}, True),
    (NO_SUBI, False),
    ({**STRONG, "us_plastics_subis": None}, False),
    ({**STRONG, "us_plastics_subis": "2"}, True),
    ({**STRONG, "us_plastics_lors": "1"}, False),
    ({**STRONG, "us_plastics_lors": None}, False),
    (CLEAR_STUDENT, False),  # 2 letters, a sub-I, 2 research items: strong in v2, not in v3
]


def test_strong_profile():
    rows = flag_each([student(**changes) for changes, _ in STRONG_PROFILE_CASES])
    got = [(changes, row["is_strong_profile"]) for (changes, _), row in
           zip(STRONG_PROFILE_CASES, rows, strict=True)]
    assert got == STRONG_PROFILE_CASES


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
    ({"surgery_lors": None, "publications": None}, "low"),
    # v3: a blank backup plan is needs data in the readiness stages (it was low in v2) ...
    ({"parallel_plan": None, "surgery_lors": None, "publications": None}, "needs_data"),
    ({"parallel_plan": None}, "needs_data"),
    ({"parallel_plan": "perhaps", "stage": "applying"}, "needs_data"),
    ({"parallel_plan": None, "stage": None}, "needs_data"),
    # ... but not before them.
    ({"parallel_plan": None, "stage": "M3"}, "low"),
    ({"parallel_plan": None, "stage": "M1"}, "low"),
    ({"parallel_plan": None, "step2ck_score": "240"}, "moderate"),
    # STEP1_ATTEMPTS_LIMIT and EXAMS_MISS_MATCH are critical.
    ({"step1_result": "fail", "step1_attempts": "3"}, "high"),
    ({"step1_result": None, "step1_attempts": "3"}, "high"),  # STEP1_FAIL: attempts >= 2
]


def test_risk_level():
    rows = flag_each([student(**changes) for changes, _ in RISK_CASES])
    got = [(changes, row["risk_level"]) for (changes, _), row in
           zip(RISK_CASES, rows, strict=True)]
    assert got == RISK_CASES


# (changes, as_of, risk level): the needs-data gate of an unknown Step 1 in the preclinical
# stage opens on 1 July of the cycle's year less two (v3).
NEEDS_DATA_CASES = [
    ({**STEP1_UNKNOWN, "stage": "M1", "class_year": "2029"}, dt.date(2027, 6, 30), "low"),
    ({**STEP1_UNKNOWN, "stage": "M1", "class_year": "2029"}, dt.date(2027, 7, 1), "needs_data"),
    ({**STEP1_UNKNOWN, "stage": "M2", "class_year": "2029"}, dt.date(2026, 7, 1), "low"),
    ({"step1_result": "maybe", "stage": "M2", "class_year": "2029"}, dt.date(2027, 6, 30),
     "low"),
    ({"step1_result": "maybe", "stage": "M2", "class_year": "2029"}, dt.date(2027, 7, 1),
     "needs_data"),
    # The clinical stage and the readiness stages: needs data whatever the date.
    ({**STEP1_UNKNOWN, "stage": "M3", "class_year": "2029"}, dt.date(2026, 7, 1), "needs_data"),
    ({**STEP1_UNKNOWN, "stage": "M4", "class_year": "2029"}, dt.date(2026, 7, 1), "needs_data"),
    ({**STEP1_UNKNOWN, "stage": None, "class_year": "2029"}, dt.date(2026, 7, 1), "needs_data"),
    # A known Step 1 needs nothing, whatever the date.
    ({"stage": "M1", "class_year": "2029"}, dt.date(2027, 7, 1), "low"),
    # The backup plan: unknown counts in the readiness stages only.
    ({"parallel_plan": None, "stage": "M4"}, dt.date(2026, 7, 1), "needs_data"),
    ({"parallel_plan": None, "stage": "M3", "class_year": "2028"}, dt.date(2027, 7, 1), "low"),
]


@pytest.mark.parametrize(("changes", "as_of", "expected"), NEEDS_DATA_CASES)
def test_needs_data_gates(changes, as_of, expected):
    [row] = flag_rows([student(**changes)], as_of=as_of)
    assert row["risk_level"] == expected


def test_flags_and_unknown_follow_catalogue_order():
    [row] = flag_rows([student(
        parallel_plan="no", step1_result="fail", us_plastics_subis=None, surgery_lors="0",
        step2ck_score="210", publications=None, presentations=None,
    )])
    assert row["flags"] == "STEP1_FAIL;STEP2_FAIL;STEP2_LOW;SURGERY_LOR_MISSING;NO_PARALLEL_PLAN"
    assert row["unknown"] == "NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI"
    assert row["risk_level"] == "high"
    # The first recommendation is STEP1_FAIL's, in the words for the student's case.
    assert row["recommendations"].startswith(RULES_BY_ID["STEP1_FAIL"].advice_for(row).action)
    # v3 rules take their places in the catalogue's order.
    [row] = flag_rows([student(step1_result="fail", step1_attempts="3", step2ck_score=None,
                               step2ck_date=None, parallel_plan="no")],
                      as_of=dt.date(2027, 2, 4))
    assert row["flags"] == (
        "STEP1_FAIL;STEP1_ATTEMPTS_LIMIT;EXAMS_MISS_MATCH;STEP2_PENDING;NO_PARALLEL_PLAN")


def test_only_student_id_makes_every_dependent_rule_unknown():
    [row] = flag_rows([{"student_id": "S9"}])
    # v3: STEP1_ATTEMPTS_LIMIT is unknown without attempts or a result (SQL three-valued
    # logic); EXAMS_MISS_MATCH is clear, since every missing pass can still be on file.
    assert row["unknown"] == (
        "STEP1_FAIL;STEP1_NOT_TAKEN;STEP1_ATTEMPTS_LIMIT;PRACTICE_LOW;US_PLASTICS_LORS_MISSING;"
        "SURGERY_LOR_MISSING;NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI;NO_PARALLEL_PLAN"
    )
    assert (row["EXAMS_MISS_MATCH"], row["cycle_status"]) == ("clear", "exams_due")
    # A missing stage counts as a readiness stage, so a missing score is pending.
    assert row["flags"] == "STEP2_PENDING"
    assert (row["band"], row["strategy"], row["risk_level"]) == ("unknown", "pending", "moderate")
    # Without a class year or a stage the cycle is the next Match whose first review is on or
    # after as-of (SPEC 3: "for every other stage, or no stage"), so review has not opened.
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


# --- SPEC v3: the Step 2 CK pass mark in force on the exam date --------------------------

PASS_MARK_CASES = [
    # (score, exam date, as_of, STEP2_FAIL): 209 from 2014-07-01, 214 from 2022-07-01, 218
    # from 2025-07-01.
    ("216", "2025-06-30", AS_OF, "clear"),
    ("216", "2025-07-01", AS_OF, "critical"),
    ("216", "6/30/2025", AS_OF, "clear"),
    ("216", "7/1/2025", AS_OF, "critical"),
    ("217", "2025-07-01", AS_OF, "critical"),
    ("218", "2025-07-01", AS_OF, "clear"),
    ("213", "2025-06-30", AS_OF, "critical"),
    ("214", "2025-06-30", AS_OF, "clear"),
    ("212", "2022-06-30", AS_OF, "clear"),
    ("212", "2022-07-01", AS_OF, "critical"),
    ("213", "2022-07-01", AS_OF, "critical"),
    ("214", "2022-07-01", AS_OF, "clear"),
    ("208", "2014-07-01", AS_OF, "critical"),
    ("209", "2014-07-01", AS_OF, "clear"),
    ("209", "2022-06-30", AS_OF, "clear"),
    # An exam dated in the future (booked, score entered by mistake) reads the mark of its date.
    ("217", "2026-09-01", AS_OF, "critical"),
    # No exam date: under the lowest mark of the schedule raised; at or above the mark in force
    # on the as-of date clear; between them unknown.
    ("208", None, AS_OF, "critical"),
    ("209", None, AS_OF, "unknown"),
    ("214", None, AS_OF, "unknown"),
    ("217", None, AS_OF, "unknown"),
    ("218", None, AS_OF, "clear"),
    ("250", None, AS_OF, "clear"),
    ("208", "not a date", AS_OF, "critical"),
    ("217", "not a date", AS_OF, "unknown"),
    # ... the mark in force on the as-of date: 214 on 30 Jun 2025, 218 from 1 Jul 2025.
    ("214", None, dt.date(2025, 6, 30), "clear"),
    ("213", None, dt.date(2025, 6, 30), "unknown"),
    ("217", None, dt.date(2025, 6, 30), "clear"),
    ("217", None, dt.date(2025, 7, 1), "unknown"),
    ("209", None, dt.date(2022, 6, 30), "clear"),
    ("209", None, dt.date(2022, 7, 1), "unknown"),
    # No score: clear (STEP2_PENDING covers it).
    (None, None, AS_OF, "clear"),
    (None, "2025-07-01", AS_OF, "clear"),
]


@pytest.mark.parametrize(("score", "exam_date", "as_of", "expected"), PASS_MARK_CASES)
def test_step2_pass_mark_by_exam_date(score, exam_date, as_of, expected):
    [row] = flag_rows([student(step2ck_score=score, step2ck_date=exam_date)], as_of=as_of)
    assert row["STEP2_FAIL"] == expected


PASS_CONFIG_CASES = [
    # (step2_pass setting, score, exam date, STEP2_FAIL)
    (220, "219", "2020-01-01", "critical"),  # a plain number: one mark for every date
    (220, "220", None, "clear"),
    (220, "219", None, "critical"),
    ({"2014-07-01": 209, "2026-01-01": 225}, "224", "2026-01-01", "critical"),
    ({"2014-07-01": 209, "2026-01-01": 225}, "224", "2025-12-31", "clear"),
    ({"2014-07-01": 209, "2026-01-01": 225}, "224", None, "unknown"),
    ({"2014-07-01": 209, "2026-01-01": 225}, "225", None, "clear"),
]


@pytest.mark.parametrize(("step2_pass", "score", "exam_date", "expected"), PASS_CONFIG_CASES)
def test_step2_pass_mark_follows_the_configured_schedule(step2_pass, score, exam_date,
                                                         expected):
    config = config_from_document({"thresholds": {"step2_pass": step2_pass}})
    [row] = flag_rows([student(step2ck_score=score, step2ck_date=exam_date)], config)
    assert row["STEP2_FAIL"] == expected


def test_the_default_pass_schedule_and_its_order_checks():
    assert Thresholds().step2_pass == (
        (dt.date(2014, 7, 1), 209), (dt.date(2022, 7, 1), 214), (dt.date(2025, 7, 1), 218))
    with pytest.raises(ConfigError, match="out of order"):
        config_from_document({"thresholds": {"step2_pass": {"2025-07-01": 236}}})
    with pytest.raises(ConfigError, match="out of order"):
        config_from_document({"thresholds": {"step2_pass": 236}})


# --- SPEC v3: cycle_status, match_year and the exam deadline -------------------------------

AWAITED = {**NO_SCORE, "step2ck_date": "2027-02-03"}  # a sitting on the exam deadline
CYCLE_STATUS_CASES = [
    # (changes, as_of, cycle_status, match_year, EXAMS_MISS_MATCH); for the 2027 Match the
    # exam deadline is 3 Feb 2027 (rank list 3 Mar less 28 days), Match Day 19 Mar 2027.
    ({}, AS_OF, "ready", 2027, "clear"),
    ({}, dt.date(2027, 2, 4), "ready", 2027, "clear"),
    ({}, MATCH_DAY, "ready", 2027, "clear"),
    ({"step2ck_score": "216", "step2ck_date": "2025-06-30"}, AS_OF, "ready", 2027, "clear"),
    # A pass missing, while it can still be on file: as-of on the exam deadline, or after it.
    ({**NO_SCORE, "step2ck_date": None}, AS_OF, "exams_due", 2027, "clear"),
    ({**NO_SCORE, "step2ck_date": None}, EXAM_DEADLINE, "exams_due", 2027, "clear"),
    ({**NO_SCORE, "step2ck_date": None}, dt.date(2027, 2, 4), "out_of_cycle", 2028,
     "critical"),
    ({"step1_result": "not taken"}, EXAM_DEADLINE, "exams_due", 2027, "clear"),
    ({"step1_result": "not taken"}, dt.date(2027, 2, 4), "out_of_cycle", 2028, "critical"),
    ({"step1_result": "fail", "step1_attempts": "2"}, EXAM_DEADLINE, "exams_due", 2027,
     "clear"),
    ({"step1_result": "fail", "step1_attempts": "2"}, dt.date(2027, 2, 4), "out_of_cycle",
     2028, "critical"),
    ({"step2ck_score": "210"}, EXAM_DEADLINE, "exams_due", 2027, "clear"),
    ({"step2ck_score": "210"}, dt.date(2027, 2, 4), "out_of_cycle", 2028, "critical"),
    # The awaited sitting: on or before the exam deadline, with Step 1 a pass, still in time.
    (AWAITED, dt.date(2027, 2, 20), "exams_due", 2027, "clear"),
    ({**AWAITED, "step2ck_date": "2027-01-15"}, dt.date(2027, 3, 1), "exams_due", 2027,
     "clear"),
    # SPEC 4 sets no end to the awaited sitting's case short of Match Day.
    ({**AWAITED, "step2ck_date": "2027-01-15"}, dt.date(2027, 3, 10), "exams_due", 2027,
     "clear"),
    ({**AWAITED, "step2ck_date": "2027-02-04"}, dt.date(2027, 2, 20), "out_of_cycle", 2028,
     "critical"),
    ({**AWAITED, "step2ck_date": "2027-02-04"}, EXAM_DEADLINE, "exams_due", 2027, "clear"),
    ({**AWAITED, "step1_result": "not taken"}, dt.date(2027, 2, 20), "out_of_cycle", 2028,
     "critical"),
    # Unknown when the missing Step 1 result decides it.
    ({"step1_result": None, "step1_attempts": None}, dt.date(2027, 2, 4), "unknown", 2027,
     "unknown"),
    ({"step1_result": "maybe"}, dt.date(2027, 2, 4), "unknown", 2027, "unknown"),
    ({"step1_result": None, "step1_attempts": None, **NO_SCORE, "step2ck_date": None},
     dt.date(2027, 2, 4), "out_of_cycle", 2028, "critical"),
    ({"step1_result": None, "step1_attempts": None, **NO_SCORE, "step2ck_date": None},
     AS_OF, "exams_due", 2027, "clear"),
    # After Match Day, a student whose cycle is the class year: cycle_over; the plan is for
    # the first later Match whose first review is on or after as-of.
    ({}, dt.date(2027, 3, 20), "cycle_over", 2028, "clear"),
    ({**NO_SCORE, "step2ck_date": None}, dt.date(2027, 3, 20), "cycle_over", 2028, "clear"),
    ({"class_year": "2026"}, AS_OF, "cycle_over", 2027, "clear"),
    ({"class_year": "2026"}, REVIEW_DAY, "cycle_over", 2027, "clear"),
    ({"class_year": "2026"}, AFTER_REVIEW, "cycle_over", 2028, "clear"),
    ({"class_year": "2026", "stage": "applying"}, dt.date(2027, 9, 21), "cycle_over", 2029,
     "clear"),
    # Without a class year the cycle moves on at the rank list deadline: never cycle_over.
    ({"class_year": None}, dt.date(2027, 3, 20), "ready", 2028, "clear"),
    # Outside the readiness stages.
    ({"stage": "M3", "class_year": "2028"}, AS_OF, "not_applying", 2028, "clear"),
    ({"stage": "M1", "class_year": "2030", **NO_SCORE}, AS_OF, "not_applying", 2030, "clear"),
    ({"stage": "M3", **NO_SCORE, "step2ck_date": None}, dt.date(2027, 2, 4), "not_applying",
     2027, "clear"),
    ({"stage": None, **NO_SCORE, "step2ck_date": None}, dt.date(2027, 2, 4), "out_of_cycle",
     2028, "critical"),
    ({"stage": "applying"}, AS_OF, "ready", 2027, "clear"),
]


@pytest.mark.parametrize(("changes", "as_of", "status", "match_year", "exams_miss_match"),
                         CYCLE_STATUS_CASES)
def test_cycle_status_and_match_year(changes, as_of, status, match_year, exams_miss_match):
    [row] = flag_rows([student(**changes)], as_of=as_of)
    assert (row["cycle_status"], row["match_year"], row["EXAMS_MISS_MATCH"]) == (
        status, match_year, exams_miss_match)


def test_every_cycle_status_has_a_case():
    assert {case[2] for case in CYCLE_STATUS_CASES} == {
        "ready", "exams_due", "out_of_cycle", "unknown", "cycle_over", "not_applying"}


EXAM_DEADLINE_CASES = [
    # (calendar, as_of, exam deadline, cycle_status) for a student with no Step 2 CK score
    (Calendar(), EXAM_DEADLINE, EXAM_DEADLINE, "exams_due"),
    (Calendar(), dt.date(2027, 2, 4), EXAM_DEADLINE, "out_of_cycle"),
    (Calendar(score_release_days=14), dt.date(2027, 2, 17), dt.date(2027, 2, 17), "exams_due"),
    (Calendar(score_release_days=14), dt.date(2027, 2, 18), dt.date(2027, 2, 17),
     "out_of_cycle"),
    (Calendar(milestones=(("rank_list_deadline", 2027, dt.date(2027, 3, 10)),)),
     dt.date(2027, 2, 10), dt.date(2027, 2, 10), "exams_due"),
    (Calendar(milestones=(("rank_list_deadline", 2027, dt.date(2027, 3, 10)),)),
     dt.date(2027, 2, 11), dt.date(2027, 2, 10), "out_of_cycle"),
    # A configured Match Day moves the default rank list deadline (Match Day less 16 days).
    (Calendar(milestones=(("match_day", 2027, dt.date(2027, 3, 26)),)),
     dt.date(2027, 2, 10), dt.date(2027, 2, 10), "exams_due"),
    (Calendar(milestones=(("match_day", 2027, dt.date(2027, 3, 26)),)),
     dt.date(2027, 2, 11), dt.date(2027, 2, 10), "out_of_cycle"),
]


@pytest.mark.parametrize(("calendar", "as_of", "deadline", "status"), EXAM_DEADLINE_CASES)
def test_the_exam_deadline_follows_the_calendar(calendar, as_of, deadline, status):
    [row] = flag_rows([student(step2ck_score=None, step2ck_date=None)], Config(calendar=calendar),
                      as_of=as_of)
    assert (row["date_exam_deadline"], row["cycle_status"]) == (deadline, status)


def test_match_day_ends_the_cycle_of_a_class_year_the_day_after():
    rows = {as_of: flag_rows([student()], as_of=as_of)[0]
            for as_of in (MATCH_DAY, MATCH_DAY + dt.timedelta(days=1))}
    assert rows[MATCH_DAY]["date_match_day"] == MATCH_DAY
    assert (rows[MATCH_DAY]["cycle_status"], rows[MATCH_DAY]["match_year"]) == ("ready", 2027)
    after = rows[MATCH_DAY + dt.timedelta(days=1)]
    assert (after["cycle"], after["cycle_status"], after["match_year"]) == (
        2027, "cycle_over", 2028)
    config = Config(calendar=Calendar(milestones=(("match_day", 2027, dt.date(2027, 3, 26)),)))
    [row] = flag_rows([student()], config, as_of=dt.date(2027, 3, 26))
    assert row["cycle_status"] == "ready"
    [row] = flag_rows([student()], config, as_of=dt.date(2027, 3, 27))
    assert row["cycle_status"] == "cycle_over"


def test_the_first_review_is_the_estimated_psca_release_unless_configured():
    calendar = Calendar()
    assert calendar.date_of("review_opens", 2027) == dt.date(2026, 9, 30)
    assert calendar.date_of("psca_release", 2027) == dt.date(2026, 9, 21)
    assert calendar.date_of("first_review", 2027) == dt.date(2026, 9, 21)
    assert not calendar.is_configured(2027, "psca_release")
    assert not calendar.is_configured(2027, "first_review")
    later = Calendar(milestones=(("psca_release", 2027, dt.date(2026, 10, 2)),))
    assert later.date_of("first_review", 2027) == dt.date(2026, 9, 30)
    assert later.is_configured(2027, "psca_release")
    # A configured ERAS review moves the estimated PSCA with it.
    moved = Calendar(review_opens=((2027, dt.date(2026, 10, 7)),))
    assert moved.date_of("first_review", 2027) == dt.date(2026, 9, 28)
