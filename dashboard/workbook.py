"""XLSX uploads: which sheets hold a cohort, their cells as text, and Excel's error cells.

Cells are read by python-calamine (Rust, fast). Two things it cannot tell are read from the
workbook's own XML: which sheets are hidden is in its metadata, but an error cell (`#N/A`)
comes back empty, so the sheet's XML is searched for error cells and their text put back,
where the typing step reports them as unreadable rather than as missing.
"""

from __future__ import annotations

import datetime as dt
import io
import posixpath
import re
import zipfile
from dataclasses import dataclass
from xml.etree import ElementTree
from xml.sax.saxutils import unescape

MAX_XLSX_UNPACKED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200
MAX_PART_FOR_XML_PARSER = 16 * 1024 * 1024  # workbook.xml and its rels are small

_MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_REL = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_PACKAGE_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_ERROR_CELL = re.compile(rb'<c\b([^>]*\bt="e"[^>]*)>(.*?)</c>', re.S)
_CELL_REF = re.compile(rb'\br="([A-Z]{1,3})([0-9]{1,7})"')
_VALUE = re.compile(rb"<v>([^<]*)</v>")
# A formula cell with no saved result (a workbook written by a script, never opened in
# Excel): the formula, then no value or an empty one, which the reader gives as a blank.
_UNSAVED_FORMULA = re.compile(
    rb'<c\b([^>]*)><f\b[^>]*?(?:/>|>([^<]*)</f>)(?:<v\s*/>|<v>\s*</v>)?</c>')


class WorkbookError(Exception):
    """A workbook that cannot be read; the message says why, without any cell's value."""


@dataclass(frozen=True)
class SheetInfo:
    name: str
    is_visible: bool
    has_cohort: bool  # a header row with a student ID column among its first rows


def refuse_zip_bomb(data: bytes) -> None:
    """Check the zip's own directory before unpacking anything: a small upload that unpacks
    to gigabytes is refused instead of filling the server's memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except zipfile.BadZipFile:
        raise WorkbookError("this is a damaged zip file, not a readable Excel workbook") \
            from None
    if unpacked > MAX_XLSX_UNPACKED or unpacked > MAX_XLSX_RATIO * max(len(data), 1) + 2**20:
        raise WorkbookError(
            f"the workbook unpacks to {unpacked / 2**20:,.0f} MB, too large to open safely; "
            "save the cohort sheet alone as CSV or XLSX and upload that")


MAX_COLUMN_LETTERS = 2  # up to column ZZ (702 columns)
MAX_CELLS = 30_000_000  # rows x columns of the area a sheet spans
EXCEL_CELL_LIMIT = 32_767  # characters Excel itself allows in a cell
_WIDE_REF = re.compile(rb'\br="[A-Z]{3,}[0-9]')
_TWO_LETTER_REF = re.compile(rb'<c r="([A-Z]{2})[0-9]')
_ROW_REF = re.compile(rb'<row r="([0-9]+)"')


def refuse_oversized(data: bytes) -> None:
    """Check the shape of every sheet before any cell is read: a tiny workbook with one cell
    at XFD1048576 would make the reader allocate the whole area, and one huge shared string
    used by thousands of cells expands to gigabytes."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        for info in archive.infolist():
            name = info.filename
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                _check_sheet(archive, name)
            elif name == "xl/sharedStrings.xml":
                _check_strings(archive.read(name))


def _check_sheet(archive: zipfile.ZipFile, name: str) -> None:
    widest, last_row = 1, 0
    with archive.open(name) as part:
        tail = b""
        while chunk := part.read(1 << 22):
            text = tail + chunk
            if _WIDE_REF.search(text):
                raise WorkbookError(
                    "a sheet reaches past column ZZ (702 columns); a cohort needs far fewer. "
                    "Delete the stray cells far to the right, or save the cohort as CSV")
            for letters in _TWO_LETTER_REF.findall(text):
                widest = max(widest, _column_index(letters.decode()) + 1)
            rows = _ROW_REF.findall(text)
            if rows:
                last_row = max(last_row, int(rows[-1]))
            tail = text[-64:]
    widest = max(widest, 26)  # one-letter columns are not scanned: count them all
    if last_row * widest > MAX_CELLS:
        raise WorkbookError(
            f"a sheet spans {last_row:,} rows by {widest:,} columns, more cells than a cohort "
            "holds; delete the stray cells far below or to the right, or save it as CSV")


