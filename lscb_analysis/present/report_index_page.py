"""The report index page (``reports/index.html``): one accessible, self-contained table.

:func:`render_index` turns the runs of :func:`lscb_analysis.runs.report_index.collect_runs` into a
page with ``lang="en-GB"``, a ``<main>`` landmark, a captioned table, the SYNTHETIC DATA
banner when the project's data are synthetic and NOT FOR PUBLICATION on the analyst index. A
run found unchanged keeps its last good status ("ok — unchanged since 3 Dec 2026 14:02"); a
failed run shows the last good report's link and date beside its log. Without JavaScript
it is a plain table with every run; with it, columns sort by what they hold (text, periods,
dates, numbers: :func:`sort_key`) and rows filter by borough, notebook, status and text.
"""

from __future__ import annotations

import html
import math
import re
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from lscb_analysis.core import notebooks
from lscb_analysis.present.report_html import (
    LANGUAGE,
    SYNTHETIC_BANNER,
    format_period,
    print_banner_css,
    stylesheet,
)

HEADLINES_SHOWN = 3
ANALYST = "analyst"
# (header, kind of sort key); kind None: not sortable.
COLUMNS = [
    ("Borough", "text"),
    ("Notebook", "text"),
    ("Status", "text"),
    ("Period", "period"),
    ("Data as at", "date"),
    ("Model version", "number"),
    ("Run (UTC)", "date"),
    ("Run time (s)", "number"),
    ("Validation (errors / queries)", "number"),
    ("Headline values", "text"),
    ("Links", None),
]
HEADERS = [name for name, _ in COLUMNS]
_MONTHS = {
    name: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], 1
    )
}


def _missing(value) -> bool:
    return value is None or value == "" or (isinstance(value, float) and math.isnan(value))


def period_key(value) -> float | None:
    """A number that orders periods: reporting years, "2024-25" and quarters "2025Q3".

    A reporting year 2025 and "2024-25" are the same (2025.0); "2025Q3" is 2025.3. Returns
    None for anything else.

    >>> [period_key(v) for v in (2025, "2024-25", "2025Q3", "Q3 2025-26", "", "soon")]
    [2025.0, 2025.0, 2025.3, 2026.3, None, None]
    """
    if _missing(value):
        return None
    text = str(value).strip()
    if match := re.fullmatch(r"(\d{4})(?:\.0)?", text):
        return float(match[1])
    if match := re.fullmatch(r"(\d{4})[-/](\d{2}|\d{4})", text):
        return float(int(match[1]) + 1)
    if match := re.fullmatch(r"(\d{4})\s*Q([1-4])", text, flags=re.IGNORECASE):
        return int(match[1]) + int(match[2]) / 10
    if match := re.fullmatch(r"Q([1-4])\s+(\d{4})-(\d{2})", text, flags=re.IGNORECASE):
        return int(match[2]) + 1 + int(match[1]) / 10
    return None


def date_key(value) -> float | None:
    """A number that orders dates and times: ISO text, "31 March 2025", date objects.

    The first date found in the text counts (so "published statistics to 31 March 2025;
    ..." sorts by 31 March 2025). Returns None when there is no date.

    >>> date_key("2025-03-31") == date_key("31 March 2025") < date_key("2025-03-31T10:00")
    True
    >>> date_key("not yet") is None
    True
    """
    if _missing(value):
        return None
    if isinstance(value, datetime | date):
        value = value.isoformat()
    text = str(value)
    if match := re.search(r"(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2}))?", text):
        day = date(int(match[1]), int(match[2]), int(match[3])).toordinal()
        minutes = int(match[4] or 0) * 60 + int(match[5] or 0)
        return day + minutes / 1440
    if match := re.search(r"(\d{1,2})\s+([A-Za-z]{3})[a-z]*\s+(\d{4})", text):
        month = _MONTHS.get(match[2].lower())
        if month:
            return float(date(int(match[3]), month, int(match[1])).toordinal())
    return None


def number_key(value) -> float | None:
    """A number for a number-like cell: 12, "1.5", "3 / 1" (the first number), "v1.10".

    >>> [number_key(v) for v in (12, "1.5", "3 / 1", "", "n/a")]
    [12.0, 1.5, 3.0, None, None]
    """
    if _missing(value):
        return None
    if isinstance(value, int | float):
        return float(value)
    match = re.search(r"-?\d+(?:\.\d+)?", str(value).replace(",", ""))
    return float(match[0]) if match else None


