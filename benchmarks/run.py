"""Benchmark figures for the README: python benchmarks/run.py [--rows 1000000] [--skip-app]

Each figure is measured in one run against its baseline on the same file:
  1. CLI end to end vs DuckDB doing the same I/O: reading the input and writing a CSV of the
     same bytes as the CLI's output (time and peak memory); also plain COPY for reference
  2. the same rules in pandas, row by row (benchmarks/pandas_baseline.py)
  3. growth: 10k, 100k and 1M rows
  4. XLSX: read 100,000 rows x 19 columns; write the flagged export
  5. the app at 50,000 students: first load, a filter change, a threshold change (AppTest)
  6. the workspace at 50,000 students: saving a snapshot, the changes between two snapshots,
     the Overview with its changes panel (AppTest)
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"


def run(command: list[str]) -> tuple[float, float]:
    """Wall seconds and peak resident memory (MiB) of one child process."""
    os.sync()  # the previous run's output is on disk, not still being written back
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - started
    if status != 0:
        raise SystemExit(f"failed: {' '.join(command)}\n{process.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


def cohort_file(rows: int, seed: int = 7) -> Path:
    """A synthetic cohort; another seed gives the same student ids with other values (the
    same cohort a few months on, for the changes)."""
    path = OUT / (f"cohort-{rows}.csv" if seed == 7 else f"cohort-{rows}-seed{seed}.csv")
    if not path.exists():
        subprocess.run([sys.executable, "-m", "dashboard.synthetic", "--rows", str(rows),
                        "--seed", str(seed), "-o", str(path)], check=True, cwd=ROOT)
    return path


def duckdb_copy(path: Path) -> list[str]:
    code = ("import duckdb,sys; duckdb.sql(\"copy (select * from read_csv('\" + sys.argv[1] + "
            "\"')) to '\" + sys.argv[2] + \"' (header)\")")
    return [sys.executable, "-c", code, str(path), str(OUT / "copy.csv")]


SAME_IO = """
import duckdb, sys, time
source, output, target = sys.argv[1:4]
con = duckdb.connect()
con.execute("set enable_progress_bar = false")
started = time.perf_counter()
con.read_csv(source, all_varchar=True).create("input")
read_s = time.perf_counter() - started
con.read_csv(output, all_varchar=True).create("result")
started = time.perf_counter()
con.table("result").write_csv(target, header=True)
print(read_s + time.perf_counter() - started)
"""


def same_io(source: Path, output: Path, repeats: int) -> float:
    """Seconds DuckDB takes to read `source` and write the bytes of `output` (already in its
    memory, so only the write is timed): the same I/O as the CLI, with no work between."""
    times = []
    for _ in range(repeats):
        os.sync()
        result = subprocess.run([sys.executable, "-c", SAME_IO, str(source), str(output),
                                 str(OUT / "same-io.csv")], capture_output=True, text=True,
                                check=True)
        times.append(float(result.stdout))
    return min(times)


def cli(path: Path, output: str = "flagged.csv") -> list[str]:
    return [sys.executable, "-m", "dashboard.cli", "flag", str(path), "-o", str(OUT / output)]


def best_of(command: list[str], repeats: int) -> tuple[float, float]:
    results = [run(command) for _ in range(repeats)]
    return min(r[0] for r in results), max(r[1] for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--skip-app", action="store_true")
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--workspace-only", action="store_true",
                        help="only section 6, the workspace")
    arguments = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    print(f"machine: {os.cpu_count()} cores, "
          f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB, "
          f"{platform.python_implementation()} {platform.python_version()}")

    if arguments.workspace_only:
        os.environ["COHORT_ADVISOR_WORKSPACE"] = str(Path(tempfile.mkdtemp()) / "bench.duckdb")
        print("\n6. The workspace at 50,000 students")
        workspace_figures(cohort_file(50_000), cohort_file(50_000, seed=8), arguments.repeats,
                          with_app=not arguments.skip_app)
        return

    print("\n1+3. CLI end to end vs DuckDB reading the input and writing the same output bytes "
          f"(best of {arguments.repeats}; peak RSS); plain COPY for reference")
    print(f"{'rows':>10} {'cli s':>8} {'cli MiB':>8} {'same I/O s':>11} {'ratio':>6} "
          f"{'copy s':>8} {'copy MiB':>9}")
    sizes = sorted({10_000, 100_000, arguments.rows})
    for rows in sizes:
        path = cohort_file(rows)
        cli_s, cli_mib = best_of(cli(path), arguments.repeats)
        same_s = same_io(path, OUT / "flagged.csv", arguments.repeats)
        copy_s, copy_mib = best_of(duckdb_copy(path), arguments.repeats)
        print(f"{rows:>10,} {cli_s:>8.2f} {cli_mib:>8.0f} {same_s:>11.2f} "
              f"{cli_s / same_s:>6.2f} {copy_s:>8.2f} {copy_mib:>9.0f}")
    output_floor(path, OUT / "flagged.csv", copy_s)

    print("\n2. The same rules in pandas, row by row, at 100,000 rows")
    path = cohort_file(100_000)
    pandas_s, _ = run([sys.executable, str(ROOT / "benchmarks" / "pandas_baseline.py"),
                       str(path), str(OUT / "pandas.csv")])
    cli_s, _ = best_of(cli(path), arguments.repeats)
    print(f"pandas row by row {pandas_s:.2f} s; cohort-advisor {cli_s:.2f} s; "
          f"cohort-advisor is {pandas_s / cli_s:.1f}x faster")

    print("\n4. XLSX, 100,000 rows x 19 columns")
    xlsx_figures(arguments.repeats)

    # The app and the workspace write to a scratch workspace, never the user's.
    os.environ["COHORT_ADVISOR_WORKSPACE"] = str(Path(tempfile.mkdtemp()) / "bench.duckdb")
    if not arguments.skip_app:
        print("\n5. The app at 50,000 students (AppTest, in process)")
        app_figures(cohort_file(50_000))

    print("\n6. The workspace at 50,000 students")
    workspace_figures(cohort_file(50_000), cohort_file(50_000, seed=8), arguments.repeats,
                      with_app=not arguments.skip_app)


def output_floor(source: Path, output: Path, copy_s: float) -> None:
    """How long the CLI's own CSV writer (pyarrow) takes just to write its output, already in
    memory: no reading, typing or flagging. No engineering of the rest gets under this."""
    import pyarrow.csv as pa_csv

    table = pa_csv.read_csv(output)
    os.sync()
    started = time.perf_counter()
    pa_csv.write_csv(table, OUT / "output-floor.csv",
                     pa_csv.WriteOptions(quoting_style="needed"))
    write_s = time.perf_counter() - started
    print(f"   the CLI's output is {output.stat().st_size / source.stat().st_size:.1f}x the "
          f"input's size; writing it from memory alone takes {write_s:.2f} s, "
          f"{write_s / copy_s:.2f}x the whole COPY baseline")


def xlsx_floor(rows: int, columns: int) -> float:
    """Seconds xlsxwriter takes for rows x columns short constant strings, as write_xlsx
    configures it: the least any sheet that wide costs with this writer."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(OUT / "xlsxwriter-floor.xlsx"), {
        "constant_memory": True, "strings_to_formulas": False, "strings_to_numbers": False,
        "strings_to_urls": False})
    sheet = workbook.add_worksheet()
    started = time.perf_counter()
    for row in range(rows):
        for column in range(columns):
            sheet.write_string(row, column, "clear")
    workbook.close()
    return time.perf_counter() - started


