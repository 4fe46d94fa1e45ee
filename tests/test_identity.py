"""Student IDs that differ in ways a person cannot see are one ID; IDs that only look alike
(capitals, leading zeros, a Cyrillic letter) are reported for the advisor to confirm, never
merged: within one file, between two snapshots, and for the notes kept under an ID. The ID
shown and exported stays as written."""

from __future__ import annotations

import csv
import datetime as dt

import pytest

from dashboard.changes import Changes, flagged_summary
from dashboard.cli import main
from dashboard.reports import students_by_id
from dashboard.workspace import Workspace
from tests.conftest import AS_OF, csv_text, load_rows
from tests.test_workspace import COHORT, LATER, flagged_of, student

PLAIN = "S1001"
# (how it differs, the ID as written this week, the same student's ID last week)
SAME = [
    ("no-break space", "S1001\u00a0", PLAIN),
    ("trailing tab", "S1001\t", PLAIN),
    ("full-width digits", "S\uff11\uff10\uff10\uff11", PLAIN),
    ("zero-width space", "S10\u200b01", PLAIN),
]
# (how it differs, this week, last week, the words that say how)
LOOK_ALIKE = [
    ("case", "ab0012", "AB0012", "capital letters"),
    ("leading zeros", "0001001", "1001", "leading zeros"),
    ("Cyrillic letter", "S100\u0415", "S100E", "another alphabet"),  # Cyrillic Е
    ("case and zeros", "AB0012", "ab12", "capital letters, leading zeros"),
]
same_ids = pytest.mark.parametrize("how, written, plain", SAME, ids=[c[0] for c in SAME])
look_alike_ids = pytest.mark.parametrize("how, written, other, words", LOOK_ALIKE,
                                         ids=[c[0] for c in LOOK_ALIKE])


def issues_by_row(rows: list[dict]) -> dict[int, list[tuple]]:
    found: dict[int, list[tuple]] = {}
    for row, column, value, problem, kind in load_rows(rows).data_issues().fetchall():
        found.setdefault(row, []).append((column, value, problem, kind))
    return found


def changes_of(before_ids: list[str], after_ids: list[str]) -> Changes:
    return Changes(flagged_summary(flagged_of([student(i) for i in before_ids])),
                   flagged_summary(flagged_of([student(i) for i in after_ids], LATER)))


# Within one file -----------------------------------------------------------------------


@same_ids
def test_ids_differing_invisibly_in_one_file_are_a_repeated_id(how, written, plain):
    rows = [student(written), student(plain), student("S2000")]
    issues = issues_by_row(rows)
    for row, value in ((2, written), (3, plain)):
        [(column, shown, problem, kind)] = issues[row]
        assert (column, shown, kind) == ("Student ID", value, "identity")
        assert problem.startswith("student ID repeated on 2 rows (2, 3)")
        assert "invisible characters" in problem
    assert 4 not in issues
    assert load_rows(rows).student_count == 3  # every row is kept


@look_alike_ids
def test_look_alike_ids_in_one_file_name_each_other_and_stay_two(how, written, other, words):
    issues = issues_by_row([student(written), student(other), student("S2000")])
    [(_, value, problem, kind)] = issues[2]
    assert (value, kind) == (written, "identity")
    assert f"{written!r} looks like {other!r} on row 3" in problem
    assert words in problem and "confirm" in problem
    assert "repeated" not in problem
    [(_, value, problem, _)] = issues[3]
    assert value == other and f"looks like {written!r} on row 2" in problem
    assert 4 not in issues


def test_an_id_of_invisible_characters_only_is_no_id():
    issues = issues_by_row([student("\u00a0\u200b"), student("S2000")])
    [(_, _, problem, kind)] = issues[2]
    assert kind == "identity" and "only invisible characters" in problem
    assert "ROW-2" in problem


@pytest.mark.parametrize("written", [w for _, w, _ in SAME] + [w for _, w, _, _ in LOOK_ALIKE])
def test_the_exported_id_is_the_id_as_written(written, tmp_path):
    source = tmp_path / "cohort.csv"
    source.write_text(csv_text([student(written), student("S2000")]), encoding="utf-8")
    output, issues = tmp_path / "out.csv", tmp_path / "issues.csv"
    assert main(["flag", str(source), "-o", str(output), "--issues", str(issues),
                 "--as-of", AS_OF.isoformat()]) == 0
    with output.open(encoding="utf-8-sig", newline="") as handle:
        exported = [row["student_id"] for row in csv.DictReader(handle)]
    assert exported == [written, "S2000"]


# Between two snapshots -----------------------------------------------------------------


