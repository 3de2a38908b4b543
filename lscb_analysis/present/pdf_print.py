"""Board papers as PDF: headless Chromium prints each report to ``report.pdf``.

``lscb run --pdf`` and ``lscb pack --pdf`` print every report they make, beside its
``report.html``, inside the run's staging folder (so the PDF is installed, or withheld, with
the report). Chromium (Debian's ``chromium``, see :mod:`lscb_analysis.present.browser_check`) prints
the HTML with the print stylesheet ``lscb_analysis/present/print.css`` added: A4 (``print.yaml``),
charts and tables kept whole on a page, headings kept with what follows. Every page has a
header (report title, borough, period) and a footer (tier, "page N of M"); an analyst-tier
paper says NOT FOR PUBLICATION in its header too.

:func:`page_count` reads a PDF's page count (pypdf), for the page targets in ``print.yaml``.
"""

from __future__ import annotations

import contextlib
import html as html_text
from pathlib import Path

from lscb_analysis.core import io, notebooks
from lscb_analysis.core.errors import InvalidArgumentError, PdfPrintError, ReferenceDataError
from lscb_analysis.present import browser_check, value_format

PRINT_CSS = Path(__file__).with_name("print.css")
PDF_NAME = "report.pdf"
BANNER_SCRIPT = (
    "Array.from(document.querySelectorAll('#lscb-banners p, #lscb-tier-banner'))"
    ".map(e => e.textContent.trim()).filter(t => t)"
)
TEMPLATE_STYLE = (
    "font: 8px Arial, Helvetica, sans-serif; color: #333; width: 100%; "
    "box-sizing: border-box; padding: 0 12mm; display: flex; "
    "justify-content: space-between;"
)
DEFAULT_SETTINGS = {
    "format": "A4",
    "header": "{title} | {borough} | {period}",
    "footer": "{tier} | page {page} of {pages}",
    "margin": {"top": "15mm", "bottom": "12mm", "left": "12mm", "right": "12mm"},
}


def pdf_settings() -> dict:
    """The ``pdf`` section of ``print.yaml`` over :data:`DEFAULT_SETTINGS`.

    Raises:
        ReferenceDataError: ``print.yaml`` is missing or invalid.
    """
    return {**DEFAULT_SETTINGS, **(browser_check.print_settings().get("pdf") or {})}


def check_printer() -> None:
    """Check a PDF can be printed here (Chromium and playwright installed), before any run.

    Raises:
        BrowserMissingError: either is missing; the message says how to install it.
    """
    browser_check.chromium_path()
    browser_check._sync_playwright()


def tier_words(tier: str | None, settings: dict | None = None) -> str:
    """The tier as printed on every page (``pdf.tier_words`` in ``print.yaml``).

    The analyst tier's words always contain NOT FOR PUBLICATION.

    Raises:
        ParameterError: an unknown tier.
    """
    from lscb_analysis.protect import disclosure_config

    name = disclosure_config.validate_tier(tier or "board")
    words = ((settings or pdf_settings()).get("tier_words") or {}).get(name)
    if not words:
        words = disclosure_config.tier_label(name)
    if name == "analyst" and disclosure_config.NOT_FOR_PUBLICATION not in words:
        words = f"{disclosure_config.NOT_FOR_PUBLICATION}: {words}"
    return words


def _template(pattern: str, fields: dict, analyst: bool) -> str:
    """A header/footer template: ``pattern`` filled in; page numbers as Chromium's spans."""
    safe = {key: html_text.escape(str(value)) for key, value in fields.items()}
    text = pattern.replace("{page}", "\0page\0").replace("{pages}", "\0pages\0")
    try:
        text = html_text.escape(text).format(**safe)
    except (KeyError, IndexError, ValueError) as error:
        raise InvalidArgumentError(
            f"print.yaml: the PDF header/footer {pattern!r} uses an unknown placeholder; use "
            "{title}, {borough}, {period}, {tier}, {page} and {pages}."
        ) from error
    text = text.replace("\0page\0", '<span class="pageNumber"></span>').replace(
        "\0pages\0", '<span class="totalPages"></span>'
    )
    parts = "".join(f"<span>{part.strip()}</span>" for part in text.split("|"))
    colour = "color: #b00020; font-weight: bold; " if analyst else ""
    return f'<div style="{TEMPLATE_STYLE} {colour}">{parts}</div>'


def period_words(period) -> str:
    """A period as the reports write it (:func:`lscb_analysis.present.value_format.format_period`).

    >>> period_words(2025), period_words("2025Q4"), period_words(None)
    ('2024-25', 'Q3 2025-26', '')
    """
    return value_format.format_period(period)


def header_footer(
    title: str, borough: str, period, tier: str | None, settings: dict | None = None, banners=()
) -> tuple[str, str]:
    """The header and footer templates of every page.

    ``banners`` are the report's banner words (SYNTHETIC DATA, NOT FOR PUBLICATION ...):
    they head every page, above the header line.

    >>> header, footer = header_footer("Deep dive", "Barnet", "2024-25", "board",
    ...     {"header": "{title} | {borough} | {period}", "footer": "page {page} of {pages}",
    ...      "tier_words": {"board": "Board tier"}})
    >>> "Barnet" in header, 'class="totalPages"' in footer
    (True, True)

    Raises:
        InvalidArgumentError: a template uses an unknown placeholder.
        ParameterError: an unknown tier.
    """
    settings = settings or pdf_settings()
    words = tier_words(tier, settings)
    analyst = (tier or "board") == "analyst"
    fields = {"title": title, "borough": borough, "period": period_words(period), "tier": words}
    header = settings.get("header", DEFAULT_SETTINGS["header"])
    if analyst and "{tier}" not in header:
        header = f"{header} | {{tier}}"
    header = _template(header, fields, analyst)
    shown = [
        html_text.escape(text) for text in dict.fromkeys(banners) if text and text not in words
    ]
    if shown:
        header = (
            f'<div style="{TEMPLATE_STYLE} justify-content: center; color: #b00020; '
            f'font-weight: bold;">{" | ".join(shown)}</div>{header}'
        )
        header = f'<div style="width: 100%;">{header}</div>'
    return header, _template(settings.get("footer", DEFAULT_SETTINGS["footer"]), fields, analyst)


