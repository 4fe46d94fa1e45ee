"""Read an upload in a separate process with a memory cap and a time limit.

Every upload is parsed by code that a hostile file can make slow or large: Python's csv module
(a file with a blank line), DuckDB's CSV reader, python-calamine unpacking a workbook. The shape
checks in `dashboard/importer.py` and `dashboard/workbook.py` refuse the hostile files we know of
as they read, but a shared server must not depend on knowing them all. In the app an upload is
read in a child process whose address space is capped and which is killed when it runs too
long, so one upload never takes the server, or the other advisors' sessions, down with it; the
memory the parse needed goes back when the child ends.

The child comes from a fork server started once, with the reader's modules imported, so that a
read costs a fork (tens of milliseconds), not a new interpreter; the fork server is a process
of its own with no threads, so the server's threads are never forked.

For a CSV that DuckDB's reader takes (`CsvSource`), the child reads the whole file through
that reader as the load will, and checks the records it gets against the file's own count: a
file the reader refuses or reads short is read by Python's csv module in the child, and the
load in the server reads only what the child has read through under the same caps.
"""

from __future__ import annotations

import multiprocessing
import resource
import time
from collections.abc import Callable
from dataclasses import dataclass

import duckdb

from dashboard.importer import (
    CohortFileError,
    CsvSource,
    Progress,
    RawCohort,
    is_workbook,
    list_sheets,
    read_cohort,
)

MEMORY_LIMIT_MB = 3072
TIME_LIMIT_S = 60
_POLL_S = 0.1


@dataclass(frozen=True)
class Limits:
    memory_mb: int = MEMORY_LIMIT_MB
    seconds: float = TIME_LIMIT_S


def _context() -> multiprocessing.context.BaseContext:
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(["dashboard.isolation"])
    return context


def read_through(raw: RawCohort, memory_mb: int, progress: Progress | None = None
                 ) -> RawCohort:
    """`raw`, once DuckDB's reader has given every record of its file; else the file as
    Python's csv module reads it (`RawCohort.python_fallback`, which accounts for every
    line). A file not on DuckDB's path is returned as it is."""
    if not isinstance(raw.source, CsvSource):
        return raw
    con = duckdb.connect(config={"memory_limit": f"{max(memory_mb // 2, 64)}MB"})
    every_cell = duckdb.FunctionExpression("concat", *[
        duckdb.ColumnExpression(key) for key in raw.column_keys])
    try:
        [(records, _)] = raw.relation(con).aggregate([
            duckdb.FunctionExpression("count"),
            duckdb.FunctionExpression("max", duckdb.FunctionExpression("length", every_cell)),
        ]).fetchall()
        if records == raw.expected_records:
            return raw
    except duckdb.OutOfMemoryException:
        raise MemoryError from None
    except duckdb.Error:
        pass  # what DuckDB's reader refuses, Python's csv module reads
    finally:
        con.close()
    return raw.python_fallback(progress)


def _work(connection, task: str, data: bytes, file_name: str, sheet: str | None,
          memory_mb: int) -> None:
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))

    def progress(rows: int, total: int) -> None:
        connection.send(("progress", (rows, total)))

    try:
        if task == "sheets":
            result = list_sheets(data, file_name)
        else:
            result = read_through(read_cohort(data, file_name, sheet=sheet, progress=progress),
                                  memory_mb, progress)
        connection.send(("ok", result))
    except CohortFileError as error:
        connection.send(("refused", str(error)))
    except MemoryError:
        connection.send(("memory", ""))
    except BaseException as error:  # noqa: BLE001 - reported to the parent by type only
        connection.send(("failed", type(error).__name__))
    finally:
        connection.close()


def _receive(receiver, limits: Limits, on_progress: Callable[[int, int], None] | None):
    """The child's result, passing its progress on; None when it ran out of time."""
    deadline = time.monotonic() + limits.seconds
    while (left := deadline - time.monotonic()) > 0:
        if not receiver.poll(min(left, _POLL_S)):
            continue
        status, payload = receiver.recv()
        if status != "progress":
            return status, payload
        if on_progress is not None:
            on_progress(*payload)
    return None


def _run(task: str, data: bytes, file_name: str, sheet: str | None, limits: Limits,
         on_progress: Callable[[int, int], None] | None = None):
    context = _context()
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, task, data, file_name, sheet,
                                                 limits.memory_mb), daemon=True)
    worker.start()
    sender.close()
    what = "the workbook" if is_workbook(data) else "the file"
    try:
        try:
            received = _receive(receiver, limits, on_progress)
        except EOFError:  # the worker died: out of memory in native code, most likely
            received = ("memory", "")
        if received is None:
            raise CohortFileError(
                f"{file_name}: reading {what} took longer than {limits.seconds:g} s and was "
                "stopped; " + _advice(what))
        status, payload = received
    finally:
        if worker.is_alive():
            worker.kill()
        worker.join(5)
        receiver.close()
    if status == "ok":
        return payload
    if status == "refused":
        raise CohortFileError(payload)
    if status == "memory":
        raise CohortFileError(
            f"{file_name}: reading {what} needed more than {limits.memory_mb:,} MB and was "
            "stopped; " + _advice(what))
    raise CohortFileError(f"{file_name}: {what} could not be read ({payload})")


def _advice(what: str) -> str:
    if what == "the workbook":
        return "save the cohort sheet alone as CSV and upload that"
    return "check the file is the cohort export (one row per student), or split it in two"


def read_upload(data: bytes, file_name: str, sheet: str | None = None,
                limits: Limits | None = None,
                on_progress: Callable[[int, int], None] | None = None) -> RawCohort:
    """`read_cohort` for any upload, in a capped child process; `on_progress` is told
    (rows read, rows in the file) as a long file is read."""
    return _run("read", data, file_name, sheet, limits or Limits(), on_progress)


def workbook_sheets(data: bytes, file_name: str, limits: Limits | None = None) -> list:
    """`list_sheets`, in a capped child process."""
    return _run("sheets", data, file_name, None, limits or Limits())
