"""Hostile input: arbitrary cells never crash the loader or lose a row; zip bombs are refused;
sessions stay private; formula payloads in data issues are neutralised."""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from dashboard.engine import load_cohort
from dashboard.exports import csv_bytes
from dashboard.importer import CohortFileError, read_cohort

NUMERIC_COLUMNS = ("step2ck_score", "us_plastics_lors")
# What DuckDB trim() drops from a cell's edges: the space and the Unicode spaces.
EDGE = (" \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
        "\u200a\u202f\u205f")
# Any text but NUL (a NUL byte marks a binary file, which is refused whole) and lone
# surrogates (which no file can hold).
CHARACTERS = st.characters(blacklist_characters="\x00", blacklist_categories=("Cs",))
CELL = st.one_of(
    st.text(CHARACTERS, max_size=40),
    st.sampled_from(["NULL", "None", "NaN", "nan", "-0", "1e3", "245.0", "٢٤٥", "\u200b245",
                     "\u202eevil", "=1+1", "2,5", " 12 ", "inf", "1" * 400]),
    st.integers(-10**6, 10**6).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
ROW = st.fixed_dictionaries({
    "student_id": st.text(CHARACTERS, max_size=12)
    .map(lambda text: "S" + text),
    "name": CELL, "step2ck_score": CELL, "us_plastics_lors": CELL, "parallel_plan": CELL,
    "notes": CELL,
})


def encode(rows: list[dict]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    columns = ["student_id", "name", *NUMERIC_COLUMNS, "parallel_plan", "notes"]
    writer.writerow(columns)
    writer.writerows([[row[column] for column in columns] for row in rows])
    return buffer.getvalue().encode("utf-8")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow],
          phases=[Phase.explicit, Phase.reuse, Phase.generate])
@given(st.lists(ROW, min_size=1, max_size=12))
def test_arbitrary_cells_never_crash_lose_or_reorder_rows(rows):
    cohort = load_cohort(read_cohort(encode(rows), "fuzz.csv"))
    relation = cohort.con.sql(
        "select source_row, given_student_id, step2ck_score, us_plastics_lors, "
        "extra_0 from canonical_students order by source_row")
    loaded = relation.fetchall()
    assert [row[0] for row in loaded] == list(range(2, len(rows) + 2))
    issues = {(row, column) for row, column, *_ in cohort.data_issues().fetchall()}
    for (row_number, given_id, score, letters, notes), original in zip(loaded, rows,
                                                                        strict=True):
        assert given_id.strip(EDGE) == original["student_id"].strip(EDGE)
        assert notes == (original["notes"] or None)
        for column, typed in zip(NUMERIC_COLUMNS, (score, letters), strict=True):
            if typed is None and original[column].strip(EDGE).lower().replace(" ", "") not in (
                    "", "n/a", "na", "tbd", "unknown", "?", "-", "--"):
                assert (row_number, column) in issues, (column, original[column])


def test_a_student_called_null_stays_a_student():
    data = b"id,name\nS1,Null\nS2,None\nS3,NaN\nS4,\n"
    cohort = load_cohort(read_cohort(data, "nulls.csv"))
    names = cohort.con.sql("select name from canonical_students order by source_row").fetchall()
    assert names == [("Null",), ("None",), ("NaN",), (None,)]


def test_formula_payloads_in_data_issues_are_neutralised():
    data = b'id,Step 2 CK\nS1,"=HYPERLINK(""http://x"")"\nS2,@SUM(1)\n'
    cohort = load_cohort(read_cohort(data, "payload.csv"))
    text = csv_bytes(cohort.data_issues()).decode("utf-8-sig")
    values = [row["value"] for row in csv.DictReader(io.StringIO(text))]
    assert values == ["'=HYPERLINK(\"http://x\")", "'@SUM(1)"]


def test_zip_bomb_is_refused_before_unpacking():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/worksheets/sheet1.xml", b"\0" * (300 * 2**20))
    data = buffer.getvalue()
    assert len(data) < 2 * 2**20
    try:
        read_cohort(data, "bomb.xlsx")
    except CohortFileError as refused:
        assert "too large to open safely" in str(refused)
    else:
        raise AssertionError("a zip bomb was opened")


