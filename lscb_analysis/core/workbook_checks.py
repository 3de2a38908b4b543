"""Workbook checks: an input .xlsx/.xlsm inspected for safety before anything loads it.

:func:`check_workbook` inspects an .xlsx/.xlsm before anything loads it into memory:
it refuses an encrypted workbook (stored as an OLE compound file, signature ``D0 CF 11 E0``),
a zip bomb (total uncompressed size or compression ratio over a limit), too many parts, rows
or cells (read cheaply from ``<dimension ref=...>`` and counted while streaming the sheet XML
with defusedxml), and it reports, without running them, macros (``vbaProject.bin``, Excel 4
macro sheets), external links (``xl/externalLinks/``) and formula cells. The limits live under
``workbook_limits:`` in ``data/reference/disclosure.yaml`` (:func:`load_workbook_limits`).
:func:`open_checked_workbook` runs the checks and then opens the workbook with cached values
only (``data_only=True``), never keeping macros or refreshing links. Writing safe workbooks is
:mod:`lscb_analysis.protect.safe_files`; reading returned workbooks is
:mod:`lscb_analysis.core.returned_workbook`.
"""

from __future__ import annotations

import dataclasses
import numbers
import posixpath
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from xml.etree.ElementTree import ParseError

import openpyxl
import pandas as pd
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as DefusedET
from openpyxl.utils.cell import range_boundaries
from openpyxl.utils.exceptions import InvalidFileException

from lscb_analysis.core.errors import (
    MissingDataFileError,
    ReferenceDataError,
    UnsafeWorkbookError,
)
from lscb_analysis.core.io import read_yaml_mapping
from lscb_analysis.core.paths import reference_dir

OPENPYXL_READ_ERRORS: tuple[type[BaseException], ...] = (
    KeyError,
    ValueError,
    TypeError,
    IndexError,
    AttributeError,
    OSError,
    zipfile.BadZipFile,
    ParseError,
    EOFError,
    InvalidFileException,
)
"""What openpyxl raises on a damaged or mislabelled workbook: readers report the file as
corrupt (naming it) instead of stopping."""

CFB_SIGNATURE = bytes.fromhex("D0CF11E0A1B11AE1")
"""First eight bytes of an OLE compound file: how encrypted OOXML and legacy .xls are stored."""

ZIP_SIGNATURE = b"PK"
WORKBOOK_SUFFIXES: tuple[str, ...] = (".xlsx", ".xlsm", ".xltx", ".xltm")
LIMITS_FILE = "disclosure.yaml"
LIMITS_KEY = "workbook_limits"
ISSUE_COLUMNS: tuple[str, ...] = ("file", "kind", "location", "message")
FORMULA_COLUMNS: tuple[str, ...] = ("sheet", "cell", "formula", "has_cached_value")
SHEET_COLUMNS: tuple[str, ...] = (
    "sheet",
    "part",
    "dimension",
    "rows",
    "columns",
    "cells",
    "formula_cells",
)

_OFFICE_DOCUMENT = "/officeDocument"
_EXAMPLES_SHOWN = 5


# --- input workbook checks ----------------------------------------------------------------


@dataclass(frozen=True)
class WorkbookLimits:
    """Limits an input workbook must respect; see ``workbook_limits`` in disclosure.yaml.

    Attributes (all positive numbers): ``max_file_bytes``, ``max_uncompressed_bytes``,
    ``max_compression_ratio``, ``ratio_check_above_bytes``, ``max_members``, ``max_rows``
    (per sheet) and ``max_cells`` (all sheets together). Raises ReferenceDataError when a value
    is not a positive number.
    """

    max_file_bytes: int
    max_uncompressed_bytes: int
    max_compression_ratio: float
    ratio_check_above_bytes: int
    max_members: int
    max_rows: int
    max_cells: int

    def __post_init__(self) -> None:
        for item in dataclasses.fields(self):
            value = getattr(self, item.name)
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value <= 0:
                raise ReferenceDataError(
                    f"workbook limit {item.name} must be a positive number, not {value!r}; "
                    f"fix {LIMITS_KEY} in data/reference/{LIMITS_FILE}."
                )


