"""The workspace: migrations, snapshot round trips, changes, notes under concurrent writers,
deletion, the busy file, and what is remembered between uploads."""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io
import subprocess
import sys
import threading
from pathlib import Path

import duckdb
import openpyxl
import pytest

from dashboard.changes import CHANGE_COLUMNS, CHANGE_KINDS, Changes, flagged_summary
from dashboard.cli import main
from dashboard.config import Config, Thresholds
from dashboard.engine import MappingError, load_cohort
from dashboard.exports import export_relation
from dashboard.importer import read_cohort
from dashboard.workspace import (
    Workspace,
    WorkspaceBusy,
    WorkspaceError,
    header_key,
    migrate,
    migrations,
)
from tests.conftest import AS_OF, csv_text

REGISTRAR = Path(__file__).resolve().parent / "data" / "registrar_roster.xlsx"
MESSY = Path(__file__).resolve().parent / "data" / "messy_cohort.csv"
COHORT = "Class of 2027"
LATER = AS_OF + dt.timedelta(days=7)


def student(student_id: str, **values) -> dict:
    """A final-year student at low risk unless `values` say otherwise."""
    row = {"Student ID": student_id, "Name": f"Student {student_id}", "Stage": "M4",
           "USMLE Step 1": "pass", "Step 2 CK": "255", "US Plastics LORs": "2",
           "Surgery LORs": "1", "Publications": "3", "Presentations": "1",
           "US Plastics Sub-Is": "1", "Research Year": "no", "Parallel Plan": "yes",
           "Class Year": "2027"}
    row.update(values)
    return row


def flagged_of(rows: list[dict], as_of: dt.date = AS_OF, config: Config | None = None):
    cohort = load_cohort(read_cohort(csv_text(rows).encode(), "cohort.csv"))
    return cohort.flag(config or Config(), as_of, materialise=True)


@pytest.fixture
def workspace(tmp_path):
    opened = Workspace(tmp_path / "workspace.duckdb")
    yield opened
    opened.close()


# Migrations ----------------------------------------------------------------------------


def test_an_empty_file_is_created_at_the_latest_version(tmp_path):
    opened = Workspace(tmp_path / "new.duckdb")
    assert opened.version == len(migrations()) >= 2
    with opened.cursor() as cur:
        tables = {name for (name,) in cur.execute(
            "select table_name from information_schema.tables "
            "where table_catalog = current_database()").fetchall()}
    assert {"schema_version", "snapshots", "snapshot_students", "notes",
            "remembered_mappings", "value_readings", "workspace_settings",
            "access_log"} <= tables
    opened.close()
    # Opening again applies nothing twice.
    again = Workspace(tmp_path / "new.duckdb")
    with again.cursor() as cur:
        assert cur.execute("select version from schema_version order by version").fetchall() \
            == [(number,) for number in range(1, len(migrations()) + 1)]
    again.close()


def older_workspace(path: Path, version: int, statement: str) -> Workspace:
    """A workspace file left at `version` holding what `statement` inserts, then opened (and
    so migrated) by this version of the code."""
    con = duckdb.connect(str(path))
    assert migrate(con, to_version=version) == version
    con.execute(statement)
    con.close()
    return Workspace(path)


def test_a_version_1_file_is_migrated_and_keeps_its_data(tmp_path):
    opened = older_workspace(
        tmp_path / "old.duckdb", 1,
        "insert into notes (cohort, student_id, author, written_at, body) "
        "values ('Class of 2026', 'S1', 'local', now()::timestamp, 'kept')")
    assert opened.version == len(migrations())
    [note] = opened.notes("Class of 2026")
    assert (note.student_id, note.body, note.status) == ("S1", "kept", "open")
    opened.remember_mapping(["ID"], {"student_id": "ID"}, "local")  # a version-2 table
    assert opened.remembered_mapping(["ID"])[0] == {"student_id": "ID"}
    opened.close()


def test_a_version_2_snapshot_is_migrated_and_still_listed(tmp_path):
    path = tmp_path / "v2.duckdb"
    con = duckdb.connect(str(path))
    assert migrate(con, to_version=2) == 2
    assert "source_digest" not in con.table("snapshots").columns
    con.execute(  # a snapshot as version 2 saved it: no file digest
        "insert into snapshots (cohort, as_of, saved_at, saved_by, file_name, header_row, "
        "headers, read_notes, mapping, extra_headers, settings, student_count) values "
        "($cohort, DATE '2026-11-18', now()::timestamp, 'local', 'old.csv', 1, ['Student ID'], "
        "[], '{\"student_id\": \"Student ID\"}', [], '{}', 0)", {"cohort": COHORT})
    con.close()
    current = Workspace(path)
    assert current.version == len(migrations()) >= 3
    [old] = current.snapshots(COHORT)
    assert (old.file_name, old.source_digest) == ("old.csv", None)
    info = current.save_snapshot(flagged_of([student("S1")]), COHORT, "local",
                                 source_digest="ab" * 32)
    assert current.previous_snapshot(COHORT, other_than="ab" * 32) == old
    assert info.source_digest == "ab" * 32
    current.close()


