"""End to end in a real browser: Playwright drives Debian's Chromium against `streamlit run`.

An advisor's Monday: upload a messy cohort, filter to the students at risk, open one, download
the export and read it. Screenshots land in tests/artifacts/ at 1440x900 and 1280x720.
Chromium missing is a failure, not a skip: CI installs it (.ci/run).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "tests" / "artifacts"
MESSY = ROOT / "tests" / "data" / "messy_cohort.csv"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_server(workspace: Path, port: int | None = None
                 ) -> tuple[subprocess.Popen, str]:
    """`streamlit run` on a free port with its own workspace file; returns once healthy."""
    port = port or _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
        env={**os.environ, "PYTHONUNBUFFERED": "1",
             "COHORT_ADVISOR_WORKSPACE": str(workspace)},
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return process, url
        except OSError:
            time.sleep(0.3)
    process.kill()
    pytest.fail("streamlit did not start: " + process.stdout.read().decode()[-2000:])


def stop_server(process: subprocess.Popen) -> None:
    process.terminate()
    process.wait(timeout=20)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    process, url = start_server(tmp_path_factory.mktemp("server") / "workspace.duckdb")
    yield url
    stop_server(process)


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail("Chromium is not installed: apt-get install -y chromium (see .ci/run)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def wait_idle(page, timeout: float = 30_000) -> None:
    """Until Streamlit has finished running the script (no 'Running...' status widget)."""
    page.wait_for_timeout(300)
    page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    page.wait_for_timeout(300)


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=False)


NARROW, WIDE = {"width": 1280, "height": 720}, {"width": 1440, "height": 900}


def shoot_sizes(page, name: str) -> None:
    """A flow runs at 1280x720, the smaller of the screens advisors use; each of its
    screenshots is taken there and again at 1440x900 (the page laid out anew, then back)."""
    shoot(page, f"{name}-1280x720")
    page.set_viewport_size(WIDE)
    page.wait_for_timeout(400)
    shoot(page, f"{name}-1440x900")
    page.set_viewport_size(NARROW)
    page.wait_for_timeout(400)


def open_page(page, title: str) -> None:
    page.get_by_test_id("stSidebarNav").get_by_text(title, exact=True).click()
    wait_idle(page)


def test_advisor_monday(server, browser):
    context = browser.new_context(viewport=NARROW, accept_downloads=True)
    page = context.new_page()
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(server)
    wait_idle(page, timeout=60_000)
    page.get_by_text("Cohort overview").wait_for()
    assert page.get_by_text("sample cohort").first.is_visible()
    shoot_sizes(page, "01-overview-sample")

    # Upload the messy cohort.
    page.locator("input[type=file]").set_input_files(str(MESSY))
    wait_idle(page, timeout=60_000)
    page.get_by_test_id("stMetric").first.get_by_text("9", exact=True).wait_for()
    shoot_sizes(page, "02-overview-messy")

    open_page(page, "Import")
    page.get_by_text("9 students loaded; 2 cells unreadable; 1 cell interpreted; "
                     "1 repeated ID; 1 row without an ID").wait_for()
    shoot_sizes(page, "03-import")

    # Filter to the students at risk and open the first one.
    open_page(page, "Students")
    page.get_by_text("At risk", exact=True).click()
    wait_idle(page)
    caption = page.get_by_text("students match, most urgent first").inner_text()
    assert caption.startswith("6 of 9 students match")
    shoot_sizes(page, "04-students-at-risk")
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection cell
    wait_idle(page)
    page.get_by_text("Download advising summary (HTML)").wait_for()
    assert page.get_by_role("heading", name="Student").is_visible()
    shoot_sizes(page, "05-student")
    page.get_by_role("tab", name="Flags and missing data").click()
    wait_idle(page)
    shoot_sizes(page, "06-student-flags")
    page.get_by_role("tab", name="What if").click()
    wait_idle(page)
    shoot_sizes(page, "07-student-what-if")

    # The export holds the at-risk students, formula-safe.
    open_page(page, "Export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download CSV").click()
    text = Path(download.value.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 6
    assert all(row["risk_level"] in ("high", "moderate", "needs_data") for row in rows)
    assert rows[-1]["risk_level"] == "needs_data"
    assert rows[0]["risk_level"] == "high"
    notes = {row["student_id"]: row["Notes"] for row in rows}
    assert notes["A-104"] == "'=HYPERLINK(\"http://evil.example\",\"x\")"
    names = {row["name"] for row in rows}
    assert "![x](http://127.0.0.1:9/p.png)" in names and "José Martínez" in names
    shoot_sizes(page, "08-export")

    # Markdown and HTML in names loaded nothing: every request went to the app itself.
    assert all(url.startswith(server) or url.startswith("data:") or url.startswith("blob:")
               for url in requests), [u for u in requests if not u.startswith(server)]
    context.close()


REGISTRAR = ROOT / "tests" / "data" / "registrar_roster.xlsx"


def click_chart(page, chart, offset, until) -> None:
    """Click `chart` at `offset(box)` (x, y from its corner) until `until()` holds, three
    tries at most: a chart drawn anew listens only once Vega has rendered it, and a click
    that lands before is lost."""
    for _ in range(3):
        chart.scroll_into_view_if_needed()
        page.wait_for_timeout(800)
        box = chart.bounding_box()
        dx, dy = offset(box)
        page.mouse.click(box["x"] + dx, box["y"] + dy)
        wait_idle(page)
        if until():
            return


def test_registrar_workbook(server, browser):
    """A workbook as a registrar exports it: a read-me sheet first, a title row, symbols in
    the headers, free text in the cells, two-digit years, an error cell."""
    width, height = NARROW["width"], NARROW["height"]
    context = browser.new_context(viewport=NARROW, accept_downloads=True)
    page = context.new_page()
    page.goto(server)
    wait_idle(page, timeout=60_000)
    page.locator("input[type=file]").set_input_files(str(REGISTRAR))
    wait_idle(page, timeout=60_000)
    page.get_by_text("Step 1 could not be checked for 1 student").wait_for()
    page.get_by_test_id("stMetric").first.get_by_text("6", exact=True).wait_for()
    shoot_sizes(page, "11-registrar-overview")
    # A click on the "high" bar lists those students under the counts, in sight.
    risk_chart = page.get_by_test_id("stVegaLiteChart").first
    picked = page.get_by_text("students picked", exact=False)
    click_chart(page, risk_chart, lambda box: (120, 52), until=lambda: picked.count() > 0)
    picked.wait_for()
    assert picked.inner_text() == "3 students picked: risk level High"
    assert picked.bounding_box()["y"] < height  # in the viewport, not a scroll away
    shoot_sizes(page, "11-registrar-overview-picked")
    # A click beside the short "low" bar (a third of the axis), short of the legend, clears
    # the pick and the filter it set (the chart moved down, under the list).
    click_chart(page, risk_chart, lambda box: (70 + 0.8 * (box["width"] - 190), 147),
                until=lambda: picked.count() == 0)
    picked.wait_for(state="detached")
    open_page(page, "Import")
    page.get_by_text("sheet: Roster").wait_for()
    page.get_by_text("read as a title and skipped", exact=False).wait_for()
    shoot_sizes(page, "12-registrar-import")
    open_page(page, "Students")
    page.get_by_text("At risk", exact=True).click()
    wait_idle(page)
    assert page.get_by_text("students match, most urgent first").inner_text().startswith(
        "5 of 6 students match")
    shoot_sizes(page, "13-registrar-students")
    grid = page.get_by_test_id("stDataFrame").first
    box = grid.bounding_box()
    page.mouse.click(box["x"] + 12, box["y"] + 35 + 17)
    wait_idle(page)
    page.get_by_text("read with a guess", exact=False).wait_for()
    shoot_sizes(page, "14-registrar-student")
    page.get_by_role("tab", name="Plan to the Match").click()
    wait_idle(page)
    page.get_by_text("Plan to the Match", exact=True).last.wait_for()
    timeline = page.get_by_test_id("stVegaLiteChart").first
    timeline.scroll_into_view_if_needed()
    box = timeline.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= width  # nothing cut at the right
    shoot_sizes(page, "15-registrar-plan")
    open_page(page, "Export")
    with page.expect_download() as download:
        page.get_by_role("button", name="Download Excel (XLSX)").click()
    from python_calamine import CalamineWorkbook

    workbook = CalamineWorkbook.from_path(download.value.path())
    assert workbook.sheet_names[-3:] == ["Students", "Data issues", "Settings"]
    students = workbook.get_sheet_by_name("Students").to_python()
    assert len(students) == 1 + 5
    # The documents for people open in the browser and load nothing from anywhere.
    for label, name in (("Advising summaries (HTML)", "summaries"),
                        ("Cohort report, whole cohort (HTML)", "report")):
        with page.expect_download() as download:
            page.get_by_role("button", name=label).click()
        path = ARTIFACTS / f"16-{name}.html"
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        download.value.save_as(path)
        viewer = context.new_page()
        fetched: list[str] = []
        viewer.on("request", lambda request, seen=fetched: seen.append(request.url))
        viewer.goto(path.as_uri())
        viewer.wait_for_timeout(500)
        assert all(url.startswith(("file:", "data:")) for url in fetched), fetched
        shoot_sizes(viewer, f"16-{name}")
        viewer.close()
    context.close()


def test_two_advisors_at_once_see_only_their_own_cohort(server, browser, tmp_path):
    other = tmp_path / "other_cohort.csv"
    other.write_text("Student ID,Name,Step 2 CK\nB-1,Only In Other,250\nB-2,Second Other,230\n",
                     encoding="utf-8")
    contexts = [browser.new_context(viewport={"width": 1440, "height": 900}) for _ in range(2)]
    pages = [context.new_page() for context in contexts]
    for page in pages:
        page.goto(server)
        wait_idle(page, timeout=60_000)
    # Both upload before either looks: the sessions are live on one server at the same time.
    pages[0].locator("input[type=file]").set_input_files(str(MESSY))
    pages[1].locator("input[type=file]").set_input_files(str(other))
    for page, expected in zip(pages, ("9", "2"), strict=True):
        # Each session shows its own count once its upload has been read (not the other's).
        page.get_by_test_id("stMetric").first.get_by_text(expected, exact=True).wait_for(
            timeout=60_000)
    counts = [page.get_by_test_id("stMetric").first.inner_text().split()[-1] for page in pages]
    assert counts == ["9", "2"]
    open_page(pages[1], "Students")
    table_text = pages[1].get_by_test_id("stDataFrame").first.inner_text()
    assert "José" not in table_text
    for context in contexts:
        context.close()


class _Canary:
    """A local HTTP server that counts every request: uploaded payloads point at it."""

    def __init__(self) -> None:
        import http.server
        import threading

        hits: list[str] = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 - the http.server API
                hits.append(self.path)
                self.send_response(204)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.hits = hits
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.httpd.shutdown()


def payload_cohort(path: Path, canary: str) -> list[str]:
    payloads = [
        f"![img]({canary}/markdown-image.png)",
        f"<img src={canary}/html-image.png onerror=alert(1)>",
        f"[link](javascript:fetch('{canary}/js'))",
        f"<script>fetch('{canary}/script')</script>",
        "$\\frac{1}{2}$ and :red[alarm] and **bold**",
        f"<a href='{canary}/anchor'>click</a>",
    ]
    rows = [["Student ID", "Name", "Email", "Campus", "Advisor", "Step 2 CK", "Notes"]]
    for index, payload in enumerate(payloads):
        rows.append([f"P{index} {payload}", payload, payload, payload, payload, "230", payload])
    with open(path, "w", newline="", encoding="utf-8") as handle:
        csv.writer(handle).writerows(rows)
    return payloads


def test_markdown_and_html_payloads_load_nothing_on_any_page(server, browser, tmp_path):
    canary = _Canary()
    try:
        payloads = payload_cohort(tmp_path / "payloads.csv", canary.url)
        context = browser.new_context(viewport={"width": 1440, "height": 900})
        page = context.new_page()
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server)
        wait_idle(page, timeout=60_000)
        page.locator("input[type=file]").set_input_files(str(tmp_path / "payloads.csv"))
        page.get_by_test_id("stMetric").first.get_by_text("6").wait_for()
        for title in ("Students", "Student", "Import", "Export", "Overview"):
            open_page(page, title)
            if title == "Student":
                for tab in ("Flags and missing data", "Strategy", "What if"):
                    page.get_by_role("tab", name=tab).click()
                    wait_idle(page)
        open_page(page, "Student")
        # A payload shows as the characters it is made of, in the student's heading line
        # (waited for: on a loaded machine the heading may come after the page is idle once).
        headings = [f"{payload}  ·  P{index} {payload}" for index, payload in enumerate(payloads)]
        body = ""
        for _ in range(60):
            body = page.locator("body").inner_text()
            if any(heading in body for heading in headings):
                break
            page.wait_for_timeout(1000)
        assert any(heading in body for heading in headings), body[:800]
        page.wait_for_timeout(1000)
        assert canary.hits == []
        assert all(url.startswith(server) or url.startswith(("data:", "blob:"))
                   for url in requests), [u for u in requests if not u.startswith(server)]
        assert page.locator("script").filter(has_text=canary.url).count() == 0
        context.close()
    finally:
        canary.close()


def roster(path: Path, rows: list[tuple[str, str, str, str]]) -> Path:
    """A weekly roster as an advisor's office keeps it: id, name, Step 2 CK, US PRS letters."""
    lines = ["Student ID,Name,Stage,USMLE Step 1,Step 2 CK,# US PRS LORs,Advisor,Parallel Plan"]
    lines += [f"{sid},{name},M4,pass,{score},{letters},Dr Chen,yes"
              for sid, name, score, letters in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def upload_file(page, path: Path, students: str) -> None:
    page.locator("input[type=file]").set_input_files(str(path))
    wait_idle(page, timeout=60_000)
    page.get_by_test_id("stMetric").first.get_by_text(students, exact=True).wait_for()


def open_notes(page) -> None:
    """The first student's Notes and history tab on the Student page. The tabs keep their
    state on the server: a click that lands while the page is still being drawn is tried
    again."""
    open_page(page, "Student")
    tab = page.get_by_role("tab", name="Notes and history")
    for _ in range(3):
        tab.click()
        wait_idle(page)
        if tab.get_attribute("aria-selected") == "true":
            break
    assert tab.get_attribute("aria-selected") == "true"


def in_table(page, text: str) -> None:
    """A cell of a Streamlit table (drawn on a canvas; its cells are in the DOM for screen
    readers) holds this text."""
    page.locator("[role=gridcell]", has_text=text).first.wait_for(state="attached")


def write_note(page, text: str, follow_up: str | None = None, submit: bool = True) -> None:
    page.get_by_role("textbox", name="New note").fill(text)
    if follow_up:
        when = page.get_by_test_id("stDateInput").locator("input")
        when.fill(follow_up)
        when.press("Enter")
    if submit:
        page.get_by_role("button", name="Save note").click()
        wait_idle(page)


def test_workspace_remembers_across_uploads_sessions_and_a_restart(browser, tmp_path):
    workspace = tmp_path / "workspace.duckdb"
    week1 = roster(tmp_path / "week1.csv", [("W-1", "Ada Obi", "252", "2"),
                                            ("W-2", "Ben Ruiz", "244", "1"),
                                            ("W-3", "Cy Park", "250", "2")])
    week2 = roster(tmp_path / "week2.csv", [("W-1", "Ada Obi", "252", "2"),
                                            ("W-2", "Ben Ruiz", "231", "1"),
                                            ("W-3", "Cy Park", "250", "3"),
                                            ("W-4", "Dee Lund", "255", "2")])
    process, url = start_server(workspace)
    try:
        for width, height in ((1440, 900), (1280, 720)):
            context = browser.new_context(viewport={"width": width, "height": height})
            page = context.new_page()
            page.goto(url)
            wait_idle(page, timeout=60_000)
            size = f"{width}x{height}"
            upload_file(page, week1, "3")
            if width == 1440:  # one snapshot; the second pass only looks at it
                page.get_by_text("session-only", exact=False).first.wait_for()
                open_page(page, "Workspace")
                page.get_by_role("textbox", name="Cohort name").fill("Class of 2027")
                page.get_by_role("button", name="Save as snapshot").click()
                wait_idle(page)
                page.get_by_text("This file is saved", exact=False).wait_for()
                shoot(page, f"21-workspace-saved-{size}")
                open_page(page, "Overview")
            else:  # a new session knows the file is saved: it is not compared with itself
                page.get_by_text("session-only", exact=False).wait_for(state="detached")
                assert not page.get_by_text("What changed since").count()
            upload_file(page, week2, "4")
            open_page(page, "Overview")
            page.get_by_text(re.compile(r"^What changed since \d+ \w+ \d{4}$")).wait_for()
            page.get_by_text(re.compile(r"^1 student worse, 0 better, 1 joined")).wait_for()
            shoot(page, f"22-overview-changes-{size}")
            open_notes(page)
            shoot(page, f"23-student-notes-{size}")
            context.close()

        # Two advisors write a note on the same student at the same moment.
        in_two_weeks = (dt.date.today() + dt.timedelta(days=14)).isoformat()
        contexts = [browser.new_context(viewport={"width": 1440, "height": 900})
                    for _ in range(2)]
        pages = [context.new_page() for context in contexts]
        for number, page in enumerate(pages):
            page.goto(url)
            wait_idle(page, timeout=60_000)
            upload_file(page, week2, "4")
            open_notes(page)
            write_note(page, f"Advisor {number} asked for a PRS letter",
                       follow_up=in_two_weeks if number == 0 else None, submit=False)
        buttons = [page.get_by_role("button", name="Save note") for page in pages]
        for button in buttons:
            button.click(no_wait_after=True)
        for number, page in enumerate(pages):  # each save has run: its note is listed
            page.get_by_text(f"Advisor {number} asked for a PRS letter").wait_for(
                timeout=60_000)
            wait_idle(page)
        open_page(pages[1], "Overview")  # and back: the page reads the notes again
        open_notes(pages[1])
        for number in range(2):
            pages[1].get_by_text(f"Advisor {number} asked for a PRS letter").wait_for()
        open_page(pages[0], "Follow-ups")
        in_table(pages[0], "Advisor 0 asked for a PRS letter")
        shoot(pages[0], "24-follow-ups-1440x900")
        # Opening the student from the follow-up lands on their notes, not on the profile.
        follow_ups = pages[0].get_by_test_id("stDataFrame").nth(1)
        box = follow_ups.bounding_box()
        pages[0].mouse.click(box["x"] + 12, box["y"] + 35 + 17)  # the first row's selection
        wait_idle(pages[0])
        pages[0].get_by_role("button", name="Open the student").click()
        wait_idle(pages[0])
        notes_tab = pages[0].get_by_role("tab", name="Notes and history")
        notes_tab.wait_for()
        assert notes_tab.get_attribute("aria-selected") == "true"
        pages[0].get_by_text("Advisor 0 asked for a PRS letter").wait_for()
        for context in contexts:
            context.close()
    finally:
        stop_server(process)

    # A restart: a new server on the same workspace finds the snapshot, notes and follow-up.
    process, url = start_server(workspace)
    try:
        context = browser.new_context(viewport={"width": 1280, "height": 720})
        page = context.new_page()
        page.goto(url)
        wait_idle(page, timeout=60_000)
        upload_file(page, week2, "4")
        page.get_by_text(re.compile(r"^1 student worse, 0 better, 1 joined")).wait_for()
        open_page(page, "Follow-ups")
        in_table(page, "Advisor 0 asked for a PRS letter")
        open_notes(page)
        for number in range(2):
            page.get_by_text(f"Advisor {number} asked for a PRS letter").wait_for()
        open_page(page, "Workspace")
        in_table(page, "week1.csv")
        shoot(page, "25-workspace-after-restart-1280x720")
        context.close()
    finally:
        stop_server(process)