@dataclass(frozen=True)
class WorkbookCheck:
    """What :func:`check_workbook` found in a workbook that passed the checks.

    ``path``; ``sheets`` (DataFrame: sheet, part, dimension, rows, columns, cells,
    formula_cells); ``formulas`` (DataFrame: sheet, cell, formula, has_cached_value);
    ``macro_parts`` and ``external_links`` (tuples of part names / link targets);
    ``uncompressed_bytes`` and ``compressed_bytes``; ``issues`` (property, DataFrame: file,
    kind, location, message), one row per macro part, external link and sheet with formulas.
    """

    path: Path
    sheets: pd.DataFrame
    formulas: pd.DataFrame
    macro_parts: tuple[str, ...]
    external_links: tuple[str, ...]
    uncompressed_bytes: int
    compressed_bytes: int

    @property
    def has_macros(self) -> bool:
        """True when the workbook contains macros (they are never run or kept)."""
        return bool(self.macro_parts)

    @property
    def issues(self) -> pd.DataFrame:
        """Things to tell the analyst about: macros, external links, formula cells."""
        rows = [
            (
                str(self.path),
                "macro",
                part,
                f"{self.path.name} contains macros ({part}); they are not run or kept. Ask the "
                "sender for a plain .xlsx if the values depend on them.",
            )
            for part in self.macro_parts
        ]
        rows += [
            (
                str(self.path),
                "external_link",
                target,
                f"{self.path.name} links to another file ({target}); links are not refreshed, "
                "so linked values are as last saved. Ask the sender to paste values instead.",
            )
            for target in self.external_links
        ]
        for sheet, group in self.formulas.groupby("sheet", sort=False):
            cells = group["cell"].tolist()
            shown = ", ".join(cells[:_EXAMPLES_SHOWN])
            more = (
                f" and {len(cells) - _EXAMPLES_SHOWN} more" if len(cells) > _EXAMPLES_SHOWN else ""
            )
            message = (
                f"{self.path.name}, sheet {sheet}: {len(cells)} cell(s) hold formulas "
                f"({shown}{more}); the workbook is read with the values Excel last calculated."
            )
            uncached = int((~group["has_cached_value"]).sum())
            if uncached:
                message += (
                    f" {uncached} of them have no saved value and will read as empty: open the "
                    "file in Excel, save it and load it again."
                )
            rows.append((str(self.path), "formula", str(sheet), message))
        return pd.DataFrame(rows, columns=list(ISSUE_COLUMNS))


def load_workbook_limits(path: str | Path | None = None) -> WorkbookLimits:
    """Load the input-workbook limits from the ``workbook_limits:`` section of a YAML file.

    Input: ``path`` (None means ``data/reference/disclosure.yaml``). Output: WorkbookLimits.
    Raises: ReferenceDataError when the file or section is missing or a value is unusable.

    >>> load_workbook_limits().max_compression_ratio
    100
    """
    file = Path(path) if path is not None else reference_dir() / LIMITS_FILE
    config = read_yaml_mapping(file, "Workbook limits file")
    section = config.get(LIMITS_KEY) if isinstance(config, dict) else None
    if not isinstance(section, dict):
        raise ReferenceDataError(
            f"{file} has no {LIMITS_KEY}: section; add it (see data/reference/{LIMITS_FILE})."
        )
    names = [item.name for item in dataclasses.fields(WorkbookLimits)]
    missing = [name for name in names if name not in section]
    if missing:
        raise ReferenceDataError(f"{file}: {LIMITS_KEY} lacks {', '.join(missing)}; add them.")
    return WorkbookLimits(**{name: section[name] for name in names})


