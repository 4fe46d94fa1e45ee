"""A one-page cohort report for a dean: counts by risk, the headline risk factors, the charts
as images, and the students at risk, most urgent first. A self-contained HTML file that loads
nothing; the charts are rendered offline by vl-convert (the Vega-Lite reference renderer)."""

from __future__ import annotations

import base64
import datetime as dt
import html

import vl_convert

from dashboard import charts, reports
from dashboard.advice import html_document, settings_lines
from dashboard.exports import top_reason
from dashboard.flagging import FlaggedCohort
from dashboard.plan import next_step_words
from dashboard.rules import RISK_LABELS, RISK_MEANINGS, RULES_BY_ID, format_date

AT_RISK_SHOWN = 10  # what fits on one printed page beside the counts and the charts


def chart_image(chart, width: int, height: int) -> str:
    """An Altair chart as an <img> holding its SVG: text in it cannot run, and nothing loads.
    `width` and `height` are the plot's; the legend goes below it, so that the whole image is
    about a quarter of an A4 landscape page wide and prints at its own size, legibly."""
    report_chart = (
        chart.properties(width=width, height=height)
        .configure_legend(orient="bottom", direction="horizontal", columns=3, labelFontSize=9,
                          titleFontSize=9, titleOrient="left", symbolSize=40,
                          labelLimit=100, columnPadding=4, offset=6)
        .configure_axis(labelFontSize=10, titleFontSize=10, labelLimit=130)
        .configure_title(fontSize=12, subtitleFontSize=10)
    )
    svg = vl_convert.vegalite_to_svg(report_chart.to_json())
    data = base64.b64encode(svg.encode("utf-8")).decode("ascii")
    return f"<img alt='' src='data:image/svg+xml;base64,{data}'>"


def cohort_report_html(flagged: FlaggedCohort, privacy: bool = False) -> str:
    e = html.escape
    summary = reports.cohort_summary(flagged)
    thresholds = flagged.config.thresholds
    total = summary["count_students"]
    at_risk = summary["count_high"] + summary["count_moderate"] + summary["count_needs_data"]
    body = [
        # One printed page: the two tables side by side, the four charts in a row (each
        # printed at about its own size, so that its text stays legible), the students at risk.
        "<style>body{max-width:none;margin:0;font-size:11px}"
        "h1{font-size:20px;margin:.2rem 0}h2{font-size:14px;margin:.5rem 0 .2rem}"
        "p{margin:.3rem 0}.row{display:flex;gap:2rem}"
        ".charts{display:grid;grid-template-columns:repeat(4,minmax(0,1fr));gap:.4rem;"
        "align-items:start;max-width:72rem;margin-top:.5rem}"
        ".charts img{max-width:100%;height:auto}"
        "td,th{padding:.05rem .4rem}@page{size:A4 landscape;margin:8mm}</style>",
        "<h1>Cohort report</h1>",
        f"<p>{e(flagged.cohort.raw.file_name)} &middot; {total:,} students &middot; as of "
        f"{e(format_date(flagged.as_of))} &middot; generated "
        f"{e(dt.datetime.now().strftime('%d %b %Y %H:%M'))}</p>",
        f"<p><strong>{at_risk:,} of {total:,} students are at risk</strong> (high, moderate "
        "or needs data).</p>",
        "<div class='row'><div><h2>Risk levels</h2>",
        "<table><tr><th>Risk level</th><th>Students</th><th>Meaning</th></tr>",
        *(f"<tr><td>{e(RISK_LABELS[level])}</td><td>{summary['count_' + level]:,}</td>"
          f"<td>{e(RISK_MEANINGS[level])}</td></tr>"
          for level in ("high", "moderate", "needs_data", "low")),
        "</table></div><div>",
        "<h2>Headline risk factors</h2><table><tr><th>Factor</th><th>Students</th>"
        "<th>Could not be checked</th></tr>",
        f"<tr><td>{e(RULES_BY_ID['STEP1_FAIL'].title)}</td><td>{summary['count_step1_fail']:,}"
        f"</td><td>{summary['count_step1_unknown']:,}</td></tr>",
        f"<tr><td>Step 2 CK under {thresholds.step2_low}</td>"
        f"<td>{summary['count_step2_low']:,}</td><td>{summary['count_without_score']:,} "
        "without a score yet</td></tr>",
        f"<tr><td>Fewer than {thresholds.us_plastics_lors_min} US plastic surgery letters "
        "(final year and applying)</td>"
        f"<td>{summary['count_us_plastics_lors_missing']:,}</td>"
        f"<td>{summary['count_us_plastics_lors_unknown']:,}</td></tr></table></div></div>",
        "<div class='charts'>",
        chart_image(charts.risk_levels_chart(summary), 170, 80),
        chart_image(charts.flag_prevalence_chart(reports.flag_prevalence(flagged)), 110, 112),
        chart_image(charts.score_histogram(reports.score_distribution(flagged), thresholds),
                    200, 72),
        chart_image(charts.strategy_chart(reports.strategy_mix(flagged)), 120, 80),
        "</div>",
        "<h2>Students at risk, most urgent first</h2>",
    ]
    matched = reports.filtered_students(flagged, reports.StudentFilter(at_risk_only=True))
    students = matched.limit(AT_RISK_SHOWN).to_arrow_table().to_pylist()
    body += ["<table><tr><th>#</th><th>Student</th><th>Risk</th><th>Top reason</th>"
             "<th>Next step</th><th>Due</th></tr>"]
    for position, student in enumerate(students, start=1):
        name = "" if privacy or not student["name"] else f" {student['name']}"
        due = student["next_step_due"]
        body.append(
            f"<tr><td>{position}</td><td>{e(str(student['student_id']) + name)}</td>"
            f"<td>{e(RISK_LABELS[student['risk_level']])}</td><td>{e(top_reason(student))}</td>"
            f"<td>{e(next_step_words(student['next_item'], due, flagged.as_of))}</td>"
            f"<td>{e(format_date(due) if due else '')}</td></tr>")
    body.append("</table>")
    if at_risk > len(students):
        body.append(f"<p><small>The {len(students)} most urgent of {at_risk:,} are listed; "
                    "the XLSX export's Summary sheet lists them all.</small></p>")
    body.append("<p><small><strong>Settings used:</strong> " + e("; ".join(
        f"{label} {value}" for label, value in settings_lines(flagged))) + ".</small></p>")
    return html_document("Cohort report", body)
