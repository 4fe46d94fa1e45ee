"""The command line: output columns, formats, config, issues, exit codes."""

from __future__ import annotations

import csv
import datetime as dt
import io
import subprocess
import sys
import zipfile
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

LEADING = ["student_id", "name", "risk_level", "band", "strategy", "flags", "unknown"]
MESSY = (
    "Student ID;Full name;Stage;Step 1;Step 2 CK;US PRS LORs;Pubs;Presentations;Sub-Is;"
    "Parallel plan;Mentor\n"
    "S1;José Álvarez;M4;pass;230;0;0;0;0;no;=HYPERLINK(\"http://x\")\n"
    "S2;Ann;M4;pass;abc;2;1;1;1;yes;ok\n"
    "\n"
    "S1;Dup;M3;fail;250;1;2;2;1;yes;\n"
).encode("cp1252")


def run(*args: str, cwd=None, as_of: str | None = "2026-07-01", stdin: bytes | None = None
        ) -> subprocess.CompletedProcess:
    """The CLI on a fixed date (before programs review applications for the 2027 Match)."""
    dated = [*args, "--as-of", as_of] if as_of and args[:1] == ("flag",) else list(args)
    if stdin is not None:
        result = subprocess.run([sys.executable, "-m", "dashboard.cli", *dated], input=stdin,
                                capture_output=True, cwd=cwd, timeout=120)
        return subprocess.CompletedProcess(result.args, result.returncode,
                                           result.stdout.decode("utf-8"),
                                           result.stderr.decode("utf-8"))
    return subprocess.run(
        [sys.executable, "-m", "dashboard.cli", *dated],
        capture_output=True, text=True, encoding="utf-8", cwd=cwd, timeout=120,
    )


@pytest.fixture
def messy(tmp_path):
    path = tmp_path / "messy.csv"
    path.write_bytes(MESSY)
    return path


def read_csv_file(path) -> list[dict]:
    with open(path, encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_stdout_csv_with_leading_columns_and_summary(messy):
    result = run("flag", str(messy))
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:7] == LEADING
    assert [(r["student_id"], r["risk_level"], r["band"], r["strategy"]) for r in rows] == [
        ("S1", "high", "low", "general_surgery_first"),
        ("S2", "moderate", "unknown", "pending"),
        # Step 1 failed and only one US plastics letter: not a strong profile.
        ("S1", "high", "competitive", "general_surgery_first"),
    ]
    assert rows[0]["flags"] == (
        "STEP2_LOW;US_PLASTICS_LORS_MISSING;NO_PLASTICS_RESEARCH;NO_US_PLASTICS_SUBI;"
        "NO_PARALLEL_PLAN"
    )
    assert rows[0]["name"] == "José Álvarez"
    assert rows[0]["Mentor"] == "'=HYPERLINK(\"http://x\")"
    assert [r["row"] for r in rows] == ["2", "3", "5"]
    assert "3 students flagged from messy.csv" in result.stderr
    assert "3 data issues on 3 rows: 1 unreadable" in result.stderr
    assert "2 about student IDs" in result.stderr
    assert "Traceback" not in result.stderr


