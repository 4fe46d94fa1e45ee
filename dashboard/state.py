"""The UI edge: what one browser session holds, and the caching of engine results per session.

A cohort lives in `st.session_state` (a private DuckDB connection per session): two
advisors never share a loaded cohort, and nothing about students is written to disk until
an advisor saves a snapshot or a note in the workspace (`dashboard.workspace`), which the
server process opens once and every session shares. Keys are prefixed by the page that owns
them (`import_`, `students_`, `student_`, `settings_`, `workspace_`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import os
import threading
from dataclasses import dataclass
from pathlib import Path

import streamlit as st

from dashboard import access
from dashboard.changes import Changes, flagged_summary
from dashboard.config import Config
from dashboard.engine import (
    SESSION_MEMORY_LIMIT,
    Cohort,
    MappingError,
    ValueReading,
    apply_remembered,
    detect_mapping,
    load_cohort,
    validate_mapping,
)
from dashboard.flagging import FlaggedCohort
from dashboard.importer import CohortFileError, SheetInfo, is_workbook, read_cohort
from dashboard.isolation import read_upload, workbook_sheets
from dashboard.reports import StudentFilter
from dashboard.sql import sample_cohort_bytes
from dashboard.workspace import (
    LOCAL_AUTHOR,
    RememberedColumns,
    SnapshotInfo,
    Workspace,
    WorkspaceError,
    default_folder,
    default_path,
)

log = logging.getLogger("cohort_advisor.app")

SAMPLE_FILE_NAME = "sample cohort (150 invented students)"
SAMPLE_COHORT_NAME = "Sample cohort"
WORKSPACE_ENV = "COHORT_ADVISOR_WORKSPACE"
UPLOAD_KEY = "import_upload"
PRIVACY_KEY = "app_privacy"
MAX_UPLOAD_MB = 50
LOAD_TIME_LIMIT_S = 60  # one advisor's upload must not hold the server for longer


@dataclass(frozen=True)
class Source:
    file_name: str
    data: bytes
    is_sample: bool
    digest: str  # identifies the file in caches; hashed once, when it arrives
    snapshot: SnapshotInfo | None = None  # a snapshot reopened from the workspace

    @property
    def is_unsaved_upload(self) -> bool:
        return not self.is_sample and self.snapshot is None


def _source(file_name: str, data: bytes, is_sample: bool) -> Source:
    return Source(file_name, data, is_sample, hashlib.sha256(data).hexdigest())


def _snapshot_source(info: SnapshotInfo) -> Source:
    return Source(f"{info.file_name} (snapshot of {info.as_of:%-d %b %Y})", b"", False,
                  f"snapshot-{info.snapshot_id}", info)


# The workspace -------------------------------------------------------------------------


def workspace_path() -> Path:
    """`[cohort_advisor] workspace` of the secrets, else $COHORT_ADVISOR_WORKSPACE, else the
    user's data directory."""
    try:
        configured = st.secrets.get("cohort_advisor", {}).get("workspace")
    except FileNotFoundError:  # no secrets.toml at all
        configured = None
    configured = configured or os.environ.get(WORKSPACE_ENV)
    if configured:
        return Path(str(configured)).expanduser()
    default_folder()
    return default_path()


@st.cache_resource(show_spinner=False)
def _open_workspace(path: str) -> Workspace:
    """One Workspace per file for the whole server process; a failure is not cached, so the
    next run tries again."""
    return Workspace(path)


def workspace() -> Workspace | None:
    """The server's workspace, or None (with `workspace_problem()` saying why)."""
    try:
        return _open_workspace(str(workspace_path()))
    except WorkspaceError as error:
        st.session_state["workspace_problem"] = str(error)
        return None


def workspace_problem() -> str | None:
    return st.session_state.get("workspace_problem")


def require_workspace(what: str) -> Workspace:
    """The workspace for a page that needs it; without one, the page says so and ends."""
    found = workspace()
    if found is None:
        st.warning(f"The workspace is unavailable, so {what} are off in this session.")
        st.text(workspace_problem() or "")
        st.stop()
    return found


def author() -> str:
    """Who writes a note or saves a snapshot: the signed-in email, else "local"."""
    return access.signed_in_email() or LOCAL_AUTHOR


