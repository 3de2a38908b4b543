"""Reproducible case samples for audits, with a record an inspector can check.

:func:`draw_sample` draws a simple random sample, or a stratified one (proportional
allocation by largest remainder, at least one case per stratum when the sample is big enough),
from a case list (the "frame"), using ``numpy.random.Generator(PCG64(seed))``. The same frame
and seed always give the same sample. The :class:`SampleResult` ``record`` holds what is needed
to show how the cases were chosen: the SHA-256 of the frame (of a canonical CSV of its values,
and of the file it came from), its row count, the seed, the method, the sample size and the
allocation per stratum, and the date. :func:`write_sample` saves ``sample.csv`` and
``sample_record.json`` side by side.

The sample holds the frame's rows, so it contains case references: it is a working list for
the audit coordinator, kept in the same secure place as the case list, never a board output.
The record holds no case references.

:func:`sample_size_guidance` says, in plain English, how precise a share ("x% of cases were
good or better") can be with a given number of cases: the Wilson 95% interval at 50%, the
widest case, with and without the finite population correction.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from lscb_analysis import __version__
from lscb_analysis.core import io, workbook_checks
from lscb_analysis.core.errors import (
    DataFileError,
    DataLayoutError,
    InvalidArgumentError,
    MissingDataFileError,
)
from lscb_analysis.protect import safe_files
from lscb_analysis.stats.intervals import proportion_ci

SIMPLE = "simple random sample without replacement"
STRATIFIED = (
    "stratified random sample: proportional allocation (largest remainder, at least one per "
    "stratum when n allows), simple random sample without replacement within each stratum"
)
GENERATOR = "numpy.random.Generator(PCG64(seed))"
BLANK_STRATUM = "(blank)"
SAMPLE_FILE = "sample.csv"
RECORD_FILE = "sample_record.json"


@dataclass
class SampleResult:
    """A drawn sample and its record.

    ``sample``: the chosen rows of the frame, in frame order, with three columns added:
    ``frame_row`` (line in the frame file, header = line 1), ``draw_order`` (1 = drawn first)
    and ``stratum`` (the stratum value; "" for a simple random sample).
    ``record``: dict with ``frame_sha256, frame_file, frame_file_sha256, frame_rows, seed,
    generator, method, n, stratify, allocation`` (list of ``{stratum, population, quota,
    sample}``), ``notes``, ``drawn_on`` and ``workbench_version``.
    """

    sample: pd.DataFrame
    record: dict = field(default_factory=dict)


def frame_checksum(frame: pd.DataFrame) -> str:
    """Return the SHA-256 of a canonical CSV of the frame's values (all read as text).

    Columns in their order, missing values as empty, ``\\n`` line ends, UTF-8. So the same case
    list gives the same checksum whether it was read from CSV or Excel.

    >>> frame_checksum(pd.DataFrame({"id": ["A1", "A2"]}))[:12]
    '196a33ff61bb'
    """
    text = frame.astype(object).where(frame.notna(), "").astype(str)
    csv = text.to_csv(index=False, lineterminator="\n")
    return hashlib.sha256(csv.encode("utf-8")).hexdigest()


def read_frame(path: Path | str, stratify: str | None = None, sheet: str | int = 0) -> pd.DataFrame:
    """Read a case list (CSV or Excel) as text, every column kept as written.

    Inputs: ``path`` (.csv, or .xlsx/.xlsm checked by :func:`workbook_checks.check_workbook`
    first); ``stratify`` (a column that must be present); ``sheet`` (Excel sheet name or
    position). Output: DataFrame of text (missing cells ``<NA>``), header names trimmed;
    ``attrs["source"]`` and ``attrs["source_sha256"]`` name the file and hash its bytes.
    Raises: MissingDataFileError (no file); DataFileError (unreadable, empty or an unknown
    suffix); UnsafeWorkbookError (a workbook that fails the safety checks); DataLayoutError
    naming the file and the column when ``stratify`` is not a column (the columns found are
    listed).
    """
    file = Path(path)
    if not file.is_file():
        raise MissingDataFileError(f"Case list {file} does not exist; check the path.")
    suffix = file.suffix.lower()
    try:
        if suffix == ".csv":
            frame = pd.read_csv(
                file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig"
            )
        elif suffix in workbook_checks.WORKBOOK_SUFFIXES:
            workbook_checks.check_workbook(file)
            frame = pd.read_excel(file, sheet_name=sheet, dtype=str, engine="openpyxl")
        else:
            raise DataFileError(
                f"Case list {file} is neither .csv nor .xlsx; save it as one of those."
            )
    except (UnicodeDecodeError, pd.errors.ParserError, ValueError) as error:
        raise DataFileError(
            f"Case list {file} cannot be read ({type(error).__name__}: {error}); save it "
            "again as CSV (UTF-8) or .xlsx with one header row."
        ) from error
    except pd.errors.EmptyDataError as error:
        raise DataFileError(f"Case list {file} is empty; export the case list again.") from error
    frame.columns = [str(c).strip() for c in frame.columns]
    if stratify is not None and stratify not in frame.columns:
        raise DataLayoutError(
            f"Case list {file} has no column {stratify!r} to stratify by. Columns found: "
            f"{', '.join(frame.columns)}. Give one of these with --stratify (names must match "
            "exactly) or leave it out for a simple random sample."
        )
    frame.attrs["source"] = str(file)
    frame.attrs["source_sha256"] = io.sha256_of(file)
    return frame


def allocate(population: Sequence[int], n: int) -> list[int]:
    """Proportional allocation of ``n`` to strata by the largest-remainder method.

    Each stratum first gets the whole part of ``n * N_h / N``; the rest go to the largest
    fractional parts (ties: larger stratum, then earlier). When ``n`` is at least the number
    of strata, every stratum then gets at least one case, taken from the stratum most over its
    exact quota. No stratum gets more than its size.
    Inputs: stratum sizes (positive), ``n`` (0 <= n <= total). Output: a list of sample sizes.
    Raises: InvalidArgumentError for empty strata or an impossible ``n``.

    >>> allocate([50, 30, 20], 10)
    [5, 3, 2]
    >>> allocate([90, 6, 4], 10)
    [8, 1, 1]
    >>> allocate([60, 25, 15], 7)
    [4, 2, 1]
    """
    sizes = [int(s) for s in population]
    if not sizes or min(sizes) < 1:
        raise InvalidArgumentError("Every stratum must hold at least one case.")
    total = sum(sizes)
    if not 0 <= n <= total:
        raise InvalidArgumentError(f"Cannot draw {n} cases from {total}.")
    quotas = [n * s / total for s in sizes]
    counts = [math.floor(q) for q in quotas]
    order = sorted(range(len(sizes)), key=lambda h: (-(quotas[h] - counts[h]), -sizes[h], h))
    for h in order[: n - sum(counts)]:
        counts[h] += 1
    if n >= len(sizes):
        for h in sorted(range(len(sizes)), key=lambda k: (-quotas[k], k)):
            if counts[h] > 0:
                continue
            donors = [k for k in range(len(sizes)) if counts[k] > 1]
            donor = max(donors, key=lambda k: (counts[k] - quotas[k], -k))
            counts[donor] -= 1
            counts[h] += 1
    return counts


def draw_sample(
    frame: pd.DataFrame,
    n: int,
    stratify: str | None = None,
    *,
    seed: int,
    drawn_on: dt.date | None = None,
) -> SampleResult:
    """Draw a reproducible simple random or stratified sample of ``n`` rows.

    Inputs: ``frame`` (the case list, e.g. from :func:`read_frame`; one row per case);
    ``n`` (1 to the number of rows); ``stratify`` (a column: its values are the strata,
    blanks form the stratum "(blank)"; None for a simple random sample); ``seed`` (a whole
    number >= 0, required so the draw can be repeated); ``drawn_on`` (date recorded; None:
    today). Strata are taken in sorted order and one generator is used throughout, so the
    same frame, n, stratify and seed always give the same rows.
    Output: :class:`SampleResult`. Raises: InvalidArgumentError for a bad ``n`` or seed or an
    empty frame; DataLayoutError when ``stratify`` is not a column.

    >>> cases = pd.DataFrame({"case": [f"SYN-{i:04d}" for i in range(1, 21)],
    ...                       "plan": ["neglect"] * 12 + ["emotional"] * 8})
    >>> result = draw_sample(cases, 5, "plan", seed=7)
    >>> [(a["stratum"], a["sample"]) for a in result.record["allocation"]]
    [('emotional', 2), ('neglect', 3)]
    >>> draw_sample(cases, 5, "plan", seed=7).sample["case"].tolist() == \\
    ...     result.sample["case"].tolist()
    True
    """
    if isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0:
        raise InvalidArgumentError(
            f"seed must be a whole number of 0 or more (e.g. 20260331); got {seed!r}. "
            "Record it: the same seed gives the same sample."
        )
    rows = len(frame)
    if rows == 0:
        raise InvalidArgumentError("The case list has no rows; nothing to sample.")
    if isinstance(n, bool) or not isinstance(n, int | np.integer) or not 1 <= n <= rows:
        raise InvalidArgumentError(
            f"The sample size must be a whole number from 1 to {rows} (the cases in the "
            f"list); got {n!r}."
        )
    source = frame.attrs.get("source", "")
    if stratify is not None and stratify not in frame.columns:
        raise DataLayoutError(
            f"Case list {source or '(frame)'} has no column {stratify!r} to stratify by. "
            f"Columns found: {', '.join(map(str, frame.columns))}."
        )
    generator = np.random.Generator(np.random.PCG64(int(seed)))
    notes: list[str] = []
    allocation: list[dict] = []
    strata = pd.Series([""] * rows, index=frame.index, dtype=object)
    if stratify is None:
        chosen = generator.choice(rows, size=int(n), replace=False)
        method = SIMPLE
    else:
        values = frame[stratify].astype(object)
        strata = (
            values.where(values.notna() & (values.astype(str).str.strip() != ""), BLANK_STRATUM)
            .astype(str)
            .str.strip()
        )
        names = sorted(strata.unique())
        if BLANK_STRATUM in names:
            notes.append(
                f"{int((strata == BLANK_STRATUM).sum())} case(s) have no value in "
                f"{stratify!r} and form the stratum {BLANK_STRATUM}."
            )
        positions = {name: np.flatnonzero((strata == name).to_numpy()) for name in names}
        sizes = [len(positions[name]) for name in names]
        counts = allocate(sizes, int(n))
        if n < len(names):
            notes.append(
                f"The sample ({n}) is smaller than the number of strata "
                f"({len(names)}), so {counts.count(0)} stratum(s) have no case."
            )
        picks = []
        for name, size, count in zip(names, sizes, counts, strict=True):
            allocation.append(
                {
                    "stratum": name,
                    "population": size,
                    "quota": round(n * size / rows, 3),
                    "sample": count,
                }
            )
            if count:
                picks.append(positions[name][generator.choice(size, size=count, replace=False)])
        chosen = np.concatenate(picks) if picks else np.array([], dtype=int)
        method = STRATIFIED
    draw_order = {int(position): order for order, position in enumerate(chosen, start=1)}
    ordered = sorted(draw_order)
    sample = frame.iloc[ordered].copy()
    sample.insert(0, "frame_row", [p + 2 for p in ordered])
    sample.insert(1, "draw_order", [draw_order[p] for p in ordered])
    sample.insert(2, "stratum", strata.iloc[ordered].tolist())
    sample = sample.reset_index(drop=True)
    sample.attrs = {}
    record = {
        "frame_file": Path(source).name if source else "",
        "frame_file_sha256": frame.attrs.get("source_sha256", ""),
        "frame_sha256": frame_checksum(frame),
        "frame_rows": rows,
        "seed": int(seed),
        "generator": GENERATOR,
        "method": method,
        "n": int(n),
        "stratify": stratify,
        "allocation": allocation,
        "notes": notes,
        "drawn_on": (drawn_on or dt.date.today()).isoformat(),
        "workbench_version": __version__,
        "numpy_version": np.__version__,
    }
    return SampleResult(sample=sample, record=record)


def write_sample(
    result: SampleResult, out_dir: Path | str, *, overwrite: bool = False
) -> tuple[Path, Path]:
    """Write ``sample.csv`` and ``sample_record.json`` into ``out_dir``.

    The CSV neutralises formula-like text (it is opened in Excel). Keep it where the case list
    is kept: it holds case references. Output: (sample path, record path).
    Raises: RawDataWriteError when ``out_dir`` is under ``data/raw/``; DataFileError when a
    sample is already there and ``overwrite`` is False (a drawn sample is evidence of how
    cases were chosen: do not replace it by accident).
    """
    folder = Path(out_dir)
    sample_path = io.ensure_writable(folder / SAMPLE_FILE)
    record_path = io.ensure_writable(folder / RECORD_FILE)
    if not overwrite and (sample_path.exists() or record_path.exists()):
        raise DataFileError(
            f"{folder} already holds a sample ({SAMPLE_FILE}); a drawn sample is the record of "
            "how cases were chosen, so it is not replaced. Choose another --out folder."
        )
    safe_files.write_safe_csv(result.sample, sample_path)
    record_path.write_text(json.dumps(result.record, indent=2), encoding="utf-8")
    return sample_path, record_path


def sample_size_guidance(n, population=None, confidence: float = 0.95) -> pd.DataFrame:
    """How precise a share from ``n`` audited cases is, in numbers and plain English.

    Inputs: ``n`` (a sample size or a list of them); ``population`` (cases in the frame; None
    when unknown); ``confidence`` (default 0.95). For a finding of 50% (the widest interval)
    the Wilson score interval (:func:`stats.proportion_ci`) gives ``lower`` and ``upper``;
    ``margin`` is half its width in percentage points; ``margin_fpc`` multiplies the margin by
    the finite population correction sqrt((N - n) / (N - 1)), which matters when the sample
    is a large part of the population. Output: DataFrame with columns ``n, population, lower,
    upper, margin, margin_fpc, guidance``.
    Raises: InvalidArgumentError for n < 1 or n above the population.

    >>> g = sample_size_guidance(10, population=40)
    >>> g[["n", "lower", "upper", "margin", "margin_fpc"]].round(1).values.tolist()
    [[10.0, 23.7, 76.3, 26.3, 23.1]]
    """
    sizes = [int(x) for x in np.atleast_1d(n)]
    if any(s < 1 for s in sizes):
        raise InvalidArgumentError("Sample sizes must be 1 or more.")
    if population is not None and any(s > population for s in sizes):
        raise InvalidArgumentError(
            f"A sample cannot be larger than the population ({population} cases)."
        )
    rows = []
    for size in sizes:
        interval = proportion_ci(size / 2, size, confidence=confidence)
        lower, upper = float(interval["lower"].iloc[0]), float(interval["upper"].iloc[0])
        margin = (upper - lower) / 2
        fpc = (
            math.sqrt((population - size) / (population - 1))
            if population is not None and population > 1
            else 1.0
        )
        margin_fpc = margin * fpc if population is not None else float("nan")
        text = (
            f"With {size} cases, a finding that half were good or better could really be "
            f"anywhere from {lower:.0f}% to {upper:.0f}% ({confidence:.0%} Wilson "
            f"interval): about ±{margin:.0f} percentage points."
        )
        if population is not None:
            text += (
                f" Because the {size} cases are {size / population:.0%} of the "
                f"{population} in the list, the margin is nearer ±{margin_fpc:.0f} points."
            )
        if margin > 20:
            text += (
                " Treat shares as indications, not measurements: look at what the cases "
                "say, and compare audits only when the difference is large."
            )
        rows.append(
            {
                "n": size,
                "population": population,
                "lower": lower,
                "upper": upper,
                "margin": margin,
                "margin_fpc": margin_fpc,
                "guidance": text,
            }
        )
    return pd.DataFrame(
        rows, columns=["n", "population", "lower", "upper", "margin", "margin_fpc", "guidance"]
    )
