"""The report index: ok, skipped and failed runs with headline values, validation and links."""

from __future__ import annotations

import json

import nbformat
import pandas as pd
import pytest

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.runs import report_index


def _manifest(folder, **fields):
    folder.mkdir(parents=True, exist_ok=True)
    manifest = {
        "notebook": folder.parent.name,
        "slug": folder.name,
        "parameters": {},
        "status": "ok",
        "error": None,
        "started": "2026-01-05T10:00:00+00:00",
        "finished": "2026-01-05T10:00:02+00:00",
        "seconds": 2.1,
        "outputs": {"notebook": f"{folder.parent.name}.ipynb", "html": "report.html"},
        "index": {},
        **fields,
    }
    (folder / "manifest.json").write_text(json.dumps(manifest))
    return manifest


@pytest.fixture
def reports(tmp_path):
    out = tmp_path / "reports"
    _manifest(
        out / "profile" / "barnet",
        borough="Barnet",
        parameters={"borough": "Barnet"},
        outputs={"html": "report.html", "xlsx": ["scorecard.xlsx"]},
        index={
            "headlines": {
                "Children in need rate": "210.8",
                "CP plan rate": "24.0",
                "Looked-after rate": "37",
                "Fourth": "not shown",
            },
            "period": 2025,
            "as_at": "31 March 2025",
            "model_version": "1.0",
        },
    )
    _manifest(
        out / "profile" / "brent",
        borough="Brent",
        status="failed",
        error="ParameterError: Parameter 'period': no data for 2030.\nmore detail",
        outputs={"notebook": "profile.ipynb"},
        parameters={"period": 2030},
    )
    (out / "profile" / "brent" / "last_good").mkdir()
    (out / "profile" / "brent" / "last_good" / "report.html").write_text("old")
    _manifest(
        out / "profile" / "camden",
        borough="Camden",
        index={"headlines": {"Children in need rate": "512.5"}, "period": 2025},
    )
    _manifest(out / "mapping" / "london", borough="London", notebook="mapping")
    _manifest(out / "profile" / ".staging-camden-1-abc", borough="Camden")  # being written
    (out / report_index.OUTCOMES_FILE).write_text(
        json.dumps(
            {
                "runs": {
                    "profile/camden": {"status": "skipped", "reason": "unchanged since 2026-01-05"},
                    "profile/barnet": {
                        "status": "ok",
                        "reason": "data/processed/x.parquet changed",
                    },
                }
            }
        )
    )
    return out


@pytest.fixture
def counts():
    return pd.DataFrame(
        {
            "slug": ["barnet", "barnet", "brent", ""],
            "source": ["survey_ingest", "pilot_ingest", "survey_ingest", "survey_ingest"],
            "errors": [1, 2, 0, 4],
            "queries": [3, 0, 1, 0],
        }
    )


def test_rows_for_ok_skipped_and_failed_runs(reports, counts):
    runs = report_index.collect_runs(reports, counts).set_index("borough")
    assert list(runs.index) == ["Barnet", "Brent", "Camden", "London"]
    assert runs.loc["Barnet", "status"] == "ok"
    assert runs.loc["Barnet", "reason"] == "data/processed/x.parquet changed"
    # An unchanged run keeps its last good status and says since when.
    assert runs.loc["Camden", "status"] == "ok"
    assert runs.loc["Camden", "unchanged_since"] == "2026-01-05T10:00:02+00:00"
    assert runs.loc["Barnet", "unchanged_since"] == ""
    assert runs.loc["Brent", "status"] == "failed"
    assert runs.loc["Brent", "error"] == "ParameterError: Parameter 'period': no data for 2030."
    assert runs.loc["Brent", "period"] == 2030  # from the parameters when nothing recorded
    assert runs.loc["Brent", "link"] == "profile/brent/profile.ipynb"
    assert runs.loc["Brent", "last_good"] == "profile/brent/last_good/report.html"
    barnet = runs.loc["Barnet"]
    assert (barnet["period"], barnet["as_at"], barnet["model_version"]) == (
        2025,
        "31 March 2025",
        "1.0",
    )
    assert [barnet[f"headline_{n}"] for n in (1, 2, 3)] == [
        "Children in need rate",
        "CP plan rate",
        "Looked-after rate",
    ]
    assert barnet["value_1"] == "210.8" and barnet["xlsx"] == "profile/barnet/scorecard.xlsx"
    assert (barnet["errors"], barnet["queries"]) == (3, 3)
    assert "pilot_ingest: 2 errors, 0 queries" in barnet["validation"]
    assert (runs.loc["London", "errors"], runs.loc["London", "queries"]) == (7, 4)