def sort_key(value, kind: str) -> str:
    """The ``data-sort`` text of a cell: a number for periods, dates and numbers, else text.

    Input: the cell's value and its column's kind ("text", "period", "date", "number").
    Output: a number as text ("" when the value is not of that kind: sorted last), or for
    text the value lower-cased.

    >>> [sort_key("2024-25", "period"), sort_key("Barnet", "text"), sort_key("", "number")]
    ['2025', 'barnet', '']
    """
    if kind == "text":
        return "" if _missing(value) else str(value).strip().lower()
    key = {"period": period_key, "date": date_key, "number": number_key}[kind](value)
    return "" if key is None else f"{key:.6f}".rstrip("0").rstrip(".")


def when(value) -> str:
    """An ISO time as a reader writes it: "3 Dec 2026 14:02" ("" when it is not one).

    >>> when("2026-12-03T14:02:59+00:00")
    '3 Dec 2026 14:02'
    """
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return ""
    return f"{moment.day} {moment:%b %Y %H:%M}"


def _cell(content: str, value=None, kind: str | None = None, css: str = "") -> str:
    attributes = ""
    if kind is not None:
        attributes += f' data-sort="{html.escape(sort_key(value, kind))}"'
    attributes += f' class="{css}"' if css else ""
    return f"<td{attributes}>{content}</td>"


def _link(target: str, text: str) -> str:
    return f'<a href="{html.escape(target)}">{html.escape(text)}</a>'


def _status(run) -> str:
    status = f'<span class="{html.escape(run.status)}">{html.escape(run.status)}</span>'
    if run.status == "failed" and run.last_good:
        dated = f" of {when(run.last_good_at)}" if when(run.last_good_at) else ""
        status += (
            f'<br><small>failed; showing the <a href="{html.escape(run.last_good)}">'
            f"last good report</a>{html.escape(dated)}</small>"
        )
    if run.error:
        status += f"<br><small>{html.escape(run.error)}</small>"
    elif run.unchanged_since:
        status += f" \u2014 unchanged since {html.escape(when(run.unchanged_since))}"
    elif run.reason:
        status += f"<br><small>{html.escape(run.reason)}</small>"
    return status


def _links(run) -> str:
    links = []
    if run.link:
        links.append(_link(run.link, "report" if run.link.endswith(".html") else "log"))
    links += [_link(path, Path(path).name) for path in str(run.xlsx).split(";") if path]
    links.append(_link(run.manifest, "manifest"))
    if run.last_good:
        links.append(_link(run.last_good, "last good report"))
    return " · ".join(links)


def _row(run, titles: dict) -> str:
    validation = "" if run.errors == "" else f"{run.errors} / {run.queries}"
    headlines = "".join(
        f"<dt>{html.escape(str(getattr(run, f'headline_{n}')))}</dt>"
        f"<dd>{html.escape(str(getattr(run, f'value_{n}')))}</dd>"
        for n in range(1, HEADLINES_SHOWN + 1)
        if getattr(run, f"headline_{n}")
    )
    notebook = html.escape(titles.get(run.notebook, run.notebook))
    if run.tier == ANALYST:
        notebook += '<br><span class="analyst">analyst: NOT FOR PUBLICATION</span>'
    return (
        f'<tr data-status="{html.escape(run.status)}" data-borough="{html.escape(run.borough)}"'
        f' data-notebook="{html.escape(run.notebook)}"'
        f' data-unchanged="{"yes" if run.unchanged_since else "no"}">'
        + _cell(html.escape(run.borough), run.borough, "text")
        + _cell(notebook, run.notebook, "text")
        + _cell(_status(run), run.status, "text")
        + _cell(html.escape(format_period(run.period)), run.period, "period")
        + _cell(html.escape(str(run.as_at)), run.as_at, "date")
        + _cell(html.escape(str(run.model_version)), run.model_version, "number")
        + _cell(html.escape(when(run.started)), run.started, "date")
        + _cell(str(run.seconds), run.seconds, "number", "num")
        + f'<td title="{html.escape(run.validation)}" data-sort="'
        f'{sort_key(run.errors, "number")}">{validation}</td>'
        + _cell(f"<dl>{headlines}</dl>" if headlines else "", headlines, "text")
        + _cell(_links(run))
        + "</tr>"
    )


