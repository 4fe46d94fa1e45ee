"""Shared fixtures: cohorts built in memory from rows, and the sample cohort loaded once."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
import streamlit as st

from dashboard.config import Config
from dashboard.engine import Cohort, load_cohort
from dashboard.importer import read_cohort
from dashboard.sql import sample_cohort_bytes

# The date rule tests are evaluated on unless they say otherwise: before programs begin
# reviewing applications for the 2027 Match (30 Sep 2026).
AS_OF = dt.date(2026, 7, 1)


def csv_text(rows: list[dict[str, str | None]], delimiter: str = ",") -> str:
    """A CSV with the union of the rows' keys as header; None leaves the cell empty."""
    headers: list[str] = []
    for row in rows:
        headers.extend(key for key in row if key not in headers)
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_NONNUMERIC)
    writer.writerow(headers)
    for row in rows:
        writer.writerow(["" if row.get(h) is None else row[h] for h in headers])
    return buffer.getvalue()


def load_rows(rows: list[dict[str, str | None]]) -> Cohort:
    return load_cohort(read_cohort(csv_text(rows).encode(), "rows.csv"))


def flag_rows(rows, config: Config | None = None, as_of: dt.date = AS_OF) -> list[dict]:
    """Flag rows from one file, in file order."""
    cohort = load_rows(rows)
    flagged = cohort.flag(config or Config(), as_of).relation()
    return [dict(zip(flagged.columns, values, strict=True)) for values in flagged.fetchall()]


def flag_each(rows: list[dict], as_of: dt.date | list[dt.date] = AS_OF) -> list[dict]:
    """Flag many independent rows with as few loads as possible: rows with the same columns
    share a file (no rule looks across rows), rows with different columns get their own.
    `as_of` is one date for every row or a date per row: a file is loaded once and flagged
    on each of its rows' dates (flagging never changes the typed rows)."""
    dates = as_of if isinstance(as_of, list) else [as_of] * len(rows)
    results: list[dict | None] = [None] * len(rows)
    groups: dict[tuple[str, ...], list[int]] = {}
    for index, row in enumerate(rows):
        groups.setdefault(tuple(sorted(row)), []).append(index)
    for indexes in groups.values():
        cohort = load_rows([rows[index] for index in indexes])
        for date in sorted({dates[index] for index in indexes}):
            flagged = cohort.flag(Config(), date).relation()
            records = [dict(zip(flagged.columns, values, strict=True))
                       for values in flagged.fetchall()]
            for index, record in zip(indexes, records, strict=True):
                if dates[index] == date:
                    results[index] = record
    return results


@pytest.fixture(autouse=True)
def fresh_caches():
    """Streamlit's caches are shared by every AppTest in a process: each test starts empty."""
    st.cache_data.clear()
    st.cache_resource.clear()


@pytest.fixture(autouse=True)
def no_failed_page(request, caplog):
    """The app shows a failing page as a generic message (never a traceback), so AppTest sees
    no exception: any page failure logged during a test fails it, unless the test breaks a
    page on purpose (marked `page_may_fail`)."""
    yield
    if request.node.get_closest_marker("page_may_fail"):
        return
    failed = [record.getMessage() for phase in ("setup", "call")
              for record in caplog.get_records(phase)
              if record.name == "cohort_advisor.app" and record.msg.startswith("page %s failed")]
    assert not failed, "a page failed:\n" + "\n".join(failed)


@pytest.fixture(autouse=True)
def own_workspace(tmp_path, monkeypatch):
    """Every test that starts the app gets a workspace of its own, never the user's."""
    path = tmp_path / "workspace.duckdb"
    monkeypatch.setenv("COHORT_ADVISOR_WORKSPACE", str(path))
    return path


@pytest.fixture(scope="session")
def sample_cohort() -> Cohort:
    return load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv"))


@pytest.fixture(scope="session")
def sample_flagged(sample_cohort) -> list[dict]:
    flagged = sample_cohort.flag(Config(), AS_OF).relation()
    return [dict(zip(flagged.columns, values, strict=True)) for values in flagged.fetchall()]
