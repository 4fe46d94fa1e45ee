"""AppTest of the workspace: save a snapshot, upload next week's file, see what changed,
write a note with a follow-up, find it on the Follow-ups page, restart and find it all again;
the remembered mapping and value readings; the Import page never shows a mapping not in
effect."""

from __future__ import annotations

import datetime as dt
import hashlib

import streamlit as st
from streamlit.testing.v1 import AppTest

from dashboard import state
from dashboard.importer import read_cohort
from tests.conftest import AS_OF, csv_text
from tests.test_app import frame_with, start
from tests.test_workspace import student

WEEK1 = csv_text([student("A-1"), student("A-2", **{"Step 2 CK": "250"}),
                  student("A-3", Advisor="Dr Chen")]).encode()
WEEK2 = csv_text([student("A-1"), student("A-2", **{"Step 2 CK": "229"}),
                  student("A-3", Advisor="Dr Chen"), student("A-4")]).encode()


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import_upload").set_value((name, data, "text/csv")).run()
    assert not at.exception, at.exception
    return at


def restart(own_workspace) -> None:
    """As a server restart: the process's workspace closed, every cache dropped."""
    state._open_workspace(str(own_workspace)).close()
    st.cache_resource.clear()
    st.cache_data.clear()


def button(at: AppTest, label: str):
    return next(b for b in at.button if b.label == label)


def texts(at: AppTest) -> list[str]:
    return [element.value for element in at.text]


def test_snapshot_changes_notes_follow_ups_survive_a_restart(own_workspace):
    at = upload(start(), "week1.csv", WEEK1)
    assert any("session-only" in c.value for c in at.sidebar.caption)
    at.switch_page("app_pages/workspace.py").run()
    next(t for t in at.text_input if t.label == "Cohort name").set_value("Class of 2027")
    button(at, "Save as snapshot").click().run()
    assert not at.exception, at.exception
    assert any(s.value.startswith("This file is saved") for s in at.success)
    at.switch_page("app_pages/overview.py").run()  # saved: no longer asked to save it
    assert not [c for c in at.caption if c.value.startswith("Save this upload as a snapshot")]

    # Next week's file: the Overview says what changed since the snapshot.
    at.session_state["settings_as_of"] = AS_OF + dt.timedelta(days=7)
    upload(at, "week2.csv", WEEK2)
    at.switch_page("app_pages/overview.py").run()
    assert "What changed since 1 Jul 2026" in [h.value for h in at.subheader]
    assert ("1 student worse, 0 better, 1 joined, 0 left, 1 new flag of Step 2 CK low"
            in texts(at))
    flags = frame_with(at, "raised")
    assert flags.to_dict("records") == [{"flag": "Step 2 CK low", "raised": 1, "cleared": 0}]

    # The Students page lists the changed students only.
    button(at, "List the changed students").click().run()
    assert not at.exception, at.exception
    at.switch_page("app_pages/students.py").run()
    table = at.dataframe(key="students_table").value
    assert sorted(table["student_id"]) == ["A-2", "A-4"]
    at.toggle(key="students_changed_only").set_value(False).run()
    assert len(at.dataframe(key="students_table").value) == 4

    # A note with a follow-up on A-3.
    at.session_state["student_row"] = 4
    at.switch_page("app_pages/student.py").run()
    assert "A-3" in texts(at)[0]
    at.text_area(key="student_note_body_4").set_value("Asked for a second PRS letter <b>now</b>")
    at.date_input(key="student_note_date_4").set_value(AS_OF + dt.timedelta(days=10))
    next(b for b in at.button if b.label == "Save note").click().run()
    assert not at.exception, at.exception
    assert "Asked for a second PRS letter <b>now</b>" in texts(at)  # as typed: never markup

    at.switch_page("app_pages/follow_ups.py").run()
    due = at.dataframe(key="follow_ups_table").value
    assert due[["student", "advisor", "note"]].to_dict("records") == [
        {"student": "A-3", "advisor": "Dr Chen",
         "note": "Asked for a second PRS letter <b>now</b>"}]
    assert frame_with(at, "overdue").to_dict("records") == [
        {"advisor": "Dr Chen", "overdue": 0, "due": 1}]

    # Restart the server: a new session finds the snapshot, the note and the follow-up.
    restart(own_workspace)
    again = start()
    upload(again, "week2.csv", WEEK2)
    assert any(text.startswith("1 student worse") for text in texts(again))
    again.switch_page("app_pages/follow_ups.py").run()
    assert again.dataframe(key="follow_ups_table").value["student"].tolist() == ["A-3"]
    again.switch_page("app_pages/workspace.py").run()
    snapshots = again.dataframe(key="workspace_snapshots_0").value
    assert snapshots[["as of", "students", "file"]].astype(str).to_dict("records") == [
        {"as of": "2026-07-01", "students": "3", "file": "week1.csv"}]


