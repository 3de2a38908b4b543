"""The in-process kernel draws the workbench's charts straight to palette PNGs."""

from __future__ import annotations

import base64
from io import BytesIO

import pytest
from PIL import Image

from lscb_analysis.present.chart_style import new_figure
from lscb_analysis.runs.inprocess_kernel import InProcessKernelManager

pytestmark = pytest.mark.slow  # starts an IPython kernel shell in the test process


def test_a_chart_shown_in_a_run_is_a_palette_png_drawn_at_its_own_size(project):
    manager = InProcessKernelManager()
    manager.start_kernel()
    try:
        figure, axes = new_figure(6.0, 3.0)
        axes.plot([1, 2, 3], [4, 2, 5])
        data, _ = manager.kernel.shell.display_formatter.format(figure)
    finally:
        manager.shutdown_kernel()
    image = Image.open(BytesIO(base64.b64decode(data["image/png"])))
    assert image.mode == "P"
    assert image.size == (round(6.0 * figure.dpi), round(3.0 * figure.dpi))
