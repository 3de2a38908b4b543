"""The score card report's HTML pieces: title, headline, table, exception list, legend, footer.

Each piece is read from a :class:`~lscb_analysis.scorecard.scorecard.Scorecard`'s frames, so what
the page shows cannot disagree with the workbook or the charts; the ``*_display`` functions wrap
the HTML for the notebook.
"""

from __future__ import annotations

import html
from collections.abc import Mapping

from lscb_analysis.scorecard.method import legend_rows
from lscb_analysis.scorecard.scorecard import Scorecard
from lscb_analysis.scorecard.wording import period_text


def title_block(card: Scorecard) -> str:
    """The report's title block (markdown): PIs and sub-group, model, as at, tier.

    The borough and period are the report's title (its h1), so they are not repeated here.
    """
    scope = card.subgroup or "all sub-groups"
    return (
        f"**PIs:** {len(card.rows)} ({scope}) · **Best-fit model:** version "
        f"{card.model_version} · **Data as at:** {card.as_at}\n\n"
        f"**{card.tier_label}**"
    )


def index_headlines(card: Scorecard) -> dict:
    """What the report index shows for this run: exceptions, targets met, worse than England.

    >>> import pandas as pd
    >>> from lscb_analysis.scorecard.periods import ScorecardPeriod
    >>> rows = pd.DataFrame({"target_status": ["met", "missed", "no_target"],
    ...                      "vs_england": ["worse", "similar", "not_compared"]})
    >>> card = Scorecard("Barnet", "302", ScorecardPeriod("2025Q4", "quarter", "2025Q4", 2025),
    ...     "1.0", None, "board", "", rows, pd.DataFrame(), pd.DataFrame({"pi_id": ["x"]}),
    ...     pd.DataFrame(), {})
    >>> index_headlines(card)
    {'Exceptions': 1, 'Targets met': '1 of 2', 'Worse than England': '1 of 2'}
    """
    rated = card.rows["target_status"].isin(["met", "near", "missed"])
    compared = card.rows["vs_england"] != "not_compared"
    return {
        "Exceptions": len(card.exceptions),
        "Targets met": f"{int((card.rows['target_status'] == 'met').sum())} of {int(rated.sum())}",
        "Worse than England": f"{int((card.rows['vs_england'] == 'worse').sum())} of "
        f"{int(compared.sum())}",
    }


def sources_footer(card: Scorecard) -> str:
    """Provenance footer (markdown): published statistics and the pilot returns used."""
    from lscb_analysis.core import provenance

    pilot = (
        "Local PIs: the borough's Phase III pilot returns (data/processed/pilot_values), "
        "checked by `lscb pilot ingest`; the synthetic demo returns are invented figures."
        if "pilot returns" in card.as_at
        else 'Local PIs: no pilot return has been ingested, so they show "no figure returned".'
    )
    return f"{provenance.source_footer(card.period.reporting_year)}\n\n{pilot}"


_CSS = """<style>
@page { size: A4 landscape; margin: 10mm; }
.lscb-sc { border-collapse: collapse; width: 100% !important; table-layout: auto !important;
  font-size: 9pt; line-height: 1.25; }
.lscb-sc th { background: #1F4E79; color: #FFFFFF; text-align: left !important;
  padding: 3px 4px; }
.lscb-sc td { border-top: 1px solid #D0D0D0; padding: 3px 4px; vertical-align: top;
  text-align: left !important; }
.lscb-sc td.pi { width: 22%; }
.lscb-sc p.lscb-question { margin: 0 0 0.4em 0; }
/* A goal's table is captioned for screen readers; its heading shows the same words. */
.lscb-card caption { position: absolute; width: 1px; height: 1px; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; }
.lscb-sc .sub { color: #555555; font-size: 8pt; }
.lscb-sc tr.narrative td { border-top: none; font-style: italic; color: #333333;
  padding-top: 0; font-size: 8pt; }
.lscb-sc tr.flag td:first-child { border-left: 4px solid #D55E00; }
.lscb-sc tr.cluster th, .lscb-sc tr.cluster td { background: #DCE6F1; color: #000000;
  border-top: 1px solid #1F4E79; }
.lscb-sc td.lscb-cluster { font-size: 8pt; color: #333333; }
p.lscb-left-out { font-size: 8pt; color: #333333; }
@media print { .lscb-sc { font-size: 7.5pt; } .lscb-sc tr { page-break-inside: avoid; }
  h3, h4 { page-break-after: avoid; } }
</style>"""


def _cell(text: str, sub: str = "", colour: str = "", css: str = "") -> str:
    style = f' style="background:#{colour}"' if colour else ""
    kind = f' class="{css}"' if css else ""
    extra = f'<br><span class="sub">{html.escape(sub)}</span>' if sub else ""
    return f"<td{kind}{style}>{html.escape(text)}{extra}</td>"


