"""Browser check: real headless Chromium and axe-core on small pages and on the demo pack."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from report_pages import LONG_NAMES, table_page

from lscb_analysis.core.errors import BrowserMissingError
from lscb_analysis.present import browser_check

CLEAN = """<!DOCTYPE html>
<html lang="en-GB"><head><meta charset="utf-8"><title>Barnet - Score card - 2024-25</title>
</head><body><header><p>SYNTHETIC DATA</p></header><main><h1>Barnet score card</h1>
<p>Rates per 10,000 children.</p>{extra}</main></body></html>"""

DOT = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk"
    "+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)

needs_chromium = pytest.mark.skipif(
    not any(Path(p).is_file() for p in browser_check.CHROMIUM_CANDIDATES),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)


@pytest.fixture(scope="module")
def browser():
    with browser_check.open_browser() as opened:
        yield opened


def _page(tmp_path: Path, extra: str = "", name: str = "page.html") -> Path:
    path = tmp_path / name
    path.write_text(CLEAN.format(extra=extra), encoding="utf-8")
    return path


@pytest.mark.slow
@needs_chromium
def test_a_clean_page_passes_and_is_screenshotted(project, browser, tmp_path):
    shot = tmp_path / "shots" / "clean.png"
    check = browser_check.check_page(
        browser, _page(tmp_path, f'<img src="{DOT}" alt="A dot">'), shot
    )
    assert check.problems() == []
    assert check.external_requests == [] and check.console_errors == []
    assert shot.is_file() and shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert check.height > 0


@pytest.mark.slow
@needs_chromium
def test_an_external_script_is_caught_and_blocked(project, browser, tmp_path):
    # A server on this machine would see the request if it left the page; the route blocks it.
    import http.server
    import threading

    hits = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            hits.append(self.path)
            self.send_response(200)
            self.end_headers()
            self.wfile.write(b"console.log('loaded')")

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_port}/require.min.js"
        check = browser_check.check_page(browser, _page(tmp_path, f'<script src="{url}"></script>'))
    finally:
        server.shutdown()
    assert check.external_requests == [url]
    assert hits == []
    assert any("request leaving the file" in line for line in check.problems())


@pytest.mark.slow
@needs_chromium
def test_an_image_without_alt_text_is_a_violation(project, browser, tmp_path):
    check = browser_check.check_page(browser, _page(tmp_path, f'<img src="{DOT}">'))
    failing = check.failing()
    assert [v["id"] for v in failing] == ["image-alt"]
    assert check.by_impact()["critical"] == 1
    assert "image-alt" in check.problems()[0]


@pytest.mark.slow
@needs_chromium
def test_a_console_error_is_caught(project, browser, tmp_path):
    check = browser_check.check_page(
        browser,
        _page(
            tmp_path, "<script>console.error('chart data missing');undefinedFunction();</script>"
        ),
    )
    assert check.console_errors[0] == "chart data missing"
    assert any("undefinedFunction" in text for text in check.console_errors[1:])


@pytest.mark.slow
@needs_chromium
def test_check_pages_names_screenshots_after_notebook_and_borough(project, browser, tmp_path):
    reports = tmp_path / "reports"
    page = reports / "deep_dive" / "barnet" / "report.html"
    page.parent.mkdir(parents=True)
    page.write_text(CLEAN.format(extra=""), encoding="utf-8")
    checks = browser_check.check_pages([page], reports, browser=browser)
    assert Path(checks[0].screenshot) == reports / "_checks" / "deep_dive-barnet.png"
    assert Path(checks[0].screenshot).is_file()


def test_a_missing_chromium_says_how_to_install_it(monkeypatch, tmp_path):
    monkeypatch.setattr(browser_check, "CHROMIUM_CANDIDATES", (str(tmp_path / "none"),))
    monkeypatch.setenv(browser_check.CHROMIUM_VARIABLE, str(tmp_path / "none"))
    monkeypatch.setattr(browser_check.shutil, "which", lambda name: None)
    with pytest.raises(BrowserMissingError, match="apt-get install -y chromium"):
        browser_check.chromium_path()


def _board_pages(root: Path) -> list[Path]:
    """The index and one board-tier report of each notebook in a pack."""
    reports = root / "reports"
    pages = [reports / "index.html"]
    for folder in sorted(p for p in reports.iterdir() if p.is_dir()):
        if folder.name.startswith(("_", ".")) or folder.name == "analyst":
            continue
        found = sorted(folder.rglob("report.html"))
        found = [p for p in found if "last_good" not in p.parts]
        if found:
            pages.append(found[0])
    return pages


@needs_chromium
@pytest.mark.slow
def test_board_papers_pass_the_browser_check(demo_pack, browser):
    """The target of issue 15: no serious or critical violation, nothing fetched from outside
    the file, no console error, on the index and one report of each notebook."""
    root = demo_pack["root"]
    pages = _board_pages(root)
    assert len(pages) >= 5, pages
    checks = browser_check.check_pages(pages, root / "reports", browser=browser)
    for check in checks:
        assert check.screenshot and os.path.getsize(check.screenshot) > 0
    problems = [line for check in checks for line in check.problems()]
    assert problems == [], "\n".join(problems)


@needs_chromium
def test_a_table_of_long_file_names_fits_the_page(browser, tmp_path):
    page = tmp_path / "files.html"
    page.write_text(table_page(LONG_NAMES), encoding="utf-8")
    tab = browser.new_page(viewport={"width": 1000, "height": 800})
    try:
        tab.goto(page.as_uri())
        widths = tab.evaluate(
            """() => { const t = document.querySelector('main table');
            return [t.getBoundingClientRect().width, t.parentElement.getBoundingClientRect().width,
                    document.documentElement.scrollWidth, window.innerWidth]; }"""
        )
    finally:
        tab.close()
    table, container, scrolled, window = widths
    assert table <= container + 1 and scrolled <= window
