"""The rule catalogue, the SQL that evaluates it, the texts shown for a student, and the README
agree."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from dashboard.config import Config, Thresholds
from dashboard.docs import (
    ambiguous_headers,
    fields_table,
    rule_conditions,
    rules_table,
    sample_risk_table,
    settings_table,
)
from dashboard.fields import FIELD_NAMES
from dashboard.flagging import flag_students
from dashboard.rules import (
    RULE_IDS,
    RULES,
    RULES_BY_ID,
    STRATEGY_ADVICE,
    STRATEGY_LABELS,
    Rule,
    evidence_text,
)
from dashboard.sql import project_dir
from tests.conftest import AS_OF

REFERENCE = Path(__file__).resolve().parent.parent / "docs" / "reference.md"


def test_the_rule_query_has_one_state_column_per_rule_in_catalogue_order(sample_cohort):
    columns = flag_students(sample_cohort.con, Config(), AS_OF).columns
    assert [c for c in columns if re.fullmatch(r"[A-Z][A-Z0-9_]+", c)] == list(RULE_IDS)
    assert list(rule_conditions()) == list(RULE_IDS)


def test_no_sql_file_but_the_rule_query_lists_the_rules():
    """Per-rule lists are derived from the catalogue; other queries may name only the
    headline rules they count."""
    headline = {rule.id for rule in RULES if rule.is_headline}
    paths = [path for path in Path(str(project_dir("queries"))).glob("**/*.sql")
             if path.name != "rule_states.sql"]
    assert len(paths) > 10
    for path in paths:
        text = path.read_text(encoding="utf-8")
        named = {rule_id for rule_id in RULE_IDS if re.search(rf"\b{rule_id}\b", text)}
        assert named <= headline, f"{path.name} names rules by hand: {sorted(named)}"


def test_every_rule_is_complete_and_reads_known_fields(sample_cohort):
    # v3: the needs-data gate is a boolean column of the rule query (is_step1_due,
    # is_ready_stage), no longer "always" or "ready".
    columns = set(flag_students(sample_cohort.con, Config(), AS_OF).columns)
    for rule in RULES:
        assert isinstance(rule, Rule)
        assert rule.title and rule.explanation and rule.recommendation and rule.guidance
        assert set(rule.fields) <= set(FIELD_NAMES)
        assert rule.unknown_needs_data == "" or rule.unknown_needs_data in columns
    assert {rule.id: rule.unknown_needs_data for rule in RULES if rule.unknown_needs_data} == {
        "STEP1_FAIL": "is_step1_due", "US_PLASTICS_LORS_MISSING": "is_ready_stage",
        "NO_PARALLEL_PLAN": "is_ready_stage"}
    assert [rule.id for rule in RULES if rule.is_headline] == [
        "STEP1_FAIL", "STEP2_LOW", "US_PLASTICS_LORS_MISSING"]


STRATEGY_WORDS = [label.lower() for label in STRATEGY_LABELS.values()] + [
    "targeted integrated", "broad integrated", "aggressive", "general surgery first"]


@pytest.mark.parametrize("rule", RULES, ids=RULE_IDS)
def test_no_rule_text_names_an_application_strategy(rule):
    """The strategy decides how many integrated programs to apply to; a rule's advice may not
    say otherwise (a 235-239 once read 'general surgery first' beside 'targeted list')."""
    for text in (rule.explanation, rule.recommendation, rule.action):
        assert not any(word in text.lower() for word in STRATEGY_WORDS), text


def test_texts_do_not_overstate_the_guidance_or_promise_a_fellowship():
    texts = [text for rule in RULES for text in
             (rule.explanation, rule.recommendation, rule.action, rule.title)]
    texts += list(STRATEGY_ADVICE.values())
    for text in texts:
        lowered = text.lower()
        assert "core risk factor" not in lowered and "three main risk factors" not in lowered
        assert "plastics fellowship" not in lowered and "independent fellowship" not in lowered
        assert "when eras opens" not in lowered and "before eras opens" not in lowered


def test_evidence_shows_value_against_threshold():
    values = {"step2ck_score": 228, **Thresholds().as_params()}
    assert evidence_text(RULES_BY_ID["STEP2_LOW"], values) == (
        "Step 2 CK 228, under the low-score line of 235.")
    assert evidence_text(RULES_BY_ID["US_PLASTICS_LORS_MISSING"],
                         {"us_plastics_lors": None, "us_plastics_lors_min": 2}) == (
        "missing letter(s) from US plastic surgeons, 2 needed; US plastics sub-Is done or "
        "booked: missing.")


def test_pending_evidence_gives_the_students_own_dates():
    # v3: programs begin reviewing at the first review, the PSCA release (21 Sep 2026).
    values = {"step2ck_date": None, "cycle": 2027, "date_review_opens": dt.date(2026, 9, 30),
              "date_first_review": dt.date(2026, 9, 21),
              "date_latest_sitting": dt.date(2026, 8, 24), "score_release_days": 28}
    text = evidence_text(RULES_BY_ID["STEP2_PENDING"], values)
    assert text.startswith("No Step 2 CK score. Exam date: missing. Programs begin reviewing "
                           "for the 2027 Match on 21 Sep 2026")
    assert text.endswith("a score arrives about 28 days after the exam, so the latest sitting "
                         "in time is 24 Aug 2026.")
    assert "30 Sep 2026" not in text


def test_the_reference_tables_match_the_catalogue():
    readme = REFERENCE.read_text(encoding="utf-8")
    for table in (fields_table(), rules_table(), settings_table(), ambiguous_headers(),
                  sample_risk_table()):
        assert table in readme, "run `python -m dashboard.docs` and paste into docs/reference.md"


def test_the_bundled_sample_is_the_generator_output_the_readme_names(tmp_path):
    from dashboard.sql import sample_cohort_bytes
    from dashboard.synthetic import synthetic_cohort, write_cohort

    write_cohort(synthetic_cohort(150, seed=8), tmp_path / "cohort.csv")
    assert (tmp_path / "cohort.csv").read_bytes() == sample_cohort_bytes()
    assert "--rows 150 --seed 8" in REFERENCE.read_text(encoding="utf-8")


def _raised(changes: dict, as_of=AS_OF) -> tuple[dict, dict[str, dict]]:
    from dashboard.advice import raised_flags
    from tests.conftest import flag_rows
    from tests.test_rules import student

    [row] = flag_rows([student(**changes)], as_of=as_of)
    return row, {flag["rule_id"]: flag for flag in raised_flags(row, Config())}


@pytest.mark.parametrize(("attempts", "left"), [("3", "one left"), ("4", "none left"),
                                                ("5", "none left")])
def test_the_attempt_limit_says_how_many_attempts_are_left_and_where_to_confirm(attempts,
                                                                             left):
    """SPEC 3: one left at three; none from four, when the USMLE route is closed; confirm the
    count with USMLE."""
    _, flags = _raised({"step1_result": "fail", "step1_attempts": attempts})
    flag = flags["STEP1_ATTEMPTS_LIMIT"]
    assert flag["severity"] == "critical"
    assert left in flag["evidence"], flag["evidence"]
    assert "USMLE" in flag["recommendation"]
    assert "USMLE" in RULES_BY_ID["STEP1_ATTEMPTS_LIMIT"].action
    assert "four" in RULES_BY_ID["STEP1_ATTEMPTS_LIMIT"].explanation.lower()


@pytest.mark.parametrize(("score", "exam_date", "mark"), [
    ("216", "2025-07-01", "218"), ("213", "2025-06-30", "214"), ("212", "2022-07-01", "214"),
    ("208", None, "209")])
def test_a_failed_step2_names_the_mark_in_force(score, exam_date, mark):
    _, flags = _raised({"step2ck_score": score, "step2ck_date": exam_date})
    assert f"passing score of {mark}" in flags["STEP2_FAIL"]["evidence"], (
        flags["STEP2_FAIL"]["evidence"])


def test_exams_that_miss_the_match_say_the_deadline_and_the_match_year():
    row, flags = _raised({"step2ck_score": None, "step2ck_date": None},
                         as_of=dt.date(2027, 2, 4))
    assert row["EXAMS_MISS_MATCH"] == "critical"
    evidence = flags["EXAMS_MISS_MATCH"]["evidence"]
    assert "3 Feb 2027" in evidence and "3 Mar 2027" in evidence and "2028 Match" in evidence


@pytest.mark.parametrize("changes", [
    {"step2ck_score": "230", "us_plastics_lors": "0", "us_plastics_subis": "0"},
    {"step2ck_score": "240", "step1_result": "fail", "us_plastics_lors": "1",
     "us_plastics_subis": "0"},
], ids=["low-score", "step1-fail"])
def test_no_text_shown_for_general_surgery_first_asks_for_plastics_only_steps(changes):
    """SPEC 3: no text shown for a student may contradict the strategy; SPEC 4: for general
    surgery first, no step that serves integrated plastics alone."""
    row, flags = _raised(changes)
    assert row["strategy"] == "general_surgery_first"
    assert {"US_PLASTICS_LORS_MISSING", "NO_US_PLASTICS_SUBI"} <= set(flags)
    for rule_id in ("US_PLASTICS_LORS_MISSING", "NO_US_PLASTICS_SUBI"):
        advice = RULES_BY_ID[rule_id].advice_for(row)
        assert flags[rule_id]["recommendation"] == advice.recommendation
        assert advice.recommendation != RULES_BY_ID[rule_id].recommendation
        assert advice.action in row["recommendations"]
        assert RULES_BY_ID[rule_id].action not in row["recommendations"]
    assert "Apply early for US plastic surgery sub-internships" not in row["recommendations"]
