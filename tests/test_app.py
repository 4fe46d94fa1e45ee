"""AppTest: every page runs, and the widgets an advisor touches change what is shown."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from tests.conftest import AS_OF

APP = str(Path(__file__).resolve().parent.parent / "dashboard" / "app.py")
MESSY = Path(__file__).resolve().parent / "data" / "messy_cohort.csv"
PAGES = ["app_pages/overview.py", "app_pages/students.py", "app_pages/student.py",
         "app_pages/calendar.py",
         "app_pages/import_data.py", "app_pages/export.py", "app_pages/settings.py",
         "app_pages/workspace.py", "app_pages/follow_ups.py"]


def start(page: str | None = None) -> AppTest:
    """The app as an advisor opens it, with the rules evaluated on the tests' fixed date."""
    at = AppTest.from_file(APP, default_timeout=60)
    at.session_state["settings_as_of"] = AS_OF
    at.run()
    if page:
        at.switch_page(page).run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, path: Path = MESSY) -> AppTest:
    # The uploader's on_change keeps the file for the session, as in the browser.
    at.file_uploader(key="import_upload").set_value((path.name, path.read_bytes(), "text/csv"))
    at.run()
    assert not at.exception, at.exception
    return at


def frame_with(at: AppTest, column: str):
    """The first table on the page that has this column (display tables carry no key)."""
    return next(df.value for df in at.dataframe if column in df.value.columns)


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


@pytest.mark.parametrize("page", PAGES)
def test_every_page_runs_on_the_sample(page):
    at = start(page)
    assert at.title, f"{page} shows no title"
    assert not at.error


def test_overview_answers_who_needs_attention():
    at = start()
    assert metric(at, "Students") == "150"
    assert int(metric(at, "High risk")) > 0
    specs = [json.loads(element.proto.spec) for element in at.get("vega_lite_chart")]
    assert len(specs) == 6
    assert all(element.proto.selection_mode for element in at.get("vega_lite_chart"))
    titles = {json.dumps(spec.get("title")) for spec in specs}
    assert any("Step 2 CK distribution" in title for title in titles)
    assert any("Flags raised" in title for title in titles)
    assert any("Risk by campus" in title for title in titles)


def test_upload_replaces_the_sample_and_reports_issues():
    at = upload(start())
    assert metric(at, "Students") == "9"
    at.switch_page("app_pages/import_data.py").run()
    # SPEC v3: a semicolon file's undecided dates are day-first, and that is said once.
    assert [h.value for h in at.subheader][0] == (
        "9 students loaded; 2 cells unreadable; 1 cell interpreted; 1 repeated ID; "
        "1 row without an ID")
    issues = frame_with(at, "problem")
    assert list(issues.columns) == ["row", "column", "value", "problem", "kind"]
    assert issues["row"].tolist() == [3, 3, 7, 8, 8, 9]  # row 3's date tells the order


def test_refused_upload_shows_a_message_not_a_traceback(tmp_path):
    bad = tmp_path / "notes.csv"
    bad.write_bytes(b"name,score\nAnn,250\n")
    at = upload(start(), bad)
    assert not at.exception
    assert [e.value for e in at.error] == ["This cohort file cannot be used."]
    assert any("no column could be matched to the student ID" in t.value for t in at.text)


def test_mapping_override_is_applied():
    at = upload(start("app_pages/import_data.py"))
    next(box for box in at.selectbox if box.label == "Step 2 CK score").set_value("")
    next(b for b in at.button if b.label == "Apply mapping").click().run()
    assert not at.exception
    at.switch_page("app_pages/overview.py").run()
    # Without a Step 2 CK column the tile says it is not read: never a 0 (issue 19).
    assert metric(at, "Step 2 < 235") == "—"
    assert any(e.value.startswith("Not read from this file: Step 2 CK score.") for e in at.error)


