"""Canonical students -> flagged students: rule states in SQL, per-rule lists from the catalogue.

`queries/flagging/rule_states.sql` holds each rule's condition and severity, one column per
rule id. What is computed *across* the rules (counts by severity, the `flags` and `unknown`
lists, the risk level, the one-line recommendations) is built here from `RULES`, as DuckDB
expressions, so adding a rule means a catalogue row and one SQL condition.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import duckdb
import pyarrow as pa
from duckdb import CaseExpression, ColumnExpression, ConstantExpression, FunctionExpression

from dashboard.config import Config
from dashboard.fields import FIELD_NAMES
from dashboard.rules import RULES, SEVERITIES
from dashboard.sql import connect, load_query

if TYPE_CHECKING:
    from dashboard.engine import Cohort

INTEGER = duckdb.sqltype("INTEGER")
FLAGGED_TABLE = "flagged_students"
# The columns of canonical_students the rule query reads: what a what-if record carries.
RULE_INPUTS = ("source_row", "given_student_id", *FIELD_NAMES, "graduation_year")


def _is(rule_id: str, state: str) -> duckdb.Expression:
    return ColumnExpression(rule_id) == ConstantExpression(state)


def _count(state: str) -> duckdb.Expression:
    return functools.reduce(operator.add, [_is(rule.id, state).cast(INTEGER) for rule in RULES])


def _any(expressions: list[duckdb.Expression]) -> duckdb.Expression:
    return functools.reduce(operator.or_, expressions)


def _joined(macro: str, separator: str, value_of) -> duckdb.Expression:
    """concat_ws over the rules, each contributing `value_of(rule)` (an expression) while
    `macro` holds."""
    return FunctionExpression("concat_ws", ConstantExpression(separator), *[
        FunctionExpression(macro, ColumnExpression(rule.id), value_of(rule)) for rule in RULES])


def _action(rule) -> duckdb.Expression:
    """A rule's one-line recommendation, in the words for the student's case (its first
    alternative whose column holds, else the general one)."""
    if not rule.alternatives:
        return ConstantExpression(rule.action)
    first, *others = rule.alternatives
    expression = CaseExpression(ColumnExpression(first.when), ConstantExpression(first.action))
    for alternative in others:
        expression = expression.when(ColumnExpression(alternative.when),
                                     ConstantExpression(alternative.action))
    return expression.otherwise(ConstantExpression(rule.action))


def _risk_level() -> duckdb.Expression:
    """high (a critical flag), moderate (a warning), needs_data (a rule the catalogue marks
    as essential is unknown while its condition column holds), else low. Info flags do not
    count."""
    needs_data = [_is(rule.id, "unknown") & ColumnExpression(rule.unknown_needs_data)
                  for rule in RULES if rule.unknown_needs_data]
    return (
        CaseExpression(_any([_is(rule.id, "critical") for rule in RULES]),
                       ConstantExpression("high"))
        .when(_any([_is(rule.id, "warning") for rule in RULES]), ConstantExpression("moderate"))
        .when(_any(needs_data), ConstantExpression("needs_data"))
        .otherwise(ConstantExpression("low"))
    )


def summary_columns() -> list[duckdb.Expression]:
    """The columns derived across every rule, in the order the flagged table carries them."""
    return [
        *[_count(severity).alias(f"count_{severity}") for severity in SEVERITIES],
        _count("unknown").alias("count_unknown"),
        _risk_level().alias("risk_level"),
        _joined("if_raised", ";", lambda rule: ConstantExpression(rule.id)).alias("flags"),
        _joined("if_unknown", ";", lambda rule: ConstantExpression(rule.id)).alias("unknown"),
        _joined("if_raised", "; ", _action).alias("recommendations"),
    ]


def flag_students(con: duckdb.DuckDBPyConnection, config: Config, as_of: dt.date
                  ) -> duckdb.DuckDBPyRelation:
    """Every row of `canonical_students` on `con`, flagged with these settings on this date."""
    states = con.sql(load_query("flagging/rule_states"), params=config.rule_params(as_of))
    return states.select(duckdb.StarExpression(), *summary_columns())


@dataclass(frozen=True)
class FlaggedCohort:
    """A cohort flagged with one config on one date: whatever reads it (a page, a report, an
    export) gets the settings it was computed with, never others."""

    cohort: Cohort
    config: Config
    as_of: dt.date
    is_materialised: bool
    cursor: duckdb.DuckDBPyConnection | None = None

    @property
    def con(self) -> duckdb.DuckDBPyConnection:
        return self.cursor or self.cohort.con

    def on_own_cursor(self) -> FlaggedCohort:
        """The same flagged cohort read through a new cursor: what a download, built on
        another thread while the page runs, must use (a DuckDB connection serves one call at
        a time and refuses a second)."""
        return replace(self, cursor=self.cohort.con.cursor())

    def relation(self, con: duckdb.DuckDBPyConnection | None = None) -> duckdb.DuckDBPyRelation:
        """The flagged students, on `con` (a cursor of the same database) or the cohort's own."""
        con = con or self.con
        if self.is_materialised or con is self.cohort.con:
            return con.table(FLAGGED_TABLE)
        return flag_students(con, self.config, self.as_of)

    @property
    def settings_rows(self) -> list[tuple[str, str, object, str]]:
        return self.config.rows(self.as_of)


def flag_records(records: pa.Table, config: Config, as_of: dt.date) -> list[dict]:
    """Flag typed student records on a scratch connection: the what-if panel's engine."""
    con = connect()
    con.from_arrow(records).create("canonical_students")
    flagged = flag_students(con, config, as_of)
    return [dict(zip(flagged.columns, row, strict=True)) for row in flagged.fetchall()]