def test_a_file_from_a_newer_version_is_refused(tmp_path):
    path = tmp_path / "newer.duckdb"
    Workspace(path).close()
    con = duckdb.connect(str(path))
    con.execute("insert into schema_version values (99, '099_future', now()::timestamp)")
    con.close()
    with pytest.raises(WorkspaceError, match="newer Cohort Advisor"):
        Workspace(path)


def test_a_file_that_is_not_a_workspace_is_refused_with_a_message(tmp_path):
    path = tmp_path / "not-a-database.duckdb"
    path.write_text("Student ID,Name\nS1,Ann\n")
    with pytest.raises(WorkspaceError, match="not a Cohort Advisor workspace"):
        Workspace(path)
    with pytest.raises(WorkspaceError, match="folder"):
        Workspace(tmp_path)
    with pytest.raises(WorkspaceError, match="does not exist"):
        Workspace(tmp_path / "missing" / "w.duckdb")


# Snapshots -----------------------------------------------------------------------------


def assert_reopens_identical(workspace, flagged):
    info = workspace.save_snapshot(flagged, COHORT, "local")
    opened = workspace.open_snapshot(info.snapshot_id)
    assert opened.config == flagged.config
    again = opened.cohort.flag(opened.config, info.as_of, materialise=True)
    before = export_relation(flagged).df()
    after = export_relation(again).df()
    assert list(before.columns) == list(after.columns)
    assert before.equals(after)
    assert flagged.cohort.data_issues().fetchall() == opened.cohort.data_issues().fetchall()
    assert opened.cohort.mapping == flagged.cohort.mapping
    assert opened.cohort.extra_columns == flagged.cohort.extra_columns
    assert opened.cohort.raw.headers == flagged.cohort.raw.headers
    assert opened.cohort.raw.sheet == flagged.cohort.raw.sheet
    assert opened.cohort.raw.header_row == flagged.cohort.raw.header_row
    return info


def test_a_snapshot_reopens_exactly_as_it_was_saved(workspace):
    config = Config(Thresholds(step2_low=240, us_plastics_lors_min=3))
    cohort = load_cohort(read_cohort(MESSY.read_bytes(), MESSY.name))
    flagged = cohort.flag(config, AS_OF, materialise=True)
    info = assert_reopens_identical(workspace, flagged)
    assert (info.cohort, info.as_of, info.student_count) == (COHORT, AS_OF, 9)
    assert workspace.snapshots(COHORT) == [info]


def test_a_registrar_workbook_snapshot_keeps_its_sheet_header_row_and_extras(workspace):
    cohort = load_cohort(read_cohort(REGISTRAR.read_bytes(), REGISTRAR.name))
    assert cohort.extra_columns and cohort.raw.header_row > 1
    assert_reopens_identical(workspace, cohort.flag(Config(), AS_OF, materialise=True))


def test_snapshots_are_listed_newest_first_and_compared_with_the_one_before(workspace):
    first = workspace.save_snapshot(flagged_of([student("S1")]), COHORT, "a@x.edu")
    second = workspace.save_snapshot(flagged_of([student("S1")], LATER), COHORT, "a@x.edu")
    other = workspace.save_snapshot(flagged_of([student("S9")]), "Class of 2028", "local")
    assert workspace.snapshots(COHORT) == [second, first]
    assert workspace.previous_snapshot(COHORT) == second
    assert workspace.previous_snapshot(COHORT, before=second) == first
    assert workspace.previous_snapshot(COHORT, before=first) is None
    assert set(workspace.cohorts()) == {COHORT, "Class of 2028"}
    assert workspace.snapshots("Class of 2028") == [other]
    with pytest.raises(WorkspaceError, match="name"):
        workspace.save_snapshot(flagged_of([student("S1")]), "   ", "local")


# Changes -------------------------------------------------------------------------------


def changes_between(before_rows, after_rows) -> list[dict]:
    found = Changes(flagged_summary(flagged_of(before_rows)),
                    flagged_summary(flagged_of(after_rows, LATER)))
    relation = found.relation()
    assert tuple(relation.columns) == CHANGE_COLUMNS
    return [dict(zip(relation.columns, row, strict=True)) for row in relation.fetchall()]


def kinds(changes: list[dict], student_id: str) -> list[tuple]:
    return [(c["change"], c["before"], c["after"]) for c in changes
            if c["student_id"] == student_id]


