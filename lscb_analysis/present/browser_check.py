"""Browser check: open a report in headless Chromium, run axe-core, watch the network.

A board paper is opened on council laptops, often on networks that block outside scripts, by
readers who may use a screen reader. :func:`check_pages` opens each HTML report as a reader
would (a ``file://`` address, in Debian's ``chromium`` driven by Playwright) and records:

* accessibility violations found by axe-core (the copy shipped inside the
  ``axe_playwright_python`` package: nothing is fetched at run time), with the WCAG 2.0, 2.1
  and 2.2 A and AA rules and the best-practice rules (``data/reference/print.yaml``);
* every request that would leave the file (anything but ``file:``, ``data:``, ``blob:`` and
  ``about:`` addresses): each is blocked before it reaches the network and listed;
* console errors and uncaught script errors;
* a full-page screenshot, ``reports/_checks/<notebook>-<borough>.png``, for review.

The browser is the system Chromium (``/usr/bin/chromium``; ``apt-get install chromium``),
never one downloaded by Playwright. :func:`open_browser` is shared with
:mod:`lscb_analysis.present.pdf_print`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import BrowserMissingError, InvalidArgumentError

PRINT_SETTINGS = "print.yaml"
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
CHROMIUM_VARIABLE = "LSCB_CHROMIUM"
LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")
IMPACTS = ("critical", "serious", "moderate", "minor")


def print_settings() -> dict:
    """Return ``data/reference/print.yaml`` (PDF, browser check and weight settings).

    Raises:
        ReferenceDataError: the file is missing, not a YAML mapping, or lacks its ``pdf``,
            ``browser_check`` or ``weight`` section.
    """
    return io.read_reference_yaml(PRINT_SETTINGS, ("pdf", "browser_check", "weight"))


def chromium_path() -> str:
    """Return the Chromium executable to drive: ``$LSCB_CHROMIUM`` or Debian's ``chromium``.

    Raises:
        BrowserMissingError: no Chromium found; the message says how to install it.
    """
    candidates = [
        os.environ.get(CHROMIUM_VARIABLE, ""),
        *CHROMIUM_CANDIDATES,
        shutil.which("chromium") or "",
    ]
    for candidate in candidates:
        if candidate and Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    raise BrowserMissingError(
        "Headless Chromium was not found (looked for $LSCB_CHROMIUM, "
        f"{', '.join(CHROMIUM_CANDIDATES)}). Install Debian's browser with "
        "`sudo apt-get update && sudo apt-get install -y chromium` (or set LSCB_CHROMIUM to "
        "a Chromium executable); the browser check and --pdf need it."
    )


def _sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as error:
        raise BrowserMissingError(
            "The Python package playwright is not installed: run `make setup` (or `pip "
            "install -e .[dev]`). Its browser download is not needed: install Debian's "
            "`chromium` with apt-get instead."
        ) from error
    return sync_playwright


@contextlib.contextmanager
def open_browser():
    """Start headless Chromium for the length of a ``with`` block; yields the browser.

    The system Chromium (:func:`chromium_path`) with ``--no-sandbox`` when running as root
    (as in CI containers, where Chromium's sandbox cannot start).

    Raises:
        BrowserMissingError: Chromium or playwright is missing.
    """
    executable = chromium_path()
    arguments = ["--no-sandbox"] if hasattr(os, "geteuid") and os.geteuid() == 0 else []
    with _sync_playwright()() as playwright:
        browser = playwright.chromium.launch(
            executable_path=executable, headless=True, args=arguments
        )
        try:
            yield browser
        finally:
            browser.close()


@dataclass
class PageCheck:
    """What the browser check found on one page.

    ``violations`` are axe-core's (each ``{"id", "impact", "help", "nodes", "targets"}``);
    ``external_requests`` the addresses the page tried to reach outside the file (all
    blocked); ``console_errors`` console errors and uncaught script errors; ``screenshot``
    the full-page screenshot (None when not asked for); ``height`` the page height in CSS
    pixels.
    """

    page: str
    violations: list[dict] = field(default_factory=list)
    external_requests: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    screenshot: str | None = None
    height: int = 0

    def by_impact(self) -> dict[str, int]:
        """Number of violated rules per impact (critical, serious, moderate, minor)."""
        return {impact: sum(v["impact"] == impact for v in self.violations) for impact in IMPACTS}

    def failing(self, impacts=("serious", "critical")) -> list[dict]:
        """The violations whose impact is one of ``impacts``."""
        return [v for v in self.violations if v["impact"] in impacts]

    def problems(self, impacts=("serious", "critical")) -> list[str]:
        """One sentence per failing violation, blocked request and console error."""
        found = [
            f"{self.page}: accessibility ({v['impact']}) {v['id']}: {v['help']} "
            f"({v['nodes']} element(s), e.g. {', '.join(v['targets'][:3])})"
            for v in self.failing(impacts)
        ]
        found += [
            f"{self.page}: request leaving the file (blocked): {url}"
            for url in self.external_requests
        ]
        found += [f"{self.page}: console error: {text}" for text in self.console_errors]
        return found


def is_local(url: str) -> bool:
    """True for an address inside the file (``file:``, ``data:``, ``blob:``, ``about:``).

    >>> is_local("data:image/png;base64,AAAA"), is_local("https://cdn.example/x.js")
    (True, False)
    """
    return url.startswith(LOCAL_SCHEMES)


def screenshot_name(html: Path | str, reports: Path | str | None = None) -> str:
    """The screenshot's file name: ``<notebook>-<borough>.png`` (``index.png`` for the index).

    >>> screenshot_name("reports/deep_dive/barnet/report.html", "reports")
    'deep_dive-barnet.png'
    >>> screenshot_name("reports/analyst/index.html", "reports")
    'analyst-index.png'
    """
    html = Path(html)
    try:
        parts = list(html.relative_to(reports or paths.reports_dir()).parts)
    except ValueError:
        parts = [html.parent.name, html.name]
    if parts[-1] == "report.html":
        parts = parts[:-1]
    else:
        parts[-1] = Path(parts[-1]).stem
    return "-".join(parts) + ".png"


def _axe_options(settings: dict) -> dict:
    tags = settings.get("axe_tags") or ["wcag2a", "wcag2aa"]
    return {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}


def _violations(response: dict) -> list[dict]:
    return [
        {
            "id": item["id"],
            "impact": item.get("impact") or "minor",
            "help": item.get("help", ""),
            "nodes": len(item.get("nodes", [])),
            "targets": [
                " ".join(map(str, node.get("target", []))) for node in item.get("nodes", [])
            ],
        }
        for item in response.get("violations", [])
    ]


def _watch(page, check: PageCheck) -> None:
    """Block and list requests leaving the file; list console and script errors."""

    def route(request_route):
        url = request_route.request.url
        if is_local(url):
            request_route.continue_()
        else:
            if url not in check.external_requests:
                check.external_requests.append(url)
            request_route.abort("blockedbyclient")

    page.route("**/*", route)
    page.on(
        "console",
        lambda message: (
            check.console_errors.append(message.text) if message.type == "error" else None
        ),
    )
    page.on("pageerror", lambda error: check.console_errors.append(f"uncaught: {error}"))


def check_page(
    browser, html: Path | str, screenshot: Path | str | None = None, settings: dict | None = None
) -> PageCheck:
    """Open one HTML file in ``browser`` and check it (see the module's description).

    Args:
        browser: from :func:`open_browser`.
        html: the HTML file.
        screenshot: where to save a full-page PNG screenshot (None: no screenshot).
        settings: the ``browser_check`` section of ``print.yaml`` (None: read it).

    Returns:
        A :class:`PageCheck`.

    Raises:
        InvalidArgumentError: ``html`` is not a file.
    """
    from axe_playwright_python.sync_playwright import Axe

    html = Path(html).resolve()
    if not html.is_file():
        raise InvalidArgumentError(
            f"Browser check: {html} is not a file; build the reports first (lscb pack)."
        )
    settings = settings if settings is not None else print_settings().get("browser_check", {})
    viewport = settings.get("viewport") or {"width": 1280, "height": 900}
    context = browser.new_context(viewport=viewport, service_workers="block")
    check = PageCheck(page=str(html))
    try:
        page = context.new_page()
        _watch(page, check)
        page.goto(html.as_uri(), wait_until="load")
        page.wait_for_timeout(100)  # scripts run on load (e.g. the index's sorting)
        check.violations = _violations(Axe().run(page, options=_axe_options(settings)).response)
        check.height = int(page.evaluate("document.documentElement.scrollHeight"))
        if screenshot is not None:
            target = io.ensure_writable(screenshot)
            page.screenshot(path=str(target), full_page=True)
            check.screenshot = str(target)
    finally:
        context.close()
    return check


def checks_dir(reports: Path | str | None = None) -> Path:
    """The folder of the screenshots: ``reports/_checks/`` (``folder`` in ``print.yaml``)."""
    folder = print_settings().get("browser_check", {}).get("folder", "_checks")
    return Path(reports or paths.reports_dir()) / folder


def check_pages(
    pages, reports: Path | str | None = None, screenshots: bool = True, browser=None
) -> list[PageCheck]:
    """Check several HTML files in one browser; screenshots go to :func:`checks_dir`.

    Args:
        pages: HTML files (under ``reports``, so screenshots are named after them).
        reports: the reports folder (None: the project's ``reports/``).
        screenshots: save a full-page screenshot of each page.
        browser: an open browser (None: one is started and closed here; Playwright's
            synchronous API allows one per thread at a time).

    Returns:
        One :class:`PageCheck` per page, in order.

    Raises:
        BrowserMissingError: Chromium or playwright is missing.
        InvalidArgumentError: a page is not a file.
    """
    reports = Path(reports or paths.reports_dir())
    settings = print_settings().get("browser_check", {})
    folder = checks_dir(reports)
    with contextlib.ExitStack() as stack:
        browser = browser or stack.enter_context(open_browser())
        return [
            check_page(
                browser,
                page,
                folder / screenshot_name(page, reports) if screenshots else None,
                settings,
            )
            for page in pages
        ]


def failing_impacts() -> tuple[str, ...]:
    """The impacts that fail the check (``failing_impacts`` in ``print.yaml``)."""
    return tuple(
        print_settings().get("browser_check", {}).get("failing_impacts", ("serious", "critical"))
    )
