"""The lock files in requirements/ agree with pyproject.toml.

`make setup` installs the exact versions in requirements/lock-py<major><minor>.txt; pyproject.toml
keeps the compatible ranges. Every dependency and dev-extra package must be pinned (==) in each
lock, inside its range. When this fails after pyproject.toml changed, run `make lock`.
"""

import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12", "3.13")


def _lock_path(python: str) -> Path:
    return ROOT / "requirements" / f"lock-py{python.replace('.', '')}.txt"


def _declared() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    declared = project["dependencies"] + project["optional-dependencies"]["dev"]
    return [Requirement(text) for text in declared]


def _pins(path: Path) -> dict[str, str]:
    """Package name -> pinned version, from `name==version` lines (comments and markers dropped)."""
    pins = {}
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        requirement = Requirement(line)
        specifiers = list(requirement.specifier)
        assert len(specifiers) == 1 and specifiers[0].operator == "==", (
            f"{path.name} line {number}: {line!r} is not an exact pin (name==version)"
        )
        pins[canonicalize_name(requirement.name)] = specifiers[0].version
    return pins


def test_every_supported_python_has_a_lock():
    missing = [str(_lock_path(v).relative_to(ROOT)) for v in PYTHONS if not _lock_path(v).is_file()]
    assert not missing, f"missing lock files (run make lock): {missing}"


@pytest.mark.parametrize("python", PYTHONS)
def test_lock_pins_every_declared_package_inside_its_range(python):
    path = _lock_path(python)
    pins = _pins(path)
    environment = {"python_version": python, "python_full_version": f"{python}.0"}
    problems = []
    for requirement in _declared():
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            continue
        pinned = pins.get(canonicalize_name(requirement.name))
        if pinned is None:
            problems.append(f"{requirement.name} is not pinned")
        elif not requirement.specifier.contains(Version(pinned), prereleases=True):
            problems.append(f"{requirement.name}=={pinned} is outside {requirement.specifier}")
    assert not problems, f"{path.name} (run make lock): " + "; ".join(problems)
