"""Shared fixtures: a throw-away copy of the project so tests never touch real outputs, and
chart probes (closing figures, reading what a chart drew) for the chart tests."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pytest
from project_builders import demo_project, make_project  # noqa: F401 (fixtures use them)

if TYPE_CHECKING:
    from matplotlib.figure import Figure

os.environ.setdefault("MPLBACKEND", "Agg")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture
def project(tmp_path, monkeypatch):
    """A fresh project folder (published data linked) used as the workbench's project."""
    root = make_project(tmp_path / "project")
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    return root


@pytest.fixture
def project_with_copied_data(tmp_path, monkeypatch):
    """A fresh project whose published files are copies that a test may change."""
    root = make_project(tmp_path / "project", external="copy")
    monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
    return root


@pytest.fixture(scope="session")
def public_indicators():
    """``public_indicators`` built once from the repository's published files."""
    from lscb_analysis.published import public_data

    return public_data.build_public_indicators()


@pytest.fixture(scope="session")
def built_project(tmp_path_factory, public_indicators):
    """A project with ``public_indicators`` built, for notebook runs (shared by the session)."""
    root = make_project(tmp_path_factory.mktemp("built") / "project")
    public_indicators.to_parquet(root / "data" / "processed" / "public_indicators.parquet")
    return root


@pytest.fixture
def use_project(monkeypatch):
    """Point the workbench (and the kernels it starts) at a given project folder."""

    def use(root: Path) -> Path:
        monkeypatch.setenv("LSCB_PROJECT_DIR", str(root))
        return root

    return use


@pytest.fixture(scope="session")
def project_factory():
    """:func:`make_project`, for fixtures that need their own project folder."""
    return make_project


def _raw_hashes(root: Path) -> dict[str, str]:
    import hashlib

    raw = root / "data" / "raw"
    return {
        p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(raw.rglob("*"))
        if p.is_file()
    }


DEMO_COMMANDS = (
    # The pack runs the ingests, the gap matrix and the score card build as its steps, each
    # through `python -m lscb_analysis`; the other commands here read data/raw/ too.
    ["pack", "--boroughs", "Barnet", "-q"],
    ["survey", "compile"],
    [
        "audit",
        "sample",
        "--frame",
        "data/raw/frames/cases.csv",
        "--n",
        "4",
        "--stratify",
        "category",
        "--seed",
        "2026",
    ],
    ["run", "pilot_feasibility", "--borough", "Barnet", "--analyst", "-q"],
    ["check", "reports"],
)


@pytest.fixture(scope="session")
def demo_pack(tmp_path_factory):
    """A demo project (synthetic returns) put through every command that reads data/raw/.

    Each command of :data:`DEMO_COMMANDS` goes through the real entry point
    (``lscb_analysis.cli.main.main``), once per session. Returns ``{"root", "codes" (command ->
    exit code), "before" and "after" (data/raw/ file -> SHA-256)}``.
    """
    from lscb_analysis.cli import main as cli
    from lscb_analysis.demo import demo_data

    root = make_project(tmp_path_factory.mktemp("demo") / "project")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("LSCB_PROJECT_DIR", str(root))
        # CI has no key file: the audit ingest step needs a (synthetic) key
        patch.setenv("LSCB_PSEUDONYM_KEY", "synthetic-test-key-0123456789abcdef")
        patch.chdir(root)
        demo_data.write_demo_data()
        frames = root / "data" / "raw" / "frames"
        frames.mkdir()
        (frames / "cases.csv").write_text(
            "case_id,category\n"
            + "".join(f"C{n:03d},{'neglect' if n % 2 else 'abuse'}\n" for n in range(1, 21))
        )
        before = _raw_hashes(root)
        codes = {" ".join(command): cli.main(list(command)) for command in DEMO_COMMANDS}
        after = _raw_hashes(root)
    return {"root": root, "codes": codes, "before": before, "after": after}


# --- charts (tests/present): closing figures and reading what a chart drew ----------------


@pytest.fixture
def close_figures():
    """Collect the figures a test makes and close them afterwards."""
    import matplotlib.pyplot as plt

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


def pytest_ignore_collect(collection_path, config):
    """Leave every ``conftest.py`` out of collection as a module (``--doctest-modules`` would
    otherwise import each one as a second module named ``conftest`` and stop on the clash);
    pytest still loads them as conftests, as it always does."""
    if collection_path.name == "conftest.py":
        return True
    return None


# Fixtures that build a whole demo project, once per worker: under pytest-xdist (`make test`
# runs `--dist loadgroup`) every test using one is sent to the same worker, so each is built
# once per session instead of once per worker, and the other worker runs the rest meanwhile
# (pytest is kept below 9.2 in pyproject.toml, whose node ids pytest-xdist 3.8 cannot group).
SHARED_BUILDS = ("demo_pack", "phase_one_project")


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(config, items):
    """Put every test that uses a fixture of :data:`SHARED_BUILDS` in that fixture's
    ``xdist_group``."""
    for item in items:
        for name in SHARED_BUILDS:
            if name in getattr(item, "fixturenames", ()):
                item.add_marker(pytest.mark.xdist_group(name))
                break
