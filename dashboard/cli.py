"""`cohort-advisor flag INPUT [-o OUTPUT] [--config FILE] [--sheet NAME] [--issues FILE]
[--as-of DATE] [--mapping FILE]`, and the workspace's `snapshot`, `snapshots` and `changes`
for scheduled jobs (docs/reference.md "Command line").

Exit 0 when the file was processed (data issues included), 2 when the input, the config or an
output path was refused, or when anything else stopped the run. The user never sees a
traceback: refusals print one short message that names columns, never cell values.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import hashlib
import logging
import os
import sys
from pathlib import Path

from dashboard.changes import Changes
from dashboard.config import FIRST_YEAR, LAST_YEAR, Config, ConfigError, load_config
from dashboard.engine import (
    Cohort,
    MappingError,
    apply_remembered,
    detect_mapping,
    load_cohort,
)
from dashboard.exports import (
    ExportTooLarge,
    export_relation,
    safe_text,
    write_csv,
    write_table_xlsx,
    write_xlsx,
)
from dashboard.fields import FIELDS_BY_NAME
from dashboard.importer import CohortFileError, RawCohort, read_cohort
from dashboard.mapping_file import apply_mapping_file, read_mapping_file
from dashboard.workspace import (
    LOCAL_AUTHOR,
    SnapshotInfo,
    Workspace,
    WorkspaceError,
    default_folder,
    default_path,
)

EXIT_OK = 0
EXIT_REFUSED = 2
OUTPUT_FORMATS = (".csv", ".xlsx")

log = logging.getLogger("cohort_advisor")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"cohort-advisor: {message}\n")


def _date(text: str) -> dt.date:
    try:
        date = dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-25") from None
    if not FIRST_YEAR <= date.year <= LAST_YEAR:
        raise argparse.ArgumentTypeError(
            f"{text!r} is outside the years {FIRST_YEAR}-{LAST_YEAR} the rules can be evaluated in")
    return date


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cohort-advisor", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    flag = commands.add_parser(
        "flag", help="flag every student of a cohort file against the guidance's risk factors"
    )
    flag.add_argument("input", help="cohort file: .csv, .tsv, .txt or .xlsx; - reads stdin")
    flag.add_argument("-o", "--output", help="output file, .csv or .xlsx (default: CSV on stdout)")
    flag.add_argument("--config", help="TOML file with [thresholds] and [calendar]")
    flag.add_argument("--sheet", help="XLSX sheet to read (default: the first visible sheet "
                                      "with a student ID column)")
    flag.add_argument("--issues", help="write the data issues as CSV: row, column, value, "
                                       "problem, kind")
    flag.add_argument("--as-of", type=_date, default=None,
                      help="evaluate the rules on this date, YYYY-MM-DD (default: today)")
    flag.add_argument("--mapping", help="TOML file with [columns] field = \"Header\" (\"\" "
                      "leaves a field unread), on top of the automatic matching; the Import "
                      "page downloads the mapping in effect as one")

    snapshot = commands.add_parser(
        "snapshot", help="flag a cohort file and save it in a workspace as a snapshot")
    snapshot.add_argument("input", help="cohort file: .csv, .tsv, .txt or .xlsx; - reads stdin")
    _workspace_argument(snapshot)
    snapshot.add_argument("--cohort", required=True, help="the cohort's name in the workspace, "
                          "such as 'Class of 2027'")
    snapshot.add_argument("--as-of", type=_date, default=None,
                          help="the snapshot's date, YYYY-MM-DD (default: today)")
    snapshot.add_argument("--config", help="TOML file with [thresholds] and [calendar] "
                          "(default: the settings saved in the workspace)")
    snapshot.add_argument("--sheet", help="XLSX sheet to read")

    snapshots = commands.add_parser("snapshots", help="list a workspace's snapshots as CSV")
    _workspace_argument(snapshots)
    snapshots.add_argument("--cohort", help="only this cohort's snapshots")

    changes = commands.add_parser(
        "changes", help="what changed between two snapshots of a cohort, one row per change")
    _workspace_argument(changes)
    changes.add_argument("--cohort", required=True, help="the cohort's name in the workspace")
    changes.add_argument("--from", dest="from_date", type=_date, default=None,
                         help="compare from the latest snapshot on or before this date")
    changes.add_argument("--to", dest="to_date", type=_date, default=None,
                         help="compare to the latest snapshot on or before this date "
                         "(default: the latest snapshot)")
    changes.add_argument("-o", "--output", help="output file, .csv or .xlsx (default: CSV on "
                         "stdout)")
    return parser


def _workspace_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--workspace", help="the workspace's DuckDB file (default: "
                        f"{default_path()})")


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("COHORT_ADVISOR_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    arguments = build_parser().parse_args(argv)
    command = {"flag": flag, "snapshot": snapshot, "snapshots": snapshots,
               "changes": changes}[arguments.command]
    try:
        return command(arguments)
    except (CohortFileError, ConfigError, MappingError, ExportTooLarge,
            WorkspaceError) as error:
        print(f"cohort-advisor: refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
    except (KeyboardInterrupt, SystemExit):
        raise
    except BaseException as error:  # pyo3 panics are BaseExceptions; never a traceback
        log.debug("unexpected failure", exc_info=True)
        print(
            f"cohort-advisor: stopped by an unexpected error ({type(error).__name__}); the "
            "output may be incomplete. Rerun with COHORT_ADVISOR_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return EXIT_REFUSED


def _check_paths(arguments: argparse.Namespace) -> None:
    """Refuse outputs that would overwrite the input, the workspace or each other, or cannot
    be written."""
    named = {"-o": getattr(arguments, "output", None),
             "--issues": getattr(arguments, "issues", None)}
    source_name = getattr(arguments, "input", "-")
    source = Path(source_name) if source_name != "-" else None
    workspace = getattr(arguments, "workspace", None)
    if workspace and source is not None and _same_file(Path(workspace), source):
        raise ConfigError(f"--workspace {workspace}: this is the input file")
    for option, value in named.items():
        if value and workspace and _same_file(Path(value), Path(workspace)):
            raise ConfigError(f"{option} {value}: this is the workspace file; it would be "
                              "overwritten")
    for option, value in named.items():
        if not value:
            continue
        path = Path(value)
        if path.is_dir():
            raise ConfigError(f"{option} {value}: this is a folder; name a file in it")
        if not path.parent.is_dir():
            raise ConfigError(f"{option} {value}: the folder {path.parent} does not exist")
        if source is not None and _same_file(path, source):
            raise ConfigError(f"{option} {value}: this is the input file; it would be "
                              "overwritten")
    output = Path(named["-o"]) if named["-o"] else None
    if output is not None and output.suffix.lower() not in OUTPUT_FORMATS:
        raise ConfigError(f"output {output.name}: use a .csv or .xlsx file name")
    issues = named["--issues"]
    if issues and Path(issues).suffix.lower() != ".csv":
        raise ConfigError(f"--issues {Path(issues).name}: use a .csv file name")
    if output and issues and _same_file(output, Path(issues)):
        raise ConfigError("-o and --issues name the same file; give each its own")


def _same_file(first: Path, second: Path) -> bool:
    try:
        if first.exists() and second.exists():
            return first.samefile(second)
    except OSError:
        pass
    return first.resolve() == second.resolve()


def _read_input(arguments: argparse.Namespace) -> RawCohort:
    if arguments.input == "-":
        return read_cohort(sys.stdin.buffer.read(), "standard input", sheet=arguments.sheet)
    return read_cohort(Path(arguments.input), sheet=arguments.sheet)


def _digest(arguments: argparse.Namespace) -> str | None:
    """The SHA-256 of the input file, as the app records an upload's (none for stdin)."""
    if arguments.input == "-":
        return None
    with open(arguments.input, "rb") as handle:
        return hashlib.file_digest(handle, "sha256").hexdigest()