def test_filters_narrow_the_student_list():
    at = upload(start("app_pages/students.py"))
    caption = next(c.value for c in at.caption if "students match" in c.value)
    assert caption.startswith("9 of 9 students match")
    at.toggle(key="students_at_risk_only").set_value(True).run()
    caption = next(c.value for c in at.caption if "students match" in c.value)
    assert caption.startswith("6 of 9 students match")
    table = at.dataframe(key="students_table").value
    # High first, then moderate, then needs data; within each, the soonest next deadline, then
    # the most flags. SPEC v3: ROW-9 (final year, Step 1 not taken) and A-103 (a retake) have
    # their exams due this Match, so the missing exam comes first, by the latest sitting whose
    # result reaches the first review (24 Aug); A-101 is on general surgery first (229), so its
    # next step is the general surgery and preliminary list, never a plastics sub-I.
    assert table["student_id"].tolist() == ["ROW-9", "A-103", "A-101", "A-105", "A-104", "A-102"]
    assert table["next_step"].tolist()[:3] == ["Pass Step 1", "Pass the Step 1 retake",
                                               "GS and prelim list"]
    assert table["risk_level"].tolist()[-1] == "Needs data"
    assert table["unchecked"].tolist()[-1] == "US plastics letters"  # the data, not the rule
    # and the blank count itself says so in words, never a grey "None" that reads as zero
    assert table["us_plastics_lors"].tolist()[-1] == "not given"
    # What could not be checked sits beside the risk level, in sight at 1280 px.
    visible = [c for c in table.columns if c != "source_row"]
    assert visible[:5] == ["student_id", "name", "risk_level", "unchecked", "reasons"]
    at.text_input(key="students_search").set_value("chlo").run()
    assert at.dataframe(key="students_table").value["student_id"].tolist() == ["A-105"]


def test_flag_filter_uses_rule_ids_shows_labels_and_never_hides_the_unchecked():
    at = start("app_pages/students.py")
    at.multiselect(key="students_flags").set_value(["STEP1_FAIL"]).run()
    # By default the students the rule could not be checked for come too (6 of them, their
    # Step 1 result blank): missing data never hides a student from a flag filter.
    table = at.dataframe(key="students_table").value
    raised = table[table["reasons"].str.startswith("Step 1 failed or repeated")]
    unchecked = table[table["unchecked"].str.contains("Step 1", na=False)
                      & ~table["reasons"].str.startswith("Step 1 failed or repeated")]
    assert (len(table), len(raised), len(unchecked)) == (13, 7, 6)
    at.segmented_control(key="students_flag_match").set_value("raised").run()
    table = at.dataframe(key="students_table").value
    assert len(table) == 7
    assert all(labels.startswith("Step 1 failed or repeated") for labels in table["reasons"])
    at.segmented_control(key="students_flag_match").set_value("unchecked").run()
    assert len(at.dataframe(key="students_table").value) == 6


def test_student_drilldown_shows_flags_missing_data_and_what_if():
    at = upload(start())
    at.session_state["student_row"] = 2  # Step 2 CK 229, no US plastics letters
    at.switch_page("app_pages/student.py").run()
    assert not at.exception
    assert at.text[0].value.startswith("José Martínez  ·  A-101")
    markdown = " ".join(m.value for m in at.markdown)
    assert "Critical: Step 2 CK under the low-score line" in markdown
    assert any(t.value == "Step 2 CK 229, under the low-score line of 235." for t in at.text)
    at.number_input(key="student_whatif_score_2").set_value(252).run()
    result = frame_with(at, "with these changes")
    assert result.loc[result[""] == "Step 2 CK band", "with these changes"].item() \
        == "Competitive"


def test_threshold_change_shows_everywhere():
    at = start("app_pages/settings.py")
    at.number_input(key="settings_step2_low").set_value(245)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert not at.exception
    at.switch_page("app_pages/overview.py").run()
    assert "Step 2 < 245" in [m.label for m in at.metric]
    low_245 = int(metric(at, "Step 2 < 245"))
    at.switch_page("app_pages/settings.py").run()
    next(b for b in at.button if b.label == "Reset to the defaults and today").click().run()
    at.switch_page("app_pages/overview.py").run()
    assert int(metric(at, "Step 2 < 235")) < low_245


def test_out_of_order_thresholds_are_refused():
    at = start("app_pages/settings.py")
    at.number_input(key="settings_step2_target").set_value(200)
    next(b for b in at.button if b.label == "Apply").click().run()
    assert [e.value for e in at.error] == ["Those settings cannot be used."]
    assert any("out of order" in t.value for t in at.text)


