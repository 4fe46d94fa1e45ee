"""Upload bytes -> a raw table of text cells with spreadsheet row numbers (docs/reference.md,
"Input").

Nothing here interprets a value: every cell stays text, typing happens in SQL
(`queries/canonical_students.sql`). This module only decides what the file is, how to
decode it, where its header is, and how to hand the rows to DuckDB.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import gc
import io
import itertools
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.fields import guess_mapping, match_field
from dashboard.workbook import (
    SheetInfo,
    WorkbookError,
    cell_text,
    error_cells,
    refuse_oversized,
    refuse_zip_bomb,
    sheet_parts,
    sheet_records,
    unsaved_formulas,
)

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", ";", "\t")
# Python's csv module stops at 128 KiB per cell by default; a pasted essay must still load.
csv.field_size_limit(64 * 1024 * 1024)


# Told (rows read so far, rows in the file) as a long file is read row by row.
Progress = Callable[[int, int], None]
PROGRESS_ROWS = 20_000


class CohortFileError(Exception):
    """A file that cannot be used at all. The message names the file and the reason."""


class RecordsUnaccounted(Exception):
    """DuckDB's reader returned another number of records than the file holds: the file is
    read again by `RawCohort.python_fallback`, which accounts for every line."""


@dataclass(frozen=True)
class CsvSource:
    """A UTF-8 CSV without blank lines, which DuckDB's own reader can scan in parallel."""

    data: bytes | Path
    delimiter: str


@dataclass
class RawCohort:
    """The upload as text cells: columns c0..cN named by `headers`, rows after `header_row`."""

    file_name: str
    headers: list[str]
    header_row: int
    source: CsvSource | pa.Table
    sheet: str | None = None
    notes: list[str] = field(default_factory=list)
    delimiter: str | None = None  # a text file's; a semicolon makes undecided dates day-first
    decimal_comma: bool = False  # numbers written 245,5: undecided dates are day-first too
    # What the reader could not read, found as it read: (row, column, value, problem), each an
    # unreadable data issue (lines an unbalanced quote merged, formulas without a saved value).
    read_issues: list[tuple[int, str, str, str]] = field(default_factory=list)
    # DuckDB's fast path: the records the file holds, the header included, counted apart from
    # the reader; a different count from the reader sends the file to `python_fallback`.
    expected_records: int | None = None

    @property
    def column_keys(self) -> list[str]:
        return [f"c{index}" for index in range(len(self.headers))]

    def has_content(self) -> duckdb.Expression:
        """True for a row with at least one non-blank cell: a row of blanks is no student."""
        return duckdb.FunctionExpression("row_has_content", duckdb.FunctionExpression(
            "concat", *[duckdb.ColumnExpression(key) for key in self.column_keys]))

    def guessed_mapping(self) -> dict[str, str]:
        return guess_mapping(self.headers)

    @property
    def numbered_by_position(self) -> bool:
        """True when `relation` leaves `source_row` empty: the records come in file order, the
        header first, and record n is spreadsheet row n (the fast path has no blank lines)."""
        return not isinstance(self.source, pa.Table)

    def relation(self, con: duckdb.DuckDBPyConnection) -> duckdb.DuckDBPyRelation:
        """`source_row` (spreadsheet row number) then c0..cN as VARCHAR.

        An XLSX or Python-parsed file gives its data rows, numbered. DuckDB's parallel CSV
        reader gives every record, the header included, with `source_row` NULL: a window
        function to number them would serialise the read, so the loaded table's rowid numbers
        them instead (`queries/number_by_position.sql`).
        """
        if isinstance(self.source, pa.Table):
            return con.from_arrow(self.source)
        data = self.source.data
        # No sniffing: it guesses comment characters and preamble rows, and would drop them.
        # A row this strict reading refuses sends the file to `python_fallback`.
        reader = con.read_csv(
            io.BytesIO(data) if isinstance(data, bytes) else str(data),
            auto_detect=False,
            header=False,
            columns=dict.fromkeys(self.column_keys, "VARCHAR"),
            delimiter=self.source.delimiter,
            quotechar='"',
            escapechar='"',
            comment="",
            skiprows=0,
            null_padding=True,
        )
        return reader.project("null::bigint as source_row, *")

    def python_fallback(self, progress: Progress | None = None) -> RawCohort:
        """The same file read by Python's csv module, for what DuckDB's reader refuses."""
        if isinstance(self.source, pa.Table):
            return self
        data = self.source.data
        raw_bytes = data if isinstance(data, bytes) else Path(data).read_bytes()
        notes: list[str] = []
        text, _ = _decode(raw_bytes, self.file_name, notes)
        raw = _raw_from_text(self.file_name, text, self.source.delimiter, progress)
        raw.notes[:0] = notes
        raw.delimiter, raw.decimal_comma = self.delimiter, self.decimal_comma
        return raw


