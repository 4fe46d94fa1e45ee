"""Upload bytes -> a raw table of text cells with spreadsheet row numbers (SPEC section 2).

Nothing here interprets a value: every cell stays text, typing happens in SQL
(`queries/canonical_students.sql`). This module only decides what the file is, how to
decode it, where its header is, and how to hand the rows to DuckDB.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime as dt
import gc
import io
import itertools
import re
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from dashboard.fields import guess_mapping

ZIP_MAGIC = b"PK\x03\x04"
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
DELIMITERS = (",", ";", "\t")
# Python's csv module stops at 128 KiB per cell by default; a pasted essay must still load.
csv.field_size_limit(64 * 1024 * 1024)


class CohortFileError(Exception):
    """A file that cannot be used at all. The message names the file and the reason."""


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

    @property
    def column_keys(self) -> list[str]:
        return [f"c{index}" for index in range(len(self.headers))]

    def has_content(self) -> duckdb.Expression:
        """True for a row with at least one non-blank cell: a row of blanks is no student."""
        return duckdb.CoalesceOperator(*[
            duckdb.FunctionExpression("cell_text", duckdb.ColumnExpression(key))
            for key in self.column_keys
        ]).isnotnull()

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

    def python_fallback(self) -> RawCohort:
        """The same file read by Python's csv module, for what DuckDB's reader refuses."""
        if isinstance(self.source, pa.Table):
            return self
        data = self.source.data
        raw_bytes = data if isinstance(data, bytes) else Path(data).read_bytes()
        text, _ = _decode(raw_bytes, self.file_name)
        records = csv.reader(io.StringIO(text, newline=""), delimiter=self.source.delimiter)
        with _no_gc_pauses():
            return _raw_from_records(self.file_name, records, sheet=None)


def read_cohort(
    data: bytes | str | Path, file_name: str | None = None, sheet: str | None = None
) -> RawCohort:
    """Open an upload (bytes) or a path as a raw cohort, or raise CohortFileError."""
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
    if data.startswith(ZIP_MAGIC):
        return _read_xlsx(data, file_name, sheet)
    if data.startswith(OLE2_MAGIC):
        raise CohortFileError(
            f"{file_name}: this is an old-style .xls workbook; save it as .xlsx or CSV and "
            "upload that"
        )
    if sheet is not None:
        raise CohortFileError(f"{file_name}: a sheet was named, but this is not an XLSX workbook")
    return _read_text(data, file_name, path)


def _refuse_binary(data: bytes, file_name: str) -> None:
    if b"\x00" in data[:65536]:
        raise CohortFileError(
            f"{file_name}: this is not a CSV or Excel file (it contains binary data); "
            "upload a .csv, .tsv, .txt or .xlsx file"
        )


def _decode(data: bytes, file_name: str) -> tuple[str, bool]:
    """Text of the file and whether it was UTF-8; Windows-1252 is the fallback."""
    _refuse_binary(data, file_name)
    try:
        return data.decode("utf-8-sig"), True
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252"), False
    except UnicodeDecodeError:
        # Five bytes are undefined in Windows-1252; Latin-1 reads them rather than refusing.
        return data.decode("latin-1"), False


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


def _read_text(data: bytes, file_name: str, path: Path | None) -> RawCohort:
    head = _utf8_head(data)
    if head is not None and _duckdb_reads_it_as_a_spreadsheet_would(data):
        _refuse_binary(data, file_name)
        first_line = next((line for line in io.StringIO(head, newline="") if line.strip()), None)
        if first_line is None:
            raise CohortFileError(f"{file_name}: the file is empty")
        delimiter = detect_delimiter(first_line)
        header = next(csv.reader(io.StringIO(head, newline=""), delimiter=delimiter))
        # DuckDB checks the rest is UTF-8 as it reads; if not, `python_fallback` decodes it.
        raw = RawCohort(file_name, _unique_headers(header), 1, CsvSource(path or data, delimiter))
        _require_student_id(raw)
        return raw
    text, _ = _decode(data, file_name)
    first_line = next((line for line in io.StringIO(text[:HEAD_CHARS], newline="")
                       if line.strip()), None)
    if first_line is None:
        raise CohortFileError(f"{file_name}: the file is empty")
    records = csv.reader(io.StringIO(text, newline=""), delimiter=detect_delimiter(first_line))
    with _no_gc_pauses():
        return _raw_from_records(file_name, records, sheet=None)


def _utf8_head(data: bytes) -> str | None:
    """The first megabyte as text if it is UTF-8 (a character cut at the end is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        return decoder.decode(data[:HEAD_CHARS], final=False)
    except UnicodeDecodeError:
        return None


MAX_XLSX_UNPACKED = 512 * 1024 * 1024
MAX_XLSX_RATIO = 200


def _refuse_zip_bomb(data: bytes, file_name: str) -> None:
    """Check the zip's own directory before unpacking anything: a small upload that unpacks
    to gigabytes is refused instead of filling the server's memory."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(entry.file_size for entry in archive.infolist())
    except zipfile.BadZipFile:
        raise CohortFileError(
            f"{file_name}: this is a damaged zip file, not a readable Excel workbook") from None
    if unpacked > MAX_XLSX_UNPACKED or unpacked > MAX_XLSX_RATIO * max(len(data), 1) + 2**20:
        raise CohortFileError(
            f"{file_name}: the workbook unpacks to {unpacked / 2**20:,.0f} MB, too large to "
            "open safely; save the cohort sheet alone as CSV or XLSX and upload that")


def _read_xlsx(data: bytes, file_name: str, sheet: str | None) -> RawCohort:
    from python_calamine import CalamineError, CalamineWorkbook

    _refuse_zip_bomb(data, file_name)
    try:
        workbook = CalamineWorkbook.from_filelike(io.BytesIO(data))
    except (CalamineError, ValueError, OSError) as error:
        raise CohortFileError(
            f"{file_name}: this is a zip file but not a readable Excel workbook ({error})"
        ) from None
    try:
        names = workbook.sheet_names
        if not names:
            raise CohortFileError(f"{file_name}: the workbook has no sheets")
        if sheet is None:
            sheet = names[0]
        elif sheet not in names:
            listed = ", ".join(repr(name) for name in names)
            raise CohortFileError(
                f"{file_name}: there is no sheet named {sheet!r} (sheets: {listed})")
        with _no_gc_pauses():  # millions of short-lived cell objects, none of them cyclic
            cells = workbook.get_sheet_by_name(sheet).to_python(skip_empty_area=False)
            records = [[value if type(value) is str else _cell_text(value) for value in row]
                       for row in cells]
            del cells
            return _raw_from_records(file_name, iter(records), sheet=sheet)
    except CalamineError as error:
        raise CohortFileError(f"{file_name}: sheet {sheet!r} cannot be read ({error})") from None
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


def _cell_text(value: object) -> str:
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


def _raw_from_records(file_name: str, records, sheet: str | None) -> RawCohort:
    """Build the raw table from parsed records; blank records keep their row numbers."""
    header: list[str] | None = None
    header_row = 0
    rows: list[list[str]] = []
    row_numbers: list[int] = []
    for row_number, record in enumerate(records, start=1):
        if header is None:
            if any(cell.strip() for cell in record):
                header, header_row = list(record), row_number
            continue
        if not any(record):
            continue  # an empty line is no student, but it keeps its row number
        rows.append(record)
        row_numbers.append(row_number)
    if header is None:
        where = f" (sheet {sheet!r})" if sheet else ""
        raise CohortFileError(f"{file_name}: the file is empty{where}")

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
    _require_student_id(raw)
    return raw


def _unique_headers(header: list[str]) -> list[str]:
    """Column names as in the file, blanks named by position and repeats numbered."""
    seen: dict[str, int] = {}
    headers = []
    for position, name in enumerate(header, start=1):
        name = name.strip() or f"(unnamed column {position})"
        count = seen.get(name, 0) + 1
        seen[name] = count
        headers.append(name if count == 1 else f"{name} ({count})")
    return headers


def _require_student_id(raw: RawCohort) -> None:
    if "student_id" not in raw.guessed_mapping():
        shown = ", ".join(repr(h) for h in raw.headers[:8])
        more = ", ..." if len(raw.headers) > 8 else ""
        raise CohortFileError(
            f"{raw.file_name}: no column could be matched to the student ID. The first row must "
            f"be a header with a column such as 'Student ID' or 'ID'; found {shown}{more}"
        )
