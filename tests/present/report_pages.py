"""Small report pages built for the presentation tests (a module, not a conftest, so tests in
this folder import them by name)."""

from __future__ import annotations

import nbformat
import pandas as pd

from lscb_analysis.present import report_html


def table_page(names: list[str]) -> str:
    """A board report holding one table of files: ``names``, a status, a sentence naming the
    first file, and a count."""
    table = pd.DataFrame(
        {
            "File": names,
            "Status": ["used"] * len(names),
            "Why": ["Replaced by " + names[0] + " from the same organisation."] * len(names),
            "Answers": [31] * len(names),
        }
    ).to_html(index=False)
    cells = [
        nbformat.v4.new_markdown_cell("# Files\nWhat happened to each."),
        nbformat.v4.new_code_cell(
            "t",
            execution_count=1,
            outputs=[
                nbformat.v4.new_output(
                    "execute_result",
                    data={"text/html": table, "text/plain": "t"},
                    execution_count=1,
                )
            ],
        ),
    ]
    return report_html.export_html(nbformat.v4.new_notebook(cells=cells), "board")


LONG_NAMES = [f"SYNTHETIC_feedback_borough_number_{n}_returned_form.xlsx" for n in range(5)]
