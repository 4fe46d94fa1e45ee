"""The tables of docs/reference.md (fields, rules, settings, the sample), made from the schema,
the rule catalogue, the rule query and the settings.

    python -m dashboard.docs     # prints the tables; tests/test_catalogue.py keeps the docs
                                 # in step
"""

from __future__ import annotations

import re

from dashboard.config import MILESTONES, Calendar, Config, Thresholds, setting_fields
from dashboard.fields import (
    ABBREVIATIONS,
    AMBIGUOUS_HEADERS,
    FIELDS,
    NAME_PARTS,
    VALUE_DECIDED_HEADERS,
)
from dashboard.rules import RULE_IDS, RULES
from dashboard.sql import load_query


def fields_table() -> str:
    lines = ["| field | type | accepted headers (besides the field's own name) | meaning |",
             "|---|---|---|---|"]
    for field in FIELDS:
        spellings = ", ".join(f"`{s}`" for s in field.synonyms)
        lines.append(f"| `{field.name}` | {field.kind} | {spellings} | {field.description} |")
    return "\n".join(lines)


def ambiguous_headers() -> str:
    return ", ".join(f"`{header}`" for header in AMBIGUOUS_HEADERS)


def value_decided_headers() -> str:
    """Headers that fit two fields, decided by the column's values."""
    return ", ".join(f"`{header}` ({' or '.join(f'`{name}`' for name in fields)})"
                     for header, fields in VALUE_DECIDED_HEADERS.items())


def abbreviations() -> str:
    return ", ".join(f"`{short}` {' '.join(words)}" for short, words in ABBREVIATIONS.items())


def name_parts() -> str:
    return "; ".join(f"{part}: " + ", ".join(f"`{spelling}`" for spelling in spellings)
                     for part, spellings in NAME_PARTS.items())


# SPEC v3's readings, as the loader words them in each data issue (tests/test_import_v3.py
# checks every one against the loader).
V3_READINGS = (
    ("Step 1", "`P - 2nd attempt`", "pass; Step 1 attempts 2 (never a first-attempt pass)"),
    ("Step 1", "`Passed on retake`, `repeat - pass`, `pass (2 attempts)`", "pass; attempts 2"),
    ("Step 1", "`F x2`, `failed twice`", "fail; attempts 2"),
    ("Step 1", "`3rd attempt: fail`", "fail; attempts 3"),
    ("Step 1", "`FAIL - retake 3/2026`", "fail; no attempt counted (the retake is to come)"),
    ("counts", "`two`, `none`, `nil`", "2, 0, 0"),
    ("counts", "`3 (1 first-author)`", "3 (the first number; the rest a qualifier)"),
    ("letters", "`2 + 1 pending`", "2 (what is in hand)"),
    ("sub-Is", "`1 + 1 booked`, `booked - Emory`", "2, 1 (done or booked)"),
    ("Step 2 CK", "`241 (7/14/26)`", "241, and 2026-07-14 as the date when the date cell is "
                                     "blank"),
    ("class year", "`Grad 2026`", "graduation year 2026, no class year"),
    ("stage", "`Grad 2024`", "applying, graduation year 2024"),
    ("a/b/yyyy dates", "`25/10/2026` in the column", "the column is day-first; said once"),
    ("footer rows", "`Total: 90`, `Count`, `Average`, `N = 90`, numbers with no id",
     "not a student"),
)


def readings_table() -> str:
    lines = ["| field | written | read as (an interpreted data issue says so) |",
             "|---|---|---|"]
    lines += [f"| {field} | {written} | {read} |" for field, written, read in V3_READINGS]
    return "\n".join(lines)


def rule_conditions() -> dict[str, str]:
    """Each rule's condition as the SQL writes it (`queries/flagging/rule_states.sql`)."""
    text = load_query("flagging/rule_states")
    found = {}
    # STEP2_FAIL's condition is found with the exam passes, which the cycle status reads.
    for start, end in (("\npasses as (", "\npass_states as ("),
                       ("\nconditions as (", "\nstates as (")):
        body = text[text.index(start):text.index(end)]
        body = body[body.index("*,") + 2:body.rindex("\n    from ")]
        body = "\n".join(line for line in body.splitlines()
                         if not line.strip().startswith("--"))
        for match in re.finditer(r"(.+?)\s+as (\w+),?\s*$", body, re.S | re.M):
            if match.group(2).startswith("condition_"):
                found[match.group(2).removeprefix("condition_").upper()] = " ".join(
                    match.group(1).split())
    return {rule_id: found[rule_id] for rule_id in RULE_IDS if rule_id in found}