def test_sessions_do_not_see_each_others_cohorts():
    from streamlit.testing.v1 import AppTest

    app = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
    messy = Path(__file__).resolve().parent / "data" / "messy_cohort.csv"
    first, second = AppTest.from_file(app, default_timeout=60), AppTest.from_file(
        app, default_timeout=60)
    first.run()
    second.run()
    first.file_uploader(key="import_upload").set_value(
        (messy.name, messy.read_bytes(), "text/csv")).run()
    second.run()
    students = {m.label: m.value for m in first.metric}["Students"], \
        {m.label: m.value for m in second.metric}["Students"]
    assert students == ("9", "150")


def test_typing_that_runs_over_its_time_limit_is_stopped_and_refused():
    body = "".join(f"S{i},{200 + i % 90},M4,pass,yes\n" for i in range(400_000))
    raw = read_cohort(("id,step 2 ck,stage,step 1,parallel plan\n" + body).encode(), "slow.csv")
    try:
        load_cohort(raw, time_limit=0.05)
    except CohortFileError as refused:
        assert str(refused).startswith("slow.csv: reading took longer than 0.05 s")
    else:
        raise AssertionError("a load past its time limit was not stopped")
    assert load_cohort(raw, time_limit=60).student_count == 400_000


def _workbook_with(cell: str, value: str = "x") -> bytes:
    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Cohort")
    sheet.write_row(0, 0, ["Student ID", "Step 2 CK"])
    sheet.write_row(1, 0, ["S1", 240])
    sheet.write(cell, value)
    workbook.close()
    return buffer.getvalue()


def _rewrite(data: bytes, name: str, change) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            target.writestr(info.filename, change(content) if info.filename == name else content)
    return buffer.getvalue()


def test_a_cell_at_the_sheets_far_corner_is_refused_before_it_is_read():
    import time

    data = _workbook_with("XFD1048576")
    assert len(data) < 10_000
    started = time.perf_counter()
    try:
        read_cohort(data, "corner.xlsx")
    except CohortFileError as error:
        assert "past column ZZ" in str(error)
    else:
        raise AssertionError("a workbook spanning XFD1048576 was read")
    assert time.perf_counter() - started < 5


def test_a_reference_past_the_last_excel_column_is_refused():
    data = _rewrite(_workbook_with("B3"), "xl/worksheets/sheet1.xml",
                    lambda xml: xml.replace(b'r="B3"', b'r="ZZZZ2"'))
    try:
        read_cohort(data, "wide.xlsx")
    except CohortFileError as error:
        assert "past column ZZ" in str(error)
    else:
        raise AssertionError("a reference at ZZZZ2 was read")


def test_many_rows_by_many_columns_is_refused():
    data = _workbook_with("ZZ60000")
    try:
        read_cohort(data, "tall.xlsx")
    except CohortFileError as error:
        assert "60,000 rows by 702 columns" in str(error)
    else:
        raise AssertionError("a 60,000 x 702 area was read")


def test_a_shared_string_longer_than_excel_allows_is_refused():
    data = _workbook_with("C2", "short")
    data = _rewrite(data, "xl/sharedStrings.xml",
                    lambda xml: xml.replace(b">short<", b">" + b"y" * 1_000_000 + b"<"))
    try:
        read_cohort(data, "bloated.xlsx")
    except CohortFileError as error:
        assert "longer than Excel allows" in str(error)
    else:
        raise AssertionError("a 1 MB shared string was read")


def test_downloads_built_on_another_thread_never_find_the_connection_busy():
    """A download's data is built on a server thread while the page's script uses the
    cohort's connection: each download reads through its own cursor."""
    import datetime as dt
    import threading

    from dashboard.advice import batch_html
    from dashboard.cohort_report import cohort_report_html
    from dashboard.config import Config
    from dashboard.engine import load_cohort
    from dashboard.sql import sample_cohort_bytes

    flagged = load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv")).flag(
        Config(), dt.date(2026, 11, 25), materialise=True)
    failures: list[BaseException] = []
    stop = threading.Event()

    def page_script():
        while not stop.is_set():
            flagged.con.execute("select count(*) from flagged_students").fetchall()

    runner = threading.Thread(target=page_script)
    runner.start()
    try:
        for _ in range(3):
            own = flagged.on_own_cursor()
            students = own.relation().limit(20).to_arrow_table().to_pylist()
            try:
                batch_html(students, own)
                cohort_report_html(flagged.on_own_cursor())
            except BaseException as error:  # noqa: BLE001 - collected and asserted below
                failures.append(error)
    finally:
        stop.set()
        runner.join()
    assert not failures, failures


