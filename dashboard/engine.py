"""Raw cohort -> canonical table + data issues -> flagged table, all in DuckDB.

Each step is one named query in `queries/`; thresholds are bound parameters. Python only
arranges which columns feed which field (the mapping) and names the results.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass

import duckdb
import pyarrow as pa

from dashboard import privacy
from dashboard.config import Config
from dashboard.fields import (
    FIELD_NAMES,
    FIELDS_BY_NAME,
    HEADLINE_FIELDS,
    graduation_year_header,
    header_words,
    match_headers,
    name_part,
    suggested_fields,
    value_decided_fields,
)
from dashboard.flagging import FLAGGED_TABLE, FlaggedCohort, flag_students
from dashboard.importer import CohortFileError, RawCohort, RecordsUnaccounted
from dashboard.plan import build_plans
from dashboard.sql import connect, create_table, drop_relation, load_query

VARCHAR = duckdb.sqltype("VARCHAR")


class MappingError(ValueError):
    """A column mapping that cannot be used; the message is for the user."""


READABLE_FIELDS = {  # the enum fields a value reading may cover, and what it may say
    "stage": ("preclinical", "clinical", "final_year", "applying"),
    "step1_result": ("pass", "fail", "not_taken"),
    "research_year": ("yes", "no"),
    "parallel_plan": ("yes", "no"),
}


@dataclass(frozen=True)
class ValueReading:
    """An advisor's word on what a cell means: `Gen Surg` means yes for the backup plan.
    `written_key` is the cell keyed as the loader keys enum cells (letters and digits, lower
    case), so `GEN-SURG` and `gen surg` are the same reading."""

    field: str
    written: str
    means: str
    written_key: str

    def as_param(self) -> dict[str, str]:
        return {"field": self.field, "written_key": self.written_key, "means": self.means}


def value_reading(field: str, written: str, means: str) -> ValueReading:
    """A checked value reading; refused (MappingError) when it cannot be one."""
    if field not in READABLE_FIELDS:
        raise MappingError(f"{field!r} takes no value readings; these do: "
                           + ", ".join(READABLE_FIELDS))
    if means not in READABLE_FIELDS[field]:
        raise MappingError(f"a reading for {FIELDS_BY_NAME[field].label} must mean one of "
                           + ", ".join(READABLE_FIELDS[field]))
    written = written.strip()
    if not written or len(written) > 200:
        raise MappingError("a reading needs the text as written in the cell, up to 200 "
                           "characters")
    [(key, plain)] = connect().execute(
        "select enum_key($text), case $field "
        "when 'stage' then stage_of(enum_key($text)) "
        "when 'step1_result' then step1_of(enum_key($text)) "
        "else case coalesce(number_boolean(cell_text($text)), boolean_of(enum_key($text)), "
        "mark_of(cell_text($text))) when true then 'yes' when false then 'no' end end",
        {"text": written, "field": field}).fetchall()
    if plain is not None:
        raise MappingError(f"{written!r} already reads as {plain.replace('_', ' ')} for "
                           f"{FIELDS_BY_NAME[field].label}; a reading covers text that "
                           "cannot be read otherwise")
    if not key:
        raise MappingError("a reading needs a letter or digit (A-Z, 0-9) in the text")
    return ValueReading(field, written, means, key)


@dataclass
class Cohort:
    """One loaded cohort on its own private DuckDB connection."""

    con: duckdb.DuckDBPyConnection
    raw: RawCohort
    mapping: dict[str, str]  # canonical field -> file column
    extra_columns: dict[str, str]  # extra_<n> -> file column, for the unmapped columns
    name_parts: dict[str, str] = dataclasses.field(default_factory=dict)  # first/last -> column
    detection: Detection | None = None  # what the columns' headers and values said

    def unread_fields(self) -> list[str]:
        """The fields no column feeds, in the schema's order (a name made of its parts is
        read)."""
        return [name for name in FIELD_NAMES
                if name not in self.mapping and not (name == "name" and self.name_parts)]

    def unmapped_columns(self) -> list[str]:
        """The file's columns that feed no field (a name's parts feed the name)."""
        parts = set(self.name_parts.values())
        return [header for header in self.extra_columns.values() if header not in parts]

    def read_fields(self) -> frozenset[str]:
        """The fields a column feeds."""
        return frozenset(name for name in FIELD_NAMES if name not in self.unread_fields())

    def unread_headline_fields(self) -> list[str]:
        return [name for name in HEADLINE_FIELDS if name in self.unread_fields()]

    @property
    def student_count(self) -> int:
        [(count,)] = self.con.execute("select count(*) from canonical_students").fetchall()
        return count

    @functools.cached_property
    def personal_columns(self) -> frozenset[str]:
        """The unmapped columns (extra_<n>) that hold personal data, by header (`First Name`,
        `Teléfono`, `Date de naissance`...) or by what a sample of their values looks like
        (emails, phone numbers, id numbers, street addresses, dates of birth): privacy mode
        masks them as it masks names and emails (dashboard/privacy.py)."""
        keys = list(self.extra_columns)
        if not keys:
            return frozenset()
        sample = self.con.table("canonical_students").select(*[
            duckdb.ColumnExpression(key).cast(VARCHAR) for key in keys]).limit(2000).fetchall()
        values = {key: [row[index] for row in sample] for index, key in enumerate(keys)}
        return privacy.personal_columns(self.extra_columns, values)

    def header_notes(self) -> list[str]:
        """What the advisor should know about the header: columns that named a field already
        taken, and ambiguous columns that were left unmapped with a suggestion."""
        matched = match_headers(self.raw.headers)
        mapped = set(self.mapping.values())
        notes = list(self.detection.notes) if self.detection else []
        if self.name_parts:
            notes.append("Name: made from columns " + " + ".join(
                repr(self.name_parts[part]) for part in ("first", "preferred", "middle", "last")
                if part in self.name_parts) + " (first name first).")
        for field, columns in matched.repeated.items():
            kept = [column for column in columns if column not in mapped]
            if kept and field in self.mapping:
                notes.append(
                    f"{FIELDS_BY_NAME[field].label}: read from column {self.mapping[field]!r}; "
                    + ", ".join(repr(column) for column in kept)
                    + " also named it and " + ("is" if len(kept) == 1 else "are")
                    + " kept as unmapped columns.")
        for column, fields in matched.suggestions.items():
            if column not in mapped and column not in (self.detection.decided
                                                       if self.detection else {}):
                could_be = " or ".join(FIELDS_BY_NAME[field].label for field in fields)
                notes.append(f"Column {column!r} could mean {could_be}; it was not mapped. "
                             "Map it on the Import page if that is what it holds.")
        return notes

    def loading_issues(self) -> list[tuple]:
        """The issues no typed cell holds (footer rows, a column's date order), as a snapshot
        keeps them: row, column, value, problem, kind."""
        return self.con.execute("select * from loading_issues order by source_row").fetchall()

    def data_issues(self, con: duckdb.DuckDBPyConnection | None = None
                    ) -> duckdb.DuckDBPyRelation:
        """row, column, value, problem, kind: one row per issue, in spreadsheet order; on
        `con`, a cursor of the cohort's database, when another thread reads it too."""
        return (con or self.con).table(ISSUES_TABLE)

    def issue_counts(self) -> dict[str, int]:
        """Issues by kind, distinct repeated ids, rows without an id, rows with an issue."""
        [counts] = self.data_issues().aggregate(
            "count(*) filter (where kind = 'unreadable'), "
            "count(*) filter (where kind = 'interpreted'), "
            "count(*) filter (where kind = 'identity'), "
            "count(*) filter (where kind = 'identity' and starts_with(problem, 'no student')), "
            "count(distinct value) filter (where kind = 'identity' "
            "and starts_with(problem, 'student ID repeated')), "
            "count(*), count(distinct \"row\")"
        ).fetchall()
        return dict(zip(("unreadable", "interpreted", "identity", "missing_ids",
                         "repeated_ids", "issues", "rows_with_issues"), counts, strict=True))

    def flag(self, config: Config, as_of: dt.date, materialise: bool = False) -> FlaggedCohort:
        """Flag every student and plan their Match. Materialised, the results are the
        `flagged_students`, `student_plans` and `next_steps` tables the dashboard reads;
        otherwise `flagged_students` is a view computed when it is read (the CLI's export)."""
        relation = flag_students(self.con, config, as_of)
        for name in ("student_plans", "next_steps", "student_plan_lists", "plan_students",
                     FLAGGED_TABLE):
            drop_relation(self.con, name)
        if materialise:
            relation.create(FLAGGED_TABLE)
            self.con.execute(load_query("reports/advisor_groups"))
        else:
            # One pass for an export: advisors are shown as written.
            relation.select(duckdb.StarExpression(), duckdb.ColumnExpression("advisor")
                            .alias("advisor_group")).create_view(FLAGGED_TABLE, replace=True)
        # The ids that changed since the last snapshot: the Students page's filter.
        self.con.execute("create table if not exists changed_students (student_id varchar)")
        flagged = FlaggedCohort(self, config, as_of, materialise)
        build_plans(flagged, materialise)
        return flagged


class _Deadline(threading.Thread):
    """Interrupts a connection once `seconds` have passed, and again every 50 ms until
    cancelled: an interrupt that falls between two statements reaches neither."""

    def __init__(self, con: duckdb.DuckDBPyConnection, seconds: float):
        super().__init__(daemon=True)
        self.con, self.seconds = con, seconds
        self.stopped = threading.Event()
        self.expired = False

    def run(self) -> None:
        if self.stopped.wait(self.seconds):
            return
        self.expired = True
        while True:
            self.con.interrupt()
            if self.stopped.wait(0.05):
                return

    def cancel(self) -> None:
        self.stopped.set()
        self.join()


ISSUE_COLUMNS = ("row", "column", "value", "problem", "kind")
ISSUES_TABLE = "data_issues"
SESSION_MEMORY_LIMIT = "2GB"  # what one advisor's cohort may use of a shared server


@dataclass(frozen=True)
class Detection:
    """The mapping read from a file's headers and, where a header fits two fields, from its
    values; the columns decided by values, the name's parts, notes for the advisor, and for
    each unmapped column the fields it could feed, best first, with how well its values fit."""

    mapping: dict[str, str]
    name_parts: dict[str, str]
    decided: dict[str, str]  # column -> field, decided by its values
    notes: tuple[str, ...]
    suggestions: dict[str, tuple[tuple[str, float], ...]]


FIT_BY_KIND = {"integer": "fit_class_year", "count": "fit_count", "score": "fit_score",
               "date": "fit_date", "score_list": "fit_score_list", "boolean": "fit_boolean"}
FIT_BY_FIELD = {"stage": "fit_stage", "step1_result": "fit_step1_result"}
SAMPLE_ROWS = 500
DATE_SAMPLE_ROWS = 50_000
_GENERIC_WORDS = frozenset({"us", "step", "student", "usmle", "number", "1", "2", "ck"})


def field_fit(fits: dict[str, float], field: str) -> float | None:
    """The share of a column's values that the field's reader reads (None for text)."""
    column = FIT_BY_FIELD.get(field) or FIT_BY_KIND.get(FIELDS_BY_NAME[field].kind)
    return None if column is None else fits.get(column)


def column_fits(raw: RawCohort, headers: list[str]) -> dict[str, dict[str, float]]:
    """For each of these columns, the share of its first values each kind of reader reads
    (`queries/loading/column_fits.sql`)."""
    if not headers:
        return {}
    con = connect()
    key_of = dict(zip(raw.headers, raw.column_keys, strict=True))
    offset = 1 if raw.numbered_by_position else 0  # the CSV reader gives the header too
    try:
        sample = raw.relation(con).limit(SAMPLE_ROWS, offset=offset).select(
            *[duckdb.ColumnExpression(key_of[header]).cast(VARCHAR) for header in headers]
        ).fetchall()
    except duckdb.Error:  # what DuckDB's reader refuses, Python's csv module reads
        fallback = raw.python_fallback()
        if fallback is raw:
            raise
        con.close()
        return column_fits(fallback, headers)
    cells = {"column_key": [], "value": []}
    for row in sample:
        for header, value in zip(headers, row, strict=True):
            cells["column_key"].append(header)
            cells["value"].append(value)
    con.register("sample_cells", pa.table(cells, schema=pa.schema(
        [("column_key", pa.string()), ("value", pa.string())])))
    relation = con.sql(load_query("loading/column_fits"))
    found = {}
    for record in relation.fetchall():
        values = dict(zip(relation.columns, record, strict=True))
        found[values.pop("column_key")] = values
    con.close()
    return found


def detect_mapping(raw: RawCohort) -> Detection:
    """The mapping a person would make of this file: headers first (docs/reference.md "Input"), then
    values for a header that fits two fields, and `First Name` + `Last Name` for the name."""
    matched = match_headers(raw.headers)
    mapping = dict(matched.mapping)
    notes: list[str] = []
    unmapped = [header for header in raw.headers if header not in mapping.values()]
    parts = {}
    if "name" not in mapping:
        for header in unmapped:
            part = name_part(header)
            if part and part not in parts:
                parts[part] = header
        if "last" in parts and not ({"first", "preferred"} & set(parts)):
            notes.append(f"Name: only a last-name column ({parts['last']!r}) was found, so no "
                         "name is read; map a name column on the Import page.")
            parts = {}
    fits = column_fits(raw, [header for header in unmapped if header not in parts.values()])
    decided: dict[str, str] = {}
    for header in unmapped:
        candidates = value_decided_fields(header)
        if not candidates or header not in fits:
            continue
        shares = {field: field_fit(fits[header], field) or 0.0 for field in candidates}
        fitting = [field for field in candidates if shares[field] >= 0.8]
        others = [field for field in candidates if shares[field] >= 0.5]
        if len(fitting) == 1 and others == fitting and fitting[0] not in mapping:
            field = fitting[0]
            mapping[field] = header
            decided[header] = field
            notes.append(f"Column {header!r} could mean "
                         + " or ".join(FIELDS_BY_NAME[name].label for name in candidates)
                         + f"; its values are {FIELDS_BY_NAME[field].label.lower()} values, so "
                         f"it is read as {FIELDS_BY_NAME[field].label}.")
    suggestions = {}
    for header in unmapped:
        if header in decided or header in parts.values():
            continue
        ranked = _suggest(header, fits.get(header, {}), mapping)
        if ranked:
            suggestions[header] = ranked
    return Detection(mapping, parts, decided, tuple(notes), suggestions)


def _suggest(header: str, fits: dict[str, float], mapping: dict[str, str]
             ) -> tuple[tuple[str, float], ...]:
    """The fields an unmapped column could feed, best first: those its header could mean
    or shares words with, ranked by how well its values fit each, never applied."""
    from dashboard.fields import FIELDS, _spellings

    words = set(header_words(header)) - _GENERIC_WORDS
    scored = []
    for field in FIELDS:
        if field.name in mapping or field.name == "student_id":
            continue
        vocabulary = {word for spelling in _spellings(field) for word in header_words(spelling)}
        overlap = len(words & vocabulary) / max(len(words), 1)
        if field.name in suggested_fields(header) or field.name in value_decided_fields(header):
            overlap = max(overlap, 1.0)
        if overlap == 0:
            continue
        fit = field_fit(fits, field.name)
        if fit is not None and fits and fit < 0.5:
            continue  # its values do not fit the field
        score = overlap * 0.5 + (fit if fit is not None else 0.5) * 0.5
        scored.append((score, field.name, fit if fit is not None else 0.0))
    scored.sort(key=lambda item: -item[0])
    return tuple((name, round(fit, 2)) for _, name, fit in scored[:3])


def apply_remembered(raw: RawCohort, detection: Detection, columns: dict[str, str],
                     gone: dict[str, str]) -> tuple[dict[str, str], list[str]]:
    """The mapping with what the workspace remembers, column by column: a remembered column
    feeds its field ("" none), every other column is matched as detected, and a remembered
    field whose column is gone is read from a renamed column when exactly one unmapped column
    has values that fit it. The notes say what was carried over and what was not."""
    mapping: dict[str, str] = {}
    for header, field in columns.items():
        if field and field in FIELD_NAMES and header in raw.headers and field not in mapping:
            mapping[field] = header
    for field, header in detection.mapping.items():
        if field not in mapping and header not in columns:
            mapping[field] = header
    notes = []
    missing = {field: header for field, header in gone.items()
               if field in FIELD_NAMES and field not in mapping}
    if missing:
        free = [header for header in raw.headers
                if header not in mapping.values() and header not in columns
                and header not in detection.name_parts.values()]
        fits = column_fits(raw, free)
        for field, old in missing.items():
            fitting = [header for header in free if header not in mapping.values()
                       and (field_fit(fits.get(header, {}), field) or 0) >= 0.8
                       and fits.get(header, {}).get("count_values", 0) > 0]
            label = FIELDS_BY_NAME[field].label
            if len(fitting) == 1:
                mapping[field] = fitting[0]
                notes.append(f"{label}: column {old!r}, remembered for it, is not in this file; "
                             f"{fitting[0]!r} is read in its place (a renamed column: its "
                             "values fit). Check it on the Import page.")
            else:
                notes.append(f"{label}: column {old!r}, remembered for it, is not in this file, "
                             f"so {label} is not read. Map its column on the Import page.")
    return mapping, notes


def match_under_way(today: dt.date | None = None) -> int:
    """The first Match year whose rank order list deadline (by default Match Day, the third
    Friday of March, less 16 days) is on or after `today`: the one a graduate applies in."""
    today = today or dt.date.today()
    year = today.year
    while True:
        first = dt.date(year, 3, 1)
        match_day = first + dt.timedelta(days=(4 - first.weekday()) % 7 + 14)
        if match_day - dt.timedelta(days=16) >= today:
            return year
        year += 1


def validate_mapping(raw: RawCohort, mapping: dict[str, str]) -> dict[str, str]:
    """Drop unmapped fields; refuse unknown fields or columns and a missing student_id."""
    cleaned = {field: column for field, column in mapping.items() if column}
    for field, column in cleaned.items():
        if field not in FIELD_NAMES:
            raise MappingError(f"{field!r} is not a cohort field")
        if column not in raw.headers:
            raise MappingError(f"the file has no column named {column!r}")
    if "student_id" not in cleaned:
        raise MappingError("choose the column that holds the student ID")
    columns = list(cleaned.values())
    repeated = sorted({column for column in columns if columns.count(column) > 1})
    if repeated:
        raise MappingError(
            "each file column can feed only one field; used more than once: "
            + ", ".join(repeated)
        )
    return cleaned


def write_column_map(con: duckdb.DuckDBPyConnection, mapping: dict[str, str],
                     name_parts: dict[str, str] | None = None) -> None:
    """`column_map`: each canonical field and the file column it was read from, which the
    data issues name (a loaded file, or a snapshot reopened)."""
    named = dict(mapping)
    if name_parts and "name" not in named:
        named["name"] = " + ".join(name_parts[part] for part in NAME_ORDER if part in name_parts)
    con.execute("create table column_map (field varchar, column_name varchar, position integer)")
    con.executemany(
        "insert into column_map values ($1, $2, $3)",
        [(field, named.get(field, field), position)
         for position, field in enumerate(FIELD_NAMES)],
    )


NAME_ORDER = ("first", "preferred", "middle", "last")
# Issues found as a file is loaded that no typed cell holds: footer rows, a column's date order.
LOADING_ISSUES_TABLE = ("create table if not exists loading_issues (source_row bigint, "
                        "column_name varchar, value varchar, problem varchar, kind varchar)")


def record_data_issues(con: duckdb.DuckDBPyConnection) -> None:
    """`data_issues`, from the typed `canonical_students`, the `column_map`, the footer rows
    and the notes on whole columns: found once per loaded cohort, since the Import page, each
    student's page and every export read them (the repeated ids alone take a pass over every
    student)."""
    con.execute(LOADING_ISSUES_TABLE)
    con.sql(load_query("loading/data_issues")).select(
        *[duckdb.ColumnExpression(c) for c in ISSUE_COLUMNS]).create(ISSUES_TABLE)


def load_cohort(raw: RawCohort, mapping: dict[str, str] | None = None,
                time_limit: float | None = None, memory_limit: str | None = None,
                readings: tuple[ValueReading, ...] = (),
                detection: Detection | None = None) -> Cohort:
    """Type every row into `canonical_students` on a new connection.

    Without `mapping`, the columns are matched as `detect_mapping` does (headers, then values
    where a header fits two fields). DuckDB's CSV reader is tried first; a file it refuses is
    read again by Python's csv module, so a ragged or oddly quoted file still loads whole.
    With `time_limit` (seconds) and `memory_limit` (DuckDB's, such as "2GB"), the typing is
    stopped and the file refused once it runs longer or needs more, as a shared server must.
    `readings` are the workspace's value readings: what a cell of an enum field means when it
    says so (each cell read by one is reported as interpreted). With no name column, the
    name is made of `First Name` + `Last Name` columns when the file has them.
    """
    if detection is None:
        detection = detect_mapping(raw)
    mapping = validate_mapping(raw, detection.mapping if mapping is None else mapping)
    name_parts = {} if "name" in mapping else {
        part: column for part, column in detection.name_parts.items()
        if column not in mapping.values()}
    if "last" in name_parts and not ({"first", "preferred"} & set(name_parts)):
        name_parts = {}
    try:
        return _load(raw, mapping, time_limit, memory_limit, readings, name_parts, detection)
    except duckdb.InterruptException:
        raise CohortFileError(
            f"{raw.file_name}: reading took longer than {time_limit:g} s and was stopped; "
            "split the cohort into smaller files") from None
    except duckdb.OutOfMemoryException:
        raise CohortFileError(
            f"{raw.file_name}: reading needed more than {memory_limit} of memory and was "
            "stopped; split the cohort into smaller files") from None
    except (duckdb.Error, RecordsUnaccounted):
        fallback = raw.python_fallback()
        if fallback is raw:
            raise
        return load_cohort(fallback, mapping, time_limit, memory_limit, readings, detection)


def _cell(key: str | None) -> duckdb.Expression:
    if key is None:
        return duckdb.ConstantExpression(None).cast(VARCHAR)
    return duckdb.FunctionExpression("cell_text", duckdb.ColumnExpression(key))


def _footer_columns(raw: RawCohort, id_key: str) -> list[duckdb.Expression]:
    """The row's first non-blank cell and its position (1 = the first column), and whether a
    row without an id holds only numbers: what tells a footer row (queries/loading/
    footer_rows.sql). The position and the numbers are worked out only for the rows that
    could be one."""
    trimmed = [duckdb.FunctionExpression("trimmed", duckdb.ColumnExpression(key))
               for key in raw.column_keys]
    first_cell = duckdb.CoalesceOperator(*trimmed)
    no_id = _cell(id_key).isnull()
    could_be = duckdb.CoalesceOperator(duckdb.FunctionExpression(
        "footer_text", first_cell), duckdb.ConstantExpression(False)) | no_id
    position = duckdb.CaseExpression(could_be, duckdb.FunctionExpression(
        "list_position", duckdb.FunctionExpression("list_value", *trimmed), first_cell))
    only_numbers = duckdb.CaseExpression(no_id, duckdb.FunctionExpression(
        "only_numbers", duckdb.FunctionExpression(
            "concat_ws", duckdb.ConstantExpression(" "),
            *[duckdb.ColumnExpression(key) for key in raw.column_keys])))
    return [first_cell.alias("row_first_cell"),
            position.cast(duckdb.sqltype("INTEGER")).alias("row_first_column"),
            only_numbers.alias("row_only_numbers")]


def _date_order(con: duckdb.DuckDBPyConnection, raw: RawCohort, mapping: dict[str, str]
                ) -> tuple[str, tuple | None]:
    """The order of the Step 2 CK date column's a/b/yyyy dates (`dmy`, `mdy` or `mixed`),
    decided by its values (docs/reference.md "Input"), and the note that says so once: (row, column,
    value, problem), or None when the column holds no such date."""
    day_first_default = raw.delimiter == ";" or raw.decimal_comma
    column = mapping.get("step2ck_date")
    default = "dmy" if day_first_default else "mdy"
    if column is None:
        return default, None
    key = dict(zip(raw.headers, raw.column_keys, strict=True))[column]
    sample = raw.relation(con).select(duckdb.ColumnExpression("source_row"),
                                      duckdb.ColumnExpression(key).alias("value")
                                      ).limit(DATE_SAMPLE_ROWS + 1)
    if raw.numbered_by_position:
        sample = sample.select(duckdb.SQLExpression("row_number() over ()").alias("source_row"),
                               duckdb.ColumnExpression("value"))
    con.register("date_sample", sample.to_arrow_table())
    relation = con.sql(load_query("loading/date_order"))
    found = dict(zip(relation.columns, relation.fetchall()[0], strict=True))
    con.unregister("date_sample")
    day, month = found["count_day_first"], found["count_month_first"]
    if day and month:
        problem = (f"this column writes dates both ways ({found['value_day_first']} on row "
                   f"{found['row_day_first']} is day-first, {found['value_month_first']} on row "
                   f"{found['row_month_first']} month-first): each date is read by its own "
                   "parts, and one whose day and month cannot be told apart is unreadable")
        return "mixed", (found["row_day_first"], column, found["value_day_first"], problem)
    order = "dmy" if day else "mdy" if month else default
    if not found["count_undecided"]:
        return order, None  # no date reads otherwise in the other order: nothing to say
    example = found["first_value"]
    parts = re.split(r"[/.-]", example)
    read_as = (dt.date(_year(parts[2]), int(parts[1]), int(parts[0])) if order == "dmy"
               else dt.date(_year(parts[2]), int(parts[0]), int(parts[1])))
    words = ("day-first (D/M/YYYY)" if order == "dmy" else "month-first (M/D/YYYY)")
    if day or month:
        why = (f"as {found['value_day_first'] if day else found['value_month_first']} on row "
               f"{found['row_day_first'] if day else found['row_month_first']} shows")
    elif day_first_default:
        why = ("no date in it has a part over 12, and the file is semicolon-delimited or "
               "writes decimal commas")
    else:
        why = "no date in it has a part over 12, and US files write them so"
    return order, (found["first_row"], column, example,
                   f"dates in this column are read {words}, {why}: {example} is "
                   f"{read_as:%-d %B %Y}")


def _require_every_record(con: duckdb.DuckDBPyConnection, raw: RawCohort) -> None:
    """DuckDB's reader can leave out a record without an error (a last line longer than its
    buffer); a count apart from it, made as the file was opened, tells when it did."""
    if raw.expected_records is None:
        return
    [(count,)] = con.execute("select count(*) from canonical_students").fetchall()
    if count != raw.expected_records:
        raise RecordsUnaccounted(f"{raw.file_name}: {count:,} records read of "
                                 f"{raw.expected_records:,}")


def _year(text: str) -> int:
    return 2000 + int(text) if len(text) == 2 else int(text)


def _load(raw: RawCohort, mapping: dict[str, str], time_limit: float | None,
          memory_limit: str | None, readings: tuple[ValueReading, ...],
          name_parts: dict[str, str], detection: Detection | None) -> Cohort:
    con = connect(memory_limit)
    key_of = dict(zip(raw.headers, raw.column_keys, strict=True))
    mapped_columns = set(mapping.values())
    projection = [duckdb.ColumnExpression("source_row"), raw.has_content().alias("has_content")]
    for field in FIELD_NAMES:
        if field in mapping:
            projection.append(duckdb.ColumnExpression(key_of[mapping[field]]).alias(field))
        elif field == "name" and name_parts:
            projection.append(duckdb.FunctionExpression("name_of_parts", *[
                _cell(key_of[name_parts[part]] if part in name_parts else None)
                for part in NAME_ORDER]).alias(field))
        else:
            projection.append(duckdb.ConstantExpression(None).cast(VARCHAR).alias(field))
    extra_columns: dict[str, str] = {}
    for header in raw.headers:
        if header not in mapped_columns:
            key = f"extra_{len(extra_columns)}"
            extra_columns[key] = header
            projection.append(duckdb.ColumnExpression(key_of[header]).alias(key))
    projection += _footer_columns(raw, key_of[mapping["student_id"]])
    write_column_map(con, mapping, name_parts)
    con.execute("create table file_columns (position integer, column_name varchar)")
    con.executemany("insert into file_columns values ($1, $2)", list(enumerate(raw.headers)))
    date_order, date_note = _date_order(con, raw, mapping)
    con.execute(LOADING_ISSUES_TABLE)
    if raw.read_issues:
        con.executemany("insert into loading_issues values ($1, $2, $3, $4, 'unreadable')",
                        [list(issue) for issue in raw.read_issues])
    if date_note is not None:
        con.execute("insert into loading_issues values ($1, $2, $3, $4, 'interpreted')",
                    list(date_note))
    timer = _Deadline(con, time_limit) if time_limit else None
    if timer:
        timer.start()
    try:
        raw.relation(con).select(*projection).create_view("raw_canonical")
        create_table(con, "canonical_students", "loading/canonical_students", {
            "value_readings": [reading.as_param() for reading in readings],
            "date_order": date_order,
            "class_year_is_graduation": graduation_year_header(mapping.get("class_year", "")),
            "match_under_way": match_under_way(),
        })
        if raw.numbered_by_position:
            _require_every_record(con, raw)
            con.execute(load_query("loading/number_by_position"))
    finally:
        if timer:
            timer.cancel()
    if timer and timer.expired:  # past the deadline, even if no statement was running then
        raise duckdb.InterruptException("the time limit was reached")
    # A row of blank cells is no student (it keeps its row number; the rows after it too).
    con.execute("delete from canonical_students where not has_content")
    con.execute("alter table canonical_students drop column has_content")
    con.execute(load_query("loading/footer_rows"))
    con.execute("drop view raw_canonical")
    record_data_issues(con)
    return Cohort(con, raw, mapping, extra_columns, name_parts, detection)
