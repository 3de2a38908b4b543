"""A warm worker: one process that pays the import cost once and forks a fresh child per job.

Starting Python and importing pandas, matplotlib, statsmodels, IPython and papermill takes
seconds; running one borough's notebook takes about one. :class:`WarmWorker` starts a single
server process (a plain ``python`` subprocess, so it also works inside daemonic Dask workers)
that imports everything once and runs a warm-up function (``module:function``), then waits.
Each job it is given is run in a child made with ``os.fork()``: the child starts with the
imports already in memory, runs the job, sends back its result and exits.

Isolation: the server never runs a job itself, so nothing a job does (variables, open figures,
changed matplotlib settings, patched modules) can reach the next job: every child is a copy
of the same untouched server. The server is single-threaded when it forks, which is what makes
``fork`` safe.

Timeouts and stopping: each child leads its own process group; a child still running at its
deadline is killed with its whole group (and any kernel it started) and reported as
``timeout``. :meth:`WarmWorker.cancel` kills children on request (Ctrl-C); if the client goes
away the server kills its children and exits. The server ignores SIGINT: the client decides.

Unix only (``os.fork``).
"""

from __future__ import annotations

import atexit
import contextlib
import ctypes
import importlib
import os
import pickle
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import traceback
from dataclasses import dataclass, field
from multiprocessing.connection import Connection, wait
from pathlib import Path

from lscb_analysis.core.errors import NotebookRunError

START_TIMEOUT_SECONDS = 300
LOG_TAIL_CHARACTERS = 2000
STATES = ("value", "error", "timeout", "crashed", "cancelled")


@dataclass
class Finished:
    """What came back from one job.

    ``state`` is one of ``STATES``: ``value`` (``value`` holds what the job returned),
    ``error`` (the job raised: ``error`` is its first line, ``detail`` its traceback),
    ``timeout`` (killed at its deadline), ``crashed`` (the child died without a result) or
    ``cancelled`` (killed on request). ``log`` is the end of what the child printed outside
    the job's own capture (C libraries, crashes); ``seconds`` is wall time.
    """

    key: str
    state: str
    value: object = None
    error: str | None = None
    detail: str = ""
    seconds: float = 0.0
    log: str = ""


@dataclass
class _Child:
    key: str
    pid: int
    reader: int
    deadline: float | None
    started: float
    log_path: str
    chunks: list[bytes] = field(default_factory=list)
    cancelled: bool = False


def _tail(path: str) -> str:
    try:
        text = Path(path).read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""
    return text[-LOG_TAIL_CHARACTERS:].strip()


def _load_callable(reference: str):
    module, _, name = reference.partition(":")
    return getattr(importlib.import_module(module), name)


PR_SET_PDEATHSIG = 1  # prctl option (linux/prctl.h): a signal for when the parent ends


def _end_with_parent(parent: int) -> None:
    """Have this process killed when ``parent`` (the server) ends, however it ends.

    Each run has its own process group (so a timeout can stop all of it), so a SIGKILL of the
    command's group does not reach it; on Linux the kernel is asked to send SIGKILL when the
    server goes, so no run outlives the command. Elsewhere the server's own shutdown ends runs.
    """
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the server ended before the request was in place
        os._exit(1)