def test_index_page_and_csv(reports, counts, monkeypatch):
    monkeypatch.setattr(report_index, "validation_counts", lambda sources=None: counts)
    page_path = report_index.write_index(reports)
    page = page_path.read_text(encoding="utf-8")
    assert "4 runs, 3 ok, 1 failed (1 ok report unchanged since its last run)." in page
    assert 'href="profile/barnet/report.html"' in page
    assert 'href="profile/barnet/scorecard.xlsx"' in page
    assert 'href="profile/brent/profile.ipynb">log</a>' in page
    assert 'href="profile/brent/last_good/report.html">last good report</a>' in page
    assert "ParameterError: Parameter &#x27;period&#x27;: no data for 2030." in page
    assert "more detail" not in page
    assert "<dt>Looked-after rate</dt><dd>37</dd>" in page and "not shown" not in page
    assert (
        'data-unchanged="yes"' in page
        and "ok</span> \u2014 unchanged since 5 Jan 2026 10:00" in page
    )
    assert ">3 / 3</td>" in page and 'title="pilot_ingest: 2 errors, 0 queries; ' in page
    # Readable without JavaScript: every row is in the page, the controls are hidden until
    # the script shows them.
    assert page.count("<tr data-status=") == 4
    assert '<div id="controls" hidden>' in page and "<script>" in page
    assert ".staging-" not in page
    csv = pd.read_csv(reports / "index.csv", dtype=str, keep_default_na=False)
    assert list(csv.columns) == report_index.INDEX_COLUMNS
    assert list(csv["borough"]) == ["Barnet", "Brent", "Camden", "London"]
    assert list(csv["status"]) == ["ok", "failed", "ok", "ok"]
    assert csv.loc[0, "value_2"] == "24.0" and csv.loc[0, "errors"] == "3"


def test_a_broken_manifest_is_named(tmp_path):
    (tmp_path / "nb" / "barnet").mkdir(parents=True)
    (tmp_path / "nb" / "barnet" / "manifest.json").write_text("{not json")
    with pytest.raises(Exception, match="nb/barnet/manifest.json is not valid JSON"):
        report_index.collect_runs(tmp_path, pd.DataFrame(columns=["slug"]))


def test_validation_counts_per_borough(project):
    processed = project / "data" / "processed"
    pd.DataFrame(
        {
            "file": ["a.xlsx", "a.xlsx", "b.csv", "c.ods"],
            "severity": ["error", "warning", "warning", "error"],
            "code": ["x"] * 4,
        }
    ).to_csv(processed / "survey_issues.csv", index=False)
    pd.DataFrame({"file": ["a.xlsx", "b.csv"], "borough": ["LB Barnet", "RBKC"]}).to_csv(
        processed / "survey_items.csv", index=False
    )
    pd.DataFrame({"la_number": ["304"], "severity": ["query"]}).to_csv(
        processed / "pilot_issues.csv", index=False
    )
    sources = {
        "survey": {
            "file": "data/processed/survey_issues.csv",
            "errors": ["error"],
            "queries": ["warning"],
            "borough_from": ["data/processed/survey_items.csv"],
        },
        "pilot": {"file": "data/processed/pilot_issues.csv", "queries": ["query"]},
        "absent": {"file": "data/processed/nothing.csv"},
    }
    counts = report_index.validation_counts(sources).set_index(["slug", "source"])
    assert counts.loc[("barnet", "survey")].tolist() == [1, 1]
    assert counts.loc[("kensington-and-chelsea", "survey")].tolist() == [0, 1]
    assert counts.loc[("", "survey")].tolist() == [1, 0]  # a file no borough could be told for
    assert counts.loc[("brent", "pilot")].tolist() == [0, 1]


def test_headline_values_are_read_from_the_executed_notebook():
    glued = nbformat.v4.new_output(
        "display_data",
        data={
            "application/scrapbook.scrap.json+json": {
                "name": report_index.INDEX_SCRAP,
                "encoder": "json",
                "version": 1,
                "data": {"headlines": {"Rate": 1.5}, "period": 2025},
            }
        },
        metadata={"scrapbook": {"name": report_index.INDEX_SCRAP, "data": True, "display": False}},
    )
    executed = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[glued])])
    assert report_index.index_values(executed) == {"headlines": {"Rate": 1.5}, "period": 2025}
    assert report_index.index_values(nbformat.v4.new_notebook()) == {}


