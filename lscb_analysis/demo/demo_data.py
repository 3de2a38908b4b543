"""Synthetic demo data: local returns that look like what boards really send, clearly marked.

The workbench's local collections (survey returns, pilot tables, audits, consultation forms)
are sensitive, so the repository holds none. :func:`write_demo_data` (the entry the CLI's
``lscb demo-data`` loads by name) writes a synthetic set under ``data/raw/`` instead, through
:func:`io.create_raw_file` (the only code allowed to create files there, and only new ones).
Everything is marked: every file name starts with ``SYNTHETIC_``, every workbook says
"SYNTHETIC DEMO DATA - not real returns" on its About sheet (or in its first cell), and each
collection folder holds a ``SYNTHETIC.md`` marker. Contact names are "SYNTHETIC Contact 07";
e-mail addresses end in ``.invalid``. The set is deterministic: the same seed gives
byte-identical files.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from lscb_analysis.core import paths
from lscb_analysis.demo.demo_survey import write_demo_survey
from lscb_analysis.demo.demo_survey_content import DEFAULT_SEED


def write_demo_data(
    raw_dir: Path | str | None = None, seed: int = DEFAULT_SEED
) -> dict[str, dict[str, Any]]:
    """Write every synthetic collection under ``raw_dir`` (default ``data/raw/``).

    Collections: ``survey`` (Phase I returns), ``pilot`` (Phase III data tables, from
    :mod:`lscb_analysis.demo.demo_pilot`), ``audit`` (themed case-file audits, the actions log
    and the support log, from :mod:`lscb_analysis.demo.demo_audits`) and ``consultation``
    (returned feedback forms on the best-fit model, from
    :mod:`lscb_analysis.demo.demo_consultation`), ``section11`` (agencies' Section 11
    self-assessments, from :mod:`lscb_analysis.demo.demo_section11`) and ``narratives``
    (sub-groups' quarterly narratives, :mod:`lscb_analysis.demo.demo_narratives`) and
    ``targets`` (three boards' own targets, into ``data/reference/targets/``,
    :mod:`lscb_analysis.demo.demo_targets`).

    Returns:
        ``{collection: {"folder": path, "files": number written, "skipped": bool,
        "message": plain-English summary}}``.

    Raises:
        RawDataWriteError, ReferenceDataError: as :func:`write_demo_survey`.
    """
    raw = Path(raw_dir) if raw_dir is not None else paths.raw_dir()
    survey = write_demo_survey(raw, seed)
    folder = raw / "survey"
    message = (
        f"Wrote {len(survey)} synthetic survey files to {folder}."
        if survey
        else f"{folder} already holds files, so no demo returns were written (files under "
        "data/raw/ are never replaced). Empty it first for a fresh demo set."
    )
    from lscb_analysis.demo import demo_audits, demo_pilot

    pilot = demo_pilot.write_demo_pilot(raw, seed)
    pilot_message = (
        f"Wrote {len(pilot)} synthetic pilot files to {raw / 'pilot'}."
        if pilot
        else f"{raw / 'pilot'} already holds files: none was replaced."
    )
    audits = demo_audits.write_demo_audits(raw)
    audit_message = (
        (
            f"Wrote {len(audits.written)} synthetic audit, actions and support files "
            f"under {raw / 'audit'} and {raw / 'support'}"
            + (f"; kept {len(audits.kept)} that were already there." if audits.kept else ".")
        )
        if audits.written
        else ("The audit, actions and support files are already there: none was replaced.")
    )
    return {
        "survey": {
            "folder": folder,
            "files": len(survey),
            "skipped": not survey,
            "message": message,
        },
        "pilot": {
            "folder": raw / "pilot",
            "files": len(pilot),
            "skipped": not pilot,
            "message": pilot_message,
        },
        "audit": {
            "folder": raw / "audit",
            "files": len(audits.written),
            "skipped": not audits.written,
            "message": audit_message,
        },
        "consultation": _demo_consultation(raw, seed),
        "section11": _demo_section11(raw),
        "narratives": _demo_narratives(raw),
        "targets": _demo_targets(raw),
    }


def _written(folder: Path, files: list[Path], what: str) -> dict[str, Any]:
    """A collection's summary: its folder, files written, and the sentence that says so."""
    message = (
        f"Wrote {len(files)} synthetic {what} files to {folder}."
        if files
        else f"{folder} already holds files: none was replaced."
    )
    return {"folder": folder, "files": len(files), "skipped": not files, "message": message}


def _demo_section11(raw: Path) -> dict[str, Any]:
    """Write the synthetic Section 11 self-assessments (:mod:`lscb_analysis.demo.demo_section11`)."""
    from lscb_analysis.demo import demo_section11

    files = demo_section11.write_demo_section11(raw)
    return _written(raw / demo_section11.FOLDER, files, "Section 11")


def _demo_narratives(raw: Path) -> dict[str, Any]:
    """Write the synthetic sub-group narratives (:mod:`lscb_analysis.demo.demo_narratives`)."""
    from lscb_analysis.demo import demo_narratives

    files = demo_narratives.write_demo_narratives(raw)
    return _written(raw / demo_narratives.FOLDER, files, "sub-group narrative")


def _demo_targets(raw: Path) -> dict[str, Any]:
    """Write three boroughs' synthetic targets files into ``data/reference/targets/`` beside
    ``raw`` (:mod:`lscb_analysis.demo.demo_targets`); a board's own file is never replaced."""
    from lscb_analysis.demo import demo_targets

    files = demo_targets.write_demo_targets(raw.parent / "reference")
    return _written(raw.parent / "reference" / "targets", files, "board targets")


def _demo_consultation(raw: Path, seed: int) -> dict[str, Any]:
    """Write the synthetic feedback forms (:mod:`lscb_analysis.demo.demo_consultation`)."""
    from lscb_analysis.demo import demo_consultation

    forms = demo_consultation.write_demo_consultation(raw, seed)
    return _written(raw / demo_consultation.FOLDER, forms, "consultation")
