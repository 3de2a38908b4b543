"""One writer per project: ``lscb run`` and ``lscb pack`` hold a lock while they write.

Two runs at once in the same project would write the same reports side by side. Each
command therefore holds an exclusive lock on ``data/processed/.lscb-run.lock`` (an operating
system file lock, ``flock``) while it plans, runs and installs; the file records the holder's
process id, command and start time so a second command can say who is running. The
operating system releases the lock when its holder ends, however it ends, so a lock can never
be left held by a process that was killed: the next command finds the old record, says the
previous run ended without finishing, and goes on.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from lscb_analysis.core import paths
from lscb_analysis.core.errors import ProjectBusyError

LOCK_FILE = ".lscb-run.lock"


@dataclass(frozen=True)
class Holder:
    """Who held (or holds) the project's lock: process id, command and start time."""

    pid: int
    command: str
    started: str

    def describe(self) -> str:
        """``process 1234 (lscb pack --boroughs london), started 2026-12-04 21:10:05``."""
        return f"process {self.pid} ({self.command}), started {self.started}"


def lock_path():
    """The project's lock file: ``data/processed/.lscb-run.lock``."""
    return paths.processed_dir() / LOCK_FILE


def _read_holder(text: str) -> Holder | None:
    try:
        record = json.loads(text)
        return Holder(int(record["pid"]), str(record["command"]), str(record["started"]))
    except (ValueError, KeyError, TypeError):
        return None


@contextmanager
def project_lock(command: str) -> Iterator[Holder | None]:
    """Hold the project's lock while the block runs; refuse when another command holds it.

    Input: the command line, recorded for whoever asks next. Yields the record of a previous
    holder that ended without finishing (stopped or killed), or None; the caller may say so.

    Raises:
        ProjectBusyError: another ``lscb run`` or ``lscb pack`` holds the lock; the message
            names its process, command and start time and says what to do.
    """
    path = lock_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.seek(0)
            holder = _read_holder(handle.read())
            who = holder.describe() if holder else "another lscb command"
            raise ProjectBusyError(
                f"Another run is writing this project's reports: {who}. Wait for it to "
                f"finish, or stop it (Ctrl-C in its window), then run this again."
            ) from None
        try:
            handle.seek(0)
            left = _read_holder(handle.read())
            started = dt.datetime.now().isoformat(sep=" ", timespec="seconds")
            handle.seek(0)
            handle.truncate()
            handle.write(json.dumps({"pid": os.getpid(), "command": command, "started": started}))
            handle.flush()
            yield left
        finally:
            handle.seek(0)
            handle.truncate()
            handle.flush()
            fcntl.flock(handle, fcntl.LOCK_UN)