OTHER_CLASS = csv_text([student("A-1", Name="Maria Lopez"), student("A-2", Name="Tom Okafor"),
                        student("A-3", Name="Lin Wei")]).encode()


def test_an_upload_joins_a_cohort_only_when_its_students_are_that_cohorts(own_workspace):
    at = upload(start(), "week1.csv", WEEK1)
    at.switch_page("app_pages/workspace.py").run()
    next(t for t in at.text_input if t.label == "Cohort name").set_value("Class of 2027")
    button(at, "Save as snapshot").click().run()
    at.session_state["student_row"] = 3
    at.switch_page("app_pages/student.py").run()
    at.text_area(key="student_note_body_3").set_value("Disclosed an exam accommodation")
    button(at, "Save note").click().run()
    assert "Disclosed an exam accommodation" in texts(at)

    # Another class numbered the same way: a new cohort, with none of the old one's notes.
    restart(own_workspace)
    other = upload(start(), "other.csv", OTHER_CLASS)
    assert other.sidebar.selectbox(key="app_cohort_picker").value is None  # "a new cohort"
    other.session_state["student_row"] = 3
    other.switch_page("app_pages/student.py").run()
    assert "Tom Okafor" in texts(other)[0]
    assert not any("accommodation" in text for text in texts(other))
    other.switch_page("app_pages/workspace.py").run()
    assert next(t for t in other.text_input if t.label == "Cohort name").value == ""
    other.switch_page("app_pages/overview.py").run()
    assert "What changed since 1 Jul 2026" not in [h.value for h in other.subheader]

    # Said to be that cohort by the advisor, it is.
    other.sidebar.selectbox(key="app_cohort_picker").set_value("Class of 2027").run()
    other.switch_page("app_pages/student.py").run()
    assert "Disclosed an exam accommodation" in texts(other)

    # Next week's copy of the same class is matched by its ids and names.
    restart(own_workspace)
    week2 = upload(start(), "week2.csv", WEEK2)
    assert week2.sidebar.selectbox(key="app_cohort_picker").value == "Class of 2027"
    week2.session_state["student_row"] = 3
    week2.switch_page("app_pages/student.py").run()
    assert "Disclosed an exam accommodation" in texts(week2)


def test_a_reopened_snapshot_shows_the_cohort_as_saved(own_workspace):
    at = upload(start(), "week1.csv", WEEK1)
    workspace = state._open_workspace(str(own_workspace))
    at.switch_page("app_pages/workspace.py").run()
    next(t for t in at.text_input if t.label == "Cohort name").set_value("Class of 2027")
    button(at, "Save as snapshot").click().run()
    [info] = workspace.snapshots()
    at.session_state["settings_as_of"] = AS_OF + dt.timedelta(days=30)
    upload(at, "week2.csv", WEEK2)
    # Open it as the Workspace page's button does (AppTest cannot select a table row).
    at.session_state["data_upload"] = state._snapshot_source(info)
    at.session_state["settings_as_of"] = info.as_of
    at.session_state["data_snapshot_settings"] = info.snapshot_id
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert next(m.value for m in at.metric if m.label == "Students") == "3"
    assert any("saved snapshot of 1 Jul 2026" in c.value for c in at.sidebar.caption)