def _options(values, titles: dict | None = None) -> str:
    titles = titles or {}
    named = {str(v): str(titles.get(v, v)) for v in values if str(v)}
    return "".join(
        f'<option value="{html.escape(v)}">{html.escape(text)}</option>'
        for v, text in sorted(named.items(), key=lambda item: item[1].lower())
    )


def notebook_titles() -> dict:
    """``{notebook name: title}`` from data/reference/notebooks.yaml ({} if unreadable)."""
    from lscb_analysis.core.errors import LscbError

    try:
        registry = notebooks.notebook_registry()
    except (LscbError, OSError):
        return {}
    return {
        name: entry["title"]
        for name, entry in registry.items()
        if isinstance(entry, dict) and entry.get("title")
    }


def summary(runs: pd.DataFrame) -> str:
    """One sentence: how many runs, how many ok (and of those unchanged), how many failed.

    >>> summary(pd.DataFrame({"status": ["ok", "ok", "failed"],
    ...                       "unchanged_since": ["", "2026-12-03T14:02", ""]}))
    '3 runs, 2 ok, 1 failed (1 ok report unchanged since its last run).'
    """
    ok = runs["status"].eq("ok")
    unchanged = int((ok & runs["unchanged_since"].fillna("").astype(str).ne("")).sum())
    failed = int(runs["status"].eq("failed").sum())
    reports, its = ("report", "its") if unchanged == 1 else ("reports", "their")
    return (
        f"{len(runs)} runs, {int(ok.sum())} ok, {failed} failed ({unchanged} ok {reports} "
        f"unchanged since {its} last run)."
    )


def render_index(runs: pd.DataFrame, synthetic: bool = False) -> str:
    """Return the index page's HTML for the runs from ``report_index.collect_runs``.

    Args:
        runs: one row per run with ``report_index.INDEX_COLUMNS``.
        synthetic: the project's data are synthetic: a SYNTHETIC DATA banner on the page.

    Analyst-tier runs are marked "analyst: NOT FOR PUBLICATION"; a page listing any carries
    the analyst label in a banner fixed to the top of the window and of every printed page.
    """
    runs = runs.fillna("")
    titles = notebook_titles()
    headers = "".join(
        f'<th scope="col"{f" data-type={chr(34)}{kind}{chr(34)}" if kind else ""}>'
        f"{html.escape(name)}</th>"
        for name, kind in COLUMNS
    )
    title = "LSCB workbench reports"
    banners = []
    if synthetic:
        banners.append(f'<p id="lscb-synthetic-banner">{html.escape(SYNTHETIC_BANNER)}</p>')
    if bool((runs["tier"] == ANALYST).any()):
        from lscb_analysis.protect import disclosure_config

        label = html.escape(disclosure_config.tier_label(ANALYST))
        banners.append(f'<p id="tier-banner">{label}</p>')
        title = "LSCB workbench analyst reports (NOT FOR PUBLICATION)"
    body_class = ""
    header = ""
    words = [re.sub(r"<[^>]+>", "", line) for line in banners]
    if banners:
        header = f'<header id="lscb-banners">{"".join(banners)}</header>'
        body_class = ' class="lscb-has-banner{}"'.format(
            " lscb-two-banners" if len(banners) > 1 else ""
        )
    return PAGE.format(
        lang=LANGUAGE,
        title=html.escape(title),
        css=stylesheet(),
        extra_css=INDEX_CSS + print_banner_css([html.unescape(w) for w in words]),
        body_class=body_class,
        header=header,
        summary=html.escape(summary(runs)),
        headers=headers,
        rows="\n".join(_row(run, titles) for run in runs.itertuples(index=False)),
        boroughs=_options(runs["borough"]),
        notebooks=_options(runs["notebook"], titles),
        script=SCRIPT,
    )


