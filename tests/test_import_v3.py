"""SPEC v3 section 2, table by table: each reading with its data issue (kind, row, column,
how it was read), the properties that no day and month are swapped silently and that no Step
1 cell naming a later attempt is a first-attempt pass, and a Banner-style workbook of our own
making, with its next-week copy, through the CLI."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys

import pytest
import xlwt
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from odf.opendocument import OpenDocumentSpreadsheet
from odf.table import Table, TableCell, TableRow
from odf.text import P

from dashboard.changes import Changes, compared
from dashboard.config import Config
from dashboard.engine import detect_mapping, load_cohort
from dashboard.fields import match_field
from dashboard.importer import read_cohort
from dashboard.mapping_file import mapping_toml
from tests import banner_workbook as banner
from tests.conftest import AS_OF


def load(data: bytes, name: str = "cohort.csv"):
    return load_cohort(read_cohort(data, name))


def students(cohort) -> list[dict]:
    relation = cohort.con.table("canonical_students")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def issues(cohort) -> list[tuple]:
    return cohort.data_issues().fetchall()


def one_cell_file(header: str, cell: str, delimiter: str = ",") -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter)
    writer.writerow(["Student ID", header])
    writer.writerow(["S1", cell])
    return buffer.getvalue().encode()


# --- headers as registrars abbreviate them ---------------------------------------------------

V3_HEADERS = [
    ("USMLE Step I", "step1_result"), ("Step III", None), ("Step II CK", "step2ck_score"),
    ("USMLE Step II CK Score", "step2ck_score"), ("Step I Attempts", "step1_attempts"),
    ("Step II CK Date", "step2ck_date"), ("US PRS Letters (total)", "us_plastics_lors"),
    ("Publications (plastics)", "publications"), ("Surgery/GS LORs", "surgery_lors"),
    ("Sub-I/Away (US Plastics)", "us_plastics_subis"), ("Gen Surg Letters", "surgery_lors"),
    ("Pubs (PRS)", "publications"), ("Research Yr?", "research_year"),
    ("Exp. Match Yr", "class_year"), ("Grad Yr", "class_year"), ("Banner ID", "student_id"),
    ("# of Plastics Sub-Is (done/booked)", "us_plastics_subis"),
    ("Step 2 CK Exp Date", "step2ck_date"), ("Letters - US Plastics", "us_plastics_lors"),
    ("Abstracts/Posters", "presentations"), ("Step 2 CK Score (official)", "step2ck_score"),
    # Not a field, or a field only with another's words: never guessed.
    ("Step 1 Date", None), ("First Name", None), ("Last Name", None), ("Year", None),
    ("Risk Level", None), ("Personal Email", None), ("Letters", None), ("Score", None),
]


@pytest.mark.parametrize(("header", "field"), V3_HEADERS)
def test_v3_headers(header, field):
    assert match_field(header) == field


def test_a_year_column_is_decided_by_its_values_and_the_advisor_is_told():
    stages = load(b"ID,Year\nS1,MS1\nS2,MS4\nS3,Grad 2025\n")
    assert stages.mapping["stage"] == "Year" and "class_year" not in stages.mapping
    assert ("Column 'Year' could mean Stage or Class year; its values are stage values, so it "
            "is read as Stage.") in stages.header_notes()
    years = load(b"ID,Year\nS1,2027\nS2,2028\n")
    assert years.mapping["class_year"] == "Year" and "stage" not in years.mapping
    mixed = load(b"ID,Year\nS1,2027\nS2,MS4\n")
    assert "Year" not in mixed.mapping.values()  # both fit half: offered, not applied


def test_suggestions_rank_fields_by_header_and_values_and_apply_nothing():
    raw = read_cohort(b"ID,Scores,Letters\nS1,245;250,2\nS2,238;241,1\n", "c.csv")
    detection = detect_mapping(raw)
    assert "Scores" not in detection.mapping.values()
    assert detection.suggestions["Scores"][0][0] == "practice_scores"
    assert {field for field, _ in detection.suggestions["Letters"]} >= {
        "us_plastics_lors", "surgery_lors"}


# --- names -------------------------------------------------------------------------------------

def test_first_and_last_names_make_the_name():
    cohort = load(b"ID,Last Name,First Name,Preferred Name\nS1,Kowalski,Katarzyna,Kasia\n"
                  b"S2,Kowalski,Jan,\nS3,Nowak,,Ewa\n")
    assert [row["name"] for row in students(cohort)] == [
        "Katarzyna (Kasia) Kowalski", "Jan Kowalski", "Ewa Nowak"]
    assert "name" not in cohort.unread_fields()


def test_the_last_name_alone_is_never_the_name():
    cohort = load(b"ID,Last Name\nS1,Kowalski\n")
    assert [row["name"] for row in students(cohort)] == [None]
    assert any("only a last-name column" in note for note in cohort.header_notes())


# --- readings, each with its issue --------------------------------------------------------------

READINGS = [
    # header, cell, field, value read, the issue's problem
    ("Step 1", "P - 2nd attempt", "step1_attempts", 2,
     "read as pass from its first words, on attempt 2 as the cell says: Step 1 attempts read "
     "as 2 (never a first-attempt pass)"),
    ("Step 1", "Passed on retake", "step1_attempts", 2,
     "read as pass from its first words, on attempt 2 as the cell says: Step 1 attempts read "
     "as 2 (never a first-attempt pass)"),
    ("Step 1", "pass (2 attempts)", "step1_attempts", 2,
     "read as pass from its first words, on attempt 2 as the cell says: Step 1 attempts read "
     "as 2 (never a first-attempt pass)"),
    ("Step 1", "repeat - pass", "step1_attempts", 2,
     "read as pass from the result it names, on attempt 2 as the cell says: Step 1 attempts "
     "read as 2 (never a first-attempt pass)"),
    ("Step 1", "F x2", "step1_attempts", 2,
     "read as fail from its first words, on attempt 2 as the cell says: Step 1 attempts read "
     "as 2 (never a first-attempt pass)"),
    ("Step 1", "failed twice", "step1_attempts", 2,
     "read as fail from its first words, on attempt 2 as the cell says: Step 1 attempts read "
     "as 2 (never a first-attempt pass)"),
    ("Step 1", "3rd attempt: fail", "step1_attempts", 3,
     "read as fail from the result it names, on attempt 3 as the cell says: Step 1 attempts "
     "read as 3 (never a first-attempt pass)"),
    ("Step 1", "FAIL - retake 3/2026", "step1_attempts", None,
     "read as fail from its first words"),
    ("US PRS LORs", "two", "us_plastics_lors", 2, "read as 2 (a number written as a word)"),
    ("US PRS LORs", "none", "us_plastics_lors", 0, "read as 0 (a number written as a word)"),
    ("Pubs", "nil", "publications", 0, "read as 0 (a number written as a word)"),
    ("Pubs", "3 (1 first-author)", "publications", 3,
     "read as 3 (the first number; the rest is a qualifier)"),
    ("US PRS LORs", "2 + 1 pending", "us_plastics_lors", 2,
     "read as 2 (the sum of what is in hand; pending ones not counted)"),
    ("Sub-Is", "1 + 1 booked", "us_plastics_subis", 2,
     "read as 2 (the sum of the sub-Is done or booked; pending ones not counted)"),
    ("Sub-Is", "booked - Emory", "us_plastics_subis", 1, "read as 1 (one sub-I booked or done)"),
    ("Step 2 CK", "241 (7/14/26)", "step2ck_date", dt.date(2026, 7, 14),
     "read as 241, and the date beside it as the Step 2 CK date, 2026-07-14 (the date cell "
     "is blank)"),
    ("Class year", "Grad 2026", "graduation_year", 2026,
     "read as a graduation year, 2026, not a Match year"),
    ("Stage", "Grad 2024", "graduation_year", 2024,
     "read as applying from its first words, graduated in 2024 (a graduation year, not a "
     "Match year)"),
]


@pytest.mark.parametrize(("header", "cell", "field", "value", "problem"), READINGS,
                         ids=[case[1] for case in READINGS])
def test_v3_readings_are_reported_as_interpreted(header, cell, field, value, problem):
    cohort = load(one_cell_file(header, cell))
    [row] = students(cohort)
    assert row[field] == value
    assert issues(cohort) == [(2, header, cell, problem, "interpreted")]


def test_a_score_with_its_date_keeps_the_date_cell_when_there_is_one():
    cohort = load(b"ID,Step 2 CK,Step 2 CK date\nS1,241 (7/14/26),2026-07-20\n")
    [row] = students(cohort)
    assert (row["step2ck_score"], row["step2ck_date"]) == (241, dt.date(2026, 7, 20))


def test_a_retake_pass_raises_step1_fail_and_never_earns_the_aggressive_path():
    cohort = load(b"ID,Stage,Step 1,Step 2 CK,US PRS LORs,Sub-Is,Pubs,Presentations,Backup\n"
                  b"S1,M4,P - 2nd attempt,262,4,2,12,10,no\n")
    [record] = cohort.flag(Config(), AS_OF).relation().fetchall()
    row = dict(zip(cohort.flag(Config(), AS_OF).relation().columns, record, strict=True))
    assert row["step1_attempts"] == 2
    assert "STEP1_FAIL" in row["flags"].split(";")
    assert row["strategy"] != "aggressive_integrated" and row["risk_level"] == "high"


def test_a_graduate_applying_keeps_the_graduation_year_beside_the_class_year():
    cohort = load(b"ID,Stage,Grad Year\nS1,Graduate,2024\nS2,M4,2027\n")
    rows = students(cohort)
    assert [(row["class_year"], row["graduation_year"]) for row in rows] == [
        (2024, 2024), (2027, 2027)]
    [issue] = [issue for issue in issues(cohort) if issue[1] == "Grad Year"]
    assert issue[0] == 2 and issue[4] == "interpreted" and "the year they graduated" in issue[3]


# --- footer rows ---------------------------------------------------------------------------------

FOOTERS = ["Total: 2", "Count", "Average", "N = 2", "Sum", "Mean"]


@pytest.mark.parametrize("footer", FOOTERS)
def test_footer_rows_are_not_students_and_are_reported(footer):
    cohort = load(f"ID,Step 2 CK,US PRS LORs\nS1,240,1\nS2,250,2\n\n{footer},245,3\n".encode())
    assert [row["student_id"] for row in students(cohort)] == ["S1", "S2"]
    [issue] = issues(cohort)
    assert issue[:3] == (5, "ID", footer) and issue[4] == "interpreted"
    assert "footer row" in issue[3]


def test_a_row_of_numbers_without_an_id_after_the_students_is_a_footer():
    cohort = load(b"Name,ID,Step 2 CK\nAna,S1,240\nBo,S2,250\n,,490\n")
    assert [row["student_id"] for row in students(cohort)] == ["S1", "S2"]
    [issue] = issues(cohort)
    assert issue[:3] == (4, "Step 2 CK", "490") and issue[4] == "interpreted"


def test_a_total_between_students_is_a_student_still():
    cohort = load(b"ID,Step 2 CK\nS1,240\nTotal,1\nS2,250\n")
    assert [row["student_id"] for row in students(cohort)] == ["S1", "Total", "S2"]


# --- day-first dates ----------------------------------------------------------------------------

def test_a_column_with_a_day_over_12_is_day_first_and_says_so_once():
    cohort = load(b"ID,Step 2 CK date\nS1,3/10/2026\nS2,25/10/2026\nS3,4/11/2026\n")
    assert [row["step2ck_date"] for row in students(cohort)] == [
        dt.date(2026, 10, 3), dt.date(2026, 10, 25), dt.date(2026, 11, 4)]
    assert issues(cohort) == [(2, "Step 2 CK date", "3/10/2026",
                               "dates in this column are read day-first (D/M/YYYY), as "
                               "25/10/2026 on row 3 shows: 3/10/2026 is 3 October 2026",
                               "interpreted")]


def test_a_semicolon_file_that_no_date_decides_is_day_first():
    data = "ID;Step 2 CK date;Step 2 CK\nS1;3/10/2026;241,0\n".encode("cp1252")
    cohort = load(data)
    [row] = students(cohort)
    assert row["step2ck_date"] == dt.date(2026, 10, 3)
    [issue] = [issue for issue in issues(cohort) if issue[1] == "Step 2 CK date"]
    assert issue[4] == "interpreted" and "day-first" in issue[3] and "semicolon" in issue[3]


def test_a_column_with_both_orders_reads_each_value_by_its_parts():
    cohort = load(b"ID,Step 2 CK date\nS1,25/10/2026\nS2,10/25/2026\nS3,3/10/2026\n")
    assert [row["step2ck_date"] for row in students(cohort)] == [
        dt.date(2026, 10, 25), dt.date(2026, 10, 25), None]
    got = issues(cohort)
    assert got[0][:3] == (2, "Step 2 CK date", "25/10/2026") and "both ways" in got[0][3]
    assert (4, "Step 2 CK date", "3/10/2026", "the day and the month cannot be told apart: "
            "this column writes dates both day-first and month-first", "unreadable") in got


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(dates=st.lists(st.dates(dt.date(2024, 1, 1), dt.date(2029, 12, 31)), min_size=1,
                      max_size=6),
       day_first=st.booleans(), semicolons=st.booleans())
def test_no_day_and_month_are_ever_swapped_silently(dates, day_first, semicolons):
    delimiter = ";" if semicolons else ","
    written = [f"{d.day}/{d.month}/{d.year}" if day_first else f"{d.month}/{d.day}/{d.year}"
               for d in dates]
    text = f"ID{delimiter}Step 2 CK date\n" + "".join(
        f"S{index}{delimiter}{cell}\n" for index, cell in enumerate(written))
    cohort = load(text.encode())
    reported = {row for row, column, *_ in issues(cohort) if column == "Step 2 CK date"}
    for index, (true_date, row) in enumerate(zip(dates, students(cohort), strict=True)):
        if row["step2ck_date"] not in (true_date, None):
            # Read otherwise than written: only ever with the column's order said.
            assert reported, (written, index)


PASS_WORDS = ["P", "Pass", "passed", "PASS"]
LATER_ATTEMPTS = ["2nd attempt", "on 2nd attempt", "3rd attempt", "(2 attempts)",
                  "on retake", "after a retake", "retook", "repeat", "second attempt",
                  "third try", "x2", "2 attempts", "attempt 3"]


SEPARATORS = [" - ", " ", ", ", " (", ": "]


def test_no_step1_cell_naming_a_later_attempt_is_a_first_attempt_pass():
    # Every combination (1,560 cells) in one file: rows are typed independently.
    cells = [(f"{later}{separator}{word}" if before else f"{word}{separator}{later}", attempts)
             for word in PASS_WORDS for later in LATER_ATTEMPTS for separator in SEPARATORS
             for before in (False, True) for attempts in ("", "1", "0")]
    data = io.StringIO()
    csv.writer(data).writerows([["ID", "Step 1", "Step 1 attempts"],
                                *[[f"S{index}", cell, attempts]
                                  for index, (cell, attempts) in enumerate(cells)]])
    rows = students(load(data.getvalue().encode()))
    assert len(rows) == len(cells)
    for row, (cell, attempts) in zip(rows, cells, strict=True):
        assert row["step1_result"] in ("pass", None) and row["step1_attempts"] >= 2, (
            cell, attempts)


# --- .xls and .ods ------------------------------------------------------------------------------

ROWS = [["Cohort export"], [], ["Student ID", "USMLE Step I", "Step II CK", "Step II CK Date"],
        ["@0191", "Pass", 250, dt.date(2026, 7, 1)], ["B2", "F x2", None, "25/10/2026"]]


def xls_bytes() -> bytes:
    book = xlwt.Workbook()
    book.add_sheet("Read me").write(0, 0, "notes")
    sheet = book.add_sheet("Cohort")
    dates = xlwt.easyxf(num_format_str="m/d/yyyy")
    for r, row in enumerate(ROWS):
        for c, value in enumerate(row):
            if isinstance(value, dt.date):
                sheet.write(r, c, value, dates)
            elif value is not None:
                sheet.write(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def ods_bytes() -> bytes:
    document = OpenDocumentSpreadsheet()
    table = Table(name="Cohort")
    for row in ROWS:
        line = TableRow()
        for value in row:
            if isinstance(value, dt.date):
                cell = TableCell(valuetype="date", datevalue=value.isoformat())
            elif isinstance(value, int):
                cell = TableCell(valuetype="float", value=value)
            else:
                cell = TableCell(valuetype="string")
            if value is not None:
                cell.addElement(P(text=str(value)))
            line.addElement(cell)
        table.addElement(line)
    document.spreadsheet.addElement(table)
    buffer = io.BytesIO()
    document.write(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(("name", "make"), [("cohort.xls", xls_bytes), ("cohort.ods", ods_bytes)])
def test_xls_and_ods_are_read_like_xlsx(name, make):
    raw = read_cohort(make(), name)
    assert (raw.sheet, raw.header_row) == ("Cohort", 3)
    cohort = load_cohort(raw)
    assert [(row["student_id"], row["step1_result"], row["step1_attempts"],
             row["step2ck_score"], row["step2ck_date"]) for row in students(cohort)] == [
        ("@0191", "pass", None, 250, dt.date(2026, 7, 1)),
        ("B2", "fail", 2, None, dt.date(2026, 10, 25))]


def test_a_damaged_xls_is_refused_with_a_message():
    from dashboard.importer import OLE2_MAGIC, CohortFileError

    with pytest.raises(CohortFileError, match=r"bad.xls: this is not a readable Excel workbook"):
        read_cohort(OLE2_MAGIC + b"\x00" * 600, "bad.xls")


# --- the Banner-style workbook through the CLI ---------------------------------------------------

def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "dashboard.cli", *args], capture_output=True,
                          text=True, encoding="utf-8", timeout=180)


@pytest.fixture(scope="module")
def banner_files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("banner")
    (folder / "week1.xlsx").write_bytes(banner.week1())
    (folder / "week2.xlsx").write_bytes(banner.week2())
    return folder


def test_the_banner_workbook_reads_whole_through_the_cli_with_no_mapping(banner_files):
    result = cli("flag", str(banner_files / "week1.xlsx"), "--as-of", "2026-11-25",
                 "--issues", str(banner_files / "issues.csv"))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    # Every student once, in order; CSV keeps `@` ids from Excel's formulas with a leading '.
    assert [row["student_id"] for row in rows] == ["'" + banner.banner_id(i)
                                                   for i in range(banner.STUDENTS)]
    assert [rows[index]["name"] for index in banner.KOWALSKIS] == [
        "Anna Kowalski", "Jan Kowalski", "Ewa Kowalski"]  # names whole, three told apart
    assert rows[banner.HIDDEN_STUDENT]["name"]  # a hidden row is a student still
    assert "WARNING" not in result.stderr  # every headline field is read
    assert "fields no column feeds: Class year (class_year)" in result.stderr
    retake = rows[banner.RETAKE_INDEX]
    assert retake["step1_attempts"] == "2" and "STEP1_FAIL" in retake["flags"].split(";")
    assert retake["strategy"] != "aggressive_integrated" and retake["risk_level"] != "low"
    with open(banner_files / "issues.csv", encoding="utf-8-sig") as handle:
        listed = list(csv.DictReader(handle))
    [footer] = [issue for issue in listed if "footer" in issue["problem"]]
    assert (footer["row"], footer["column"], footer["value"], footer["kind"]) == (
        str(4 + banner.STUDENTS), "Banner ID", "Total: 90", "interpreted")


def test_the_next_week_changes_are_exactly_the_ones_made(banner_files, tmp_path):
    workspace = tmp_path / "ws.duckdb"
    first = cli("snapshot", str(banner_files / "week1.xlsx"), "--workspace", str(workspace),
                "--cohort", "Banner", "--as-of", "2026-11-18")
    assert first.returncode == 0, first.stderr
    second = cli("snapshot", str(banner_files / "week2.xlsx"), "--workspace", str(workspace),
                 "--cohort", "Banner", "--as-of", "2026-11-25")
    assert second.returncode == 0, second.stderr
    assert "'CK (final)' is read in its place" in second.stderr
    changes = cli("changes", "--workspace", str(workspace), "--cohort", "Banner")
    assert changes.returncode == 0, changes.stderr
    rows = list(csv.DictReader(io.StringIO(changes.stdout)))
    assert not [row for row in rows if row["change"] in ("joined", "left")]
    values = {(row["student_id"].lstrip("'"), row["change"], row["before"], row["after"])
              for row in rows if row["change"] in ("step2ck_score", "us_plastics_lors")}
    expected = set()
    week1 = banner.week1_students()
    for index, made in banner.WEEK2_CHANGES.items():
        for header, after in made.items():
            field = "step2ck_score" if header == "Step II CK" else "us_plastics_lors"
            before = week1[index][header]
            expected.add((banner.banner_id(index), field,
                          "" if before is None else str(before), str(after)))
    assert values == expected
    changed = {row["student_id"].lstrip("'") for row in rows}
    assert changed <= {banner.banner_id(index) for index in banner.WEEK2_CHANGES}


def test_a_field_read_in_one_snapshot_only_is_said_once_not_per_student():
    week1 = load(banner.week1(), "week1.xlsx")
    week2 = load(banner.week2(), "week2.xlsx")  # no memory: `CK (final)` is not read
    assert "step2ck_score" in week2.unread_fields()
    before = compared(week1.flag(Config(), AS_OF, materialise=True).con.table(
        "flagged_students")).to_arrow_table()
    after = compared(week2.flag(Config(), AS_OF, materialise=True).con.table(
        "flagged_students")).to_arrow_table()
    found = Changes(before, after, week1.read_fields(), week2.read_fields())
    summary = found.summary()
    assert summary.fields_no_longer_read == ("step2ck_score",)
    assert summary.headline().startswith("no longer read (no column feeds it): Step 2 CK score")
    rows = found.relation().fetchall()
    assert not [row for row in rows if row[2] == "step2ck_score"]
    assert not [row for row in rows if row[2] in ("flag_raised", "flag_cleared")
                and row[4] in ("STEP2_LOW", "STEP2_BELOW_TARGET", "STEP2_PENDING")]
    # Only the letter made in the week changes a student's values.
    assert {row[0] for row in rows if row[2] == "us_plastics_lors"} == {banner.banner_id(21)}


def test_the_downloaded_mapping_reads_the_file_as_the_advisor_did(banner_files, tmp_path):
    cohort = load(banner.week2(), "week2.xlsx")
    text = mapping_toml(cohort).replace('step2ck_score = ""', 'step2ck_score = "CK (final)"')
    path = tmp_path / "mapping.toml"
    path.write_text(text, encoding="utf-8")
    result = cli("flag", str(banner_files / "week2.xlsx"), "--mapping", str(path), "--as-of",
                 "2026-11-25")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert rows[8]["step2ck_score"] == "250" and rows[0]["name"] == "Anna Kowalski"
    assert "Step 2 CK score" not in result.stderr.split("fields no column feeds:")[-1]


def test_a_mapping_file_is_refused_when_it_names_what_is_not_there(banner_files, tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text('[columns]\nstep2ck_score = "Nope"\n', encoding="utf-8")
    result = cli("flag", str(banner_files / "week1.xlsx"), "--mapping", str(path))
    assert result.returncode == 2 and "no such column" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_cli_says_on_stderr_which_headline_fields_no_column_feeds(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text("ID,Step 1\nS1,Pass\n", encoding="utf-8")
    result = cli("flag", str(path), "--as-of", "2026-11-25")
    assert result.returncode == 0
    assert ("WARNING: no column feeds Step 2 CK score, US plastics letters: the rules that "
            "need them are not checked") in result.stderr


def test_the_reference_lists_the_v3_headers_and_readings():
    from pathlib import Path

    from dashboard import docs

    readme = (Path(__file__).resolve().parent.parent / "docs" / "reference.md").read_text(
        encoding="utf-8")
    for text in (docs.fields_table(), docs.ambiguous_headers(), docs.value_decided_headers(),
                 docs.abbreviations(), docs.name_parts(), docs.readings_table()):
        assert text in readme, "run `python -m dashboard.docs` and paste into docs/reference.md"
