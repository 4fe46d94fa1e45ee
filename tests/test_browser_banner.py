"""The Banner-style workbook (tests/banner_workbook.py) in a real browser at 1280x720: the
Import page reads it whole (names, headline fields, the Year column decided by its values),
and a copy without its Step 2 CK column puts the "not read" banner first on the Overview.
Screenshots land in tests/artifacts/."""

from __future__ import annotations

import pytest

from tests import banner_workbook as banner
from tests.test_browser import browser, server, shoot, wait_idle  # noqa: F401 - fixtures

pytestmark = pytest.mark.browser


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def test_banner_workbook_import_and_overview_banner(server, browser, tmp_path):  # noqa: F811
    week1 = tmp_path / "banner-week1.xlsx"
    week1.write_bytes(banner.week1())
    no_ck = tmp_path / "banner-no-step2.xlsx"
    no_ck.write_bytes(banner.workbook(
        banner.week1_students(), [h for h in banner.WEEK1_HEADERS if h != "Step II CK"]))
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    page.goto(server)
    wait_idle(page, timeout=60_000)
    page.locator("input[type=file]").set_input_files(str(week1))
    wait_idle(page, timeout=60_000)
    page.get_by_test_id("stMetric").first.get_by_text("90", exact=True).wait_for()
    assert page.get_by_text("Not read from this file").count() == 0
    open_page(page, "Import")
    page.get_by_text("90 students loaded", exact=False).first.wait_for()
    page.get_by_text("Name: made from columns 'First Name' + 'Last Name'",
                     exact=False).first.wait_for()
    shoot(page, "20-import-banner-1280x720")
    mapping_button = page.get_by_text("Download the mapping in effect", exact=False).first
    mapping_button.scroll_into_view_if_needed()
    wait_idle(page)
    shoot(page, "21-import-banner-mapping-1280x720")

    page.locator("input[type=file]").set_input_files(str(no_ck))
    wait_idle(page, timeout=60_000)
    open_page(page, "Overview")
    page.get_by_text("Not read from this file: Step 2 CK score.", exact=False).wait_for()
    tile = page.get_by_test_id("stMetric").filter(has_text="Step 2 <")
    assert "not read" in tile.inner_text()
    shoot(page, "22-overview-not-read-banner-1280x720")
    context.close()