def _child_main(
    function, args: tuple, env: dict, writer: int, log_path: str, parent: int = 0
) -> None:
    """Body of a forked child: run the job, send ``(state, ...)`` down ``writer``, exit."""
    os.setpgid(0, 0)
    if parent:
        _end_with_parent(parent)
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    stdin = os.open(os.devnull, os.O_RDONLY)
    log = os.open(log_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(stdin, 0)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.environ.update(env)
    try:
        payload = pickle.dumps(("value", function(*args)))
    except BaseException as error:  # the child's boundary: everything goes back to the parent
        lines = traceback.format_exception_only(error)
        payload = pickle.dumps(("error", "".join(lines).strip(), traceback.format_exc()))
    with contextlib.suppress(OSError):
        view = memoryview(payload)
        while view:
            view = view[os.write(writer, view) :]
    with contextlib.suppress(ValueError, OSError):
        sys.stdout.flush()
        sys.stderr.flush()
    os._exit(0)


class _Server:
    """The server loop (runs in the warm process)."""

    def __init__(self, conn: Connection, log_dir: str):
        self.conn = conn
        self.log_dir = log_dir
        self.children: dict[int, _Child] = {}  # by reader fd
        self.count = 0

    def fork(self, key: str, function, args: tuple, env: dict, timeout: float | None) -> None:
        self.count += 1
        log_path = os.path.join(self.log_dir, f"job-{self.count}.log")
        reader, writer = os.pipe()
        server = os.getpid()
        pid = os.fork()
        if pid == 0:  # the child
            os.close(reader)
            with contextlib.suppress(OSError):
                self.conn.close()
            _child_main(function, args, env, writer, log_path, server)
        os.close(writer)
        with contextlib.suppress(OSError):  # the child may not have done it yet
            os.setpgid(pid, pid)
        now = time.monotonic()
        self.children[reader] = _Child(
            key, pid, reader, now + timeout if timeout else None, now, log_path
        )

    def kill(self, child: _Child) -> None:
        for kill in (os.killpg, os.kill):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                kill(child.pid, signal.SIGKILL)

    def reap(self, child: _Child, state: str | None = None) -> None:
        """Collect a finished (or killed) child and send its result to the client."""
        del self.children[child.reader]
        os.close(child.reader)
        _, status = os.waitpid(child.pid, 0)
        seconds = round(time.monotonic() - child.started, 2)
        log = _tail(child.log_path)
        with contextlib.suppress(OSError):
            os.unlink(child.log_path)
        data = b"".join(child.chunks)
        if state is None and data:
            try:
                kind, *rest = pickle.loads(data)
            except (pickle.UnpicklingError, EOFError, ValueError) as error:
                kind, rest = "error", [f"The job's result could not be read back ({error}).", ""]
            if kind == "value":
                result = Finished(child.key, "value", value=rest[0], seconds=seconds, log=log)
            else:
                result = Finished(
                    child.key, "error", error=rest[0], detail=rest[1], seconds=seconds, log=log
                )
        elif state is not None:
            result = Finished(child.key, state, seconds=seconds, log=log)
        else:
            how = (
                f"was ended by signal {os.WTERMSIG(status)}"
                if os.WIFSIGNALED(status)
                else f"exited with code {os.waitstatus_to_exitcode(status)}"
            )
            result = Finished(
                child.key,
                "crashed",
                seconds=seconds,
                log=log,
                error=f"The run's process {how} before reporting a result.",
            )
        self.conn.send(("done", result))

    def handle(self, message: tuple) -> bool:
        """Act on one message from the client; False means stop."""
        kind = message[0]
        if kind == "run":
            _, key, function, args, env, timeout = message
            self.fork(key, function, args, env, timeout)
        elif kind == "cancel":
            for child in list(self.children.values()):
                if message[1] is None or child.key == message[1]:
                    child.cancelled = True
                    self.kill(child)
        return kind != "stop"

    def serve(self) -> None:
        running = True
        try:
            while running:
                deadlines = [c.deadline for c in self.children.values() if c.deadline]
                timeout = max(0.0, min(deadlines) - time.monotonic()) if deadlines else None
                for ready in wait([self.conn, *self.children], timeout):
                    if ready is self.conn:
                        try:
                            running = self.handle(self.conn.recv())
                        except EOFError:  # the client has gone: stop everything
                            running = False
                        continue
                    child = self.children[ready]
                    chunk = os.read(ready, 1 << 16)
                    if chunk:
                        child.chunks.append(chunk)
                    else:
                        self.reap(child, "cancelled" if child.cancelled else None)
                now = time.monotonic()
                for child in list(self.children.values()):
                    if child.deadline and now >= child.deadline:
                        self.kill(child)
                        self.reap(child, "timeout")
        finally:
            for child in list(self.children.values()):
                self.kill(child)
                with contextlib.suppress(ChildProcessError):
                    os.waitpid(child.pid, 0)


def _serve_main() -> None:
    """Entry point of the server process: ``python -c ... _serve_main()`` FD WARM_UP."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    conn = Connection(int(sys.argv[1]))
    warm_up = sys.argv[2] if len(sys.argv) > 2 else ""
    started = time.monotonic()
    info = {"pid": os.getpid()}
    if warm_up:
        info.update(_load_callable(warm_up)() or {})
    info["warm_up_seconds"] = round(time.monotonic() - started, 2)
    info["threads"] = threading.active_count()
    with tempfile.TemporaryDirectory(prefix="lscb-warm-") as log_dir:
        conn.send(("ready", info))
        _Server(conn, log_dir).serve()


class WarmWorker:
    """Client side of a warm server process.

    Args:
        warm_up: ``"module:function"`` run once in the server after start (its returned dict
            is kept in :attr:`info`); empty for none.
        env: extra environment variables for the server (and so every child).
        start_timeout: seconds to wait for the warm-up.

    Raises:
        NotebookRunError: the server could not start or warm up (the message has its output).
    """

    def __init__(
        self,
        warm_up: str = "",
        env: dict | None = None,
        start_timeout: float = START_TIMEOUT_SECONDS,
    ):
        if not hasattr(os, "fork"):
            raise NotebookRunError(
                "Running notebooks needs os.fork (Linux or macOS); on Windows use WSL."
            )
        ours, theirs = socket.socketpair()
        log, self._log = tempfile.mkstemp(prefix="lscb-warm-server-", suffix=".log")
        self.process = subprocess.Popen(
            [
                sys.executable,
                "-c",
                "from lscb_analysis.runs.warm_worker import _serve_main; _serve_main()",
                str(theirs.fileno()),
                warm_up,
            ],
            pass_fds=[theirs.fileno()],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})},
        )
        os.close(log)
        theirs.close()
        self.conn = Connection(ours.detach())
        self.running: set[str] = set()
        self.info: dict = {}
        if not self.conn.poll(start_timeout):
            self.close()
            raise NotebookRunError(
                f"The warm worker did not start within {start_timeout:.0f} s. Its output:\n"
                f"{_tail(self._log)}"
            )
        try:
            _, self.info = self.conn.recv()
        except EOFError as error:
            self.close()
            raise NotebookRunError(
                "The warm worker stopped while importing the workbench. Its output:\n"
                f"{_tail(self._log)}"
            ) from error

    @property
    def pid(self) -> int:
        """The server's process id."""
        return self.process.pid

    def alive(self) -> bool:
        """True while the server is running."""
        return self.process.poll() is None

    def submit(
        self,
        key: str,
        function,
        args: tuple = (),
        env: dict | None = None,
        timeout: float | None = None,
    ) -> None:
        """Run ``function(*args)`` in a fresh child (``function`` must be importable by name).

        Args:
            key: names the job in its :class:`Finished`; unique among running jobs.
            env: environment variables set in the child before the job runs.
            timeout: seconds before the child is killed and reported as ``timeout``.
        """
        self.conn.send(("run", key, function, tuple(args), dict(env or {}), timeout))
        self.running.add(key)

    def poll(self, timeout: float | None = None) -> list[Finished]:
        """Return the jobs that finished, waiting up to ``timeout`` seconds for the first.

        Raises:
            NotebookRunError: the server died (the message has its output).
        """
        finished = []
        try:
            if self.conn.poll(timeout):
                while True:
                    kind, result = self.conn.recv()
                    if kind == "done":
                        finished.append(result)
                        self.running.discard(result.key)
                    if not self.conn.poll(0):
                        break
        except (EOFError, OSError) as error:
            raise NotebookRunError(
                f"The warm worker (process {self.pid}) stopped unexpectedly. Its output:\n"
                f"{_tail(self._log)}"
            ) from error
        return finished

    def run(
        self,
        key: str,
        function,
        args: tuple = (),
        env: dict | None = None,
        timeout: float | None = None,
    ) -> Finished:
        """Submit one job and wait for it (for callers that run one job at a time)."""
        self.submit(key, function, args, env, timeout)
        while True:
            for result in self.poll(None):
                if result.key == key:
                    return result

    def cancel(self, key: str | None = None) -> None:
        """Kill a running job (or all of them); each comes back as ``cancelled``."""
        with contextlib.suppress(OSError):
            self.conn.send(("cancel", key))

    def close(self) -> None:
        """Stop the server and any job still running (a second call does nothing)."""
        if self.conn.closed:
            return
        with contextlib.suppress(OSError):
            self.conn.send(("stop",))
        with contextlib.suppress(OSError):
            self.conn.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        with contextlib.suppress(OSError):
            os.unlink(self._log)

    def __enter__(self) -> WarmWorker:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


_thread_workers = threading.local()


def thread_worker(warm_up: str, env: dict | None = None) -> WarmWorker:
    """Return this thread's warm worker for ``warm_up`` and ``env``, starting it if needed.

    The worker is kept for the life of the process (closed at exit), so later batches of
    runs in the same process (a Dask worker's task thread, a test session) do not pay the
    warm-up again. It stays safe to reuse because the server never runs a job itself.
    """
    workers = getattr(_thread_workers, "workers", None)
    if workers is None:
        workers = _thread_workers.workers = {}
    key = (warm_up, tuple(sorted((env or {}).items())))
    worker = workers.get(key)
    if worker is None or not worker.alive():
        worker = workers[key] = WarmWorker(warm_up, env)
        atexit.register(worker.close)
    return worker


def discard_thread_worker(worker: WarmWorker) -> None:
    """Close a worker from :func:`thread_worker` (after Ctrl-C), so the next call starts anew."""
    workers = getattr(_thread_workers, "workers", {})
    for key in [key for key, known in workers.items() if known is worker]:
        del workers[key]
    worker.close()