def log_access(action: str, student_id: str | None = None, detail: str | None = None) -> bool:
    """Record who did what when sign-in is on; a student's id at most, never values. False
    when sign-in is on and the log could not be written (the workspace unavailable, held by
    another process, or the disk full): what needs the log must then not go ahead."""
    email = access.signed_in_email()
    if email is None:
        return True
    found = workspace()
    if found is None:
        return False
    try:
        found.log_access(email, action, cohort_name(), student_id, detail)
    except WorkspaceError:
        return False
    except Exception:  # noqa: BLE001 - a log write that failed for any reason is not written
        log.warning("the access log could not be written", exc_info=True)
        return False
    return True


def cohort_name() -> str | None:
    """The workspace cohort this session's data belongs to (notes and snapshots go there):
    a reopened snapshot's; for an upload, the cohort the advisor chose for this very file, or
    else the saved cohort its students are (most ids and names), never merely the latest.
    None is a new cohort, with no notes, history or changes of any other."""
    source = current_source()
    if source.snapshot is not None:
        return source.snapshot.cohort
    if source.is_sample:
        return SAMPLE_COHORT_NAME
    chosen = st.session_state.get("workspace_cohort")
    if chosen is not None and chosen[0] == source.digest:  # chosen, or saved under
        return chosen[1]
    return loaded_cohort().matched_cohort


def set_cohort_name(name: str | None) -> None:
    """The cohort the advisor chose for the session's upload (None: a new cohort)."""
    st.session_state["workspace_cohort"] = (current_source().digest, name)


def open_snapshot(info: SnapshotInfo) -> None:
    """Make a saved snapshot the session's cohort, with the settings it was saved with."""
    current = current_source()
    if current.snapshot is None and not current.is_sample:
        st.session_state["data_before_snapshot"] = current
    st.session_state["data_upload"] = _snapshot_source(info)
    st.session_state["settings_as_of"] = info.as_of
    st.session_state.pop("settings_config", None)  # set from the snapshot once it loads
    st.session_state["data_snapshot_settings"] = info.snapshot_id


def save_note(cohort: str, student_id: str, row: int) -> None:
    """The Save note button's callback: the note typed on the student page for `row`."""
    body = st.session_state.get(f"student_note_body_{row}") or ""
    found = workspace()
    if found is None:
        st.session_state["student_note_problem"] = workspace_problem() or ""
        return
    try:
        found.add_note(cohort, student_id, author(), body,
                       st.session_state.get(f"student_note_date_{row}"))
    except WorkspaceError as error:
        st.session_state["student_note_problem"] = str(error)
        return
    log_access("write_note", student_id=student_id)


def logged_download(what: str, student_id: str | None = None):
    """A download button's on_click: the access log records what was downloaded (never its
    values)."""
    return lambda: log_access("download", student_id=student_id, detail=what)


def set_note_status(note_id: int, student_id: str, done: bool) -> None:
    """The Mark done / Reopen button's callback, logged."""
    _change_note(lambda found: found.set_note_status(note_id, done, author()),
                 "mark_note_done" if done else "reopen_note", student_id, note_id)


def delete_note(note_id: int, student_id: str) -> None:
    """The Delete note button's callback: the note is gone from the workspace file, and the
    access log keeps that it was deleted (by whom, the note's number; never its text)."""
    _change_note(lambda found: found.delete_note(note_id), "delete_note", student_id, note_id)


def _change_note(change, action: str, student_id: str, note_id: int) -> None:
    found = workspace()
    if found is None:
        st.session_state["student_note_problem"] = workspace_problem() or ""
        return
    try:
        change(found)
    except WorkspaceError as error:
        st.session_state["student_note_problem"] = str(error)
        return
    log_access(action, student_id=student_id, detail=f"note {note_id}")


def snapshot_of_upload() -> SnapshotInfo | None:
    """The latest snapshot of the session's cohort read from this very file, if any."""
    found = workspace()
    source = current_source()
    name = cohort_name()
    if found is None or name is None or not source.is_unsaved_upload:
        return None
    return next((info for info in found.snapshots(name)
                 if info.source_digest == source.digest), None)


def baseline() -> SnapshotInfo | None:
    """The snapshot the loaded cohort is compared with: for a reopened snapshot, the one
    before it; for an upload, the cohort's latest as of the session's date or earlier that
    was not read from this same file."""
    found = workspace()
    name = cohort_name()
    if found is None or name is None:
        return None
    source = current_source()
    if source.snapshot is not None:
        return found.previous_snapshot(name, before=source.snapshot)
    return found.previous_snapshot(name, on_or_before=as_of(), other_than=source.digest)


