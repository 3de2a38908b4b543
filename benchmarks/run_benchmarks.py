"""Time report packs on this machine and write ``benchmarks/results.md``.

Run with ``make bench`` (or ``.venv/bin/python benchmarks/run_benchmarks.py``). In one run, on
the same machine, in a throw-away copy of the project (the real ``reports/`` and
``data/processed/`` are not touched), it times:

(a) the naive way: for each of the 33 London boroughs, the ``papermill`` command line, then
    the ``jupyter nbconvert --to html`` command line, one after the other;
(b) ``lscb run borough_profile --borough all``, cold (a new process, an empty reports folder);
(c) the same again with nothing changed (incremental: every run is skipped);
(d) the floor: the notebook's code cells for all 33 boroughs in this already-warm Python
    process (no kernel, no papermill, no HTML);
and, for information, (b) with ``--isolation kernel`` (a fresh kernel per run), and the peak
resident memory and time of ``lscb pack --boroughs england`` (all 153 local authorities).

Peak memory is sampled every 0.25 s over the command's whole process tree: the sum of
resident set sizes (RSS, an upper bound: pages shared between the warm worker and its
forked children are counted once per process) and, on Linux, the proportional set size (PSS,
shared pages divided between the processes that share them).

Options: ``--boroughs N`` (time N boroughs instead of 33), ``--skip-naive``,
``--skip-england``, ``--skip-kernel``.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import warnings
from datetime import UTC, datetime
from pathlib import Path

import psutil

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
RESULTS = REPO / "benchmarks" / "results.md"
NOTEBOOK = "borough_profile"


def make_project(root: Path) -> Path:
    """A project folder sharing the repository's published data, reference tables, notebooks."""
    for folder in ("data/processed", "data/raw", "reports"):
        (root / folder).mkdir(parents=True)
    shutil.copytree(REPO / "data" / "reference", root / "data" / "reference")
    (root / "data" / "external").symlink_to(REPO / "data" / "external")
    shutil.copytree(REPO / "notebooks", root / "notebooks")
    return root


class PeakMemory:
    """Sample the memory of a process and all its descendants until stopped."""

    def __init__(self, pid: int, interval: float = 0.25):
        self.pid, self.interval = pid, interval
        self.rss = self.pss = 0
        self.processes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                root = psutil.Process(self.pid)
                tree = [root, *root.children(recursive=True)]
            except psutil.NoSuchProcess:
                break
            rss = pss = 0
            for process in tree:
                try:
                    if hasattr(process, "memory_full_info") and sys.platform == "linux":
                        info = process.memory_full_info()
                        rss, pss = rss + info.rss, pss + info.pss
                    else:
                        rss += process.memory_info().rss
                except (psutil.NoSuchProcess, psutil.AccessDenied):
                    continue
            self.rss, self.pss = max(self.rss, rss), max(self.pss, pss)
            self.processes = max(self.processes, len(tree))
            self._stop.wait(self.interval)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join()