def print_css() -> str:
    """The print stylesheet added before printing (``lscb_analysis/present/print.css``)."""
    return PRINT_CSS.read_text(encoding="utf-8")


def print_pdf(
    html: Path | str,
    pdf: Path | str | None = None,
    *,
    title: str,
    borough: str,
    period=None,
    tier: str | None = "board",
    browser=None,
    landscape: bool = False,
    scale: float = 1.0,
) -> Path:
    """Print an HTML report to PDF with headless Chromium.

    Args:
        html: the report.
        pdf: where to write (None: ``report.pdf`` beside ``html``).
        title, borough, period, tier: what the header and footer say.
        browser: an open browser (:func:`lscb_analysis.present.browser_check.open_browser`); None
            starts one for this page.
        landscape: print the pages landscape (wide score cards).
        scale: Chromium's print scale (0.1 to 2; below 1 fits more on a page).

    Returns:
        The PDF's path.

    Raises:
        InvalidArgumentError: ``html`` is not a file, or a bad header/footer template.
        BrowserMissingError: Chromium or playwright is missing.
        PdfPrintError: Chromium failed to print (the message names the file).
    """
    html = Path(html).resolve()
    if not html.is_file():
        raise InvalidArgumentError(f"PDF: {html} is not a file; run the report first.")
    target = io.ensure_writable(pdf if pdf is not None else html.with_name(PDF_NAME))
    from playwright.sync_api import Error as PlaywrightError

    settings = pdf_settings()
    with contextlib.ExitStack() as stack:
        browser = browser or stack.enter_context(browser_check.open_browser())
        context = browser.new_context(service_workers="block")
        try:
            page = context.new_page()
            # A report is self-contained: nothing outside the file is fetched while printing.
            page.route(
                "**/*",
                lambda route: (
                    route.continue_()
                    if browser_check.is_local(route.request.url)
                    else route.abort("blockedbyclient")
                ),
            )
            page.goto(html.as_uri(), wait_until="load")
            page.add_style_tag(content=print_css())
            header, footer = header_footer(
                title, borough, period, tier, settings, page.evaluate(BANNER_SCRIPT)
            )
            page.pdf(
                path=str(target),
                format=settings.get("format", "A4"),
                landscape=landscape,
                scale=scale,
                print_background=True,
                display_header_footer=True,
                header_template=header,
                footer_template=footer,
                margin=settings.get("margin") or DEFAULT_SETTINGS["margin"],
            )
        except (PlaywrightError, OSError) as error:
            raise PdfPrintError(
                f"Chromium could not print {html} to PDF ({type(error).__name__}: "
                f"{str(error).splitlines()[0] if str(error) else ''}). Open the HTML in a "
                "browser to check it, then run again with --pdf."
            ) from error
        finally:
            context.close()
    return target


def print_report(
    html: Path | str,
    notebook: str,
    borough: str,
    parameters: dict,
    index: dict | None = None,
    browser=None,
) -> Path:
    """Print a run's ``report.html`` to ``report.pdf`` beside it.

    Args:
        html: the run's report (in its staging folder).
        notebook: the notebook's name; its title comes from ``notebooks.yaml``.
        borough: the run's borough (``London`` for London-wide reports).
        parameters: the run's parameters (``tier``; ``period`` when the index has none).
        index: what the notebook recorded for the report index (its ``period``).

    Notebooks listed under ``pdf.landscape`` in ``print.yaml`` print landscape.

    Returns:
        The PDF's path. Raises: see :func:`print_pdf`.
    """
    title = (notebooks.notebook_registry().get(notebook) or {}).get("title", notebook)
    period = (index or {}).get("period") or parameters.get("period")
    landscape = notebook in (pdf_settings().get("landscape") or [])
    scale = print_scale(notebook)
    return print_pdf(
        html,
        title=title,
        borough=borough,
        period=period,
        tier=parameters.get("tier") or "board",
        browser=browser,
        landscape=landscape,
        scale=scale,
    )


def print_scale(notebook: str, settings: dict | None = None) -> float:
    """Chromium's print scale for a notebook's report (``pdf.scale`` in ``print.yaml``; 1).

    Raises:
        ReferenceDataError: the scale is not a number from 0.1 to 2.
    """
    settings = pdf_settings() if settings is None else settings
    value = (settings.get("scale") or {}).get(notebook, 1.0)
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0.1 <= value <= 2:
        raise ReferenceDataError(
            f"data/reference/print.yaml: pdf.scale.{notebook} is {value!r}; give a number "
            "from 0.1 to 2 (1 prints as on screen)."
        )
    return float(value)


def page_count(pdf: Path | str) -> int:
    """The number of pages of a PDF (pypdf).

    Raises:
        InvalidArgumentError: the file is missing or not a PDF.
    """
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        return len(PdfReader(str(pdf)).pages)
    except (OSError, PdfReadError) as error:
        raise InvalidArgumentError(f"{pdf} is not a readable PDF ({error}).") from error
