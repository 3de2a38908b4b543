"""Matching survey items to the PIs of the best-fit model, and the consultant's confirmations.

Each item a board listed in its Phase I survey return is matched to a PI by the Phase I code
the board chose, else by a suggestion from the item's wording (:func:`suggest_matches`).
Suggestions are never taken as final silently: they are written to
``data/reference/item_pi_matches.csv`` (:func:`updated_matches_file`) for the consultant to
confirm or correct, and confirmed matches are reused on the next run
(:func:`read_confirmed_matches`, :func:`apply_confirmed`). The gap analysis
(:mod:`lscb_analysis.model.gap_analysis`) builds its matrix from the matched items.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.model.catalogue import Catalogue
from lscb_analysis.model.catalogue_coverage import keyword_table

MATCHES_FILE = "item_pi_matches.csv"
MATCH_COLUMNS = [
    "item_key",
    "borough",
    "section",
    "item",
    "suggested_pi",
    "score",
    "method",
    "confirmed",
    "confirmed_pi",
    "note",
]


def item_key(text: str) -> str:
    """The normalised wording that identifies an item across runs (case, spaces, punctuation).

    >>> item_key("  Number of LADO allegations ")
    'number of lado allegations'
    """
    return register.normalise_name(text)


def _words(text: str, stop_words: set[str]) -> set[str]:
    return {w for w in item_key(text).split() if w not in stop_words}


def suggest_matches(items: pd.DataFrame, catalogue: Catalogue, rules: dict) -> pd.DataFrame:
    """Suggest the PI each survey item matches, with a score from 0 to 1.

    The board's own Phase I code (``indicator_code``) wins when a current PI carries that
    candidate code (method ``board_code``, score 1). Otherwise a PI keyword found as whole
    words in the item scores 1 (``keyword``, longest keyword wins), else the share of the PI
    title's words in the item (``title_words``) when at least ``suggest_from``.

    Returns:
        ``items`` plus ``item_key, suggested_pi, score, method`` (``none`` when no PI fits).
    """
    stop_words = {item_key(w) for w in rules["stop_words"]}
    pis = catalogue.current
    by_candidate = {
        code: pi
        for code, pi in zip(pis["candidate_code"], pis["id"], strict=True)
        if isinstance(code, str)
    }
    keywords = keyword_table(catalogue)
    keywords = keywords[keywords["pi_id"].isin(set(pis["id"]))]
    pairs = sorted(
        (
            (item_key(k), p)
            for k, p in zip(keywords["keyword"], keywords["pi_id"], strict=True)
            if item_key(k)
        ),
        key=lambda pair: len(pair[0]),
        reverse=True,
    )
    titles = {
        pi: _words(title, stop_words) for pi, title in zip(pis["id"], pis["title"], strict=True)
    }
    rows = []
    for item in items.itertuples(index=False):
        code = re.match(r"^\s*([A-Za-z]+\d+[A-Za-z]?)\b", str(item.indicator_code or ""))
        wording = f"{item.item} {item.description or ''}"
        text = f" {item_key(wording)} "
        if code and code.group(1).upper() in by_candidate:
            rows.append((by_candidate[code.group(1).upper()], 1.0, "board_code"))
            continue
        hit = next((pi for keyword, pi in pairs if f" {keyword} " in text), None)
        if hit:
            rows.append((hit, 1.0, "keyword"))
            continue
        words = _words(text, stop_words)
        scores = {pi: len(words & title) / len(title) for pi, title in titles.items() if title}
        best = max(scores, key=scores.get, default=None)
        if best is not None and scores[best] >= float(rules["suggest_from"]):
            rows.append((best, round(scores[best], 2), "title_words"))
        else:
            rows.append(("", 0.0, "none"))
    suggestions = pd.DataFrame(rows, columns=["suggested_pi", "score", "method"], index=items.index)
    return items.assign(item_key=[item_key(t) for t in items["item"]]).join(suggestions)


def read_confirmed_matches(path: Path | None = None) -> pd.DataFrame:
    """Read the consultant's confirmed and corrected matches (``item_pi_matches.csv``).

    ``confirmed`` is ``yes`` (the suggestion is right), ``no`` (the item matches no PI) or
    empty (not yet looked at); ``confirmed_pi`` corrects the PI when given. A missing file is
    an empty table.
    """
    path = path or (paths.reference_dir() / MATCHES_FILE)
    if not Path(path).is_file():
        return pd.DataFrame(columns=MATCH_COLUMNS)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    return table.reindex(columns=MATCH_COLUMNS, fill_value="")


def apply_confirmed(suggested: pd.DataFrame, confirmed: pd.DataFrame) -> pd.DataFrame:
    """Use the consultant's decisions where there are some.

    Returns:
        ``suggested`` plus ``pi_id`` (the PI used) and ``match_confirmed`` (True when the
        consultant confirmed or corrected this item's match, or the board chose the code).
    """
    decided = confirmed[
        confirmed["confirmed"].str.lower().isin(["yes", "no"]) | (confirmed["confirmed_pi"] != "")
    ]
    decisions = {(row.borough, row.item_key): row for row in decided.itertuples(index=False)}
    pi_ids, flags = [], []
    for row in suggested.itertuples(index=False):
        decision = decisions.get((row.borough, row.item_key))
        if decision is not None:
            pi = decision.confirmed_pi or (
                row.suggested_pi if decision.confirmed.lower() == "yes" else ""
            )
            pi_ids.append(pi)
            flags.append(True)
        else:
            pi_ids.append(row.suggested_pi)
            flags.append(row.method == "board_code")
    return suggested.assign(pi_id=pi_ids, match_confirmed=flags)


def updated_matches_file(suggested: pd.DataFrame, confirmed: pd.DataFrame) -> pd.DataFrame:
    """The matches file after a run: every earlier row kept, new suggestions added.

    Rows the consultant has decided are never changed; an item seen for the first time gets a
    row with its suggestion and empty ``confirmed`` for the consultant to fill.
    """
    known = set(zip(confirmed["borough"], confirmed["item_key"], strict=True))
    unseen = pd.Series(
        [
            (b, k) not in known
            for b, k in zip(suggested["borough"], suggested["item_key"], strict=True)
        ],
        index=suggested.index,
    )
    fresh = suggested[(suggested["method"] != "board_code") & unseen]
    fresh = fresh.drop_duplicates(["borough", "item_key"]).assign(
        confirmed="", confirmed_pi="", note=""
    )
    return pd.concat([confirmed, fresh[MATCH_COLUMNS]], ignore_index=True)