def changes(loaded: Loaded) -> tuple[SnapshotInfo, Changes] | None:
    """What changed since the baseline snapshot, computed once per cohort, settings and
    baseline; the changed ids also feed the Students page's filter."""
    found = workspace()
    since = baseline()
    if found is None or since is None or loaded.flagged is None:
        return None
    # Kept on the session's loaded cohort (each run works on a copy), so that a reload, with
    # its new database, computes them again and fills its own changed_students table.
    held = st.session_state["data_cohort"][1]
    key = (since.snapshot_id, loaded.flagged.config, loaded.flagged.as_of)
    if held.changes is None or held.changes[0] != key:
        computed = Changes(found.snapshot_summary(since.snapshot_id),
                           flagged_summary(loaded.flagged),
                           found.snapshot_fields(since.snapshot_id),
                           loaded.cohort.read_fields())
        cursor = loaded.cohort.con.cursor()
        cursor.execute("delete from changed_students")
        cursor.execute("insert into changed_students select unnest($ids::varchar[])",
                       {"ids": computed.changed_ids()})
        held.changes = (key, since, computed)
    return held.changes[1], held.changes[2]


@functools.cache
def _sample_source() -> Source:
    return _source(SAMPLE_FILE_NAME, sample_cohort_bytes(), is_sample=True)


def remember_upload() -> None:
    """The uploader's on_change callback: keep the file beyond the widget's own state, which
    Streamlit resets when a page is switched from code (`st.switch_page`)."""
    uploaded = st.session_state.get(UPLOAD_KEY)
    source = None if uploaded is None else _source(uploaded.name, uploaded.getvalue(), False)
    current = st.session_state.get("data_upload")
    if current is not None and current.snapshot is not None:
        before = st.session_state.get("data_before_snapshot")
        if source is None or (before is not None and before.digest == source.digest):
            # The widget gave back the file it held when the snapshot was opened (Streamlit
            # resets it on a page switch), or was cleared: the snapshot stays open.
            st.session_state["data_before_snapshot"] = source
            return
        close_snapshot(source)
        return
    st.session_state["data_upload"] = source


def close_snapshot(source: Source | None = None) -> None:
    """Leave a reopened snapshot for `source` (else the upload it replaced): back to today
    and the workspace's settings."""
    st.session_state["data_upload"] = (
        source if source is not None else st.session_state.get("data_before_snapshot"))
    st.session_state.pop("data_before_snapshot", None)
    st.session_state.pop("data_snapshot_settings", None)
    st.session_state.pop("settings_as_of", None)
    st.session_state.pop("settings_config", None)


def remember_privacy() -> None:
    """The privacy switch's on_change callback (kept beyond the widget, like the upload), and
    remembered by the workspace for the next session."""
    privacy = bool(st.session_state.get(PRIVACY_KEY))
    st.session_state["data_privacy"] = privacy
    found = workspace()
    if found is not None:
        found.save_privacy(privacy)
    log_access("privacy_on" if privacy else "privacy_off")


def privacy_mode() -> bool:
    if "data_privacy" not in st.session_state:
        found = workspace()
        saved = found.saved_privacy() if found is not None else None
        st.session_state["data_privacy"] = bool(saved)
    return bool(st.session_state["data_privacy"])


def current_source() -> Source:
    return st.session_state.get("data_upload") or _sample_source()


def config() -> Config:
    """The session's settings: those saved in the workspace until the advisor changes them."""
    if "settings_config" not in st.session_state:
        found = workspace()
        st.session_state["settings_config"] = (found.saved_config() if found else None
                                               ) or Config()
    return st.session_state["settings_config"]


def set_config(new: Config, remember: bool = True) -> None:
    before = st.session_state.get("settings_config")
    st.session_state["settings_config"] = new
    found = workspace()
    if remember and found is not None and current_source().snapshot is None:
        found.save_config(new)
    if before != new:
        log_access("change_settings", detail=_changed_settings(before, new))


def _changed_settings(before: Config | None, after: Config) -> str:
    """The thresholds a change set, as `name: old -> new` (settings are no student data)."""
    if before is None:
        return "settings set"
    old, new = dataclasses.asdict(before.thresholds), dataclasses.asdict(after.thresholds)
    changed = [f"{name}: {old[name]} -> {new[name]}" for name in new if old.get(name) != new[name]]
    return "; ".join(changed) or "calendar or other settings"


