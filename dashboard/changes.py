"""What changed between two flagged versions of a cohort: `queries/workspace/changes.sql`.

Either side is a snapshot of the workspace or the cohort loaded in a session; both come to a
scratch connection as the few columns a comparison reads (`COMPARED_COLUMNS`), so that the
comparison never needs the workspace and the session's database at once.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from dashboard.fields import FIELD_NAMES
from dashboard.flagging import FLAGGED_TABLE, FlaggedCohort
from dashboard.rules import RULES, RULES_BY_ID
from dashboard.sql import connect, create_table

COMPARED_COLUMNS = ("source_row", "given_student_id", "student_id", "name", "risk_level",
                    "flags", "unknown", "step2ck_score", "us_plastics_lors", "us_plastics_subis")
# The fields whose cell could not be read: a flag whose input became unreadable has not been
# cleared, and a value that became unreadable is said to be so.
UNREADABLE_FIELDS = duckdb.SQLExpression(
    "list_transform(list_filter(cell_problems, lambda cell: cell.issue.kind = 'unreadable'), "
    "lambda cell: cell.field)").alias("unreadable_fields")


# The input fields that hold a value, as bits of one number (cheap to compute and to keep):
# a field that had a value and has none later was lost (blanked or unreadable), and whatever
# got better by it did not get better.
KNOWN_FIELDS = tuple(field for field in FIELD_NAMES if field not in ("student_id", "name",
                                                                      "email"))
KNOWN_MASK = functools.reduce(operator.add, [
    duckdb.CaseExpression(duckdb.ColumnExpression(field).isnotnull(),
                          duckdb.ConstantExpression(1 << position))
    .otherwise(duckdb.ConstantExpression(0))
    for position, field in enumerate(KNOWN_FIELDS)]).cast(duckdb.sqltype("BIGINT")).alias(
    "known_mask")


def compared(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """What a comparison reads of a flagged cohort or a snapshot's students."""
    return relation.select(*[duckdb.ColumnExpression(column) for column in COMPARED_COLUMNS],
                           UNREADABLE_FIELDS, KNOWN_MASK)
CHANGE_KINDS = ("joined", "left", "risk_level", "flag_raised", "flag_cleared", "step2ck_score",
                "us_plastics_lors", "us_plastics_subis")
CHANGE_COLUMNS = ("student_id", "name", "change", "before", "after", "direction", "detail",
                  "row")


def flagged_summary(flagged: FlaggedCohort) -> pa.Table:
    """The compared columns of a session's flagged cohort."""
    return compared(flagged.on_own_cursor().con.table(FLAGGED_TABLE)).to_arrow_table()


@dataclass(frozen=True)
class ChangeSummary:
    since: dt.date | None
    worse: int
    better: int
    needs_data: int
    joined: int
    left: int
    students_changed: int
    flags_raised: dict[str, int]  # rule id -> students, in catalogue order
    flags_cleared: dict[str, int]
    scores_changed: int
    ambiguous_ids: int
    rows_without_id: int  # rows of the later file that no ID matches to the earlier one
    look_alike_ids: int = 0  # joined ids that look like an id that left: to confirm
    fields_no_longer_read: tuple[str, ...] = ()  # read in the earlier version only
    fields_newly_read: tuple[str, ...] = ()  # read in the later version only

    def reading_changes(self) -> list[str]:
        """What is read differently, said once (never as a change per student)."""
        from dashboard.fields import FIELDS_BY_NAME

        said = []
        if self.fields_no_longer_read:
            said.append("no longer read (no column feeds it): " + ", ".join(
                FIELDS_BY_NAME[name].label for name in self.fields_no_longer_read))
        if self.fields_newly_read:
            said.append("newly read: " + ", ".join(
                FIELDS_BY_NAME[name].label for name in self.fields_newly_read))
        return said

    def headline(self) -> str:
        """One line such as: 4 students worse, 9 better, 3 new flags of Step 2 CK low, 2 flags
        cleared."""
        from dashboard.ui import counted

        parts = [*self.reading_changes(),
                 counted(self.worse, "student") + " worse", f"{self.better:,} better"]
        if self.needs_data:
            parts.append(f"{self.needs_data:,} now need data")
        if self.joined or self.left:
            parts.append(f"{self.joined:,} joined, {self.left:,} left")
        for rule_id, count in self.flags_raised.items():
            parts.append(counted(count, "new flag") + f" of {RULES_BY_ID[rule_id].label}")
        if cleared := sum(self.flags_cleared.values()):  # the good news said too
            parts.append(counted(cleared, "flag") + " cleared")
        return ", ".join(parts)