def read_cohort(
    data: bytes | str | Path, file_name: str | None = None, sheet: str | None = None,
    progress: Progress | None = None,
) -> RawCohort:
    """Open an upload (bytes) or a path as a raw cohort, or raise CohortFileError. `progress`
    is told, every `PROGRESS_ROWS` rows, how far a row-by-row read has got."""
    path: Path | None = None
    if isinstance(data, (str, Path)):
        path = Path(data)
        file_name = file_name or path.name
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            raise CohortFileError(f"{file_name}: the file does not exist") from None
        except IsADirectoryError:
            raise CohortFileError(f"{file_name}: this is a folder, not a file") from None
        except OSError as error:
            raise CohortFileError(f"{file_name}: the file cannot be read ({error.strerror})") \
                from None
    file_name = file_name or "upload"
    if not data or data.isspace():
        raise CohortFileError(f"{file_name}: the file is empty")
    if is_workbook(data):  # XLSX and ODS (zip files) and XLS (OLE2): the same rules
        return _read_xlsx(data, file_name, sheet, progress)
    if sheet is not None:
        raise CohortFileError(f"{file_name}: a sheet was named, but this is not a workbook "
                              "(XLSX, XLS or ODS)")
    return _read_text(data, file_name, path, progress)


def is_workbook(data: bytes) -> bool:
    """An XLSX or ODS (a zip file) or an XLS (an OLE2 file), all read by python-calamine."""
    return data.startswith((ZIP_MAGIC, OLE2_MAGIC))


def _is_zip(data: bytes) -> bool:
    return data.startswith(ZIP_MAGIC)


UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)


def _refuse_binary(data: bytes, file_name: str) -> None:
    if b"\x00" in data[:65536] and not data.startswith(UTF16_BOMS):
        raise CohortFileError(
            f"{file_name}: this is not a CSV or Excel file (it contains binary data); "
            "upload a .csv, .tsv, .txt, .xlsx, .xls or .ods file"
        )


def _decode(data: bytes, file_name: str, notes: list[str] | None = None) -> tuple[str, bool]:
    """Text of the file and whether it was UTF-8; Windows-1252 is the fallback.

    A file that is UTF-8 but for a few stray bytes (one cell pasted from an old system) stays
    UTF-8, so its accented names survive; those bytes are read as Windows-1252 and the rows
    that hold them are named in `notes`. UTF-16 with a byte order mark (Excel's "Unicode
    Text" export, tab-delimited) is text too, and `notes` says it was read so."""
    _refuse_binary(data, file_name)
    if data.startswith(UTF16_BOMS):
        order = "little-endian" if data.startswith(codecs.BOM_UTF16_LE) else "big-endian"
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError:
            raise CohortFileError(
                f"{file_name}: the file begins as UTF-16 text (Excel's 'Unicode Text') but is "
                "damaged further on; save it again from Excel as 'CSV UTF-8' and upload "
                "that") from None
        if notes is not None:
            notes.append(f"The file is UTF-16 text ({order}, as Excel's 'Unicode Text' "
                         "saves it); it was read as text.")
        return text, False
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        pass
    stray: list[int] = []

    def as_cp1252(error: UnicodeDecodeError) -> tuple[str, int]:
        stray.append(error.start)
        return error.object[error.start:error.start + 1].decode("latin-1").translate(
            _CP1252_HIGH), error.start + 1

    text = data.decode("utf-8-sig", errors=_register_handler(as_cp1252))
    multibyte = sum(1 for character in text if ord(character) > 127) - len(stray)
    if stray and multibyte >= 2 * len(stray):
        rows = sorted({data.count(b"\n", 0, position) + 1 for position in stray})
        shown = ", ".join(map(str, rows[:10])) + (", ..." if len(rows) > 10 else "")
        if notes is not None:
            notes.append(f"The file is UTF-8 but for {len(stray)} byte(s), read as Windows-1252, "
                         f"on row(s) {shown}: check those cells.")
        return text, True
    try:
        return data.decode("cp1252"), False
    except UnicodeDecodeError:
        # Five bytes are undefined in Windows-1252; Latin-1 reads them rather than refusing.
        return data.decode("latin-1"), False


