"""What the drill-down and the advising summary say about one student, from the catalogue.

Plain data (lists of dicts and strings), so the page, the downloadable summary and the tests
read the same thing. Student values appear only in `value`/`evidence` fields, never inside
the fixed wording, and are shown as plain text.
"""

from __future__ import annotations

import html

from dashboard.fields import FIELDS, FIELDS_BY_NAME
from dashboard.rules import (
    BAND_LABELS,
    RULES,
    SEVERITIES,
    STAGE_LABELS,
    STAGE_NEXT_STEPS,
    STRATEGY_ADVICE,
    STRATEGY_LABELS,
    evidence_text,
    rule_state,
)
from dashboard.thresholds import Thresholds


def raised_flags(student: dict, thresholds: Thresholds) -> list[dict]:
    """Raised rules, most severe first, each with evidence, explanation and recommendation."""
    values = {**student, **thresholds.as_params()}
    flags = [
        {
            "rule_id": rule.id, "severity": student[rule.id], "title": rule.title,
            "label": rule.label, "evidence": evidence_text(rule, values),
            "explanation": rule.explanation, "recommendation": rule.recommendation,
            "guidance": rule.guidance, "is_core": rule.is_core,
        }
        for rule in RULES if rule_state(student[rule.id]) == "raised"
    ]
    return sorted(flags, key=lambda flag: SEVERITIES.index(flag["severity"]))


def missing_data(student: dict, mapping: dict[str, str]) -> list[dict]:
    """Rules in state unknown, with the inputs that are empty and the column to fill."""
    rows = []
    for rule in RULES:
        if rule_state(student[rule.id]) != "unknown":
            continue
        empty = [name for name in rule.fields if student.get(name) is None and name != "stage"]
        for name in empty:
            rows.append({
                "rule": rule.label,
                "missing": FIELDS_BY_NAME[name].label,
                "fill in column": mapping.get(name, f"(no column; add one named "
                                                    f"'{FIELDS_BY_NAME[name].label}')"),
            })
    return rows


def strategy_reasoning(student: dict, thresholds: Thresholds) -> list[str]:
    """Why the strategy came out as it did, in the order the strategy rules are tried."""
    score = student["step2ck_score"]
    t = thresholds
    if score is None:
        return ["There is no Step 2 CK score yet, and the strategy depends on it."]
    reasons = [f"Step 2 CK {score} ({BAND_LABELS[student['band']].lower()} band)."]
    strong = student["is_strong_profile"]
    reasons.append(
        f"{'Strong' if strong else 'Not yet a strong'} profile: at least "
        f"{t.us_plastics_lors_min} US plastics letters and {t.strong_research_min} research items"
        f" is strong; this student has {student['us_plastics_lors'] or 0} letters and "
        f"{(student['publications'] or 0) + (student['presentations'] or 0)} research items."
    )
    if student["is_step1_fail"]:
        reasons.append(
            f"Step 1 was failed or repeated, so integrated plastics is targeted only with "
            f"{t.aggressive_min}+ and a strong profile."
        )
    elif score >= t.aggressive_min and strong:
        reasons.append(f"{t.aggressive_min}+ with a strong profile supports a broad application.")
    elif score >= t.targeted_min:
        reasons.append(f"{t.targeted_min}+ supports a targeted integrated application.")
    else:
        reasons.append(f"Under {t.targeted_min}, general surgery comes first.")
    return reasons


def profile_rows(student: dict) -> list[dict]:
    """The student's canonical fields as (field, value) rows of text."""
    rows = []
    for field in FIELDS:
        value = student.get(field.name)
        if field.name == "stage" and value is not None:
            value = STAGE_LABELS[value]
        rows.append({"field": field.label, "value": _text(value)})
    return rows


def next_steps(student: dict) -> tuple[str, tuple[str, ...]]:
    stage = student["stage"] or "applying"
    return STAGE_LABELS[stage], STAGE_NEXT_STEPS[stage]


def _text(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def summary_html(student: dict, thresholds: Thresholds, mapping: dict[str, str]) -> str:
    """A self-contained advising summary; every value is HTML-escaped and the page may load
    nothing from anywhere (Content-Security-Policy)."""
    e = html.escape
    strategy = student["strategy"]
    stage_label, steps = next_steps(student)
    parts = [
        "<!doctype html><html><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'\">",
        f"<title>Advising summary: {e(student['student_id'])}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "line-height:1.45}td,th{padding:.2rem .6rem;text-align:left;vertical-align:top}"
        ".critical{color:#a93226}.warning{color:#b9770e}.info{color:#21618c}</style>",
        "</head><body>",
        f"<h1>Advising summary</h1><p><strong>{e(student['name'] or '(no name)')}</strong> "
        f"&middot; {e(student['student_id'])} &middot; risk level {e(student['risk_level'])}</p>",
        "<h2>Profile</h2><table>",
        *(f"<tr><th>{e(r['field'])}</th><td>{e(r['value'])}</td></tr>"
          for r in profile_rows(student)),
        "</table><h2>Flags</h2>",
    ]
    flags = raised_flags(student, thresholds)
    if not flags:
        parts.append("<p>No flag is raised.</p>")
    for flag in flags:
        parts += [
            f"<h3 class='{e(flag['severity'])}'>{e(flag['severity'].title())}: "
            f"{e(flag['title'])}</h3>",
            f"<p><em>{e(flag['evidence'])}</em></p>",
            f"<p>{e(flag['explanation'])}</p>",
            f"<p><strong>What to do:</strong> {e(flag['recommendation'])}</p>",
            f"<p><small>Guidance: {e(flag['guidance'])}</small></p>",
        ]
    missing = missing_data(student, mapping)
    if missing:
        parts.append("<h2>Missing data</h2><ul>")
        parts += [f"<li>{e(m['rule'])}: {e(m['missing'])} (column {e(m['fill in column'])})</li>"
                  for m in missing]
        parts.append("</ul>")
    parts += [
        f"<h2>Strategy: {e(STRATEGY_LABELS[strategy])}</h2>",
        f"<p>{e(STRATEGY_ADVICE[strategy])}</p><ul>",
        *(f"<li>{e(reason)}</li>" for reason in strategy_reasoning(student, thresholds)),
        f"</ul><h2>Next steps ({e(stage_label)})</h2><ul>",
        *(f"<li>{e(step)}</li>" for step in steps),
        "</ul><p><small>Thresholds: ",
        e("; ".join(f"{name}={value}" for name, value in thresholds.as_rows())),
        "</small></p></body></html>",
    ]
    return "\n".join(parts)
