"""Import (docs/reference.md, "Input"): formats, encodings, header synonyms, values, data
issues, refusals."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections import Counter
from functools import cache
from pathlib import Path

import duckdb
import pytest
import xlsxwriter
from hypothesis import given, settings
from hypothesis import strategies as st

from dashboard.config import Config
from dashboard.engine import load_cohort
from dashboard.exports import export_relation
from dashboard.fields import FIELDS, match_field
from dashboard.importer import CohortFileError, CsvSource, read_cohort
from dashboard.sql import connect
from tests.conftest import AS_OF


def load(data: bytes, name: str = "cohort.csv", sheet: str | None = None):
    return load_cohort(read_cohort(data, name, sheet=sheet))


def students(cohort) -> list[dict]:
    relation = cohort.con.sql("select * from canonical_students order by source_row")
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def issues(cohort) -> list[tuple]:
    return cohort.data_issues().fetchall()


def xlsx(sheets: dict[str, list[list]]) -> bytes:
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False})
    date_format = workbook.add_format({"num_format": "m/d/yyyy"})
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if isinstance(value, dt.date):
                    sheet.write_datetime(r, c, dt.datetime.combine(value, dt.time()), date_format)
                elif value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


# --- headers -------------------------------------------------------------------------------

SYNONYMS = [
    ("id", "student_id"), ("Student ID", "student_id"), ("student_id", "student_id"),
    ("Student Number", "student_id"), ("SID", "student_id"),
    ("name", "name"), ("Student Name", "name"), ("Full name", "name"),
    ("USMLE Step 1", "step1_result"), ("Step 1", "step1_result"), ("step1", "step1_result"),
    ("Step 1 Result", "step1_result"), ("Step 1 attempts", "step1_attempts"),
    ("Step 2 CK", "step2ck_score"), ("step2ck", "step2ck_score"),
    ("Step 2 CK Score", "step2ck_score"), ("USMLE Step 2 CK", "step2ck_score"),
    ("CK score", "step2ck_score"), ("Step 2 CK date", "step2ck_date"),
    ("US plastics LORs", "us_plastics_lors"), ("US Plastic Surgery Letters", "us_plastics_lors"),
    ("Plastics letters", "us_plastics_lors"), ("US PRS LORs", "us_plastics_lors"),
    ("Sub-Is", "us_plastics_subis"), ("US plastics sub-Is", "us_plastics_subis"),
    ("Sub internships", "us_plastics_subis"), ("pubs", "publications"),
    ("Publications", "publications"), ("Presentations", "presentations"),
    ("Surgery LORs", "surgery_lors"), ("Practice scores", "practice_scores"),
    ("NBME/UWSA", "practice_scores"), ("Research year", "research_year"),
    ("Parallel plan", "parallel_plan"), ("Class year", "class_year"), ("Stage", "stage"),
    ("E-mail", "email"), ("Campus", "campus"), ("Advisor", "advisor"),
    ("  STUDENT_ID  ", "student_id"), ("Step-2-CK", "step2ck_score"),
    ("Notes", None), ("Favourite colour", None),
]


@pytest.mark.parametrize(("header", "field"), SYNONYMS)
def test_header_synonyms(header, field):
    assert match_field(header) == field


def test_every_field_matches_its_own_name_and_label():
    for field in FIELDS:
        assert match_field(field.name) == field.name
        assert match_field(field.label) == field.name


def test_mapping_is_returned_and_first_column_wins():
    raw = read_cohort(b"SID,Name,Student ID,Step 2 CK\nA1,Ann,X,250\n", "c.csv")
    assert raw.guessed_mapping() == {"student_id": "SID", "name": "Name",
                                     "step2ck_score": "Step 2 CK"}
    cohort = load_cohort(raw)
    assert cohort.extra_columns == {"extra_0": "Student ID"}


# --- encodings and delimiters --------------------------------------------------------------

def test_semicolons_and_windows_1252():
    data = "Student ID;Name;Step 2 CK;Notes\nS1;José Müller;250;“quoted” – dash\n".encode("cp1252")
    [row] = students(load(data))
    assert row["name"] == "José Müller"
    assert row["step2ck_score"] == 250
    assert row["extra_0"] == "“quoted” – dash"


def test_bom_and_tabs():
    data = "\ufeffStudent ID\tName\tStep 2 CK\nS1\tZoë Ñúñez\t240\n".encode()
    cohort = load(data, "cohort.tsv")
    assert cohort.mapping["student_id"] == "Student ID"
    [row] = students(cohort)
    assert (row["student_id"], row["name"], row["step2ck_score"]) == ("S1", "Zoë Ñúñez", 240)


def test_quoted_delimiters_and_newlines():
    data = b'id,name,notes\nS1,"Smith, Jane","line one\nline two"\nS2,"Doe; ""JD""",x\n'
    cohort = load(data)
    rows = students(cohort)
    assert [r["name"] for r in rows] == ["Smith, Jane", 'Doe; "JD"']
    assert rows[0]["extra_0"] == "line one\nline two"
    assert [r["source_row"] for r in rows] == [2, 3]