def test_a_mapping_chosen_once_is_reapplied_to_the_next_file(own_workspace):
    at = upload(start("app_pages/import_data.py"), "week1.csv", WEEK1)
    next(box for box in at.selectbox if box.label == "Advisor").set_value("")
    button(at, "Apply mapping").click().run()
    assert not at.exception, at.exception
    assert next(box for box in at.selectbox if box.label == "Advisor").value == ""

    # Another session, another file with the same columns: the mapping is remembered.
    restart(own_workspace)
    again = upload(start("app_pages/import_data.py"), "week2.csv", WEEK2)
    assert next(box for box in again.selectbox if box.label == "Advisor").value == ""
    assert "Read with the mapping you last used for these columns" in " ".join(texts(again))
    again.switch_page("app_pages/overview.py").run()  # the session keeps the upload
    assert any("Columns read with the mapping you last used" in t.value for t in again.text)
    again.switch_page("app_pages/import_data.py").run()

    # Back to the detected mapping: the form shows it at once (the mapping in effect).
    button(again, "Use the detected mapping").click().run()
    assert next(box for box in again.selectbox if box.label == "Advisor").value == "Advisor"
    assert any("detected from the column names" in c.value for c in again.caption)
    headers = read_cohort(WEEK2, "week2.csv").headers
    assert state._open_workspace(str(own_workspace)).remembered_mapping(headers) is None


def test_one_advisors_mapping_reaches_another_only_when_shared(monkeypatch, own_workspace):
    from dashboard import access

    who = {"email": ""}
    monkeypatch.setattr(access, "signed_in_email", lambda: who["email"])

    def session_of(email: str, name: str, data: bytes) -> AppTest:
        """A new server session signed in as `email`, with `name` uploaded."""
        who["email"] = email
        restart(own_workspace)
        return upload(start("app_pages/import_data.py"), name, data)

    def ana_leaves_advisor_unread(shared: bool) -> None:
        at = session_of("ana@example.edu", "week1.csv", WEEK1)
        next(box for box in at.selectbox if box.label == "Advisor").set_value("")
        if shared:
            at.checkbox(key=next(c.key for c in at.checkbox
                                 if c.key.startswith("import_share_"))).check()
        button(at, "Apply mapping").click().run()
        assert not at.exception, at.exception

    def bens_banners(advisor_column: str) -> list[str]:
        ben = session_of("ben@example.edu", "week2.csv", WEEK2)
        assert next(box for box in ben.selectbox
                    if box.label == "Advisor").value == advisor_column
        ben.switch_page("app_pages/overview.py").run()
        return [t.value for t in ben.text if "Columns read with" in t.value]

    ana_leaves_advisor_unread(shared=False)
    assert bens_banners(advisor_column="Advisor") == []  # Ana's own, not Ben's
    ana_leaves_advisor_unread(shared=True)
    [banner] = bens_banners(advisor_column="")
    assert "the mapping ana@example.edu shared with this workspace" in banner
    actions = state._open_workspace(str(own_workspace)).access_log()["action"].tolist()
    assert actions.count("remember_mapping") == 1 and actions.count("share_mapping") == 1


def test_a_value_reading_added_on_the_import_page_reads_the_cells():
    data = csv_text([student("B-1", **{"Parallel Plan": "Applying IM too"})]).encode()
    at = upload(start("app_pages/import_data.py"), "plans.csv", data)
    assert frame_with(at, "cells")["value"].tolist() == [
        "Applying IM too"]
    at.selectbox(key="import_reading_field").set_value("parallel_plan").run()
    at.text_input(key="import_reading_written").set_value("applying im too").run()
    at.selectbox(key="import_reading_means_parallel_plan").set_value("yes").run()
    button(at, "Add the reading").click().run()
    assert not at.exception, at.exception
    issues = frame_with(at, "problem")
    assert issues[["value", "problem", "kind"]].to_dict("records") == [
        {"value": "Applying IM too",
         "problem": "read as yes by a value reading saved in the workspace",
         "kind": "interpreted"}]
    assert at.dataframe(key="import_readings_table").value.to_dict("records") == [
        {"field": "Parallel plan", "written": "applying im too", "means": "yes"}]