def test_untrusted_names_never_reach_markdown():
    at = upload(start())
    for page in PAGES:
        at.switch_page(page).run()
        rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] \
            + [e.value for e in at.error] + [s.value for s in at.subheader]
        assert not any("![x]" in text or "<img" in text for text in rendered), page


def test_privacy_mode_masks_names_on_screen():
    at = upload(start("app_pages/students.py"))
    assert "José Martínez" in frame_with(at, "name")["name"].tolist()
    at.toggle(key="app_privacy").set_value(True).run()
    names = frame_with(at, "name")["name"].tolist()
    assert set(names) == {"•••"}
    at.session_state["student_row"] = 2
    at.switch_page("app_pages/student.py").run()
    assert at.text[0].value.startswith("•••  ·  A-101")
    assert not any("José" in t.value for t in at.text)


AUTH = {"redirect_uri": "http://localhost:8501/oauth2callback", "cookie_secret": "x" * 32,
        "client_id": "cohort-advisor", "client_secret": "secret",
        "server_metadata_url": "https://login.example.edu/.well-known/openid-configuration"}


def signed(user: dict | None, allowed: list[str]) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["auth"] = AUTH
    at.secrets["cohort_advisor"] = {"allowed_emails": allowed}
    at.user = user if user is not None else {"is_logged_in": False}
    at.run()
    assert not at.exception, at.exception
    return at


def test_with_sign_in_configured_nothing_shows_before_sign_in():
    at = signed(None, ["advisor@example.edu"])
    assert [b.label for b in at.button] == ["Sign in"]
    assert not at.metric and not at.dataframe


def test_an_account_off_the_allowlist_sees_no_students():
    at = signed({"is_logged_in": True, "email": "stranger@example.com"},
                ["advisor@example.edu"])
    assert "not on the list of advisors" in at.error[0].value
    assert not at.metric and not at.dataframe


def test_an_allowed_advisor_sees_the_cohort():
    at = signed({"is_logged_in": True, "email": "Advisor@Example.edu",
                 "email_verified": True}, ["advisor@example.edu"])
    assert metric(at, "Students") == "150"
    assert "Advisor@Example.edu" in [t.value for t in at.sidebar.text]


def test_sign_in_configured_with_an_empty_allowlist_lets_no_one_in():
    at = signed({"is_logged_in": True, "email": "advisor@example.edu",
                 "email_verified": True}, [])
    assert at.error and not at.metric


@pytest.mark.page_may_fail
def test_an_unexpected_failure_shows_a_generic_message_and_logs_no_student_value(
        monkeypatch, caplog):
    from dashboard import reports

    student_value = "José Martínez"

    def broken(con):
        # A message quoting a student value, as a database error can.
        message = f"could not read student {student_value}"
        raise RuntimeError(message)

    monkeypatch.setattr(reports, "strategy_mix", broken)
    at = AppTest.from_file(APP, default_timeout=60)
    at.run()
    assert not at.exception
    assert [e.value for e in at.error] == [
        "Something went wrong on this page. Your cohort is unchanged; try again, or reload the "
        "page. The failure was logged for the team."]
    assert "RuntimeError" in caplog.text
    assert "José" not in caplog.text


def test_payloads_in_every_text_column_never_reach_markdown(tmp_path):
    payloads = ["![x](http://canary.invalid/p.png)", "<script>alert(1)</script>",
                "[a](javascript:alert(1))", "$x^2$ :red[alarm]"]
    lines = ["Student ID,Name,Email,Campus,Advisor,Step 2 CK,Notes"]
    for index, payload in enumerate(payloads):
        cell = '"' + payload.replace('"', '""') + '"'
        lines.append(",".join([f'"P{index} {payload}"', cell, cell, cell, cell, "230", cell]))
    path = tmp_path / "payloads.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    at = upload(start(), path)
    at.session_state["student_row"] = 2
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        rendered = [m.value for m in at.markdown] + [c.value for c in at.caption] \
            + [e.value for e in at.error] + [s.value for s in at.subheader] \
            + [i.value for i in at.info] + [s.value for s in at.success]
        for payload in payloads:
            assert not any(payload in text for text in rendered), (page, payload)
    # ...and they are shown, as plain text, where they belong.
    at.switch_page("app_pages/student.py").run()
    assert at.text[0].value.startswith(f"{payloads[0]}  ·  P0 {payloads[0]}")


