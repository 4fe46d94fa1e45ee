"""`cohort-advisor flag INPUT [-o OUTPUT] [--config FILE] [--sheet NAME] [--issues FILE]
[--as-of DATE]` (README "Command line").

Exit 0 when the file was processed (data issues included), 2 when the input, the config or an
output path was refused, or when anything else stopped the run. The user never sees a
traceback: refusals print one short message that names columns, never cell values.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import sys
from pathlib import Path

from dashboard.config import Config, ConfigError, load_config
from dashboard.engine import Cohort, MappingError, load_cohort
from dashboard.exports import ExportTooLarge, export_relation, write_csv, write_xlsx
from dashboard.importer import CohortFileError, RawCohort, read_cohort

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
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date such as 2026-11-25") from None


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
    return parser


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("COHORT_ADVISOR_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    arguments = build_parser().parse_args(argv)
    try:
        return flag(arguments)
    except (CohortFileError, ConfigError, MappingError, ExportTooLarge) as error:
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
    """Refuse outputs that would overwrite the input or each other, or cannot be written."""
    named = {"-o": arguments.output, "--issues": arguments.issues}
    source = Path(arguments.input) if arguments.input != "-" else None
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
    output = Path(arguments.output) if arguments.output else None
    if output is not None and output.suffix.lower() not in OUTPUT_FORMATS:
        raise ConfigError(f"output {output.name}: use a .csv or .xlsx file name")
    if arguments.issues and Path(arguments.issues).suffix.lower() != ".csv":
        raise ConfigError(f"--issues {Path(arguments.issues).name}: use a .csv file name")
    if output and arguments.issues and _same_file(Path(arguments.output),
                                                   Path(arguments.issues)):
        raise ConfigError("-o and --issues name the same file; give each its own")


def _same_file(first: Path, second: Path) -> bool:
    try:
        if first.exists() and second.exists():
            return first.samefile(second)
    except OSError:
        pass
    return first.resolve() == second.resolve()


def flag(arguments: argparse.Namespace) -> int:
    _check_paths(arguments)
    config = load_config(arguments.config) if arguments.config else Config()
    as_of = arguments.as_of or dt.date.today()
    if arguments.input == "-":
        raw = read_cohort(sys.stdin.buffer.read(), "standard input", sheet=arguments.sheet)
    else:
        raw = read_cohort(Path(arguments.input), sheet=arguments.sheet)
    cohort = load_cohort(raw)
    flagged = cohort.flag(config, as_of)

    output = Path(arguments.output) if arguments.output else None
    if output is None:
        sys.stdout.flush()
        write_csv(export_relation(flagged), sys.stdout.buffer, bom=False)
    elif output.suffix.lower() == ".xlsx":
        write_xlsx(flagged, output)
    else:
        write_csv(export_relation(flagged), output)

    issues = cohort.data_issues()
    if arguments.issues:
        write_csv(issues, Path(arguments.issues))
    _summarise(cohort, raw, issues, sys.stderr)
    return EXIT_OK


def _summarise(cohort: Cohort, raw: RawCohort, issues, stream) -> None:
    students = cohort.student_count
    counts = cohort.issue_counts()
    where = f" (sheet {raw.sheet!r})" if raw.sheet else ""
    print(f"cohort-advisor: {students} students flagged from {raw.file_name}{where}",
          file=stream)
    for note in [*raw.notes, *cohort.header_notes()]:
        print(f"cohort-advisor: {note}", file=stream)
    if counts["issues"] == 0:
        print("cohort-advisor: no data issues", file=stream)
        return
    print(
        f"cohort-advisor: {counts['issues']} data issues on {counts['rows_with_issues']} rows: "
        f"{counts['unreadable']} unreadable (treated as missing), {counts['interpreted']} "
        f"interpreted (read as the issue says), {counts['identity']} about student IDs",
        file=stream,
    )
    for row, column, value, problem, kind in issues.limit(10).fetchall():
        shown = "" if value is None else repr(value[:40])
        print(f"  row {row}, {column} {shown}: {problem} [{kind}]", file=stream)
    if counts["issues"] > 10:
        print("  ... use --issues FILE for the full list", file=stream)


if __name__ == "__main__":
    sys.exit(main())