def test_changes_of_every_kind():
    before = [student("KEEP"), student("LEFT"),
              student("WORSE", **{"Step 2 CK": "250"}),
              student("BETTER", **{"US Plastics LORs": "1"}),
              student("SUBI", **{"US Plastics Sub-Is": "0"})]
    after = [student("KEEP"), student("JOINED"),
             student("WORSE", **{"Step 2 CK": "230"}),
             student("BETTER", **{"US Plastics LORs": "3"}),
             student("SUBI", **{"US Plastics Sub-Is": "2"})]
    changes = changes_between(before, after)
    assert {c["change"] for c in changes} == set(CHANGE_KINDS)
    assert kinds(changes, "KEEP") == []
    assert kinds(changes, "JOINED") == [("joined", None, "low")]
    assert kinds(changes, "LEFT") == [("left", "low", None)]
    worse = kinds(changes, "WORSE")
    assert ("risk_level", "low", "high") in worse
    assert ("flag_raised", None, "STEP2_LOW") in worse
    assert worse[-1] == ("step2ck_score", "250", "230")
    better = kinds(changes, "BETTER")
    assert ("risk_level", "moderate", "low") in better
    assert ("flag_cleared", None, "US_PLASTICS_LORS_MISSING") in better
    assert ("us_plastics_lors", "1", "3") in better
    subi = kinds(changes, "SUBI")
    assert ("flag_cleared", None, "NO_US_PLASTICS_SUBI") in subi
    assert ("us_plastics_subis", "0", "2") in subi
    directions = {c["student_id"]: c["direction"] for c in changes if c["change"] == "risk_level"}
    assert directions["WORSE"] == "worse" and directions["BETTER"] == "better"
    # In the later file's order, students who left at the end.
    order = list(dict.fromkeys(c["student_id"] for c in changes))
    assert order == ["JOINED", "WORSE", "BETTER", "SUBI", "LEFT"]


def test_a_flag_that_can_no_longer_be_checked_is_not_cleared():
    changes = changes_between([student("S1", **{"Step 2 CK": "225"})],
                              [student("S1", **{"Step 2 CK": "not sure"})])
    assert ("step2ck_score", "225", None) in kinds(changes, "S1")
    assert not [c for c in changes if c["change"] == "flag_cleared"]


def test_repeated_and_missing_ids_are_ambiguous_never_guessed():
    before = [student("DUP", **{"Step 2 CK": "250"}), student("ONE")]
    after = [student("DUP", **{"Step 2 CK": "230"}), student("DUP", **{"Step 2 CK": "260"}),
             student("ONE"), student(None, **{"Step 2 CK": "200"})]
    found = Changes(flagged_summary(flagged_of(before)), flagged_summary(flagged_of(after)))
    assert found.relation().fetchall() == []  # no "joined" for the row without an id
    assert found.ambiguous().fetchall() == [("DUP", 1, 2)]
    assert found.summary().ambiguous_ids == 1


def test_the_change_summary_counts_students_and_flags():
    before = [student("A"), student("B"), student("C")]
    after = [student("A", **{"Step 2 CK": "230"}), student("B", **{"Step 2 CK": "231"}),
             student("C", **{"USMLE Step 1": ""})]
    found = Changes(flagged_summary(flagged_of(before)), flagged_summary(flagged_of(after)))
    summary = found.summary(AS_OF)
    assert (summary.worse, summary.better, summary.needs_data) == (2, 0, 1)
    assert summary.flags_raised["STEP2_LOW"] == 2
    assert "2 students worse" in summary.headline()
    assert "2 new flags of" in summary.headline()
    assert sorted(found.changed_ids()) == ["A", "B", "C"]
    assert "cleared" not in summary.headline()
    recovered = Changes(flagged_summary(flagged_of(after)), flagged_summary(flagged_of(before)))
    assert recovered.summary(AS_OF).headline().endswith(", 2 flags cleared")


# Notes ---------------------------------------------------------------------------------


def test_notes_are_kept_by_cohort_and_id_newest_first(workspace):
    first = workspace.add_note(COHORT, "S1", "local", "  Talked about Step 2 dates  ")
    second = workspace.add_note(COHORT, "S1", "a@x.edu", "Letters: two promised",
                                follow_up=dt.date(2026, 12, 1))
    workspace.add_note("Class of 2028", "S1", "local", "another cohort")
    notes = workspace.notes(COHORT, "S1")
    assert [note.note_id for note in notes] == [second, first]
    assert notes[1].body == "Talked about Step 2 dates"
    assert notes[0].follow_up == dt.date(2026, 12, 1) and notes[0].status == "open"
    due = workspace.follow_ups(COHORT, dt.date(2026, 12, 1))
    assert due["note_id"].tolist() == [second]
    assert workspace.follow_ups(COHORT, dt.date(2026, 11, 30)).empty
    workspace.set_note_status(second, done=True, by="b@x.edu")
    assert workspace.follow_ups(None, dt.date(2027, 1, 1)).empty
    done = workspace.notes(COHORT, "S1")[0]
    assert (done.status, done.done_by) == ("done", "b@x.edu")
    with pytest.raises(WorkspaceError, match="text"):
        workspace.add_note(COHORT, "S1", "local", "   ")
    with pytest.raises(WorkspaceError, match="5,000"):
        workspace.add_note(COHORT, "S1", "local", "x" * 5001)