def test_crlf_line_endings():
    rows = students(load(b"id,step 2 ck\r\nS1,250\r\nS2,230\r\n"))
    assert [(r["student_id"], r["step2ck_score"]) for r in rows] == [("S1", 250), ("S2", 230)]


def test_very_long_name_survives():
    long_name = "Ana " + "x" * 10_000
    [row] = students(load(f"id,name\nS1,{long_name}\n".encode()))
    assert row["name"] == long_name


# --- rows: nothing lost, row numbers as a spreadsheet shows them ---------------------------

def test_blank_lines_count_in_row_numbers():
    data = b"id,name,step 2 ck\nS1,Ann,250\n\n\nS2,Bob,abc\n,,\nS3,Cy,240\n"
    cohort = load(data)
    rows = students(cohort)
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 2), ("S2", 5), ("S3", 7)]
    assert issues(cohort) == [(5, "step 2 ck", "abc",
                               "not a number; expected a Step 2 CK score from 1 to 300",
                               "unreadable")]


def test_rows_of_blank_cells_on_the_parallel_reader_path():
    """No blank line, so DuckDB's reader takes the file and the table's order numbers it."""
    data = b"id,name,step 2 ck\nS1,Ann,250\n,,\n  , ,\n,Cy,abc\nS2,Bob,240\n"
    raw = read_cohort(data, "cohort.csv")
    assert raw.numbered_by_position
    cohort = load_cohort(raw)
    rows = students(cohort)
    assert [(r["student_id"], r["name"], r["source_row"]) for r in rows] == [
        ("S1", "Ann", 2), ("ROW-5", "Cy", 5), ("S2", "Bob", 6)]
    assert issues(cohort) == [
        (5, "id", "", "no student ID; the row is kept as ROW-5", "identity"),
        (5, "step 2 ck", "abc", "not a number; expected a Step 2 CK score from 1 to 300",
         "unreadable"),
    ]


def test_leading_blank_lines_before_the_header():
    rows = students(load(b"\n\nid,name\nS1,Ann\n"))
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 4)]


def test_duplicate_ids_are_kept_and_reported_on_every_row():
    cohort = load(b"id,name\nS1,Ann\nS2,Bob\nS1,Ann again\n")
    assert [r["name"] for r in students(cohort)] == ["Ann", "Bob", "Ann again"]
    assert issues(cohort) == [
        (2, "id", "S1", "student ID repeated on 2 rows (2, 4); every row is kept", "identity"),
        (4, "id", "S1", "student ID repeated on 2 rows (2, 4); every row is kept", "identity"),
    ]


def test_an_id_repeated_thousands_of_times_gives_short_issues():
    cohort = load(("id,name\n" + "X7,Ann\n" * 5000).encode())
    got = issues(cohort)
    assert len(got) == 5000
    assert got[0][3] == "student ID repeated on 5000 rows (2, 3, 4, 5, 6, ...); every row is kept"
    assert max(len(problem) for _, _, _, problem, _ in got) < 100


def test_missing_ids_become_row_numbers():
    cohort = load(b"Student ID,Name\nS1,Ann\n  ,Bob\n,Cy\n")
    assert [r["student_id"] for r in students(cohort)] == ["S1", "ROW-3", "ROW-4"]
    assert issues(cohort) == [
        (3, "Student ID", "", "no student ID; the row is kept as ROW-3", "identity"),
        (4, "Student ID", "", "no student ID; the row is kept as ROW-4", "identity"),
    ]


