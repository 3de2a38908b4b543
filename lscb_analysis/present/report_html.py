"""Executed notebook -> a self-contained, accessible HTML report (``report.html``).

:func:`export_html` turns an executed notebook into one HTML file a board member can open on
a council network or print:

* ``<html lang="en-GB">``; the ``<title>`` and the first ``<h1>`` name the report, the
  borough and the period ("Barnet — Deep dive: Neglect — 2024-25", :func:`report_title`);
* no request leaves the file: nbconvert's require.js, MathJax, scripts, links and its large
  lab stylesheet are dropped, and the workbench's own stylesheet (``report.css``, with the
  ``@media print`` rules for A4) is embedded inline;
* one ``<main>`` landmark (banners sit in a ``<header>``); headings never skip a level and
  carry no "¶" anchor links; no ``tabindex`` stops on output wrappers; every table has a
  ``<caption>`` (a table without one is named after the heading it sits under);
* every chart is a ``<figure>``: its image carries the chart's own alt text (its finding in
  figures, from :mod:`lscb_analysis.present.chart_text`) and is followed by a collapsed
  ``<details>`` table of the data behind it. Charts are matched to their description
  through the output's own metadata, never by counting images;
* a report built from synthetic data (:func:`is_synthetic`) carries a "SYNTHETIC DATA"
  banner on screen and on every printed page; an analyst-tier report "NOT FOR PUBLICATION".
"""

from __future__ import annotations

import copy
import html
import logging
import re
from functools import lru_cache
from importlib import resources
from pathlib import Path

import nbformat

from lscb_analysis.core import io, notebooks
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.present import value_format

CHART_METADATA = "lscb_chart"
"""Output metadata key a chart's display carries: ``{"alt", "caption", "columns", "rows"}``."""

LANGUAGE = "en-GB"
SEPARATOR = " \u2014 "  # " — " between report, borough and period
LONDON = "London"
SYNTHETIC_BANNER = (
    "SYNTHETIC DATA \u2014 a demonstration built from invented returns, not real figures"
)
DATA_SUMMARY = "Data behind this chart"
_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")

_EXPORTER = None
# CSS that would fetch something from outside the file: @import rules and url(http...).
_OUTSIDE_CSS = re.compile(
    r"""@import[^;]*;|url\(\s*['"]?\s*(?:https?:)?//[^)]*\)""", flags=re.IGNORECASE
)


def is_synthetic(project_dir: str | Path | None = None) -> bool:
    """Say whether a run's project holds the demo's synthetic data (decided once per run).

    See :func:`lscb_analysis.core.io.data_are_synthetic`, the one rule for banners and title rows.
    """
    return io.data_are_synthetic(project_dir)


def format_period(value) -> str:
    """Return a period as a reader writes it (:func:`lscb_analysis.present.value_format.format_period`).

    >>> [format_period(2025), format_period("2025Q4"), format_period(None)]
    ['2024-25', 'Q3 2025-26', '']
    """
    return value_format.format_period(value)


def _humanise(value) -> str:
    text = str(value).replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def report_title(
    notebook: str,
    parameters: dict | None = None,
    index: dict | None = None,
    registry: dict | None = None,
    fallback: str | None = None,
) -> str:
    """Return a report's title: report, borough and period, joined by " — ".

    Args:
        notebook: the notebook's name in ``data/reference/notebooks.yaml``.
        parameters: the run's parameters with the notebook's defaults (``borough``, and
            those its ``report_title`` templates name).
        index: what the notebook recorded for the index (its ``period``, ``as_at``,
            ``model_version``), see :func:`lscb_analysis.runs.report_index.record_for_index`.
        registry: the notebooks registry (default: read it).
        fallback: the report name for a notebook that is not registered (e.g. its heading).

    Returns:
        e.g. "Barnet — Deep dive: Neglect — 2024-25". The report name is the first of the
        notebook's ``report_title`` templates whose fields all have a value (fields are
        humanised: "domestic_abuse" -> "Domestic abuse"), else its ``title``. The borough is
        "London" for a London-wide run. The period is the recorded period (a year shown as
        "2024-25"), else the run's ``period``/``year`` parameter, else "as at <date>", else
        "model <version>"; left out when there is none.

    Raises:
        ParameterError: ``notebook`` is not registered and there is no ``fallback``.
    """
    if registry is None:
        registry = notebooks.notebook_registry()
    entry = registry.get(notebook)
    if not isinstance(entry, dict) and fallback:
        entry = {"title": fallback}
    if not isinstance(entry, dict):
        raise ParameterError(
            f"No notebook {notebook!r} in data/reference/notebooks.yaml; "
            "add it there or correct the name."
        )
    parameters, index = dict(parameters or {}), dict(index or {})
    name = str(entry.get("title") or notebook)
    templates = entry.get("report_title") or []
    for template in [templates] if isinstance(templates, str) else templates:
        fields = re.findall(r"{(\w+)}", template)
        if all(parameters.get(field) not in (None, "") for field in fields):
            name = template.format(**{field: _humanise(parameters[field]) for field in fields})
            break
    borough = parameters.get("borough") or LONDON
    period = format_period(
        index.get("period") or parameters.get("period") or parameters.get("year")
    )
    if not period and index.get("as_at"):
        period = f"as at {index['as_at']}"
    if not period and (index.get("model_version") or parameters.get("model_version")):
        period = f"model {index.get('model_version') or parameters.get('model_version')}"
    return SEPARATOR.join(part for part in (str(borough), name, period) if part)


