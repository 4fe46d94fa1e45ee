"""Workspace faults: a full disk during a delete, a rewrite killed half-way, file modes, and
an access log that a deletion leaves whole."""
from __future__ import annotations

import contextlib
import os
import shutil
import stat
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from dashboard.workspace import Workspace, WorkspaceError, default_folder, default_path
from tests.conftest import csv_text
from tests.test_workspace import COHORT, cli, flagged_of, student


def test_deleting_a_cohort_keeps_its_access_log_rows(tmp_path):
    opened = Workspace(tmp_path / "workspace.duckdb")
    opened.save_snapshot(flagged_of([student("S1")]), COHORT, "local")
    opened.log_access("a@example.edu", "open_student", COHORT, "S1")
    opened.log_access("a@example.edu", "delete_cohort", COHORT)
    opened.delete_cohort(COHORT)
    assert list(opened.access_log()["action"]) == ["delete_cohort", "open_student"]
    opened.close()


def test_the_workspace_and_its_wal_are_the_owners_only(tmp_path):
    path = tmp_path / "workspace.duckdb"
    opened = Workspace(path)
    opened.add_note(COHORT, "S1", "local", "private")
    wal = path.with_name(path.name + ".wal")
    for name in (path, wal):
        if name.exists():
            assert stat.S_IMODE(name.stat().st_mode) == 0o600, name
    opened.close()
    path.chmod(0o644)
    Workspace(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_a_folder_other_accounts_may_open_is_refused_for_writing(tmp_path):
    folder = tmp_path / "shared"
    folder.mkdir()
    for mode in (0o755, 0o750, 0o711, 0o1777):
        folder.chmod(mode)
        with pytest.raises(WorkspaceError, match=rf"folder {folder} can be opened by other "
                           rf"accounts.*mode is {mode:04o}.*chmod 700"):
            Workspace(folder / "workspace.duckdb")
        assert list(folder.iterdir()) == []  # nothing was created
    source = tmp_path / "week.csv"
    source.write_text(csv_text([student("S1")]), encoding="utf-8")
    refused = cli("snapshot", str(source), "--workspace", str(folder / "ws.duckdb"),
                  "--cohort", COHORT)
    assert refused.returncode == 2 and "chmod 700" in refused.stderr, refused.stderr
    assert "Traceback" not in refused.stderr
    folder.chmod(0o700)
    Workspace(folder / "workspace.duckdb").close()
    folder.chmod(0o755)  # reading never creates a file: a read-only command still works
    Workspace(folder / "workspace.duckdb", read_only=True).close()


def test_the_default_folder_is_made_the_owners_only(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    assert default_path().parent == tmp_path / "data" / "cohort-advisor"
    assert default_folder() == default_path().parent
    assert stat.S_IMODE(default_path().parent.stat().st_mode) == 0o700
    default_path().parent.chmod(0o755)  # as an earlier version made it
    default_folder()
    assert stat.S_IMODE(default_path().parent.stat().st_mode) == 0o700
    Workspace(default_path()).close()


def test_a_rewrite_killed_before_it_was_put_in_place_leaves_no_side_file(tmp_path):
    path = tmp_path / "workspace.duckdb"
    Workspace(path).close()
    stale = path.with_name(path.name + ".compacting")
    stale.write_bytes(b"half a file")
    Workspace(path).close()
    assert not stale.exists()


FULL_DISK = """
import resource, signal, sys
from dashboard.workspace import Workspace, WorkspaceError
from tests.test_workspace import COHORT, flagged_of, student
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # writes past the limit fail with EFBIG
opened = Workspace(sys.argv[1])
opened.save_snapshot(flagged_of([student(f"S{i}") for i in range(300)]), COHORT, "local")
opened.add_note(COHORT, "S1", "local", "note " * 500)
resource.setrlimit(resource.RLIMIT_FSIZE, (4096, 4096))
try:
    opened.delete_cohort(COHORT)
except WorkspaceError as error:
    print(error)
print(len(opened.snapshots()), flush=True)  # the workspace still answers
"""


def test_a_full_disk_during_a_delete_says_so_and_leaves_the_workspace_usable(tmp_path):
    done = subprocess.run([sys.executable, "-c", FULL_DISK, str(tmp_path / "w.duckdb")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "the disk is full" in done.stdout
    assert "Traceback" not in done.stderr


KILLED_DELETE = """
import os, signal, sys
import dashboard.workspace as workspace
from tests.test_workspace import COHORT
opened = workspace.Workspace(sys.argv[1])
def killed(*args, **kwargs):
    os.kill(os.getpid(), signal.SIGKILL)
point = sys.argv[2]
if point == "after the commit":  # the rows deleted, the file not yet rewritten
    opened.compact = killed
elif point == "before the rewrite is put in place":
    workspace.os.replace = killed
elif point == "after the rewrite is put in place":  # the old WAL left, not yet reopened
    opened._open = killed
getattr(opened, sys.argv[3])(*sys.argv[4:])
"""


@pytest.mark.parametrize("what", ["delete_cohort", "delete_note"])
@pytest.mark.parametrize("point", ["after the commit", "before the rewrite is put in place",
                                   "after the rewrite is put in place"])
def test_a_delete_killed_at_any_point_leaves_nothing_once_reopened(tmp_path, point, what):
    path = tmp_path / "workspace.duckdb"
    canary = "Zzyzx-Quillfeather-killed"
    opened = Workspace(path)
    with opened.cursor() as cur:  # plain storage, so that the canary is findable in the file
        cur.execute("set force_compression = 'uncompressed'")
    opened.save_snapshot(flagged_of([student("S1", Name=canary)]), COHORT, "local")
    opened.save_snapshot(flagged_of([student("S2")]), "Class of 2028", "local")
    opened.add_note(COHORT, "S1", "local", "a note on " + canary)
    opened.add_note("Class of 2028", "S2", "local", "kept note")
    with opened.cursor() as cur:
        cur.execute("checkpoint")
    opened.close()
    assert canary.encode() in path.read_bytes()
    argument = COHORT
    if what == "delete_note":  # the only copy of the canary left is the note's
        with Workspace(path) as reopened:
            reopened.delete_cohort(COHORT)
            with reopened.cursor() as cur:
                cur.execute("set force_compression = 'uncompressed'")
            argument = str(reopened.add_note("Class of 2028", "S2", "local", canary))
            with reopened.cursor() as cur:
                cur.execute("checkpoint")
        assert canary.encode() in path.read_bytes()
    killed = subprocess.run([sys.executable, "-c", KILLED_DELETE, str(path), point, what,
                             argument], capture_output=True, text=True, timeout=120)
    assert killed.returncode == -9, killed.stderr
    assert path.with_name(path.name + ".rewrite-owed").exists()

    reopened = Workspace(path)  # owes the rewrite: done before anything else
    assert not path.with_name(path.name + ".rewrite-owed").exists()
    assert [note.body for note in reopened.notes("Class of 2028")] == ["kept note"]
    assert [info.cohort for info in reopened.snapshots()] == ["Class of 2028"]
    reopened.close()
    assert canary.encode() not in path.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["workspace.duckdb"]


def test_a_note_can_be_deleted_and_leaves_nothing_in_the_file(tmp_path):
    path = tmp_path / "workspace.duckdb"
    opened = Workspace(path)
    with opened.cursor() as cur:
        cur.execute("set force_compression = 'uncompressed'")
    canary = "Zzyzx-Quillfeather-note"
    note_id = opened.add_note(COHORT, "S1", "local", canary)
    kept = opened.add_note(COHORT, "S1", "local", "kept")
    opened.delete_note(note_id)
    assert [note.note_id for note in opened.notes(COHORT)] == [kept]
    opened.close()
    assert canary.encode() not in path.read_bytes()


@contextlib.contextmanager
def as_another_account():
    """Run as an account that may read but not write the files: as root, an unprivileged
    effective uid (root ignores file modes); otherwise this account, with the modes set."""
    if os.geteuid() != 0:
        yield
        return
    os.seteuid(65534)  # nobody
    try:
        yield
    finally:
        os.seteuid(0)


def test_read_only_commands_work_on_a_workspace_they_may_not_write():
    folder = Path(tempfile.mkdtemp())
    try:
        path = folder / "ws.duckdb"
        for day, rows in (("2026-11-18", [student("S1")]),
                          ("2026-11-25", [student("S1"), student("S2")])):
            source = folder / f"{day}.csv"
            source.write_text(csv_text(rows), encoding="utf-8")
            assert cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT,
                       "--as-of", day).returncode == 0
        before = path.read_bytes()
        path.chmod(0o444)
        folder.chmod(0o555)
        with as_another_account():
            listed = cli("snapshots", "--workspace", str(path))
            changed = cli("changes", "--workspace", str(path), "--cohort", COHORT)
        assert listed.returncode == 0, listed.stderr
        assert "2026-11-25" in listed.stdout
        assert changed.returncode == 0, changed.stderr
        assert "S2" in changed.stdout and "joined" in changed.stdout
        assert path.read_bytes() == before
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            ["ws.duckdb", "2026-11-18.csv", "2026-11-25.csv"])
    finally:
        folder.chmod(0o755)
        shutil.rmtree(folder)


def test_a_damaged_block_is_refused_by_name_and_never_written_to(tmp_path):
    """A block of the file that fails its checksum: `changes` says the workspace is damaged
    (not "an unexpected error"), and `snapshot` refuses before writing anything to it."""
    path, source = tmp_path / "ws.duckdb", tmp_path / "week.csv"
    source.write_text(csv_text([student(f"S{n}") for n in range(200)]), encoding="utf-8")
    for day in ("2026-11-18", "2026-11-25"):
        assert cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT,
                   "--as-of", day).returncode == 0
    whole = path.read_bytes()
    block = 256 * 1024
    for start in range(12288 + 1000, len(whole) - 64, block):  # find a block the data lives in
        damaged = bytearray(whole)
        damaged[start:start + 64] = b"\xab" * 64
        path.write_bytes(bytes(damaged))
        result = cli("changes", "--workspace", str(path), "--cohort", COHORT)
        opens = cli("snapshots", "--workspace", str(path)).returncode == 0
        if opens and "is damaged" in result.stderr:  # a block of rows, not the catalogue's
            break
    else:
        raise AssertionError("no block of the workspace held the snapshots' rows")
    assert result.returncode == 2 and "unexpected" not in result.stderr
    assert "restore the workspace from a backup" in result.stderr

    saved = cli("snapshot", str(source), "--workspace", str(path), "--cohort", COHORT,
                "--as-of", "2026-12-02")
    assert saved.returncode == 2 and "is damaged" in saved.stderr
    assert path.read_bytes() == bytes(damaged)
    assert not path.with_name(path.name + ".wal").exists()
