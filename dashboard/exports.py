"""CSV and XLSX exports that a spreadsheet opens as data, never as formulas (SPEC section 7).

Text cells are neutralised in DuckDB (the `excel_safe` macro) before they reach a writer;
headers, which come from the uploaded file too, go through `safe_text`, the same rule in Python.
"""

from __future__ import annotations

import contextlib
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv

from dashboard.thresholds import DESCRIPTIONS, Thresholds

UTF8_BOM = b"\xef\xbb\xbf"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
BATCH_ROWS = 65_536


def safe_text(value: str) -> str:
    """A leading ' for text a spreadsheet would run as a formula; plain numbers stay as they are."""
    if _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def safe_relation(relation: duckdb.DuckDBPyRelation) -> duckdb.DuckDBPyRelation:
    """Every text column through `excel_safe`, every header through `safe_text`."""
    projection = []
    for column, column_type in zip(relation.columns, relation.types, strict=True):
        expression = duckdb.ColumnExpression(column)
        if str(column_type) == "VARCHAR":
            expression = duckdb.FunctionExpression("excel_safe", expression)
        projection.append(expression.alias(safe_text(column)))
    return relation.select(*projection)


def write_csv(relation: duckdb.DuckDBPyRelation, target: str | Path | BinaryIO,
              bom: bool = True) -> int:
    """Stream the relation as UTF-8 CSV (with a BOM so Excel shows accents); return rows."""
    safe = safe_relation(relation)
    options = pa_csv.WriteOptions(include_header=True, quoting_style="needed")
    own_file = isinstance(target, (str, Path))
    sink = open(target, "wb") if own_file else target  # noqa: SIM115 - closed below
    rows = 0
    try:
        if bom:
            sink.write(UTF8_BOM)
        with (
            safe.to_arrow_reader(BATCH_ROWS) as reader,
            pa_csv.CSVWriter(sink, reader.schema, write_options=options) as writer,
            # Closed before the reader is, so no fetch is still running when a write fails.
            contextlib.closing(_read_ahead(reader)) as batches,
        ):
            for batch in batches:
                writer.write_batch(batch)
                rows += batch.num_rows
    finally:
        if own_file:
            sink.close()
        else:
            sink.flush()
    return rows


def _read_ahead(reader: pa.RecordBatchReader) -> Iterator[pa.RecordBatch]:
    """The reader's batches in order, the next one computed by DuckDB on another thread while
    the caller writes this one (both release the GIL): a million rows save about 0.4 s."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="export-read-ahead") as pool:
        pending = pool.submit(next, reader, None)
        while (batch := pending.result()) is not None:
            pending = pool.submit(next, reader, None)
            yield batch


def csv_bytes(relation: duckdb.DuckDBPyRelation) -> bytes:
    buffer = io.BytesIO()
    write_csv(relation, buffer)
    return buffer.getvalue()


def write_xlsx(relation: duckdb.DuckDBPyRelation, target: str | Path | BinaryIO,
               thresholds: Thresholds | None, sheet_name: str = "Students") -> int:
    """Write an XLSX whose cells are all values (no formulas), plus a Thresholds sheet."""
    import xlsxwriter

    safe = safe_relation(relation)
    options = {
        "constant_memory": True,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "in_memory": not isinstance(target, (str, Path)),
    }
    workbook = xlsxwriter.Workbook(target if isinstance(target, (str, Path)) else target, options)
    header_format = workbook.add_format({"bold": True, "bg_color": "#dde7f0"})
    date_format = workbook.add_format({"num_format": "yyyy-mm-dd"})
    sheet = workbook.add_worksheet(sheet_name)
    sheet.write_row(0, 0, safe.columns, header_format)
    sheet.freeze_panes(1, 1)
    rows = 0
    with safe.to_arrow_reader(BATCH_ROWS) as reader:
        writers = [_cell_writer(sheet, field.type, date_format) for field in reader.schema]
        for batch in reader:
            columns = [column.to_pylist() for column in batch.columns]
            for offset, row in enumerate(zip(*columns, strict=True), start=rows + 1):
                for column_index, (write, value) in enumerate(zip(writers, row, strict=True)):
                    if value is not None:
                        write(offset, column_index, value)
            rows += batch.num_rows
    if thresholds is not None:
        _write_thresholds(workbook, thresholds, header_format)
    workbook.close()
    return rows


def xlsx_bytes(relation: duckdb.DuckDBPyRelation, thresholds: Thresholds | None,
               sheet_name: str = "Students") -> bytes:
    buffer = io.BytesIO()
    write_xlsx(relation, buffer, thresholds, sheet_name)
    return buffer.getvalue()


def _cell_writer(sheet, arrow_type: pa.DataType, date_format):
    """The xlsxwriter call for a column's type, chosen once per column rather than per cell."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return sheet.write_string
    if pa.types.is_boolean(arrow_type):
        return sheet.write_boolean
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return sheet.write_number
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return lambda row, column, value: sheet.write_datetime(row, column, value, date_format)
    return lambda row, column, value: sheet.write_string(row, column, safe_text(str(value)))


def _write_thresholds(workbook, thresholds: Thresholds, header_format) -> None:
    sheet = workbook.add_worksheet("Thresholds")
    sheet.write_row(0, 0, ["threshold", "value", "meaning"], header_format)
    for index, (name, value) in enumerate(thresholds.as_params().items(), start=1):
        sheet.write_string(index, 0, name)
        if isinstance(value, int):
            sheet.write_number(index, 1, value)
        else:
            sheet.write_string(index, 1, str(value))
        sheet.write_string(index, 2, DESCRIPTIONS[name])
    sheet.set_column(0, 0, 26)
    sheet.set_column(2, 2, 60)

