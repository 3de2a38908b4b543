"""The exported report: self-contained, titled, accessible, with described charts and banners."""

from __future__ import annotations

import json
import re

import nbformat
import pandas as pd
import pytest
from bs4 import BeautifulSoup
from report_pages import LONG_NAMES, table_page

from lscb_analysis.core import notebooks
from lscb_analysis.core.errors import ParameterError
from lscb_analysis.present import report_html, spc_charts
from lscb_analysis.stats.xmr import xmr


def _display(figure) -> nbformat.NotebookNode:
    """The output a notebook records for a figure, made by IPython's real formatters."""
    from IPython.core.interactiveshell import InteractiveShell
    from matplotlib_inline.backend_inline import set_matplotlib_formats

    shell = InteractiveShell.instance()
    set_matplotlib_formats("png")
    data, metadata = shell.display_formatter.format(figure)
    return nbformat.v4.new_output("display_data", data=data, metadata=metadata)


def _spc_figure(values, measure):
    frame = xmr(values, improvement="down")
    frame.index = list(range(2026 - len(values), 2026))
    return spc_charts.spc_chart(frame, measure=measure)


@pytest.fixture(scope="module")
def executed():
    first = _display(_spc_figure([5, 6, 5, 7, 6, 5, 6, 7, 5, 6, 6, 15], "Re-referrals (%)"))
    second = _display(_spc_figure([40, 42, 41, 43, 44, 42, 41, 40, 43, 42], "CP plans"))
    bare = nbformat.v4.new_output(
        "display_data", data={"image/png": first["data"]["image/png"], "text/plain": "<Figure>"}
    )
    table = pd.DataFrame({"Borough": ["Barnet"], "Rate": [1.5]}).to_html(index=False)
    cells = [
        nbformat.v4.new_markdown_cell("# Deep dive for the QA sub-group\nWhat it is for."),
        nbformat.v4.new_markdown_cell("## The trend\nTwo measures against their history."),
        nbformat.v4.new_code_cell("x", execution_count=1, outputs=[first, second]),
        nbformat.v4.new_markdown_cell("#### Detail\nAn h4 straight after an h2."),
        nbformat.v4.new_code_cell(
            "y",
            execution_count=2,
            outputs=[
                bare,
                bare,
                nbformat.v4.new_output(
                    "execute_result",
                    data={"text/html": table, "text/plain": "table"},
                    execution_count=2,
                ),
            ],
        ),
    ]
    return nbformat.v4.new_notebook(cells=cells)


@pytest.fixture(scope="module")
def page(executed):
    text = report_html.export_html(
        executed,
        "board",
        notebook="deep_dive",
        parameters={"borough": "Barnet", "theme": "neglect", "indicator": None},
        index={"period": 2025},
        synthetic=True,
    )
    return text, BeautifulSoup(text, "html.parser")


def test_title_h1_and_language_name_report_borough_and_period(page):
    _, soup = page
    assert soup.html["lang"] == "en-GB"
    assert soup.title.string == "Barnet — Deep dive: Neglect — 2024-25"
    headings = soup.find_all(re.compile("^h[1-6]$"))
    assert headings[0].name == "h1" and headings[0].get_text() == soup.title.string
    assert len(soup.find_all("h1")) == 1
    levels = [int(h.name[1]) for h in headings]
    assert all(b <= a + 1 for a, b in zip(levels, levels[1:], strict=False)), levels
    assert "¶" not in soup.get_text() and not soup.find_all("a", class_="anchor-link")


def test_nothing_is_loaded_from_outside_the_file(page):
    text, soup = page
    assert not soup.find_all("script") and not soup.find_all("link")
    for tag in soup.find_all(src=True):
        assert tag["src"].startswith("data:")
    assert "cdnjs" not in text and "mathjax" not in text.lower() and "@import" not in text
    assert "@media print" in soup.style.string and "size: A4" in soup.style.string


def test_outside_fonts_and_images_in_output_styles_are_dropped():
    styled = (
        '<style>@import url("https://fonts.googleapis.com/css2?family=IBM+Plex+Mono");'
        " .t { color: red; background: url(https://example.org/x.png); }</style>"
        '<div style="background-image: url(//example.org/y.png)">'
        "<table><tr><td>1</td></tr></table></div>"
    )
    notebook = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("# Report\nText."),
            nbformat.v4.new_code_cell(
                "x",
                execution_count=1,
                outputs=[
                    nbformat.v4.new_output(
                        "display_data", data={"text/html": styled, "text/plain": "table"}
                    )
                ],
            ),
        ]
    )
    text = report_html.export_html(notebook)
    assert "example.org" not in text and "googleapis" not in text and "@import" not in text
    assert ".t { color: red;" in text  # the table's own rules stay


def test_one_main_landmark_captions_and_no_tab_stops(page):
    _, soup = page
    assert len(soup.find_all("main")) == 1
    assert soup.find("header").find_parent("main") is None
    assert not soup.find_all(attrs={"tabindex": True})
    tables = soup.find_all("table")
    assert tables and all(t.find("caption", recursive=False) for t in tables)


