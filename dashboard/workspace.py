"""The advising workspace: one DuckDB file that remembers a cohort from one upload to the next.

It holds saved snapshots of flagged cohorts, the advisors' notes and follow-ups, what was
remembered about imports (column mappings by header set, value readings, settings) and the
access log. Nothing about students is written unless an advisor saves a snapshot or a note.

One process owns the file: DuckDB locks a database file for the process that opens it to
write. Within that process every call takes its own cursor of one shared connection, under
one lock, so the sessions of a Streamlit server share the workspace and two advisors who
write at the same moment both land. A second process gets `WorkspaceBusy`, with a message.
The schema is created and moved forward by the numbered scripts of
`queries/workspace/migrations/`, each applied once, in order, in its own transaction.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
import re
import stat
import threading
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pyarrow as pa

from dashboard import identity
from dashboard.changes import compared
from dashboard.config import Config, ConfigError, config_from_json
from dashboard.engine import (
    LOADING_ISSUES_TABLE,
    NAME_ORDER,
    Cohort,
    ValueReading,
    record_data_issues,
    value_reading,
    write_column_map,
)
from dashboard.fields import written_key
from dashboard.flagging import FlaggedCohort
from dashboard.importer import RawCohort
from dashboard.sql import connect, load_query, project_dir

MIGRATION_NAME = re.compile(r"^(\d{3})_[a-z0-9_]+\.sql$")
SUMMARY_COLUMNS = ("risk_level", "flags", "unknown")
LOCAL_AUTHOR = "local"
SHARED = ""  # the owner of a remembered mapping shared with every advisor of the workspace
NOTE_LIMIT = 5_000  # characters in one note
COHORT_NAME_LIMIT = 100

log = logging.getLogger("cohort_advisor.workspace")


class WorkspaceError(Exception):
    """A workspace that cannot be used as asked; the message is for the user."""


class WorkspaceBusy(WorkspaceError):
    """Another process has the workspace file open."""


class WorkspaceDamaged(WorkspaceError):
    """A block of the workspace file fails DuckDB's checksum: nothing more is written to it."""

    def __init__(self, path: Path):
        super().__init__(
            f"workspace {path} is damaged: part of the file no longer matches what was "
            "written (its checksum fails), so nothing more will be written to it. Keep the "
            "file as it is, restore the workspace from a backup, or name a new workspace file")


@dataclass(frozen=True)
class Migration:
    version: int
    name: str
    sql: str


def migrations() -> list[Migration]:
    """The schema's forward-only migrations, `queries/workspace/migrations/NNN_name.sql`."""
    folder = project_dir("queries") / "workspace" / "migrations"
    found = []
    for entry in folder.iterdir():
        match = MIGRATION_NAME.match(entry.name)
        if match:
            found.append(Migration(int(match.group(1)), entry.name.removesuffix(".sql"),
                                   entry.read_text(encoding="utf-8")))
    found.sort(key=lambda migration: migration.version)
    if [migration.version for migration in found] != list(range(1, len(found) + 1)):
        raise RuntimeError("workspace migrations must be numbered 001, 002, ... without gaps")
    return found


@dataclass(frozen=True)
class SnapshotInfo:
    snapshot_id: int
    cohort: str
    as_of: dt.date
    saved_at: dt.datetime
    saved_by: str
    file_name: str
    student_count: int
    source_digest: str | None = None

    @property
    def label(self) -> str:
        return (f"{self.cohort}: as of {self.as_of:%-d %b %Y}, {self.student_count:,} "
                f"students from {self.file_name} (saved {self.saved_at:%-d %b %Y %H:%M} UTC)")


@dataclass(frozen=True)
class OpenedSnapshot:
    info: SnapshotInfo
    cohort: Cohort
    config: Config


@dataclass(frozen=True)
class Note:
    note_id: int
    cohort: str
    student_id: str
    author: str
    written_at: dt.datetime
    body: str
    follow_up: dt.date | None
    status: str
    done_at: dt.datetime | None
    done_by: str | None


@dataclass(frozen=True)
class RememberedColumns:
    """The remembered mapping of one file's columns (see `Workspace.remembered_columns`)."""

    columns: dict[str, str]  # header in this file -> field ("" for a column left unread)
    gone: dict[str, str]  # field -> the header remembered for it, not in this file
    saved_at: dt.datetime
    saved_by: str = LOCAL_AUTHOR
    shared: bool = False  # shared with every advisor of the workspace, else the advisor's own

    def origin(self) -> str:
        """How the mapping came to be applied, for the banner that says so."""
        if self.shared:
            return (f"the mapping {self.saved_by} shared with this workspace on "
                    f"{self.saved_at:%-d %b %Y}")
        return f"the mapping you last used for these columns, on {self.saved_at:%-d %b %Y}"

    def mapping(self) -> dict[str, str]:
        return {field: header for header, field in self.columns.items() if field}


def utc_now() -> dt.datetime:
    """Now in UTC, without a zone: the workspace stores UTC times."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def header_key(headers: list[str]) -> str:
    """The identity of a file's header set: its column names, trimmed, in any order."""
    return json.dumps(sorted(header.strip() for header in headers), ensure_ascii=False)


