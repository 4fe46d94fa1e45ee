"""What the drill-down and the advising summary say about one student, from the catalogue.

Plain data (lists of dicts and strings), so the page, the downloadable summary and the tests
read the same thing. Student values appear only in `value`/`evidence` fields, never inside
the fixed wording, and are shown as plain text.
"""

from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import duckdb

from dashboard.config import Config, Thresholds
from dashboard.fields import FIELDS, FIELDS_BY_NAME
from dashboard.flagging import FlaggedCohort

if TYPE_CHECKING:
    from dashboard.workspace import Note
from dashboard.rules import (
    BAND_LABELS,
    RISK_LABELS,
    RISK_MEANINGS,
    RULES,
    SEVERITIES,
    STAGE_LABELS,
    STRATEGY_ADVICE,
    STRATEGY_LABELS,
    evidence_text,
    format_date,
    missing_fields,
    rule_state,
)


def raised_flags(student: dict, config: Config) -> list[dict]:
    """Raised rules, most severe first, each with evidence, explanation and recommendation."""
    values = {**student, **config.thresholds.as_params(),
              "score_release_days": config.calendar.score_release_days,
              "step2_pass_shown": student.get("step2_pass_mark")
              or config.thresholds.lowest_pass_mark,
              "step1_attempts_left": attempts_left(student.get("step1_attempts"))}
    flags = [
        {
            "rule_id": rule.id, "severity": student[rule.id], "title": rule.title,
            "label": rule.label, "evidence": evidence_text(rule, values),
            "explanation": rule.explanation,
            "recommendation": rule.advice_for(student).recommendation,
            "guidance": rule.guidance, "is_headline": rule.is_headline,
        }
        for rule in RULES if rule_state(student[rule.id]) == "raised"
    ]
    return sorted(flags, key=lambda flag: SEVERITIES.index(flag["severity"]))


def attempts_left(attempts: int | None) -> str:
    """Step 1 attempts left of the four USMLE allows, in words."""
    if attempts is None:
        return "an unknown number"
    return "none" if attempts >= 4 else ("one" if attempts == 3 else str(4 - attempts))


CYCLE_WORDS = {
    "ready": "both exam passes are on file for this Match",
    "exams_due": "an exam pass is still missing and can still be on file in time",
    "out_of_cycle": "a missing exam pass can no longer be on file in time for the Match "
                    "under way, so the plan is for the next one",
    "unknown": "whether the exam passes are on file in time cannot be told: the Step 1 "
               "result (or the Step 2 CK pass) is not in the file",
    "cycle_over": "the Match of the student's class year is over; if the student did not "
                  "match, the plan is for the next one",
    "not_applying": "not applying yet",
}


def plan_summary(student: dict) -> str:
    """The Match the plan is built for, and why, in words (SPEC: said wherever the plan is
    shown)."""
    year, cycle = student["match_year"], student["cycle"]
    text = f"Plan for the {year} Match"
    if year != cycle:
        text += f" (the student's cycle was the {cycle} Match)"
    text += f": {CYCLE_WORDS[student['cycle_status']]}."
    if student["cycle_status"] in ("exams_due", "unknown", "ready", "out_of_cycle"):
        text += (f" The last Step 1 or Step 2 CK sitting whose result ECFMG can confirm by the "
                 f"{cycle} rank order list deadline ({format_date(student['date_rank_list'])})"
                 f" is {format_date(student['date_exam_deadline'])}.")
    return text


