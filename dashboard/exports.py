"""CSV and XLSX exports that a spreadsheet opens as data, never as formulas (docs/advisor-guide.md).

Text cells are neutralised in DuckDB (the `excel_safe` macro) before they reach a writer;
headers, which come from the uploaded file too, go through `safe_text`, the same rule in Python.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import duckdb
import pyarrow as pa
import pyarrow.csv as pa_csv

from dashboard.config import MILESTONES_BY_KEY
from dashboard.fields import FIELDS_BY_NAME
from dashboard.flagging import FlaggedCohort
from dashboard.plan import item_params, next_step_words
from dashboard.reports import StudentFilter, filtered_students, missing_labels
from dashboard.rules import (
    RISK_LABELS,
    RULES,
    SEVERITIES,
    STAGE_LABELS,
    STRATEGY_LABELS,
    needs_data_rules,
)
from dashboard.sql import load_query

UTF8_BOM = b"\xef\xbb\xbf"
MASK = "•••"
_FORMULA_START = re.compile(r"^[=+\-@\t\r]")
_PLAIN_NUMBER = re.compile(r"^[+-]?[0-9]+(\.[0-9]+)?$")
BATCH_ROWS = 65_536


def export_relation(flagged: FlaggedCohort, scope: duckdb.DuckDBPyRelation | None = None,
                    con: duckdb.DuckDBPyConnection | None = None, hide_personal: bool = False,
                    with_settings: bool = True) -> duckdb.DuckDBPyRelation:
    """The export columns for the students in `scope` (all of them by default), the file's
    own columns under their names, and, `with_settings`, the settings they were flagged with.

    `con` is the connection (or cursor) `scope` belongs to; `hide_personal` masks names and
    emails (privacy mode). A file column whose name an export column already has (ignoring
    case, as DuckDB and spreadsheets do) keeps its values under "<name> (input)".
    """
    con = con or flagged.con
    if scope is None:
        # Every student in file order, paired with their next step by position: a join would
        # give up the order, and sorting a million wide rows would hold them all in memory.
        scope = con.sql("select * exclude (n.source_row) from flagged_students "
                        "positional join (select source_row, next_item, next_step_due, "
                        "next_step_useful_until, next_step_estimated from next_steps) as n")
    scope.create_view("export_scope", replace=True)
    exported = con.sql(load_query("reports/export_students"),
                       params={"hide_personal": hide_personal, **item_params()})
    extra_columns = flagged.cohort.extra_columns
    taken = {column.casefold() for column in exported.columns if column not in extra_columns}
    # "*" would be read as every column when the export is selected again.
    taken |= {"row", "*"} | {name.casefold() for name in _settings_names(flagged)}
    projection = []
    for column in exported.columns:
        expression = duckdb.ColumnExpression(column)
        if column == "source_row":
            expression = expression.alias("row")
        elif column in extra_columns:
            name = _free_name(extra_columns[column], taken)
            taken.add(name.casefold())
            if hide_personal and column in flagged.cohort.personal_columns:
                expression = duckdb.CaseExpression(
                    expression.isnotnull(), duckdb.ConstantExpression(MASK)).otherwise(
                    duckdb.ConstantExpression(None))
            expression = expression.alias(name)
        projection.append(expression)
    if with_settings:
        projection += [duckdb.ConstantExpression(value).alias(name)
                       for name, value in _settings_values(flagged)]
    return exported.select(*projection)


def _free_name(header: str, taken: set[str]) -> str:
    name, count = header, 1
    while name.casefold() in taken:
        name = f"{header} (input)" if count == 1 else f"{header} (input {count})"
        count += 1
    return name


def _settings_values(flagged: FlaggedCohort) -> list[tuple[str, object]]:
    """(column, value) for the settings an export records: as_of, thresholds, calendar."""
    values: list[tuple[str, object]] = [("as_of", flagged.as_of.isoformat())]
    values.append(("threshold_step2_pass", flagged.config.thresholds.step2_pass_text))
    values += [(f"threshold_{name}", value)
               for name, value in flagged.config.thresholds.as_params().items()]
    calendar = flagged.config.calendar
    values.append(("calendar_score_release_days", calendar.score_release_days))
    configured = sorted(calendar.review_opens)
    values.append(("calendar_review_opens",
                   "; ".join(f"{year}={date.isoformat()}" for year, date in configured)))
    for key in MILESTONES_BY_KEY:
        values.append((f"calendar_{key}", "; ".join(
            f"{year}={date.isoformat()}" for k, year, date in sorted(calendar.milestones)
            if k == key) or "estimated by the default rule"))
    return values


def _settings_names(flagged: FlaggedCohort) -> list[str]:
    return [name for name, _ in _settings_values(flagged)]


def safe_text(value: str) -> str:
    """A leading ' for text a spreadsheet would run as a formula; plain numbers stay as they are."""
    if _FORMULA_START.match(value) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