def test_output_keeps_spreadsheet_order_past_one_row_group(tmp_path):
    """DuckDB stores rows in groups of 122,880; a plan that gives up insertion order shuffles
    whole groups. Three groups' worth of students must come out in the file's order."""
    from dashboard.synthetic import synthetic_cohort, write_cohort

    students = 3 * 122_880 + 17
    cohort = synthetic_cohort(students)
    source, output = tmp_path / "big.csv", tmp_path / "out.csv"
    write_cohort(cohort, source)
    result = run("flag", str(source), "-o", str(output))
    assert result.returncode == 0, result.stderr
    with open(output, encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        id_at, row_at = header.index("student_id"), header.index("row")
        written = [(record[id_at], int(record[row_at])) for record in reader]
    expected_ids = cohort.column("Student ID").to_pylist()
    assert [row for _, row in written] == list(range(2, students + 2))
    assert [student_id for student_id, _ in written] == expected_ids


def test_csv_file_has_bom_and_issues_file_is_exact(messy, tmp_path):
    output, issues = tmp_path / "out.csv", tmp_path / "issues.csv"
    result = run("flag", str(messy), "-o", str(output), "--issues", str(issues))
    assert result.returncode == 0, result.stderr
    assert result.stdout == ""
    assert output.read_bytes().startswith(b"\xef\xbb\xbf")
    assert issues.read_bytes().decode("utf-8") == (
        '\ufeff"row","column","value","problem","kind"\n'
        '2,"Student ID","S1","student ID repeated on 2 rows (2, 5); every row is kept",'
        '"identity"\n'
        '3,"Step 2 CK","abc","not a number; expected a Step 2 CK score from 1 to 300",'
        '"unreadable"\n'
        '5,"Student ID","S1","student ID repeated on 2 rows (2, 5); every row is kept",'
        '"identity"\n'
    )


def test_xlsx_output_has_no_formulas_and_records_its_settings(messy, tmp_path):
    output = tmp_path / "out.xlsx"
    result = run("flag", str(messy), "-o", str(output))
    assert result.returncode == 0, result.stderr
    with zipfile.ZipFile(output) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert sheets and all(b"<f>" not in archive.read(n) for n in sheets)
    workbook = CalamineWorkbook.from_path(str(output))
    assert workbook.sheet_names[-3:] == ["Students", "Data issues", "Settings"]
    students = workbook.get_sheet_by_name("Students").to_python()
    assert students[0][:7] == LEADING
    mentor = students[0].index("Mentor")
    # SPEC v3: the value as typed, with Excel's quote-prefix style.
    assert students[1][mentor] == "=HYPERLINK(\"http://x\")"
    assert openpyxl.load_workbook(output)["Students"].cell(2, mentor + 1).quotePrefix
    score = students[0].index("step2ck_score")
    assert students[1][score] == 230  # a number, not text
    settings = {row[1]: row[2] for row in workbook.get_sheet_by_name("Settings").to_python()[1:]}
    assert settings["step2_low"] == 235 and settings["score_release_days"] == 28
    assert settings["as_of"] == dt.date(2026, 7, 1) and settings["2026"] == dt.date(2025, 9, 24)
    assert settings["file"] == "messy.csv"
    issues = workbook.get_sheet_by_name("Data issues").to_python()
    assert issues[0] == ["row", "column", "value", "problem", "kind"] and len(issues) == 4


def test_config_changes_the_result_and_is_recorded(messy, tmp_path):
    config = tmp_path / "strict.toml"
    config.write_text("[thresholds]\nstep2_low = 255\nstep2_target = 260\n"
                      "step2_highly_competitive = 270\n")
    output = tmp_path / "out.csv"
    result = run("flag", str(messy), "--config", str(config), "-o", str(output))
    assert result.returncode == 0, result.stderr
    rows = read_csv_file(output)
    assert rows[2]["band"] == "low" and "STEP2_LOW" in rows[2]["flags"]
    assert rows[0]["threshold_step2_low"] == "255"
    assert rows[0]["threshold_targeted_min"] == "240"


CONFIG_REFUSALS = [
    ("[thresholds]\nstep2_lo = 230\n", "unknown key 'step2_lo' in [thresholds]"),
    ("[thresholds]\nstep2_low = 'high'\n", "step2_low must be a whole number"),
    ("[thresholds]\nstep2_low = 250\nstep2_target = 240\n", "out of order"),
    ("[thresholds]\ntargeted_min = 252\n", "targeted_min <= aggressive_min"),
    ("[calendar]\neras_opens = 2027-09-24\n",
     "'eras_opens' is a version-1 key and is no longer read; use [calendar.review_opens]"),
    ("[calendar]\nscore_release_days = 'soon'\n", "score_release_days must be a whole number"),
    ("[calendar.review_opens]\n2027 = 'late September'\n",
     "review_opens.2027 must be a date such as 2026-09-30"),
    ("[calendar.review_opens]\nnext = 2026-09-30\n", "key 'next' is not a Match year"),
    ("[thresholds]\nstep2_low = 2147483648\n", "step2_low must be from 1 to 300"),
    ("[thresholds]\nstep2_pass = 240\n", "every step2_pass mark <= step2_low"),
    ("[thresholds.step2_pass]\n2025-07-01 = 236\n", "every step2_pass mark <= step2_low"),
    ("[thresholds.step2_pass]\nsoon = 218\n", "a table of first exam date = mark"),
    ("[calendar.rank_list_deadline]\n2027 = 2027-03-25\n", "the 2027 calendar runs backwards: "
     "match_day (2027-03-19) is before rank_list_deadline (2027-03-25)"),
    ("[calendar.review_opens]\n2027 = 0001-01-10\n", "outside the years 2000-2099"),
    ("[calendar.review_opens]\n2027 = 2026-05-01\n", "review_opens (2026-05-01) is before "
     "subi_season_start"),
    ("x = " + "[" * 2000 + "]" * 2000 + "\n", "config file bad.toml"),
    ("[thresholds]\nstep2_low = true\n", "step2_low must be a whole number"),
    ("[extras]\nx = 1\n", "unknown section [extras]"),
    ("step2_low = \n", "not valid TOML"),
]


@pytest.mark.parametrize(("text", "message"), CONFIG_REFUSALS)
def test_bad_config_is_refused_with_exit_2(messy, tmp_path, text, message):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    result = run("flag", str(messy), "--config", str(config))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_partial_config_keeps_other_defaults(messy, tmp_path):
    config = tmp_path / "ok.toml"
    config.write_text("[calendar]\nscore_release_days = 21\n\n[calendar.review_opens]\n"
                      "2027 = 2026-09-23\n")
    result = run("flag", str(messy), "--config", str(config))
    assert result.returncode == 0, result.stderr
    [row, *_] = csv.DictReader(io.StringIO(result.stdout))
    assert (row["threshold_step2_low"], row["calendar_score_release_days"],
            row["calendar_review_opens"]) == ("235", "21", "2026=2025-09-24; 2027=2026-09-23")
    # SPEC v3: the PSCA releases 9 days before ERAS review (estimated), and the latest
    # sitting is counted back from that first review.
    assert (row["review_opens"], row["first_review"], row["latest_step2ck_sitting"],
            row["as_of"]) == ("2026-09-23", "2026-09-14", "2026-08-24", "2026-07-01")


@pytest.mark.parametrize(
    ("make_input", "message"),
    [
        (lambda d: d / "missing.csv", "missing.csv: the file does not exist"),
        (lambda d: _write(d / "empty.csv", b""), "empty.csv: the file is empty"),
        (lambda d: _write(d / "doc.pdf", b"%PDF-1.4\x00\x00"), "doc.pdf: this is not a CSV"),
        (lambda d: _write(d / "noid.csv", b"name,score\nA,1\n"),
         "noid.csv: no column could be matched to the student ID"),
    ],
)
def test_unusable_input_exits_2_without_traceback(tmp_path, make_input, message):
    result = run("flag", str(make_input(tmp_path)))
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_sheet_on_a_csv_and_bad_output_extension_are_refused(messy, tmp_path):
    assert run("flag", str(messy), "--sheet", "x").returncode == 2
    result = run("flag", str(messy), "-o", str(tmp_path / "out.json"))
    assert result.returncode == 2 and "use a .csv or .xlsx" in result.stderr


def test_usage_errors_exit_2():
    assert run().returncode == 2
    assert run("flag").returncode == 2


def test_console_script_is_installed():
    # The script sits beside the interpreter of the environment the package went into.
    script = Path(sys.executable).parent / "cohort-advisor"
    result = subprocess.run([str(script), "--help"], capture_output=True, text=True)
    assert result.returncode == 0 and "flag" in result.stdout


def _write(path, data: bytes):
    path.write_bytes(data)
    return path


DATA = Path(__file__).resolve().parent / "data"


@pytest.mark.parametrize("name", ["registrar_roster.csv", "registrar_roster.xlsx"])
def test_registrar_roster_through_the_cli(name, tmp_path):
    issues = tmp_path / "issues.csv"
    result = run("flag", str(DATA / name), "--issues", str(issues), as_of="2026-11-25")
    assert result.returncode == 0, result.stderr
    rows = {r["student_id"]: r for r in csv.DictReader(io.StringIO(result.stdout))}
    assert (rows["00417"]["risk_level"], rows["00417"]["flags"]) == (
        "high", "STEP1_FAIL;STEP2_PENDING;US_PLASTICS_LORS_MISSING")
    assert rows["00417"]["step2ck_date"] == "2027-10-15"
    assert rows["00417"]["STEP2_PENDING"] == "critical"  # review for 2027 opened 30 Sep 2026
    assert rows["00419"]["risk_level"] == "needs_data"
    # SPEC v3: a strong profile needs a US plastics sub-I and 15 research items.
    assert rows["00420"]["strategy"] == "targeted_integrated"
    assert rows["00417"]["Away Rotations"] == "2"  # unmapped, carried through
    assert "header is row 3" in result.stderr and "'Away Rotations' could mean" in result.stderr
    kinds = [r["kind"] for r in read_csv_file(issues)]
    assert kinds.count("interpreted") == 10 and set(kinds) <= {
        "interpreted", "unreadable", "identity"}


def test_as_of_moves_the_calendar(messy, tmp_path):
    before = list(csv.DictReader(io.StringIO(run("flag", str(messy)).stdout)))
    after = list(csv.DictReader(io.StringIO(run("flag", str(messy),
                                                as_of="2026-10-01").stdout)))
    # S2 applies with no score and no class year: SPEC v3 keeps an applicant in the Match
    # under way (2027) until its rank order list deadline, so review has opened by October.
    assert before[1]["STEP2_PENDING"] == "warning" and after[1]["match_year"] == "2027"
    assert after[1]["STEP2_PENDING"] == "critical"
    assert before[1]["as_of"] == "2026-07-01" and after[1]["as_of"] == "2026-10-01"
    assert run("flag", str(messy), as_of="yesterday").returncode == 2


@pytest.mark.parametrize("as_of", ["9999-12-31", "0001-01-01", "1999-12-31", "2100-01-01"])
def test_an_evaluation_date_outside_the_rules_years_is_refused_by_name(messy, as_of):
    result = run("flag", str(messy), as_of=as_of)
    assert result.returncode == 2 and result.stdout == ""
    assert f"--as-of: '{as_of}' is outside the years 2000-2099" in result.stderr
    assert "unexpected error" not in result.stderr


def test_stdin_is_read_once(messy):
    for source in ("-", "/dev/stdin"):
        result = run("flag", source, stdin=MESSY)
        assert result.returncode == 0, result.stderr
        assert len(list(csv.DictReader(io.StringIO(result.stdout)))) == 3, source


@pytest.mark.parametrize(("options", "message"), [
    (lambda d, m: ["-o", str(m)], "this is the input file"),
    (lambda d, m: ["--issues", str(m)], "this is the input file"),
    (lambda d, m: ["-o", str(d / "a.csv"), "--issues", str(d / "a.csv")],
     "-o and --issues name the same file"),
    (lambda d, m: ["-o", str(d)], "this is a folder"),
    (lambda d, m: ["-o", str(d / "no" / "such" / "out.csv")], "does not exist"),
    (lambda d, m: ["--issues", str(d / "issues.xlsx")], "use a .csv file name"),
])
def test_outputs_that_would_overwrite_or_cannot_be_written_are_refused(
        messy, tmp_path, options, message):
    original = messy.read_bytes()
    result = run("flag", str(messy), *options(tmp_path, messy))
    assert result.returncode == 2 and message in result.stderr
    assert "Traceback" not in result.stderr
    assert messy.read_bytes() == original


def test_a_directory_as_input_and_a_huge_config_number_exit_2(tmp_path, messy):
    assert run("flag", str(tmp_path)).returncode == 2
    config = tmp_path / "big.toml"
    config.write_text("[thresholds]\npractice_low_count = 2147483648\n")
    result = run("flag", str(messy), "--config", str(config))
    assert result.returncode == 2 and "practice_low_count must be from 1 to 50" in result.stderr