def timed(command: list[str], env: dict, memory: bool = False) -> tuple[float, PeakMemory | None]:
    """Run a command; return its wall time (and peak memory of its process tree)."""
    clock = time.perf_counter()
    process = subprocess.Popen(
        command,
        env=env,
        cwd=env["LSCB_PROJECT_DIR"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    sampler = PeakMemory(process.pid) if memory else None
    out, err = process.communicate()
    seconds = time.perf_counter() - clock
    if sampler:
        sampler.stop()
    if process.returncode not in (0, 1):
        raise SystemExit(f"{' '.join(command)} failed ({process.returncode}):\n{err[-3000:]}")
    return seconds, sampler


def naive(project: Path, names: list[str], env: dict, scratch: Path) -> float:
    """(a): papermill then nbconvert, one borough after another (the .ipynb made beforehand)."""
    import jupytext

    source = jupytext.read(project / "notebooks" / f"{NOTEBOOK}.py")
    source.metadata["kernelspec"] = {"name": "lscb", "display_name": "lscb", "language": "python"}
    notebook = scratch / f"{NOTEBOOK}.ipynb"
    jupytext.write(source, notebook)
    clock = time.perf_counter()
    for number, name in enumerate(names):
        executed = scratch / f"{NOTEBOOK}_{number}.ipynb"
        subprocess.run(
            [
                str(BIN / "papermill"),
                str(notebook),
                str(executed),
                "-p",
                "borough",
                name,
                "-k",
                "lscb",
                "--cwd",
                str(project),
                "--no-progress-bar",
            ],
            env=env,
            check=True,
            capture_output=True,
        )
        subprocess.run(
            [str(BIN / "jupyter"), "nbconvert", "--to", "html", "--no-input", str(executed)],
            env=env,
            check=True,
            capture_output=True,
        )
    return time.perf_counter() - clock


def floor(project: Path, names: list[str]) -> float:
    """(d): the notebook's code cells run as plain Python, in this warm process."""
    import jupytext

    os.environ["LSCB_PROJECT_DIR"] = str(project)
    os.environ["MPLBACKEND"] = "Agg"
    cells = [
        cell.source
        for cell in jupytext.read(project / "notebooks" / f"{NOTEBOOK}.py").cells
        if cell.cell_type == "code"
    ]
    code = [
        "\n".join(line for line in source.splitlines() if not line.lstrip().startswith("%"))
        for source in cells
    ]
    compiled = [compile(source, f"cell{n}", "exec") for n, source in enumerate(code)]
    warm = {}
    for block in compiled[:2]:  # parameters and imports, once, untimed: the process is warm
        exec(block, warm)
    import matplotlib.pyplot as plt

    clock = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
        warnings.simplefilter("ignore")  # values recorded for the index print and warn here
        for name in names:
            namespace = dict(warm)
            namespace["borough"] = name
            for block in compiled[2:]:
                exec(block, namespace)
            plt.close("all")
    return time.perf_counter() - clock


class LoadSampler:
    """Sample the 1-minute load average every 5 s, to show how busy the machine was."""

    def __init__(self):
        self.samples: list[float] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(5):
            self.samples.append(os.getloadavg()[0])

    def stop(self) -> tuple[float, float]:
        self._stop.set()
        self._thread.join()
        samples = self.samples or [os.getloadavg()[0]]
        return sum(samples) / len(samples), max(samples)


def scan_share(reports: Path) -> tuple[float, float]:
    """Seconds the runs of a pack spent in the publication scan, and in all, from manifests."""
    scan = total = 0.0
    for manifest in reports.glob("*/*/manifest.json"):
        record = json.loads(manifest.read_text(encoding="utf-8"))
        scan += float(record.get("scan_seconds") or 0.0)
        total += float(record.get("seconds") or 0.0)
    return scan, total


def verdict(ok: bool) -> str:
    return "met" if ok else "**missed**"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--boroughs", type=int, default=33)
    parser.add_argument("--skip-naive", action="store_true")
    parser.add_argument("--skip-england", action="store_true")
    parser.add_argument("--skip-kernel", action="store_true")
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="lscb-bench-"))
    project = make_project(scratch / "project")
    # A snapshot of the workbench's code, first on the path of every process started here, so
    # that edits made to the working copy while the benchmark runs cannot change its figures.
    shutil.copytree(REPO / "lscb_analysis", scratch / "code" / "lscb_analysis")
    env = {
        **os.environ,
        "LSCB_PROJECT_DIR": str(project),
        "LSCB_OUTPUT_DIRS": str(scratch),  # the benchmark's reports folders are scratch
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(scratch / "code"), os.environ.get("PYTHONPATH")])
        ),
    }
    env.pop("MPLBACKEND", None)
    lscb = [sys.executable, "-m", "lscb_analysis"]
    print("Building public_indicators in the benchmark project ...", flush=True)
    subprocess.run([*lscb, "data", "build"], env=env, check=True, capture_output=True)
    sys.path.insert(0, str(scratch / "code"))
    os.environ["LSCB_PROJECT_DIR"] = str(project)
    from lscb_analysis.core import register

    names = [area.name for area in register.london_boroughs()][: args.boroughs]
    borough_option = "all" if len(names) == 33 else ",".join(names)
    load = os.getloadavg()
    busy = LoadSampler()
    figures: dict[str, float] = {}

    print("(b) cold run ...", flush=True)
    figures["b"], memory_b = timed(
        [
            *lscb,
            "run",
            NOTEBOOK,
            "--borough",
            borough_option,
            "--out",
            str(scratch / "reports_b"),
            "-q",
        ],
        env,
        True,
    )
    print(f"    {figures['b']:.1f} s", flush=True)
    figures["scan"], figures["run_seconds"] = scan_share(scratch / "reports_b")
    print(
        f"    publication scan: {figures['scan']:.1f} s of {figures['run_seconds']:.1f} s "
        "spent in runs",
        flush=True,
    )
    print("(c) incremental run ...", flush=True)
    figures["c"], _ = timed(
        [
            *lscb,
            "run",
            NOTEBOOK,
            "--borough",
            borough_option,
            "--out",
            str(scratch / "reports_b"),
            "-q",
        ],
        env,
    )
    print(f"    {figures['c']:.1f} s", flush=True)
    if not args.skip_kernel:
        print("(b, kernel isolation) cold run with a fresh kernel per run ...", flush=True)
        figures["b_kernel"], _ = timed(
            [
                *lscb,
                "run",
                NOTEBOOK,
                "--borough",
                borough_option,
                "--isolation",
                "kernel",
                "--out",
                str(scratch / "reports_k"),
                "-q",
            ],
            env,
        )
        print(f"    {figures['b_kernel']:.1f} s", flush=True)
    print("(d) floor ...", flush=True)
    figures["d"] = floor(project, names)
    print(f"    {figures['d']:.1f} s", flush=True)
    if not args.skip_naive:
        print("(a) naive papermill + nbconvert, one borough after another ...", flush=True)
        figures["a"] = naive(project, names, env, scratch)
        print(f"    {figures['a']:.1f} s", flush=True)
    memory_e = None
    if not args.skip_england:
        print("Pack for all 153 English local authorities ...", flush=True)
        figures["england"], memory_e = timed(
            [*lscb, "pack", "--boroughs", "england", "--out", str(scratch / "reports_e"), "-q"],
            env,
            True,
        )
        figures["england_runs"] = len(list((scratch / "reports_e").glob("*/*/manifest.json")))
        print(
            f"    {figures['england']:.1f} s, peak RSS {memory_e.rss / 2**30:.2f} GiB", flush=True
        )
    write_results(figures, memory_b, memory_e, len(names), load, busy.stop())
    shutil.rmtree(scratch, ignore_errors=True)
    print(f"Wrote {RESULTS}")


