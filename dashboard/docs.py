"""The README's field, rule and settings tables, made from the schema, the rule catalogue, the
rule query and the settings.

    python -m dashboard.docs     # prints the tables; tests/test_catalogue.py keeps the README
                                 # in step
"""

from __future__ import annotations

import re

from dashboard.config import MILESTONES, Calendar, Config, Thresholds, setting_fields
from dashboard.fields import AMBIGUOUS_HEADERS, FIELDS
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
    print(fields_table(), rules_table(), settings_table(), sample_risk_table(),
          sample_reasons_table(), sep="\n\n")