def test_placeholder_and_error_ids_become_row_numbers():
    cohort = load(b"Student ID,Name\nTBD,Ann\n#N/A,Bob\nn/a,Cy\n")
    assert [r["student_id"] for r in students(cohort)] == ["ROW-2", "ROW-3", "ROW-4"]
    assert issues(cohort) == [
        (2, "Student ID", "", "no student ID; the row is kept as ROW-2", "identity"),
        (3, "Student ID", "#N/A",
         "the student ID is an Excel error value; the row is kept as ROW-3", "identity"),
        (4, "Student ID", "", "no student ID; the row is kept as ROW-4", "identity"),
    ]


def test_unreadable_cells_become_missing_and_are_reported():
    data = (
        b"id,Step 2 CK,US PRS LORs,Pubs,Step 1,Sub-Is,Parallel plan,Stage,Step 2 CK date,"
        b"Practice scores,Class year\n"
        b"S1,two forty,-1,2.5,maybe,lots,perhaps,M9,31/31/2027,120;999,27\n"
        b"S2,0,0,3,Pass,1,Y,MS2,6/1/2027,230 / 240,2027\n"
        b"S3,301,1e2,0,NT,0,n,final year,2027-06-01,,2027.0\n"
        b"S4,#N/A,2_0,1 or 2,#VALUE!,,,,1/1/1999,;,2_027\n"
    )
    cohort = load(data)
    got = issues(cohort)
    count = "a count of 0 or more"
    assert got == [
        (2, "Class year", "27", "outside 2000-2099; expected a Match year such as 2027",
         "unreadable"),
        (2, "Stage", "M9", "not a stage; expected M1-M2/preclinical, M3/clinical, "
                           "M4/final year, or applying/graduate", "unreadable"),
        (2, "Step 1", "maybe", "not a Step 1 result; expected pass, fail or not taken",
         "unreadable"),
        (2, "Step 2 CK", "two forty", "not a number; expected a Step 2 CK score from 1 to 300",
         "unreadable"),
        (2, "Step 2 CK date", "31/31/2027", "not a date; expected YYYY-MM-DD, M/D/YYYY, "
                                            "M/D/YY, 15-Oct-2027 or Oct 15, 2027", "unreadable"),
        (2, "Practice scores", "120;999", "no practice score from 150 to 300 in the cell",
         "unreadable"),
        (2, "US PRS LORs", "-1", f"a negative number; expected {count}", "unreadable"),
        (2, "Pubs", "2.5", f"not a whole number; expected {count}", "unreadable"),
        (2, "Sub-Is", "lots", f"not a number; expected {count}", "unreadable"),
        (2, "Parallel plan", "perhaps", "not yes or no, nor a backup specialty", "unreadable"),
        (3, "Step 2 CK", "0", "outside 1-300; expected a Step 2 CK score from 1 to 300",
         "unreadable"),
        # SPEC v3: a column's date order is said once, on the first date it decides.
        (3, "Step 2 CK date", "6/1/2027", "dates in this column are read month-first "
         "(M/D/YYYY), no date in it has a part over 12, and US files write them so: 6/1/2027 "
         "is 1 June 2027", "interpreted"),
        (4, "Step 2 CK", "301", "outside 1-300; expected a Step 2 CK score from 1 to 300",
         "unreadable"),
        (5, "Class year", "2_027", "more than one number; expected a Match year such as 2027",
         "unreadable"),
        (5, "Step 1", "#VALUE!", "an Excel error value; treated as missing", "unreadable"),
        (5, "Step 2 CK", "#N/A", "an Excel error value; treated as missing", "unreadable"),
        (5, "Step 2 CK date", "1/1/1999",
         "a year outside 2000-2099; expected a date such as 2027-06-15", "unreadable"),
        (5, "Practice scores", ";", "no practice score from 150 to 300 in the cell",
         "unreadable"),
        (5, "US PRS LORs", "2_0", f"more than one number; expected {count}", "unreadable"),
        (5, "Pubs", "1 or 2", f"more than one number; expected {count}", "unreadable"),
    ]
    rows = students(cohort)
    assert rows[0]["step2ck_score"] is None and rows[0]["us_plastics_lors"] is None
    assert rows[1]["stage"] == "preclinical" and rows[1]["parallel_plan"] is True
    assert rows[1]["step2ck_date"] == dt.date(2027, 6, 1)
    assert rows[1]["practice_scores"] == [230, 240]
    assert rows[2]["us_plastics_lors"] == 100 and rows[2]["class_year"] == 2027
    assert rows[2]["step1_result"] == "not_taken" and rows[2]["parallel_plan"] is False
    assert rows[3]["practice_scores"] is None and rows[3]["us_plastics_lors"] is None