def _band_cell(row: dict, short: dict) -> str:
    """The quartile cell: "England (LAIT) C" with "London D" beneath; "not banded" (with its
    reason) said once. Ranks and areas ranked are in the workbook and the left-out note."""
    if row["england_band_text"] == row["band_text"] and not row["band_text"][:1].isupper():
        return _cell(row["band_text"])
    parts = [
        f"{short[key]} {row[f'{key}_band'] if isinstance(row[f'{key}_band'], str) else text}"
        for key, text in (("england", row["england_band_text"]), ("london", row["band_text"]))
    ]
    return _cell(parts[0], parts[1])


def _trend_cell(row: dict, rules: Mapping) -> str:
    """The trend and, beneath it, the test that found it when it is significant (the legend
    and the method note say which test each kind of series gets; the workbook names it on
    every row)."""
    if row["trend"] not in ("increasing", "decreasing") or not row["trend_method"]:
        return _cell(row["trend_text"])  # the legend names both tests
    sub = str(rules["trend"]["short_methods"][row["trend_method"]])
    left_out = row["trend_method_text"].rpartition(" (")[2].rstrip(")")
    if row["trend_method_text"].endswith("missing or suppressed)"):
        sub += f" ({left_out})"
    return _cell(row["trend_text"], sub)


def left_out_html(card: Scorecard) -> str:
    """Which areas each quartile ranking left out (no figure), PIs with the same areas grouped.

    Output: a paragraph (HTML), "" when every ranking ranked every area. Each group reads
    "London, not available (1): City of London: BF-CP-01, BF-CC-01" (England's ranking, as
    LAIT, by counts only: "England, suppressed (59): BF-CP-07").
    """
    short = card.rules["bands"]["short"]
    groups: dict[str, list[str]] = {}
    for row in card.rows.to_dict("records"):
        if row["source_type"] != "national" or row["polarity"] not in ("high", "low"):
            continue
        for key in ("england", "london"):
            if row[f"{key}_ranked"] and row[f"{key}_left_out"]:
                groups.setdefault(f"{short[key]}, {row[f'{key}_left_out']}", []).append(
                    row["pi_id"]
                )
    if not groups:
        return ""
    text = "; ".join(f"{where}: {', '.join(pis)}" for where, pis in groups.items())
    return (
        '<p class="lscb-left-out"><strong>Areas left out of the quartile rankings</strong> '
        f"(no figure for the year; England as LAIT): {html.escape(text)}.</p>"
    )


def _own_target(row: dict) -> str:
    """A board's own target, shortly ("Barnet's target, from 2026Q1"); "" for the London default
    (the method note says targets are London's unless marked; the workbook names who agreed)."""
    source = str(row.get("target_source") or "")
    return "" if source in ("", "London default") else source.split(", agreed by")[0]