def test_two_advisors_writing_notes_at_the_same_moment_lose_nothing(workspace):
    writers, per_writer = 8, 40
    start = threading.Barrier(writers)
    failures = []

    def write(number: int) -> None:
        start.wait()
        try:
            for index in range(per_writer):
                note_id = workspace.add_note(COHORT, f"S{index % 5}", f"advisor{number}@x.edu",
                                             f"note {number}-{index}",
                                             follow_up=dt.date(2026, 12, 1))
                if index % 3 == 0:
                    workspace.set_note_status(note_id, done=True, by=f"advisor{number}@x.edu")
        except Exception as error:  # collected: a thread's failure must fail the test
            failures.append(error)

    threads = [threading.Thread(target=write, args=(number,)) for number in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    notes = workspace.notes(COHORT)
    assert len(notes) == writers * per_writer
    assert len({note.note_id for note in notes}) == writers * per_writer
    assert {note.body for note in notes} == {f"note {n}-{i}" for n in range(writers)
                                             for i in range(per_writer)}
    assert sum(note.status == "done" for note in notes) == writers * len(range(0, per_writer, 3))


# Deletion ------------------------------------------------------------------------------


def test_deleting_a_snapshot_or_a_cohort_really_deletes_it(tmp_path):
    path = tmp_path / "workspace.duckdb"
    canary = "Zzyzx-Quillfeather"
    opened = Workspace(path)
    with opened.cursor() as cur:  # plain storage, so that the canary is findable in the file
        cur.execute("set force_compression = 'uncompressed'")
    gone = opened.save_snapshot(flagged_of([student("S1", Name=canary)]), COHORT, "local")
    kept = opened.save_snapshot(flagged_of([student("S2")]), "Class of 2028", "local")
    opened.add_note(COHORT, "S1", "local", "note on a deleted cohort " + canary)
    opened.add_note("Class of 2028", "S2", "local", "kept note")
    with opened.cursor() as cur:
        cur.execute("checkpoint")
    assert canary.encode() in path.read_bytes()
    opened.delete_cohort(COHORT)
    opened.close()

    reopened = Workspace(path)
    assert reopened.snapshots() == [kept]
    assert reopened.notes(COHORT) == []
    assert [note.body for note in reopened.notes("Class of 2028")] == ["kept note"]
    with pytest.raises(WorkspaceError):
        reopened.open_snapshot(gone.snapshot_id)
    with reopened.cursor() as cur:
        assert cur.execute("select count(*) from snapshot_students where snapshot_id = $id",
                           {"id": gone.snapshot_id}).fetchall() == [(0,)]
    reopened.close()
    assert canary.encode() not in path.read_bytes()

    again = Workspace(path)
    again.delete_snapshot(kept.snapshot_id)
    again.close()
    final = Workspace(path)
    assert final.snapshots() == []
    assert final.open_snapshot  # the file still opens and works after two rewrites
    final.close()


# The busy file -------------------------------------------------------------------------


HOLDER = """
import sys, time
from dashboard.workspace import Workspace
held = Workspace(sys.argv[1])
print("open", flush=True)
time.sleep(60)
"""


def test_a_busy_workspace_gets_a_clear_message_never_a_traceback(tmp_path):
    path = tmp_path / "busy.duckdb"
    holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(path)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "open"
        with pytest.raises(WorkspaceBusy, match="open in another Cohort Advisor process"):
            Workspace(path)
        result = subprocess.run(
            [sys.executable, "-m", "dashboard.cli", "snapshots", "--workspace", str(path)],
            capture_output=True, text=True, timeout=60)
        assert result.returncode == 2
        assert "open in another Cohort Advisor process" in result.stderr
        assert "Traceback" not in result.stderr
    finally:
        holder.kill()
        holder.wait()


# Remembered between uploads -------------------------------------------------------------


def test_a_mapping_is_remembered_column_by_column(workspace):
    headers = ["Learner", "Score (CK)", "Notes"]
    workspace.remember_mapping(headers, {"student_id": "Learner", "step2ck_score": "Score (CK)"},
                               "local")
    mapping, saved_at = workspace.remembered_mapping([" Notes", "Score (CK)", "Learner"])
    assert mapping == {"student_id": "Learner", "step2ck_score": "Score (CK)"}
    assert isinstance(saved_at, dt.datetime)
    # SPEC v3: a moved, added or dropped column leaves every other column mapped, and a
    # remembered field whose column is gone is named.
    assert workspace.remembered_mapping(["Learner", "Extra"]) == (
        {"student_id": "Learner"}, saved_at)
    remembered = workspace.remembered_columns(["LEARNER", "Extra"])
    assert remembered.columns == {"LEARNER": "student_id"}
    assert remembered.gone == {"step2ck_score": "Score (CK)"}
    assert workspace.remembered_columns(["Notes"]).columns == {"Notes": ""}  # left unread
    assert header_key(headers) == header_key(list(reversed(headers)))
    workspace.remember_mapping(headers, None, "local")
    assert workspace.remembered_mapping(headers) is None


def test_a_remembered_mapping_is_the_advisors_own_unless_shared(workspace):
    headers = ["Learner", "Score (CK)"]
    mapping = {"student_id": "Learner", "step2ck_score": "Score (CK)"}
    workspace.remember_mapping(headers, mapping, "ana@school.edu")
    assert workspace.remembered_mapping(headers, "ana@school.edu")[0] == mapping
    # Another advisor's upload with the same columns is read as detected, not as Ana's.
    assert workspace.remembered_columns(headers, "ben@school.edu") is None
    assert workspace.remembered_columns(headers) is None  # nor the local user's

    workspace.remember_mapping(headers, {"student_id": "Learner"}, "ana@school.edu",
                               shared=True)
    shared = workspace.remembered_columns(headers, "ben@school.edu")
    assert shared.mapping() == {"student_id": "Learner"} and shared.shared
    assert "ana@school.edu shared with this workspace" in shared.origin()
    # Ben's own choice comes before what was shared, for Ben only.
    workspace.remember_mapping(headers, mapping, "ben@school.edu")
    assert workspace.remembered_mapping(headers, "ben@school.edu")[0] == mapping
    assert not workspace.remembered_columns(headers, "ben@school.edu").shared
    assert workspace.remembered_columns(headers, "cy@school.edu").shared
    # Forgetting as shared forgets the workspace's memory, not Ben's own.
    workspace.remember_mapping(headers, None, "ana@school.edu", shared=True)
    assert workspace.remembered_columns(headers, "cy@school.edu") is None
    assert workspace.remembered_mapping(headers, "ben@school.edu")[0] == mapping


def test_a_version_4_memory_stays_with_the_advisor_who_saved_it(tmp_path):
    opened = older_workspace(
        tmp_path / "v4.duckdb", 4,
        "insert into remembered_columns values ('learner', 'Learner', 'student_id', "
        "timestamp '2026-11-01 09:00', 'ana@school.edu')")
    assert opened.remembered_mapping(["Learner"], "ana@school.edu")[0] == {
        "student_id": "Learner"}
    assert opened.remembered_columns(["Learner"], "ben@school.edu") is None


def test_value_readings_are_remembered_applied_and_reported(workspace):
    reading = workspace.add_value_reading("parallel_plan", " Applying IM too ", "yes", "local")
    assert reading.written == "Applying IM too" and reading.written_key == "applyingimtoo"
    workspace.add_value_reading("stage", "Sub-I year", "final_year", "local")
    readings = workspace.value_readings()
    assert {(r.field, r.means) for r in readings} == {("parallel_plan", "yes"),
                                                      ("stage", "final_year")}
    raw = read_cohort(csv_text([
        {"Student ID": "S1", "Stage": "sub-i YEAR", "Parallel Plan": "APPLYING IM-TOO"},
        {"Student ID": "S2", "Stage": "M4", "Parallel Plan": "maybe"},
    ]).encode(), "c.csv")
    cohort = load_cohort(raw, readings=readings)
    assert cohort.con.execute("select stage, parallel_plan from canonical_students").fetchall() \
        == [("final_year", True), ("final_year", None)]
    issues = cohort.data_issues().fetchall()
    assert (2, "Parallel Plan", "APPLYING IM-TOO",
            "read as yes by a value reading saved in the workspace", "interpreted") in issues
    assert (2, "Stage", "sub-i YEAR",
            "read as final year by a value reading saved in the workspace",
            "interpreted") in issues
    assert (3, "Parallel Plan", "maybe", "not yes or no, nor a backup specialty",
            "unreadable") in issues
    # Without the readings the same cells are not read: a reading is never assumed.
    plain = load_cohort(raw)
    assert plain.con.execute("select parallel_plan from canonical_students").fetchall() == [
        (None,), (None,)]
    workspace.remove_value_reading("parallel_plan", "applyingimtoo")
    assert [r.field for r in workspace.value_readings()] == ["stage"]


@pytest.mark.parametrize(("field", "written", "means", "message"), [
    ("step2ck_score", "two forty", "yes", "takes no value readings"),
    ("parallel_plan", "IM", "final_year", "must mean one of"),
    ("stage", "---", "clinical", "a letter or digit"),
])
def test_a_reading_that_cannot_be_one_is_refused(workspace, field, written, means, message):
    with pytest.raises(MappingError, match=message):
        workspace.add_value_reading(field, written, means, "local")


def test_settings_and_privacy_persist_in_the_workspace(tmp_path):
    path = tmp_path / "w.duckdb"
    opened = Workspace(path)
    assert opened.saved_config() is None and opened.saved_privacy() is None
    config = Config(Thresholds(step2_low=238), Config().calendar.changed(
        score_release_days=30, milestones=(("match_day", 2027, dt.date(2027, 3, 19)),)))
    opened.save_config(config)
    opened.save_privacy(True)
    opened.close()
    reopened = Workspace(path)
    assert reopened.saved_config() == config
    assert reopened.saved_privacy() is True
    reopened.close()


# The command line ----------------------------------------------------------------------


def cli(*args: str) -> subprocess.CompletedProcess:
    """The CLI in this process (a child process per call would cost a second of start-up
    each; tests/test_cli.py and the busy-file test run it as a process)."""
    stdout = io.TextIOWrapper(io.BytesIO(), encoding="utf-8")
    stderr = io.StringIO()
    with contextlib.redirect_stdout(stdout), contextlib.redirect_stderr(stderr):
        try:
            code = main(list(args))
        except SystemExit as stop:  # argparse refusing the arguments
            code = stop.code
    stdout.flush()
    return subprocess.CompletedProcess(args, code, stdout.buffer.getvalue().decode("utf-8"),
                                       stderr.getvalue())


def test_cli_snapshot_snapshots_and_changes(tmp_path):
    path = tmp_path / "ws.duckdb"
    week1 = tmp_path / "week1.csv"
    week2 = tmp_path / "week2.csv"
    week1.write_text(csv_text([student("S1", Name="=cmd|' /C calc'!A0"),
                               student("S2", **{"Step 2 CK": "250"})]), encoding="utf-8")
    week2.write_text(csv_text([student("S1", Name="=cmd|' /C calc'!A0"),
                               student("S2", **{"Step 2 CK": "229"}), student("S3")]),
                     encoding="utf-8")
    for source, day in ((week1, "2026-11-18"), (week2, "2026-11-25")):
        result = cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT,
                     "--as-of", day)
        assert result.returncode == 0, result.stderr
        assert "saved snapshot" in result.stderr
    listed = list(csv.DictReader(io.StringIO(
        cli("snapshots", "--workspace", str(path)).stdout)))
    assert [(row["cohort"], row["as_of"], row["students"]) for row in listed] == [
        (COHORT, "2026-11-25", "3"), (COHORT, "2026-11-18", "2")]

    result = cli("changes", "--workspace", str(path), "--cohort", COHORT)
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert list(rows[0])[:5] == ["student_id", "name", "change", "before", "after"]
    assert [(r["student_id"], r["change"], r["before"], r["after"]) for r in rows] == [
        ("S2", "risk_level", "low", "high"), ("S2", "flag_raised", "", "STEP2_LOW"),
        ("S2", "step2ck_score", "250", "229"), ("S3", "joined", "", "low")]
    assert "1 student worse" in result.stderr

    out = tmp_path / "changes.csv"
    result = cli("changes", "--workspace", str(path), "--cohort", COHORT, "--from",
                 "2026-11-20", "--to", "2026-11-30", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert len(list(csv.DictReader(out.open(encoding="utf-8-sig")))) == 4
    result = cli("changes", "--workspace", str(path), "--cohort", COHORT, "--from",
                 "2026-11-01")
    assert result.returncode == 2 and "no snapshot of this cohort on or before" in result.stderr
    result = cli("changes", "--workspace", str(path), "--cohort", COHORT, "--to", "2026-11-18")
    assert result.returncode == 2 and "no snapshot before" in result.stderr
    result = cli("changes", "--workspace", str(path), "--cohort", "Nobody")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    xlsx = tmp_path / "changes.xlsx"
    assert cli("changes", "--workspace", str(path), "--cohort", COHORT, "-o",
               str(xlsx)).returncode == 0
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(xlsx)).get_sheet_by_name("Changes").to_python()
    assert sheet[0][:5] == ["student_id", "name", "change", "before", "after"]
    assert len(sheet) == 5


