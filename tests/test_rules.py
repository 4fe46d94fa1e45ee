"""The rule table of SPEC section 3, case by case: every threshold from both sides, every
unknown path, each stage's severity. A cell of None leaves it blank; ABSENT drops the column."""

from __future__ import annotations

import pytest

from dashboard.rules import RULE_IDS
from dashboard.thresholds import Thresholds
from tests.conftest import flag_each, flag_rows

ABSENT = object()

# A final-year student for whom every rule is known and clear.
CLEAR_STUDENT = {
    "student_id": "S1",
    "stage": "M4",
    "step1_result": "pass",
    "step1_attempts": "1",
    "step2ck_score": "250",
    "step2ck_date": "2027-06-01",
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


RULE_CASES = [
    # STEP1_FAIL
    ("STEP1_FAIL", {"step1_result": "fail"}, "critical"),
    ("STEP1_FAIL", {"step1_result": "Failed", "step1_attempts": None}, "critical"),
    ("STEP1_FAIL", {"step1_result": "F"}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "2.0"}, "critical"),
    ("STEP1_FAIL", {"step1_attempts": "1"}, "clear"),
    ("STEP1_FAIL", {"step1_attempts": None}, "clear"),
    ("STEP1_FAIL", {"step1_result": "Passed"}, "clear"),
    ("STEP1_FAIL", {"step1_result": "P"}, "clear"),
    ("STEP1_FAIL", {"step1_result": "NT", "step1_attempts": "0"}, "clear"),
    ("STEP1_FAIL", {"step1_result": " scheduled ", "step1_attempts": None}, "clear"),
    ("STEP1_FAIL", {"step1_result": "pending", "step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": "2"}, "critical"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": "1"}, "clear"),
    ("STEP1_FAIL", {"step1_result": None, "step1_attempts": None}, "unknown"),
    ("STEP1_FAIL", {"step1_result": ABSENT, "step1_attempts": ABSENT}, "unknown"),
    ("STEP1_FAIL", {"step1_result": "maybe", "step1_attempts": None}, "unknown"),
    # STEP2_LOW: reads only the score, so a missing score is clear
    ("STEP2_LOW", {"step2ck_score": "234"}, "critical"),
    ("STEP2_LOW", {"step2ck_score": "234.0"}, "critical"),
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
    # STEP2_PENDING
    ("STEP2_PENDING", {"step2ck_score": None, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {"step2ck_score": None, "step2ck_date": "2027-09-24"}, "clear"),
    ("STEP2_PENDING", {"step2ck_score": None, "step2ck_date": "9/24/2027"}, "clear"),
    ("STEP2_PENDING", {"step2ck_score": None, "step2ck_date": "2027-09-25"}, "warning"),
    ("STEP2_PENDING", {"step2ck_score": None, "step2ck_date": "not a date"}, "warning"),
    ("STEP2_PENDING", {"step2ck_score": "240", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {"step2ck_score": None, "stage": "M3"}, "clear"),
    ("STEP2_PENDING", {"step2ck_score": None, "stage": "MS2", "step2ck_date": None}, "clear"),
    ("STEP2_PENDING", {"step2ck_score": None, "stage": None, "step2ck_date": None}, "warning"),
    ("STEP2_PENDING", {"step2ck_score": None, "stage": ABSENT, "step2ck_date": ABSENT},
     "warning"),
    ("STEP2_PENDING", {"step2ck_score": None, "stage": "Reapplicant", "step2ck_date": None},
     "warning"),
    # PRACTICE_LOW: only while there is no real score
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230;234"}, "warning"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230, 220 / 250"}, "warning"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230 220"}, "warning"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230;235"}, "clear"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230"}, "clear"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": None}, "unknown"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": ABSENT}, "unknown"),
    ("PRACTICE_LOW", {"step2ck_score": None, "practice_scores": "230;abc"}, "unknown"),
    ("PRACTICE_LOW", {"step2ck_score": "250", "practice_scores": "200;200"}, "clear"),
    ("PRACTICE_LOW", {"step2ck_score": "250", "practice_scores": None}, "clear"),
    # US_PLASTICS_LORS_MISSING
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0"}, "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1"}, "warning"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "2"}, "clear"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "stage": "applying"}, "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "stage": None}, "critical"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "0", "stage": "M3"}, "info"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "1", "stage": "M1"}, "info"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": None}, "unknown"),
    ("US_PLASTICS_LORS_MISSING", {"us_plastics_lors": "-1"}, "unknown"),
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
    # NO_US_PLASTICS_SUBI
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "0"}, "warning"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "0", "stage": "clinical"}, "info"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": "1"}, "clear"),
    ("NO_US_PLASTICS_SUBI", {"us_plastics_subis": None}, "unknown"),
    # NO_PARALLEL_PLAN: critical beside a Step 1 fail or a low Step 2 CK
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "N"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "0"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step1_result": "fail"}, "critical"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step2ck_score": "234"}, "critical"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "no", "step2ck_score": "235"}, "warning"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "yes"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "X"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "TRUE"}, "clear"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": None}, "unknown"),
    ("NO_PARALLEL_PLAN", {"parallel_plan": "perhaps"}, "unknown"),
]


