"""Recovery attack: try to rebuild suppressed counts from everything a board output shows.

Board-tier outputs suppress counts from 1 to the threshold (:mod:`lscb_analysis.protect.disclosure`).
This module plays the reader who wants them back. Given a reports folder it reads every
board-tier HTML report (tables, sentences, image alt text, ``<details>`` data tables) and
every board-tier workbook (every cell of every sheet), collects the numbers shown, and tries:

* ``total minus others``: a row (or column) with a total and exactly one suppressed part;
* ``share x base``: a percentage shown for a row with a suppressed count, times the row's
  total, with the rounding shown, then the row's parts (good-or-better shares are shares of
  the first, best grades);
* ``Wilson interval`` / ``exact interval``: which numerator k in 0..n gives the shown 95%
  interval (Wilson, or Clopper-Pearson "exact") at the shown rounding;
* ``difference across reports``: the same table (same caption, same row label) in two
  reports of the same borough, one showing what the other suppresses or its total.

A hit is a suppressed cell whose value is uniquely determined and lies in 1..threshold.
Analyst-tier outputs (under ``analyst/`` or carrying NOT FOR PUBLICATION) are skipped.
Hits are returned with the value in the ``value`` column for tests; :func:`hit_messages`
words them for board-facing messages without the value.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lscb_analysis.core.io import read_yaml_mapping
from lscb_analysis.core.paths import reference_dir
from lscb_analysis.core.returned_workbook_cells import cell_text
from lscb_analysis.protect.disclosure import (
    NOT_FOR_PUBLICATION,
    DisclosureRules,
    load_disclosure_rules,
)

HIT_COLUMNS = ("file", "place", "method", "value", "message")
SKIPPED_PARTS = ("analyst", "last_good", "_checks")
_PCT = r"(-?\d+(?:\.\d+)?)\s*%"
_SHARE = re.compile(_PCT)
_INTERVAL = re.compile(_PCT + r"\s*(?:to|-|–)\s*" + _PCT)
_COUNT = re.compile(r"^\d{1,3}(?:,\d{3})*$|^\d+$")


@dataclass
class Table:
    """One table shown: where it is, its caption and its rows of cell texts."""

    file: str
    group: str
    caption: str
    rows: list[list[str]]
    sheet: str = ""
    sentences: list[str] = field(default_factory=list)


def _total_words() -> tuple[str, ...]:
    config = read_yaml_mapping(reference_dir() / "disclosure.yaml", "Disclosure rules file")
    words = (config.get("recovery_attack") or {}).get("total_headers", ["total"])
    return tuple(str(w).lower() for w in words)


def board_files(folder: Path | str) -> list[Path]:
    """The board-tier HTML reports (the index too) and workbooks under ``folder``.

    Analyst outputs (``analyst/``), ``last_good/`` copies, ``_checks/`` and hidden folders
    are skipped here; files labelled NOT FOR PUBLICATION are skipped when read.

    Input: a reports folder. Output: sorted paths. Raises nothing.
    """
    folder = Path(folder)
    return sorted(
        path
        for path in folder.rglob("*")
        if path.is_file()
        and path.suffix.lower() in (".html", ".htm", ".xlsx")
        and not any(
            part in SKIPPED_PARTS or part.startswith(".") for part in path.relative_to(folder).parts
        )
    )


def _group(path: Path, root: Path) -> str:
    parts = path.relative_to(root).parts
    return parts[1] if len(parts) > 2 else ""


def read_html(path: Path, root: Path) -> list[Table] | None:
    """Tables and sentences of one HTML report; None for an analyst-tier report."""
    from bs4 import BeautifulSoup

    soup = BeautifulSoup(path.read_text(encoding="utf-8", errors="replace"), "html.parser")
    if any(_is_analyst_label(text) for text in soup.stripped_strings):
        return None
    name, group = path.relative_to(root).as_posix(), _group(path, root)
    tables = []
    for element in soup.find_all("table"):
        caption = element.find("caption")
        heading = caption or element.find_previous(["h1", "h2", "h3", "h4", "summary"])
        rows = [
            [cell.get_text(" ", strip=True) for cell in row.find_all(["th", "td"])]
            for row in element.find_all("tr")
        ]
        tables.append(
            Table(name, group, heading.get_text(" ", strip=True) if heading else "", rows)
        )
    for element in soup.find_all("table"):
        element.decompose()
    pieces = [img.get("alt", "") for img in soup.find_all("img")]
    pieces += [
        block.get_text(" ", strip=True) for block in soup.find_all(["p", "li", "figcaption"])
    ]
    sentences = [
        s.strip() for piece in pieces for s in re.split(r"(?<=[.?!])\s+", piece) if "%" in s
    ]
    tables.append(Table(name, group, "sentences", [], sentences=sentences))
    return tables


def read_workbook(path: Path, root: Path) -> list[Table] | None:
    """Every sheet of one workbook as a table; None for an analyst-tier workbook."""
    import openpyxl

    workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        sheets = {
            ws.title: [[cell_text(v) for v in row] for row in ws.iter_rows(values_only=True)]
            for ws in workbook.worksheets
        }
    finally:
        workbook.close()
    if any(_is_analyst_label(cell) for rows in sheets.values() for row in rows for cell in row):
        return None
    name, group = path.relative_to(root).as_posix(), _group(path, root)
    return [Table(name, group, title, rows, sheet=title) for title, rows in sheets.items()]


def _is_analyst_label(text: str) -> bool:
    """An analyst-tier label or banner: text starting NOT FOR PUBLICATION (a method note
    that merely mentions the analyst tier is not one)."""
    return text.strip().lstrip("*# ").startswith(NOT_FOR_PUBLICATION)


# --- numbers --------------------------------------------------------------------------------


def _hidden(text: str, symbol: str) -> bool:
    """A suppressed cell: the symbol, or words starting "suppressed" (the presenter's)."""
    text = text.strip()
    return text == symbol or text.lower().startswith("suppressed")


def _count(text: str) -> int | None:
    text = text.strip()
    return int(text.replace(",", "")) if _COUNT.match(text) else None


def _decimals(text: str) -> int:
    return len(text.split(".")[1]) if "." in text else 0


def _close(value: float, shown: str) -> bool:
    return abs(value - float(shown)) <= 0.5 * 10 ** -_decimals(shown) + 1e-9


def numerators(n: int, share: str | None, interval: tuple[str, str] | None) -> dict[str, set]:
    """Which numerators k (0..n) fit a shown share and interval, per method.

    Inputs: ``n`` (the base), ``share`` (shown percentage text, e.g. "38"), ``interval``
    (shown lower and upper percentage texts). Output: {method: set of k}; methods are
    ``share x base``, ``Wilson interval`` and ``exact interval``. Raises nothing.

    >>> sorted(numerators(64, "38", None)["share x base"])
    [24]
    """
    from statsmodels.stats.proportion import proportion_confint

    found: dict[str, set] = {}
    if n <= 0:
        return found
    ks = range(n + 1)
    if share is not None:
        found["share x base"] = {k for k in ks if _close(100 * k / n, share)}
    if interval is not None:
        for method, name in (("wilson", "Wilson interval"), ("beta", "exact interval")):
            matches = set()
            for k in ks:
                low, high = proportion_confint(k, n, alpha=0.05, method=method)
                if _close(100 * low, interval[0]) and _close(100 * high, interval[1]):
                    matches.add(k)
            if share is not None:
                matches &= found["share x base"]
            found[name] = matches
    return {method: ks_ for method, ks_ in found.items() if ks_}


# --- attacks --------------------------------------------------------------------------------


def _total_column(header: list[str], words: tuple[str, ...]) -> int | None:
    for j, name in enumerate(header):
        if any(word in name.lower() for word in words) and j > 0:
            return j
    return None


def _parts(row: list[str], total: int, symbol: str) -> list[int]:
    """Positions of the contiguous count-or-symbol cells just before the total."""
    parts = []
    j = total - 1
    while j >= 0 and (_hidden(row[j], symbol) or _count(row[j]) is not None):
        parts.insert(0, j)
        j -= 1
    return parts


def _solve_total(row: list[str], total: int, parts: list[int], symbol: str):
    """Value of the one suppressed part when the total and the other parts are shown."""
    if total >= len(row) or _count(row[total]) is None:
        return None
    hidden = [j for j in parts if _hidden(row[j], symbol)]
    if len(hidden) != 1:
        return None
    rest = sum(_count(row[j]) for j in parts if j not in hidden)
    return hidden[0], _count(row[total]) - rest


def _solve_share(row: list[str], total: int, parts: list[int], ks: set[int], symbol: str):
    """Values of suppressed parts from a share whose numerator is a prefix of the parts."""
    n = _count(row[total])
    hidden = [j for j in parts if _hidden(row[j], symbol)]
    if n is None or not hidden or len(hidden) > 2:
        return []
    shown = {j: _count(row[j]) for j in parts if j not in hidden}
    remainder = n - sum(shown.values())
    solutions = set()
    for end, k in itertools.product(range(1, len(parts)), ks):
        prefix = parts[:end]
        inside = [j for j in hidden if j in prefix]
        outside = [j for j in hidden if j not in prefix]
        if len(inside) != 1 or len(outside) > 1:
            continue
        value = k - sum(shown[j] for j in prefix if j in shown)
        values = {inside[0]: value}
        if outside:
            values[outside[0]] = remainder - value
        elif remainder != value:
            continue
        if all(v >= 1 for v in values.values()):
            solutions.add(tuple(sorted(values.items())))
    return list(solutions)[0] if len(solutions) == 1 else []


def _row_label(row: list[str], upto: int, symbol: str = "") -> str:
    return " ".join(
        cell
        for cell in row[:upto]
        if _count(cell) is None
        and "%" not in cell
        and not _hidden(cell, symbol)
        and not re.fullmatch(r"-?\d+(?:\.\d+)?", cell.strip())
    )


def _norm(text: str) -> str:
    words = re.findall(r"[a-z0-9]+", text.lower().replace("_", " "))
    return "".join(w for w in words if w not in ("the", "of", "and"))


def _figures(row: list[str], after: int, symbol: str):
    """Shares and intervals shown in the cells after the total: each number as a share, and
    the last three cells as (share or suppressed, lower, upper) when the last two are shown."""
    tail = [cell.rstrip("%").strip() for cell in row[after + 1 :]]
    numeric = [bool(re.fullmatch(r"-?\d+(?:\.\d+)?", x)) for x in tail]
    figures: list[tuple[str | None, tuple[str, str] | None]] = [
        (x, None) for x, ok in zip(tail, numeric, strict=True) if ok
    ]
    if (
        len(tail) >= 3
        and numeric[-1]
        and numeric[-2]
        and (numeric[-3] or _hidden(tail[-3], symbol))
    ):
        figures.append((tail[-3] if numeric[-3] else None, (tail[-2], tail[-1])))
    return figures


def _sentence_figures(sentence: str):
    interval = _INTERVAL.search(sentence)
    rest = sentence.replace(interval.group(0), "") if interval else sentence
    rest = re.sub(r"\d+(?:\.\d+)?%\s*(?:confidence\s+)?interval", "", rest)
    # thresholds ("below 50%") are rules, not figures about the row
    rest = re.sub(r"(?:below|above|under|over|reaches)\s+-?\d+(?:\.\d+)?%", "", rest)
    share = _SHARE.search(rest)
    return (
        share.group(1) if share else None,
        (interval.group(1), interval.group(2)) if interval else None,
    )


def _linked(sentence: str, row: list[str], upto: int) -> bool:
    label = sentence.split(":")[0]
    found = re.findall(r"\(([^)]+)\)", label)
    cells = [_norm(c) for c in row[:upto]]
    if found and _norm(found[0]) not in cells:
        return False
    name = _norm(re.sub(r"\([^)]*\)", "", label))
    return bool(name) and any(name == c or (c and c in name) for c in cells)


def _attack_table(
    table: Table, sentences: list[str], words: tuple[str, ...], rules: DisclosureRules
) -> list[dict]:
    hits: list[dict] = []
    if len(table.rows) < 2:
        return hits
    # The header is the first full-width row (a title or spanner row above it is skipped).
    width = max(len(row) for row in table.rows)
    first = next(i for i, row in enumerate(table.rows) if len(row) == width)
    symbol, header = rules.symbol, table.rows[first]
    total = _total_column(header, words)
    where = f"{table.sheet}!" if table.sheet else ""
    if total is None:
        return hits
    for i, row in enumerate(table.rows[first + 1 :], start=first + 2):
        if total >= len(row):
            continue
        parts = _parts(row, total, symbol)
        place = f"{table.caption}: row {i} ({_row_label(row, parts[0] if parts else total)})"
        solved = _solve_total(row, total, parts, symbol)
        if solved is not None and 1 <= solved[1] <= rules.threshold:
            hits.append(
                _hit(
                    table,
                    f"{where}{place}, column {header[solved[0]]}",
                    "total minus others",
                    solved[1],
                )
            )
        n = _count(row[total])
        if n is None or not any(_hidden(row[j], symbol) for j in parts):
            continue
        figures = [(f, "table") for f in _figures(row, total, symbol)]
        figures += [
            (_sentence_figures(s), s)
            for s in sentences
            if _linked(s, row, parts[0] if parts else total)
        ]
        for (share, interval), source in figures:
            for method, ks in numerators(n, share, interval).items():
                for j, value in _solve_share(row, total, parts, ks, symbol):
                    if 1 <= value <= rules.threshold:
                        shown = f"sentence: {source}" if source != "table" else "table"
                        hits.append(
                            _hit(
                                table,
                                f"{where}{place}, column {header[j]} ({shown})",
                                method,
                                value,
                            )
                        )
    return hits


def _hit(table: Table, place: str, method: str, value: int) -> dict:
    return {
        "file": table.file,
        "place": place,
        "method": method,
        "value": int(value),
        "message": f"{table.file}: {place}: a suppressed count is recoverable by {method}.",
    }


def _merge_across(tables: list[Table], rules: DisclosureRules) -> list[Table]:
    """One table per (borough, caption) seen in two or more files: rows merged by label."""
    merged = []
    keyed: dict[tuple[str, str, str], list[Table]] = {}
    for table in tables:
        if table.rows and table.group:
            keyed.setdefault((table.group, table.caption, "|".join(table.rows[0])), []).append(
                table
            )
    for (_, caption, _), same in keyed.items():
        if len({t.file for t in same}) < 2:
            continue
        rows: dict[str, list[str]] = {}
        for table in same:
            for row in table.rows[1:]:
                key = _row_label(row, len(row), rules.symbol)
                base = rows.setdefault(key, list(row))
                for j, cell in enumerate(row[: len(base)]):
                    if _hidden(base[j], rules.symbol) and not _hidden(cell, rules.symbol):
                        base[j] = cell
        if rows:
            files = " and ".join(sorted({t.file for t in same}))
            merged.append(Table(files, "", caption, [same[0].rows[0], *rows.values()]))
    return merged


def attack_folder(
    folder: Path | str, files: list[Path] | None = None, rules: DisclosureRules | None = None
) -> pd.DataFrame:
    """Run the recovery attack on the board-tier outputs in ``folder``.

    Inputs: ``folder`` (a reports folder or a run's staging folder); ``files`` (None: every
    board file under ``folder``, :func:`board_files`; else only these, analyst ones skipped);
    ``rules`` (None: the configured disclosure rules). Output: a DataFrame of hits with
    columns ``file, place, method, value, message`` (``value`` is the recovered count: keep
    it out of board-facing messages; ``message`` never holds it). Raises: ReferenceDataError
    for bad rules; OSError for an unreadable file.
    """
    root = Path(folder)
    rules = rules or load_disclosure_rules()
    words = _total_words()
    tables: list[Table] = []
    for path in files if files is not None else board_files(root):
        if path.suffix.lower() not in (".html", ".htm", ".xlsx") or any(
            part in SKIPPED_PARTS for part in path.relative_to(root).parts
        ):
            continue
        read = read_workbook if path.suffix.lower() == ".xlsx" else read_html
        tables += read(path, root) or []
    sentences: dict[str, list[str]] = {}
    for table in tables:
        sentences.setdefault(table.file, []).extend(table.sentences)
    hits = []
    for table in tables:
        hits += _attack_table(table, sentences.get(table.file, []), words, rules)
    for table in _merge_across(tables, rules):
        for hit in _attack_table(table, [], words, rules):
            hit["method"] = f"difference across reports ({hit['method']})"
            hits.append(hit)
    out = pd.DataFrame(hits, columns=list(HIT_COLUMNS))
    return out.drop_duplicates(subset=["file", "place", "method"]).reset_index(drop=True)


def hit_messages(hits: pd.DataFrame, shown: int = 10) -> list[str]:
    """Board-safe lines naming each hit's file, place and method (never the value)."""
    lines = list(hits["message"].head(shown))
    if len(hits) > shown:
        lines.append(f"... and {len(hits) - shown} more.")
    return lines


def suppressed_cells(folder: Path | str) -> int:
    """How many suppressed cells the board outputs in ``folder`` show (so an attack had
    something to try). Output: an int. Raises: OSError for an unreadable file."""
    root = Path(folder)
    symbol = load_disclosure_rules().symbol
    count = 0
    for path in board_files(root):
        read = read_workbook if path.suffix.lower() == ".xlsx" else read_html
        for table in read(path, root) or []:
            count += sum(_hidden(cell, symbol) for row in table.rows for cell in row)
    return count


__all__ = ["attack_folder", "board_files", "hit_messages", "numerators", "suppressed_cells"]