def test_each_chart_has_its_own_alt_text_with_figures_and_a_data_table(page):
    _, soup = page
    images = soup.find_all("img")
    alts = [image["alt"] for image in images]
    assert len(images) == 4 and len(set(alts)) == 4, alts
    assert (
        "Re-referrals (%), 2013-14 to 2024-25: 5.0 to 15.0; latest above the upper "
        "process limit" in alts[0]
    )
    assert "CP plans, 2015-16 to 2024-25: 40.0 to 42.0; latest within the process limits" in alts[1]
    assert alts[2].endswith("(chart 1 of 2)") and alts[3].endswith("(chart 2 of 2)")
    details = soup.find_all("details")
    assert len(details) == 2  # the two described charts; the bare images have no data
    first = details[0]
    assert first.summary.get_text() == "Data behind this chart"
    assert first.find_parent("figure").img["alt"] == alts[0]
    rows = first.find("tbody").find_all("tr")
    assert len(rows) == 12 and rows[-1].find_all("td")[1].get_text() == "15.0"


def test_banners_synthetic_and_analyst(executed, page):
    _, soup = page
    assert soup.find(id="lscb-synthetic-banner").get_text().startswith("SYNTHETIC DATA")
    assert soup.find(id="lscb-tier-banner") is None
    analyst = BeautifulSoup(
        report_html.export_html(executed, "analyst", synthetic=False), "html.parser"
    )
    assert "NOT FOR PUBLICATION" in analyst.find(id="lscb-tier-banner").get_text()
    assert analyst.find(id="lscb-synthetic-banner") is None
    assert analyst.title.string == "Deep dive for the QA sub-group"  # no notebook named
    with pytest.raises(ParameterError):
        report_html.export_html(executed, "public")


def test_a_suppressed_point_shows_the_rule_words_never_its_value():
    frame = xmr([5, 6, None, 7, 6, 5, 6, 7], improvement="down")
    frame.index = list(range(2018, 2026))
    frame["status"] = ["ok", "ok", "suppressed", "ok", "ok", "ok", "ok", "suppressed"]
    frame.loc[2020, "value"] = 3.0  # a value the frame still holds must not come out
    figure = spc_charts.spc_chart(frame, measure="Rate")
    table = figure.lscb_data
    assert table.loc[2, "Rate"].startswith("suppressed") and "3.0" not in table.to_string()
    assert "latest period (2024-25) suppressed" in figure.lscb_alt


def test_report_titles():
    registry = notebooks.notebook_registry()
    title = report_html.report_title
    assert (
        title(
            "deep_dive", {"borough": "Brent", "theme": "domestic_abuse"}, {"period": 2024}, registry
        )
        == "Brent — Deep dive: Domestic abuse — 2023-24"
    )
    assert title(
        "deep_dive",
        {"borough": "Brent", "indicator": "rereferral_pct", "theme": "neglect"},
        {},
        registry,
    ).startswith("Brent — Deep dive: Rereferral pct")
    assert title("gap_analysis", {"borough": None}, {"model_version": "1.0"}, registry) == (
        "London — Gap analysis: boards against the best-fit model — model 1.0"
    )
    assert title("scorecard", {"borough": "Barnet"}, {"period": "2025Q4"}, registry) == (
        "Barnet — Quarterly score card — Q3 2025-26"
    )
    with pytest.raises(ParameterError, match="notebooks.yaml"):
        title("nope", {}, {}, registry)
    assert title("nope", {"borough": "Brent"}, {}, registry, fallback="Probe") == "Brent — Probe"


def test_synthetic_is_decided_from_data_raw(tmp_path):
    assert not report_html.is_synthetic(tmp_path)
    raw = tmp_path / "data" / "raw" / "survey"
    raw.mkdir(parents=True)
    (raw / "LB_Barnet_return.xlsx").write_bytes(b"")
    assert not report_html.is_synthetic(tmp_path)
    (raw / "SYNTHETIC_barnet_survey_return.xlsx").write_bytes(b"")
    assert report_html.is_synthetic(tmp_path)


@pytest.mark.slow
def test_the_runner_exports_a_real_report_from_the_demo_pack(demo_pack):
    reports = demo_pack["root"] / "reports"
    folder = reports / "deep_dive" / "barnet"
    soup = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert manifest["synthetic"] is True
    assert soup.title.string.startswith("Barnet — Deep dive: Neglect — ")
    assert soup.find("h1").get_text() == soup.title.string
    assert soup.find(id="lscb-synthetic-banner") is not None
    assert not soup.find_all("script") and not soup.find_all("link")
    images = soup.find_all("img")
    alts = [image["alt"] for image in images]
    assert images and len(set(alts)) == len(alts), alts
    assert all(re.search(r"\d", alt) for alt in alts), alts
    assert len(soup.find_all("details")) == len(images)
    assert all(t.find("caption", recursive=False) for t in soup.find_all("table"))
    index = (reports / "index.html").read_text(encoding="utf-8")
    assert 'id="lscb-synthetic-banner"' in index and "<main>" in index


def test_cells_with_long_words_may_break_and_keep_their_text():
    soup = BeautifulSoup(table_page(LONG_NAMES), "html.parser")
    rows = soup.find("main").find("table").find_all("tr")[1:]
    first = rows[0].find_all("td")
    assert [report_html.LONG_CELL_CLASS in (td.get("class") or []) for td in first] == [
        True,  # the file name
        False,  # "used"
        True,  # a sentence holding a file name
        False,
    ]
    assert [td.get_text() for td in first][:2] == [LONG_NAMES[0], "used"]  # text unchanged
    assert "td.lscb-long" in soup.style.string and "overflow-wrap: anywhere" in soup.style.string