def test_clear_student_is_clear_everywhere():
    [row] = flag_rows([CLEAR_STUDENT])
    assert {rule_id: row[rule_id] for rule_id in RULE_IDS} == dict.fromkeys(RULE_IDS, "clear")
    assert (row["risk_level"], row["flags"], row["unknown"]) == ("low", "", "")


@pytest.fixture(scope="module")
def rule_case_results():
    return flag_each([student(**changes) for _, changes, _ in RULE_CASES])


@pytest.mark.parametrize(
    ("case", "rule_id", "expected"),
    [(index, rule_id, expected) for index, (rule_id, _, expected) in enumerate(RULE_CASES)],
    ids=[f"{rule}-{index}" for index, (rule, _, _) in enumerate(RULE_CASES)],
)
def test_rule_state(rule_case_results, case, rule_id, expected):
    assert rule_case_results[case][rule_id] == expected


THRESHOLD_CASES = [
    ("STEP2_LOW", {"step2_low": 240}, {"step2ck_score": "239"}, "critical"),
    ("STEP2_LOW", {"step2_low": 240}, {"step2ck_score": "240"}, "clear"),
    ("STEP2_BELOW_TARGET", {"step2_target": 250}, {"step2ck_score": "249"}, "warning"),
    ("STEP2_PENDING", {"eras_opens": __import__("datetime").date(2027, 5, 1)},
     {"step2ck_score": None, "step2ck_date": "2027-06-01"}, "warning"),
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
    [row] = flag_rows([student(**changes)], Thresholds().changed(**threshold))
    assert row[rule_id] == expected


BAND_CASES = [
    ("255", "highly_competitive"),
    ("254", "competitive"),
    ("245", "competitive"),
    ("244", "borderline"),
    ("235", "borderline"),
    ("234", "low"),
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
]


def test_strategy():
    rows = flag_each([student(**changes) for changes, _ in STRATEGY_CASES])
    got = [(changes, row["strategy"]) for (changes, _), row in
           zip(STRATEGY_CASES, rows, strict=True)]
    assert got == STRATEGY_CASES


def test_strategy_thresholds_are_parameters():
    thresholds = Thresholds().changed(aggressive_min=260, step2_highly_competitive=265)
    [row] = flag_rows([student(step2ck_score="255", **STRONG)], thresholds)
    assert row["strategy"] == "targeted_integrated"


RISK_CASES = [
    ({}, "low"),
    ({"step2ck_score": "240"}, "moderate"),
    ({"us_plastics_lors": "0"}, "high"),
    # Info-level flags (outside the readiness stages) do not raise the risk level.
    ({"stage": "M1", "us_plastics_lors": "0", "publications": "0", "presentations": "0"}, "low"),
    ({"stage": "M1", "us_plastics_lors": "0", "parallel_plan": "no"}, "moderate"),
]


def test_risk_level():
    rows = flag_each([student(**changes) for changes, _ in RISK_CASES])
    got = [(changes, row["risk_level"]) for (changes, _), row in
           zip(RISK_CASES, rows, strict=True)]
    assert got == RISK_CASES


def test_flags_and_unknown_follow_catalogue_order():
    [row] = flag_rows([student(
        parallel_plan="no", step1_result="fail", us_plastics_subis=None, surgery_lors="0",
        step2ck_score="230", publications=None, presentations=None,
    )])
    assert row["flags"] == "STEP1_FAIL;STEP2_LOW;SURGERY_LOR_MISSING;NO_PARALLEL_PLAN"
    assert row["unknown"] == "NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI"
    assert row["risk_level"] == "high"


def test_only_student_id_makes_every_dependent_rule_unknown():
    [row] = flag_rows([{"student_id": "S9"}])
    assert row["unknown"] == (
        "STEP1_FAIL;PRACTICE_LOW;US_PLASTICS_LORS_MISSING;SURGERY_LOR_MISSING;"
        "NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI;NO_PARALLEL_PLAN"
    )
    # A missing stage counts as a readiness stage, so a missing score is pending.
    assert row["flags"] == "STEP2_PENDING"
    assert (row["band"], row["strategy"], row["risk_level"]) == ("unknown", "pending", "moderate")


def test_a_number_that_is_not_a_boolean_is_not_read_as_yes():
    [row] = flag_rows([student(parallel_plan="10")])
    assert row["NO_PARALLEL_PLAN"] == "unknown"


def test_flag_prevalence_counts_every_state_but_clear(sample_cohort, sample_flagged):
    from collections import Counter

    from dashboard.views import flag_prevalence

    sample_cohort.materialise_flagged(Thresholds())
    frame = flag_prevalence(sample_cohort.con)
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
        assert row["flags"] == ";".join(
            r for r in RULE_IDS if row[r] in ("critical", "warning", "info"))
        assert row["unknown"] == ";".join(r for r in RULE_IDS if row[r] == "unknown")