@lru_cache(maxsize=1)
def stylesheet() -> str:
    """Return the report stylesheet (``lscb_analysis/present/report.css``, package data)."""
    return (
        resources.files("lscb_analysis.present").joinpath("report.css").read_text(encoding="utf-8")
    )


def print_banner_css(lines: list[str]) -> str:
    r"""CSS that prints the banners' words in the top margin of every printed page.

    Input: the banner texts. Output: an ``@media print`` rule with an ``@page`` top-centre
    margin box ("" for no banner).

    >>> print(print_banner_css(['SYNTHETIC "DATA"'])[:67])
    @media print { @page { @top-center { content: "SYNTHETIC \"DATA\"";
    """
    if not lines:
        return ""
    text = " \u00b7 ".join(lines).replace("\\", "\\\\").replace('"', '\\"')
    return (
        '@media print { @page { @top-center { content: "' + text + '"; color: #b00020; '
        "font: bold 9pt Arial, Helvetica, sans-serif; } } }"
    )


def _html_exporter():
    """One HTML exporter per process, so its compiled templates are reused (and pre-warmed)."""
    global _EXPORTER
    if _EXPORTER is None:
        from nbconvert import HTMLExporter

        # nbconvert warns about images without alt text; export_html gives every one its own.
        quiet = logging.getLogger(f"{__name__}.nbconvert")
        quiet.setLevel(logging.ERROR)
        _EXPORTER = HTMLExporter(template_name="lab", log=quiet)
        _EXPORTER.exclude_input = True
        _EXPORTER.exclude_input_prompt = True
        _EXPORTER.exclude_output_prompt = True
        _EXPORTER.exclude_anchor_links = True
    return _EXPORTER


def _context(cell, context: str) -> str:
    """The description of the section a cell opens: its heading and first sentence."""
    lines = [line.strip("# ").strip() for line in cell.source.splitlines() if line.strip()]
    if not lines:
        return context
    first = " ".join(lines[1:]).split(". ")[0].strip()
    return f"{lines[0]}: {first}".rstrip(": ") if first else lines[0]