def write_results(figures: dict, memory_b, memory_e, count: int, load, busy) -> None:
    """Write the figures, ratios and verdicts to benchmarks/results.md."""
    gib = 2**30
    rows = [
        ("(b) `lscb run borough_profile --borough all`, cold", figures["b"]),
        ("(c) the same again, nothing changed (incremental)", figures["c"]),
        (
            "(d) floor: the notebook's code, one warm process, no kernel/papermill/HTML",
            figures["d"],
        ),
    ]
    if "a" in figures:
        rows.insert(
            0,
            (
                "(a) naive: `papermill` then `jupyter nbconvert --to html`, per borough",
                figures["a"],
            ),
        )
    if "b_kernel" in figures:
        rows.append(
            (
                "(b) with `--isolation kernel` (a fresh kernel per run), for comparison",
                figures["b_kernel"],
            )
        )
    if "england" in figures:
        rows.append(
            (
                f"`lscb pack --boroughs england`, cold: {figures['england_runs']} runs "
                "(every notebook that applies, for 153 local authorities)",
                figures["england"],
            )
        )
    lines = [
        "# Benchmark results",
        "",
        f"Measured {datetime.now(UTC):%Y-%m-%d %H:%M} UTC by `make bench` "
        "(`benchmarks/run_benchmarks.py`) on one machine, in one run.",
        "",
        f"- cores: {os.cpu_count()}; memory: {psutil.virtual_memory().total / gib:.1f} GiB; "
        f"Python {platform.python_version()} on {platform.system()}",
        f"- load average when it started: {load[0]:.2f}, {load[1]:.2f}, {load[2]:.2f}; "
        f"1-minute load while it ran: mean {busy[0]:.2f}, highest {busy[1]:.2f} (above "
        f"{os.cpu_count()}, other work was competing for the cores and every figure is slower "
        "than on a quiet machine)",
        f"- boroughs per run: {count} (the borough_profile notebook); jobs: the number of cores",
        "",
        "| what | seconds | per run |",
        "|---|---:|---:|",
    ]
    for label, seconds in rows:
        per = seconds / (figures["england_runs"] if "153" in label else count)
        lines.append(f"| {label} | {seconds:.1f} | {per:.2f} |")
    lines += ["", "| target | figure | verdict |", "|---|---|---|"]
    if "a" in figures:
        ratio = figures["a"] / figures["b"]
        lines.append(
            f"| (b) at least 5 times faster than (a) | (a) / (b) = {ratio:.1f} | "
            f"{verdict(ratio >= 5)} |"
        )
    ratio = figures["b"] / figures["d"]
    lines.append(
        f"| (b) within 2 times the floor (d) | (b) / (d) = {ratio:.2f} | {verdict(ratio <= 2)} |"
    )
    lines.append(f"| (c) under 5 seconds | {figures['c']:.1f} s | {verdict(figures['c'] < 5)} |")
    if memory_e is not None:
        peak = memory_e.pss or memory_e.rss
        lines.append(
            f"| pack for 153 local authorities under 2 GB peak resident memory | "
            f"PSS {memory_e.pss / gib:.2f} GiB, RSS sum {memory_e.rss / gib:.2f} GiB "
            f"({memory_e.processes} processes at most) | {verdict(peak < 2e9)} |"
        )
    if figures.get("run_seconds"):
        lines.append(
            f"| (information) publication scan of every output in (b) | "
            f"{figures['scan']:.1f} s of {figures['run_seconds']:.1f} s in runs "
            f"({100 * figures['scan'] / figures['run_seconds']:.1f}%) | |"
        )
    if memory_b is not None:
        lines.append(
            f"| (information) peak memory of (b) | PSS {memory_b.pss / gib:.2f} GiB, "
            f"RSS sum {memory_b.rss / gib:.2f} GiB | |"
        )
    lines += [
        "",
        "How it is measured:",
        "",
        "- (a) converts the notebook to `.ipynb` once beforehand (not timed), then for each "
        "borough runs `papermill ... -p borough NAME -k lscb` and `jupyter nbconvert --to html "
        "--no-input`, one after another, as an analyst would by hand.",
        "- (b) starts a new `lscb` process writing to an empty reports folder: planning, the "
        "warm worker's start-up (imports once), every run (a fork of the warm worker, the "
        "notebook through papermill on an in-process kernel, HTML export, manifest) and the "
        "index are all inside the figure.",
        "- (c) is the same command again: every run is found unchanged (same notebook, "
        "parameters, input hashes, workbench version and code) and skipped; no worker starts.",
        "- (d) executes the notebook's code cells with `exec` for each borough in this "
        "benchmark process, after the imports: the analysis and the chart objects, without "
        "rendering them, without a kernel, papermill or HTML. It uses one core; (b) uses all "
        "of them, and also renders the charts to PNG and writes the HTML reports.",
        "- Memory: the whole process tree of the command, sampled every 0.25 s. RSS sums "
        "count pages shared between the warm worker and its forked children once per process "
        "(an upper bound); PSS divides shared pages between the processes sharing them.",
    ]
    RESULTS.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