# Latin-1 decoding, then Windows-1252's own characters for bytes 0x80-0x9F.
_CP1252_HIGH = {0x80 + offset: character for offset, character in enumerate(
    bytes(range(0x80, 0xA0)).decode("cp1252", errors="replace"))}

def _register_handler(handler) -> str:
    name = f"cohort_advisor_{id(handler)}"
    codecs.register_error(name, handler)
    return name


def detect_delimiter(header_line: str) -> str:
    """The candidate that splits the header into the most fields; comma on a tie."""
    counts = {
        delimiter: len(next(csv.reader([header_line], delimiter=delimiter)))
        for delimiter in DELIMITERS
    }
    return max(DELIMITERS, key=lambda delimiter: (counts[delimiter], delimiter == ","))


HEAD_CHARS = 1 << 20  # enough text to hold the header row


_BLANK_LINE = re.compile(rb"\n\r?\n")
_LONE_CR = re.compile(rb"\r(?!\n)")


def _duckdb_reads_it_as_a_spreadsheet_would(data: bytes) -> bool:
    """DuckDB's reader skips empty lines (a spreadsheet counts them in its row numbers) and
    ends a record at a lone CR even inside quotes; such files go to Python's csv module.

    Each check is one C-speed scan without copying the file: a million rows take 0.1 s."""
    end = len(data)
    while end and data[end - 1] in b" \t\r\n\x0b\x0c":
        end -= 1  # trailing blank lines are not students and shift no row number
    starts_blank = data[:1] in (b"\n", b"\r") or data.startswith((b"\xef\xbb\xbf\n",
                                                                  b"\xef\xbb\xbf\r"))
    has_blank_line = _BLANK_LINE.search(data, 0, end) is not None
    has_lone_cr = data.find(b"\r", 0, end) != -1 and _LONE_CR.search(data, 0, end) is not None
    return not (starts_blank or has_blank_line or has_lone_cr)


def _read_text(data: bytes, file_name: str, path: Path | None,
               progress: Progress | None = None) -> RawCohort:
    head = _utf8_head(data)
    if head is not None and _duckdb_reads_it_as_a_spreadsheet_would(data):
        _refuse_binary(data, file_name)
        delimiter, header = _sniff(head, file_name)
        if header is not None and header[0] == 1:
            _refuse_outsized_header(header[1], file_name)
            records = _fast_path_records(data)
            if records - 1 > MAX_ROWS:
                raise _too_many_rows(file_name)
            # DuckDB checks the rest is UTF-8 as it reads; if not, `python_fallback` decodes it.
            raw = RawCohort(file_name, _unique_headers(header[1]), 1,
                            CsvSource(path if path is not None and path.is_file() else data,
                                      delimiter), delimiter=delimiter,
                            decimal_comma=writes_decimal_commas(head, delimiter),
                            expected_records=records)
            _require_student_id(raw)
            return raw
    notes: list[str] = []
    text, _ = _decode(data, file_name, notes)
    delimiter, _ = _sniff(text[:HEAD_CHARS], file_name)
    raw = _raw_from_text(file_name, text, delimiter, progress)
    raw.notes[:0] = notes
    raw.delimiter, raw.decimal_comma = delimiter, writes_decimal_commas(text[:HEAD_CHARS],
                                                                      delimiter)
    return raw


