"""The rule catalogue, the SQL that evaluates it, and the README agree."""

from __future__ import annotations

import re
from pathlib import Path

from dashboard.docs import fields_table, rules_table
from dashboard.fields import FIELD_NAMES
from dashboard.rules import RULE_IDS, RULES, Rule, evidence_text
from dashboard.sql import load_query
from dashboard.thresholds import Thresholds

README = Path(__file__).resolve().parent.parent / "README.md"


def test_sql_lists_rules_in_catalogue_order():
    flagged = load_query("flagged_students")
    for macro in ("if_raised", "if_unknown"):
        named = re.findall(macro + r"\(([A-Z0-9_]+), '([A-Z0-9_]+)'\)", flagged)
        assert [rule_id for _, rule_id in named] == list(RULE_IDS)
        assert all(column == rule_id for column, rule_id in named)
    [state_list] = re.findall(r"\[([A-Z0-9_,\s]+)\] as rule_state_list", flagged)
    assert [state.strip() for state in state_list.split(",")] == list(RULE_IDS)
    exported = load_query("export_students")
    actions = re.findall(r"if_raised\(([A-Z0-9_]+), \$rule_actions\[([0-9]+)\]\)", exported)
    assert actions == [(rule_id, str(index)) for index, rule_id in enumerate(RULE_IDS, start=1)]
    positions = [exported.index(f"        {rule_id},\n") for rule_id in RULE_IDS]
    assert positions == sorted(positions)


def test_every_rule_is_complete_and_reads_known_fields():
    for rule in RULES:
        assert isinstance(rule, Rule)
        assert rule.title and rule.explanation and rule.recommendation and rule.guidance
        assert set(rule.fields) <= set(FIELD_NAMES)
    assert [rule.id for rule in RULES if rule.is_core] == [
        "STEP1_FAIL", "STEP2_LOW", "US_PLASTICS_LORS_MISSING"]


def test_evidence_shows_value_against_threshold():
    values = {"step2ck_score": 228, **Thresholds().as_params()}
    step2_low = next(rule for rule in RULES if rule.id == "STEP2_LOW")
    assert evidence_text(step2_low, values) == "Step 2 CK 228, under the low-score line of 235"
    lors = next(rule for rule in RULES if rule.id == "US_PLASTICS_LORS_MISSING")
    assert evidence_text(lors, {"us_plastics_lors": None, "us_plastics_lors_min": 2}) == (
        "missing letter(s) from US plastic surgeons; 2 needed")


def test_readme_tables_match_the_catalogue():
    readme = README.read_text(encoding="utf-8")
    assert fields_table() in readme, "run `python -m dashboard.docs` and paste into README.md"
    assert rules_table() in readme, "run `python -m dashboard.docs` and paste into README.md"