def test_a_workbook_is_read_in_a_capped_process_and_the_server_keeps_working():
    """A workbook that needs more memory than the cap is refused with a message, and reads
    beside it (another advisor's upload, in this process) carry on."""
    import threading

    import xlsxwriter

    from dashboard.isolation import Limits, read_upload

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = workbook.add_worksheet("Cohort")
    sheet.write_row(0, 0, ["Student ID", "Notes"])
    for row in range(1, 20_001):
        sheet.write_row(row, 0, [f"S{row}", "a note that takes room " * 20])
    workbook.close()
    big = buffer.getvalue()

    others: list[int] = []

    def another_advisor():
        for _ in range(3):
            raw = read_cohort(b"id,name\nS1,Ann\nS2,Bob\n", "small.csv")
            others.append(len(raw.headers))

    beside = threading.Thread(target=another_advisor)
    beside.start()
    try:
        read_upload(big, "big.xlsx", limits=Limits(memory_mb=150))
    except CohortFileError as error:
        assert "needed more than 150 MB" in str(error) or "could not be read" in str(error)
    else:
        raise AssertionError("a 150 MB cap did not stop the read")
    beside.join()
    assert others == [2, 2, 2]
    raw = read_upload(big, "big.xlsx")  # under the default cap it reads
    assert raw.sheet == "Cohort" and raw.headers == ["Student ID", "Notes"]


def test_two_runs_that_reflag_at_once_both_get_the_cohort_flagged():
    """A setting changed and a page clicked within 300 ms start two runs that both find the
    cohort flagged with the old settings: both flag it again, one after the other, through
    their own cursors, while a third run (Streamlit still stopping it) reads the cohort."""
    import datetime as dt
    import threading

    from dashboard import state
    from dashboard.config import Config, Thresholds
    from dashboard.sql import sample_cohort_bytes

    data = sample_cohort_bytes()
    cohort = load_cohort(read_cohort(data, "cohort.csv"))
    loaded = state.Loaded(state._source("cohort.csv", data, False), cohort, None)
    state.reflag(loaded, Config(), dt.date(2026, 9, 1))
    stricter = Config(thresholds=Thresholds(step2_low=245))
    failures: list[BaseException] = []
    stop = threading.Event()

    def stopping_run():
        reader = cohort.con.cursor()
        while not stop.is_set():
            reader.execute("select count(*) from canonical_students").fetchall()

    def run():
        try:
            state.reflag(loaded, stricter, dt.date(2026, 12, 3))
            loaded.flagged.on_own_cursor().relation().aggregate("count(*)").fetchall()
        except BaseException as error:  # noqa: BLE001 - collected and asserted below
            failures.append(error)

    reader = threading.Thread(target=stopping_run)
    reader.start()
    runs = [threading.Thread(target=run) for _ in range(3)]
    try:
        for thread in runs:
            thread.start()
        for thread in runs:
            thread.join()
    finally:
        stop.set()
        reader.join()
    assert not failures, failures
    assert (loaded.flagged.config, loaded.flagged.as_of) == (stricter, dt.date(2026, 12, 3))
    [(low,)] = loaded.flagged.on_own_cursor().relation().filter(
        "flags like '%STEP2_LOW%'").aggregate("count(*)").fetchall()
    assert low > 0


def test_the_server_settings_keep_students_private_and_sessions_working():
    """The shipped `.streamlit/config.toml`: reachable from this machine only, no error
    details (a traceback can hold a student's values), and no re-import of a module changed
    on disk under running sessions (their cohorts hold objects of the old classes: every page
    of those sessions failed until the next upload, seen in a real browser)."""
    import tomllib

    config = tomllib.loads((Path(__file__).resolve().parent.parent / ".streamlit"
                            / "config.toml").read_text(encoding="utf-8"))
    assert config["server"]["address"] == "localhost"
    assert config["server"]["fileWatcherType"] == "none"
    assert config["client"]["showErrorDetails"] is False
