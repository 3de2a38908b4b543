"""Comparing two versions of the best-fit model: what was added, removed, changed or moved.

* :func:`diff_catalogues` gives the differences as a table (``lscb model diff`` and the
  consultation notebook);
* :func:`format_diff` gives them as readable text.
"""

from __future__ import annotations

import math
import textwrap
from typing import Any

import pandas as pd

from lscb_analysis.model.catalogue import PI_COLUMNS, Catalogue

DIFF_COLUMNS = ["change", "pi_id", "field", "old", "new"]
DIFF_FIELDS: list[str] = [
    c
    for c in PI_COLUMNS
    if c not in ("goal_title", "cluster_title", "cluster_narrative", "position", "id")
]
"""PI fields compared by :func:`diff_catalogues` (``goal`` and ``cluster`` show moves)."""


def diff_catalogues(a: Catalogue, b: Catalogue) -> pd.DataFrame:
    """Say what changed from catalogue ``a`` (older) to ``b`` (newer).

    Output: DataFrame with columns ``change`` (``added``, ``removed`` or ``changed``),
    ``pi_id``, ``field``, ``old``, ``new`` (text; lists joined by "; ", missing values empty).
    A PI added or removed is one row (``field`` empty, ``old``/``new`` its title and
    cluster); a PI in both gets one ``changed`` row per field in :data:`DIFF_FIELDS` that
    differs, a move showing as ``goal`` and/or ``cluster`` rows. Goals and clusters added,
    removed or retitled follow, with ``pi_id`` empty and ``field`` naming them (e.g.
    ``cluster G6.2 title``). Rows: removed, added, changed, then goals and clusters. Raises
    nothing.

    >>> from lscb_analysis.model.catalogue import load_catalogue
    >>> old, new = load_catalogue("0.1"), load_catalogue("1.0")
    >>> diff = diff_catalogues(old, new)
    >>> sorted(set(diff["change"]))
    ['added', 'changed', 'removed']
    >>> diff_catalogues(new, new).empty
    True
    """
    old = a.pis.set_index("id", drop=False)
    new = b.pis.set_index("id", drop=False)
    rows: list[tuple[str, str, str, str, str]] = []
    for pi_id in old.index:
        if pi_id not in new.index:
            rows.append(("removed", pi_id, "", _pi_label(old.loc[pi_id]), ""))
    for pi_id in new.index:
        if pi_id not in old.index:
            rows.append(("added", pi_id, "", "", _pi_label(new.loc[pi_id])))
    for pi_id in new.index:
        if pi_id not in old.index:
            continue
        for field in DIFF_FIELDS:
            was, now = _text_value(old.at[pi_id, field]), _text_value(new.at[pi_id, field])
            if was != now:
                rows.append(("changed", pi_id, field, was, now))
    rows += _structure_changes(a, b)
    return pd.DataFrame(rows, columns=DIFF_COLUMNS)