def is_formula_like(value: str) -> bool:
    """Text a spreadsheet would run as a formula (plain numbers such as -5 are not)."""
    return bool(_FORMULA_START.match(value)) and not _PLAIN_NUMBER.match(value)


def safe_relation(relation: duckdb.DuckDBPyRelation, neutralise_text: bool = True
                  ) -> duckdb.DuckDBPyRelation:
    """Every text column through `excel_safe` (unless `neutralise_text` is off: an XLSX keeps
    the value and gives it Excel's quote-prefix style instead), every header through
    `safe_text`."""
    projection = []
    for column, column_type in zip(relation.columns, relation.types, strict=True):
        expression = duckdb.ColumnExpression(column)
        if neutralise_text and str(column_type) == "VARCHAR":
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


def write_xlsx(flagged: FlaggedCohort, target: str | Path | BinaryIO,
               scope: duckdb.DuckDBPyRelation | None = None,
               con: duckdb.DuckDBPyConnection | None = None, hide_personal: bool = False,
               source_name: str | None = None, notes: pa.Table | None = None) -> int:
    """Write an XLSX whose cells are all values (no formulas): `Summary` (for people, most
    urgent first), `Students` (the export columns), `Data issues`, `Settings`, and `Notes`
    (the advisors' notes) when given. Returns the number of students written."""
    import xlsxwriter

    con = con or flagged.con
    students = safe_relation(export_relation(flagged, scope, con, hide_personal,
                                             with_settings=False), neutralise_text=False)
    [(count,)] = students.aggregate("count(*)").fetchall()
    if count > XLSX_MAX_ROWS:
        raise ExportTooLarge(
            f"{count:,} students do not fit on one Excel sheet (at most {XLSX_MAX_ROWS:,}); "
            "export CSV instead")
    options = {
        # Small exports share their repeated strings (faster, and they fit in memory); large
        # ones stream row by row in constant memory.
        "constant_memory": count > IN_MEMORY_ROWS,
        "strings_to_formulas": False,
        "strings_to_numbers": False,
        "strings_to_urls": False,
        "in_memory": not isinstance(target, (str, Path)),
    }
    workbook = xlsxwriter.Workbook(target, options)
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#dde7f0", "text_wrap": True,
                                       "valign": "top"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "quote": workbook.add_format({"quote_prefix": True}),
    }
    summary_scope = scope if scope is not None else filtered_students(con, StudentFilter())
    _write_summary(workbook, flagged, summary_scope, hide_personal)
    rows = _write_sheet(workbook, "Students", students, formats)
    _write_sheet(workbook, "Data issues", safe_relation(flagged.cohort.data_issues(con),
                                                        neutralise_text=False), formats)
    _write_settings(workbook, flagged, formats, source_name or flagged.cohort.raw.file_name)
    if notes is not None:
        _write_sheet(workbook, "Notes", safe_relation(con.from_arrow(notes),
                                                      neutralise_text=False), formats)
    workbook.close()
    return rows


def write_table_xlsx(relation: duckdb.DuckDBPyRelation, target: str | Path | BinaryIO,
                     sheet_name: str) -> int:
    """One formula-safe sheet of `relation` (a list of changes, of follow-ups)."""
    import xlsxwriter

    [(count,)] = relation.aggregate("count(*)").fetchall()
    if count > XLSX_MAX_ROWS:
        raise ExportTooLarge(f"{count:,} rows do not fit on one Excel sheet (at most "
                             f"{XLSX_MAX_ROWS:,}); export CSV instead")
    workbook = xlsxwriter.Workbook(target, {
        "constant_memory": count > IN_MEMORY_ROWS, "strings_to_formulas": False,
        "strings_to_numbers": False, "strings_to_urls": False,
        "in_memory": not isinstance(target, (str, Path))})
    formats = {
        "header": workbook.add_format({"bold": True, "bg_color": "#dde7f0", "valign": "top"}),
        "date": workbook.add_format({"num_format": "yyyy-mm-dd"}),
        "quote": workbook.add_format({"quote_prefix": True}),
    }
    rows = _write_sheet(workbook, sheet_name, safe_relation(relation, neutralise_text=False),
                        formats)
    workbook.close()
    return rows


