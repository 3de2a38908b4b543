"""Secondary (complementary) suppression on a block of counts: the graph part of
:func:`lscb_analysis.protect.disclosure.suppress`, kept apart so disclosure.py stays readable.

Pure functions on numpy arrays: ``values`` (float counts, NaN where not a number) and
``state`` (0 shown, 1 primary, 2 secondary), changed in place by :func:`secondary`.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Iterable, Mapping

import numpy as np

_SECONDARY = 2


def secondary(
    values: np.ndarray, state: np.ndarray, total_row: int | None, total_col: int | None
) -> None:
    """Add secondary suppressions in place until no suppressed cell can be solved exactly."""
    n_rows, n_cols = values.shape
    lines: list[tuple[list[tuple[int, int]], tuple[int, int]]] = []
    if total_col is not None:
        lines += [([(i, j) for j in range(n_cols)], (i, total_col)) for i in range(n_rows)]
    if total_row is not None:
        lines += [([(i, j) for i in range(n_rows)], (total_row, j)) for j in range(n_cols)]
    if not lines:
        return
    two_way = total_row is not None and total_col is not None
    unfixable: set[tuple[int, int]] = set()
    while True:
        changed = False
        for cells, total in lines:
            suppressed = [cell for cell in cells if state[cell]]
            if len(suppressed) != 1:
                continue
            pick = _smallest(cells, total, values, state)
            if pick is not None:
                state[pick] = _SECONDARY
                changed = True
        if changed:
            continue
        if not two_way:
            return
        bridge = _find_bridge(state, unfixable)
        if bridge is None:
            return
        cell, side_a, side_b = bridge
        candidates = [
            (i, j)
            for i in range(n_rows)
            for j in range(n_cols)
            if (("r", i) in side_a and ("c", j) in side_b)
            or (("r", i) in side_b and ("c", j) in side_a)
        ]
        pick = _smallest(candidates, None, values, state)
        if pick is None:
            unfixable.add(cell)
        else:
            state[pick] = _SECONDARY


def _smallest(
    cells: Iterable[tuple[int, int]],
    total: tuple[int, int] | None,
    values: np.ndarray,
    state: np.ndarray,
) -> tuple[int, int] | None:
    """Pick the complement: smallest non-zero published number, then the total, then a zero."""
    best: tuple[int, int] | None = None
    best_key: tuple[bool, float, bool] | None = None
    for cell in cells:
        value = values[cell]
        if state[cell] or math.isnan(value):
            continue
        key = (value == 0, float(value), cell == total)
        if best_key is None or key < best_key:
            best, best_key = cell, key
    return best


def _find_bridge(
    state: np.ndarray, unfixable: set[tuple[int, int]]
) -> tuple[tuple[int, int], set[tuple[str, int]], set[tuple[str, int]]] | None:
    """Find a suppressed cell that is a bridge of the row-column graph (so it is solvable).

    In a two-way table where every row and column has a published total, the suppressed
    cells are the edges of a bipartite graph between rows and columns; a suppressed value
    can be calculated exactly if and only if its edge lies on no cycle. Returns the cell and
    the two sides the graph falls into without it, or None when every suppressed cell is safe.
    """
    adjacency: dict[tuple[str, int], set[tuple[str, int]]] = {}
    cells = [(int(i), int(j)) for i, j in zip(*np.nonzero(state), strict=True)]
    for i, j in cells:
        adjacency.setdefault(("r", i), set()).add(("c", j))
        adjacency.setdefault(("c", j), set()).add(("r", i))
    for i, j in cells:
        if (i, j) in unfixable:
            continue
        side_a = _reach(adjacency, ("r", i), skip=(("r", i), ("c", j)))
        if ("c", j) in side_a:
            continue
        side_b = _reach(adjacency, ("c", j), skip=(("r", i), ("c", j)))
        return (i, j), side_a, side_b
    return None


def _reach(
    adjacency: Mapping[tuple[str, int], set[tuple[str, int]]],
    start: tuple[str, int],
    skip: tuple[tuple[str, int], tuple[str, int]],
) -> set[tuple[str, int]]:
    """Vertices reachable from ``start`` without using the edge ``skip`` (either direction)."""
    seen = {start}
    queue = deque([start])
    while queue:
        node = queue.popleft()
        for other in adjacency.get(node, ()):
            if {node, other} == set(skip) or other in seen:
                continue
            seen.add(other)
            queue.append(other)
    return seen