def one_cell_file(header: str, cell: str) -> bytes:
    data = io.StringIO()
    csv.writer(data).writerows([["id", header], ["S1", cell]])
    return data.getvalue().encode()


# Forgiving reads (what a person reads without hesitation), each reported as interpreted.
INTERPRETED = [
    ("Step 1", "FAIL - retake 3/2026", "step1_result", "fail",
     "read as fail from its first words"),
    ("Step 1", "Passed (2025)", "step1_result", "pass", "read as pass from its first words"),
    ("Step 1", "Failed once", "step1_result", "fail", "read as fail from its first words"),
    ("Step 1", "Not taken (booked)", "step1_result", "not_taken",
     "read as not taken from its first words"),
    ("Stage", "MS 4 (graduating)", "stage", "final_year",
     "read as final year from its first words"),
    ("Stage", "Final year student", "stage", "final_year",
     "read as final year from its first words"),
    ("Step 2 CK", "230 (unofficial)", "step2ck_score", 230, "read as 230 (its only number)"),
    ("US PRS LORs", "2 letters", "us_plastics_lors", 2, "read as 2 (its only number)"),
    ("Class year", "Class of 2027", "class_year", 2027, "read as 2027"),
    ("NBME/UWSA", "NBME 10: 252 / UWSA1 248", "practice_scores", [252, 248],
     "read as 252, 248 (every number from 150 to 300 in the cell)"),
    ("NBME/UWSA", "245, 320", "practice_scores", [245],
     "read as 245 (every number from 150 to 300 in the cell)"),
    ("Step 2 CK date", "10/15/27", "step2ck_date", dt.date(2027, 10, 15),
     "two-digit year: read as 2027-10-15"),
    ("Backup specialty", "Gen Surg", "parallel_plan", True,
     "read as yes (a backup specialty or track)"),
    ("Backup specialty", "General Surgery", "parallel_plan", True,
     "read as yes (a backup specialty or track)"),
    ("Backup specialty", "Prelim", "parallel_plan", True,
     "read as yes (a backup specialty or track)"),
    ("Backup specialty", "IM", "parallel_plan", True,
     "read as yes (a backup specialty or track)"),
    ("Backup specialty", "none", "parallel_plan", False, "read as no (no backup)"),
    ("Backup specialty", "no backup", "parallel_plan", False, "read as no from its first word"),
    ("Backup specialty", "Yes - GS", "parallel_plan", True, "read as yes from its first word"),
    ("Research year", "yes (2025-26)", "research_year", True, "read as yes from its first word"),
]


@pytest.mark.parametrize(("header", "cell", "field", "value", "problem"), INTERPRETED,
                         ids=[case[1] for case in INTERPRETED])
def test_forgiving_reads_are_reported_as_interpreted(header, cell, field, value, problem):
    cohort = load(one_cell_file(header, cell))
    [row] = students(cohort)
    assert row[field] == value
    assert issues(cohort) == [(2, header, cell, problem, "interpreted")]


PLAIN = [
    ("Step 2 CK", "245"), ("Step 2 CK", "245.0"), ("Step 2 CK", " 245 "),
    ("Stage", "M.S.4"), ("Stage", "MS 4"), ("Stage", "ms-4"), ("Step 1", "PASS"),
    ("Step 1", "not taken"), ("Step 2 CK date", "2027-10-15"), ("Step 2 CK date", "10/15/2027"),
    ("Step 2 CK date", "15-Oct-2027"), ("Step 2 CK date", "Oct 15, 2027"),
    ("NBME/UWSA", "250; 252"), ("NBME/UWSA", "250 252"), ("Parallel plan", "Y"),
    ("Parallel plan", "1"), ("Parallel plan", "x"), ("Parallel plan", "✓"),
    ("US PRS LORs", "n/a"), ("US PRS LORs", "TBD"), ("US PRS LORs", "?"), ("US PRS LORs", "-"),
    ("US PRS LORs", "--"), ("US PRS LORs", "Unknown"), ("US PRS LORs", " N A "),
]


@pytest.mark.parametrize(("header", "cell"), PLAIN, ids=[case[1] for case in PLAIN])
def test_plain_cells_and_placeholders_raise_no_issue(header, cell):
    cohort = load(one_cell_file(header, cell))
    assert issues(cohort) == []