XLSX_MAX_ROWS = 1_048_575  # one header row, then students
IN_MEMORY_ROWS = 20_000
XLSX_MAX_CELL = 32_767


class ExportTooLarge(ValueError):
    """An export that a spreadsheet cannot hold whole; the message is for the user."""


SUMMARY_COLUMNS = (  # header, width
    ("#", 5), ("Student ID", 12), ("Name", 24), ("Risk", 11), ("Top reason", 44),
    ("Next step", 46), ("Due", 11), ("Strategy", 22), ("Stage", 16), ("Match year", 9),
    ("Step 2 CK", 9), ("Advisor", 18), ("Data missing", 30),
)
RISK_FILLS = {"high": "#f6d5d1", "moderate": "#fbe5cc", "needs_data": "#e8dcf0",
              "low": "#dcefe2"}


def top_reason(student: dict) -> str:
    """The most severe raised flag in words, or the headline check that could not run."""
    for severity in SEVERITIES[:2]:
        for rule in RULES:
            if student[rule.id] == severity:
                return rule.title
    if student["risk_level"] == "needs_data":
        missing = [FIELDS_BY_NAME[rule.fields[0]].label for rule in needs_data_rules(student)]
        return "Could not be checked: " + ", ".join(missing)
    return "No critical or warning flag"


def _write_summary(workbook, flagged: FlaggedCohort, scope: duckdb.DuckDBPyRelation,
                   hide_personal: bool) -> None:
    """One row per student in priority order, in words, filled by risk level, ready to print."""
    sheet = workbook.add_worksheet("Summary")
    header = workbook.add_format({"bold": True, "bg_color": "#1f5f8b", "font_color": "#ffffff",
                                  "text_wrap": True, "valign": "top", "border": 1})
    cell = {"valign": "top", "border": 1, "border_color": "#bbbbbb"}
    fills = {risk: (workbook.add_format({**cell, "bg_color": colour, "text_wrap": True}),
                    workbook.add_format({**cell, "bg_color": colour, "num_format": "d mmm yyyy"}),
                    workbook.add_format({**cell, "bg_color": colour, "text_wrap": True,
                                         "quote_prefix": True}))
             for risk, colour in RISK_FILLS.items()}
    for column, (title, width) in enumerate(SUMMARY_COLUMNS):
        sheet.set_column(column, column, width)
        sheet.write_string(0, column, title, header)
    # Advisors as the dashboard groups them ("dr. fontaine" and "Dr. Fontaine" as one, in
    # their most common spelling), so that a filter in Excel finds all their students.
    wanted = ["student_id", "name", "risk_level", "strategy", "stage", "cycle",
              "step2ck_score", "advisor_group", "next_item", "next_step_due",
              *[rule.id for rule in RULES]]
    wanted += sorted({name for rule in RULES for name in rule.fields} - set(wanted))
    relation = scope.select(*[duckdb.ColumnExpression(column) for column in wanted])
    row_number = 0
    with relation.to_arrow_reader(BATCH_ROWS) as reader:
        for batch in reader:
            for student in batch.to_pylist():
                row_number += 1
                text, date, quoted = fills[student["risk_level"]]
                name = student["name"]
                if hide_personal and name is not None:
                    name = "•••"
                values = [
                    row_number, student["student_id"], name,
                    RISK_LABELS[student["risk_level"]], top_reason(student),
                    next_step_words(student["next_item"], student["next_step_due"],
                                    flagged.as_of, short=False), student["next_step_due"],
                    STRATEGY_LABELS[student["strategy"]],
                    STAGE_LABELS.get(student["stage"], "Not given"), student["cycle"],
                    student["step2ck_score"], student["advisor_group"],
                    # The data that was blank or unreadable, as on the Students page: a
                    # rule's label here would read like a raised flag.
                    ", ".join(dict.fromkeys(
                        label for rule in RULES if student[rule.id] == "unknown"
                        for label in missing_labels(rule, student))),
                ]
                for column, value in enumerate(values):
                    if value is None or value == "":
                        sheet.write_blank(row_number, column, None, text)
                    elif isinstance(value, dt.date):
                        sheet.write_datetime(row_number, column, value, date)
                    elif isinstance(value, int):
                        sheet.write_number(row_number, column, value, text)
                    else:
                        _write_string(sheet, row_number, column, str(value), text, quoted)
    sheet.freeze_panes(1, 2)
    sheet.autofilter(0, 0, max(row_number, 1), len(SUMMARY_COLUMNS) - 1)
    sheet.set_landscape()
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_paper(9)  # A4; Letter printers scale it
    sheet.set_header(f"&L&\"Calibri,Bold\"Cohort Advisor: students most urgent first"
                     f"&RAs of {flagged.as_of.isoformat()}")
    sheet.set_footer("&LPage &P of &N&RNo formulas: text starting with = + - @ is text")


