"""Shared fixtures of the present tests: closing figures, and probes that read what a chart drew."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402


@pytest.fixture
def close_figures():
    """Collect the figures a test makes and close them afterwards."""
    made: list[Figure] = []
    yield made.append
    for figure in made:
        plt.close(figure)


class ChartProbe:
    """Reads what a chart drew: its collections, points, title, texts and every drawn number."""

    @staticmethod
    def collection(figure: Figure, gid: str):
        matches = [item for item in figure.axes[0].collections if item.get_gid() == gid]
        assert len(matches) == 1, f"expected one collection {gid!r}, found {len(matches)}"
        return matches[0]

    @staticmethod
    def point_count(figure: Figure) -> int:
        return sum(
            len(item.get_offsets())
            for item in figure.axes[0].collections
            if (item.get_gid() or "").startswith("points:")
        )

    @staticmethod
    def title(figure: Figure) -> str:
        return figure.axes[0].get_title(loc="left")

    @staticmethod
    def texts(figure: Figure) -> list[str]:
        return [text.get_text() for text in figure.axes[0].texts]

    @staticmethod
    def drawn_numbers(figure: Figure) -> np.ndarray:
        """Every number the chart draws as data: line points, scatter offsets, segments, texts."""
        numbers = []
        for axes in figure.axes:
            for line in axes.lines:
                numbers += [
                    np.asarray(line.get_xdata(), dtype=float),
                    np.asarray(line.get_ydata(), dtype=float),
                ]
            for collection in axes.collections:
                numbers.append(np.asarray(collection.get_offsets(), dtype=float).ravel())
                for path in collection.get_paths():
                    numbers.append(np.asarray(path.vertices, dtype=float).ravel())
            for text in axes.texts:
                numbers.append(np.asarray(text.get_position(), dtype=float))
        return np.concatenate(numbers) if numbers else np.array([])

    @staticmethod
    def suppressed_texts(figure: Figure) -> list:
        return [text for text in figure.axes[0].texts if text.get_gid() == "suppressed"]


@pytest.fixture
def chart_probe():
    """The :class:`ChartProbe` helpers, for tests that look inside a drawn chart."""
    return ChartProbe
