"""Shared helpers of the runs tests: probe notebooks written into a project, printed text."""

from __future__ import annotations

import pytest


def _write_probe_file(project, name: str, source: str, inputs: list[str] | None = None) -> None:
    (project / "notebooks" / f"{name}.py").write_text(source)
    registry = project / "data" / "reference" / "notebooks.yaml"
    entry = {
        "title": name,
        "scope": "borough",
        "inputs": inputs or ["data/reference/la_register.csv"],
    }
    import yaml

    content = yaml.safe_load(registry.read_text()) or {}
    content[name] = entry
    registry.write_text(yaml.safe_dump(content, sort_keys=False))


def _printed_text(notebook_path) -> str:
    import nbformat

    executed = nbformat.read(notebook_path, as_version=4)
    return "".join(
        output.get("text", "") for cell in executed.cells for output in cell.get("outputs", [])
    )


@pytest.fixture
def write_probe():
    """Write a probe notebook into a project and register it (``notebooks.yaml``)."""
    return _write_probe_file


@pytest.fixture
def printed():
    """The text an executed notebook (``.ipynb`` path) printed, all cells joined."""
    return _printed_text