INDEX_CSS = """
main { max-width: none; }
#runs { width: 100%; }
th button { font: inherit; font-weight: bold; background: none; border: 0; padding: 0;
  cursor: pointer; text-align: left; color: inherit; }
th[aria-sort=ascending] button::after { content: " \\25B2"; }
th[aria-sort=descending] button::after { content: " \\25BC"; }
.ok { color: #0b6e4f; font-weight: bold; }
.failed { color: #b00020; font-weight: bold; }
.analyst { display: inline-block; background: #b00020; color: #fff; font-weight: bold;
  font-size: 0.8em; padding: 0.1em 0.4em; -webkit-print-color-adjust: exact;
  print-color-adjust: exact; }
#tier-banner { background: var(--banner-analyst); }
#controls { margin: 1em 0; } #controls label { margin-right: 1.5em; }
dl { margin: 0; } dt { font-size: 0.85em; color: #505050; } dd { margin: 0 0 0.2em 0; }
@media print { #controls { display: none; } }
"""

PAGE = """<!DOCTYPE html>
<html lang="{lang}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>{css}{extra_css}</style></head>
<body{body_class}>{header}
<main>
<h1>{title}</h1>
<p>{summary}</p>
<p>Statuses: <b>ok</b> the report is current and good (<b>unchanged since</b> a date: the
inputs have not changed since that run, so its report still stands); <b>failed</b> with the
error's first line (the link opens the executed notebook, kept as its log; the last good
report, when there is one, is linked beside it). Validation counts are the errors and queries
the ingests found in that borough's returns (London-wide rows: all of them). Also as a
spreadsheet: <a href="index.csv">index.csv</a>.</p>
<div id="controls" hidden>
<label>Borough <select id="borough"><option value="">all</option>{boroughs}</select></label>
<label>Notebook <select id="notebook"><option value="">all</option>{notebooks}</select></label>
<label>Status <select id="status"><option value="">all</option><option>ok</option>
<option value="unchanged">ok, unchanged</option><option>failed</option></select></label>
<label>Text <input id="filter" type="search"></label>
<span id="shown" aria-live="polite"></span>
</div>
<table id="runs">
<caption>Every report run: borough, notebook, status, period and headline values</caption>
<thead><tr>{headers}</tr></thead>
<tbody>
{rows}
</tbody></table>
</main>
<script>{script}</script>
</body></html>
"""

SCRIPT = """
(function () {
  var table = document.getElementById("runs"), body = table.tBodies[0];
  var pick = function (id) { return document.getElementById(id); };
  var filter = pick("filter"), status = pick("status"), borough = pick("borough"),
      notebook = pick("notebook"), shown = pick("shown");
  pick("controls").hidden = false;
  function apply() {
    var text = filter.value.toLowerCase(), wanted = status.value, count = 0;
    Array.prototype.forEach.call(body.rows, function (row) {
      var state = wanted === "unchanged" ? row.getAttribute("data-unchanged") === "yes"
        : (!wanted || row.getAttribute("data-status") === wanted);
      var show = state && (!text || row.textContent.toLowerCase().indexOf(text) >= 0) &&
        (!borough.value || row.getAttribute("data-borough") === borough.value) &&
        (!notebook.value || row.getAttribute("data-notebook") === notebook.value);
      row.hidden = !show; if (show) { count += 1; }
    });
    shown.textContent = count + " of " + body.rows.length + " runs shown";
  }
  [filter, status, borough, notebook].forEach(function (control) {
    control.addEventListener(control === filter ? "input" : "change", apply); });
  Array.prototype.forEach.call(table.tHead.rows[0].cells, function (th, column) {
    var kind = th.getAttribute("data-type");
    if (!kind) { return; }
    var button = document.createElement("button");
    button.type = "button"; button.textContent = th.textContent;
    th.textContent = ""; th.appendChild(button);
    button.addEventListener("click", function () {
      var up = th.getAttribute("aria-sort") !== "ascending";
      Array.prototype.forEach.call(table.tHead.rows[0].cells, function (other) {
        other.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", up ? "ascending" : "descending");
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[column].getAttribute("data-sort") || "";
        var y = b.cells[column].getAttribute("data-sort") || "";
        if (x === "" || y === "") { return (x === "") - (y === ""); }  // blanks last
        var order = kind === "text" ? x.localeCompare(y) : parseFloat(x) - parseFloat(y);
        return up ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
  });
  apply();
})();
"""