def test_settings_and_privacy_are_remembered_for_the_next_session(own_workspace):
    at = start("app_pages/settings.py")
    at.number_input(key="settings_step2_low").set_value(240)
    button(at, "Apply").click().run()
    at.toggle(key="app_privacy").set_value(True).run()
    assert not at.exception, at.exception
    restart(own_workspace)
    again = start("app_pages/settings.py")
    assert again.number_input(key="settings_step2_low").value == 240
    assert again.toggle(key="app_privacy").value is True
    assert again.session_state["data_cohort"][1].flagged.config.thresholds.step2_low == 240


def test_the_access_log_records_ids_never_values_when_sign_in_is_on(monkeypatch,
                                                                     own_workspace):
    from dashboard import access

    monkeypatch.setattr(access, "signed_in_email", lambda: "advisor.one@example.edu")
    at = upload(start(), "week1.csv", WEEK1)
    at.session_state["workspace_cohort"] = (  # as chosen in the sidebar, for this file
        hashlib.sha256(WEEK1).hexdigest(), "Class of 2027")
    at.session_state["student_row"] = 3
    at.switch_page("app_pages/student.py").run()
    at.text_area(key="student_note_body_3").set_value("Private words about Step 2")
    next(b for b in at.button if b.label == "Save note").click().run()
    at.switch_page("app_pages/access_log.py").run()
    assert not at.exception, at.exception
    log = state._open_workspace(str(own_workspace)).access_log()
    assert log[["who", "action", "student_id"]].values.tolist() == [
        ["advisor.one@example.edu", "write_note", "A-2"],
        ["advisor.one@example.edu", "open_student", "A-2"]]
    assert not log.astype(str).apply(
        lambda column: column.str.contains("Private words|Student A-2")).any().any()
    [note] = state._open_workspace(str(own_workspace)).notes("Class of 2027", "A-2")
    assert note.author == "advisor.one@example.edu"
    assert at.title[0].value == "Access log"
    assert frame_with(at, "action")["action"].tolist() == ["write_note", "open_student"]


def test_a_note_is_marked_done_and_deleted_and_the_log_keeps_both(monkeypatch, own_workspace):
    from dashboard import access

    monkeypatch.setattr(access, "signed_in_email", lambda: "advisor.one@example.edu")
    at = upload(start(), "week1.csv", WEEK1)
    at.session_state["workspace_cohort"] = (hashlib.sha256(WEEK1).hexdigest(), "Class of 2027")
    at.session_state["student_row"] = 3
    at.switch_page("app_pages/student.py").run()
    at.text_area(key="student_note_body_3").set_value("Disclosed an exam accommodation")
    at.date_input(key="student_note_date_3").set_value(AS_OF + dt.timedelta(days=3))
    button(at, "Save note").click().run()
    [note] = state._open_workspace(str(own_workspace)).notes("Class of 2027", "A-2")

    button(at, "Mark done").click().run()
    assert not at.exception, at.exception
    [done] = state._open_workspace(str(own_workspace)).notes("Class of 2027", "A-2")
    assert (done.status, done.done_by) == ("done", "advisor.one@example.edu")
    assert "Reopen" in [b.label for b in at.button]

    button(at, "Delete the note").click().run()
    assert not at.exception, at.exception
    assert "Disclosed an exam accommodation" not in texts(at)
    opened = state._open_workspace(str(own_workspace))
    assert opened.notes("Class of 2027", "A-2") == []
    log = opened.access_log()
    assert log[["action", "student_id", "detail"]].fillna("").values.tolist()[:3] == [
        ["delete_note", "A-2", f"note {note.note_id}"],
        ["mark_note_done", "A-2", f"note {note.note_id}"],
        ["write_note", "A-2", ""]]
    assert not log.astype(str).apply(lambda c: c.str.contains("accommodation")).any().any()


def test_settings_and_privacy_changes_are_in_the_access_log(monkeypatch, own_workspace):
    """A change of settings or of privacy mode is logged with what changed."""
    from dashboard import access

    monkeypatch.setattr(access, "signed_in_email", lambda: "advisor.one@example.edu")
    at = start("app_pages/settings.py")
    at.number_input(key="settings_step2_low").set_value(240)
    button(at, "Apply").click().run()
    at.toggle(key="app_privacy").set_value(True).run()
    assert not at.exception, at.exception
    log = state._open_workspace(str(own_workspace)).access_log()
    rows = log[["action", "detail"]].fillna("").values.tolist()
    assert ["change_settings", "step2_low: 235 -> 240"] in rows
    assert ["privacy_on", ""] in rows