def flag(arguments: argparse.Namespace) -> int:
    _check_paths(arguments)
    config = load_config(arguments.config) if arguments.config else Config()
    as_of = arguments.as_of or dt.date.today()
    columns = _mapping_file(arguments.mapping) if arguments.mapping else None
    raw = _read_input(arguments)
    detection = detect_mapping(raw)
    mapping = None
    if columns is not None:
        mapping, detection = apply_mapping_file(raw, detection, columns)
    cohort = load_cohort(raw, mapping, detection=detection)
    # The data issues, found as the file was loaded, are written and summed up before flagging
    # needs memory of its own: a million rows peak lower.
    if arguments.issues:
        write_csv(cohort.data_issues(), Path(arguments.issues))
    summary = _summary(cohort, raw)
    flagged = cohort.flag(config, as_of)

    output = Path(arguments.output) if arguments.output else None
    if output is None:
        sys.stdout.flush()
        write_csv(export_relation(flagged), sys.stdout.buffer, bom=False)
    elif output.suffix.lower() == ".xlsx":
        write_xlsx(flagged, output)
    else:
        write_csv(export_relation(flagged), output)
    print(*summary, sep="\n", file=sys.stderr)
    return EXIT_OK


def _mapping_file(path: str) -> dict[str, str]:
    try:
        text = Path(path).read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise MappingError(f"--mapping {path}: the file does not exist") from None
    except (OSError, UnicodeDecodeError):
        raise MappingError(f"--mapping {path}: the file cannot be read as text") from None
    return read_mapping_file(text, f"--mapping {path}")


