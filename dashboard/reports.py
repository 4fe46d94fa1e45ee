"""What the dashboard shows, computed in DuckDB from a materialised flagged cohort.

Plain functions of a `FlaggedCohort` (or a cursor of its database) and bound parameters,
testable without Streamlit; every result is small (aggregates, or one page of students),
whatever the size of the cohort.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace

import duckdb
import pandas as pd
import pyarrow as pa

from dashboard.fields import FIELDS_BY_NAME
from dashboard.flagging import RULE_INPUTS, FlaggedCohort, flag_records
from dashboard.rules import RULES, RULES_BY_ID, missing_fields, needs_data_rules
from dashboard.sql import load_query

GROUPINGS = {"class_year": "Class year", "campus": "Campus", "advisor": "Advisor"}


@dataclass(frozen=True)
class StudentFilter:
    """The Students page's filters; empty means no restriction."""

    risk_levels: tuple[str, ...] = ()
    flags: tuple[str, ...] = ()
    # Which students the flags pick: those with a flag raised, those it could not be checked
    # for (its data missing), or both, the default: missing data never hides a student.
    flag_match: str = "raised_or_unchecked"
    bands: tuple[str, ...] = ()
    strategies: tuple[str, ...] = ()
    stages: tuple[str, ...] = ()
    class_years: tuple[int, ...] = ()
    campuses: tuple[str, ...] = ()
    advisors: tuple[str, ...] = ()
    search: str = ""
    at_risk_only: bool = False
    score_min: int | None = None
    score_max: int | None = None
    research_min: int | None = None
    research_max: int | None = None
    changed_only: bool = False  # only students who changed since the last snapshot

    def as_params(self) -> dict[str, object]:
        return {key: list(value) if isinstance(value, tuple) else value
                for key, value in asdict(self).items()}

    def changed(self, **values) -> StudentFilter:
        return replace(self, **values)

    @property
    def is_empty(self) -> bool:
        return self == StudentFilter()


def query(source: FlaggedCohort | duckdb.DuckDBPyConnection, name: str, **params
          ) -> duckdb.DuckDBPyRelation:
    """Run `queries/reports/<name>.sql` over the flagged students table."""
    if isinstance(source, FlaggedCohort):
        if not source.is_materialised:
            raise ValueError("reports read a materialised flagged cohort")
        source = source.con
    return source.sql(load_query("reports/" + name), params=params or None)


def cohort_summary(con) -> dict[str, int]:
    relation = query(con, "cohort_summary")
    [row] = relation.fetchall()
    return dict(zip(relation.columns, row, strict=True))


def flag_prevalence(con) -> pd.DataFrame:
    frame = query(con, "flag_prevalence").df()
    order = {rule.id: position for position, rule in enumerate(RULES)}
    frame["rule"] = frame["rule_id"].map(lambda rule_id: RULES_BY_ID[rule_id].label)
    frame["order"] = frame["rule_id"].map(order)
    return frame.sort_values(["order", "state"]).reset_index(drop=True)


def score_distribution(con, bin_width: int = 5) -> pd.DataFrame:
    return query(con, "score_distribution", bin_width=bin_width).df()


def strategy_mix(con) -> pd.DataFrame:
    return query(con, "strategy_mix").df()


def risk_by_group(con, group_by: str) -> pd.DataFrame:
    if group_by not in GROUPINGS:
        raise ValueError(f"cannot group by {group_by!r}")
    return query(con, "risk_by_group", group_by=group_by).df()


def score_vs_research(con) -> pd.DataFrame:
    return query(con, "score_vs_research").df()


def filter_options(con) -> dict[str, list]:
    relation = query(con, "filter_options")
    [row] = relation.fetchall()
    options = dict(zip(relation.columns, row, strict=True))
    # An empty cohort aggregates to NULL lists: no options.
    return {key: [value for value in values or () if value is not None] for key, values in
            options.items()}


def filtered_students(con, student_filter: StudentFilter) -> duckdb.DuckDBPyRelation:
    return query(con, "filtered_students", **student_filter.as_params())


STUDENT_TABLE_COLUMNS = (
    "source_row", "student_id", "name", "risk_level", "unchecked", "reasons", "next_step",
    "next_step_due", "step2ck_score", "us_plastics_lors", "stage", "advisor", "strategy",
    "class_year", "campus",
)


