"""Named SQL queries from `queries/`, and DuckDB connections that know the cell parsers."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import duckdb


def project_dir(name: str):
    """A top-level folder of the project (`queries`, `sample_data`), installed or checked out."""
    packaged = resources.files("dashboard") / name  # where the wheel puts it
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / name  # a source checkout


@cache
def load_query(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    return (project_dir("queries") / f"{name}.sql").read_text(encoding="utf-8")


def sample_cohort_bytes() -> bytes:
    """The bundled synthetic sample cohort."""
    return (project_dir("sample_data") / "cohort.csv").read_bytes()


def connect(memory_limit: str | None = None) -> duckdb.DuckDBPyConnection:
    """A private in-memory database with the macros of `queries/loading/macros.sql`; with
    `memory_limit` (DuckDB's, such as "2GB") when given."""
    config = {} if memory_limit is None else {"memory_limit": memory_limit}
    con = duckdb.connect(":memory:", config=config)
    # No progress bar: it would write into the CLI's output and the server's log.
    con.execute("set enable_progress_bar = false")
    # A long IN list is otherwise rewritten into a join, and the join gives up the insertion
    # order: past one row group (122,880 rows) the typed table, and so every export, would
    # come out in shuffled blocks instead of spreadsheet order.
    con.execute("set disabled_optimizers = 'in_clause'")
    from dashboard import identity  # imported here: it needs nothing of this module

    identity.register(con)
    con.execute(load_query("loading/macros"))
    return con


_CREATE_AS = {  # fixed statements, as for _DROP: no name is put into SQL at run time
    "canonical_students": "create table canonical_students as\n",
    "student_plan_lists": "create table student_plan_lists as\n",
    "student_plans": "create table student_plans as\n",
    "next_steps": "create table next_steps as\n",
    "look_alike_ids": "create table look_alike_ids as\n",
    "changes": "create table changes as\n",
    "ambiguous_ids": "create table ambiguous_ids as\n",
}


def create_table(con: duckdb.DuckDBPyConnection, table: str, query: str,
                 params: dict | None = None) -> None:
    """Create `table` (one of `_CREATE_AS`) from the named query, binding it once. (A
    relation's `.create` binds the query twice, once for the relation and again for the
    statement; for the typing query, whose macros expand to thousands of expressions, that
    was a second of planning.)"""
    con.execute(_CREATE_AS[table] + load_query(query), params or {})


_DROP = {  # fixed statements: SQL is never built from strings
    ("flagged_students", "VIEW"): "drop view flagged_students",
    ("flagged_students", "BASE TABLE"): "drop table flagged_students",
    ("student_plans", "VIEW"): "drop view student_plans",
    ("student_plans", "BASE TABLE"): "drop table student_plans",
    ("student_plan_lists", "VIEW"): "drop view student_plan_lists",
    ("student_plan_lists", "BASE TABLE"): "drop table student_plan_lists",
    ("next_steps", "BASE TABLE"): "drop table next_steps",
    ("advisor_groups", "BASE TABLE"): "drop table advisor_groups",
    ("plan_students", "VIEW"): "drop view plan_students",
    ("plan_students", "BASE TABLE"): "drop table plan_students",
}


def drop_relation(con: duckdb.DuckDBPyConnection, name: str) -> None:
    """Drop the table or view `name` if there is one (a cohort flagged for an export keeps
    views; flagged for the dashboard, tables)."""
    [(kind,)] = con.execute(
        "select coalesce(max(table_type), '') from information_schema.tables "
        "where table_name = $name and table_schema = current_schema()", {"name": name}
    ).fetchall()
    if kind:
        con.execute(_DROP[(name, kind)])