def unread_lines(cohort: Cohort) -> list[str]:
    """What no column feeds: the headline fields first (their rules are not checked), then
    every field of the schema."""
    lines = []
    headline = cohort.unread_headline_fields()
    if headline:
        lines.append("cohort-advisor: WARNING: no column feeds "
                     + ", ".join(FIELDS_BY_NAME[name].label for name in headline)
                     + ": the rules that need them are not checked (unknown, never clear). "
                     "Map a column with --mapping FILE")
        unmapped = cohort.unmapped_columns()
        if unmapped:
            lines.append("cohort-advisor: columns left unmapped: "
                         + ", ".join(repr(column) for column in unmapped[:20])
                         + (", ..." if len(unmapped) > 20 else ""))
    unread = cohort.unread_fields()
    if unread:
        lines.append("cohort-advisor: fields no column feeds: "
                     + ", ".join(f"{FIELDS_BY_NAME[name].label} ({name})" for name in unread))
    return lines


def _open_workspace(arguments: argparse.Namespace, must_exist: bool = False) -> Workspace:
    """The workspace named by --workspace, else the app's default; `must_exist` for the
    commands that only read one (they never create an empty file, and open it read-only)."""
    path = Path(arguments.workspace) if arguments.workspace else default_path()
    if must_exist and not path.exists():
        raise WorkspaceError(f"there is no workspace at {path}")
    if not arguments.workspace and not must_exist:
        default_folder()
    return Workspace(path, read_only=must_exist)


def snapshot(arguments: argparse.Namespace) -> int:
    """Flag a file as the app would with this workspace (its remembered mapping for the
    file's header, its value readings and settings) and save it as a snapshot."""
    _check_paths(arguments)
    config = load_config(arguments.config) if arguments.config else None
    as_of = arguments.as_of or dt.date.today()
    raw = _read_input(arguments)  # read first: a refused file leaves no workspace behind
    with _open_workspace(arguments) as workspace:
        info = _save_snapshot(arguments, workspace, raw, config, as_of)
    print(f"cohort-advisor: saved snapshot {info.snapshot_id} of {info.cohort!r} as of "
          f"{info.as_of:%Y-%m-%d} in {workspace.path}", file=sys.stderr)
    return EXIT_OK


def _save_snapshot(arguments: argparse.Namespace, workspace: Workspace, raw: RawCohort,
                   config: Config | None, as_of: dt.date) -> SnapshotInfo:
    detection = detect_mapping(raw)
    remembered = workspace.remembered_columns(raw.headers)
    mapping = None
    if remembered is not None:
        mapping, notes = apply_remembered(raw, detection, remembered.columns, remembered.gone)
        for note in notes:
            print(f"cohort-advisor: {note}", file=sys.stderr)
    try:
        cohort = load_cohort(raw, mapping, readings=workspace.value_readings(),
                             detection=detection)
    except MappingError:
        print("cohort-advisor: the mapping remembered for these columns has no student ID "
              "column; the detected mapping is used instead", file=sys.stderr)
        cohort = load_cohort(raw, readings=workspace.value_readings(), detection=detection)
    else:
        if remembered:
            print(f"cohort-advisor: columns mapped as remembered on "
                  f"{remembered.saved_at:%Y-%m-%d}, column by column", file=sys.stderr)
    flagged = cohort.flag(config or workspace.saved_config() or Config(), as_of,
                          materialise=True)
    info = workspace.save_snapshot(flagged, arguments.cohort, saved_by=LOCAL_AUTHOR,
                                   source_digest=_digest(arguments))
    print(*_summary(cohort, raw), sep="\n", file=sys.stderr)
    return info