def student_page(flagged: FlaggedCohort, student_filter: StudentFilter, page: int,
                 page_size: int) -> tuple[pd.DataFrame, int]:
    """One page of the filtered students (most urgent first) and how many match in all."""
    from dashboard.plan import next_step_words

    matched = filtered_students(flagged, student_filter)
    [(total,)] = matched.aggregate("count(*)").fetchall()
    rule_columns = [rule.id for rule in RULES]
    data_columns = [c for c in STUDENT_TABLE_COLUMNS
                    if c not in ("reasons", "next_step", "unchecked")]
    rows = matched.limit(page_size, offset=max(page - 1, 0) * page_size)
    rule_fields = sorted({name for rule in RULES for name in rule.fields})
    frame = rows.select(*[duckdb.ColumnExpression(c) for c in (
        *data_columns, *rule_columns, *[f for f in rule_fields if f not in data_columns],
        "next_item", "advisor_group", "is_step1_due", "is_ready_stage")]).df()
    states = frame[[*rule_columns, "is_step1_due", "is_ready_stage"]].to_dict("records")
    # The rules' inputs with None for a missing value (pandas reads a NULL number as NaN).
    values = frame[rule_fields].astype(object).where(frame[rule_fields].notna(), None
                                                     ).to_dict("records")
    # Critical flags first, then warnings; info notes (before the final year) stay on the
    # student's page.
    frame["reasons"] = [
        ", ".join([RULES_BY_ID[r].label for r in rule_columns if row[r] == "critical"]
                  + [RULES_BY_ID[r].label for r in rule_columns if row[r] == "warning"])
        for row in states]
    frame["unchecked"] = [
        ", ".join(dict.fromkeys(label for r in rule_columns if row[r] == "unknown"
                                for label in missing_labels(RULES_BY_ID[r], student)))
        for row, student in zip(states, values, strict=True)]
    frame["next_step"] = [next_step_words(item, due, flagged.as_of) for item, due
                          in zip(frame["next_item"], frame["next_step_due"], strict=True)]
    # A needs-data student's reason is the check that could not run.
    for index, row in enumerate(states):
        if not frame.at[index, "reasons"] and frame.at[index, "risk_level"] == "needs_data":
            frame.at[index, "reasons"] = "Not checked: " + ", ".join(
                FIELDS_BY_NAME[rule.fields[0]].label for rule in needs_data_rules(row))
    for column in ("step2ck_score", "us_plastics_lors", "class_year"):
        frame[column] = frame[column].astype("Int64")  # blank, never "None", when missing
    frame["advisor"] = frame["advisor_group"]
    return frame[list(STUDENT_TABLE_COLUMNS)], total


def missing_labels(rule, student: dict) -> list[str]:
    """What an unchecked rule lacked, in words: its missing fields (None), else (never blank)
    the rule itself."""
    return [FIELDS_BY_NAME[name].label for name in missing_fields(rule, student)] or [rule.label]


def student_record(source: FlaggedCohort | duckdb.DuckDBPyConnection, source_row: int
                   ) -> dict | None:
    """Everything known about the student on one spreadsheet row."""
    con = source.con if isinstance(source, FlaggedCohort) else source
    relation = con.sql("select * from flagged_students where source_row = $row",
                       params={"row": source_row})
    rows = relation.fetchall()
    return dict(zip(relation.columns, rows[0], strict=True)) if rows else None


def student_issues(cohort, source_row: int) -> pd.DataFrame:
    """The data issues of one spreadsheet row: column, value, problem, kind."""
    return cohort.data_issues().filter(
        duckdb.ColumnExpression("row") == duckdb.ConstantExpression(source_row)).df()


def student_choices(con, student_filter: StudentFilter, limit: int = 2000) -> list[tuple]:
    """(source_row, student_id, name) of filtered students, for the drill-down picker."""
    return filtered_students(con, student_filter).select(
        duckdb.ColumnExpression("source_row"), duckdb.ColumnExpression("student_id"),
        duckdb.ColumnExpression("name"),
    ).limit(limit).fetchall()


WHAT_IF_FIELDS = ("step2ck_score", "us_plastics_lors", "publications", "presentations",
                  "us_plastics_subis", "parallel_plan")


def what_if(flagged: FlaggedCohort, source_row: int, changes: dict) -> dict:
    """The student's flags, band and strategy if the changed fields held these values."""
    unknown_fields = set(changes) - set(WHAT_IF_FIELDS)
    if unknown_fields:
        raise ValueError(f"what-if cannot change {sorted(unknown_fields)}")
    columns = RULE_INPUTS
    record = flagged.con.sql("select * from canonical_students where source_row = $row",
                     params={"row": source_row}).select(
        *[duckdb.ColumnExpression(column) for column in columns]).to_arrow_table()
    for name, value in changes.items():
        position = record.schema.get_field_index(name)
        record = record.set_column(position, name,
                                   pa.array([value], type=record.schema.field(name).type))
    [outcome] = flag_records(record, flagged.config, flagged.as_of)
    return outcome


def students_by_id(source, student_ids: list[str]) -> pd.DataFrame:
    """student_id, source_row, name, advisor_group, rows_with_id for these ids in the file
    (a repeated id has no row or name: which one would it be?)."""
    return query(source, "students_by_id", student_ids=student_ids).df()