DATA = Path(__file__).resolve().parent / "data"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def upload_file(at: AppTest, name: str, data: bytes, mime: str = "text/csv") -> AppTest:
    at.file_uploader(key="import_upload").set_value((name, data, mime))
    at.run()
    assert not at.exception, at.exception
    return at


def test_registrar_roster_shows_the_checks_that_could_not_run():
    at = upload_file(start(), "registrar_roster.xlsx",
                     (DATA / "registrar_roster.xlsx").read_bytes(), XLSX_TYPE)
    assert metric(at, "Students") == "6"
    banner = " ".join(w.value for w in at.warning)
    assert "Step 1 could not be checked for 1 student" in banner
    assert "US plastics letters could not be checked for 1 final-year or applying student" \
        in banner
    assert metric(at, "Needs data") == "1"
    at.switch_page("app_pages/import_data.py").run()
    texts = [t.value for t in at.text]
    assert any("sheet: Roster" in t and "header on row 3" in t for t in texts)
    assert any("read as a title and skipped" in t for t in texts)
    assert any("'Away Rotations' could mean US plastics sub-Is" in t for t in texts)
    summary = frame_with(at, "interpreted")
    by_column = summary.set_index("column")
    assert by_column.loc["Backup Specialty", "interpreted"] == 4
    assert by_column.loc["Step 2 CK", "unreadable"] == 1


def test_a_workbook_with_two_cohort_sheets_offers_a_choice():
    import io

    import xlsxwriter

    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    for name, ids in (("Class of 2027", ["A1", "A2"]), ("Class of 2028", ["B1", "B2", "B3"])):
        sheet = workbook.add_worksheet(name)
        sheet.write_row(0, 0, ["Student ID", "Step 2 CK"])
        for row, student_id in enumerate(ids, start=1):
            sheet.write_row(row, 0, [student_id, 240])
    workbook.close()
    at = upload_file(start("app_pages/import_data.py"), "two.xlsx", buffer.getvalue(),
                     XLSX_TYPE)
    picker = next(box for box in at.selectbox if box.label == "Sheet")
    assert picker.options == ["Class of 2027", "Class of 2028"]
    assert at.subheader[0].value.startswith("2 students loaded")
    picker.set_value("Class of 2028").run()
    assert not at.exception
    assert at.subheader[0].value.startswith("3 students loaded")


def test_student_page_says_which_cells_were_interpreted():
    at = upload_file(start(), "registrar_roster.csv",
                     (DATA / "registrar_roster.csv").read_bytes())
    at.session_state["student_row"] = 4  # Ana Ruiz: FAIL - retake, 10/15/27, Gen Surg
    at.switch_page("app_pages/student.py").run()
    assert not at.exception
    cells = frame_with(at, "kind")
    assert cells["value"].tolist() == ["FAIL - retake 3/2026", "10/15/27",
                                       "NBME 10: 252 / UWSA1 248", "Gen Surg"]
    assert set(cells["kind"]) == {"interpreted"}
    profile = dict(frame_with(at, "field").itertuples(index=False))
    assert profile["Step 1 result"] == ("fail (interpreted: the file says "
                                        "'FAIL - retake 3/2026')")
    # A field the file leaves blank says so in words, never a bare dash.
    assert profile["US plastics sub-Is"] == "not given"


def test_the_as_of_date_moves_the_calendar():
    at = upload_file(start("app_pages/settings.py"), "registrar_roster.csv",
                     (DATA / "registrar_roster.csv").read_bytes())
    at.date_input(key="settings_as_of_input").set_value(dt.date(2026, 10, 1))
    next(b for b in at.button if b.label == "Apply").click().run()
    assert any("as of 1 Oct 2026" in i.value for i in at.info)
    at.switch_page("app_pages/overview.py").run()
    assert "as of 1 Oct 2026" in at.caption[0].value


def test_calendar_lists_what_falls_due_and_opens_the_student():
    at = upload(start("app_pages/calendar.py"))
    table = at.dataframe(key="calendar_table").value
    # 1 Jul 2026: the messy cohort's overdue steps and those due by 31 Jul 2026.
    assert set(table["status"]) <= {"Overdue", "Due"} and len(table) > 0
    assert "ROW-9" in table["student_id"].tolist()
    at.segmented_control(key="calendar_days").set_value(90).run()
    longer = at.dataframe(key="calendar_table").value
    assert len(longer) > len(table)  # the Step 2 CK sitting of 24 Aug 2026 comes in
    assert "Sit Step 2 CK by this date, so the score is on file in time" in longer["what"].tolist()


