"""Every record the file holds is read or reported: row accounting, unsaved formulas, UTF-16."""

import io

import openpyxl

from dashboard.engine import load_cohort
from dashboard.importer import read_cohort


def _load(data: bytes, name: str = "cohort.csv"):
    cohort = load_cohort(read_cohort(data, name))
    return cohort, cohort.data_issues().fetchall()


def test_an_open_quote_in_an_unmapped_notes_column_names_the_students_it_took_in():
    data = (b'id,name,step 2 ck,notes\n001,Ann,245,"call back\n'
            + b"".join(b"00%d,S%d,250,x\n" % (i, i) for i in range(2, 7)))
    cohort, issues = _load(data)
    assert cohort.student_count == 1
    unreadable = [issue for issue in issues if issue[4] == "unreadable"]
    assert {issue[:2] for issue in unreadable} == {(2, "notes")}
    assert any("002, 003, 004, 005, 006" in issue[3] for issue in unreadable)
    assert len(unreadable) == 6  # the cell, and each of the five lines taken in


def test_a_quoted_notes_cell_over_two_lines_is_no_issue():
    data = b'id,name,step 2 ck,notes\n001,Ann,245,"line one\nline two, more"\n002,Bob,250,x\n'
    cohort, issues = _load(data)
    assert cohort.student_count == 2
    assert issues == []


def test_a_last_line_longer_than_duckdbs_buffer_is_not_dropped():
    data = (b"id,name\n" + b"".join(b"S%d,N%d\n" % (i, i) for i in range(5))
            + b'"' * (33 * 2**20) + b"\n")
    cohort, _ = _load(data)
    assert cohort.student_count == 6


def test_a_formula_with_no_saved_value_is_unreadable():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append(["id", "step 1", "step 2 ck"])
    sheet.append(["S1", '=IF(1=1,"Fail","Pass")', "=200+1"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    _, issues = _load(buffer.getvalue(), "scripted.xlsx")
    assert [(row, column, value, kind) for row, column, value, _, kind in issues] == [
        (2, "step 1", '=IF(1=1,"Fail","Pass")', "unreadable"),
        (2, "step 2 ck", "=200+1", "unreadable")]
    assert all("no saved value" in issue[3] for issue in issues)


def test_excel_unicode_text_utf16_with_a_bom_is_read_as_text():
    text = "Student ID\tName\tStep 2 CK\nS1\tJosé\t250\n"
    for bom, encoding, order in ((b"\xff\xfe", "utf-16-le", "little-endian"),
                                 (b"\xfe\xff", "utf-16-be", "big-endian")):
        raw = read_cohort(bom + text.encode(encoding), "unicode.txt")
        cohort = load_cohort(raw)
        assert cohort.con.execute("select student_id, name, step2ck_score "
                                  "from canonical_students").fetchall() == [("S1", "José", 250)]
        assert any("UTF-16" in note and order in note for note in raw.notes)