def as_of() -> dt.date:
    """The date the rules are evaluated on: today unless the advisor set one."""
    return st.session_state.get("settings_as_of") or dt.date.today()


def set_as_of(new: dt.date | None) -> None:
    if st.session_state.get("settings_as_of") != new:
        log_access("change_as_of", detail=new.isoformat() if new else "today")
    st.session_state["settings_as_of"] = new


def sheets(source: Source) -> list[SheetInfo]:
    """The sheets of an uploaded workbook (empty for a CSV), read once per file."""
    if not is_workbook(source.data):
        return []
    cached = st.session_state.get("import_sheets")
    if cached is None or cached[0] != source.digest:
        try:
            found = workbook_sheets(source.data, source.file_name)
        except CohortFileError:
            found = []
        cached = (source.digest, found)
        st.session_state["import_sheets"] = cached
    return cached[1]


def chosen_sheet(source: Source) -> str | None:
    """The sheet the advisor picked for this file, or None for the first with a cohort."""
    saved = st.session_state.get("import_sheet")
    return saved[1] if saved and saved[0] == source.digest else None


def set_sheet(source: Source, sheet: str | None) -> None:
    st.session_state["import_sheet"] = (source.digest, sheet)
    st.session_state.pop("import_mapping", None)  # a mapping belongs to one sheet's header


def student_filter() -> StudentFilter:
    return st.session_state.setdefault("students_filter", StudentFilter())


def set_student_filter(new: StudentFilter) -> None:
    st.session_state["students_filter"] = new
    st.session_state["students_page"] = 1


def set_mapping_override(source: Source, mapping: dict[str, str] | None,
                         headers: list[str] | None = None, shared: bool = False) -> None:
    """The advisor's mapping for this file; remembered by the workspace for this advisor's
    next file with these columns, or for every advisor's when `shared` (None forgets it: the
    detected mapping is used)."""
    st.session_state["import_mapping"] = (source.digest, mapping)
    found = workspace()
    if found is not None and headers is not None:
        found.remember_mapping(headers, mapping, author(), shared=shared)
        log_access("forget_mapping" if mapping is None
                   else "share_mapping" if shared else "remember_mapping")


def value_readings() -> tuple[ValueReading, ...]:
    found = workspace()
    return found.value_readings() if found is not None else ()


@dataclass
class Loaded:
    source: Source
    cohort: Cohort | None
    error: str | None
    flagged: FlaggedCohort | None = None
    mapping_origin: str = "detected"  # detected, remembered, chosen, snapshot
    remembered: RememberedColumns | None = None  # the memory the mapping was applied from
    matched_cohort: str | None = None  # the saved cohort whose students these are, if any
    flag_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock, repr=False,
                                                  compare=False)
    snapshot_config: Config | None = None  # the settings a reopened snapshot was saved with
    changes: tuple | None = None  # (key, baseline, Changes), computed once per key
    mapping_notes: list[str] = dataclasses.field(default_factory=list)  # what was not carried


def loaded_cohort() -> Loaded:
    """The session's cohort, flagged with the session's settings; loaded once per file, sheet
    and mapping, flagged again only when the settings or the as-of date change."""
    source = current_source()
    override = st.session_state.get("import_mapping")
    chosen = override[1] if override and override[0] == source.digest else None
    has_override = bool(override and override[0] == source.digest)
    sheet = chosen_sheet(source)
    readings = value_readings()
    key = (source.digest, sheet, has_override, tuple(sorted((chosen or {}).items())), readings)
    cached = st.session_state.get("data_cohort")
    if cached is None or cached[0] != key:
        cached = (key, _load(source, chosen, has_override, sheet, readings))
        st.session_state["data_cohort"] = cached
    loaded = cached[1]
    if loaded.source.snapshot is not None and st.session_state.get(
            "data_snapshot_settings") == loaded.source.snapshot.snapshot_id:
        # A reopened snapshot is flagged with the settings it was saved with.
        st.session_state["settings_config"] = loaded.snapshot_config
        st.session_state["data_snapshot_settings"] = -1
    if loaded.cohort is not None:
        reflag(loaded, config(), as_of())
    return loaded