def test_cli_changes_are_formula_safe(tmp_path):
    path = tmp_path / "ws.duckdb"
    week1, week2 = tmp_path / "a.csv", tmp_path / "b.csv"
    week1.write_text(csv_text([student("=1+1", Name="@SUM(A1)")]), encoding="utf-8")
    week2.write_text(csv_text([student("=1+1", Name="@SUM(A1)", **{"Step 2 CK": "230"})]),
                     encoding="utf-8")
    for source, day in ((week1, "2026-11-18"), (week2, "2026-11-25")):
        assert cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT,
                   "--as-of", day).returncode == 0
    rows = list(csv.DictReader(io.StringIO(
        cli("changes", "--workspace", str(path), "--cohort", COHORT).stdout)))
    assert {(row["student_id"], row["name"]) for row in rows} == {("'=1+1", "'@SUM(A1)")}


def test_cli_snapshot_uses_the_remembered_mapping_and_readings(tmp_path):
    path = tmp_path / "ws.duckdb"
    opened = Workspace(path)
    opened.remember_mapping(["Student ID", "Backup", "Mentor"],
                            {"student_id": "Student ID", "parallel_plan": "Backup",
                             "advisor": "Mentor"}, "local")
    opened.add_value_reading("parallel_plan", "Applying IM too", "yes", "local")
    opened.close()
    source = tmp_path / "roster.csv"
    source.write_text("Mentor,Student ID,Backup\nDr Chen,S1,Applying IM too\n",
                      encoding="utf-8")
    result = cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT)
    assert result.returncode == 0, result.stderr
    assert "columns mapped as remembered" in result.stderr
    opened = Workspace(path)
    [info] = opened.snapshots()
    snapshot = opened.open_snapshot(info.snapshot_id)
    # Remembered: detection alone would leave Mentor unmapped.
    assert snapshot.cohort.mapping == {"student_id": "Student ID", "parallel_plan": "Backup",
                                       "advisor": "Mentor"}
    assert snapshot.cohort.con.execute(
        "select student_id, parallel_plan from canonical_students").fetchall() == [("S1", True)]
    opened.close()