def check_workbook(
    path: str | Path,
    *,
    limits: WorkbookLimits | None = None,
    max_file_bytes: int | None = None,
    max_uncompressed_bytes: int | None = None,
    max_compression_ratio: float | None = None,
    max_rows: int | None = None,
    max_cells: int | None = None,
) -> WorkbookCheck:
    """Check an input workbook before it is loaded into memory.

    Inputs: ``path`` of an .xlsx/.xlsm/.xltx/.xltm; ``limits`` (None loads the configured
    ones); the keyword limits override single values. Nothing is executed: the zip directory
    and the XML parts are read with defusedxml, streaming the sheets.
    Output: :class:`WorkbookCheck` (sheets, formula cells, macros, external links, issues).
    Raises: MissingDataFileError when the file does not exist; UnsafeWorkbookError, naming
    the file and saying what to do, when it is encrypted or a legacy .xls, not a zip, a zip
    bomb (uncompressed size or compression ratio over the limit), has too many parts, or a
    sheet has too many rows or the workbook too many cells.
    """
    file = Path(path)
    limits = limits or load_workbook_limits()
    overrides = {
        "max_file_bytes": max_file_bytes,
        "max_uncompressed_bytes": max_uncompressed_bytes,
        "max_compression_ratio": max_compression_ratio,
        "max_rows": max_rows,
        "max_cells": max_cells,
    }
    limits = dataclasses.replace(limits, **{k: v for k, v in overrides.items() if v is not None})
    if not file.is_file():
        raise MissingDataFileError(f"Workbook {file} does not exist; check the path and name.")
    if file.suffix.lower() not in WORKBOOK_SUFFIXES + (".xls",):
        raise UnsafeWorkbookError(
            f"{file} is not an Excel workbook (.xlsx or .xlsm); save it as .xlsx and try again."
        )
    size = file.stat().st_size
    if size > limits.max_file_bytes:
        raise UnsafeWorkbookError(
            f"{file} is {size:,} bytes, over the limit of {limits.max_file_bytes:,} "
            f"({LIMITS_KEY}.max_file_bytes in data/reference/{LIMITS_FILE}); remove unused "
            "sheets or split it, or raise the limit if the file is genuine."
        )
    with file.open("rb") as handle:
        head = handle.read(8)
    if head == CFB_SIGNATURE:
        raise UnsafeWorkbookError(_compound_file_message(file))
    if not head.startswith(ZIP_SIGNATURE) or not zipfile.is_zipfile(file):
        raise UnsafeWorkbookError(
            f"{file} is not a valid .xlsx workbook (it is not a zip package); open it in Excel "
            "and save it as 'Excel Workbook (.xlsx)'."
        )
    try:
        with zipfile.ZipFile(file) as package:
            return _inspect_package(file, package, limits)
    except zipfile.BadZipFile as error:
        raise UnsafeWorkbookError(
            f"{file} is a damaged workbook ({error}); ask the sender for a fresh copy."
        ) from error


def open_checked_workbook(
    path: str | Path, *, limits: WorkbookLimits | None = None, read_only: bool = True
) -> tuple[openpyxl.Workbook, WorkbookCheck]:
    """Check a workbook with :func:`check_workbook`, then open it with cached values only.

    Inputs: ``path``; ``limits`` (None loads the configured ones); ``read_only`` (default
    True: low memory, the caller must call ``workbook.close()``). The workbook is opened with
    ``data_only=True`` (formula cells give the value Excel last saved), ``keep_vba=False`` and
    ``keep_links=False``. Output: (openpyxl workbook, WorkbookCheck).
    Raises: as :func:`check_workbook`.
    """
    check = check_workbook(path, limits=limits)
    workbook = openpyxl.load_workbook(
        Path(path), read_only=read_only, data_only=True, keep_vba=False, keep_links=False
    )
    return workbook, check


# --- internals: checking --------------------------------------------------------------------


def _compound_file_message(file: Path) -> str:
    if file.suffix.lower() == ".xls" or not _contains_utf16(file, "EncryptedPackage"):
        return (
            f"{file} is an old-format Excel 97-2003 file (.xls), which the workbench does not "
            "read; open it in Excel and save it as 'Excel Workbook (.xlsx)'."
        )
    return (
        f"{file} is encrypted (password-protected), so it cannot be read. Open it in Excel, "
        "remove the password (File > Info > Protect Workbook > Encrypt with Password, clear "
        "the box), save it as .xlsx and try again; send passwords separately, never in the file."
    )


def _contains_utf16(file: Path, name: str) -> bool:
    needle = name.encode("utf-16-le")
    overlap = len(needle)
    tail = b""
    with file.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            if needle in tail + chunk:
                return True
            tail = chunk[-overlap:]
    return False


