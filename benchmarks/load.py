"""Load: five advisors at once on one server, each with their own 10,000-student cohort.

    python benchmarks/load.py [--sessions 5] [--rows 10000]

Starts `streamlit run` on localhost, then drives one Chromium per advisor concurrently
(Playwright, Debian's Chromium): upload, filter to at-risk, open the Export page, download the
CSV and check it holds only that advisor's students. Prints each session's timings, the
server's peak memory, and fails on any error shown in a page. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import asyncio
import csv
import io
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "benchmarks" / "out"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


def start_server() -> tuple[subprocess.Popen, str]:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", str(ROOT / "dashboard" / "app.py"),
         "--server.port", str(port), "--server.address", "127.0.0.1",
         "--server.headless", "true", "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    for _ in range(200):
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2):
                return server, url
        except OSError:
            time.sleep(0.3)
    server.kill()
    raise SystemExit("streamlit did not start")


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def cohort(index: int, rows: int) -> Path:
    path = OUT / f"load-{index}.csv"
    subprocess.run([sys.executable, "-m", "dashboard.synthetic", "--rows", str(rows),
                    "--seed", str(100 + index), "-o", str(path)], check=True, cwd=ROOT)
    # Each advisor's students carry that advisor's prefix, so a leak would show.
    text = path.read_text(encoding="utf-8").replace('\n"S', f'\n"A{index}-')
    path.write_text(text, encoding="utf-8")
    return path


async def wait_idle(page, timeout: float = 120_000) -> None:
    await page.wait_for_timeout(300)
    await page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')", timeout=timeout)
    await page.wait_for_timeout(300)


async def advisor(browser, url: str, index: int, path: Path, rows: int) -> dict[str, float]:
    context = await browser.new_context(viewport={"width": 1440, "height": 900},
                                        accept_downloads=True)
    page = await context.new_page()
    timings: dict[str, float] = {}
    started = time.perf_counter()
    await page.goto(url)
    await wait_idle(page)
    timings["open"] = time.perf_counter() - started

    started = time.perf_counter()
    await page.locator("input[type=file]").set_input_files(str(path))
    # Done when the overview counts this advisor's cohort, as the advisor would see it.
    await page.get_by_test_id("stMetric").first.get_by_text(f"{rows:,}").wait_for(
        timeout=120_000)
    await wait_idle(page)
    timings["upload"] = time.perf_counter() - started

    await page.get_by_test_id("stSidebarNav").get_by_text("Students", exact=True).click()
    await wait_idle(page)
    started = time.perf_counter()
    await page.get_by_text("At risk", exact=True).click()
    await wait_idle(page)
    timings["filter"] = time.perf_counter() - started

    await page.get_by_test_id("stSidebarNav").get_by_text("Export", exact=True).click()
    await wait_idle(page)
    started = time.perf_counter()
    async with page.expect_download(timeout=120_000) as download:
        await page.get_by_role("button", name="Download CSV").click()
    text = Path(await (await download.value).path()).read_bytes().decode("utf-8-sig")
    timings["export"] = time.perf_counter() - started

    exported = list(csv.DictReader(io.StringIO(text)))
    if not exported or any(not row["student_id"].startswith(f"A{index}-") for row in exported):
        strangers = [row["student_id"] for row in exported
                     if not row["student_id"].startswith(f"A{index}-")][:5]
        raise SystemExit(f"session {index} saw students that are not its own: {strangers} "
                         f"of {len(exported)}")
    if any(row["risk_level"] == "low" for row in exported):
        raise SystemExit(f"session {index}: the at-risk filter did not reach the export")
    body = await page.locator("body").inner_text()
    if "Something went wrong" in body or await page.get_by_test_id("stException").count():
        raise SystemExit(f"session {index} showed an error")
    timings["rows_exported"] = len(exported)
    await context.close()
    return timings


async def main_async(sessions: int, rows: int) -> None:
    from playwright.async_api import async_playwright

    OUT.mkdir(parents=True, exist_ok=True)
    paths = [cohort(index, rows) for index in range(sessions)]
    server, url = start_server()
    try:
        async with async_playwright() as playwright:
            browser = await playwright.chromium.launch(executable_path="/usr/bin/chromium",
                                                       args=CHROMIUM_ARGS)
            started = time.perf_counter()
            results = await asyncio.gather(*[
                advisor(browser, url, index, path, rows) for index, path in enumerate(paths)])
            wall = time.perf_counter() - started
            await browser.close()
        print(f"{sessions} concurrent sessions x {rows:,} students, one server, 2 cores")
        print(f"{'session':>8} {'open s':>7} {'upload s':>9} {'filter s':>9} {'export s':>9} "
              f"{'rows':>7}")
        for index, timing in enumerate(results):
            print(f"{index:>8} {timing['open']:>7.2f} {timing['upload']:>9.2f} "
                  f"{timing['filter']:>9.2f} {timing['export']:>9.2f} "
                  f"{int(timing['rows_exported']):>7,}")
        print(f"all sessions done in {wall:.1f} s; no errors; each export held only its own "
              f"students; server peak memory {peak_rss_mib(server.pid):.0f} MiB")
    finally:
        server.terminate()
        server.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sessions", type=int, default=5)
    parser.add_argument("--rows", type=int, default=10_000)
    arguments = parser.parse_args()
    asyncio.run(main_async(arguments.sessions, arguments.rows))


if __name__ == "__main__":
    main()