def test_placeholders_are_missing_values():
    [row] = students(load(b"id,US PRS LORs,Step 1,Parallel plan\nS1,n/a,TBD,?\n"))
    assert (row["us_plastics_lors"], row["step1_result"], row["parallel_plan"]) == (
        None, None, None)


STAGE_SPELLINGS = [
    ("M1", "preclinical"), ("MS2", "preclinical"), ("Basic Sciences", "preclinical"),
    ("pre-clinical", "preclinical"), ("M3", "clinical"), ("Clinical", "clinical"),
    ("M4", "final_year"), ("Final Year", "final_year"), ("final_year", "final_year"),
    ("Graduate", "applying"), ("applicant", "applying"), ("Re-applicant", "applying"),
    ("APPLYING", "applying"), ("4th year", "final_year"), ("3rd Year", "clinical"),
    ("2nd yr", "preclinical"), ("Yr 4", "final_year"),
]


def test_stage_spellings():
    body = "".join(f"S{i},{spelling}\n" for i, (spelling, _) in enumerate(STAGE_SPELLINGS))
    rows = students(load(("id,stage\n" + body).encode()))
    assert [(s, r["stage"]) for (s, _), r in zip(STAGE_SPELLINGS, rows, strict=True)] \
        == STAGE_SPELLINGS


def test_unmapped_columns_are_carried_to_the_export():
    cohort = load(b"id,Notes,Mentor\nS1,call back,Dr. X\n")
    exported = export_relation(cohort.flag(Config(), AS_OF))
    [row] = exported.fetchall()
    record = dict(zip(exported.columns, row, strict=True))
    assert (record["Notes"], record["Mentor"], record["row"]) == ("call back", "Dr. X", 2)


def test_row_with_more_cells_than_the_header_keeps_them():
    cohort = load(b"id,name\nS1,Ann\nS2,Bob,extra cell\n")
    assert cohort.raw.headers == ["id", "name", "(unnamed column 3)"]
    assert [r["extra_0"] for r in students(cohort)] == [None, "extra cell"]


def test_fast_and_fallback_readers_agree():
    data = ("Student ID;Name;Step 2 CK;Notes\nS1;Ann;250;\"a;b\"\nS2;Zoë;x;\nS1;C;;z\n"
            ",D,1,\n").encode()
    raw = read_cohort(data, "c.csv")
    assert isinstance(raw.source, CsvSource)
    fast = load_cohort(raw)
    slow = load_cohort(raw.python_fallback())
    assert students(fast) == students(slow)
    assert issues(fast) == issues(slow)


# --- XLSX ----------------------------------------------------------------------------------

def test_xlsx_with_real_dates_numbers_and_a_second_sheet():
    data = xlsx({
        "Cohort": [
            ["Student ID", "Name", "Step 2 CK", "Step 2 CK date", "US PRS LORs", "Parallel plan"],
            ["S1", "Åsa Öberg", 245.0, dt.date(2027, 6, 1), 2, "yes"],
            [None, None, None, None, None, None],
            [1002, "Bo", 231, dt.date(2027, 10, 2), 0, True],
        ],
        "Other": [["id", "name"], ["T1", "Other sheet"]],
    })
    cohort = load(data, "cohort.xlsx")
    rows = students(cohort)
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 2), ("1002", 4)]
    assert rows[0]["name"] == "Åsa Öberg"
    assert rows[0]["step2ck_score"] == 245
    assert rows[0]["step2ck_date"] == dt.date(2027, 6, 1)
    assert rows[1]["step2ck_date"] == dt.date(2027, 10, 2)
    assert rows[1]["parallel_plan"] is True
    assert issues(cohort) == []
    [other] = students(load(data, "cohort.xlsx", sheet="Other"))
    assert (other["student_id"], other["name"]) == ("T1", "Other sheet")


def test_xlsx_unknown_sheet_is_refused_with_the_sheet_names():
    data = xlsx({"Cohort": [["id"], ["S1"]]})
    with pytest.raises(CohortFileError, match=r"cohort.xlsx: there is no sheet named 'Nope' "
                                              r"\(sheets: 'Cohort'\)"):
        read_cohort(data, "cohort.xlsx", sheet="Nope")


# --- refusals ------------------------------------------------------------------------------