def config_document(config: Config) -> dict:
    """The settings as the document `config_from_document` reads (dates as ISO text)."""
    return config.document()


class Workspace:
    """A workspace file, opened (created and migrated as needed) by this process."""

    def __init__(self, path: str | os.PathLike[str], read_only: bool = False):
        """`read_only` for the commands that only read (listing snapshots, what changed):
        they work on a file this account may read but not write, and never change it."""
        # Resolved: a symbolic link's target is the file that is written, and rewritten.
        self.path = Path(path).expanduser().resolve()
        self.read_only = read_only
        self.damaged = False
        self._lock = threading.RLock()
        check_path(self.path)
        if not read_only:
            check_folder(self.path.parent)
        os.umask(0o077)  # the WAL and side files DuckDB creates are the owner's only
        if not read_only:
            # A rewrite killed before it was put in place: the workspace itself is intact.
            self.path.with_name(self.path.name + ".compacting").unlink(missing_ok=True)
        self._con = self._open()
        if not read_only:
            _make_private(self.path)
            self._finish_rewrite()

    def _open(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect(":memory:")
        try:
            # Attached under a fixed name, whatever the file is called.
            con.execute("attach $path as workspace (read_only)" if self.read_only
                        else "attach $path as workspace", {"path": str(self.path)})
            con.execute("use workspace")
        except duckdb.ResourceInUseException:
            con.close()
            raise WorkspaceBusy(f"The workspace {self.path} is already open in this process; "
                                "use that Workspace (one per file per process).") from None
        except duckdb.IOException as error:
            con.close()
            if "lock" in str(error).lower():
                raise WorkspaceBusy(
                    f"The workspace {self.path} is open in another Cohort Advisor process (a "
                    "running server, or a scheduled job). One process at a time can use it: "
                    "stop the other one, or give this one its own workspace file.") from None
            if re.search(r"permission|not permitted|read-only", str(error), re.IGNORECASE):
                raise WorkspaceError(f"workspace {self.path} cannot be written: this account "
                                     "may not write to it or to its folder") from None
            raise WorkspaceError(f"workspace {self.path} cannot be opened: it is not a "
                                 "Cohort Advisor workspace, or it is damaged") from None
        except duckdb.Error as error:
            con.close()
            if "corrupt database file" in str(error).lower():
                raise WorkspaceDamaged(self.path) from None
            raise WorkspaceError(f"workspace {self.path} cannot be opened: it is not a "
                                 "Cohort Advisor workspace, or it is damaged") from None
        con.execute("set enable_progress_bar = false")
        identity.register(con)  # notes and history find a student by the ID's key
        try:
            if schema_version(con) == 0 and _has_tables(con):
                raise WorkspaceError(
                    f"workspace {self.path} is a DuckDB database but not a Cohort Advisor "
                    "workspace; it was left as it is. Name a new file for the workspace.")
            if self.read_only:
                _require_current(con, self.path)
            else:
                migrate(con)
        except BaseException:
            con.close()
            raise
        return con

    def close(self) -> None:
        with self._lock:
            self._con.close()

    def __enter__(self) -> Workspace:
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    @contextlib.contextmanager
    def cursor(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor of the workspace for one call; calls from threads take turns."""
        with self._lock:
            if self.damaged:
                raise WorkspaceDamaged(self.path)
            cursor = self._con.cursor()
            cursor.execute("use workspace")  # a cursor starts in the in-memory database
            try:
                yield cursor
            except duckdb.Error as error:
                if "corrupt database file" in str(error).lower():
                    self.damaged = True
                    raise WorkspaceDamaged(self.path) from None
                raise
            finally:
                cursor.close()

    def verify(self) -> None:
        """Read every block of every table, so that a damaged file is found (WorkspaceDamaged)
        before anything is written to it."""
        with self.cursor() as cur:
            tables = [name for (name,) in cur.execute(
                "select table_name from information_schema.tables where table_catalog = "
                "'workspace' and table_type = 'BASE TABLE' order by table_name").fetchall()]
            for name in tables:
                relation = cur.table(name)
                relation.aggregate([duckdb.FunctionExpression("bit_xor", duckdb.FunctionExpression(
                    "hash", *map(duckdb.ColumnExpression, relation.columns)))]).fetchall()

    @property
    def version(self) -> int:
        with self.cursor() as cur:
            return schema_version(cur)

    # Snapshots -------------------------------------------------------------------------

    def save_snapshot(self, flagged: FlaggedCohort, cohort_name: str, saved_by: str,
                      source_digest: str | None = None) -> SnapshotInfo:
        """Save a flagged cohort: its typed rows, data issues, mapping and settings, and the
        SHA-256 of the file it was read from; its mapping is remembered column by column."""
        cohort_name = checked_cohort_name(cohort_name)
        self.verify()  # never write into a damaged file
        cohort = flagged.cohort
        if not flagged.is_materialised:
            raise ValueError("a snapshot saves a cohort flagged for the dashboard")
        session = flagged.on_own_cursor().con
        canonical = [column for column in session.table("canonical_students").columns
                     if not column.startswith("extra_")]
        extras = list(cohort.extra_columns)
        rows = session.table("flagged_students").select(
            *[duckdb.ColumnExpression(column) for column in canonical],
            duckdb.FunctionExpression("list_value", *[
                duckdb.ColumnExpression(key).cast(duckdb.sqltype("VARCHAR"))
                for key in extras]).alias("extra_values")
            if extras else duckdb.SQLExpression("[]::varchar[]").alias("extra_values"),
            *[duckdb.ColumnExpression(column) for column in SUMMARY_COLUMNS],
        ).to_arrow_table()
        raw = cohort.raw
        loading = [list(issue) for issue in cohort.loading_issues()]
        saved_mapping = dict(cohort.mapping)
        if cohort.name_parts and "name" not in saved_mapping:  # a name made of its parts
            saved_mapping["name"] = " + ".join(cohort.name_parts[part] for part in NAME_ORDER
                                               if part in cohort.name_parts)
        with self._writing() as cur:
            cur.execute("begin transaction")
            try:
                [(snapshot_id,)] = cur.execute(
                    "insert into snapshots (cohort, as_of, saved_at, saved_by, file_name, "
                    "sheet, header_row, headers, read_notes, mapping, extra_headers, settings, "
                    "student_count, source_digest, loading_issues) values ($cohort, $as_of, "
                    "$saved_at, $saved_by, $file_name, $sheet, $header_row, $headers, "
                    "$read_notes, $mapping, $extra_headers, $settings, $student_count, "
                    "$source_digest, $loading_issues) "
                    "returning snapshot_id",
                    {"cohort": cohort_name, "as_of": flagged.as_of, "saved_at": utc_now(),
                     "saved_by": saved_by, "file_name": raw.file_name, "sheet": raw.sheet,
                     "header_row": raw.header_row, "headers": list(raw.headers),
                     "read_notes": list(raw.notes),
                     "mapping": json.dumps(saved_mapping, ensure_ascii=False),
                     "extra_headers": [cohort.extra_columns[key] for key in extras],
                     "settings": json.dumps(config_document(flagged.config)),
                     "student_count": rows.num_rows, "source_digest": source_digest,
                     "loading_issues": json.dumps(loading, ensure_ascii=False, default=str)},
                ).fetchall()
                cur.register("saved_rows", rows)
                cur.execute("insert into snapshot_students by name "
                            "select $snapshot_id::integer as snapshot_id, * from saved_rows",
                            {"snapshot_id": snapshot_id})
                cur.unregister("saved_rows")
                [info] = cur.execute(
                    "select snapshot_id, cohort, as_of, saved_at, saved_by, file_name, "
                    "student_count, source_digest from snapshots where snapshot_id = $id",
                    {"id": snapshot_id}).fetchall()
                cur.execute("commit")
            except BaseException:
                cur.execute("rollback")
                raise
        # The mapping in effect is remembered column by column: next week's file, with a
        # column renamed or moved, is read as this one was.
        if raw.headers and "student_id" in cohort.mapping:
            self.remember_mapping(raw.headers, cohort.mapping, saved_by)
        return SnapshotInfo(*info)

    def matching_cohort(self, students: pa.Table) -> str | None:
        """The saved cohort these students (`student_id`, `name`) are, if any: the one whose
        latest snapshot holds most of their ids, with the same names for most of those named
        on both sides (`queries/workspace/cohort_match.sql`). None for another class, even one
        numbered like a saved cohort: an upload is never attributed to a cohort by default."""
        with self.cursor() as cur:
            cur.register("uploaded_students", students)
            try:
                found = cur.execute(load_query("workspace/cohort_match")).fetchall()
            finally:
                cur.unregister("uploaded_students")
        return found[0][0] if found else None

    def snapshot(self, snapshot_id: int) -> SnapshotInfo:
        found = self._snapshot_infos(snapshot_id=snapshot_id)
        if not found:
            raise WorkspaceError(f"snapshot {snapshot_id} is not in this workspace")
        return found[0]

    def snapshots(self, cohort: str | None = None) -> list[SnapshotInfo]:
        """Saved snapshots, newest first (by as-of date, then by when they were saved)."""
        return self._snapshot_infos(cohort=cohort)

    def _snapshot_infos(self, cohort: str | None = None, snapshot_id: int | None = None
                        ) -> list[SnapshotInfo]:
        with self.cursor() as cur:
            return [SnapshotInfo(*row) for row in cur.execute(
                "select snapshot_id, cohort, as_of, saved_at, saved_by, file_name, "
                "student_count, source_digest from snapshots "
                "where ($cohort::varchar is null or cohort = $cohort) "
                "and ($id::integer is null or snapshot_id = $id) "
                "order by as_of desc, saved_at desc, snapshot_id desc",
                {"cohort": None if cohort is None else cohort_key(cohort),
                 "id": snapshot_id}).fetchall()]

    def cohorts(self) -> list[str]:
        """Cohort names with a snapshot or a note, the most recently saved first."""
        with self.cursor() as cur:
            return [name for (name,) in cur.execute(
                "select cohort from (select cohort, saved_at as changed_at from snapshots "
                "union all select cohort, written_at from notes) "
                "group by cohort order by max(changed_at) desc, cohort").fetchall()]

    def previous_snapshot(self, cohort: str, before: SnapshotInfo | None = None,
                          on_or_before: dt.date | None = None, other_than: str | None = None
                          ) -> SnapshotInfo | None:
        """The latest snapshot of `cohort`: saved before `before`, as of `on_or_before` or
        earlier, and not read from the file whose digest is `other_than`."""
        for info in self.snapshots(cohort):
            if before is not None and (info.as_of, info.saved_at, info.snapshot_id) >= (
                    before.as_of, before.saved_at, before.snapshot_id):
                continue
            if on_or_before is not None and info.as_of > on_or_before:
                continue
            if other_than is not None and info.source_digest == other_than:
                continue
            return info
        return None

    def open_snapshot(self, snapshot_id: int, limit_memory: bool = False) -> OpenedSnapshot:
        """A snapshot as a cohort on a new private connection, with the settings it was
        flagged with: flagged again with them, it reads as it did when it was saved."""
        with self.cursor() as cur:
            found = cur.execute(
                "select file_name, sheet, header_row, headers, read_notes, mapping, "
                "extra_headers, settings, loading_issues from snapshots "
                "where snapshot_id = $id",
                {"id": snapshot_id}).fetchall()
            if not found:
                raise WorkspaceError(f"snapshot {snapshot_id} is not in this workspace")
            [(file_name, sheet, header_row, headers, read_notes, mapping, extra_headers,
              settings, loading_issues)] = found
            students = cur.table("snapshot_students").filter(
                duckdb.ColumnExpression("snapshot_id") == duckdb.ConstantExpression(snapshot_id)
            )
            columns = [column for column in students.columns
                       if column not in ("snapshot_id", "extra_values", *SUMMARY_COLUMNS)]
            rows = students.order("source_row").select(
                *[duckdb.ColumnExpression(column) for column in columns],
                *[duckdb.FunctionExpression(
                    "list_extract", duckdb.ColumnExpression("extra_values"),
                    duckdb.ConstantExpression(position + 1)).alias(f"extra_{position}")
                  for position in range(len(extra_headers))],
            ).to_arrow_table()
        con = connect()
        if limit_memory:  # as a session's uploads (SESSION_MEMORY_LIMIT)
            con.execute("set memory_limit = '2GB'")
        con.from_arrow(rows).create("canonical_students")
        mapping = json.loads(mapping)
        write_column_map(con, mapping)
        con.execute(LOADING_ISSUES_TABLE)
        saved_issues = json.loads(loading_issues or "[]")
        if saved_issues:
            con.executemany("insert into loading_issues values ($1, $2, $3, $4, $5)",
                            saved_issues)
        record_data_issues(con)
        raw = RawCohort(file_name=file_name, headers=list(headers), header_row=header_row,
                        source=pa.table({}), sheet=sheet, notes=list(read_notes))
        extra_columns = {f"extra_{position}": header
                         for position, header in enumerate(extra_headers)}
        cohort = Cohort(con, raw, mapping, extra_columns)
        try:
            config = config_from_json(settings)
        except (ConfigError, ValueError, TypeError):
            raise WorkspaceError(f"snapshot {snapshot_id}: its saved settings cannot be "
                                 "read by this version of Cohort Advisor") from None
        return OpenedSnapshot(self.snapshot(snapshot_id), cohort, config)

    def snapshot_fields(self, snapshot_id: int) -> frozenset[str]:
        """The fields a column fed in this snapshot (from the mapping it was saved with)."""
        with self.cursor() as cur:
            found = cur.execute("select mapping from snapshots where snapshot_id = $id",
                                {"id": snapshot_id}).fetchall()
        return frozenset(json.loads(found[0][0])) if found else frozenset()

    def snapshot_summary(self, snapshot_id: int) -> pa.Table:
        """What a comparison reads of a snapshot: ids, names, risk, flags and the counts."""
        with self.cursor() as cur:
            return compared(cur.table("snapshot_students").filter(
                duckdb.ColumnExpression("snapshot_id") == duckdb.ConstantExpression(snapshot_id)
            )).to_arrow_table()

    def student_history(self, cohort: str, student_id: str) -> pd.DataFrame:
        """One row per snapshot of `cohort` that has this student id: as-of date, risk
        level, Step 2 CK, letters, sub-Is, flags and how many rows had the id."""
        with self.cursor() as cur:
            return cur.execute(load_query("workspace/student_history"),
                               {"cohort": cohort_key(cohort), "student_id": student_id}).df()

    def delete_snapshot(self, snapshot_id: int) -> None:
        """Delete one snapshot, then rewrite the file so that nothing of it is left."""
        with self._deleting() as cur:
            cur.execute("begin transaction")
            cur.execute("delete from snapshot_students where snapshot_id = $id",
                        {"id": snapshot_id})
            cur.execute("delete from snapshots where snapshot_id = $id", {"id": snapshot_id})
            cur.execute("commit")

    @contextlib.contextmanager
    def _writing(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A cursor for a write that a full disk may fail: the transaction is rolled back,
        the file reopened as last committed, and the failure said in words."""
        with self._lock:
            try:
                with self.cursor() as cur:
                    try:
                        yield cur
                    except duckdb.Error:
                        with contextlib.suppress(duckdb.Error):
                            cur.execute("rollback")
                        raise
            except duckdb.Error as error:
                self._con.close()
                self._con = self._open()
                raise WorkspaceError(disk_message(error, self.path)) from None

    def delete_cohort(self, cohort: str) -> None:
        """Delete every snapshot and note of a cohort, then rewrite the file."""
        cohort = cohort_key(cohort)
        with self._deleting() as cur:
            cur.execute("begin transaction")
            cur.execute("delete from snapshot_students where snapshot_id in "
                        "(select snapshot_id from snapshots where cohort = $cohort)",
                        {"cohort": cohort})
            cur.execute("delete from snapshots where cohort = $cohort", {"cohort": cohort})
            cur.execute("delete from notes where cohort = $cohort", {"cohort": cohort})
            cur.execute("commit")

    @property
    def _rewrite_owed(self) -> Path:
        return self.path.with_name(self.path.name + ".rewrite-owed")

    @contextlib.contextmanager
    def _deleting(self) -> Iterator[duckdb.DuckDBPyConnection]:
        """A deletion, written as `_writing` writes, then the file rewritten (`compact`) so
        that nothing of the deleted rows is left. From just before the deletion until the
        rewrite is in place, a marker beside the file says a rewrite is owed: a process killed
        in between (kill -9, a power cut) leaves it, and the next opening rewrites the file
        before anything else is done."""
        with self._lock:
            owed = self._rewrite_owed
            with open(owed, "w", encoding="utf-8") as marker:
                marker.write("A deletion was committed; the file is rewritten on opening so "
                             "that nothing of it is left.\n")
                marker.flush()
                os.fsync(marker.fileno())
            try:
                with self._writing() as cur:
                    yield cur
            except BaseException:
                owed.unlink(missing_ok=True)  # rolled back: nothing was deleted
                raise
            self.compact()  # a failure (a full disk) keeps the marker: retried on opening
            owed.unlink(missing_ok=True)

    def _finish_rewrite(self) -> None:
        """The rewrite a killed deletion owes, done on opening; when it cannot be done now
        (a full disk), the workspace opens all the same and the next opening tries again."""
        if not self._rewrite_owed.exists():
            return
        try:
            self.compact()
        except WorkspaceError as error:
            log.warning("the rewrite owed after a deletion could not be done: %s", error)
            return
        self._rewrite_owed.unlink(missing_ok=True)

    def compact(self) -> None:
        """Rewrite the database into a new file and put it in place of the old one.

        DuckDB marks deleted rows and frees blocks, but leaves their bytes in the file until
        they are reused; a deletion must leave nothing to recover. So the tables are copied
        into a fresh file, which replaces the old one once it is complete.
        """
        with self._lock:
            fresh = self.path.with_name(self.path.name + ".compacting")
            fresh.unlink(missing_ok=True)
            try:
                self._con.execute("checkpoint")
                self._con.execute("attach $path as compacted", {"path": str(fresh)})
                try:
                    self._con.execute("copy from database workspace to compacted")
                finally:
                    self._con.execute("detach compacted")
            except duckdb.Error as error:
                # DuckDB invalidates a database whose checkpoint failed: reopen it, so that
                # every session goes on with the file as it was last committed.
                fresh.unlink(missing_ok=True)
                self._con.close()
                self._con = self._open()
                raise WorkspaceError(disk_message(error, self.path)) from None
            self._con.close()
            try:
                os.chmod(fresh, stat.S_IMODE(self.path.stat().st_mode))  # as private as before
                os.replace(fresh, self.path)
                Path(str(self.path) + ".wal").unlink(missing_ok=True)
            finally:  # the rewritten file, or the old one if it could not be put in place
                self._con = self._open()

    # Notes and follow-ups -----------------------------------------------------------------

    def add_note(self, cohort: str, student_id: str, author: str, body: str,
                 follow_up: dt.date | None = None) -> int:
        # Typed text kept as typed, but for control characters other than line breaks and tabs.
        body = "".join(char for char in body if char in "\n\t"
                       or unicodedata.category(char) != "Cc").strip()
        if follow_up is not None and (not isinstance(follow_up, dt.date)
                                      or isinstance(follow_up, dt.datetime)):
            raise WorkspaceError("a follow-up is a date such as 2026-12-01")
        if not student_id or not student_id.strip():
            raise WorkspaceError("a note needs the student's ID")
        if not body:
            raise WorkspaceError("a note needs some text")
        if len(body) > NOTE_LIMIT:
            raise WorkspaceError(f"a note holds up to {NOTE_LIMIT:,} characters; this one "
                                 f"has {len(body):,}")
        with self.cursor() as cur:
            [(note_id,)] = cur.execute(
                "insert into notes (cohort, student_id, author, written_at, body, follow_up) "
                "values ($cohort, $student_id, $author, $at, $body, $follow_up) "
                "returning note_id",
                {"cohort": checked_cohort_name(cohort), "student_id": student_id,
                 "author": author, "at": utc_now(), "body": body, "follow_up": follow_up},
            ).fetchall()
        return note_id

    def delete_note(self, note_id: int) -> None:
        """Delete one note, then rewrite the file so that nothing of it is left."""
        with self._deleting() as cur:
            cur.execute("delete from notes where note_id = $id", {"id": note_id})

    def set_note_status(self, note_id: int, done: bool, by: str) -> None:
        with self.cursor() as cur:
            cur.execute(
                "update notes set status = $status, done_at = $at, done_by = $by "
                "where note_id = $id",
                {"status": "done" if done else "open", "at": utc_now() if done else None,
                 "by": by if done else None, "id": note_id})

    def notes(self, cohort: str, student_id: str | None = None) -> list[Note]:
        """A student's notes (or a cohort's), the newest first: those written under the same ID
        but for invisible differences (a no-break space, a tab, full-width digits) too."""
        with self.cursor() as cur:
            rows = cur.execute(
                "select * from notes where cohort = $cohort and ($student_id::varchar is null "
                "or student_key(student_id) = student_key($student_id)) "
                "order by written_at desc, note_id desc",
                {"cohort": cohort_key(cohort), "student_id": student_id}).fetchall()
        return [Note(*row) for row in rows]

    def follow_ups(self, cohort: str | None, through: dt.date) -> pd.DataFrame:
        """Open follow-ups due on or before `through`, the most overdue first."""
        with self.cursor() as cur:
            return cur.execute(
                "select note_id, cohort, student_id, follow_up, author, written_at, body "
                "from notes where status = 'open' and follow_up is not null "
                "and follow_up <= $through and ($cohort::varchar is null or cohort = $cohort) "
                "order by follow_up, cohort, student_id, note_id",
                {"through": through,
                 "cohort": None if cohort is None else cohort_key(cohort)}).df()

    def notes_for_export(self, cohort: str) -> pa.Table:
        """Every note of a cohort, one row each, for the exports that carry notes."""
        with self.cursor() as cur:
            return cur.sql(
                "select student_id, written_at, author, body, follow_up, "
                "case when follow_up is not null then status end as follow_up_status "
                "from notes where cohort = $cohort order by student_id, written_at, note_id",
                params={"cohort": cohort_key(cohort)}).to_arrow_table()

    # What is remembered between uploads ----------------------------------------------------

    def remembered_columns(self, headers: list[str], advisor: str = LOCAL_AUTHOR
                           ) -> RememberedColumns | None:
        """What the workspace remembers of this file's columns for this advisor, column by
        column (the header as written, ignoring case and spacing): the field each one fed (""
        for a column left unread), and the fields remembered with them whose column this file
        does not have. The advisor's own memory of these columns comes first; else the one an
        advisor shared with the workspace; None when neither holds a column of the file."""
        keys = {written_key(header.strip()): header for header in headers}
        with self.cursor() as cur:
            for owner in (advisor, SHARED):
                found = cur.execute(
                    "select column_key, saved_at, saved_by, field from remembered_columns "
                    "where owner = $owner and column_key in (select unnest($keys::varchar[]))",
                    {"owner": owner, "keys": list(keys)}).fetchall()
                if found:
                    break
            else:
                legacy = self._legacy_mapping(cur, headers, advisor)
                if legacy is None:
                    return None
                mapping, saved_at = legacy
                return RememberedColumns({header: field for field, header in mapping.items()
                                          if header in headers}, {}, saved_at, advisor)
            latest, saved_by = max((saved_at, by) for _, saved_at, by, _ in found)
            together = cur.execute(
                "select header, field from remembered_columns where owner = $owner "
                "and saved_at = $at and field <> '' "
                "and column_key not in (select unnest($keys::varchar[]))",
                {"owner": owner, "at": latest, "keys": list(keys)}).fetchall()
        columns = {keys[key]: field for key, _, _, field in found}
        fed = {field for field in columns.values() if field}
        gone = {field: header for header, field in together if field not in fed}
        return RememberedColumns(columns, gone, latest, saved_by, shared=owner == SHARED)

    @staticmethod
    def _legacy_mapping(cur, headers: list[str], advisor: str):
        """A version-2 memory of the whole header set, the advisor's own only."""
        found = cur.execute(
            "select mapping, saved_at from remembered_mappings "
            "where header_key = $key and saved_by = $advisor",
            {"key": header_key(headers), "advisor": advisor}).fetchall()
        return (json.loads(found[0][0]), found[0][1]) if found else None

    def remembered_mapping(self, headers: list[str], advisor: str = LOCAL_AUTHOR
                           ) -> tuple[dict[str, str], dt.datetime] | None:
        """The remembered mapping of this file's columns (field -> column) and when it was
        saved; None when none of its columns is remembered for this advisor."""
        remembered = self.remembered_columns(headers, advisor)
        if remembered is None:
            return None
        return remembered.mapping(), remembered.saved_at

    def remember_mapping(self, headers: list[str], mapping: dict[str, str] | None,
                         saved_by: str, shared: bool = False) -> None:
        """Remember the mapping column by column for the advisor who chose it (`shared`: for
        every advisor of the workspace, with their consent): each column of this file and the
        field it feeds ("" when none). None forgets these columns, the advisor's own and, when
        `shared`, the workspace's: the detected mapping is used."""
        keys = {written_key(header.strip()): header for header in headers}
        owners = [saved_by, SHARED] if shared else [saved_by]
        with self.cursor() as cur:
            cur.execute("delete from remembered_columns where owner in "
                        "(select unnest($owners::varchar[])) "
                        "and column_key in (select unnest($keys::varchar[]))",
                        {"owners": owners, "keys": list(keys)})
            cur.execute("delete from remembered_mappings "
                        "where header_key = $key and saved_by = $by",
                        {"key": header_key(headers), "by": saved_by})
            if mapping is None:
                return
            field_of = {column: field for field, column in mapping.items()}
            now = utc_now()
            cur.executemany(
                "insert into remembered_columns values ($1, $2, $3, $4, $5, $6)",
                [(SHARED if shared else saved_by, key, header, field_of.get(header, ""), now,
                  saved_by) for key, header in keys.items()])

    def value_readings(self) -> tuple[ValueReading, ...]:
        with self.cursor() as cur:
            rows = cur.execute("select field, written, means, written_key from value_readings "
                               "order by field, written_key").fetchall()
        return tuple(ValueReading(*row) for row in rows)

    def add_value_reading(self, field: str, written: str, means: str, saved_by: str
                          ) -> ValueReading:
        reading = value_reading(field, written, means)
        with self.cursor() as cur:
            cur.execute(
                "insert or replace into value_readings values "
                "($field, $key, $written, $means, $at, $by)",
                {"field": reading.field, "key": reading.written_key,
                 "written": reading.written, "means": reading.means, "at": utc_now(),
                 "by": saved_by})
        return reading

    def remove_value_reading(self, field: str, written_key: str) -> None:
        with self.cursor() as cur:
            cur.execute("delete from value_readings where field = $field and written_key = $key",
                        {"field": field, "key": written_key})

    def saved_config(self) -> Config | None:
        text = self._setting("config")
        if text is None:
            return None
        try:
            return config_from_json(text)
        except (ConfigError, ValueError, TypeError):
            return None  # settings of another version: the defaults, not a crash

    def save_config(self, config: Config) -> None:
        self._save_setting("config", json.dumps(config_document(config)))

    def saved_privacy(self) -> bool | None:
        text = self._setting("privacy_mode")
        return None if text is None else bool(json.loads(text))

    def save_privacy(self, privacy: bool) -> None:
        self._save_setting("privacy_mode", json.dumps(privacy))

    def _setting(self, name: str) -> str | None:
        with self.cursor() as cur:
            found = cur.execute("select value from workspace_settings where name = $name",
                                {"name": name}).fetchall()
        return found[0][0] if found else None

    def _save_setting(self, name: str, value: str) -> None:
        with self.cursor() as cur:
            cur.execute("insert or replace into workspace_settings values ($name, $value, $at)",
                        {"name": name, "value": value, "at": utc_now()})

    # Access log ---------------------------------------------------------------------------

    def log_access(self, who: str, action: str, cohort: str | None = None,
                   student_id: str | None = None, detail: str | None = None) -> None:
        with self.cursor() as cur:
            cur.execute("insert into access_log values ($at, $who, $action, $cohort, "
                        "$student_id, $detail)",
                        {"at": utc_now(), "who": who, "action": action, "cohort": cohort,
                         "student_id": student_id, "detail": detail})

    def access_log(self, limit: int = 1_000) -> pd.DataFrame:
        with self.cursor() as cur:
            return cur.execute("select * from access_log order by logged_at desc limit $limit",
                               {"limit": limit}).df()

    def contents(self) -> dict[str, int]:
        """How much the workspace holds, for the sidebar: cohorts, snapshots, notes."""
        with self.cursor() as cur:
            [counts] = cur.execute(
                "select (select count(distinct cohort) from (select cohort from snapshots "
                "union all select cohort from notes)), (select count(*) from snapshots), "
                "(select count(*) from notes), (select count(distinct saved_at) from "
                "remembered_columns) + (select count(*) from remembered_mappings), "
                "(select count(*) from value_readings)").fetchall()
        return dict(zip(("cohorts", "snapshots", "notes", "mappings", "readings"), counts,
                        strict=True))


def disk_message(error: BaseException, path: Path) -> str:
    """Words for a failed write of the workspace: a full disk (ENOSPC, or EFBIG for a file
    over its size limit) said as such."""
    text = str(error)
    if re.search(r"no space left|file too large|disk is full", text, re.IGNORECASE):
        return (f"the disk is full: the workspace {path} could not be written. Free some "
                "space and try again; nothing was lost")
    return f"the workspace {path} could not be written"


def _make_private(path: Path) -> None:
    """The workspace and its WAL readable by their owner only."""
    for name in (path, Path(str(path) + ".wal")):
        with contextlib.suppress(OSError):
            if name.exists():
                os.chmod(name, 0o600)


DUCKDB_MAGIC = b"DUCK"  # bytes 8-11 of every DuckDB database file


def check_path(path: Path) -> None:
    """Refuse what cannot be a workspace file before DuckDB sees it: DuckDB would attach a
    CSV, JSON or Parquet file, or `:memory:`, as a database that is never written."""
    if str(path).endswith(":memory:") or path.name == ":memory:":
        raise WorkspaceError("the workspace must be a file, not :memory:")
    if path.is_dir():
        raise WorkspaceError(f"workspace {path}: this is a folder; name a file in it")
    if not path.parent.is_dir():
        raise WorkspaceError(f"workspace {path}: the folder {path.parent} does not exist")
    if path.exists():
        try:
            with path.open("rb") as handle:
                header = handle.read(12)
        except OSError:
            raise WorkspaceError(f"workspace {path} cannot be read: this account may not "
                                 "read it") from None
        if header[8:12] != DUCKDB_MAGIC:
            raise WorkspaceError(f"workspace {path} is not a Cohort Advisor workspace (not a "
                                 "DuckDB database file); it was left as it is")


def check_folder(folder: Path) -> None:
    """Refuse to write a workspace in a folder other accounts may read or write: they could
    list its files, and replace or delete the workspace (the file itself is 0600). The
    default folder is created 0700; a shared server names a private one."""
    if os.name != "posix":  # elsewhere the folder's access list decides, not mode bits
        return
    mode = stat.S_IMODE(folder.stat().st_mode)
    if mode & 0o077:
        raise WorkspaceError(
            f"workspace folder {folder} can be opened by other accounts on this machine (its "
            f"mode is {mode:04o}); a workspace holds student records, so its folder must be "
            f"the owner's only: run `chmod 700 {folder}`, or name a workspace file in a "
            "private folder")


def _has_tables(con: duckdb.DuckDBPyConnection) -> bool:
    [(count,)] = con.execute(
        "select count(*) from information_schema.tables "
        "where table_catalog = current_database()").fetchall()
    return count > 0


def cohort_key(name: str) -> str:
    """A cohort name as stored: spaces collapsed, control characters dropped."""
    kept = "".join(" " if char.isspace() else char for char in name
                   if char.isspace() or unicodedata.category(char) not in ("Cc", "Cf"))
    return " ".join(kept.split())


def schema_version(con: duckdb.DuckDBPyConnection) -> int:
    [(exists,)] = con.execute(
        "select count(*) from information_schema.tables where table_name = 'schema_version' "
        "and table_catalog = current_database() and table_schema = current_schema()").fetchall()
    if not exists:
        return 0
    [(version,)] = con.execute("select coalesce(max(version), 0) from schema_version"
                               ).fetchall()
    return version


def _require_current(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    """A file opened only to read is read as it is: its schema must be this version's."""
    current, known = schema_version(con), len(migrations())
    if current > known:
        raise WorkspaceError(
            f"this workspace was written by a newer Cohort Advisor (schema version {current}; "
            f"this one knows up to {known}): upgrade Cohort Advisor to open it")
    if current < known:
        raise WorkspaceError(
            f"workspace {path} was written by an older Cohort Advisor (schema version "
            f"{current}) and cannot be upgraded while it is only read: open it once in the app "
            "or save a snapshot with an account that may write to it")


def migrate(con: duckdb.DuckDBPyConnection, to_version: int | None = None) -> int:
    """Apply the migrations the file has not had, each in its own transaction; refuse a file
    written by a newer version (it would be read wrong). Returns the version reached."""
    known = migrations()
    target = len(known) if to_version is None else to_version
    con.execute("create table if not exists schema_version (version integer primary key, "
                "name varchar not null, applied_at timestamp not null)")
    current = schema_version(con)
    if current > len(known):
        raise WorkspaceError(
            f"this workspace was written by a newer Cohort Advisor (schema version {current}; "
            f"this one knows up to {len(known)}): upgrade Cohort Advisor to open it")
    for migration in known[current:target]:
        con.execute("begin transaction")
        try:
            con.execute(migration.sql)
            con.execute("insert into schema_version values ($version, $name, $at)",
                        {"version": migration.version, "name": migration.name,
                         "at": utc_now()})
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise
    return max(current, target)


def checked_cohort_name(name: str) -> str:
    name = cohort_key(name)
    if not name:
        raise WorkspaceError("give the cohort a name, such as 'Class of 2027'")
    if len(name) > COHORT_NAME_LIMIT:
        raise WorkspaceError(f"a cohort name holds up to {COHORT_NAME_LIMIT} characters")
    return name


def default_path() -> Path:
    """The user's data directory (platformdirs), as the app and the CLI use by default."""
    from platformdirs import user_data_path

    return user_data_path("cohort-advisor", appauthor=False) / "workspace.duckdb"


def default_folder() -> Path:
    """The default workspace's folder, created if need be and made the owner's only (it is
    this app's own folder; one made by an earlier version was 0755)."""
    folder = default_path().parent
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    if os.name == "posix":
        folder.chmod(0o700)
    return folder