def click_every_download(at: AppTest, page: str) -> list[str]:
    """Click each download button of `page` in turn; their labels."""
    at.switch_page(page).run()
    labels = [found.label for found in at.get("download_button")]
    for index in range(len(labels)):
        at.get("download_button")[index].click().run()
        assert not at.exception, at.exception
    return labels


def test_every_download_is_in_the_access_log_with_what_was_downloaded(monkeypatch,
                                                                      own_workspace):
    """Each download button's on_click writes one `download` (or, on the Export page, `export`)
    row naming what was taken (and the student, for a student's plan), never the values in
    it."""
    from dashboard import access

    monkeypatch.setattr(access, "signed_in_email", lambda: "advisor.one@example.edu")
    at = upload(start(), "week1.csv", WEEK1)
    at.session_state["student_row"] = 2
    at.session_state["calendar_days"] = 90  # the window in which these students have steps
    clicked = {page: click_every_download(at, f"app_pages/{page}.py")
               for page in ("export", "calendar", "student", "import_data")}
    assert all(clicked.values()), {page: len(labels) for page, labels in clicked.items()}
    log = state._open_workspace(str(own_workspace)).access_log()
    downloads = log[log["action"].isin(["download", "export"])]
    details = downloads["detail"].tolist()
    # Every button is logged but the blank template, which holds no student's data.
    with_data = [label for labels in clicked.values() for label in labels
                 if not label.startswith("Download a template")]
    assert len(details) == len(with_data) == 10, (clicked, details)
    for what in ("CSV, 3 students", "XLSX, 3 students", "advising summaries, 3 students",
                 "cohort report, 3 students", "calendar CSV, 90 days", "advising summary",
                 "calendar (.ics), 90 days", "plan (.ics)", "mapping", "data issues CSV"):
        assert what in details, (what, details)
    of_student = downloads[downloads["detail"].isin(["plan (.ics)", "advising summary"])]
    assert of_student["student_id"].tolist() == ["A-1", "A-1"]  # row 2, the first student
    assert set(downloads["who"]) == {"advisor.one@example.edu"}
    assert not log.astype(str).apply(lambda c: c.str.contains("Student A-")).any().any()


def test_no_student_page_opens_when_the_access_log_cannot_be_written(monkeypatch, tmp_path):
    from dashboard import access

    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the workspace's folder should be")
    monkeypatch.setenv("COHORT_ADVISOR_WORKSPACE", str(blocker / "workspace.duckdb"))
    monkeypatch.setattr(access, "signed_in_email", lambda: "advisor.one@example.edu")
    at = upload(start(), "week1.csv", WEEK1)
    at.session_state["student_row"] = 3
    at.switch_page("app_pages/student.py").run()
    assert not at.exception, at.exception
    assert any("access log cannot be written" in e.value for e in at.error)
    assert not any("A-2" in text for text in texts(at))  # nothing of the student shown

    monkeypatch.setattr(access, "signed_in_email", lambda: None)  # sign-in off: no log needed
    at.switch_page("app_pages/student.py").run()
    assert not any("access log" in e.value for e in at.error)


def test_a_blank_count_in_the_history_reads_not_given(own_workspace):
    at = upload(start(), "week1.csv", csv_text([
        student("B-1", **{"Step 2 CK": "", "US Plastics Sub-Is": ""})]).encode())
    at.switch_page("app_pages/workspace.py").run()
    next(t for t in at.text_input if t.label == "Cohort name").set_value("Class of 2027")
    button(at, "Save as snapshot").click().run()
    at.session_state["student_row"] = 2
    at.switch_page("app_pages/student.py").run()
    assert not at.exception, at.exception
    history = frame_with(at, "us_plastics_subis")
    assert history[["step2ck_score", "us_plastics_lors", "us_plastics_subis"]].to_dict(
        "records") == [{"step2ck_score": "not given", "us_plastics_lors": "2",
                        "us_plastics_subis": "not given"}]