def missing_data(student: dict, mapping: dict[str, str]) -> list[dict]:
    """Rules in state unknown, with the inputs that are empty and the column to fill."""
    rows = []
    for rule in RULES:
        if rule_state(student[rule.id]) != "unknown":
            continue
        for name in missing_fields(rule, student):
            rows.append({
                "rule": rule.label,
                "missing": FIELDS_BY_NAME[name].label,
                "fill in column": mapping.get(
                    name, f"no column is mapped: map one on the Import page, or add one "
                          f"named '{FIELDS_BY_NAME[name].label}'"),
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
        f" is strong; this student has {_letters_and_research(student)}."
    )
    if student["condition_step1_fail"]:
        reasons.append(
            f"Step 1 was failed or repeated, so integrated plastics is targeted only with "
            f"{t.aggressive_min}+ and a strong profile."
        )
    elif student["condition_step1_fail"] is None and score >= t.aggressive_min and strong:
        reasons.append(
            "Step 1 could not be checked, so the broad integrated path is held back until a "
            f"first-attempt pass is on record; {t.targeted_min}+ supports a targeted list.")
    elif score >= t.aggressive_min and strong:
        reasons.append(f"{t.aggressive_min}+ with a strong profile supports a broad application.")
    elif score >= t.targeted_min:
        reasons.append(f"{t.targeted_min}+ supports a targeted integrated application.")
    else:
        reasons.append(f"Under {t.targeted_min}, general surgery comes first.")
    return reasons


def cell_reads(flagged: FlaggedCohort, student: dict) -> dict[str, tuple[str, str]]:
    """field -> (the cell as written, kind) for the student's cells that were interpreted or
    could not be read."""
    columns = {column: field for field, column in flagged.cohort.mapping.items()}
    issues = flagged.cohort.data_issues(flagged.con).filter(
        duckdb.ColumnExpression("row") == duckdb.ConstantExpression(student["source_row"])
    ).fetchall()
    return {columns[column]: (value or "", kind) for _, column, value, _, kind in issues
            if column in columns and kind in ("unreadable", "interpreted")}


def _letters_and_research(student: dict) -> str:
    """'2 letters and 1 research item', saying so when a count is not in the file."""
    letters = student["us_plastics_lors"]
    counts = [student["publications"], student["presentations"]]
    research = sum(count for count in counts if count is not None)
    letters_text = ("no US plastics letter count in the file" if letters is None
                    else _plural(letters, "letter"))
    research_text = ("no research count in the file" if all(c is None for c in counts)
                     else _plural(research, "research item"))
    return f"{letters_text} and {research_text}"


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def profile_rows(student: dict, privacy: bool = False,
                 reads: dict[str, tuple[str, str]] | None = None) -> list[dict]:
    """The student's canonical fields as (field, value) rows of text; a cell that was
    interpreted or could not be read says so, with what the file holds."""
    rows = []
    reads = reads or {}
    for field in FIELDS:
        value = student.get(field.name)
        if privacy and field.name in ("name", "email") and value is not None:
            value = "(hidden)"
        if field.name in reads:
            written, kind = reads[field.name]
            shown = "not read" if kind == "unreadable" else _text(
                STAGE_LABELS.get(value, value) if field.name == "stage" else value)
            rows.append({"field": field.label,
                         "value": f"{shown} ({kind}: the file says {written[:80]!r})"})
            continue
        if field.name == "stage" and value is not None:
            value = STAGE_LABELS[value]
        rows.append({"field": field.label, "value": _text(value)})
    return rows


def _text(value: object) -> str:
    if value is None:
        return "not given"  # a blank (or placeholder) cell, or no column for the field
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list):
        return ", ".join(str(item) for item in value)
    return str(value)


def summary_file_name(student: dict, as_of: dt.date) -> str:
    """advising-summary-<id>-<date>.html, the id reduced to characters safe in a file name."""
    safe_id = re.sub(r"[^A-Za-z0-9._-]+", "_", str(student["student_id"]))[:60].strip("._")
    return f"advising-summary-{safe_id or 'student'}-{as_of.isoformat()}.html"


def html_document(title: str, body: list[str]) -> str:
    """A self-contained page that may load nothing from anywhere (Content-Security-Policy:
    only its own styles and images written into it), printable on A4 and Letter."""
    return "\n".join([
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
        "style-src 'unsafe-inline'; img-src data:\">",
        f"<title>{html.escape(title)}</title>",
        "<style>body{font-family:system-ui,sans-serif;max-width:46rem;margin:2rem auto;"
        "line-height:1.45;color:#1c2833}td,th{padding:.2rem .6rem;text-align:left;"
        "vertical-align:top}table{border-collapse:collapse}tr+tr td,tr+tr th{border-top:1px "
        "solid #e5e8e8}.critical{color:#a93226}.warning{color:#b9770e}.info{color:#21618c}"
        ".read{color:#7d3c98}section.student+section.student{break-before:page}"
        "img{max-width:100%}@page{size:auto;margin:15mm}@media print{body{margin:0;"
        "max-width:none}h2,h3{break-after:avoid}tr{break-inside:avoid}}</style>",
        "</head><body>", *body, "</body></html>"])


