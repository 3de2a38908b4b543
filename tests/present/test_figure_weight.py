"""Report weight: charts as palette PNGs, and the demo pack's HTML under its limit."""

from __future__ import annotations

import base64
from io import BytesIO

import nbformat
import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image

from lscb_analysis.present import figure_weight


def _chart_png() -> bytes:
    figure = Figure(figsize=(9, 5))
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    axes.plot(range(12), [3, 5, 4, 6, 8, 7, 9, 6, 5, 7, 8, 10], marker="o")
    axes.fill_between(range(12), 2, 11, alpha=0.2)
    axes.set_title("Rate per 10,000 children")
    buffer = BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    return buffer.getvalue()


def test_a_chart_becomes_a_much_smaller_palette_png_of_the_same_size():
    original = _chart_png()
    light = figure_weight.compress_png(original, 128)
    assert len(light) < len(original) / 2
    before, after = Image.open(BytesIO(original)), Image.open(BytesIO(light))
    assert after.mode == "P" and after.size == before.size
    # Still the same picture: few pixels differ noticeably from the original.
    import numpy as np

    difference = np.abs(
        np.asarray(before.convert("RGB"), dtype=int)
        - np.asarray(after.convert("RGBA").convert("RGB"), dtype=int)
    ).max(axis=2)
    assert (difference > 40).mean() < 0.01


def test_lighten_notebook_rewrites_every_png_once(project):
    png = base64.b64encode(_chart_png()).decode()
    output = nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure>"}
    )
    cell = nbformat.v4.new_code_cell(
        "x", outputs=[output, nbformat.v4.new_output("stream", name="stdout", text="hello")]
    )
    notebook = nbformat.v4.new_notebook(cells=[cell])
    done = figure_weight.lighten_notebook(notebook)
    assert done.images == 1 and done.after < done.before / 2
    light = cell.outputs[0]["data"]["image/png"]
    assert Image.open(BytesIO(base64.b64decode(light))).mode == "P"
    again = figure_weight.lighten_notebook(notebook)  # already light: left as it is
    assert cell.outputs[0]["data"]["image/png"] == light and again.after == again.before


@pytest.mark.slow
def test_no_board_report_of_the_demo_pack_is_heavier_than_the_limit(demo_pack):
    """Issue 15's weight: no board-tier HTML above 2 MB, each chart embedded once."""
    import re

    from lscb_analysis.core import io

    root = demo_pack["root"]
    settings = io.read_yaml_mapping(root / "data" / "reference" / "print.yaml")
    limit_mb = settings["weight"]["largest_board_html_mb"]
    reports = root / "reports"
    pages = [p for p in reports.rglob("*.html") if "analyst" not in p.relative_to(reports).parts]
    assert pages
    heavy = {
        str(p.relative_to(reports)): p.stat().st_size
        for p in pages
        if p.stat().st_size > limit_mb * 1024 * 1024
    }
    assert heavy == {}
    for page in pages:
        images = re.findall(r"data:image/png;base64,([A-Za-z0-9+/=]{200,})", page.read_text())
        assert len(images) == len(set(images)), f"{page}: an image is embedded twice"


def test_the_log_keeps_a_line_of_text_where_each_chart_was():
    png = base64.b64encode(_chart_png()).decode()
    output = nbformat.v4.new_output(
        "display_data", data={"image/png": png, "text/plain": "<Figure size 900x500>"}
    )
    notebook = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x", outputs=[output])])
    light = figure_weight.without_images(notebook)
    assert light.cells[0].outputs[0]["data"] == {
        "text/plain": "<Figure size 900x500> [chart: shown in report.html]"
    }
    assert notebook.cells[0].outputs[0]["data"]["image/png"] == png  # the original is kept
    nbformat.validate(light)


def _decoded(encoded: str) -> Image.Image:
    return Image.open(BytesIO(base64.b64decode(encoded)))


def _constrained_chart(title: str) -> Figure:
    figure = Figure(figsize=(6, 3), dpi=100, layout="constrained")
    axes = figure.add_subplot()
    axes.plot(range(8), [3, 5, 4, 6, 8, 7, 9, 6], marker="o")
    axes.set_title(title)
    return figure


def test_a_chart_that_fits_its_canvas_is_drawn_once_at_its_own_size():
    image = _decoded(figure_weight.chart_png(_constrained_chart("Re-referrals"), 128))
    # 6 x 3 inches at 100 dpi, uncropped: the inline backend's tight box would be a few
    # pixels larger or smaller.
    assert image.mode == "P" and image.size == (600, 300)
    assert image.info["dpi"] == pytest.approx((100, 100), abs=0.01)


def test_a_chart_whose_title_runs_past_the_canvas_is_cropped_to_show_all_of_it():
    long_title = "Children subject to a child protection plan for two years or more " * 2
    image = _decoded(figure_weight.chart_png(_constrained_chart(long_title), 128))
    # As the inline backend: the tight box includes the whole title, so the picture is wider
    # than the 600-pixel canvas instead of cutting the title off.
    assert image.mode == "P" and image.size[0] > 600


def test_a_chart_without_constrained_layout_is_cropped_as_the_inline_backend_does():
    figure = Figure(figsize=(6, 3), dpi=100)
    figure.add_subplot().plot([1, 2, 3], [2, 1, 3])
    image = _decoded(figure_weight.chart_png(figure, 128))
    assert image.mode == "P" and image.size != (600, 300)


def test_an_empty_figure_draws_nothing():
    assert figure_weight.chart_png(Figure(), 128) is None
