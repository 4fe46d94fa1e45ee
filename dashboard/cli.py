"""`cohort-advisor flag INPUT [-o OUTPUT] [--config FILE] [--sheet NAME] [--issues FILE]` (SPEC 6).

Exit 0 when the file was processed (data issues included), 2 when the file or the config was
refused. The user never sees a traceback: refusals print one message, and anything
unexpected prints a generic message and is logged without student values.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from dashboard.engine import Cohort, MappingError, load_cohort
from dashboard.exports import write_csv, write_xlsx
from dashboard.importer import CohortFileError, read_cohort
from dashboard.thresholds import ConfigError, Thresholds, load_thresholds

EXIT_OK = 0
EXIT_REFUSED = 2
EXIT_UNEXPECTED = 1
OUTPUT_FORMATS = (".csv", ".xlsx")

log = logging.getLogger("cohort_advisor")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:
        self.print_usage(sys.stderr)
        self.exit(EXIT_REFUSED, f"cohort-advisor: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="cohort-advisor", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    flag = commands.add_parser(
        "flag", help="flag every student of a cohort file against the guidance's risk factors"
    )
    flag.add_argument("input", help="cohort file: .csv, .tsv, .txt or .xlsx")
    flag.add_argument("-o", "--output", help="output file, .csv or .xlsx (default: CSV on stdout)")
    flag.add_argument("--config", help="TOML file with [thresholds] and [calendar]")
    flag.add_argument("--sheet", help="XLSX sheet to read (default: the first)")
    flag.add_argument("--issues", help="write the data issues as CSV: row, column, value, problem")
    return parser


def main(argv: list[str] | None = None) -> int:
    if os.environ.get("COHORT_ADVISOR_DEBUG"):
        logging.basicConfig(level=logging.DEBUG)
    arguments = build_parser().parse_args(argv)
    try:
        return flag(arguments)
    except (CohortFileError, ConfigError, MappingError) as error:
        print(f"cohort-advisor: refused: {error}", file=sys.stderr)
        return EXIT_REFUSED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # the user gets a message, never a traceback
        log.debug("unexpected failure", exc_info=True)
        print(
            f"cohort-advisor: unexpected error ({type(error).__name__}); the output may be "
            "incomplete. Rerun with COHORT_ADVISOR_DEBUG=1 for details.",
            file=sys.stderr,
        )
        return EXIT_UNEXPECTED


def flag(arguments: argparse.Namespace) -> int:
    output = Path(arguments.output) if arguments.output else None
    if output is not None and output.suffix.lower() not in OUTPUT_FORMATS:
        raise ConfigError(f"output {output.name}: use a .csv or .xlsx file name")
    thresholds = load_thresholds(arguments.config) if arguments.config else Thresholds()
    raw = read_cohort(Path(arguments.input), sheet=arguments.sheet)
    cohort = load_cohort(raw)

    exported = cohort.export(cohort.flagged(thresholds), thresholds)
    if output is None:
        sys.stdout.flush()
        write_csv(exported, sys.stdout.buffer, bom=False)
    elif output.suffix.lower() == ".xlsx":
        write_xlsx(exported, output, thresholds)
    else:
        write_csv(exported, output)

    issues = cohort.data_issues()
    if arguments.issues:
        write_csv(issues, Path(arguments.issues))
    _summarise(cohort, issues, sys.stderr)
    return EXIT_OK


def _summarise(cohort: Cohort, issues, stream) -> None:
    students = cohort.student_count
    counts = cohort.issue_counts()
    count_issues, count_rows = counts["issues"], counts["rows_with_issues"]
    print(f"cohort-advisor: {students} students flagged from {cohort.raw.file_name}", file=stream)
    if count_issues == 0:
        print("cohort-advisor: no data issues", file=stream)
        return
    print(
        f"cohort-advisor: {count_issues} data issues on {count_rows} rows "
        "(unreadable cells are treated as missing)",
        file=stream,
    )
    for row, column, value, problem in issues.limit(10).fetchall():
        shown = "" if value is None else repr(value[:40])
        print(f"  row {row}, {column} {shown}: {problem}", file=stream)
    if count_issues > 10:
        print("  ... use --issues FILE for the full list", file=stream)


if __name__ == "__main__":
    sys.exit(main())
