"""Report weight: charts stored as compact palette PNGs, each once.

A deep dive carries about 25 charts. Matplotlib's inline PNGs are full-colour RGBA images of
40-80 kB each, so a report weighed over 2 MB and the London pack 180 MB. Workbench charts use
a few flat colours, so a palette PNG (at most ``png_colours`` colours, ``print.yaml``) looks
the same at a quarter of the size. :func:`lighten_notebook` rewrites every chart of an
executed notebook that way, once, before the notebook is saved and exported to HTML, so the
executed notebook kept as the log and the HTML report both carry the light version.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from io import BytesIO

DEFAULT_COLOURS = 128
# zlib level of the palette PNGs: level 9 (and Pillow's optimize) made each chart about 3 times
# slower to write for 1.5% fewer bytes than 8.
COMPRESS_LEVEL = 8
# The full-colour PNG drawn first is only read back to make the palette one, so it is written
# with the quickest compression.
DRAFT_COMPRESS_LEVEL = 1
PNG = "image/png"
IMAGE_TYPES = (PNG, "image/jpeg", "image/svg+xml")
IN_REPORT = "[chart: shown in report.html]"


@dataclass
class Lightened:
    """What :func:`lighten_notebook` did: images seen, bytes before and after (decoded)."""

    images: int = 0
    before: int = 0
    after: int = 0


def compress_png(data: bytes, colours: int = DEFAULT_COLOURS) -> bytes:
    """Return ``data`` (PNG bytes) as a palette PNG of at most ``colours`` colours.

    Transparency is kept. The original is returned when it is not a readable PNG or when the
    palette version would not be smaller (a photo-like image, an already small file).

    >>> compress_png(b"not a png")
    b'not a png'
    """
    from PIL import Image, UnidentifiedImageError

    try:
        image = Image.open(BytesIO(data))
        if image.mode == "P":  # already a palette PNG (chart_png): no need to decode it
            return data
        image.load()
    except (UnidentifiedImageError, OSError, ValueError):
        return data
    palette = image.convert("RGBA").quantize(
        colors=max(2, min(int(colours), 256)), method=Image.Quantize.FASTOCTREE
    )
    out = BytesIO()
    palette.save(
        out, format="PNG", compress_level=COMPRESS_LEVEL, dpi=image.info.get("dpi", (96, 96))
    )
    smaller = out.getvalue()
    return smaller if len(smaller) < len(data) else data


def chart_png(figure, colours: int = DEFAULT_COLOURS) -> str | None:
    """Draw a figure for a notebook's output as a palette PNG (base64 text), usually in one pass.

    Jupyter's inline backend draws every figure twice: once to find the tight bounding box
    (``bbox_inches="tight"``), then the PNG. A figure laid out by matplotlib's constrained
    layout usually fits its canvas already, so it is drawn once at its own size and kept when
    everything drawn lies inside the canvas. Otherwise (a title longer than the figure is
    wide, a figure without constrained layout) it is drawn as the inline backend draws it,
    cropped to its tight box. Either way the result is the palette PNG of
    :func:`compress_png` at the figure's dpi, so :func:`lighten_notebook` has nothing left to
    do for it. The run's kernel uses this for the workbench's charts
    (:mod:`lscb_analysis.runs.inprocess_kernel`).

    Input: a matplotlib Figure; ``colours`` as in :func:`compress_png`. Output: the PNG as
    base64 text, or None for a figure with no axes and no lines (as IPython's
    ``print_figure``). Raises nothing of its own; matplotlib's drawing errors propagate.
    """
    from IPython.core.pylabtools import print_figure

    if not figure.axes and not figure.lines:
        return None
    drawn = _drawn_in_canvas(figure)
    if drawn is None:
        drawn = print_figure(
            figure, "png", bbox_inches="tight", pil_kwargs={"compress_level": DRAFT_COMPRESS_LEVEL}
        )
    return base64.b64encode(compress_png(drawn, colours)).decode("ascii")


def _drawn_in_canvas(figure) -> bytes | None:
    """The figure drawn once at its own size as a quick PNG, or None when it is not laid out
    by constrained layout or something drawn reaches outside the canvas."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.layout_engine import ConstrainedLayoutEngine
    from PIL import Image

    if not isinstance(figure.get_layout_engine(), ConstrainedLayoutEngine):
        return None
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    box = figure.get_tightbbox(canvas.get_renderer())  # inches
    width, height = figure.get_size_inches()
    if box.x0 < 0 or box.y0 < 0 or box.x1 > width or box.y1 > height:
        return None
    out = BytesIO()
    Image.frombuffer("RGBA", canvas.get_width_height(), canvas.buffer_rgba()).save(
        out, format="PNG", compress_level=DRAFT_COMPRESS_LEVEL, dpi=(figure.dpi, figure.dpi)
    )
    return out.getvalue()


def lighten_notebook(notebook, colours: int | None = None) -> Lightened:
    """Rewrite every PNG output of an executed notebook as a palette PNG (in place).

    Args:
        notebook: an executed ``nbformat`` notebook.
        colours: the palette size (None: ``weight.png_colours`` in ``print.yaml``, or 128).

    Returns:
        A :class:`Lightened` with the number of images and their decoded size before and after.

    Raises:
        ReferenceDataError: ``colours`` is None and ``print.yaml`` is missing or invalid.
    """
    if colours is None:
        colours = configured_colours()
    done = Lightened()
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            encoded = data.get(PNG)
            if not isinstance(encoded, str):
                continue
            try:
                raw = base64.b64decode(encoded)
            except (binascii.Error, ValueError):
                continue
            light = compress_png(raw, colours)
            done.images += 1
            done.before += len(raw)
            done.after += len(light)
            if light is not raw:
                data[PNG] = base64.b64encode(light).decode("ascii")
    return done


def without_images(notebook):
    """Return a copy of an executed notebook with each chart replaced by a line of text.

    Input: an ``nbformat`` notebook. Output: a deep copy whose outputs carry no
    ``image/png``, ``image/jpeg`` or ``image/svg+xml`` data; such an output keeps its
    ``text/plain`` with :data:`IN_REPORT` after it, so the log still shows where each chart
    was. The notebook given is not changed.
    """
    import copy

    light = copy.deepcopy(notebook)
    for cell in light.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(kind in data for kind in IMAGE_TYPES):
                for kind in IMAGE_TYPES:
                    data.pop(kind, None)
                text = data.get("text/plain", "")
                text = "".join(text) if isinstance(text, list) else text
                data["text/plain"] = f"{text} {IN_REPORT}".strip()
                output.get("metadata", {}).pop(PNG, None)
    return light


def configured_colours() -> int:
    """The palette size for charts: ``weight.png_colours`` in ``print.yaml`` (default 128).

    Raises: ReferenceDataError when ``print.yaml`` is missing or invalid.
    """
    from lscb_analysis.core import io

    settings = io.read_reference_yaml("print.yaml")
    return int((settings.get("weight") or {}).get("png_colours", DEFAULT_COLOURS))