@same_ids
def test_ids_differing_invisibly_are_the_same_student_next_week(how, written, plain):
    found = changes_of([plain, "S2000"], [written, "S2000"])
    assert found.relation().fetchall() == []  # nobody left or joined
    assert found.look_alikes().fetchall() == []
    summary = found.summary(AS_OF)
    assert (summary.joined, summary.left, summary.ambiguous_ids) == (0, 0, 0)


@same_ids
def test_a_changed_student_is_named_as_the_later_file_writes_the_id(how, written, plain):
    before = [student(plain, **{"Step 2 CK": "250"})]
    after = [student(written, **{"Step 2 CK": "230"})]
    found = Changes(flagged_summary(flagged_of(before)), flagged_summary(flagged_of(after)))
    changes = found.relation().fetchall()
    assert {change[0] for change in changes} == {written}
    assert ("step2ck_score", "250", "230") in [change[2:5] for change in changes]


@look_alike_ids
def test_look_alike_ids_next_week_are_a_join_and_a_leave_to_confirm(how, written, other,
                                                                    words):
    found = changes_of([other, "S2000"], [written, "S2000"])
    changes = {change[2]: change for change in found.relation().fetchall()}
    assert set(changes) == {"joined", "left"}
    assert changes["joined"][0] == written and changes["left"][0] == other
    joined_detail, left_detail = changes["joined"][6], changes["left"][6]
    assert f"{written!r} looks like {other!r} in the earlier file (row 2)" in joined_detail
    assert f"{other!r} looks like {written!r} in the later file (row 2)" in left_detail
    assert words in joined_detail and "confirm" in joined_detail
    [(after_id, after_row, before_id, before_row, _, _)] = found.look_alikes().fetchall()
    assert (after_id, after_row, before_id, before_row) == (written, 2, other, 2)
    summary = found.summary(AS_OF)
    assert (summary.joined, summary.left, summary.look_alike_ids) == (1, 1, 1)


def test_ids_repeated_but_for_invisible_characters_are_ambiguous_next_week():
    found = changes_of([PLAIN], [PLAIN, PLAIN + "\u00a0"])
    assert found.relation().fetchall() == []
    assert found.ambiguous().fetchall() == [(PLAIN, 1, 2)]


def test_the_changes_csv_says_which_ids_look_alike(tmp_path):
    with Workspace(tmp_path / "workspace.duckdb") as workspace:
        workspace.save_snapshot(flagged_of([student("AB0012")]), COHORT, "local")
        workspace.save_snapshot(flagged_of([student("ab12")], LATER), COHORT, "local")
    output = tmp_path / "changes.csv"
    assert main(["changes", "--workspace", str(tmp_path / "workspace.duckdb"), "--cohort",
                 COHORT, "-o", str(output)]) == 0
    with output.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    assert [(row["student_id"], row["change"]) for row in rows] == [("ab12", "joined"),
                                                                    ("AB0012", "left")]
    assert all("looks like" in row["detail"] and "confirm" in row["detail"] for row in rows)


# Notes, history and cohorts kept under an ID --------------------------------------------


@same_ids
def test_notes_and_history_follow_an_id_written_invisibly_differently(how, written, plain,
                                                                      tmp_path):
    with Workspace(tmp_path / "workspace.duckdb") as workspace:
        workspace.save_snapshot(flagged_of([student(plain, Name="Ana Diaz"),
                                            student("S2000")]), COHORT, "local")
        note = workspace.add_note(COHORT, plain, "local", "Letters promised",
                                  follow_up=dt.date(2026, 12, 1))
        this_week = [student(written, Name="Ana Diaz"), student("S2000")]
        assert [n.note_id for n in workspace.notes(COHORT, written)] == [note]
        assert len(workspace.student_history(COHORT, written)) == 1
        students = flagged_of(this_week).cohort.con.sql(
            "select student_id, name from canonical_students").to_arrow_table()
        assert workspace.matching_cohort(students) == COHORT


@look_alike_ids
def test_notes_are_not_merged_onto_a_look_alike_id(how, written, other, words, tmp_path):
    with Workspace(tmp_path / "workspace.duckdb") as workspace:
        workspace.add_note(COHORT, other, "local", "Letters promised")
        assert workspace.notes(COHORT, written) == []


@same_ids
def test_a_follow_up_finds_its_student_in_the_file(how, written, plain):
    flagged = flagged_of([student(written), student("S2000")])
    found = students_by_id(flagged, [plain])
    assert found["student_id"].tolist() == [plain]  # as the note asked, to merge on
    assert found["source_row"].tolist() == [2]