def test_advisor_spellings_group_together():
    rows = "Student ID,Advisor\nA1,Dr. Fontaine\nA2,dr. fontaine\nA3,Dr Fontaine\nA4,Dr. Osei\n"
    at = upload_file(start("app_pages/students.py"), "advisors.csv", rows.encode())
    with_more = next(box for box in at.multiselect if box.label == "Advisor")
    assert with_more.options == ["Dr. Fontaine", "Dr. Osei"]
    with_more.set_value(["Dr. Fontaine"]).run()
    assert sorted(at.dataframe(key="students_table").value["student_id"]) == ["A1", "A2", "A3"]


def test_an_allowlist_without_working_sign_in_shows_nothing_but_the_reason():
    at = AppTest.from_file(APP, default_timeout=60)
    at.secrets["authh"] = AUTH  # misspelled
    at.secrets["cohort_advisor"] = {"allowed_emails": ["advisor@example.edu"]}
    at.run()
    assert not at.exception
    assert "cannot work" in at.error[0].value and not at.metric and not at.dataframe
    assert any("[auth] section" in t.value for t in at.text)


def test_emails_match_exactly_and_must_be_verified():
    from dashboard.access import policy_from

    policy = policy_from({"auth": AUTH, "cohort_advisor": {
        "allowed_emails": ["strasse@example.edu", "Advisor@Example.edu"]}})
    assert policy.allows("advisor@example.EDU", verified=True)
    assert not policy.allows("straße@example.edu", verified=True)
    assert not policy.allows("advisor@example.edu", verified=False)
    assert policy.allows("advisor@example.edu", verified=True)


@pytest.mark.parametrize(("verified", "allowed"), [
    (True, True), ("true", True), ("True", True), (" TRUE ", True),
    (False, False), ("false", False), ("False", False), (0, False), ("0", False),
    ("no", False), (1, False), ("yes", False), (None, False), ("", False), ([True], False)])
def test_only_a_true_email_verified_lets_an_advisor_in(verified, allowed):
    from dashboard.access import policy_from

    policy = policy_from({"auth": AUTH, "cohort_advisor": {"allowed_emails": [
        "advisor@example.edu"]}})
    assert policy.allows("advisor@example.edu", verified=verified) is allowed


@pytest.mark.parametrize("email", ["", " ", None, 0, ["advisor@example.edu"]])
def test_an_empty_email_never_matches_even_an_empty_allowlist_entry(email):
    from dashboard.access import policy_from

    policy = policy_from({"auth": AUTH, "cohort_advisor": {"allowed_emails": ["", " ",
                                                                              "a@example.edu"]}})
    assert not policy.allows(email, verified=True)
    assert "" not in policy.allowed_emails


def test_a_header_only_file_and_outsized_values_do_not_break_pages():
    at = upload_file(start(), "empty.csv", b"Student ID,Name,US PRS LORs\n")
    for page in PAGES:
        at.switch_page(page).run()
        assert not at.exception, page
        assert not [e for e in at.error if "Something went wrong" in e.value], page
    big = ("Student ID,Name,US PRS LORs,Sub-Is,Pubs\nS1," + "N" * 1_000_000
           + ",45,30,400\n").encode()
    at = upload_file(start(), "big.csv", big)
    at.session_state["student_row"] = 2
    at.switch_page("app_pages/student.py").run()
    assert not at.exception
    assert not [e for e in at.error if "Something went wrong" in e.value]
    assert max(len(t.value) for t in at.text) < 5_000  # what is drawn is capped


def test_the_export_settings_read_as_words():
    at = start("app_pages/export.py")
    [table] = [frame.value for frame in at.dataframe]  # the page's one table
    schedule = table.loc[table["setting"] == "Passing score, by exam date", "value"].tolist()
    assert schedule == ["209 from 1 Jul 2014; 214 from 1 Jul 2022; 218 from 1 Jul 2025"]
    assert not any("datetime" in value or value.startswith("(") for value in table["value"])
