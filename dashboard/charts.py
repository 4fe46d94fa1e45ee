"""Altair chart builders for the cohort overview. Each takes a small aggregated frame and
returns an `alt.Chart` whose selection parameter the page reads back (`on_select`)."""

from __future__ import annotations

import altair as alt
import pandas as pd

from dashboard.config import Thresholds
from dashboard.rules import BAND_LABELS, BANDS, RULES, STRATEGIES, STRATEGY_LABELS

RISK_ORDER = ["high", "moderate", "needs_data", "low"]
RISK_COLOURS = ["#c0392b", "#e67e22", "#8e44ad", "#2e8b57"]
STATE_ORDER = ["critical", "warning", "info", "unknown"]
STATE_COLOURS = ["#c0392b", "#e67e22", "#2e86c1", "#b3b6b7"]
BAND_COLOURS = ["#1e8449", "#58d68d", "#f5b041", "#cb4335", "#b3b6b7"]
LETTER_GROUPS = ["0", "1", "2", "3 or more"]
OVERVIEW_LOWER_HEIGHT = 360  # px, the whole chart: title, plot, axes and legends

SELECT_BAND = "band_pick"
SELECT_FLAG = "flag_pick"
SELECT_STRATEGY = "strategy_pick"
SELECT_GROUP = "group_pick"
SELECT_REGION = "region_pick"
SELECT_RISK = "risk_pick"


RISK_LABEL_EXPR = ("datum.label == 'needs_data' ? 'needs data' : datum.label")


def _risk_colour(title: str = "Risk") -> alt.Color:
    return alt.Color("risk_level:N", title=title,
                     scale=alt.Scale(domain=RISK_ORDER, range=RISK_COLOURS),
                     sort=RISK_ORDER, legend=alt.Legend(labelExpr=RISK_LABEL_EXPR))


def risk_levels_chart(summary: dict[str, int]) -> alt.Chart:
    frame = pd.DataFrame({
        "risk_level": RISK_ORDER,
        "count_students": [summary["count_high"], summary["count_moderate"],
                           summary["count_needs_data"], summary["count_low"]],
    })
    pick = alt.selection_point(name=SELECT_RISK, fields=["risk_level"])
    return (
        alt.Chart(frame, title="Students by risk level")
        .mark_bar()
        .encode(
            x=alt.X("count_students:Q", title="Students", axis=alt.Axis(tickMinStep=1)),
            y=alt.Y("risk_level:N", title=None, sort=RISK_ORDER,
                    axis=alt.Axis(labelExpr=RISK_LABEL_EXPR)),
            color=_risk_colour(),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.45)),
            tooltip=[alt.Tooltip("risk_level:N", title="Risk"),
                     alt.Tooltip("count_students:Q", title="Students")],
        )
        .add_params(pick)
        .properties(height=alt.Step(30))
    )


def flag_prevalence_chart(prevalence: pd.DataFrame) -> alt.Chart:
    pick = alt.selection_point(name=SELECT_FLAG, fields=["rule_id", "state"])
    labels = [rule.label for rule in RULES]
    return (
        alt.Chart(prevalence, title="Flags raised, by severity (grey: data missing)")
        .mark_bar()
        .encode(
            x=alt.X("count_students:Q", title="Students", stack="zero",
                    axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("rule:N", title=None, sort=labels, axis=alt.Axis(labelLimit=220)),
            color=alt.Color("state:N", title="Severity",
                            scale=alt.Scale(domain=STATE_ORDER, range=STATE_COLOURS),
                            sort=STATE_ORDER),
            order=alt.Order("state_rank:Q"),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.45)),
            tooltip=[alt.Tooltip("rule:N", title="Flag"), alt.Tooltip("state:N", title="State"),
                     alt.Tooltip("count_students:Q", title="Students")],
        )
        .transform_calculate(state_rank=f"indexof({STATE_ORDER!r}, datum.state)")
        .add_params(pick)
        .properties(height=alt.Step(24))
    )


