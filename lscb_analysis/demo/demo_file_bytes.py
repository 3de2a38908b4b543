"""Deterministic file bytes for the synthetic demo: xlsx, xls, ods, csv, encrypted, corrupt.

The same sheets always give the same bytes (fixed workbook properties, zip member dates and
encryption salts), so a seeded demo set is byte-identical every time it is written.
"""

from __future__ import annotations

import contextlib
import csv
import datetime as dt
import io as std_io
import random
from collections.abc import Iterator
from typing import Any

import pandas as pd

from lscb_analysis.demo.demo_survey_content import DEMO_MARKER, DEMO_PASSWORD, FIXED_TIME, Sheet
from lscb_analysis.protect import safe_files

# --- writing files ------------------------------------------------------------------------------


def _zip_fixed(data: bytes) -> bytes:
    """Rewrite a zip package with fixed member dates and fixed document dates."""
    return safe_files.fixed_zip_bytes(data, FIXED_TIME)


def xlsx_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as deterministic .xlsx bytes (fixed properties and zip member dates)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    workbook.remove(workbook.active)
    for spec in sheets:
        sheet = workbook.create_sheet(spec.name)
        for r, row in enumerate(spec.rows, start=1):
            for c, value in enumerate(row, start=1):
                if value is None or value == "":
                    continue
                cell = sheet.cell(row=r, column=c, value=value)
                if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
                    cell.data_type = "s"
                if isinstance(value, dt.datetime):
                    cell.number_format = "dd/mm/yyyy"
        for top, left, bottom, right in spec.merges:
            sheet.merge_cells(start_row=top, start_column=left, end_row=bottom, end_column=right)
        if spec.rows and spec.rows[0] and spec.rows[0][0] == DEMO_MARKER:
            sheet.cell(row=1, column=1).font = Font(bold=True, color="C00000")
    properties = workbook.properties
    properties.creator = "SYNTHETIC demo generator"
    properties.title = DEMO_MARKER
    properties.created = properties.modified = FIXED_TIME
    buffer = std_io.BytesIO()
    workbook.save(buffer)
    return _zip_fixed(buffer.getvalue())


def xls_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as .xls bytes (the old Excel format)."""
    import xlwt

    workbook = xlwt.Workbook(encoding="utf-8")
    date_style = xlwt.easyxf(num_format_str="DD/MM/YYYY")
    for spec in sheets:
        sheet = workbook.add_sheet(spec.name)
        covered = set()
        for top, left, bottom, right in spec.merges:
            value = spec.rows[top - 1][left - 1]
            sheet.write_merge(top - 1, bottom - 1, left - 1, right - 1, value)
            covered |= {(r, c) for r in range(top - 1, bottom) for c in range(left - 1, right)}
        for r, row in enumerate(spec.rows):
            for c, value in enumerate(row):
                if value is None or value == "" or (r, c) in covered:
                    continue
                if isinstance(value, dt.datetime):
                    sheet.write(r, c, value, date_style)
                else:
                    sheet.write(r, c, value)
    buffer = std_io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def ods_bytes(sheets: list[Sheet]) -> bytes:
    """The sheets as deterministic .ods bytes."""
    from odf.element import Element

    buffer = std_io.BytesIO()
    # odfpy keeps the namespaces it has seen in a class-level dict and declares all of them in
    # every document; a fresh dict per file keeps the bytes independent of earlier writes.
    with _patched(Element, "namespaces", {}), pd.ExcelWriter(buffer, engine="odf") as writer:
        for spec in sheets:
            width = max(len(row) for row in spec.rows)
            frame = pd.DataFrame(
                [row + [None] * (width - len(row)) for row in spec.rows], dtype=object
            )
            frame.to_excel(writer, sheet_name=spec.name, header=False, index=False)
    return _zip_fixed(buffer.getvalue())


def csv_bytes(rows: list[list[Any]]) -> bytes:
    """The rows as UTF-8 (with BOM) CSV bytes."""
    buffer = std_io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow(["" if value is None else value for value in row])
    return buffer.getvalue().encode("utf-8-sig")


@contextlib.contextmanager
def _patched(target: Any, name: str, value: Any) -> Iterator[None]:
    original = getattr(target, name)
    setattr(target, name, value)
    try:
        yield
    finally:
        setattr(target, name, original)


def encrypted(data: bytes, seed: int) -> bytes:
    """Encrypt an xlsx with :data:`DEMO_PASSWORD` (msoffcrypto-tool), the same bytes every time.

    msoffcrypto draws salts and keys from the system's random source and stamps the time;
    for a reproducible demo file both are drawn from ``seed`` instead. Never use this for
    real protection.
    """
    from msoffcrypto.format.ooxml import OOXMLFile
    from msoffcrypto.method import ecma376_agile
    from msoffcrypto.method.container import ecma376_encrypted

    fixed = random.Random(seed)

    class _FixedClock(dt.datetime):
        @classmethod
        def now(cls, tz: dt.tzinfo | None = None) -> dt.datetime:
            return cls(2026, 4, 1, 9, 0, 0)

    out = std_io.BytesIO()
    with (
        _patched(ecma376_agile, "_random_buffer", fixed.randbytes),
        _patched(ecma376_encrypted, "datetime", _FixedClock),
    ):
        OOXMLFile(std_io.BytesIO(data)).encrypt(DEMO_PASSWORD, out)
    return out.getvalue()


def corrupt_bytes() -> bytes:
    """Bytes that look like a workbook but cannot be opened (the corrupt return)."""
    return (
        f"{DEMO_MARKER}\nThis file stands for a return that arrived damaged: it is named "
        ".xlsx but it is not a workbook.\n"
    ).encode()