def _fast_path_records(data: bytes) -> int:
    """The records of a file DuckDB reads whole: one per line (the fast path has no blank
    line, no lone CR, and no quoted cell over two lines, which DuckDB's reader refuses), trailing
    line breaks not counted. DuckDB drops a record silently in some cases (a line longer than
    its buffer); this count, made apart from it, shows when it did."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":
        end -= 1
    return data.count(b"\n", 0, end) + 1


_QUOTED_CELLS: dict[str, re.Pattern[str]] = {}


def _quoted_cell(delimiter: str) -> re.Pattern[str]:
    """A quoted cell as RFC 4180 writes it: opened at the start of a cell, `""` inside, closed
    by a quote followed (after spaces) by a delimiter or the end of the line. Possessive, so a
    quote left open costs one pass to the next quote, never a backtrack."""
    if delimiter not in _QUOTED_CELLS:
        ends = re.escape(delimiter) + r"\r\n"
        _QUOTED_CELLS[delimiter] = re.compile(
            rf'(?<![^{ends}])"(?:[^"]++|"")*+"(?= *+(?:[{ends}]|\Z))')
    return _QUOTED_CELLS[delimiter]


def _line_breaks(text: str, start: int, end: int) -> int:
    """Line breaks in text[start:end] as Python's csv reader splits lines: CRLF, LF or CR."""
    return (text.count("\n", start, end) + text.count("\r", start, end)
            - text.count("\r\n", start, end))


def continuation_lines(text: str, delimiter: str) -> set[int]:
    """The physical lines (1 = the first) that continue a well-formed quoted cell holding a
    line break: every other line begins a record. A simple pass of its own, so it does not
    share the reader's mistakes: a quote left open, which the reader follows over the lines
    after it, closes no well-formed cell here, and those lines stay record starts."""
    continuing: set[int] = set()
    if '"' not in text:
        return continuing
    line, position = 1, 0
    for match in _quoted_cell(delimiter).finditer(text):
        start, end = match.span()
        inside = _line_breaks(text, start, end)
        if not inside:
            continue
        line += _line_breaks(text, position, start)
        continuing.update(range(line + 1, line + inside + 1))
        line, position = line + inside, end
    return continuing


class _TrackedLines:
    """The lines of a text as the csv reader takes them, keeping the current record's lines."""

    def __init__(self, text: str):
        self._lines = io.StringIO(text, newline="")
        self.current: list[str] = []

    def __iter__(self):
        for line in self._lines:
            self.current.append(line)
            yield line


def _raw_from_text(file_name: str, text: str, delimiter: str,
                   progress: Progress | None = None) -> RawCohort:
    """Read a decoded text file with Python's csv module, and account for its records: every
    line that begins a record (`continuation_lines`) must begin one the reader returns. Lines
    the reader took into a cell of the record above are reported, with the student each looks
    like, as unreadable data issues on that record's row."""
    continuing = continuation_lines(text, delimiter)
    lines = _TrackedLines(text)
    merged: list[tuple[int, list[str], list[str], int]] = []  # row, record, its lines, 1st line

    def accounted(records):
        first_line = 1
        for row_number, record in enumerate(records, start=1):
            count = len(lines.current)
            if count > 1 and any(line not in continuing
                                 for line in range(first_line + 1, first_line + count)):
                merged.append((row_number, record, lines.current, first_line))
            first_line += count
            lines.current = []
            yield record

    records = csv.reader(lines, delimiter=delimiter)
    with _no_gc_pauses():
        total = 0 if progress is None else _line_breaks(text, 0, len(text)) + 1
        raw = _raw_from_records(file_name, accounted(records), sheet=None, progress=progress,
                                total=total)
    for row_number, record, record_lines, first_line in merged:
        if row_number > raw.header_row:
            raw.read_issues += _merged_line_issues(raw, delimiter, continuing, row_number,
                                                   record, record_lines, first_line)
    raw.delimiter = delimiter
    return raw


