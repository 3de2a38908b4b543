"""The report index: one static page listing every run of every notebook.

:func:`write_index` reads each run's ``manifest.json`` under the reports folder and writes
``index.html`` beside them: notebook, borough, status, when and how long, and a link to the
report (or, for a failed run, to the executed notebook kept as its log).
"""

from __future__ import annotations

import html
import json
from pathlib import Path

import pandas as pd

from lscb_analysis import io
from lscb_analysis.errors import DataFileError

INDEX_COLUMNS = ["notebook", "borough", "status", "error", "started", "seconds", "link",
                 "manifest"]

PAGE = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>LSCB workbench reports</title>
<style>
body {{ font-family: Arial, Helvetica, sans-serif; margin: 2em; color: #1b1b1b; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ccc; padding: 0.4em 0.6em; text-align: left;
  vertical-align: top; }}
th {{ background: #f0f0f0; }}
.ok {{ color: #0b6e4f; font-weight: bold; }}
.failed {{ color: #b00020; font-weight: bold; }}
@media print {{ a {{ color: inherit; }} }}
</style></head>
<body>
<h1>LSCB workbench reports</h1>
<p>{summary}</p>
<table>
<thead><tr><th>Notebook</th><th>Borough</th><th>Status</th><th>Started (UTC)</th>
<th>Run time (s)</th><th>Report</th></tr></thead>
<tbody>
{rows}
</tbody></table>
</body></html>
"""


def collect_runs(reports_dir: Path) -> pd.DataFrame:
    """Read every ``manifest.json`` below ``reports_dir``.

    Returns:
        One row per run with ``INDEX_COLUMNS``; ``link`` and ``manifest`` are paths relative
        to ``reports_dir``. Sorted by notebook and borough.

    Raises:
        DataFileError: a manifest is not valid JSON (the message names it).
    """
    rows = []
    for manifest_path in sorted(Path(reports_dir).rglob("manifest.json")):
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise DataFileError(
                f"{manifest_path} is not valid JSON ({error}). Re-run that report or delete "
                "its folder."
            ) from error
        run_dir = manifest_path.parent.relative_to(reports_dir)
        outputs = manifest.get("outputs", {})
        target = outputs.get("html") or outputs.get("notebook")
        rows.append({
            "notebook": manifest.get("notebook", run_dir.parts[0]),
            "borough": manifest.get("borough", ""),
            "status": manifest.get("status", "unknown"),
            "error": (manifest.get("error") or "").splitlines()[0] if manifest.get("error")
            else "",
            "started": manifest.get("started", ""),
            "seconds": manifest.get("seconds"),
            "link": (run_dir / target).as_posix() if target else "",
            "manifest": (run_dir / "manifest.json").as_posix(),
        })
    return pd.DataFrame(rows, columns=INDEX_COLUMNS).sort_values(
        ["notebook", "borough"], ignore_index=True
    )


def render_index(runs: pd.DataFrame) -> str:
    """Return the index page's HTML for the runs from :func:`collect_runs`."""
    body = []
    for run in runs.itertuples(index=False):
        status = html.escape(run.status)
        if run.error:
            status += f"<br><small>{html.escape(run.error)}</small>"
        link = (f'<a href="{html.escape(run.link)}">{"report" if run.status == "ok" else "log"}'
                "</a>" if run.link else "")
        link += f' · <a href="{html.escape(run.manifest)}">manifest</a>'
        body.append(
            f"<tr><td>{html.escape(run.notebook)}</td><td>{html.escape(run.borough)}</td>"
            f'<td class="{html.escape(run.status)}">{status}</td>'
            f"<td>{html.escape(run.started)}</td><td>{'' if run.seconds is None else run.seconds}"
            f"</td><td>{link}</td></tr>"
        )
    failed = int((runs["status"] != "ok").sum())
    summary = f"{len(runs)} runs, {len(runs) - failed} ok, {failed} failed."
    return PAGE.format(summary=summary, rows="\n".join(body))


def write_index(reports_dir: Path) -> Path:
    """Rebuild ``<reports_dir>/index.html`` from the manifests there and return its path."""
    runs = collect_runs(Path(reports_dir))
    return io.write_text(render_index(runs), Path(reports_dir) / "index.html")