def summary_html(student: dict, flagged: FlaggedCohort, privacy: bool = False,
                 generated: dt.datetime | None = None, notes: Sequence[Note] = ()) -> str:
    """A self-contained advising summary for one student; every value is HTML-escaped."""
    return html_document(f"Advising summary: {student['student_id']}",
                         summary_section(student, flagged, privacy, generated, notes=notes))


def batch_html(students: list[dict], flagged: FlaggedCohort, privacy: bool = False,
               notes: Mapping[str, Sequence[Note]] | None = None) -> str:
    """The summaries of many students in one printable document, a page break between them;
    `notes` by student id, when the advisor chose to include them."""
    generated = dt.datetime.now()
    body = []
    for student in students:
        body += summary_section(student, flagged, privacy, generated, with_path=False,
                                notes=(notes or {}).get(student["student_id"], ()))
    return html_document(f"Advising summaries: {len(students)} students", body)


def notes_html(notes: Sequence[Note]) -> list[str]:
    """The advisors' notes, newest first; typed text, so escaped like every value."""
    if not notes:
        return []
    e = html.escape
    parts = ["<h2>Advisors' notes</h2><ul>"]
    for note in notes:
        follow = (f"; follow up by {e(format_date(note.follow_up))} ({e(note.status)})"
                  if note.follow_up else "")
        parts.append(f"<li><small>{e(note.author)}, {e(note.written_at.strftime('%d %b %Y'))}"
                     f"{follow}</small><br>{e(note.body)}</li>")
    parts.append("</ul>")
    return parts


def summary_section(student: dict, flagged: FlaggedCohort, privacy: bool = False,
                    generated: dt.datetime | None = None, with_path: bool = True,
                    notes: Sequence[Note] = ()) -> list[str]:
    """One student's advising summary as HTML parts; every value is escaped."""
    e = html.escape
    config = flagged.config
    generated = generated or dt.datetime.now()
    strategy = student["strategy"]
    name = "(hidden)" if privacy else (student["name"] or "(no name)")
    parts = [
        "<section class='student'>",
        f"<h1>Advising summary</h1><p><strong>{e(name)}</strong> "
        f"&middot; {e(str(student['student_id']))} &middot; risk level "
        f"{e(RISK_LABELS[student['risk_level']])} ({e(RISK_MEANINGS[student['risk_level']])})</p>",
        f"<p><small>As of {e(format_date(flagged.as_of))}; generated "
        f"{e(generated.strftime('%d %b %Y %H:%M'))}; source file "
        f"{e(flagged.cohort.raw.file_name)}, spreadsheet row {student['source_row']}.</small></p>",
        "<h2>Profile</h2><table>",
        *(f"<tr><th>{e(r['field'])}</th><td>{e(r['value'])}</td></tr>"
          for r in profile_rows(student, privacy, cell_reads(flagged, student))),
        "</table>",
    ]
    issues = flagged.cohort.data_issues(flagged.con).filter(
        duckdb.ColumnExpression("row") == duckdb.ConstantExpression(student["source_row"])
    ).fetchall()
    if issues:
        parts.append("<h2>Cells read with a guess or not read</h2><ul>")
        parts += [f"<li>{e(str(column))}: {e(str(value or ''))!s} &rarr; {e(problem)} "
                  f"({e(kind)})</li>" for _, column, value, problem, kind in issues]
        parts.append("</ul>")
    extras = {header: "(hidden)" if privacy and key in flagged.cohort.personal_columns
              else student.get(key)
              for key, header in flagged.cohort.extra_columns.items() if student.get(key)}
    if extras:
        parts.append("<h2>Other columns from the file</h2><table>")
        parts += [f"<tr><th>{e(header)}</th><td>{e(str(value))}</td></tr>"
                  for header, value in extras.items()]
        parts.append("</table>")
    parts.append("<h2>Flags</h2>")
    flags = raised_flags(student, config)
    if not flags:
        parts.append("<p>No flag is raised.</p>" if student["risk_level"] != "needs_data" else
                     "<p>No flag is raised, but the checks listed under Missing data could "
                     "not run.</p>")
    for flag in flags:
        parts += [
            f"<h3 class='{e(flag['severity'])}'>{e(flag['severity'].title())}: "
            f"{e(flag['title'])}</h3>",
            f"<p><em>{e(flag['evidence'])}</em></p>",
            f"<p>{e(flag['explanation'])}</p>",
            f"<p><strong>What to do:</strong> {e(flag['recommendation'])}</p>",
            f"<p><small>Guidance: {e(flag['guidance'])}</small></p>",
        ]
    missing = missing_data(student, flagged.cohort.mapping)
    if missing:
        parts.append("<h2>Missing data</h2><ul>")
        parts += [f"<li>{e(m['rule'])}: {e(m['missing'])} ("
                  + (e(m["fill in column"]) if m["fill in column"].startswith("no column")
                     else "column " + e(m["fill in column"])) + ")</li>" for m in missing]
        parts.append("</ul>")
    parts += [
        f"<h2>Strategy: {e(STRATEGY_LABELS[strategy])}</h2>",
        f"<p>{e(STRATEGY_ADVICE[strategy])}</p><ul>",
        *(f"<li>{e(reason)}</li>" for reason in strategy_reasoning(student, config.thresholds)),
        "</ul><h2>Plan to the Match</h2>",
        *_plan_html(student, flagged, with_path),
        *notes_html(notes),
        "<h2>Settings used</h2><table>",
        *(f"<tr><th>{e(label)}</th><td>{e(str(value))}</td></tr>"
          for label, value in settings_lines(flagged)),
        "</table></section>",
    ]
    return parts


