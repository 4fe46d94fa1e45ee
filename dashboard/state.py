"""The UI edge: what one browser session holds, and the caching of engine results per session.

A cohort lives in `st.session_state` (a private DuckDB connection per session): two
advisors never share data, and nothing about students is written to disk. Keys are
prefixed by the page that owns them (`import_`, `students_`, `student_`, `settings_`).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
from dataclasses import dataclass

import streamlit as st

from dashboard.config import Config
from dashboard.engine import SESSION_MEMORY_LIMIT, Cohort, MappingError, load_cohort
from dashboard.flagging import FlaggedCohort
from dashboard.importer import ZIP_MAGIC, CohortFileError, SheetInfo, read_cohort
from dashboard.isolation import read_workbook, workbook_sheets
from dashboard.reports import StudentFilter
from dashboard.sql import sample_cohort_bytes

log = logging.getLogger("cohort_advisor.app")

SAMPLE_FILE_NAME = "sample cohort (150 invented students)"
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


def _source(file_name: str, data: bytes, is_sample: bool) -> Source:
    return Source(file_name, data, is_sample, hashlib.sha256(data).hexdigest())


@functools.cache
def _sample_source() -> Source:
    return _source(SAMPLE_FILE_NAME, sample_cohort_bytes(), is_sample=True)


def remember_upload() -> None:
    """The uploader's on_change callback: keep the file beyond the widget's own state, which
    Streamlit resets when a page is switched from code (`st.switch_page`)."""
    uploaded = st.session_state.get(UPLOAD_KEY)
    st.session_state["data_upload"] = (
        None if uploaded is None else _source(uploaded.name, uploaded.getvalue(), False))


def remember_privacy() -> None:
    """The privacy switch's on_change callback (kept beyond the widget, like the upload)."""
    st.session_state["data_privacy"] = bool(st.session_state.get(PRIVACY_KEY))


def privacy_mode() -> bool:
    return bool(st.session_state.get("data_privacy", False))


def current_source() -> Source:
    return st.session_state.get("data_upload") or _sample_source()


def config() -> Config:
    return st.session_state.setdefault("settings_config", Config())


def set_config(new: Config) -> None:
    st.session_state["settings_config"] = new


def as_of() -> dt.date:
    """The date the rules are evaluated on: today unless the advisor set one."""
    return st.session_state.get("settings_as_of") or dt.date.today()


def set_as_of(new: dt.date | None) -> None:
    st.session_state["settings_as_of"] = new


def sheets(source: Source) -> list[SheetInfo]:
    """The sheets of an uploaded workbook (empty for a CSV), read once per file."""
    if not source.data.startswith(ZIP_MAGIC):
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


def mapping_override(source: Source) -> dict[str, str] | None:
    """The advisor's column mapping for this file, or None to use the detected one."""
    saved = st.session_state.get("import_mapping")
    if saved is None or saved[0] != source.digest:
        return None
    return saved[1]


def set_mapping_override(source: Source, mapping: dict[str, str] | None) -> None:
    st.session_state["import_mapping"] = None if mapping is None else (source.digest, mapping)


@dataclass
class Loaded:
    source: Source
    cohort: Cohort | None
    error: str | None
    flagged: FlaggedCohort | None = None


def loaded_cohort() -> Loaded:
    """The session's cohort, flagged with the session's settings; loaded once per file, sheet
    and mapping, flagged again only when the settings or the as-of date change."""
    source = current_source()
    mapping = mapping_override(source)
    sheet = chosen_sheet(source)
    key = (source.digest, sheet, tuple(sorted((mapping or {}).items())))
    cached = st.session_state.get("data_cohort")
    if cached is None or cached[0] != key:
        cached = (key, _load(source, mapping, sheet))
        st.session_state["data_cohort"] = cached
    loaded = cached[1]
    if loaded.cohort is not None and (
            loaded.flagged is None
            or (loaded.flagged.config, loaded.flagged.as_of) != (config(), as_of())):
        loaded.flagged = loaded.cohort.flag(config(), as_of(), materialise=True)
    return loaded


def _load(source: Source, mapping: dict[str, str] | None, sheet: str | None) -> Loaded:
    try:
        with st.spinner(f"Loading {source.file_name}: reading, checking every cell, flagging..."):
            if source.data.startswith(ZIP_MAGIC):  # parsed in a capped child process
                raw = read_workbook(source.data, source.file_name, sheet=sheet)
            else:
                raw = read_cohort(source.data, source.file_name, sheet=sheet)
            cohort = load_cohort(raw, mapping, time_limit=LOAD_TIME_LIMIT_S,
                                 memory_limit=SESSION_MEMORY_LIMIT)
    except (CohortFileError, MappingError) as error:
        return Loaded(source, None, str(error))
    return Loaded(source, cohort, None)


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
    return Loaded(loaded.source, cohort, None, flagged)
