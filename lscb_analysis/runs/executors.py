"""Where runs execute: local warm workers, or the workers of a Dask distributed cluster.

Both executors take :class:`lscb_analysis.runs.run_record.RunJob` objects and hand back
:class:`lscb_analysis.runs.warm_worker.Finished` results whose run folder is complete in the job's
staging folder on this machine; the runner installs it and writes the index.

- ``local``: one warm worker (:mod:`lscb_analysis.runs.warm_worker`) forks a child per run.
- ``dask``: each run is a Dask task. With ``ship_inputs`` (the default) the client sends the
  run's input files (its declared inputs, the notebook and ``data/reference/``), each file
  once per worker, and the worker lays them out as a project folder in its temporary folder;
  otherwise workers read the project at the same path (a shared drive). On the worker the run
  goes through the same warm worker and fork; its output files come back as bytes and the
  client writes them. The workers must have the same workbench code installed.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import shutil
import tempfile
import uuid
from dataclasses import replace
from pathlib import Path

from lscb_analysis.core import paths
from lscb_analysis.core.errors import NotebookRunError, ParameterError
from lscb_analysis.runs import warm_worker

EXECUTORS = ("local", "dask")
# The warm worker's environment: figures inline as in Jupyter, no debugger file checks, and
# one maths thread per run (runs are already parallel).
SERVER_ENV = {
    "MPLBACKEND": "module://matplotlib_inline.backend_inline",
    "PYDEVD_DISABLE_FILE_VALIDATION": "1",
}
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")
PROJECT_FOLDERS = ("data/processed", "data/raw", "data/external", "reports", "notebooks")


def server_env() -> dict:
    """Return the environment variables a warm worker is started with."""
    env = dict(SERVER_ENV)
    for name in THREAD_VARIABLES:
        env[name] = os.environ.get(name, "1")
    return env


class LocalExecutor:
    """Runs on this machine: one warm worker, up to ``jobs`` forked runs at a time.

    The warm worker is kept for later batches in the same process
    (:func:`lscb_analysis.runs.warm_worker.thread_worker`); after Ctrl-C it is closed.
    """

    def __init__(self, jobs: int):
        from lscb_analysis.runs import runner

        self.capacity = max(1, jobs)
        self.worker = warm_worker.thread_worker(runner.WARM_UP, server_env())
        self.submitted: set[str] = set()

    def submit(self, job, timeout: float | None) -> None:
        """Start a run in a fresh child of the warm worker."""
        from lscb_analysis.runs import runner

        self.worker.submit(
            job.key,
            runner.execute_run,
            (job,),
            {paths.PROJECT_DIR_VARIABLE: job.project_dir},
            timeout,
        )
        self.submitted.add(job.key)

    def poll(self, timeout: float) -> list:
        """Return the runs that finished within ``timeout`` seconds."""
        finished = [f for f in self.worker.poll(timeout) if f.key in self.submitted]
        self.submitted -= {f.key for f in finished}
        return finished

    def cancel_all(self) -> None:
        """Kill every running run and the warm worker."""
        warm_worker.discard_thread_worker(self.worker)

    def close(self) -> None:
        """Nothing to do: the warm worker stays for the next batch (it is closed at exit)."""


def _file_digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def materialise_project(files: dict[str, tuple[bytes, float]]) -> Path:
    """Lay out shipped files as a project folder in this machine's temporary folder.

    Args:
        files: ``{project-relative path: (content, modification time)}``.

    Returns:
        The project folder; the same files give the same folder, written once.
    """
    digest = hashlib.sha256()
    for relative in sorted(files):
        digest.update(f"{relative}\0{_file_digest(files[relative][0])}\n".encode())
    root = Path(tempfile.gettempdir()) / "lscb-projects" / digest.hexdigest()[:20]
    if (root / ".complete").is_file():
        return root
    building = root.with_name(f"{root.name}.{uuid.uuid4().hex[:8]}")
    for folder in PROJECT_FOLDERS:
        (building / folder).mkdir(parents=True, exist_ok=True)
    for relative, (content, modified) in files.items():
        target = building / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        os.utime(target, (modified, modified))
    (building / ".complete").touch()
    try:
        os.rename(building, root)
    except OSError:  # another task laid out the same files first
        shutil.rmtree(building, ignore_errors=True)
    return root


def remote_run(job, files: dict | None, timeout: float | None):
    """Run one job on a Dask worker; return ``(Finished, {relative path: bytes})``.

    Raises:
        NotebookRunError: the worker's workbench code differs from the client's.
    """
    from lscb_analysis.runs import run_record, runner

    if run_record.code_fingerprint() != job.code_fingerprint:
        raise NotebookRunError(
            "This Dask worker has different workbench code from the client that sent the run. "
            "Install the same version of lscb-analysis on every worker."
        )
    project = materialise_project(files) if files is not None else Path(job.project_dir)
    scratch = Path(tempfile.mkdtemp(prefix="lscb-run-"))
    try:
        local = replace(job, staging=str(scratch / "run"), project_dir=str(project))
        worker = warm_worker.thread_worker(runner.WARM_UP, server_env())
        finished = worker.run(
            job.key,
            runner.execute_run,
            (local,),
            {paths.PROJECT_DIR_VARIABLE: str(project)},
            timeout,
        )
        run = scratch / "run"
        outputs = {
            path.relative_to(run).as_posix(): path.read_bytes()
            for path in sorted(run.rglob("*"))
            if path.is_file()
        }
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return finished, outputs


def _project_files(relative: str) -> list[Path]:
    path = paths.project_dir() / relative
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(p for p in path.rglob("*") if p.is_file())
    return []


class DaskExecutor:
    """Runs on a Dask distributed cluster (an existing one, or a local one started here).

    Args:
        jobs: workers for a local cluster (one thread each); ignored with ``scheduler``.
        scheduler: the address of an existing scheduler (``tcp://host:8786``), or None.
        ship_inputs: send the input files with the runs (False: a shared project folder).

    Raises:
        NotebookRunError: the scheduler cannot be reached.
    """

    def __init__(self, jobs: int, scheduler: str | None, ship_inputs: bool = True):
        from distributed import Client, LocalCluster

        self.cluster = None
        try:
            if scheduler:
                self.client = Client(scheduler, timeout="30s")
            else:
                self.cluster = LocalCluster(
                    n_workers=max(1, jobs),
                    threads_per_worker=1,
                    processes=True,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                self.client = Client(self.cluster)
        except (OSError, TimeoutError) as error:
            raise NotebookRunError(
                f"Could not reach the Dask scheduler at {scheduler} ({error}). Check the "
                "address (tcp://host:8786) and that the scheduler is running."
            ) from error
        self.capacity = max(1, sum(self.client.nthreads().values()))
        self.ship_inputs = ship_inputs
        self.shipped: dict[tuple[str, str], object] = {}
        self.futures: dict = {}

    def _files(self, job) -> dict:
        """The run's input files as Dask futures, each file scattered once."""
        relatives = ["data/reference", *job.spec.inputs]
        files = {}
        for relative in relatives:
            for path in _project_files(relative):
                data = path.read_bytes()
                key = (path.relative_to(paths.project_dir()).as_posix(), _file_digest(data))
                if key not in self.shipped:
                    self.shipped[key] = self.client.scatter(data, hash=True)
                files[key[0]] = (self.shipped[key], path.stat().st_mtime)
        return files

    def submit(self, job, timeout: float | None) -> None:
        """Send a run to the cluster."""
        files = self._files(job) if self.ship_inputs else None
        future = self.client.submit(
            remote_run,
            job,
            files,
            timeout,
            pure=False,
            key=f"lscb-{job.key}-{uuid.uuid4().hex[:8]}",
        )
        self.futures[future] = job

    def poll(self, timeout: float) -> list:
        """Return the runs that finished within ``timeout`` seconds, outputs written locally."""
        from distributed import wait

        if not self.futures:
            return []
        try:
            done, _ = wait(list(self.futures), timeout=timeout, return_when="FIRST_COMPLETED")
        except TimeoutError:
            return []
        finished = []
        for future in done:
            job = self.futures.pop(future)
            if future.status == "finished":
                result, outputs = future.result()
                staging = Path(job.staging)
                for relative, content in outputs.items():
                    target = staging / relative
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(content)
                finished.append(result)
            else:
                error = future.exception()
                finished.append(
                    warm_worker.Finished(job.key, "error", error=f"{type(error).__name__}: {error}")
                )
        return finished

    def cancel_all(self) -> None:
        """Cancel every run not yet finished (a run already started finishes on its worker)."""
        with contextlib.suppress(OSError):
            self.client.cancel(list(self.futures))

    def close(self) -> None:
        """Disconnect; stop the local cluster if this executor started it."""
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()


@contextlib.contextmanager
def make_executor(
    name: str,
    jobs: int,
    scheduler: str | None = None,
    ship_inputs: bool = True,
    runs: int | None = None,
):
    """Yield a started executor and close it afterwards.

    Args:
        name: ``local`` or ``dask``.
        jobs: runs at a time (local) or workers of a local Dask cluster.
        scheduler: a Dask scheduler address (``dask`` only).
        ship_inputs: see :class:`DaskExecutor`.
        runs: how many runs there are (no more workers than runs are started).

    Raises:
        ParameterError: an unknown executor, or a scheduler given to ``local``.
    """
    if name not in EXECUTORS:
        raise ParameterError(f"--executor {name!r}: use one of {', '.join(EXECUTORS)}.")
    if scheduler and name != "dask":
        raise ParameterError("--scheduler needs --executor dask.")
    jobs = max(1, min(jobs, runs or jobs))
    executor = (
        LocalExecutor(jobs) if name == "local" else DaskExecutor(jobs, scheduler, ship_inputs)
    )
    try:
        yield executor
    finally:
        executor.close()