def reflag(loaded: Loaded, new_config: Config, on: dt.date) -> None:
    """Flag the loaded cohort again when the settings or the date changed. A run of the page
    that Streamlit is still stopping may be reading the cohort, and a setting changed just
    before a click starts two runs at once: the flagging goes through its own cursor (one
    DuckDB connection serves one call at a time) and one run at a time, so the second run
    waits for the first and finds the cohort flagged."""
    with loaded.flag_lock:
        if loaded.flagged is not None and (loaded.flagged.config, loaded.flagged.as_of) == (
                new_config, on):
            return
        on_cursor = dataclasses.replace(loaded.cohort, con=loaded.cohort.con.cursor())
        flagged = on_cursor.flag(new_config, on, materialise=True)
        loaded.flagged = dataclasses.replace(flagged, cohort=loaded.cohort)


def _load(source: Source, chosen: dict[str, str] | None, has_override: bool,
          sheet: str | None, readings: tuple[ValueReading, ...]) -> Loaded:
    if source.snapshot is not None:
        return _load_snapshot(source)
    try:
        # Fixed words: a file's name is the uploader's text, and these elements render Markdown.
        with st.spinner("Loading the file: reading, checking every cell, flagging..."):
            if source.is_sample:  # the bundled file, ours
                raw = read_cohort(source.data, source.file_name)
            else:  # parsed in a capped child process
                bar = st.empty()
                raw = read_upload(source.data, source.file_name, sheet=sheet,
                                  on_progress=functools.partial(_show_progress, bar))
                bar.empty()
            mapping, origin = chosen, "chosen" if chosen else "detected"
            detection = detect_mapping(raw)
            found = workspace()
            remembered = (found.remembered_columns(raw.headers, author())
                          if found is not None and not has_override else None)
            notes: list[str] = []
            if remembered is not None:
                mapping, notes = apply_remembered(raw, detection, remembered.columns,
                                                  remembered.gone)
                try:
                    mapping = validate_mapping(raw, mapping)
                    origin = "remembered"  # whose and when: `remembered.origin()`
                except MappingError:
                    # a memory without the id: as for a new file
                    mapping, notes, remembered = None, [], None
            cohort = load_cohort(raw, mapping, time_limit=LOAD_TIME_LIMIT_S,
                                 memory_limit=SESSION_MEMORY_LIMIT, readings=readings,
                                 detection=detection)
    except (CohortFileError, MappingError) as error:
        return Loaded(source, None, str(error))
    return Loaded(source, cohort, None, mapping_origin=origin, mapping_notes=notes,
                  remembered=remembered, matched_cohort=_matching_cohort(cohort))


def _show_progress(bar, rows: int, total: int) -> None:
    bar.progress(min(rows / total, 1.0), text=f"Reading row {rows:,} of about {total:,}")


def _matching_cohort(cohort: Cohort) -> str | None:
    found = workspace()
    if found is None or not found.cohorts():
        return None
    students = cohort.con.sql("select student_id, name from canonical_students").to_arrow_table()
    try:
        return found.matching_cohort(students)
    except WorkspaceError:
        return None  # the workspace's own problem is said in the sidebar


def _load_snapshot(source: Source) -> Loaded:
    found = workspace()
    if found is None:
        return Loaded(source, None, workspace_problem() or "the workspace is not available")
    try:
        with st.spinner("Opening the snapshot..."):
            opened = found.open_snapshot(source.snapshot.snapshot_id, limit_memory=True)
    except WorkspaceError as error:
        return Loaded(source, None, str(error))
    loaded = Loaded(source, opened.cohort, None, mapping_origin="snapshot")
    loaded.snapshot_config = opened.config
    return loaded


def require_cohort() -> Loaded:
    """The session's cohort for a page; a refused file shows its message and ends the page."""
    from dashboard.ui import show_refusal

    loaded = loaded_cohort()
    if loaded.cohort is None:
        show_refusal(loaded.error)
        st.stop()
    # Each run of a page reads through its own cursor: Streamlit may start a new run while the
    # last is still stopping, and one DuckDB connection refuses a second call at a time.
    cohort = dataclasses.replace(loaded.cohort, con=loaded.cohort.con.cursor())
    flagged = dataclasses.replace(loaded.flagged, cohort=cohort, cursor=None)
    return dataclasses.replace(loaded, cohort=cohort, flagged=flagged)
