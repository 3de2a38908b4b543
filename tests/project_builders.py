"""Project builders shared by tests in every folder: a throw-away project laid out like the
repository, and the demo returns written once per session. A module of its own (not
``conftest``) so that ``from project_builders import ...`` finds it whichever folder's
``conftest.py`` pytest imported last."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from lscb_analysis.demo import demo_pilot

REPO = Path(__file__).resolve().parent.parent


def make_project(root: Path, external: str = "link") -> Path:
    """Lay out a project folder under ``root`` that shares the repository's data and notebooks.

    ``data/reference`` is copied (tests may edit it); ``data/external`` is linked, or copied
    when ``external="copy"`` so a test can damage a published file; ``data/processed``,
    ``data/raw`` and ``reports`` start empty.
    """
    (root / "data" / "processed").mkdir(parents=True)
    (root / "data" / "raw").mkdir()
    (root / "reports").mkdir()
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    if external == "copy":
        shutil.copytree(REPO / "data" / "external", root / "data" / "external")
    else:
        (root / "data" / "external").symlink_to(REPO / "data" / "external")
    (root / "notebooks").mkdir()
    for notebook in (REPO / "notebooks").glob("*.py"):
        (root / "notebooks" / notebook.name).symlink_to(notebook)
    return root


_DEMO: dict = {}


def demo_project(
    tmp_path_factory, public_indicators
) -> tuple[Path, demo_pilot.DemoPilot, list[Path]]:
    """The demo returns written once per test session into a throw-away project that also
    has ``public_indicators`` built (the pilot ingest and demo pilot tests share it, so the demo, which takes
    seconds to build, is built once). Returns (root, demo, paths written).
    """
    if not _DEMO:
        root = make_project(tmp_path_factory.mktemp("pilot_demo") / "project")
        public_indicators.to_parquet(root / "data" / "processed" / "public_indicators.parquet")
        built = demo_pilot.build_demo_pilot(published=public_indicators)
        with pytest.MonkeyPatch.context() as patch:
            patch.setenv("LSCB_PROJECT_DIR", str(root))
            written = demo_pilot.write_demo_pilot(root / "data" / "raw", demo=built)
        _DEMO.update(root=root, built=built, written=written)
    return _DEMO["root"], _DEMO["built"], _DEMO["written"]
