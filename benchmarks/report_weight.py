"""Weigh a reports folder: total size, by kind of file, and the heaviest HTML reports.

Run after ``make demo`` (the London board-tier pack)::

    .venv/bin/python benchmarks/report_weight.py [reports/] [--top 5]

It prints the folder's size (excluding the browser check's screenshots in ``_checks/``; the
limit applies to the pack ``make demo`` builds, without the PDFs of ``--pdf``), the
size by suffix (HTML, executed notebooks, workbooks, PDFs), the heaviest board-tier HTML
reports and their embedded chart images, and whether the limits of
``data/reference/print.yaml`` (``weight``: the whole folder, the largest board HTML) are met.
Exit status 1 when a limit is missed. The figures go in ``benchmarks/results.md`` by hand.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

MB = 1024 * 1024
IMAGE = re.compile(r"<img[^>]*src=\"data:image/(png|svg\+xml|jpeg);base64,([A-Za-z0-9+/=]+)")
SKIPPED_FOLDERS = ("_checks",)


def weigh(reports: Path) -> dict:
    """Return ``{"total", "by_suffix" (suffix -> bytes), "html" ([(path, bytes)], heaviest
    first, board tier only), "files"}`` for a reports folder (``_checks/`` left out)."""
    files = [
        p
        for p in reports.rglob("*")
        if p.is_file() and not set(p.relative_to(reports).parts) & set(SKIPPED_FOLDERS)
    ]
    by_suffix: Counter = Counter()
    for path in files:
        by_suffix[path.suffix.lower() or "(none)"] += path.stat().st_size
    html = sorted(
        (
            (p, p.stat().st_size)
            for p in files
            if p.suffix.lower() == ".html" and "analyst" not in p.relative_to(reports).parts
        ),
        key=lambda item: -item[1],
    )
    return {
        "total": sum(by_suffix.values()),
        "by_suffix": dict(by_suffix),
        "html": html,
        "files": len(files),
    }


def images_of(path: Path) -> tuple[int, int, int]:
    """``(images, distinct images, bytes of base64)`` embedded in an HTML file."""
    found = [match.group(2) for match in IMAGE.finditer(path.read_text(encoding="utf-8"))]
    return len(found), len(set(found)), sum(len(item) for item in found)


def limits(reports: Path) -> dict:
    """The ``weight`` limits of the project's ``print.yaml`` (defaults 40 MB and 2 MB)."""
    settings = reports.parent / "data" / "reference" / "print.yaml"
    weight = {}
    if settings.is_file():
        weight = (yaml.safe_load(settings.read_text(encoding="utf-8")) or {}).get("weight", {})
    return {
        "folder_mb": float(weight.get("reports_folder_mb", 40)),
        "html_mb": float(weight.get("largest_board_html_mb", 2)),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("reports", nargs="?", default="reports")
    parser.add_argument("--top", type=int, default=5)
    args = parser.parse_args(argv)
    reports = Path(args.reports).resolve()
    figures, limit = weigh(reports), limits(reports)
    printed = figures["by_suffix"].get(".pdf", 0)
    print(
        f"{reports}: {figures['total'] / MB:.1f} MB in {figures['files']} files"
        + (
            f" ({(figures['total'] - printed) / MB:.1f} MB without the PDFs of --pdf)"
            if printed
            else ""
        )
    )
    for suffix, size in sorted(figures["by_suffix"].items(), key=lambda item: -item[1]):
        print(f"  {suffix:8} {size / MB:8.1f} MB")
    print(f"Heaviest board-tier HTML ({len(figures['html'])} reports):")
    for path, size in figures["html"][: args.top]:
        count, distinct, encoded = images_of(path)
        print(
            f"  {size / MB:6.2f} MB  {path.relative_to(reports)}  ({count} images, "
            f"{distinct} distinct, {encoded / MB:.2f} MB of them)"
        )
    largest = figures["html"][0][1] if figures["html"] else 0
    folder_ok = figures["total"] - printed <= limit["folder_mb"] * MB
    html_ok = largest <= limit["html_mb"] * MB
    print(
        f"reports/ {(figures['total'] - printed) / MB:.1f} MB without PDFs (limit {limit['folder_mb']:g} MB): "
        f"{'met' if folder_ok else 'NOT met'}; largest board HTML {largest / MB:.2f} MB "
        f"(limit {limit['html_mb']:g} MB): {'met' if html_ok else 'NOT met'}"
    )
    return 0 if folder_ok and html_ok else 1


if __name__ == "__main__":
    sys.exit(main())