def score_histogram(distribution: pd.DataFrame, thresholds: Thresholds) -> alt.LayerChart:
    pick = alt.selection_point(name=SELECT_BAND, fields=["band"])
    frame = distribution.assign(band_label=distribution["band"].map(BAND_LABELS))
    bars = (
        alt.Chart(frame)
        .mark_bar(binSpacing=1)
        .encode(
            x=alt.X("bin_start:Q", bin="binned", title="Step 2 CK score",
                    scale=alt.Scale(zero=False)),
            x2="bin_end:Q",
            y=alt.Y("sum(count_students):Q", title="Students",
                    axis=alt.Axis(format="d", tickMinStep=1)),
            color=alt.Color("band:N", title="Band",
                            scale=alt.Scale(domain=list(BANDS), range=BAND_COLOURS),
                            sort=list(BANDS),
                            legend=alt.Legend(labelExpr=_label_expr(BAND_LABELS))),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.45)),
            tooltip=[alt.Tooltip("bin_start:Q", title="From"),
                     alt.Tooltip("bin_end:Q", title="Up to"),
                     alt.Tooltip("band_label:N", title="Band"),
                     alt.Tooltip("sum(count_students):Q", title="Students")],
        )
        .add_params(pick)
    )
    lines = pd.DataFrame({"score": [thresholds.step2_low, thresholds.step2_target,
                                    thresholds.step2_highly_competitive]})
    rules = alt.Chart(lines).mark_rule(strokeDash=[4, 3], color="#34495e").encode(x="score:Q")
    # The lines are named in the subtitle, not beside each line: lines 10 points apart left
    # no room for their labels on a 400 px chart.
    title = alt.Title("Step 2 CK distribution", subtitle=[
        f"Dashed lines: low below {thresholds.step2_low}, target {thresholds.step2_target},",
        f"highly competitive {thresholds.step2_highly_competitive}"],
        subtitleColor="#34495e")
    return alt.layer(bars, rules, title=title).properties(height=OVERVIEW_LOWER_HEIGHT)


def strategy_chart(mix: pd.DataFrame) -> alt.Chart:
    pick = alt.selection_point(name=SELECT_STRATEGY, fields=["strategy"])
    frame = mix.assign(strategy_label=mix["strategy"].map(STRATEGY_LABELS))
    return (
        alt.Chart(frame, title="Recommended application strategy")
        .mark_bar()
        .encode(
            x=alt.X("sum(count_students):Q", title="Students",
                    axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("strategy_label:N", title=None,
                    sort=[STRATEGY_LABELS[s] for s in STRATEGIES],
                    axis=alt.Axis(labelLimit=220)),
            color=_risk_colour(),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.45)),
            tooltip=[alt.Tooltip("strategy_label:N", title="Strategy"),
                     alt.Tooltip("risk_level:N", title="Risk"),
                     alt.Tooltip("sum(count_students):Q", title="Students")],
        )
        .add_params(pick)
        .properties(height=alt.Step(30))
    )


def risk_by_group_chart(grouped: pd.DataFrame, group_title: str) -> alt.Chart:
    pick = alt.selection_point(name=SELECT_GROUP, fields=["group_value", "risk_level"])
    return (
        alt.Chart(grouped, title=f"Risk by {group_title.lower()}")
        .mark_bar()
        .encode(
            x=alt.X("count_students:Q", title="Students", stack="zero",
                    axis=alt.Axis(format="d", tickMinStep=1)),
            y=alt.Y("group_value:N", title=None, axis=alt.Axis(labelLimit=220)),
            color=_risk_colour(),
            order=alt.Order("risk_rank:Q"),
            opacity=alt.condition(pick, alt.value(1), alt.value(0.45)),
            tooltip=[alt.Tooltip("group_value:N", title=group_title),
                     alt.Tooltip("risk_level:N", title="Risk"),
                     alt.Tooltip("count_students:Q", title="Students")],
        )
        .transform_calculate(risk_rank=f"indexof({RISK_ORDER!r}, datum.risk_level)")
        .add_params(pick)
        .properties(height=alt.Step(22))
    )


def score_vs_research_chart(points: pd.DataFrame, thresholds: Thresholds) -> alt.LayerChart:
    region = alt.selection_interval(name=SELECT_REGION, encodings=["x", "y"])
    frame = points.assign(
        letters=points["count_us_plastics_lors_capped"].map(dict(enumerate(LETTER_GROUPS))))
    dots = (
        alt.Chart(frame)
        .mark_point(filled=True)
        .encode(
            x=alt.X("step2ck_score:Q", title="Step 2 CK score", scale=alt.Scale(zero=False)),
            y=alt.Y("count_research:Q", title="Research items",
                    axis=alt.Axis(format="d", tickMinStep=1)),
            size=alt.Size("count_students:Q", title="Students",
                          scale=alt.Scale(range=[40, 400]), legend=None),
            color=alt.Color("risk_level:N", title="Risk",
                            scale=alt.Scale(domain=RISK_ORDER, range=RISK_COLOURS),
                            sort=RISK_ORDER, legend=alt.Legend(labelExpr=RISK_LABEL_EXPR,
                                                               symbolSize=60)),
            shape=alt.Shape("letters:N", title="US PRS letters",
                            scale=alt.Scale(domain=LETTER_GROUPS), sort=LETTER_GROUPS,
                            legend=alt.Legend(symbolSize=60)),
            opacity=alt.condition(region, alt.value(0.9), alt.value(0.25)),
            tooltip=[alt.Tooltip("step2ck_score:Q", title="Step 2 CK"),
                     alt.Tooltip("count_research:Q",
                                 title="Research items (publications + presentations)"),
                     alt.Tooltip("letters:N", title="US plastics letters"),
                     alt.Tooltip("risk_level:N", title="Risk"),
                     alt.Tooltip("count_students:Q", title="Students")],
        )
        .add_params(region)
    )
    low_line = (
        alt.Chart(pd.DataFrame({"score": [thresholds.step2_low]}))
        .mark_rule(strokeDash=[4, 3], color="#34495e")
        .encode(x="score:Q")
    )
    # The height holds the title, the axes and both legends (Streamlit fits the whole chart
    # to it): at 280 the plot was 130 px and the letters legend was cut.
    return alt.layer(dots, low_line, title="Step 2 CK against research").properties(
        height=OVERVIEW_LOWER_HEIGHT, padding={"top": 12, "left": 5, "right": 5, "bottom": 5})


