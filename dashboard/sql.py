"""Named SQL queries from `queries/`, and DuckDB connections that know the cell parsers."""

from __future__ import annotations

from functools import cache
from importlib import resources
from pathlib import Path

import duckdb


def _queries_dir():
    packaged = resources.files("dashboard") / "queries"  # where the wheel puts them
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "queries"  # a source checkout


@cache
def load_query(name: str) -> str:
    """The text of `queries/<name>.sql`."""
    return (_queries_dir() / f"{name}.sql").read_text(encoding="utf-8")


def connect() -> duckdb.DuckDBPyConnection:
    """A private in-memory database with the macros of `queries/macros.sql`."""
    con = duckdb.connect(":memory:")
    con.execute(load_query("macros"))
    return con