def xlsx_figures(repeats: int) -> None:
    sys.path.insert(0, str(ROOT))
    import datetime as dt

    import xlsxwriter

    from dashboard.config import Config
    from dashboard.engine import load_cohort
    from dashboard.exports import export_relation, write_xlsx
    from dashboard.importer import read_cohort
    from dashboard.synthetic import synthetic_cohort

    source = OUT / "cohort-100000.xlsx"
    if not source.exists():
        table = synthetic_cohort(100_000)
        workbook = xlsxwriter.Workbook(str(source), {"constant_memory": True})
        sheet = workbook.add_worksheet("Cohort")
        sheet.write_row(0, 0, table.column_names)
        for index, row in enumerate(zip(*[c.to_pylist() for c in table.columns], strict=True),
                                   start=1):
            sheet.write_row(index, 0, row)
        workbook.close()
    reads = []
    for _ in range(repeats):
        started = time.perf_counter()
        raw = read_cohort(source)
        reads.append(time.perf_counter() - started)
        cohort = load_cohort(raw)
        loaded_s = time.perf_counter() - started
    read_s = min(reads)
    flagged = cohort.flag(Config(), dt.date.today())
    started = time.perf_counter()
    write_xlsx(flagged, OUT / "flagged.xlsx")
    write_s = time.perf_counter() - started
    export_columns = len(export_relation(flagged, with_settings=False).columns)
    small = load_cohort(read_cohort(cohort_file(5_000))).flag(Config(), dt.date.today())
    started = time.perf_counter()
    write_xlsx(small, OUT / "flagged-5000.xlsx")
    small_s = time.perf_counter() - started
    print(f"read (calamine) {read_s:.2f} s (best of {repeats}, worst {max(reads):.2f} s); "
          f"read and typed in DuckDB {loaded_s:.2f} s; "
          f"write flagged export, {export_columns} columns (xlsxwriter) {write_s:.2f} s; "
          f"5,000 students {small_s:.2f} s")
    input_floor = xlsx_floor(100_000, 19)
    print(f"   xlsxwriter alone, 100,000 x 19 constant strings (the input's width): "
          f"{input_floor:.2f} s, {input_floor / (100_000 * 19) * 1e6:.1f} us per cell")