def _inspect_package(file: Path, package: zipfile.ZipFile, limits: WorkbookLimits) -> WorkbookCheck:
    members = package.infolist()
    where = f"{LIMITS_KEY} in data/reference/{LIMITS_FILE}"
    if len(members) > limits.max_members:
        raise UnsafeWorkbookError(
            f"{file} contains {len(members):,} parts, over the limit of {limits.max_members:,} "
            f"({where}); it is not an ordinary workbook. Check where it came from."
        )
    encrypted = [m.filename for m in members if m.flag_bits & 0x1]
    if encrypted:
        raise UnsafeWorkbookError(
            f"{file} has zip-encrypted parts ({encrypted[0]}); save an unencrypted copy as .xlsx."
        )
    total = sum(m.file_size for m in members)
    packed = sum(m.compress_size for m in members)
    if total > limits.max_uncompressed_bytes:
        raise UnsafeWorkbookError(
            f"{file} unpacks to {total:,} bytes, over the limit of "
            f"{limits.max_uncompressed_bytes:,} (max_uncompressed_bytes, {where}). It may be a "
            "zip bomb or simply too big: check where it came from; if it is genuine, remove "
            "unused sheets or raise the limit."
        )
    for name, big, small in [("the workbook", total, packed)] + [
        (m.filename, m.file_size, m.compress_size) for m in members
    ]:
        ratio = big / max(small, 1)
        if big > limits.ratio_check_above_bytes and ratio > limits.max_compression_ratio:
            raise UnsafeWorkbookError(
                f"{file}: {name} unpacks {ratio:,.0f} times larger than it is stored "
                f"({big:,} bytes), over the limit of {limits.max_compression_ratio:,} "
                f"(max_compression_ratio, {where}). This is how zip bombs look: do not open "
                "it; ask the sender for the data again."
            )
    names = {m.filename for m in members}
    macro_parts = tuple(
        sorted(
            n
            for n in names
            if n.lower().endswith("vbaproject.bin") or n.lower().startswith("xl/macrosheets/")
        )
    )
    links = _external_links(file, package, names)
    sheets = _sheet_parts(file, package, names)
    sheet_rows = []
    formula_rows: list[tuple[str, str, str, bool]] = []
    cells_so_far = 0
    for sheet, part in sheets:
        summary = _stream_sheet(file, package, sheet, part, limits, cells_so_far, formula_rows)
        cells_so_far += summary["counted"]
        sheet_rows.append(
            (
                sheet,
                part,
                summary["dimension"],
                summary["rows"],
                summary["columns"],
                summary["cells"],
                summary["formula_cells"],
            )
        )
    return WorkbookCheck(
        path=file,
        sheets=pd.DataFrame(sheet_rows, columns=list(SHEET_COLUMNS)),
        formulas=pd.DataFrame(formula_rows, columns=list(FORMULA_COLUMNS)).astype(
            {"has_cached_value": bool}
        ),
        macro_parts=macro_parts,
        external_links=links,
        uncompressed_bytes=total,
        compressed_bytes=packed,
    )


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _attribute(element: Any, name: str) -> str | None:
    for key, value in element.attrib.items():
        if _local(key) == name:
            return value
    return None


def _read_xml(file: Path, package: zipfile.ZipFile, part: str) -> Any:
    try:
        return DefusedET.fromstring(package.read(part), forbid_dtd=True)
    except DefusedXmlException as error:
        raise UnsafeWorkbookError(_xml_attack_message(file, part, error)) from error
    except DefusedET.ParseError as error:
        raise UnsafeWorkbookError(
            f"{file}: part {part} is not valid XML ({error}); ask the sender for a fresh copy "
            "saved from Excel."
        ) from error


def _relationships(file: Path, package: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    """Id -> (type, target) for a .rels part; empty when the part does not exist."""
    if part not in package.namelist():
        return {}
    root = _read_xml(file, package, part)
    return {
        element.get("Id", ""): (element.get("Type", ""), element.get("Target", ""))
        for element in root
        if _local(element.tag) == "Relationship"
    }


def _resolve(base_part: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))


def _sheet_parts(file: Path, package: zipfile.ZipFile, names: set[str]) -> list[tuple[str, str]]:
    root_rels = _relationships(file, package, "_rels/.rels")
    workbook_part = next(
        (
            _resolve("", target)
            for kind, target in root_rels.values()
            if kind.endswith(_OFFICE_DOCUMENT)
        ),
        "xl/workbook.xml",
    )
    if workbook_part not in names:
        raise UnsafeWorkbookError(
            f"{file} has no workbook part ({workbook_part}); it is not an Excel workbook. "
            "Open it in Excel and save it as .xlsx."
        )
    rels_part = posixpath.join(
        posixpath.dirname(workbook_part), "_rels", posixpath.basename(workbook_part) + ".rels"
    )
    rels = _relationships(file, package, rels_part)
    workbook = _read_xml(file, package, workbook_part)
    sheets = []
    for element in workbook.iter():
        if _local(element.tag) != "sheet":
            continue
        kind, target = rels.get(_attribute(element, "id") or "", ("", ""))
        part = _resolve(workbook_part, target) if target else ""
        if kind.endswith("/worksheet") and part in names:
            sheets.append((element.get("name", part), part))
    return sheets


def _external_links(file: Path, package: zipfile.ZipFile, names: set[str]) -> tuple[str, ...]:
    """Targets of the workbook's external links (the part name when the target is unknown)."""
    links = []
    for name in sorted(names):
        if not re.fullmatch(r"xl/externalLinks/[^/]+\.xml", name):
            continue
        rels = posixpath.join("xl/externalLinks/_rels", posixpath.basename(name) + ".rels")
        targets = [target for _, target in _relationships(file, package, rels).values()]
        links.extend(targets or [name])
    return tuple(links)