def _check_strings(xml: bytes) -> None:
    if len(xml) > EXCEL_CELL_LIMIT and max(map(len, xml.split(b"<"))) > EXCEL_CELL_LIMIT * 4:
        raise WorkbookError(
            "the workbook holds a text longer than Excel allows in a cell (32,767 "
            "characters); it was not made by Excel. Save the cohort as CSV and upload that")


def cell_text(value: object) -> str:
    """An Excel cell as the text a person would type for it."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return str(value)


def sheet_parts(data: bytes) -> dict[str, str]:
    """Sheet name -> the path of its XML inside the workbook."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        workbook = _parse(archive, "xl/workbook.xml")
        rels = _parse(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        return {}
    targets = {}
    for rel in rels.iter(f"{_PACKAGE_REL}Relationship"):
        target = rel.get("Target", "")
        path = target.lstrip("/") if target.startswith("/") else posixpath.normpath(
            posixpath.join("xl", target))
        targets[rel.get("Id")] = path
    parts = {}
    for sheet in workbook.iter(f"{_MAIN}sheet"):
        rel_id = sheet.get(f"{_REL}id")
        if sheet.get("name") is not None and rel_id in targets:
            parts[sheet.get("name")] = targets[rel_id]
    return parts


def _parse(archive: zipfile.ZipFile, name: str):
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > MAX_PART_FOR_XML_PARSER:
        raise WorkbookError("the workbook's sheet list is implausibly large")
    try:
        return ElementTree.fromstring(archive.read(name))
    except ElementTree.ParseError:
        raise WorkbookError("the workbook's sheet list is damaged") from None


def _sheet_xml(data: bytes, part: str | None) -> bytes:
    """A sheet's XML as stored in the workbook; empty when the sheet has no part of its own."""
    if part is None:
        return b""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        try:
            return archive.read(part)
        except KeyError:
            return b""


def error_cells(data: bytes, part: str | None) -> dict[tuple[int, int], str]:
    """(row index, column index) from 0 -> the error text (`#N/A`) of each error cell."""
    xml = _sheet_xml(data, part)
    if b't="e"' not in xml:
        return {}
    found = {}
    for match in _ERROR_CELL.finditer(xml):
        ref = _CELL_REF.search(match.group(1))
        value = _VALUE.search(match.group(2))
        if ref is None:
            continue
        letters, digits = ref.groups()
        found[(int(digits) - 1, _column_index(letters.decode()))] = (
            value.group(1).decode("utf-8", "replace") if value else "#VALUE!")
    return found


def unsaved_formulas(data: bytes, part: str | None) -> dict[tuple[int, int], str]:
    """(row index, column index) from 0 -> the formula (`=1+1`) of each formula cell with no
    saved value: the reader gives it as blank, which would read as missing without a word."""
    xml = _sheet_xml(data, part)
    if b"<f" not in xml:
        return {}
    found = {}
    for match in _UNSAVED_FORMULA.finditer(xml):
        attributes, formula = match.groups()
        ref = _CELL_REF.search(attributes)
        if ref is None or b't="str"' in attributes or b't="e"' in attributes:
            continue  # a saved empty text result, or an error cell (`error_cells`)
        letters, digits = ref.groups()
        text = unescape(formula.decode("utf-8", "replace")) if formula else ""
        found[(int(digits) - 1, _column_index(letters.decode()))] = (
            "=" + text if text else "(a formula shared with the cell above)")
    return found


def _column_index(letters: str) -> int:
    index = 0
    for letter in letters:
        index = index * 26 + (ord(letter) - ord("A") + 1)
    return index - 1


def sheet_records(workbook, name: str, errors: dict[tuple[int, int], str]) -> list[list[str]]:
    """A sheet's rows as lists of text, from A1, with error cells as their error text."""
    sheet = workbook.get_sheet_by_name(name)
    rows = sheet.to_python(skip_empty_area=False)
    records = [[value if type(value) is str else cell_text(value) for value in row]
               for row in rows]
    for (row, column), text in errors.items():
        if row < len(records):
            record = records[row]
            if column >= len(record):
                record.extend([""] * (column + 1 - len(record)))
            record[column] = text
    return records
