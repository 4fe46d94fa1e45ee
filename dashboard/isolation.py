"""Read a workbook in a separate process with a memory cap and a time limit.

A workbook is unpacked and parsed by native code (python-calamine). The shape checks in
`dashboard/workbook.py` refuse the hostile workbooks we know of before parsing, but a shared
server must not depend on knowing them all: in the app, a workbook is read in a child process
whose address space is capped and which is killed when it runs too long, so one upload can
never take the server, or the other advisors' sessions, down with it.
"""

from __future__ import annotations

import multiprocessing
import resource
from dataclasses import dataclass

from dashboard.importer import CohortFileError, RawCohort, list_sheets, read_cohort

MEMORY_LIMIT_MB = 3072
TIME_LIMIT_S = 60


@dataclass(frozen=True)
class Limits:
    memory_mb: int = MEMORY_LIMIT_MB
    seconds: float = TIME_LIMIT_S


def _work(connection, task: str, data: bytes, file_name: str, sheet: str | None,
          memory_mb: int) -> None:
    cap = memory_mb * 1024 * 1024
    resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    try:
        if task == "sheets":
            result = list_sheets(data, file_name)
        else:
            result = read_cohort(data, file_name, sheet=sheet)
        connection.send(("ok", result))
    except CohortFileError as error:
        connection.send(("refused", str(error)))
    except MemoryError:
        connection.send(("memory", ""))
    except BaseException as error:  # noqa: BLE001 - reported to the parent by type only
        connection.send(("failed", type(error).__name__))
    finally:
        connection.close()


def _run(task: str, data: bytes, file_name: str, sheet: str | None, limits: Limits):
    context = multiprocessing.get_context("spawn")  # never fork a threaded server
    receiver, sender = context.Pipe(duplex=False)
    worker = context.Process(target=_work, args=(sender, task, data, file_name, sheet,
                                                 limits.memory_mb), daemon=True)
    worker.start()
    sender.close()
    try:
        if not receiver.poll(limits.seconds):
            raise CohortFileError(
                f"{file_name}: reading the workbook took longer than {limits.seconds:g} s and "
                "was stopped; save the cohort sheet alone as CSV and upload that")
        try:
            status, payload = receiver.recv()
        except EOFError:  # the worker died: out of memory in native code, most likely
            status, payload = "memory", ""
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
            f"{file_name}: reading the workbook needed more than {limits.memory_mb:,} MB and "
            "was stopped; save the cohort sheet alone as CSV and upload that")
    raise CohortFileError(f"{file_name}: the workbook could not be read ({payload})")


def read_workbook(data: bytes, file_name: str, sheet: str | None = None,
                  limits: Limits | None = None) -> RawCohort:
    """`read_cohort` for a workbook, in a capped child process."""
    return _run("read", data, file_name, sheet, limits or Limits())


def workbook_sheets(data: bytes, file_name: str, limits: Limits | None = None) -> list:
    """`list_sheets`, in a capped child process."""
    return _run("sheets", data, file_name, None, limits or Limits())