# What an adversarial pass found -----------------------------------------------------------


@pytest.mark.parametrize(("before", "after"), [
    ({"Step 2 CK": "200"}, {"Step 2 CK": "two hundred"}),  # unreadable
    ({"Step 2 CK": "200"}, {"Step 2 CK": ""}),  # blanked
    ({"US Plastics Sub-Is": "0"}, {"US Plastics Sub-Is": "zz"}),
])
def test_data_that_was_lost_never_reads_as_better_or_cleared(before, after):
    changes = changes_between([student("S1", **before)], [student("S1", **after)])
    risk = [c for c in changes if c["change"] == "risk_level"]
    assert risk and risk[0]["direction"] == "needs data", changes
    assert not [c for c in changes if c["change"] == "flag_cleared"], changes
    found = Changes(flagged_summary(flagged_of([student("S1", **before)])),
                    flagged_summary(flagged_of([student("S1", **after)], LATER)))
    assert found.summary().better == 0


def test_a_row_that_lost_its_id_is_counted_not_compared():
    found = Changes(flagged_summary(flagged_of([student("S1"), student("S2")])),
                    flagged_summary(flagged_of([student("S1"), student(None)], LATER)))
    assert [row[:4] for row in found.relation().fetchall()] == [
        ("S2", "Student S2", "left", "low")]
    assert found.summary().rows_without_id == 1