def format_diff(a: Catalogue, b: Catalogue, diff: pd.DataFrame | None = None) -> str:
    """Return the differences between two versions as text, for ``lscb model diff V1 V2``.

    Inputs: the older and newer catalogue; ``diff`` from :func:`diff_catalogues` (None: it is
    computed). Output: a heading (versions, dates, what the newer one followed, PI counts),
    then sections "Removed", "Added", "Changed" (each changed field with its old and new
    value, long texts wrapped) and "Goals and clusters". Raises nothing.

    >>> from lscb_analysis.model.catalogue import load_catalogue
    >>> text = format_diff(load_catalogue("0.1"), load_catalogue("0.2"))
    >>> print(text.splitlines()[0])
    Best-fit model: version 0.1 (2016-01-29) -> version 0.2 (2016-03-18)
    """
    diff = diff_catalogues(a, b) if diff is None else diff
    lines = [
        f"Best-fit model: version {a.version} ({a.date.isoformat()}) -> version {b.version} "
        f"({b.date.isoformat()})",
        f"Version {b.version} followed: {b.consultation}",
    ]
    pi_rows = diff.loc[diff["pi_id"] != ""]
    counts = {
        kind: pi_rows.loc[pi_rows["change"] == kind, "pi_id"].nunique()
        for kind in ("added", "removed", "changed")
    }
    lines.append(
        f"{len(a.pis)} PIs -> {len(b.pis)} PIs: {counts['added']} added, {counts['removed']} "
        f"removed, {counts['changed']} changed."
    )
    if diff.empty:
        lines.append("No differences.")
        return "\n".join(lines) + "\n"
    for kind, heading, mark in (("removed", "Removed", "-"), ("added", "Added", "+")):
        part = pi_rows.loc[pi_rows["change"] == kind]
        if not part.empty:
            lines += ["", f"{heading} ({len(part)})"]
            lines += [
                f"  {mark} {row.pi_id}  {row.old or row.new}"
                for row in part.itertuples(index=False)
            ]
    changed = pi_rows.loc[pi_rows["change"] == "changed"]
    if not changed.empty:
        lines += ["", f"Changed ({changed['pi_id'].nunique()})"]
        for pi_id, group in changed.groupby("pi_id", sort=False):
            lines.append(f"  ~ {pi_id}  {b.pi(pi_id)['title']}")
            for row in group.itertuples(index=False):
                lines += _format_change(row.field, row.old, row.new)
    structure = diff.loc[diff["pi_id"] == ""]
    if not structure.empty:
        lines += ["", "Goals and clusters"]
        for row in structure.itertuples(index=False):
            if row.change == "changed":
                lines += [f"  ~ {row.field}", *_format_change("", row.old, row.new)]
            else:
                mark = "+" if row.change == "added" else "-"
                lines.append(f"  {mark} {row.field}: {row.new or row.old}")
    return "\n".join(lines) + "\n"


# --- internals: diff ------------------------------------------------------------------


def _text_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, tuple | list):
        return "; ".join(str(v) for v in value)
    if isinstance(value, float):
        if math.isnan(value):
            return ""
        return f"{value:g}"
    try:
        if pd.isna(value):
            return ""
    except (TypeError, ValueError):
        pass
    return str(value)


def _pi_label(row: pd.Series) -> str:
    return f"{row['title']} [{row['cluster']} {row['cluster_title']}]"


def _structure_changes(a: Catalogue, b: Catalogue) -> list[tuple[str, str, str, str, str]]:
    rows: list[tuple[str, str, str, str, str]] = []
    for kind, frame_a, frame_b, key, fields in (
        ("goal", a.goals, b.goals, "goal", ("goal_title", "goal_short_title", "goal_description")),
        (
            "cluster",
            a.clusters,
            b.clusters,
            "cluster",
            ("goal", "cluster_title", "cluster_narrative"),
        ),
    ):
        old = frame_a.set_index(key)
        new = frame_b.set_index(key)
        title = f"{kind}_title"
        for item in old.index.difference(new.index, sort=False):
            rows.append(("removed", "", f"{kind} {item}", str(old.at[item, title]), ""))
        for item in new.index.difference(old.index, sort=False):
            rows.append(("added", "", f"{kind} {item}", "", str(new.at[item, title])))
        for item in new.index.intersection(old.index, sort=False):
            for field in fields:
                was, now = _text_value(old.at[item, field]), _text_value(new.at[item, field])
                if was != now:
                    label = field.replace(f"{kind}_", "")
                    rows.append(("changed", "", f"{kind} {item} {label}", was, now))
    return rows


def _format_change(field: str, old: str, new: str) -> list[str]:
    indent = "      "
    head = f"    {field}: " if field else ""
    if len(old) + len(new) < 60:
        return [f"{head or indent}{old or '(none)'} -> {new or '(none)'}"]
    lines = [head.rstrip()] if head else []
    for label, text in (("was", old), ("now", new)):
        wrapped = textwrap.wrap(
            text or "(none)",
            88,
            initial_indent=f"{indent}{label}: ",
            subsequent_indent=indent + "     ",
        )
        lines += wrapped
    return lines


# --- internals: workbooks -------------------------------------------------------------
