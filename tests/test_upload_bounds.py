"""Shape caps on the data rows, not only the header (issue: Hardening, round 3): a row wider
than a cohort can be, or more rows than one holds, is refused as it is read, with the row and
the cap named, before the table it would build is built."""

from __future__ import annotations

import time

import pytest

from dashboard import importer
from dashboard.importer import MAX_COLUMNS, CohortFileError, read_cohort

HEADER = b"Student ID,Name,Step 1\n"


def test_a_data_row_wider_than_a_cohort_is_refused_naming_the_row():
    """A blank line sends the file to the Python reader; a 200,000-cell row after it once
    widened the table without limit (minutes, hundreds of MB). Now: refused at once."""
    data = HEADER + b"1,Ann,pass\n\n2,Bob" + b",x" * 200_000 + b"\n3,Cy,fail\n"
    started = time.perf_counter()
    with pytest.raises(CohortFileError) as refused:
        read_cohort(data, "wide.csv")
    elapsed = time.perf_counter() - started
    message = str(refused.value)
    assert "wide.csv" in message and "row 4" in message and "200,002 cells" in message
    assert str(MAX_COLUMNS) in message
    assert elapsed < 10  # generous: the point is seconds, not the minutes it took


def test_a_data_row_at_the_cap_is_read():
    data = HEADER + b"\n1,Ann,pass" + b"," * (MAX_COLUMNS - 3) + b"\n"
    raw = read_cohort(data, "edge.csv")
    assert (raw.source.num_rows, len(raw.headers)) == (1, MAX_COLUMNS)


@pytest.mark.parametrize("blank_line", [False, True], ids=["duckdb", "python"])
def test_more_rows_than_the_cap_are_refused_naming_the_cap(monkeypatch, blank_line):
    monkeypatch.setattr(importer, "MAX_ROWS", 50)
    rows = b"".join(b"%d,S%d,pass\n" % (n, n) for n in range(51))
    data = HEADER + (b"\n" if blank_line else b"") + rows
    with pytest.raises(CohortFileError, match=r"more than 50 rows of data"):
        read_cohort(data, "long.csv")
    fits = HEADER + (b"\n" if blank_line else b"") + rows.split(b"\n", 1)[1]
    raw = read_cohort(fits, "long.csv")
    rows = raw.source.num_rows if blank_line else raw.expected_records - 1
    assert rows == 50