def _merged_line_issues(raw: RawCohort, delimiter: str, continuing: set[int], row_number: int,
                        record: list[str], record_lines: list[str], first_line: int
                        ) -> list[tuple[int, str, str, str]]:
    """The issues of one record that took in lines beginning records of their own: on each of
    its cells holding a line break, and on each line taken in, named by the student ID it
    holds, so that no student merged away looks absent by accident."""
    id_index = next((index for index, header in enumerate(raw.headers)
                     if match_field(header) == "student_id"), 0)
    taken = [(first_line + offset, line) for offset, line in enumerate(record_lines)
             if offset and first_line + offset not in continuing and line.strip()]
    ids = []
    for _, line in taken:
        cells = next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])
        if id_index < len(cells) and cells[id_index].strip():
            ids.append(cells[id_index].strip())
    cells = [(raw.headers[index], cell) for index, cell in enumerate(record)
             if index < len(raw.headers) and ("\n" in cell or "\r" in cell)]
    column = cells[0][0] if cells else raw.headers[min(id_index, len(raw.headers) - 1)]
    span = (f"line {taken[0][0]}" if len(taken) == 1
            else f"lines {taken[0][0]}-{taken[-1][0]}")
    who = (f", which look like the rows of {len(ids)} student(s) (ID "
           + ", ".join(ids[:10]) + (", ..." if len(ids) > 10 else "") + ")") if ids else ""
    issues = [(row_number, name, cell,
               f'an unbalanced quote (") in this cell took in {span} of the file{who}; '
               "they are missing from the cohort. Fix the quote in the file and upload it "
               "again") for name, cell in cells or [(column, "")]]
    for line_number, line in taken:
        issues.append((row_number, column, line.rstrip("\r\n"),
                       f"line {line_number} of the file was taken into the cell above by a "
                       "quote left open: this row is not in the cohort"))
    return issues


_DECIMAL_COMMA = {",": re.compile(r'"-?[0-9]+,[0-9]{1,2}"'),
                  "\t": re.compile(r'(?m)(?:^|\t)-?[0-9]+,[0-9]{1,2}(?:\t|\r?$)')}


def writes_decimal_commas(head: str, delimiter: str) -> bool:
    """Whether the file writes numbers as 245,5 (a European file, where dates are day-first)."""
    pattern = _DECIMAL_COMMA.get(delimiter)
    return pattern is not None and pattern.search(head) is not None


def _sniff(head: str, file_name: str) -> tuple[str, tuple[int, list[str]] | None]:
    """The delimiter, and the header row it reveals: the candidate whose header row (with a
    student ID column) splits into the most fields; else the one that splits the first
    non-blank line most, comma on a tie."""
    lines = list(itertools.islice(io.StringIO(head, newline=""), 0, 60))
    if not any(line.strip() for line in lines):
        raise CohortFileError(f"{file_name}: the file is empty")
    best: tuple[int, str, tuple[int, list[str]]] | None = None
    for delimiter in DELIMITERS:
        found = find_header(csv.reader(lines, delimiter=delimiter))
        if found is not None and (best is None or len(found[1]) > best[0]):
            best = (len(found[1]), delimiter, found)
    if best is not None:
        return best[1], best[2]
    first_line = next(line for line in lines if line.strip())
    return detect_delimiter(first_line), None


