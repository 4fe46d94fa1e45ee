"""AppTest on the Banner-style workbook (tests/banner_workbook.py): every student once with
the headline fields read; a headline field no column feeds is a banner on the Overview and a
"not read" tile, never a 0; next week, with a column renamed, the mapping survives and "what
changed" counts only the changes made."""

from __future__ import annotations

import datetime as dt

from streamlit.testing.v1 import AppTest

from tests import banner_workbook as banner
from tests.test_app import APP, metric

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def start(as_of: dt.date = dt.date(2026, 11, 18)) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=90)
    at.session_state["settings_as_of"] = as_of
    at.run()
    assert not at.exception, at.exception
    return at


def upload(at: AppTest, name: str, data: bytes) -> AppTest:
    at.file_uploader(key="import_upload").set_value((name, data, XLSX_TYPE)).run()
    assert not at.exception, at.exception
    return at


def errors(at: AppTest) -> str:
    return " ".join(element.value for element in at.error)


def texts(at: AppTest) -> str:
    return " ".join(element.value for element in at.text)


def test_the_banner_workbook_reads_with_every_headline_field():
    at = upload(start(), "banner.xlsx", banner.week1())
    assert metric(at, "Students") == "90"
    assert "Not read from this file" not in errors(at)
    assert metric(at, "Step 2 < 235") != "—"
    at.switch_page("app_pages/import_data.py").run()
    assert not at.exception, at.exception
    assert "Name: made from columns 'First Name' + 'Last Name' (first name first)." in texts(at)
    download = at.get("download_button")
    assert any("--mapping" in str(getattr(button, "label", "")) for button in download)


def test_a_headline_field_no_column_feeds_is_a_banner_and_a_not_read_tile():
    rows = banner.week1_students()
    headers = [header for header in banner.WEEK1_HEADERS if header != "Step II CK"]
    at = upload(start(), "no-ck.xlsx", banner.workbook(rows, headers))
    assert "Not read from this file: Step 2 CK score." in errors(at)
    tile = next(m for m in at.metric if m.label == "Step 2 < 235")
    assert (tile.value, tile.proto.delta) == ("—", "not read")  # never a 0
    assert "Columns left unmapped" not in texts(at)  # the name's parts feed the name
    extra = [{**row, "Mentor notes": "x"} for row in rows]
    at = upload(at, "extra.xlsx", banner.workbook(extra, [*headers, "Mentor notes"]))
    assert "Columns left unmapped: Mentor notes" in texts(at)


def test_next_week_the_mapping_survives_and_only_the_changes_made_are_counted():
    at = upload(start(), "week1.xlsx", banner.week1())
    at.switch_page("app_pages/workspace.py").run()
    next(box for box in at.text_input if box.label == "Cohort name").set_value("Banner")
    next(b for b in at.button if b.label == "Save as snapshot").click().run()
    assert not at.exception, at.exception
    at.session_state["settings_as_of"] = dt.date(2026, 11, 25)
    upload(at, "week2.xlsx", banner.week2())
    at.switch_page("app_pages/overview.py").run()
    assert not at.exception, at.exception
    assert "'CK (final)' is read in its place" in texts(at)
    assert "Not read from this file" not in errors(at)
    summary = next(element.value for element in at.text if "worse" in element.value)
    assert "joined" not in summary and "no longer read" not in summary
    changes = at.session_state["data_cohort"][1].changes[2].relation().fetchall()
    assert {row[0] for row in changes} <= {banner.banner_id(index)
                                           for index in banner.WEEK2_CHANGES}