def scorecard_html(card: Scorecard) -> str:
    """The score card table as HTML: grouped by goal and cluster, with the cluster narrative.

    One table per goal (its heading, and its caption for screen readers), one row group per
    cluster headed by the cluster's title and introduction; one line per PI (latest value and
    period, target, previous value and direction of travel, SPC, benchmarks, England (LAIT) and
    London quartiles, trend (with the method used),
    data quality), the borough's narrative beneath it.
    Colours come from the rules and only for judged cells: a missing or suppressed figure,
    "not compared" or "not rated" is never coloured. Readable printed on A4 landscape.
    """
    rules, colours = card.rules, card.rules["colours"]
    names = rules["benchmarks"]
    head = [
        "PI",
        "Latest",
        "Target",
        "Previous",
        "SPC",
        *[n.capitalize() for n in names.values()],
        rules["bands"]["column"],
        "Recent trend",
        "Data quality",
    ]
    parts = [_CSS]
    header = "".join(f'<th scope="col">{html.escape(h)}</th>' for h in head)
    for (goal, goal_title), goal_rows in card.rows.groupby(["goal", "goal_title"], sort=False):
        # One table per goal, one row group per cluster: the column heads print once a goal
        # (and again on each page), so a borough's card fits its four printed pages.
        parts.append(
            f"<h3>{html.escape(goal)} {html.escape(goal_title)}</h3>"
            f'<table class="lscb-sc lscb-card"><caption>{html.escape(goal)} '
            f"{html.escape(goal_title)}</caption><thead><tr>{header}</tr></thead>"
        )
        for (_, cluster_title, narrative), rows in goal_rows.groupby(
            ["cluster", "cluster_title", "cluster_narrative"], sort=False
        ):
            parts.append(
                f'<tbody><tr class="cluster"><th scope="rowgroup">'
                f"{html.escape(cluster_title)}</th>"
                f'<td class="lscb-cluster" colspan="{len(head) - 1}">'
                f'<span class="lscb-cluster-intro">{html.escape(narrative)}</span>'
                "</td></tr>"
            )
            for row in rows.to_dict("records"):
                flag = ' class="flag"' if row["exceptions"] else ""
                cells = [
                    _cell(
                        f"{row['pi_id']} {row['title']}",
                        f"{row['rating']}; {row['sub_group']}"
                        + (f"; EXCEPTION: {row['exception_text']}" if row["exceptions"] else ""),
                        css="pi",
                    ),
                    _cell(row["value_text"], period_text(row["period"])),
                    _cell(
                        row["target_icon"],
                        "; ".join(t for t in (row["target_text"], _own_target(row)) if t),
                        colours["target"].get(row["target_status"], ""),
                    ),
                    _cell(
                        row["travel_icon"],
                        f"{row['previous_text']} {period_text(row['previous_period'])}".strip(),
                    ),
                    _cell(
                        row["variation_text"],
                        "; ".join(
                            t
                            for t in (
                                row["assurance_text"] if row["assurance_text"] != "\u2013" else "",
                                row["spc_note"],
                            )
                            if t
                        ),
                        colours["variation"].get(row["variation"], ""),
                    ),
                ]
                for key in names:
                    sub = row[f"{key}_text"]
                    if key == "neighbours" and row["neighbours_used"]:
                        sub += f" ({row['neighbours_used']} neighbours)"
                    cells.append(
                        _cell(
                            row[f"vs_{key}_text"],
                            sub,
                            colours["comparison"].get(row[f"vs_{key}"], ""),
                        )
                    )
                cells += [
                    _band_cell(row, rules["bands"]["short"]),
                    _trend_cell(row, rules),
                    _cell(row["dq_text"]),
                ]
                parts.append(f"<tr{flag}>{''.join(cells)}</tr>")
                notes = [
                    t
                    for t in (
                        row["in_year_text"] and f"In year: {row['in_year_text']}.",
                        row["narrative"] and f"Borough's narrative: {row['narrative']}",
                        row["compare_reason"]
                        and row["source_type"] == "national"
                        and f"Not compared: {row['compare_reason']}.",
                    )
                    if t
                ]
                if notes:
                    parts.append(
                        f'<tr class="narrative"><td></td><td colspan="{len(head) - 1}">'
                        f"{html.escape(' '.join(notes))}</td></tr>"
                    )
            parts.append("</tbody>")
        parts.append("</table>")
    parts.append(left_out_html(card))
    return "\n".join(parts)


def exceptions_html(card: Scorecard) -> str:
    """The exception list as HTML: PI, exception, what the data show, question to ask."""
    if card.exceptions.empty:
        return (
            "<p><strong>No exceptions.</strong> No PI shows special-cause concern, is "
            "significantly worse than a benchmark and getting worse, or misses its target "
            "consistently.</p>"
        )
    rows = [
        "<caption>Exceptions</caption><thead><tr>"
        + "".join(
            f'<th scope="col">{h}</th>'
            for h in ("PI", "Exception", "What the data show", "Question for the challenge meeting")
        )
        + "</tr></thead>"
    ]
    for row in card.exceptions.to_dict("records"):
        questions = "".join(
            f'<p class="lscb-question">{html.escape(q)}</p>' for q in row["questions"].split("\n\n")
        )
        rows.append(
            f'<tr><td class="pi">{html.escape(row["pi_id"])} {html.escape(row["title"])}'
            f'<br><span class="sub">{html.escape(row["rating"])}</span></td>'
            f"<td>{html.escape(row['labels'])}</td><td>{html.escape(row['sentence'])}"
            f"</td><td>{questions}</td></tr>"
        )
    return f'{_CSS}<table class="lscb-sc">{"".join(rows)}</table>'


def legend_html(rules: Mapping) -> str:
    """The icon legend as a compact HTML table, coloured as in the score card."""
    legend = legend_rows(rules)
    rows = []
    for group, items in legend.groupby("group", sort=False):
        symbols = " &nbsp; ".join(
            f'<span style="background:#{c};padding:0 3px">{html.escape(s)}</span>'
            if c
            else html.escape(s)
            for s, c in zip(items["symbol"], items["colour"], strict=True)
        )
        rows.append(
            f'<tr><th scope="row">{html.escape(group)}</th><td>{symbols}'
            f'<br><span class="sub">{html.escape(items["meaning"].iloc[0])}</span>'
            "</td></tr>"
        )
    return (
        f'{_CSS}<table class="lscb-sc lscb-legend"><caption>Key to the icons and colours</caption>'
        f"{''.join(rows)}</table>"
    )


def _html(text: str):
    from IPython.display import HTML

    return HTML(text)


def exceptions_display(card: Scorecard):
    """:func:`exceptions_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(exceptions_html(card))


def scorecard_display(card: Scorecard):
    """:func:`scorecard_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(scorecard_html(card))


def legend_display(card: Scorecard):
    """:func:`legend_html` ready to show in a notebook (an IPython HTML object)."""
    return _html(legend_html(card.rules))
