"""Synthetic case-file audits, actions log and support log for the demo (``lscb demo-data``).

:func:`write_demo_audits` writes, into ``data/raw/`` and only where the files are absent:

* six themed audits for three London boroughs, each in ``data/raw/audit/<audit-id>/`` with
  a ``SYNTHETIC.md`` marker: Barnet neglect 2025 and its repeat in 2026 (so trends can be
  shown), Barnet, Croydon and Lambeth exploitation and missing 2026, and Croydon neglect
  2026 (see :data:`~lscb_analysis.demo.demo_audit_specs.DEMO_AUDITS`). Most audits come back as one workbook with every agency's
  sheet; Barnet neglect 2026 comes back as one copy of the tool per agency. They have double-marked cases, moderation changes,
  "Not applicable" answers, one missing grade (Croydon exploitation, Police), low auditor
  agreement in Croydon exploitation, sections with only 1 to 5 graded answers in four audits
  (:data:`~lscb_analysis.demo.demo_audit_specs.SMALL_SECTIONS`, so the board tier always has
  small counts), and exactly ONE
  planted identifier: a made-up NHS number with a valid check digit in one evidence cell
  (Barnet neglect 2026, Health (community) sheet), which the ingest must withhold;
* ``data/raw/audit/actions.csv`` (actions after audit findings and PI exceptions, some
  overdue and some due for re-audit as at :data:`~lscb_analysis.demo.demo_audit_specs.DEMO_AS_AT`);
* ``data/raw/support/support_log.csv`` (support days, Barnet over its allowance, pan-London
  work).

Everything is marked SYNTHETIC: workbook names start ``SYNTHETIC_``, audit ids start
``SYNTHETIC-``, each cover sheet says so, each folder has a ``SYNTHETIC.md``, case references
are ``SYN-nnnn`` and every name and free-text field in the CSV logs starts "SYNTHETIC". The
two CSV logs keep the names the workbench reads (``actions.csv``, ``support_log.csv``).
The bytes depend only on the seed (workbook timestamps are fixed), so a re-run writes the
same files. Files are created only through :func:`io.create_raw_file` (new synthetic files
inside ``data/raw/``); existing files are never overwritten, so a second run keeps them.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from functools import partial
from pathlib import Path

from lscb_analysis.core import io, paths, register
from lscb_analysis.demo.demo_audit_answers import (
    audit_workbook_bytes,
    fill_audit,
    plant_problems,
    shrink_small_section,
)
from lscb_analysis.demo.demo_audit_logs import demo_actions, demo_support_log
from lscb_analysis.demo.demo_audit_specs import (
    DEFAULT_SEED,
    DEMO_AS_AT,
    DEMO_AUDITS,
    MARKER,
    README_AUDIT,
    README_SUPPORT,
    DemoResult,
)
from lscb_analysis.qa import audit

logger = logging.getLogger(__name__)


def _write_new(
    path: Path, data: bytes | Callable[[], bytes], result: DemoResult, modified: dt.datetime
) -> None:
    """Create ``path`` through :func:`io.create_raw_file`; keep an existing file as it is.

    ``data`` may be a function, called only when the file is absent. ``modified`` becomes the
    file's modification time, so the demo set is the same every time.
    """
    target = path.absolute()
    if target.exists():
        result.kept.append(target)
        return
    content = data() if callable(data) else data
    stamp = modified.replace(tzinfo=dt.UTC).timestamp()
    result.written.append(io.create_raw_file(target, content, modified=stamp))


def write_demo_audits(raw_dir: Path | str | None = None, *, seed: int = DEFAULT_SEED) -> DemoResult:
    """Write the synthetic audits, actions log and support log into ``data/raw/``.

    Inputs: ``raw_dir`` (None: the project's ``data/raw/``; it must be that folder or inside
    it, because files are created with :func:`io.create_raw_file`); ``seed`` (the same seed
    writes the same bytes and file times). Output: :class:`DemoResult` listing the files
    written and those kept because they already existed (they are never overwritten).
    Folders: ``audit/<audit-id>/`` per :data:`DEMO_AUDITS`, ``audit/actions.csv``,
    ``support/support_log.csv``, and a ``SYNTHETIC.md`` in ``audit/``, each audit folder and
    ``support/``. Raises: RawDataWriteError when ``raw_dir`` is outside the project's
    ``data/raw/``.
    """
    raw = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    result = DemoResult()
    config = audit.audit_config()
    audit_root = raw / "audit"
    as_at = dt.datetime.combine(DEMO_AS_AT, dt.time(9, 0))
    _write_new(audit_root / MARKER, README_AUDIT.encode("utf-8"), result, as_at)
    for index, spec in enumerate(DEMO_AUDITS):
        folder = audit_root / spec.audit_id
        returned = dt.datetime.combine(spec.date, dt.time(17, 0))
        _write_new(folder / MARKER, README_AUDIT.encode("utf-8"), result, returned)
        answers = fill_audit(spec, index, seed, config)
        plant_problems(spec, answers)
        shrink_small_section(spec, answers, config)
        if spec.layout == "single":
            name = f"SYNTHETIC_{spec.audit_id}_all_agencies.xlsx"
            _write_new(
                folder / name,
                partial(audit_workbook_bytes, spec, answers, None, config),
                result,
                returned,
            )
        else:
            for agency in spec.agencies:
                slug = register.slugify(agency)
                name = f"SYNTHETIC_{spec.audit_id}_{slug}.xlsx"
                _write_new(
                    folder / name,
                    partial(audit_workbook_bytes, spec, answers, agency, config),
                    result,
                    returned,
                )
    _write_new(audit_root / "actions.csv", demo_actions(), result, as_at)
    _write_new(raw / "support" / MARKER, README_SUPPORT.encode("utf-8"), result, as_at)
    _write_new(raw / "support" / "support_log.csv", demo_support_log(), result, as_at)
    logger.info("Demo audits: %d file(s) written, %d kept.", len(result.written), len(result.kept))
    return result