def _utf8_head(data: bytes) -> str | None:
    """The first megabyte as text if it is UTF-8 (a character cut at the end is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(data[:HEAD_CHARS], final=False)
    except UnicodeDecodeError:
        return None


def _open_workbook(data: bytes, file_name: str):
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        if _is_zip(data):
            refuse_zip_bomb(data)
            refuse_oversized(data)
        return CalamineWorkbook.from_filelike(io.BytesIO(data))
    except WorkbookError as error:
        raise CohortFileError(f"{file_name}: {error}") from None
    except (CalamineError, ValueError, OSError, zipfile.BadZipFile):
        if _is_zip(data):
            raise CohortFileError(
                f"{file_name}: this is a zip file but not a readable Excel workbook") from None
        raise CohortFileError(f"{file_name}: this is not a readable Excel workbook (.xls)") \
            from None
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException:  # a panic in the Rust reader (pyo3) is a BaseException
        raise CohortFileError(
            f"{file_name}: the workbook could not be read (the reader stopped on it)") from None


def list_sheets(data: bytes, file_name: str = "upload") -> list[SheetInfo]:
    """Every sheet of a workbook: visible or hidden, and whether it holds a cohort (a header
    row with a student ID column among its first rows)."""
    workbook = _open_workbook(data, file_name)
    try:
        return [SheetInfo(meta.name, _is_visible(meta), _has_cohort(workbook, meta.name))
                for meta in workbook.sheets_metadata]
    finally:
        workbook.close()


def _is_visible(meta) -> bool:
    return str(meta.visible).rsplit(".", 1)[-1].lower() == "visible"


def _has_cohort(workbook, name: str) -> bool:
    from python_calamine import CalamineError

    try:
        rows = workbook.get_sheet_by_name(name).to_python(skip_empty_area=False, nrows=200)
    except (CalamineError, ValueError):
        return False
    records = [[value if type(value) is str else cell_text(value) for value in row]
               for row in rows]
    return find_header(records) is not None


def _read_xlsx(data: bytes, file_name: str, sheet: str | None,
               progress: Progress | None = None) -> RawCohort:
    from python_calamine import CalamineError

    workbook = _open_workbook(data, file_name)
    try:
        names = [meta.name for meta in workbook.sheets_metadata]
        if not names:
            raise CohortFileError(f"{file_name}: the workbook has no sheets")
        if sheet is None:
            sheet = next((meta.name for meta in workbook.sheets_metadata
                          if _is_visible(meta) and _has_cohort(workbook, meta.name)), None)
            if sheet is None:
                raise CohortFileError(
                    f"{file_name}: no visible sheet has a header row with a student ID column "
                    "(such as 'Student ID' or 'ID') in its first 10 rows")
        elif sheet not in names:
            listed = ", ".join(repr(name) for name in names)
            raise CohortFileError(
                f"{file_name}: there is no sheet named {sheet!r} (sheets: {listed})")
        try:  # an XLSX's error cells; XLS and ODS give theirs as text
            part = sheet_parts(data).get(sheet) if _is_zip(data) else None
            errors = error_cells(data, part)
            formulas = unsaved_formulas(data, part)
        except (WorkbookError, zipfile.BadZipFile, KeyError):
            errors, formulas = {}, {}
        with _no_gc_pauses():  # millions of short-lived cell objects, none of them cyclic
            records = sheet_records(workbook, sheet, errors)
            raw = _raw_from_records(file_name, iter(records), sheet=sheet, progress=progress,
                                    total=len(records))
        raw.read_issues += [
            (row + 1, raw.headers[column], formula,
             "a formula with no saved value (the file was written by a program, not saved "
             "in Excel), so it reads as blank; open and save the file in Excel, then upload "
             "it again")
            for (row, column), formula in sorted(formulas.items())
            if row + 1 > raw.header_row and column < len(raw.headers)]
        others = [name for name in names if name != sheet]
        if others:
            raw.notes.append(f"Read sheet {sheet!r}; the workbook also has "
                             + ", ".join(repr(name) for name in others) + ".")
        return raw
    except CalamineError:
        raise CohortFileError(f"{file_name}: sheet {sheet!r} cannot be read") from None
    except (KeyboardInterrupt, SystemExit, CohortFileError):
        raise
    except BaseException:  # a panic in the Rust reader (pyo3) is a BaseException
        raise CohortFileError(
            f"{file_name}: sheet {sheet!r} could not be read (the reader stopped on it)"
        ) from None
    finally:
        workbook.close()


@contextlib.contextmanager
def _no_gc_pauses():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


HEADER_SEARCH_ROWS = 10  # non-blank rows in which the header row is looked for


def find_header(records) -> tuple[int, list[str]] | None:
    """(row number, cells) of the header: the first row, among the first 10 non-blank rows,
    that has a column naming the student ID."""
    seen = 0
    for row_number, record in enumerate(records, start=1):
        if not any(cell.strip() for cell in record):
            continue
        if any(match_field(cell) == "student_id" for cell in record if len(cell) < 200):
            return row_number, list(record)
        seen += 1
        if seen >= HEADER_SEARCH_ROWS:
            return None
    return None


def _raw_from_records(file_name: str, records, sheet: str | None,
                      progress: Progress | None = None, total: int = 0) -> RawCohort:
    """Build the raw table from parsed records: the header found among the first rows, the
    rows after it with their spreadsheet row numbers (blank rows keep theirs). `total` is the
    rows the file holds, as far as `progress` is told."""
    records = iter(records)
    head = list(itertools.islice(records, 0, 1000))
    found = find_header(head)
    if found is None:
        where = f" (sheet {sheet!r})" if sheet else ""
        if not any(any(cell.strip() for cell in record) for record in head):
            raise CohortFileError(f"{file_name}: the file is empty{where}")
        raise CohortFileError(
            f"{file_name}{where}: no column could be matched to the student ID. The header "
            f"row, within the first {HEADER_SEARCH_ROWS} rows, needs a column such as "
            "'Student ID' or 'ID'")
    header_row, header = found
    _refuse_outsized_header(header, file_name)
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    all_records = itertools.chain(head[header_row:], records)
    for row_number, record in enumerate(all_records, start=header_row + 1):
        if progress is not None and not row_number % PROGRESS_ROWS:
            progress(row_number, max(total, row_number))
        if not any(cell.strip() for cell in record):
            continue  # an empty line is no student, but it keeps its row number
        if len(record) > MAX_COLUMNS:
            raise CohortFileError(
                f"{file_name}: row {row_number:,} has {len(record):,} cells; a cohort file "
                f"holds at most {MAX_COLUMNS} columns. Check that row (a delimiter typed into "
                "a cell, or the wrong delimiter) and upload the file again")
        rows.append(record)
        row_numbers.append(row_number)
        if len(rows) > MAX_ROWS:
            raise _too_many_rows(file_name)

    width = max([len(header), *map(len, rows)])
    headers = _unique_headers(header + [""] * (width - len(header)))
    columns: dict[str, pa.Array] = {"source_row": pa.array(row_numbers, pa.int64())}
    transposed = list(itertools.zip_longest(*rows, fillvalue=""))
    transposed += [("",) * len(rows)] * (width - len(transposed))
    empty = pa.scalar(None, pa.string())
    for index, cells in enumerate(transposed):
        text = pa.array(cells, pa.string())
        columns[f"c{index}"] = pc.if_else(pc.equal(text, ""), empty, text)
    raw = RawCohort(file_name, headers, header_row, pa.table(columns), sheet=sheet)
    skipped = [number for number, record in enumerate(head[:header_row - 1], start=1)
               if any(cell.strip() for cell in record)]
    if skipped:
        raw.notes.append(
            f"The header is row {header_row}; "
            + ("row " if len(skipped) == 1 else "rows ")
            + ", ".join(map(str, skipped)) + " above it "
            + ("was" if len(skipped) == 1 else "were") + " read as a title and skipped.")
    return raw


MAX_COLUMNS = 500
MAX_HEADER_CHARS = 1000
MAX_ROWS = 2_000_000  # twice the largest cohort the benchmarks run; checked as rows are read


def _too_many_rows(file_name: str) -> CohortFileError:
    return CohortFileError(
        f"{file_name}: the file has more than {MAX_ROWS:,} rows of data; a cohort file holds at "
        "most that many. Split it, or remove the rows that are not students, and upload it again")


def _refuse_outsized_header(header: list[str], file_name: str) -> None:
    """A cohort has tens of columns with short names; thousands of columns, or a header cell
    as long as an essay, is not one, and would cost minutes to carry through every export."""
    if len(header) > MAX_COLUMNS:
        raise CohortFileError(
            f"{file_name}: the header has {len(header):,} columns; a cohort file holds at "
            f"most {MAX_COLUMNS}. Remove the columns you do not need and upload it again")
    longest = max((len(cell) for cell in header), default=0)
    if longest > MAX_HEADER_CHARS:
        raise CohortFileError(
            f"{file_name}: a header cell is {longest:,} characters long; column names are "
            "short. Check that the first rows are the header")


def _unique_headers(header: list[str]) -> list[str]:
    """Column names as in the file, blanks named by position and repeats numbered so that no
    two are alike, ignoring case (`Notes, Notes (2), Notes` keeps all three columns)."""
    headers: list[str] = []
    used: set[str] = set()
    for position, name in enumerate(header, start=1):
        name = name.strip() or f"(unnamed column {position})"
        unique, count = name, 1
        while unique.casefold() in used:
            count += 1
            unique = f"{name} ({count})"
        used.add(unique.casefold())
        headers.append(unique)
    return headers


def _require_student_id(raw: RawCohort) -> None:
    if "student_id" not in raw.guessed_mapping():
        raise CohortFileError(
            f"{raw.file_name}: no column could be matched to the student ID. The header row, "
            f"within the first {HEADER_SEARCH_ROWS} rows, needs a column such as 'Student ID' "
            "or 'ID'")