def test_an_upload_is_matched_to_a_cohort_by_most_ids_and_names(workspace):
    import pyarrow as pa

    saved = [student(f"S-{n}", Name=f"Student Number {n}") for n in range(10)]
    workspace.save_snapshot(flagged_of(saved), "Class of 2027", "local")

    def match(ids, names):
        return workspace.matching_cohort(pa.table({"student_id": ids, "name": names}))

    same = [f"S-{n}" for n in range(10)]
    assert match(same, [f"student  number {n}" for n in range(10)]) == "Class of 2027"
    assert match([f" s-{n}" for n in range(6)] + ["N-1", "N-2"], [None] * 8) == "Class of 2027"
    assert match(same, [f"Another Person {n}" for n in range(10)]) is None  # another class
    assert match(same[:4] + [f"N-{n}" for n in range(6)],
                 [f"Student Number {n}" for n in range(10)]) is None  # 4 of 10 ids


def test_cohort_names_are_looked_up_as_they_are_stored(workspace):
    info = workspace.save_snapshot(flagged_of([student("S1")]), "Class\tof  2027\x1b[31m",
                                   "local")
    assert info.cohort == "Class of 2027[31m"
    assert workspace.snapshots(" Class of   2027[31m ") == [info]
    workspace.add_note("Class  of 2027[31m", "S1", "local", "a\x00b\nc")
    [note] = workspace.notes("Class of 2027[31m")
    assert note.body == "ab\nc"
    workspace.delete_cohort("Class of 2027[31m ")
    assert workspace.snapshots() == [] and workspace.notes("Class of 2027[31m") == []
    with pytest.raises(WorkspaceError, match="date"):
        workspace.add_note(COHORT, "S1", "local", "x", follow_up="tomorrow")


def test_what_is_not_a_workspace_file_is_refused_and_left_alone(tmp_path):
    roster = tmp_path / "roster.csv"
    roster.write_text("Student ID\nS1\n")
    with pytest.raises(WorkspaceError, match="not a DuckDB database file"):
        Workspace(roster)
    assert roster.read_text() == "Student ID\nS1\n"
    with pytest.raises(WorkspaceError, match="memory"):
        Workspace(":memory:")
    foreign = tmp_path / "payroll.duckdb"
    con = duckdb.connect(str(foreign))
    con.execute("create table payroll (who varchar)")
    con.close()
    with pytest.raises(WorkspaceError, match="not a Cohort Advisor workspace"):
        Workspace(foreign)
    con = duckdb.connect(str(foreign))
    assert con.execute("select table_name from information_schema.tables").fetchall() == [
        ("payroll",)]
    con.close()