def _zip_without_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("hello.txt", "hi")
    return buffer.getvalue()


REFUSALS = [
    (b"", "c.csv: the file is empty"),
    (b"  \n\n \r\n", "c.csv: the file is empty"),
    (b"%PDF-1.7\x00\x01\x02binary", "c.csv: this is not a CSV or Excel file"),
    (_zip_without_workbook(), "c.csv: this is a zip file but not a readable Excel workbook"),
    # SPEC v3 reads .xls: a damaged one is refused as unreadable, no longer as old-style.
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "c.csv: this is not a readable Excel workbook"),
    (b"name,score\nAnn,250\n", "c.csv: no column could be matched to the student ID"),
    (b"S1,Ann,250\nS2,Bob,240\n", "c.csv: no column could be matched to the student ID"),
]


@pytest.mark.parametrize(("data", "message"), REFUSALS)
def test_unusable_files_are_refused_with_one_message(data, message):
    with pytest.raises(CohortFileError) as refused:
        read_cohort(data, "c.csv")
    assert str(refused.value).startswith(message)


def test_missing_path_is_refused(tmp_path):
    with pytest.raises(CohortFileError, match="nope.csv: the file does not exist"):
        read_cohort(tmp_path / "nope.csv")
    with pytest.raises(CohortFileError, match="this is a folder, not a file"):
        read_cohort(tmp_path)


def test_invalid_utf8_after_the_first_megabyte_falls_back_to_windows_1252():
    filler = "".join(f"S{i},Name {i}\n" for i in range(120_000)).encode()
    data = b"id,name\n" + filler + "S-late,Ren\u00e9e\n".encode("cp1252")
    raw = read_cohort(data, "big.csv")
    assert isinstance(raw.source, CsvSource)  # the head was UTF-8: DuckDB tries first
    rows = students(load_cohort(raw))
    assert len(rows) == 120_001
    assert rows[-1]["name"] == "Renée" and rows[-1]["source_row"] == 120_002


def test_a_large_file_keeps_file_order_without_sorting():
    # DuckDB reads this in parallel; rows must still come out as the spreadsheet has them.
    body = "".join(f"S{i},{200 + i % 90}\n" for i in range(300_000))
    cohort = load(("id,step 2 ck\n" + body).encode())
    rows = cohort.con.sql("select source_row, student_id from canonical_students").fetchall()
    assert rows == [(i + 2, f"S{i}") for i in range(300_000)]
    flagged = cohort.flag(Config(), AS_OF).relation().select(
        duckdb.ColumnExpression("source_row"))
    assert [row for (row,) in flagged.fetchall()] == list(range(2, 300_002))


# --- where the header is, which sheet, which columns ---------------------------------------

REGISTRAR_HEADERS = [
    ("# US PRS LORs", "us_plastics_lors"), ("# of US PRS LORs", "us_plastics_lors"),
    ("GS Letters", "surgery_lors"), ("Research Pubs", "publications"),
    ("No. of Pubs", "publications"), ("Posters/Abstracts", "presentations"),
    ("Student #", "student_id"), ("Student No.", "student_id"), ("Year in School", "stage"),
    ("Grad Year", "class_year"), ("Match year", "class_year"), ("Backup Specialty",
                                                                 "parallel_plan"),
    ("Last, First", "name"), ("LORs (US PRS)", "us_plastics_lors"),
    ("Number of Step 1 attempts", "step1_attempts"), ("class_year", "class_year"),
    ("practice scores", "practice_scores"), ("Step 1 (USMLE)", "step1_result"),
    ("Step 2 Test Date", "step2ck_date"), ("Research Yr?", "research_year"),
    ("Backup?", "parallel_plan"),
    ("Away Rotations", None), ("Aways", None), ("Letters", None), ("LORs", None),
    ("Score", None),
]


@pytest.mark.parametrize(("header", "field"), REGISTRAR_HEADERS)
def test_registrar_headers(header, field):
    assert match_field(header) == field


def test_ambiguous_headers_are_suggested_not_mapped():
    cohort = load(b"ID,Away Rotations,LORs\nS1,2,1\n")
    assert "us_plastics_subis" not in cohort.mapping and "us_plastics_lors" not in cohort.mapping
    notes = cohort.header_notes()
    assert notes == [
        "Column 'Away Rotations' could mean US plastics sub-Is; it was not mapped. Map it on "
        "the Import page if that is what it holds.",
        "Column 'LORs' could mean US plastics letters or Surgery letters; it was not mapped. "
        "Map it on the Import page if that is what it holds.",
    ]


