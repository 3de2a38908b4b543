"""The in-process kernel draws the workbench's charts straight to palette PNGs."""

from __future__ import annotations

import base64
import os
import subprocess
import sys
from io import BytesIO

import pytest
from PIL import Image

pytestmark = pytest.mark.slow  # starts an IPython kernel shell

# In a process of its own: the kernel's shell is a process-wide singleton, so another test's
# IPython shell in the same worker would clash with it (as a second notebook in one run would).
SHOW_A_CHART = """
from lscb_analysis.present.chart_style import new_figure
from lscb_analysis.runs.inprocess_kernel import InProcessKernelManager

manager = InProcessKernelManager()
manager.start_kernel()
figure, axes = new_figure(6.0, 3.0)
axes.plot([1, 2, 3], [4, 2, 5])
data, _ = manager.kernel.shell.display_formatter.format(figure)
manager.shutdown_kernel()
print(round(figure.dpi), data["image/png"])
"""


def test_a_chart_shown_in_a_run_is_a_palette_png_drawn_at_its_own_size(project):
    done = subprocess.run(
        [sys.executable, "-c", SHOW_A_CHART],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
        env={**os.environ, "LSCB_PROJECT_DIR": str(project)},
    )
    dpi, encoded = done.stdout.split()[-2:]
    image = Image.open(BytesIO(base64.b64decode(encoded)))
    assert image.mode == "P"
    assert image.size == (6 * int(dpi), 3 * int(dpi))
