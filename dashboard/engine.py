"""Raw cohort -> canonical table + data issues -> flagged table, all in DuckDB.

Each step is one named query in `queries/`; thresholds are bound parameters. Python only
arranges which columns feed which field (the mapping) and names the results.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import threading
from dataclasses import dataclass

import duckdb

from dashboard.config import Config
from dashboard.fields import FIELD_NAMES, FIELDS_BY_NAME, match_headers
from dashboard.flagging import FLAGGED_TABLE, FlaggedCohort, flag_students
from dashboard.importer import CohortFileError, RawCohort
from dashboard.plan import build_plans
from dashboard.sql import connect, drop_relation, load_query

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

    @property
    def student_count(self) -> int:
        [(count,)] = self.con.execute("select count(*) from canonical_students").fetchall()
        return count

    @functools.cached_property
    def personal_columns(self) -> frozenset[str]:
        """The unmapped columns (extra_<n>) that hold personal data, by header (`First Name`,
        `Personal Email`, `Phone`...) or by content (email addresses): privacy mode masks
        them as it masks names and emails."""
        personal = {key for key, header in self.extra_columns.items()
                    if PERSONAL_HEADER.search(header)}
        others = [key for key in self.extra_columns if key not in personal]
        if others:
            sample = self.con.table("canonical_students").limit(2000)
            hits = sample.aggregate([
                duckdb.FunctionExpression("bool_or", duckdb.FunctionExpression(
                    "regexp_full_match",
                    duckdb.CoalesceOperator(duckdb.ColumnExpression(key),
                                            duckdb.ConstantExpression("")),
                    duckdb.ConstantExpression(EMAIL_SHAPE))).alias(key)
                for key in others]).fetchall()[0]
            personal |= {key for key, hit in zip(others, hits, strict=True) if hit}
        return frozenset(personal)

    def header_notes(self) -> list[str]:
        """What the advisor should know about the header: columns that named a field already
        taken, and ambiguous columns that were left unmapped with a suggestion."""
        matched = match_headers(self.raw.headers)
        mapped = set(self.mapping.values())
        notes = []
        for field, columns in matched.repeated.items():
            kept = [column for column in columns if column not in mapped]
            if kept and field in self.mapping:
                notes.append(
                    f"{FIELDS_BY_NAME[field].label}: read from column {self.mapping[field]!r}; "
                    + ", ".join(repr(column) for column in kept)
                    + " also named it and " + ("is" if len(kept) == 1 else "are")
                    + " kept as unmapped columns.")
        for column, fields in matched.suggestions.items():
            if column not in mapped:
                could_be = " or ".join(FIELDS_BY_NAME[field].label for field in fields)
                notes.append(f"Column {column!r} could mean {could_be}; it was not mapped. "
                             "Map it on the Import page if that is what it holds.")
        return notes

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
PERSONAL_HEADER = re.compile(
    r"(?i)\b(first|last|given|family|middle|preferred|legal|maiden)[ _-]*name\b|e-?mail|"
    r"\bphone\b|\bmobile\b|\bcell\b|\baddress\b|\bbirth|\bdob\b|\bssn\b|"
    r"social security|\bpassport\b|\bzip\b|postcode|\bsurname\b|\bforename\b")
EMAIL_SHAPE = r"[^@\s]+@[^@\s]+\.[^@\s]+"


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


def write_column_map(con: duckdb.DuckDBPyConnection, mapping: dict[str, str]) -> None:
    """`column_map`: each canonical field and the file column it was read from, which the
    data issues name (a loaded file, or a snapshot reopened)."""
    con.execute("create table column_map (field varchar, column_name varchar, position integer)")
    con.executemany(
        "insert into column_map values ($1, $2, $3)",
        [(field, mapping.get(field, field), position)
         for position, field in enumerate(FIELD_NAMES)],
    )


def record_data_issues(con: duckdb.DuckDBPyConnection) -> None:
    """`data_issues`, from the typed `canonical_students` and the `column_map`: found once per
    loaded cohort, since the Import page, each student's page and every export read them (the
    repeated ids alone take a pass over every student)."""
    con.sql(load_query("loading/data_issues")).select(
        *[duckdb.ColumnExpression(c) for c in ISSUE_COLUMNS]).create(ISSUES_TABLE)


def load_cohort(raw: RawCohort, mapping: dict[str, str] | None = None,
                time_limit: float | None = None, memory_limit: str | None = None,
                readings: tuple[ValueReading, ...] = ()) -> Cohort:
    """Type every row into `canonical_students` on a new connection.

    DuckDB's CSV reader is tried first; a file it refuses is read again by Python's csv
    module, so a ragged or oddly quoted file still loads whole. With `time_limit` (seconds)
    and `memory_limit` (DuckDB's, such as "2GB"), the typing is stopped and the file refused
    once it runs longer or needs more, as a shared server must. `readings` are the
    workspace's value readings: what a cell of an enum field means when it says so (each cell
    read by one is reported as interpreted).
    """
    mapping = validate_mapping(raw, raw.guessed_mapping() if mapping is None else mapping)
    try:
        return _load(raw, mapping, time_limit, memory_limit, readings)
    except duckdb.InterruptException:
        raise CohortFileError(
            f"{raw.file_name}: reading took longer than {time_limit:g} s and was stopped; "
            "split the cohort into smaller files") from None
    except duckdb.OutOfMemoryException:
        raise CohortFileError(
            f"{raw.file_name}: reading needed more than {memory_limit} of memory and was "
            "stopped; split the cohort into smaller files") from None
    except duckdb.Error:
        fallback = raw.python_fallback()
        if fallback is raw:
            raise
        return load_cohort(fallback, mapping, time_limit, memory_limit, readings)


def _load(raw: RawCohort, mapping: dict[str, str], time_limit: float | None,
          memory_limit: str | None, readings: tuple[ValueReading, ...]) -> Cohort:
    con = connect(memory_limit)
    key_of = dict(zip(raw.headers, raw.column_keys, strict=True))
    mapped_columns = set(mapping.values())
    projection = [duckdb.ColumnExpression("source_row"), raw.has_content().alias("has_content")]
    for field in FIELD_NAMES:
        if field in mapping:
            projection.append(duckdb.ColumnExpression(key_of[mapping[field]]).alias(field))
        else:
            projection.append(duckdb.ConstantExpression(None).cast(VARCHAR).alias(field))
    extra_columns: dict[str, str] = {}
    for header in raw.headers:
        if header not in mapped_columns:
            key = f"extra_{len(extra_columns)}"
            extra_columns[key] = header
            projection.append(duckdb.ColumnExpression(key_of[header]).alias(key))
    write_column_map(con, mapping)
    timer = _Deadline(con, time_limit) if time_limit else None
    if timer:
        timer.start()
    try:
        raw.relation(con).select(*projection).create_view("raw_canonical")
        con.sql(load_query("loading/canonical_students"), params={
            "value_readings": [reading.as_param() for reading in readings]
        }).create("canonical_students")
        if raw.numbered_by_position:
            con.execute(load_query("loading/number_by_position"))
    finally:
        if timer:
            timer.cancel()
    if timer and timer.expired:  # past the deadline, even if no statement was running then
        raise duckdb.InterruptException("the time limit was reached")
    # A row of blank cells is no student (it keeps its row number; the rows after it too).
    con.execute("delete from canonical_students where not has_content")
    con.execute("alter table canonical_students drop column has_content")
    con.execute("drop view raw_canonical")
    record_data_issues(con)
    return Cohort(con, raw, mapping, extra_columns)