def rules_table() -> str:
    conditions = rule_conditions()
    lines = ["| rule | raised when (SQL; NULL is unknown) | severity | what it means | guidance |",
             "|---|---|---|---|---|"]
    for rule in RULES:
        headline = " (headline)" if rule.is_headline else ""
        condition = conditions[rule.id].replace("|", "\\|")
        lines.append(f"| `{rule.id}`{headline} | `{condition}` | {rule.severity} | "
                     f"{rule.title} | {rule.guidance} |")
    return "\n".join(lines)


def settings_table() -> str:
    defaults = Config()
    lines = ["| key | default | meaning |", "|---|---|---|"]
    for f in setting_fields(Thresholds):
        default = getattr(defaults.thresholds, f.name)
        if f.name == "step2_pass":
            lines.append(f"| `[thresholds.step2_pass]` | {defaults.thresholds.step2_pass_text} "
                         f"| {f.metadata['help']} A plain `step2_pass = 218` sets one mark for "
                         "every date. |")
            continue
        lines.append(f"| `[thresholds] {f.name}` | {default} | {f.metadata['help']} |")
    for f in setting_fields(Calendar):
        lines.append(f"| `[calendar] {f.name}` | {getattr(defaults.calendar, f.name)} | "
                     f"{f.metadata['help']} |")
    for year, date in defaults.calendar.review_opens:
        lines.append(f"| `[calendar.review_opens] {year}` | {date.isoformat()} | Programs "
                     f"began reviewing applications for the {year} Match (AAMC ERAS). |")
    lines.append("| `[calendar.review_opens]` other years | last Wednesday of September of Y-1 "
                 "| The day programs may begin reviewing ERAS applications for Match year Y "
                 "(the rule gives the real dates of 2021-2025). |")
    for milestone in MILESTONES:
        lines.append(f"| `[calendar.{milestone.key}]` | {milestone.default} | "
                     f"{milestone.label}. Source: {milestone.source}. |")
    return "\n".join(lines)



SAMPLE_AS_OF = "2026-11-25"  # the date the README's sample figures are computed on


def sample_risk_table(as_of: str = SAMPLE_AS_OF) -> str:
    """Risk levels by stage on the bundled sample, as the README reports them."""
    import datetime as dt

    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort
    from dashboard.sql import sample_cohort_bytes

    cohort = load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv"))
    flagged = cohort.flag(Config(), dt.date.fromisoformat(as_of)).relation()
    counts = flagged.aggregate("coalesce(stage, 'missing') as stage, risk_level, count(*)",
                               "all").fetchall()
    stages = ["preclinical", "clinical", "final_year", "applying"]
    levels = ["high", "moderate", "needs_data", "low"]
    table = {(stage, level): count for stage, level, count in counts}
    lines = ["| stage | " + " | ".join(levels) + " | at risk |", "|---" * 6 + "|"]
    for stage in stages:
        row = [table.get((stage, level), 0) for level in levels]
        total = sum(row)
        lines.append(f"| {stage} | " + " | ".join(map(str, row))
                     + f" | {sum(row[:3])} of {total} ({sum(row[:3]) / total:.0%}) |")
    return "\n".join(lines)


def sample_reasons_table(as_of: str = SAMPLE_AS_OF) -> str:
    """For each at-risk level on the sample, the rule that puts its students there (the
    first critical flag, else the first warning, else the check that could not run), by
    stage."""
    import datetime as dt
    from collections import Counter

    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort
    from dashboard.rules import needs_data_rules
    from dashboard.sql import sample_cohort_bytes

    cohort = load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv"))
    flagged = cohort.flag(Config(), dt.date.fromisoformat(as_of)).relation()
    rows = flagged.select("*").fetchall()
    names = flagged.columns
    counts: Counter = Counter()
    for values in rows:
        student = dict(zip(names, values, strict=True))
        level = student["risk_level"]
        if level == "low":
            continue
        wanted = {"high": "critical", "moderate": "warning"}.get(level)
        rule = next((r.id for r in RULES if student[r.id] == wanted), None) if wanted else (
            needs_data_rules(student)[0].id)
        counts[(level, rule, student["stage"] or "missing")] += 1
    stages = ["preclinical", "clinical", "final_year", "applying"]
    lines = ["| risk level | the rule that puts them there | " + " | ".join(stages) + " |",
             "|---" * 6 + "|"]
    for level, rule in sorted({(lv, r) for lv, r, _ in counts},
                              key=lambda key: (["high", "moderate", "needs_data"].index(key[0]),
                                               RULE_IDS.index(key[1]))):
        lines.append(f"| {level} | `{rule}` | "
                     + " | ".join(str(counts[(level, rule, stage)]) for stage in stages) + " |")
    return "\n".join(lines)


if __name__ == "__main__":
    print(fields_table(), ambiguous_headers(), value_decided_headers(), abbreviations(),
          name_parts(), readings_table(), rules_table(), settings_table(), sample_risk_table(),
          sample_reasons_table(), sep="\n\n")
