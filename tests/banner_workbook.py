"""A Banner-style registrar workbook made here, for the import tests (docs/reference.md "Input"): 90
students on the second sheet under two title lines, a totals row, a hidden row, separate
first and last names (three Kowalskis), Roman-numeral and abbreviated headers with
qualifiers, and the same cohort a week later with one column renamed and the others moved."""

from __future__ import annotations

import datetime as dt
import io

import xlsxwriter

FIRST_NAMES = ["Anna", "Jan", "Ewa", "Maria", "Tomasz", "Lucia", "Omar", "Priya", "Diego",
               "Chen", "Fatima", "Noah", "Zoë", "Mateo", "Aisha"]
LAST_NAMES = ["Kowalski", "Nowak", "García", "Okafor", "Haddad", "Silva", "Müller", "Rossi",
              "Ivanova", "Patel", "Kim", "Dubois", "Novak", "Ortiz", "Khan"]
STAGES = ["MS1", "MS2", "MS3", "MS4", "Grad 2025"]

WEEK1_HEADERS = [
    "Banner ID", "Last Name", "First Name", "Email Address", "Year", "Campus", "Advisor",
    "USMLE Step I", "Step I Attempts", "Step II CK", "Step II CK Date", "NBME/UWSA (recent)",
    "US PRS Letters (total)", "Surgery/GS LORs", "Publications (plastics)",
    "Posters/Abstracts", "Sub-I/Away (US Plastics)", "Research Yr?", "Backup Specialty",
]
# A week later: Step II CK is now "CK (final)", and the columns after the names are reordered.
RENAMED = {"Step II CK": "CK (final)"}
WEEK2_ORDER = [
    "Banner ID", "First Name", "Last Name", "Year", "USMLE Step I", "Step I Attempts",
    "CK (final)", "Step II CK Date", "US PRS Letters (total)", "Surgery/GS LORs",
    "Sub-I/Away (US Plastics)", "Publications (plastics)", "Posters/Abstracts",
    "NBME/UWSA (recent)", "Email Address", "Campus", "Advisor", "Research Yr?",
    "Backup Specialty",
]
STUDENTS = 90
HIDDEN_STUDENT = 40  # the index of the student on the hidden row
KOWALSKIS = (0, 16, 32)  # Anna, Jan and Ewa Kowalski


def banner_id(index: int) -> str:
    return f"@{1919100 + index:08d}"


def student(index: int) -> dict[str, object]:
    """One student of week 1: every fifth a final-year, the rest spread over the stages."""
    stage = STAGES[index % len(STAGES)]
    first = FIRST_NAMES[index % len(FIRST_NAMES)]
    last = "Kowalski" if index in KOWALSKIS else LAST_NAMES[(index * 7) % len(LAST_NAMES)]
    sitting = dt.date(2026, 6, 1) + dt.timedelta(days=index)
    has_score = stage in ("MS4", "Grad 2025")
    return {
        "Banner ID": banner_id(index), "Last Name": last, "First Name": first,
        "Email Address": f"s{index}@example.edu", "Year": stage,
        "Campus": "Main" if index % 2 else "North", "Advisor": "Dr. Chen",
        "USMLE Step I": "Pass" if stage != "MS1" and stage != "MS2" else "Not taken",
        "Step I Attempts": 1 if stage not in ("MS1", "MS2") else None,
        "Step II CK": 230 + index % 30 if has_score else None,
        "Step II CK Date": sitting if has_score else None,
        "NBME/UWSA (recent)": "240 / 245" if stage == "MS3" else None,
        "US PRS Letters (total)": index % 3,
        "Surgery/GS LORs": 1,
        "Publications (plastics)": index % 4,
        "Posters/Abstracts": index % 5,
        "Sub-I/Away (US Plastics)": index % 2,
        "Research Yr?": "No",
        "Backup Specialty": "Gen Surg" if index % 3 == 0 else "none",
    }


# The final-year student whose Step 1 cell names a second attempt (attempts cell blank).
RETAKE_INDEX = 3


def week1_students() -> list[dict[str, object]]:
    rows = [student(index) for index in range(STUDENTS)]
    rows[RETAKE_INDEX].update({"USMLE Step I": "P - 2nd attempt", "Step I Attempts": None,
                               "Step II CK": 258, "US PRS Letters (total)": 3,
                               "Sub-I/Away (US Plastics)": 2, "Publications (plastics)": 9,
                               "Posters/Abstracts": 9})
    return rows


# What changes in the week: two new Step 2 CK scores and one more US plastics letter.
WEEK2_CHANGES = {8: {"Step II CK": 250}, 13: {"Step II CK": 226},
                 21: {"US PRS Letters (total)": 2}}


def week2_students() -> list[dict[str, object]]:
    rows = week1_students()
    for index, values in WEEK2_CHANGES.items():
        rows[index].update(values)
    return [{RENAMED.get(header, header): value for header, value in row.items()}
            for row in rows]


def workbook(students: list[dict[str, object]], headers: list[str]) -> bytes:
    """The registrar's export: a notes sheet first, then the cohort under two title lines,
    with a totals row after the students and one student's row hidden."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False,
                                        "strings_to_numbers": False})
    dates = book.add_format({"num_format": "m/d/yyyy"})
    notes = book.add_worksheet("Read me")
    notes.write_string(0, 0, "Exported from Banner. Confidential.")
    sheet = book.add_worksheet("Students")
    sheet.write_string(0, 0, "Office of the Registrar: plastic surgery interest cohort")
    sheet.write_string(1, 0, "Report run 2026-11-18")
    for column, header in enumerate(headers):
        sheet.write_string(2, column, header)
    for offset, row in enumerate(students):
        line = 3 + offset
        for column, header in enumerate(headers):
            value = row[header]
            if value is None:
                continue
            if isinstance(value, dt.date):
                sheet.write_datetime(line, column, dt.datetime.combine(value, dt.time()), dates)
            elif isinstance(value, (int, float)):
                sheet.write_number(line, column, value)
            else:
                sheet.write_string(line, column, value)
        if offset == HIDDEN_STUDENT:
            sheet.set_row(line, None, None, {"hidden": True})
    total = 3 + len(students)
    sheet.write_string(total, 0, f"Total: {len(students)}")
    sheet.write_number(total, headers.index("US PRS Letters (total)"),
                       sum(int(row["US PRS Letters (total)"]) for row in students))
    book.close()
    return buffer.getvalue()


def week1() -> bytes:
    return workbook(week1_students(), WEEK1_HEADERS)


def week2() -> bytes:
    return workbook(week2_students(), WEEK2_ORDER)