def _label_expr(labels: dict[str, str]) -> str:
    cases = " : ".join(f"datum.label == {key!r} ? {value!r}" for key, value in labels.items())
    return f"{cases} : datum.label"


STATUS_ORDER = ["Overdue", "Due", "Not applicable"]
STATUS_COLOURS = ["#c0392b", "#1f5f8b", "#95a5a6"]


def plan_timeline(plan: pd.DataFrame, as_of) -> alt.LayerChart:
    """A student's open plan items on a time axis: a dot per deadline, a bar per season,
    today as a dashed line."""
    frame = plan.assign(
        start=pd.to_datetime(plan["due_date"]),
        end=pd.to_datetime(plan["end_date"].fillna(plan["due_date"])),
    )[["start", "end", "short", "what", "status", "date"]]
    order = list(dict.fromkeys(frame["short"]))
    colour = alt.Color("status:N", title="Status", sort=STATUS_ORDER,
                       scale=alt.Scale(domain=STATUS_ORDER, range=STATUS_COLOURS),
                       legend=alt.Legend(orient="top"))
    y = alt.Y("short:N", title=None, sort=order, axis=alt.Axis(labelLimit=200))
    tooltip = [alt.Tooltip("what:N", title="What"), alt.Tooltip("date:N", title="When"),
               alt.Tooltip("status:N", title="Status")]
    bars = alt.Chart(frame).mark_bar(height=8, opacity=0.6).encode(
        x=alt.X("start:T", title=None), x2="end:T", y=y, color=colour, tooltip=tooltip)
    dots = alt.Chart(frame).mark_point(filled=True, size=90).encode(
        x="end:T", y=y, color=colour, tooltip=tooltip)
    today = pd.DataFrame({"day": [pd.Timestamp(as_of)], "label": ["as of"]})
    rule = alt.Chart(today).mark_rule(strokeDash=[4, 3], color="#34495e").encode(x="day:T")
    text = alt.Chart(today).mark_text(align="left", dx=4, dy=-6, color="#34495e",
                                      baseline="bottom").encode(x="day:T", y=alt.value(0),
                                                                text="label:N")
    return alt.layer(bars, dots, rule, text).properties(
        height=alt.Step(28), title="Plan to the Match")


def student_history_chart(history: pd.DataFrame) -> alt.LayerChart:
    """A student across snapshots: the risk level on each date, each dot labelled with the
    Step 2 CK score of that date (or "no score")."""
    frame = history.assign(
        day=pd.to_datetime(history["as_of"]),
        score=[("no score" if pd.isna(score) else f"CK {int(score)}")
               for score in history["step2ck_score"]],
    )[["day", "score", "risk_level"]]
    y = alt.Y("risk_level:N", title=None, sort=RISK_ORDER, scale=alt.Scale(domain=RISK_ORDER),
              axis=alt.Axis(labelExpr=RISK_LABEL_EXPR))
    x = alt.X("day:T", title=None, axis=alt.Axis(format="%-d %b %Y", tickCount="day"))
    tooltip = [alt.Tooltip("day:T", title="As of", format="%-d %b %Y"),
               alt.Tooltip("risk_level:N", title="Risk"), alt.Tooltip("score:N", title="Score")]
    base = alt.Chart(frame).encode(x=x, y=y)
    line = base.mark_line(color="#b3b6b7")
    dots = base.mark_point(filled=True, size=140).encode(color=_risk_colour("Risk level"),
                                                         tooltip=tooltip)
    labels = base.mark_text(dy=-12, fontSize=11, color="#34495e").encode(text="score:N")
    return alt.layer(line, dots, labels).properties(
        height=180, title="Risk level by date (Step 2 CK on each dot)")