def _plan_html(student: dict, flagged: FlaggedCohort, with_path: bool = True) -> list[str]:
    from dashboard.plan import closest_path, student_plan

    e = html.escape
    frame = student_plan(flagged, student["source_row"])
    if frame.empty:
        parts = ["<p>Nothing is left on the plan: the file shows every step done.</p>"]
    else:
        parts = ["<table><tr><th>When</th><th>What</th><th>Status</th></tr>",
                 *(f"<tr><td>{e(row.date)}</td><td>{e(row.what)}</td><td>{e(row.status)}</td>"
                   "</tr>" for row in frame.itertuples()),
                 "</table>"]
    path = closest_path(flagged, student) if with_path else None
    if path is not None:
        parts.append(f"<p><strong>Closest path to a lower risk level</strong> "
                     f"({e(RISK_LABELS[path['risk_level']].lower())}):</p><ul>")
        parts += [f"<li>{e(words)}{', by ' + e(when) if when else ''}</li>"
                  for words, when in path["steps"]]
        parts.append("</ul>")
    return parts


def _setting_words(field, value: object) -> str:
    """A threshold as a reader reads it: a schedule (the passing scores by exam date) as
    "209 from 1 Jul 2014; 214 from 1 Jul 2022; ...", anything else as written."""
    if field.metadata.get("kind") == "schedule":
        return "; ".join(f"{score} from {format_date(date)}" for date, score in value)
    return str(value)


def settings_lines(flagged: FlaggedCohort) -> list[tuple[str, str]]:
    """The settings a result was computed with, in words: (label, value)."""
    from dataclasses import fields

    thresholds = flagged.config.thresholds
    lines = [("Rules evaluated on", format_date(flagged.as_of))]
    lines += [(f.metadata["label"], _setting_words(f, getattr(thresholds, f.name)))
              for f in fields(Thresholds)]
    lines.append(("Days from a Step 2 CK sitting to its score",
                  str(flagged.config.calendar.score_release_days)))
    calendar = flagged.config.calendar
    cycles = [cycle for (cycle,) in flagged.con.execute(
        "select distinct cycle from flagged_students order by cycle").fetchall()]
    lines += [(f"Programs begin reviewing for the {year} Match",
               format_date(calendar.review_opens_on(year))
               + ("" if calendar.is_configured(year) else " (estimated)"))
              for year in cycles]
    return lines