def app_figures(path: Path) -> None:
    from streamlit.testing.v1 import AppTest

    app = str(ROOT / "dashboard" / "app.py")
    at = AppTest.from_file(app, default_timeout=120)
    at.run()
    data = path.read_bytes()
    started = time.perf_counter()
    at.file_uploader(key="import_upload").set_value((path.name, data, "text/csv")).run()
    first_load = time.perf_counter() - started
    at.switch_page("app_pages/students.py").run()
    started = time.perf_counter()
    at.toggle(key="students_at_risk_only").set_value(True).run()
    filter_s = time.perf_counter() - started
    started = time.perf_counter()
    at.multiselect(key="students_flags").set_value(["STEP2_LOW"]).run()
    flag_filter_s = time.perf_counter() - started
    at.switch_page("app_pages/settings.py").run()
    at.number_input(key="settings_step2_low").set_value(240)
    next(b for b in at.button if b.label == "Apply").click().run()
    # The next page re-flags all 50,000 students with the new thresholds, then draws.
    started = time.perf_counter()
    at.switch_page("app_pages/overview.py").run()
    threshold_s = time.perf_counter() - started
    flagged = at.session_state["data_cohort"][1].flagged
    assert flagged.config.thresholds.step2_low == 240, "the thresholds did not apply"
    started = time.perf_counter()
    at.run()
    overview_s = time.perf_counter() - started
    assert not at.exception, at.exception
    at.switch_page("app_pages/calendar.py").run()
    started = time.perf_counter()
    at.run()
    calendar_s = time.perf_counter() - started
    assert not at.exception, at.exception
    print(f"upload and first render {first_load:.2f} s; at-risk filter {filter_s:.2f} s; "
          f"flag filter {flag_filter_s:.2f} s; overview after a threshold change (re-flag, "
          f"re-plan and draw) {threshold_s:.2f} s; overview rerender {overview_s:.2f} s; "
          f"calendar page {calendar_s:.2f} s")


def workspace_figures(first: Path, second: Path, repeats: int, with_app: bool) -> None:
    from dashboard.changes import Changes
    from dashboard.config import Config
    from dashboard.engine import load_cohort
    from dashboard.importer import read_cohort
    from dashboard.workspace import Workspace

    path = Path(tempfile.mkdtemp()) / "workspace.duckdb"
    workspace = Workspace(path)
    flagged = [load_cohort(read_cohort(source)).flag(Config(), day, materialise=True)
               for source, day in ((first, dt.date(2026, 9, 1)), (second, dt.date(2026, 11, 25)))]
    saves = []
    for _ in range(repeats):
        for cohort in flagged:
            started = time.perf_counter()
            info = workspace.save_snapshot(cohort, "Benchmark", "local")
            saves.append(time.perf_counter() - started)
    after = workspace.snapshots("Benchmark")[0]
    before = next(info for info in workspace.snapshots("Benchmark") if info.as_of < after.as_of)
    compares = []
    for _ in range(repeats):
        started = time.perf_counter()
        found = Changes(workspace.snapshot_summary(before.snapshot_id),
                        workspace.snapshot_summary(after.snapshot_id))
        [(count,)] = found.relation().aggregate("count(*)").fetchall()
        found.summary()
        compares.append(time.perf_counter() - started)
    opens = []
    for _ in range(repeats):
        started = time.perf_counter()
        workspace.open_snapshot(info.snapshot_id)
        opens.append(time.perf_counter() - started)
    started = time.perf_counter()
    workspace.delete_snapshot(before.snapshot_id)
    delete_s = time.perf_counter() - started
    workspace.close()
    print(f"save a snapshot {min(saves):.2f} s (worst {max(saves):.2f} s); changes between two "
          f"snapshots {min(compares):.2f} s ({count:,} changes); reopen a snapshot "
          f"{min(opens):.2f} s; delete one and rewrite the file {delete_s:.2f} s "
          f"({path.stat().st_size / 2**20:.0f} MiB left)")
    if with_app:
        rerender = overview_with_changes(first, second)
        print(f"   overview with the changes panel, rerender {rerender:.2f} s")


def overview_with_changes(first: Path, second: Path) -> float:
    """Upload, save a snapshot, upload the later file: the Overview's rerender time."""
    import streamlit as st
    from streamlit.testing.v1 import AppTest

    st.cache_resource.clear()
    os.environ["COHORT_ADVISOR_WORKSPACE"] = str(Path(tempfile.mkdtemp()) / "app.duckdb")
    at = AppTest.from_file(str(ROOT / "dashboard" / "app.py"), default_timeout=180)
    at.session_state["settings_as_of"] = dt.date(2026, 9, 1)
    at.run()
    at.file_uploader(key="import_upload").set_value((first.name, first.read_bytes(),
                                                      "text/csv")).run()
    at.switch_page("app_pages/workspace.py").run()
    next(t for t in at.text_input if t.label == "Cohort name").set_value("Benchmark")
    next(b for b in at.button if b.label == "Save as snapshot").click().run()
    at.session_state["settings_as_of"] = dt.date(2026, 11, 25)
    at.file_uploader(key="import_upload").set_value((second.name, second.read_bytes(),
                                                      "text/csv")).run()
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert any(h.value.startswith("What changed since") for h in at.subheader), "no panel"
    timings = []
    for _ in range(3):
        started = time.perf_counter()
        at.run()
        timings.append(time.perf_counter() - started)
    assert not at.exception, at.exception
    return min(timings)


if __name__ == "__main__":
    main()
