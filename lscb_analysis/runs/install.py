"""Installing a finished run: staging folders, the atomic install and failed-run manifests.

Step 4 of ``lscb run`` (see :mod:`lscb_analysis.runs.runner`): each run is written into a
staging folder beside its report folder (:func:`new_staging`); :func:`settle` turns what a
worker sent back (a result, a timeout, a crash) into a :class:`RunResult` and
:func:`install_run` replaces ``<out>/<notebook>/<borough-slug>/`` by renames, keeping the last
good report beside a failed run. :func:`recover_interrupted` tidies up after an interruption.
"""

from __future__ import annotations

import os
import shutil
import uuid
from dataclasses import asdict
from pathlib import Path

from lscb_analysis import __version__
from lscb_analysis.core import io, provenance
from lscb_analysis.runs.run_record import (
    LAST_GOOD,
    RunJob,
    RunResult,
    RunSpec,
    read_manifest,
)
from lscb_analysis.runs.screening import screen_run

STAGING_PREFIX = ".staging-"
RETIRED_PREFIX = ".retired-"


def _manifest_status(run_dir: Path) -> str | None:
    manifest = read_manifest(run_dir)
    return manifest.get("status") if manifest else None


def install_run(staging: Path, final: Path) -> None:
    """Put a finished run's folder in place of the previous one, by renames.

    The previous folder is renamed aside, the staging folder renamed into place, and the old
    one deleted, so the report folder always holds one complete run. When the new run failed
    and the previous one (or its ``last_good/``) was ok, that good report is kept as
    ``<final>/last_good/``. :func:`recover_interrupted` puts a folder back if the process
    stopped between the two renames.
    """
    retired = None
    if final.exists():
        retired = final.with_name(
            f"{RETIRED_PREFIX}{final.name}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        )
        os.rename(final, retired)
    if retired is not None and _manifest_status(staging) != "ok":
        if (retired / LAST_GOOD).is_dir():
            os.rename(retired / LAST_GOOD, staging / LAST_GOOD)
        elif _manifest_status(retired) == "ok":
            os.rename(retired, staging / LAST_GOOD)
    os.rename(staging, final)
    if retired is not None and retired.exists():
        shutil.rmtree(retired)


def _owner_alive(folder: Path) -> bool:
    try:
        pid = int(folder.name.rsplit("-", 2)[-2])
    except (ValueError, IndexError):
        return False
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def recover_interrupted(out_dir: Path) -> int:
    """Tidy up after an interrupted run: returns the number of folders dealt with.

    A staging folder left by a process that no longer exists is deleted (its report was never
    installed); a previous report renamed aside is put back if nothing replaced it.
    """
    count = 0
    for folder in Path(out_dir).glob(f"*/{STAGING_PREFIX}*"):
        if folder.is_dir() and not _owner_alive(folder):
            shutil.rmtree(folder, ignore_errors=True)
            count += 1
    for folder in Path(out_dir).glob(f"*/{RETIRED_PREFIX}*"):
        if not folder.is_dir() or _owner_alive(folder):
            continue
        original = folder.with_name(folder.name[len(RETIRED_PREFIX) :].rsplit("-", 2)[0])
        if original.exists():
            shutil.rmtree(folder, ignore_errors=True)
        else:
            os.rename(folder, original)
        count += 1
    return count


def remove_own_staging(out_dir: Path) -> int:
    """Delete every staging folder this process made under ``out_dir``; return how many.

    Called when a run is stopped (Ctrl-C, SIGTERM): besides the runs still going, a run that
    had just finished may be half-way through being installed, and its folder must not be
    left behind either. Folders of other processes are left alone.
    """
    count = 0
    for folder in Path(out_dir).glob(f"*/{STAGING_PREFIX}*-{os.getpid()}-*"):
        if folder.is_dir():
            shutil.rmtree(folder, ignore_errors=True)
            count += 1
    return count


def new_staging(spec: RunSpec) -> Path:
    """Return a new staging folder for a run, beside its report folder (parents created).

    Its name holds this process's id, so :func:`recover_interrupted` can tell a live run's
    folder from one left by a process that has gone.
    """
    folder = spec.run_dir.with_name(
        f"{STAGING_PREFIX}{spec.slug}-{os.getpid()}-{uuid.uuid4().hex[:8]}"
    )
    io.ensure_writable(folder / "manifest.json")
    return folder


def _failed_result(
    job: RunJob, started: str, seconds: float, error: str, detail: str = ""
) -> RunResult:
    """Write a failed manifest for a run that did not report back (timeout, crash).

    Whatever the run had half written is deleted; only its notebook is kept, as the log
    (after the identifier scan, which withholds it on a hit).
    """
    staging = Path(job.staging)
    staging.mkdir(parents=True, exist_ok=True)
    spec = job.spec
    for leftover in staging.iterdir():
        if leftover.name != f"{spec.notebook}.ipynb":
            if leftover.is_dir():
                shutil.rmtree(leftover)
            else:
                leftover.unlink()
    outputs = {"traceback": detail[-2000:]} if detail else {}
    if (staging / f"{spec.notebook}.ipynb").is_file():
        outputs["notebook"] = f"{spec.notebook}.ipynb"
    _, error, outputs, _, scan_seconds = screen_run(job, "failed", error, outputs, {})
    result = RunResult(
        notebook=spec.notebook,
        borough=spec.borough,
        slug=spec.slug,
        parameters=spec.parameters,
        status="failed",
        error=error,
        started=started,
        finished=provenance.now_iso(),
        seconds=round(seconds, 2),
        package_version=__version__,
        git_commit=job.git_commit,
        inputs=job.input_hashes,
        outputs=outputs,
        code_fingerprint=job.code_fingerprint,
        isolation=job.isolation,
        scan_seconds=scan_seconds,
    )
    io.write_json(asdict(result), staging / "manifest.json")
    return result


def settle(job: RunJob, finished, started: str, timeout: float | None) -> RunResult:
    """Turn what a worker sent back into a result and install the run's folder.

    Args:
        job: the run.
        finished: a :class:`lscb_analysis.runs.warm_worker.Finished` (``value`` is the
            :class:`RunResult` the child wrote, already in ``job.staging``).
        started: when the run was sent (ISO time), for runs that never reported.
        timeout: the per-run limit, for the message.
    """
    if finished.state == "value":
        result = finished.value
    elif finished.state == "timeout":
        result = _failed_result(
            job,
            started,
            finished.seconds,
            f"TimeoutError: the run was stopped after {timeout:g} s (the limit per run). "
            "Its notebook shows the cell that was running; raise the limit with --timeout.",
        )
    elif finished.state == "crashed":
        result = _failed_result(
            job,
            started,
            finished.seconds,
            f"{finished.error} Its notebook shows how far it got. Run it again; if it happens "
            "again, check the machine has memory to spare (or use fewer --jobs).",
            finished.log,
        )
    else:
        result = _failed_result(
            job,
            started,
            finished.seconds,
            finished.error or f"The run was {finished.state}.",
            finished.detail or finished.log,
        )
    install_run(Path(job.staging), job.spec.run_dir)
    return result