def snapshots(arguments: argparse.Namespace) -> int:
    with _open_workspace(arguments, must_exist=True) as workspace:
        listed = workspace.snapshots(arguments.cohort)
    writer = csv.writer(sys.stdout, lineterminator="\n")
    writer.writerow(["snapshot_id", "cohort", "as_of", "saved_at_utc", "saved_by", "file_name",
                     "students"])
    for info in listed:
        writer.writerow([info.snapshot_id, safe_text(info.cohort), info.as_of.isoformat(),
                         info.saved_at.isoformat(timespec="seconds"), safe_text(info.saved_by),
                         safe_text(info.file_name), info.student_count])
    return EXIT_OK


def changes(arguments: argparse.Namespace) -> int:
    """One row per change between two snapshots of a cohort: the last two unless dates say."""
    _check_paths(arguments)
    if arguments.from_date and arguments.to_date and arguments.from_date > arguments.to_date:
        raise ConfigError(f"--from {arguments.from_date:%Y-%m-%d} is after --to "
                          f"{arguments.to_date:%Y-%m-%d}")
    with _open_workspace(arguments, must_exist=True) as workspace:
        listed = workspace.snapshots(arguments.cohort)
        if not listed:
            raise WorkspaceError(f"the workspace has no snapshot of {arguments.cohort!r}")
        after = _on_or_before(listed, arguments.to_date, "--to")
        earlier = [info for info in listed if _order(info) < _order(after)]
        before = (_on_or_before(earlier, arguments.from_date, "--from") if arguments.from_date
                  else (earlier[0] if earlier else None))
        if before is None:
            raise WorkspaceError(f"{arguments.cohort!r} has no snapshot before the one of "
                                 f"{after.as_of:%Y-%m-%d} to compare with")
        found = Changes(workspace.snapshot_summary(before.snapshot_id),
                        workspace.snapshot_summary(after.snapshot_id),
                        workspace.snapshot_fields(before.snapshot_id),
                        workspace.snapshot_fields(after.snapshot_id))
    relation = found.relation()
    output = Path(arguments.output) if arguments.output else None
    if output is None:
        sys.stdout.flush()
        write_csv(relation, sys.stdout.buffer, bom=False)
    elif output.suffix.lower() == ".xlsx":
        write_table_xlsx(relation, output, "Changes")
    else:
        write_csv(relation, output)
    summary = found.summary(before.as_of)
    print(f"cohort-advisor: {arguments.cohort!r} from snapshot {before.snapshot_id} "
          f"({before.as_of:%Y-%m-%d}) to snapshot {after.snapshot_id} "
          f"({after.as_of:%Y-%m-%d}): {summary.headline()}", file=sys.stderr)
    if summary.ambiguous_ids:
        print(f"cohort-advisor: {summary.ambiguous_ids} student IDs are repeated in one of "
              "the snapshots and were not compared (which row is which student?)",
              file=sys.stderr)
    return EXIT_OK


def _order(info: SnapshotInfo) -> tuple:
    return (info.as_of, info.saved_at, info.snapshot_id)


def _on_or_before(listed: list[SnapshotInfo], date: dt.date | None, option: str
                  ) -> SnapshotInfo:
    """The newest snapshot on or before `date` (the newest of all without one)."""
    for info in listed:  # newest first
        if date is None or info.as_of <= date:
            return info
    raise WorkspaceError(f"{option} {date:%Y-%m-%d}: no snapshot of this cohort on or before "
                         "that date")


def _summary(cohort: Cohort, raw: RawCohort) -> list[str]:
    """What the run read: students, notes on the file and its header, the data issues counted
    by kind and the first ten of them."""
    counts = cohort.issue_counts()
    where = f" (sheet {raw.sheet!r})" if raw.sheet else ""
    lines = [f"cohort-advisor: {cohort.student_count} students flagged from {raw.file_name}"
             f"{where}"]
    lines += [f"cohort-advisor: {note}" for note in [*raw.notes, *cohort.header_notes()]]
    lines += unread_lines(cohort)
    if counts["issues"] == 0:
        return [*lines, "cohort-advisor: no data issues"]
    lines.append(
        f"cohort-advisor: {counts['issues']} data issues on {counts['rows_with_issues']} rows: "
        f"{counts['unreadable']} unreadable (treated as missing), {counts['interpreted']} "
        f"interpreted (read as the issue says), {counts['identity']} about student IDs")
    for row, column, value, problem, kind in cohort.data_issues().limit(10).fetchall():
        shown = "" if value is None else repr(value[:40])
        lines.append(f"  row {row}, {column} {shown}: {problem} [{kind}]")
    if counts["issues"] > 10:
        lines.append("  ... use --issues FILE for the full list")
    return lines


if __name__ == "__main__":
    sys.exit(main())