def test_headline_pairs_name_what_is_missing():
    table = pd.DataFrame({"indicator": ["a"], "title": ["A"], "borough": ["1"]})
    with pytest.raises(InvalidArgumentError, match="no row 'b'"):
        report_index.headline_pairs(table, "borough", ["b"])
    with pytest.raises(InvalidArgumentError, match="columns missing: value"):
        report_index.headline_pairs(table, "value", ["a"])


def test_a_failed_run_shows_its_last_good_report_with_its_date(reports, counts):
    kept = reports / "profile" / "brent" / "last_good"
    _manifest(
        kept,
        borough="Brent",
        finished="2026-01-04T09:30:00+00:00",
        index={"headlines": {"Children in need rate": "301.2"}, "period": 2025},
    )
    runs = report_index.collect_runs(reports, counts).set_index("borough")
    assert runs.loc["Brent", "last_good_at"] == "2026-01-04T09:30:00+00:00"
    assert runs.loc["Brent", "value_1"] == "301.2"  # the last good figures still stand
    page = report_index.render_index(runs.reset_index())
    assert (
        'failed; showing the <a href="profile/brent/last_good/report.html">last good '
        "report</a> of 4 Jan 2026 09:30"
    ) in page


def test_sort_keys_follow_the_column_type():
    from lscb_analysis.present.report_index_page import sort_key

    periods = ["2025Q3", "2023-24", 2025, "2025Q1", "2019-20", ""]
    ordered = sorted(
        periods, key=lambda p: (sort_key(p, "period") == "", float(sort_key(p, "period") or 0))
    )
    assert ordered == ["2019-20", "2023-24", 2025, "2025Q1", "2025Q3", ""]
    dates = ["2026-12-03T14:02:00+00:00", "31 March 2025", "2025-04-01", "9 Jan 2026"]
    keys = [float(sort_key(d, "date")) for d in dates]
    assert sorted(range(4), key=keys.__getitem__) == [1, 2, 3, 0]
    # Numbers by value, not as text: 10 after 9, a run time of 100.5 after 20.
    assert float(sort_key("10", "number")) > float(sort_key(9, "number"))
    assert float(sort_key(100.5, "number")) > float(sort_key("20", "number"))
    assert sort_key("Barking and Dagenham", "text") < sort_key("barnet", "text")


def test_index_page_is_accessible_filterable_and_marked_synthetic(reports, counts):
    runs = report_index.collect_runs(reports, counts)
    page = report_index.render_index(runs, synthetic=True)
    assert '<html lang="en-GB">' in page and page.count("<main>") == 1
    assert "<title>LSCB workbench reports</title>" in page and "<caption>" in page
    assert 'id="lscb-synthetic-banner">SYNTHETIC DATA' in page
    assert '<select id="borough"><option value="">all</option><option value="Barnet">' in page
    assert '<option value="mapping">mapping</option>' in page
    assert 'data-borough="Camden" data-notebook="profile"' in page
    assert '<th scope="col" data-type="period">Period</th>' in page
    assert 'data-sort="2025"' in page  # period 2025 sorts as a number
    assert "src=" not in page and "<link" not in page
    assert "SYNTHETIC" not in report_index.render_index(runs)


@pytest.mark.slow
def test_index_page_sorts_and_filters_in_chromium(reports, counts):
    playwright = pytest.importorskip("playwright.sync_api")
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("no system chromium")
    runs = report_index.collect_runs(reports, counts)
    runs.loc[runs["borough"] == "Camden", "period"] = "2019-20"
    runs.loc[runs["borough"] == "London", "period"] = "2025Q2"
    page_path = reports / "index.html"
    page_path.write_text(report_index.render_index(runs), encoding="utf-8")
    with playwright.sync_playwright() as driver:
        browser = driver.chromium.launch(executable_path="/usr/bin/chromium")
        page = browser.new_page()
        page.goto(page_path.as_uri())
        page.click("th[data-type=period] button")
        boroughs = page.eval_on_selector_all(
            "#runs tbody tr", "rows => rows.map(r => r.cells[0].textContent)"
        )
        assert boroughs == ["Camden", "Barnet", "London", "Brent"]  # 2019-20, 2025, 2025Q2, 2030
        page.select_option("#borough", "Brent")
        visible = page.eval_on_selector_all("#runs tbody tr:not([hidden])", "rows => rows.length")
        assert visible == 1
        browser.close()