def test_two_columns_for_one_field_keep_the_first_and_carry_the_other():
    cohort = load(b"ID,Step 2 CK,CK Score\nS1,250,240\n")
    assert cohort.mapping["step2ck_score"] == "Step 2 CK"
    assert list(cohort.extra_columns.values()) == ["CK Score"]
    assert cohort.header_notes() == [
        "Step 2 CK score: read from column 'Step 2 CK'; 'CK Score' also named it and is kept "
        "as unmapped columns."]
    [row] = students(cohort)
    assert row["step2ck_score"] == 250


def test_title_rows_above_the_header_are_skipped_and_rows_keep_their_numbers():
    data = b"Advising roster\nExported 2026-11-20\n\nStudent ID,Name\nS1,Ann\n\nS2,Bob\n"
    raw = read_cohort(data, "roster.csv")
    assert (raw.header_row, raw.notes) == (4, [
        "The header is row 4; rows 1, 2 above it were read as a title and skipped."])
    rows = students(load_cohort(raw))
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 5), ("S2", 7)]


def test_a_first_row_of_only_commas_is_not_the_header():
    rows = students(load(b",,\nid,name,x\nS1,Ann,1\n"))
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 3)]


def test_a_line_holding_only_a_tab_is_blank():
    rows = students(load(b"id,name\nS1,Ann\n\t\nS2,Bob\n"))
    assert [(r["student_id"], r["source_row"]) for r in rows] == [("S1", 2), ("S2", 4)]


def test_no_id_header_in_the_first_ten_rows_is_refused_without_echoing_cells():
    data = b"Ann Smith,ann@example.edu,250\n" * 3
    with pytest.raises(CohortFileError) as refused:
        read_cohort(data, "roster.csv")
    assert "ann@example.edu" not in str(refused.value) and "Ann" not in str(refused.value)
    assert "student ID" in str(refused.value)
    late = b"title\n" * 11 + b"id,name\nS1,Ann\n"
    with pytest.raises(CohortFileError):
        read_cohort(late, "late.csv")


def test_workbook_data_on_the_second_sheet_after_a_title_row():
    data = xlsx({
        "Read me": [["How to use this workbook"], ["Data are on the next sheet"]],
        "Roster": [["Class of 2027 roster"], [None], ["Student #", "Step 2 CK"],
                   ["00417", 250], ["00418", "230 (unofficial)"]],
    })
    raw = read_cohort(data, "roster.xlsx")
    assert (raw.sheet, raw.header_row) == ("Roster", 3)
    rows = students(load_cohort(raw))
    assert [(r["student_id"], r["step2ck_score"], r["source_row"]) for r in rows] == [
        ("00417", 250, 4), ("00418", 230, 5)]