def _stream_sheet(
    file: Path,
    package: zipfile.ZipFile,
    sheet: str,
    part: str,
    limits: WorkbookLimits,
    cells_before: int,
    formula_rows: list[tuple[str, str, str, bool]],
) -> dict[str, Any]:
    """Stream one sheet's XML: check the dimension, count rows and cells, list formula cells."""
    dimension = None
    dim_rows = dim_columns = dim_cells = None
    row_number = 0
    rows_seen = 0
    max_row = 0
    max_column = 0
    counted = 0
    formulas = 0
    sheet_data = None
    try:
        with package.open(part) as stream:
            for event, element in DefusedET.iterparse(
                stream, events=("start", "end"), forbid_dtd=True
            ):
                tag = _local(element.tag)
                if event == "start":
                    if tag == "dimension":
                        dimension = element.get("ref")
                        dim_rows, dim_columns = _dimension_size(dimension)
                        if dim_rows is not None:
                            dim_cells = dim_rows * dim_columns
                            _enforce(
                                file,
                                sheet,
                                dim_rows,
                                dim_cells + cells_before,
                                limits,
                                f"its dimension {dimension}",
                            )
                    elif tag == "sheetData":
                        sheet_data = element
                    continue
                if tag == "c":
                    counted += 1
                    reference = element.get("r") or ""
                    formula = next((child for child in element if _local(child.tag) == "f"), None)
                    if reference:
                        column = _column_number(reference)
                        max_column = max(max_column, column)
                    if formula is not None:
                        formulas += 1
                        cached = any(
                            _local(child.tag) == "v" and (child.text or "") != ""
                            for child in element
                        )
                        text = "=" + formula.text if formula.text else "(shared formula)"
                        formula_rows.append((sheet, reference, text, cached))
                    element.clear()
                elif tag == "row":
                    declared = element.get("r")
                    row_number = (
                        int(declared) if declared and declared.isdigit() else row_number + 1
                    )
                    max_row = max(max_row, row_number)
                    _enforce(file, sheet, max_row, counted + cells_before, limits, "its contents")
                    element.clear()
                    rows_seen += 1
                    if sheet_data is not None and rows_seen % 1000 == 0:
                        del sheet_data[:]  # keep memory flat on long sheets
    except DefusedXmlException as error:
        raise UnsafeWorkbookError(_xml_attack_message(file, part, error)) from error
    except DefusedET.ParseError as error:
        raise UnsafeWorkbookError(
            f"{file}, sheet {sheet}: the sheet XML is damaged ({error}); ask the sender for a "
            "fresh copy saved from Excel."
        ) from error
    return {
        "dimension": dimension or "",
        "rows": dim_rows if dim_rows is not None else max_row,
        "columns": dim_columns if dim_columns is not None else max_column,
        "cells": counted,
        "formula_cells": formulas,
        "counted": counted,
    }


def _xml_attack_message(file: Path, part: str, error: Exception) -> str:
    return (
        f"{file}: part {part} declares a DTD or entities ({type(error).__name__}), which Excel "
        "never writes and XML attacks use; do not open it, ask the sender for a fresh copy."
    )


def _dimension_size(ref: str | None) -> tuple[int | None, int | None]:
    """Rows and columns a reader would materialise from A1 to the far corner of ``ref``."""
    if not ref:
        return None, None
    try:
        _, _, max_col, max_row = range_boundaries(ref.strip())
    except (ValueError, TypeError):
        return None, None
    if max_col is None or max_row is None:
        return None, None
    return max_row, max_col


def _column_number(reference: str) -> int:
    letters = re.match(r"[A-Za-z]*", reference).group(0).upper()
    number = 0
    for letter in letters:
        number = number * 26 + (ord(letter) - ord("A") + 1)
    return number


def _enforce(
    file: Path, sheet: str, rows: int, cells: int, limits: WorkbookLimits, source: str
) -> None:
    where = f"{LIMITS_KEY} in data/reference/{LIMITS_FILE}"
    if rows > limits.max_rows:
        raise UnsafeWorkbookError(
            f"{file}, sheet {sheet}: {source} reaches row {rows:,}, over the limit of "
            f"{limits.max_rows:,} rows (max_rows, {where}). Delete unused rows (or whole empty "
            "rows formatted to the bottom of the sheet) and save again, or raise the limit."
        )
    if cells > limits.max_cells:
        raise UnsafeWorkbookError(
            f"{file}, sheet {sheet}: {source} brings the workbook to {cells:,} cells, over the "
            f"limit of {limits.max_cells:,} (max_cells, {where}). Delete unused rows and "
            "columns and save again, or split the workbook, or raise the limit."
        )