def test_a_deletion_keeps_the_file_private_and_follows_a_link(tmp_path):
    real = tmp_path / "real.duckdb"
    link = tmp_path / "link.duckdb"
    opened = Workspace(real)
    opened.close()
    real.chmod(0o600)
    link.symlink_to(real)
    opened = Workspace(link)
    opened.save_snapshot(flagged_of([student("S1")]), COHORT, "local")
    opened.delete_cohort(COHORT)
    opened.close()
    assert link.is_symlink() and link.resolve() == real
    assert real.stat().st_mode & 0o777 == 0o600
    assert Workspace(link).snapshots() == []


def test_a_reading_of_text_that_reads_plainly_is_refused(workspace):
    with pytest.raises(MappingError, match="already reads as no"):
        workspace.add_value_reading("parallel_plan", "No", "yes", "local")
    with pytest.raises(MappingError, match="already reads as final year"):
        workspace.add_value_reading("stage", "M4", "clinical", "local")


def test_cli_refuses_to_overwrite_the_workspace_or_to_invent_one(tmp_path):
    path = tmp_path / "ws.duckdb"
    week = tmp_path / "week.csv"
    week.write_text(csv_text([student("S1")]), encoding="utf-8")
    for day in ("2026-11-18", "2026-11-25"):
        assert cli("snapshot", str(week), "--workspace", str(path), "--cohort", COHORT,
                   "--as-of", day).returncode == 0
    size = path.stat().st_size
    for output in (str(path), str(tmp_path / "." / "ws.duckdb")):
        result = cli("changes", "--workspace", str(path), "--cohort", COHORT, "-o", output)
        assert result.returncode == 2 and "this is the workspace file" in result.stderr
    assert path.stat().st_size == size
    result = cli("snapshot", str(week), "--workspace", str(week), "--cohort", COHORT)
    assert result.returncode == 2 and "input file" in result.stderr
    result = cli("snapshot", str(week), "--workspace", str(tmp_path / "roster.csv"),
                 "--cohort", COHORT)
    assert result.returncode == 0  # a new file: created as a workspace
    week.with_suffix(".txt").write_text("not a database")
    result = cli("snapshots", "--workspace", str(week.with_suffix(".txt")))
    assert result.returncode == 2 and "not a DuckDB database file" in result.stderr
    result = cli("snapshots", "--workspace", str(tmp_path / "missing.duckdb"))
    assert result.returncode == 2 and "there is no workspace" in result.stderr
    assert not (tmp_path / "missing.duckdb").exists()
    result = cli("snapshot", str(tmp_path / "absent.csv"), "--workspace",
                 str(tmp_path / "new.duckdb"), "--cohort", COHORT)
    assert result.returncode == 2 and not (tmp_path / "new.duckdb").exists()
    result = cli("changes", "--workspace", str(path), "--cohort", COHORT, "--from",
                 "2026-11-25", "--to", "2026-11-18")
    assert result.returncode == 2 and "is after --to" in result.stderr


def test_notes_travel_into_summaries_and_exports_as_plain_text(workspace):
    from python_calamine import CalamineWorkbook

    from dashboard.advice import summary_html
    from dashboard.exports import xlsx_bytes

    flagged = flagged_of([student("S1"), student("S2")])
    workspace.add_note(COHORT, "S1", "a@x.edu", "=HYPERLINK(\"http://x\") <b>Met</b> **him**",
                       follow_up=dt.date(2026, 12, 1))
    [note] = workspace.notes(COHORT, "S1")
    record = dict(zip(flagged.relation().columns, flagged.relation().fetchall()[0],
                      strict=True))
    html = summary_html(record, flagged, notes=[note])
    assert "<h2>Advisors' notes</h2>" in html
    assert "&lt;b&gt;Met&lt;/b&gt; **him**" in html and "<b>Met</b>" not in html
    workbook = CalamineWorkbook.from_filelike(io.BytesIO(
        xlsx_bytes(flagged, notes=workspace.notes_for_export(COHORT))))
    rows = workbook.get_sheet_by_name("Notes").to_python()
    assert rows[0] == ["student_id", "written_at", "author", "body", "follow_up",
                       "follow_up_status"]
    # SPEC v3: kept as typed, a text cell with Excel's quote-prefix style (no formula).
    assert rows[1][0] == "S1" and rows[1][3].startswith("=HYPERLINK")
    notes_sheet = openpyxl.load_workbook(io.BytesIO(
        xlsx_bytes(flagged, notes=workspace.notes_for_export(COHORT))))["Notes"]
    assert notes_sheet.cell(2, 4).quotePrefix and notes_sheet.cell(2, 4).data_type == "s"
    assert rows[1][5] == "open"