def test_a_hidden_first_sheet_is_passed_over():
    import openpyxl

    workbook = openpyxl.Workbook()
    hidden = workbook.active
    hidden.title = "Old"
    hidden.append(["id", "name"])
    hidden.append(["OLD1", "Stale"])
    hidden.sheet_state = "hidden"
    current = workbook.create_sheet("Current")
    current.append(["id", "name"])
    current.append(["S1", "Ann"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    raw = read_cohort(buffer.getvalue(), "cohort.xlsx")
    assert raw.sheet == "Current"
    assert [r["student_id"] for r in students(load_cohort(raw))] == ["S1"]


def test_list_sheets_says_which_hold_a_cohort():
    from dashboard.importer import list_sheets

    data = xlsx({"Read me": [["notes"]], "A": [["ID"], ["1"]], "B": [["title"], ["Student #"],
                                                                    ["2"]]})
    assert [(s.name, s.is_visible, s.has_cohort) for s in list_sheets(data)] == [
        ("Read me", True, False), ("A", True, True), ("B", True, True)]


def test_excel_error_cells_are_unreadable_not_missing():
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "Step 2 CK", "US PRS LORs"])
    sheet.append(["S1", "#N/A", "#DIV/0!"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    assert sheet.cell(row=2, column=2).data_type == "e"  # real error cells
    cohort = load(buffer.getvalue(), "cohort.xlsx")
    assert issues(cohort) == [
        (2, "Step 2 CK", "#N/A", "an Excel error value; treated as missing", "unreadable"),
        (2, "US PRS LORs", "#DIV/0!", "an Excel error value; treated as missing", "unreadable"),
    ]


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("name", ["registrar_roster.csv", "registrar_roster.xlsx"])
def test_registrar_roster_reads_as_a_person_would(name):
    cohort = load((DATA / name).read_bytes(), name)
    by_id = {row["student_id"]: row for row in students(cohort)}
    assert list(by_id) == ["00417", "00418", "00419", "00420", "ROW-8", "00421"]
    ana = by_id["00417"]
    assert (ana["step1_result"], ana["step2ck_date"], ana["practice_scores"],
            ana["us_plastics_lors"], ana["parallel_plan"], ana["name"]) == (
        "fail", dt.date(2027, 10, 15), [252, 248], 1, True, "Ruiz, Ana")
    assert by_id["00418"]["step2ck_score"] == 230
    assert by_id["00418"]["parallel_plan"] is False
    assert by_id["00419"]["step1_result"] is None and by_id["00419"]["us_plastics_lors"] == 2
    assert by_id["00420"]["step2ck_date"] == dt.date(2026, 6, 20)
    assert "us_plastics_subis" not in cohort.mapping  # Away Rotations is only suggested
    kinds = Counter(kind for *_, kind in issues(cohort))
    assert kinds["interpreted"] == 10 and kinds["identity"] == 1
    flagged = {row[0]: row[1:] for row in cohort.flag(Config(), dt.date(2026, 11, 25))
               .relation().select(*[duckdb.ColumnExpression(c) for c in
                                    ("student_id", "risk_level", "strategy")]).fetchall()}
    assert flagged["00417"] == ("high", "pending")
    assert flagged["00419"] == ("needs_data", "pending")
    # SPEC v3: a strong profile needs a US plastics sub-I and 15 research items.
    assert flagged["00420"] == ("low", "targeted_integrated")


@cache
def macros() -> duckdb.DuckDBPyConnection:
    """One connection with the cell parsers for the examples below (they only read)."""
    return connect()


# Never a year before 2000: whatever the cell, a date read is in 2000-2099 or missing.
@given(st.text(alphabet="0123456789/-. ,OctJanSep:T", max_size=14))
@settings(max_examples=300, deadline=None)
def test_no_cell_is_ever_read_as_a_year_before_2000(cell):
    [(read,)] = macros().execute("select date_in_range(date_of(cell_text($cell)))",
                            {"cell": cell}).fetchall()
    assert read is None or 2000 <= read.year <= 2099


def test_the_template_reads_back_with_every_field_mapped_and_no_issue():
    from dashboard.fields import template_csv

    cohort = load(template_csv(), "cohort-template.csv")
    assert set(cohort.mapping) == {field.name for field in FIELDS}
    assert issues(cohort) == []


def test_an_unbalanced_quote_that_swallows_rows_is_reported():
    data = b'id,name,step 2 ck\n001,"Ann,245\n002,Bob,250\n003,Cy,240\n004,"Dee",230\n'
    cohort = load(data)
    rows = students(cohort)
    assert len(rows) < 4  # the rows were merged: the issue says so
    [issue] = [i for i in issues(cohort) if "unbalanced quote" in i[3]]
    assert issue[:2] == (2, "name") and issue[4] == "unreadable"


def test_a_utf8_file_with_one_stray_windows_byte_keeps_its_accents():
    body = "".join(f"S{i},José Núñez\n" for i in range(40)).encode()
    raw = read_cohort(b"id,name\n" + body + b"S99,Ren\xe9e\n", "mixed.csv")
    rows = students(load_cohort(raw))
    assert rows[0]["name"] == "José Núñez" and rows[-1]["name"] == "Renée"
    assert raw.notes == ["The file is UTF-8 but for 1 byte(s), read as Windows-1252, on "
                         "row(s) 42: check those cells."]


def test_thousands_of_columns_or_an_essay_for_a_header_are_refused():
    wide = ("id," + ",".join(f"c{i}" for i in range(5000)) + "\n1," + "x," * 4999 + "x\n")
    with pytest.raises(CohortFileError, match="5,001 columns"):
        read_cohort(wide.encode(), "wide.csv")
    with pytest.raises(CohortFileError, match="characters long"):
        read_cohort(("id," + "h" * 1_000_000 + "\n1,2\n").encode(), "long.csv")