def data_table_html(columns: list, rows: list, caption: str) -> str:
    """Return an HTML table (with ``<caption>``) of a chart's data: text cells as given.

    >>> data_table_html(["Year", "Value"], [["2024-25", "5.1"]], "Rate")[:40]
    '<table class="lscb-chart-data"><caption>'
    """
    head = "".join(f'<th scope="col">{html.escape(str(c))}</th>' for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(str(v))}</td>" for v in row) + "</tr>" for row in rows
    )
    return (
        f'<table class="lscb-chart-data"><caption>{html.escape(caption)}</caption>'
        f"<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    )


def chart_html(png: str, alt: str, chart: dict | None = None) -> str:
    """Return a chart as a ``<figure>``: the image with its alt text, then its data.

    Args:
        png: the base64 PNG.
        alt: the alt text.
        chart: the output's :data:`CHART_METADATA` (``caption``, ``columns``, ``rows``), or
            None for an image without a data table.
    """
    figure = (
        f'<figure class="lscb-chart"><img src="data:image/png;base64,{png.strip()}" '
        f'alt="{html.escape(alt, quote=True)}">'
    )
    if chart and chart.get("columns") and chart.get("rows"):
        caption = chart.get("caption") or alt.split(":")[0]
        figure += (
            f"<details><summary>{DATA_SUMMARY}</summary>"
            f"{data_table_html(chart['columns'], chart['rows'], caption)}</details>"
        )
    return figure + "</figure>"


def _chart_output(output, alt: str) -> nbformat.NotebookNode:
    chart = output.get("metadata", {}).get(CHART_METADATA) or {}
    return nbformat.v4.new_output(
        "display_data",
        data={
            "text/html": chart_html(output["data"]["image/png"], chart.get("alt") or alt, chart),
            "text/plain": chart.get("alt") or alt,
        },
    )


def shown_outputs(executed: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of the notebook as readers see it: no index scraps, charts as figures.

    Values recorded for the report index (scrapbook scraps) are left out. Every PNG output
    becomes a ``<figure>`` (:func:`chart_html`) whose alt text is the chart's own (its
    :data:`CHART_METADATA`); a chart without one is described by the heading of its section,
    numbered when the section holds several ("... (chart 2 of 3)").
    """
    shown = copy.deepcopy(executed)
    context = "Chart"
    for cell in shown.cells:
        if cell.cell_type == "markdown":
            context = _context(cell, context)
        if not cell.get("outputs"):
            continue
        kept = [output for output in cell.outputs if "scrapbook" not in output.get("metadata", {})]
        images = [o for o in kept if "image/png" in o.get("data", {})]
        for number, output in enumerate(images, start=1):
            alt = context if len(images) == 1 else f"{context} (chart {number} of {len(images)})"
            kept[kept.index(output)] = _chart_output(output, alt)
        cell.outputs = kept
        if cell.cell_type == "code":
            for output in cell.outputs:  # markdown shown by code is a section heading too
                text = output.get("data", {}).get("text/markdown")
                if text and text.lstrip().startswith("#"):
                    context = _context(nbformat.v4.new_markdown_cell(text), context)
    return shown


def _fix_headings(main, soup, title: str) -> None:
    """The first heading is the report's ``<h1>``; no level is skipped; no other h1."""
    headings = main.find_all(_HEADINGS)
    first = headings[0] if headings else None
    if first is None or first.name != "h1":
        first = soup.new_tag("h1")
        main.insert(0, first)
        headings.insert(0, first)
    first.clear()
    first.string = title
    first.attrs = {"id": "report-title"}
    stack = [(1, 1)]  # (level written in the notebook, level given), from the h1 down
    for heading in headings[1:]:
        written = max(int(heading.name[1]), 2)
        while len(stack) > 1 and stack[-1][0] >= written:
            stack.pop()
        level = min(written, stack[-1][1] + 1)  # a child sits one level below its parent
        stack.append((written, level))
        heading.name = f"h{level}"
        for anchor in heading.find_all("a", class_="anchor-link"):
            anchor.decompose()


def _add_captions(main, soup) -> None:
    """Give every table without a ``<caption>`` the heading it sits under."""
    seen: dict[str, int] = {}
    for table in main.find_all("table"):
        if table.find("caption", recursive=False) is not None:
            continue
        heading = table.find_previous(_HEADINGS)
        name = heading.get_text(" ", strip=True) if heading is not None else "Table"
        seen[name] = seen.get(name, 0) + 1
        caption = soup.new_tag("caption")
        caption.string = name if seen[name] == 1 else f"{name} (table {seen[name]})"
        table.insert(0, caption)


LONG_WORD = 20  # characters: a table cell holding a longer word may break it anywhere
LONG_CELL_CLASS = "lscb-long"
_LONG_TOKEN = re.compile(rf"\S{{{LONG_WORD + 1},}}")


def has_long_word(text: str) -> bool:
    """True when ``text`` holds a word longer than :data:`LONG_WORD` characters (a file name,
    an address), which the report lets break anywhere so that its table fits the page.

    >>> has_long_word("SYNTHETIC_feedback_brent_csc.xlsx"), has_long_word("used, 31 answers")
    (True, False)
    """
    return _LONG_TOKEN.search(text) is not None


def _mark_long_cells(main) -> None:
    """Class :data:`LONG_CELL_CLASS` on every table cell with a long word (report.css lets
    those words break anywhere). Only a class: the cell's text stays exactly as it was."""
    for cell in main.find_all(["td", "th"]):
        if has_long_word(cell.get_text()):
            cell["class"] = [*cell.get("class", []), LONG_CELL_CLASS]


def _banners(soup, tier: str | None, synthetic: bool):
    """The ``<header>`` with the report's banners, or None when it needs none."""
    lines = []
    if synthetic:
        lines.append(("lscb-synthetic-banner", SYNTHETIC_BANNER))
    if tier is not None:
        from lscb_analysis.protect import disclosure_config

        if disclosure_config.validate_tier(tier) == "analyst":
            lines.append(("lscb-tier-banner", disclosure_config.tier_label("analyst")))
    if not lines:
        return None
    header = soup.new_tag("header", id="lscb-banners")
    for ident, text in lines:
        line = soup.new_tag("p", id=ident)
        line.string = text
        header.append(line)
    return header


def _clean(main) -> None:
    """No script, no outside link, no tabindex stop, no empty output prompts."""
    for tag in main.find_all(["script", "link", "noscript"]):
        tag.decompose()
    for tag in main.find_all(attrs={"tabindex": True}):
        if not tag.get("role") and tag.name not in ("a", "button", "summary"):
            del tag["tabindex"]
    for tag in main.find_all(src=True):
        if not str(tag["src"]).startswith("data:"):
            del tag["src"]
    for style in main.find_all("style"):  # e.g. a table library's web-font @import
        if style.string and re.search(r"(?i)@import|url\(", style.string):
            style.string = _OUTSIDE_CSS.sub("", style.string)
    for tag in main.find_all(style=_OUTSIDE_CSS):
        tag["style"] = _OUTSIDE_CSS.sub("", tag["style"])
    for tag in main.find_all(["a", "area"], href=True):
        if re.match(r"(?i)\s*(https?:)?//", str(tag["href"])) and tag.find("img"):
            del tag["href"]  # never load an outside resource; ordinary links stay


def export_html(
    executed: nbformat.NotebookNode,
    tier: str | None = None,
    *,
    notebook: str | None = None,
    parameters: dict | None = None,
    index: dict | None = None,
    synthetic: bool = False,
    title: str | None = None,
) -> str:
    """Return the executed notebook as a self-contained HTML report (code hidden).

    Args:
        executed: the executed notebook.
        tier: the run's ``tier`` parameter; "analyst" adds the NOT FOR PUBLICATION banner.
        notebook, parameters, index: name the report in its ``<title>`` and ``<h1>``
            (:func:`report_title`); without ``notebook`` the notebook's own first heading.
        synthetic: the run's data are synthetic (:func:`is_synthetic`): SYNTHETIC DATA banner.
        title: overrides the title.

    Returns:
        The HTML document (see the module docstring for what it holds and leaves out).

    Raises:
        ParameterError: an unknown tier or notebook.
    """
    from bs4 import BeautifulSoup

    body, _ = _html_exporter().from_notebook_node(shown_outputs(executed))
    source = BeautifulSoup(body, features="html.parser")
    first = source.find(_HEADINGS)
    heading = first.get_text(" ", strip=True).rstrip("\u00b6 ") if first else "Report"
    if title is None and notebook is not None:
        title = report_title(notebook, parameters, index, fallback=heading)
    if title is None:
        title = heading
    soup = BeautifulSoup(
        f'<!DOCTYPE html>\n<html lang="{LANGUAGE}"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style></style></head><body></body></html>",
        features="html.parser",
    )
    soup.style.string = stylesheet()
    main = soup.new_tag("main")
    for child in list((source.body or source).children):
        main.append(child.extract())
    for inner in main.find_all(["main", "body", "html"]):  # nbconvert's own <main>
        inner.unwrap()
    for style in main.find_all("style"):  # pandas Styler's own rules stay; lab CSS goes
        if style.find_parent(class_="jp-OutputArea-output") is None:
            style.decompose()
    _clean(main)
    _fix_headings(main, soup, title)
    _add_captions(main, soup)
    _mark_long_cells(main)
    header = _banners(soup, tier, synthetic)
    if header is not None:
        soup.style.string += print_banner_css([p.get_text() for p in header.find_all("p")])
        soup.body.append(header)
        soup.body["class"] = ["lscb-has-banner"] + (
            ["lscb-two-banners"] if len(header.find_all("p")) > 1 else []
        )
    soup.body.append(main)
    return str(soup)