def _write_sheet(workbook, name: str, relation: duckdb.DuckDBPyRelation, formats) -> int:
    sheet = workbook.add_worksheet(name)
    sheet.write_row(0, 0, relation.columns, formats["header"])
    sheet.freeze_panes(1, 1)
    rows = 0
    with relation.to_arrow_reader(BATCH_ROWS) as reader:
        writers = [_cell_writer(sheet, field.type, formats["date"], formats["quote"])
                   for field in reader.schema]
        for batch in reader:
            columns = [column.to_pylist() for column in batch.columns]
            for offset, row in enumerate(zip(*columns, strict=True), start=rows + 1):
                for column_index, (write, value) in enumerate(zip(writers, row, strict=True)):
                    if value is not None:
                        write(offset, column_index, value)
            rows += batch.num_rows
    if rows:
        sheet.autofilter(0, 0, rows, len(relation.columns) - 1)
    return rows


def xlsx_bytes(flagged: FlaggedCohort, scope: duckdb.DuckDBPyRelation | None = None,
               con: duckdb.DuckDBPyConnection | None = None, hide_personal: bool = False,
               notes: pa.Table | None = None) -> bytes:
    buffer = io.BytesIO()
    write_xlsx(flagged, buffer, scope, con, hide_personal, notes=notes)
    return buffer.getvalue()


def _write_string(sheet, row: int, column: int, value: str, cell_format=None,
                  quoted_format=None) -> None:
    """A text cell; one a spreadsheet would run as a formula keeps its value exactly and gets
    Excel's quote-prefix style (`quoted_format`), so it stays text even when edited."""
    if len(value) > XLSX_MAX_CELL:  # Excel's limit per cell; say so in the cell itself
        marker = " [cut: the full text is in the CSV export]"
        value = value[:XLSX_MAX_CELL - len(marker)] + marker
    if quoted_format is not None and is_formula_like(value):
        cell_format = quoted_format
    sheet.write_string(row, column, value, cell_format)


def _cell_writer(sheet, arrow_type: pa.DataType, date_format, quote_format):
    """The xlsxwriter call for a column's type, chosen once per column rather than per cell."""
    if pa.types.is_string(arrow_type) or pa.types.is_large_string(arrow_type):
        return lambda row, column, value: _write_string(sheet, row, column, value, None,
                                                        quote_format)
    if pa.types.is_boolean(arrow_type):
        return sheet.write_boolean
    if pa.types.is_integer(arrow_type) or pa.types.is_floating(arrow_type):
        return sheet.write_number
    if pa.types.is_date(arrow_type) or pa.types.is_timestamp(arrow_type):
        return lambda row, column, value: sheet.write_datetime(row, column, value, date_format)
    return lambda row, column, value: _write_string(sheet, row, column, str(value), None,
                                                    quote_format)


def _write_settings(workbook, flagged: FlaggedCohort, formats, source_name: str) -> None:
    sheet = workbook.add_worksheet("Settings")
    sheet.write_row(0, 0, ["section", "setting", "value", "meaning"], formats["header"])
    rows = [("source", "file", source_name, "The cohort file these results come from"),
            *flagged.settings_rows]
    for index, (section, name, value, meaning) in enumerate(rows, start=1):
        sheet.write_string(index, 0, section)
        sheet.write_string(index, 1, name)
        if isinstance(value, int):
            sheet.write_number(index, 2, value)
        elif isinstance(value, dt.date):
            sheet.write_datetime(index, 2, value, formats["date"])
        else:
            _write_string(sheet, index, 2, str(value), None, formats["quote"])
        sheet.write_string(index, 3, meaning)
    sheet.set_column(0, 1, 24)
    sheet.set_column(2, 2, 28)
    sheet.set_column(3, 3, 80)