class Changes:
    """The changes between `before` and `after` (compared columns of each), computed once."""

    def __init__(self, before: pa.Table, after: pa.Table,
                 before_fields: frozenset[str] | None = None,
                 after_fields: frozenset[str] | None = None):
        """`before_fields` and `after_fields`: the fields a column fed in each version (None:
        not known, as every field read on both sides)."""
        self.con = connect()
        if before_fields is None or after_fields is None:
            self.fields_no_longer_read: tuple[str, ...] = ()
            self.fields_newly_read: tuple[str, ...] = ()
        else:
            self.fields_no_longer_read = tuple(name for name in FIELD_NAMES
                                               if name in before_fields - after_fields)
            self.fields_newly_read = tuple(name for name in FIELD_NAMES
                                           if name in after_fields - before_fields)
        one_sided = set(self.fields_no_longer_read) | set(self.fields_newly_read)
        # Scanned where they are (copying 2 x 50,000 rows into tables cost a quarter second).
        self._sides = (before, after)
        self.con.register("before_students", before)
        self.con.register("after_students", after)
        create_table(self.con, "look_alike_ids", "workspace/look_alike_ids")
        create_table(self.con, "changes", "workspace/changes", {
            "rule_ids": [rule.id for rule in RULES],
            "rule_labels": [rule.label for rule in RULES],
            "rule_fields": [list(rule.fields) for rule in RULES],
            "known_fields": list(KNOWN_FIELDS),
            "one_sided_fields": sorted(one_sided),
            "one_sided_rules": [rule.id for rule in RULES if one_sided & set(rule.fields)],
        })
        create_table(self.con, "ambiguous_ids", "workspace/ambiguous_ids")

    def relation(self) -> duckdb.DuckDBPyRelation:
        """One row per change, in the later file's order (students who left at the end)."""
        return self.con.table("changes")

    def ambiguous(self) -> duckdb.DuckDBPyRelation:
        return self.con.table("ambiguous_ids")

    def look_alikes(self) -> duckdb.DuckDBPyRelation:
        """A student who joined and one who left under ids that look alike (`AB0012` and
        `ab12`): after_id, after_row, before_id, before_row and the problem in words, for
        the advisor to confirm; they stay a "joined" and a "left" change."""
        return self.con.table("look_alike_ids")

    def details(self, student_ids: list[str]) -> dict[str, str]:
        """What changed for each of these students, in words, in the changes' order."""
        found: dict[str, list[str]] = {}
        for student_id, detail in self.con.execute(
                "select student_id, detail from changes "
                "where student_id in (select unnest($ids::varchar[]))",
                {"ids": student_ids}).fetchall():
            found.setdefault(student_id, []).append(detail)
        return {student_id: "; ".join(parts) for student_id, parts in found.items()}

    def left(self) -> list[str]:
        """The ids of the students who left, in the earlier file's order."""
        return [student_id for (student_id,) in self.con.execute(
            "select student_id from changes where change = 'left'").fetchall()]

    def changed_ids(self) -> list[str]:
        return [student_id for (student_id,) in self.con.execute(
            "select distinct student_id from changes where change <> 'left'").fetchall()]

    def summary(self, since: dt.date | None = None) -> ChangeSummary:
        [counts] = self.con.execute(
            "select count(*) filter (where change = 'risk_level' and direction = 'worse'), "
            "count(*) filter (where change = 'risk_level' and direction = 'better'), "
            "count(*) filter (where change = 'risk_level' and direction = 'needs data'), "
            "count(*) filter (where change = 'joined'), count(*) filter (where change = 'left'), "
            "count(distinct student_id), "
            "count(*) filter (where change = 'step2ck_score') from changes").fetchall()
        raised = dict(self.con.execute(
            "select after, count(*) from changes where change = 'flag_raised' group by after"
        ).fetchall())
        cleared = dict(self.con.execute(
            "select after, count(*) from changes where change = 'flag_cleared' group by after"
        ).fetchall())
        [(ambiguous,)] = self.con.execute("select count(*) from ambiguous_ids").fetchall()
        [(look_alike,)] = self.con.execute(
            "select count(distinct after_id) from look_alike_ids").fetchall()
        [(without_id,)] = self.con.execute(
            "select count(*) from after_students where given_student_id is null").fetchall()
        worse, better, needs_data, joined, left, changed, scores = counts
        return ChangeSummary(
            since=since, worse=worse, better=better, needs_data=needs_data, joined=joined,
            left=left, students_changed=changed,
            flags_raised={rule.id: raised[rule.id] for rule in RULES if rule.id in raised},
            flags_cleared={rule.id: cleared[rule.id] for rule in RULES if rule.id in cleared},
            scores_changed=scores, ambiguous_ids=ambiguous, rows_without_id=without_id,
            look_alike_ids=look_alike,
            fields_no_longer_read=self.fields_no_longer_read,
            fields_newly_read=self.fields_newly_read)
