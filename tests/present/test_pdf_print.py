"""PDF board papers: real Chromium prints, pypdf reads them back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError
from lscb_analysis.present import browser_check, pdf_print

needs_chromium = pytest.mark.skipif(
    not any(Path(p).is_file() for p in browser_check.CHROMIUM_CANDIDATES),
    reason="Debian's chromium is not installed (apt-get install chromium)",
)

PAGE = """<!DOCTYPE html><html lang="en-GB"><head><meta charset="utf-8"><title>Report</title>
</head><body><main><h1>Barnet: score card</h1>{body}</main></body></html>"""


def _text(pdf: Path) -> list[str]:
    from pypdf import PdfReader

    return [page.extract_text() for page in PdfReader(str(pdf)).pages]


@pytest.mark.slow
@needs_chromium
def test_a_report_prints_on_a4_with_borough_period_tier_and_page_numbers(project, tmp_path):
    html = tmp_path / "report.html"
    html.write_text(PAGE.format(body="<p>Text.</p>" * 200), encoding="utf-8")
    pdf = pdf_print.print_pdf(
        html, title="Quarterly score card", borough="Barnet", period="2025Q4", tier="board"
    )
    assert pdf == html.with_name("report.pdf")
    pages = _text(pdf)
    assert len(pages) == pdf_print.page_count(pdf) >= 2
    for number, text in enumerate(pages, start=1):
        assert "Barnet" in text and "Q3 2025-26" in text and "Quarterly score card" in text
        assert f"page {number} of {len(pages)}" in text
        assert "small numbers suppressed" in text
        assert "NOT FOR PUBLICATION" not in text
    from pypdf import PdfReader

    box = PdfReader(str(pdf)).pages[0].mediabox
    assert abs(float(box.width) - 595) < 2 and abs(float(box.height) - 842) < 2  # A4 points


@pytest.mark.slow
@needs_chromium
def test_an_analyst_paper_says_not_for_publication_on_every_page(project, tmp_path):
    html = tmp_path / "report.html"
    banners = '<header id="lscb-banners"><p id="lscb-synthetic-banner">SYNTHETIC DATA</p></header>'
    html.write_text(PAGE.format(body=banners + "<p>Text.</p>" * 200), encoding="utf-8")
    pdf = pdf_print.print_pdf(
        html,
        tmp_path / "analyst.pdf",
        title="Deep dive",
        borough="Barnet",
        period="2024-25",
        tier="analyst",
    )
    pages = _text(pdf)
    assert len(pages) >= 2
    assert all("NOT FOR PUBLICATION" in text for text in pages)
    assert all("SYNTHETIC DATA" in text for text in pages)  # the report's banner words


@pytest.mark.slow
@needs_chromium
def test_a_chart_is_not_split_across_pages_and_nothing_is_fetched(project, tmp_path):
    import base64
    from io import BytesIO

    from PIL import Image

    def chart(n: int) -> str:
        buffer = BytesIO()
        Image.new("RGB", (900, 500), (20 * n, 40, 120)).save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue()).decode()

    body = "".join(
        f'<p>Paragraph {n}.</p><img alt="Chart {n}" src="data:image/png;base64,{chart(n)}">'
        for n in range(6)
    )
    body += '<script src="https://cdn.example.org/require.min.js"></script>'
    html = tmp_path / "report.html"
    html.write_text(PAGE.format(body=body), encoding="utf-8")
    with browser_check.open_browser() as browser:
        pdf = pdf_print.print_pdf(
            html,
            title="Deep dive",
            borough="Barnet",
            period="2024-25",
            browser=browser,
            landscape=True,
        )
    from pypdf import PdfReader

    reader = PdfReader(str(pdf))
    assert float(reader.pages[0].mediabox.width) > float(reader.pages[0].mediabox.height)
    images = [len(page.images) for page in reader.pages]
    assert sum(images) == 6 and len(images) >= 2  # each chart whole, on one page


def test_a_header_with_an_unknown_placeholder_is_named(project):
    with pytest.raises(InvalidArgumentError, match="unknown placeholder"):
        pdf_print.header_footer(
            "T", "Barnet", "2025", "board", {"header": "{chair}", "footer": "", "tier_words": {}}
        )


def test_page_count_of_a_file_that_is_not_a_pdf(tmp_path):
    bad = tmp_path / "report.pdf"
    bad.write_text("not a pdf")
    with pytest.raises(InvalidArgumentError, match="not a readable PDF"):
        pdf_print.page_count(bad)


# Barnet, and Bromley with the most exceptions of the demo (six SPC panels, the longest list).
PAPER_BOROUGHS = {"scorecard": ["Barnet", "Bromley"], "deep_dive": ["Barnet"]}


@needs_chromium
@pytest.mark.slow
@pytest.mark.parametrize("notebook", ["scorecard", "deep_dive"])
def test_run_pdf_prints_board_papers_within_their_page_targets(demo_pack, monkeypatch, notebook):
    """`lscb run NOTEBOOK --pdf` on the demo: report.pdf beside report.html, installed with the
    run, within the page targets of print.yaml (score card 4 pages, deep dive 12)."""
    from lscb_analysis.cli import main as cli

    root = demo_pack["root"]
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    monkeypatch.setenv("LSCB_PSEUDONYM_KEY", "synthetic-test-key-0123456789abcdef")
    monkeypatch.chdir(root)
    target = pdf_print.pdf_settings()["page_targets"][notebook]
    boroughs = PAPER_BOROUGHS[notebook]
    assert cli.main(["run", notebook, "--borough", ",".join(boroughs), "--pdf", "-q"]) == 0
    for borough in boroughs:
        folder = root / "reports" / notebook / borough.lower()
        manifest = json.loads((folder / "manifest.json").read_text())
        assert manifest["outputs"]["pdf"] == "report.pdf"
        assert borough in _text(folder / "report.pdf")[0]
        pages = pdf_print.page_count(folder / "report.pdf")
        print(f"{notebook} {borough}: {pages} pages")
        assert pages <= target, f"{notebook} {borough}: {pages} pages (target {target})"


def test_an_unchanged_run_without_its_pdf_is_re_run_when_pdf_is_asked(project, tmp_path):
    from lscb_analysis import __version__
    from lscb_analysis.core import io
    from lscb_analysis.runs import run_record

    spec = run_record.RunSpec(
        "scorecard", {"borough": "Barnet"}, "Barnet", "barnet", str(tmp_path / "reports"), []
    )
    spec.run_dir.mkdir(parents=True)
    (spec.run_dir / "report.html").write_text("<html></html>")
    io.write_json(
        {
            "status": "ok",
            "parameters": {"borough": "Barnet"},
            "inputs": {},
            "package_version": __version__,
            "code_fingerprint": "c",
            "outputs": {"html": "report.html"},
        },
        spec.run_dir / "manifest.json",
    )
    assert run_record.change_reason(spec, {}, "c") is None
    assert run_record.change_reason(spec, {}, "c", pdf=True) == "its PDF is missing"


@pytest.mark.slow
def test_pdf_without_chromium_stops_before_any_run(project, monkeypatch, tmp_path):
    from lscb_analysis.core.errors import BrowserMissingError
    from lscb_analysis.runs import orchestrate

    monkeypatch.setattr(browser_check, "CHROMIUM_CANDIDATES", (str(tmp_path / "none"),))
    monkeypatch.setenv(browser_check.CHROMIUM_VARIABLE, str(tmp_path / "none"))
    monkeypatch.setattr(browser_check.shutil, "which", lambda name: None)
    with pytest.raises(BrowserMissingError, match="apt-get install"):
        orchestrate.run_notebook("borough_profile", "Barnet", pdf=True, progress=False)
    assert not any((project / "reports").rglob("report.html"))


def test_print_scale_comes_from_print_yaml_and_a_bad_one_is_named():
    assert pdf_print.print_scale("scorecard") == pytest.approx(0.88)
    assert pdf_print.print_scale("deep_dive") == 1.0
    with pytest.raises(ReferenceDataError, match=r"pdf\.scale\.scorecard is 'big'"):
        pdf_print.print_scale("scorecard", {"scale": {"scorecard": "big"}})
