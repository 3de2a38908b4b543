"""Matching survey items to the PIs of the best-fit model, and the consultant's decisions.

Each item a board listed in its Phase I survey return is matched to a PI by the code the board
chose, else by its wording (:func:`suggest_matches`, scored by
:mod:`lscb_analysis.model.match_text`). Every match shows its score and the words it matched
on; only a clear one (score at least ``apply_from`` in ``gap_rules.yaml``, no other PI close)
is applied without asking. The others wait in ``data/reference/item_pi_matches.csv``
(:func:`updated_matches_file`) for the consultant to confirm, correct or reject; decisions are
reused on the next run (:func:`read_confirmed_matches`, :func:`apply_confirmed`), and a
rejected match is never suggested again for that wording. The gap analysis
(:mod:`lscb_analysis.model.gap_analysis`) builds its matrix from the matched items.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd

from lscb_analysis.core import paths, register
from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.model.catalogue import Catalogue
from lscb_analysis.model.catalogue_enums import load_candidates
from lscb_analysis.model.match_text import MatchWords, load_match_words, pi_words, score_item

MATCHES_FILE = "item_pi_matches.csv"
MATCH_COLUMNS = [
    "item_key",
    "borough",
    "section",
    "item",
    "suggested_pi",
    "score",
    "method",
    "matched_words",
    "applied",
    "alternatives",
    "confirmed",
    "confirmed_pi",
    "note",
]
SUGGESTION_COLUMNS = [
    "suggested_pi",
    "score",
    "method",
    "matched_words",
    "auto_apply",
    "alternatives",
]
CODE_PATTERN = re.compile(r"^\s*(BF-[A-Za-z]+-\d+|[A-Za-z]+\d+[A-Za-z]?)\b", re.IGNORECASE)
ALTERNATIVE = re.compile(r"(BF-[A-Z]+-\d+) ([\d.]+) \(([^)]*)\)")
NO_PI = "none"
PI_ID = re.compile(r"BF-[A-Z]+-\d+", re.IGNORECASE)


def item_key(text: str) -> str:
    """The normalised wording that identifies an item across runs (case, spaces, punctuation).

    >>> item_key("  Number of LADO allegations ")
    'number of lado allegations'
    """
    return register.normalise_name(text)


def _ranked(
    content: list[str], pis: dict, words: MatchWords, only: set[str] | None = None
) -> list[tuple[str, float, list[str], str]]:
    """Every PI that accounts for the item, best first: (pi, score, matched words, phrase)."""
    scored = []
    for pi_id, pi in pis.items():
        if only is not None and pi_id not in only:
            continue
        found = score_item(content, pi, words)
        if found is not None:
            scored.append((pi_id, *found))
    return sorted(scored, key=lambda s: (-s[1], -len(s[2])))


def _alternatives(ranked: list, limit: int = 3) -> str:
    return "; ".join(f"{pi} {score:.2f} ({' '.join(w)})" for pi, score, w, _ in ranked[:limit])


def _from_words(ranked: list, rules: dict, method: str) -> tuple:
    """The suggestion from the ranked PIs: (pi, score, method, matched, auto_apply, others)."""
    if not ranked or ranked[0][1] < float(rules["suggest_from"]):
        return ("", ranked[0][1] if ranked else 0.0, "none", "", False, _alternatives(ranked))
    pi, score, matched, _phrase = ranked[0]
    # Clear: high enough, and every other PI scores well below it or accounts only for some
    # of the same words (a strict part of them).
    close = [
        other
        for other in ranked[1:]
        if score - other[1] < float(rules["apply_margin"]) and not set(other[2]) < set(matched)
    ]
    clear = score >= float(rules["apply_from"]) and not close
    return (pi, score, method, " ".join(matched), clear, _alternatives(ranked[1:]))


def _suggest_one(code: str, content: list[str], pis: dict, context: dict) -> tuple:
    """One item's suggestion (see :func:`suggest_matches`)."""
    words, rules, by_candidate = context["words"], context["rules"], context["by_candidate"]
    found = CODE_PATTERN.match(code)
    code = found.group(1).upper() if found else ""
    ranked = _ranked(content, pis, words)
    if code in pis:
        targets = [code]
    elif code in by_candidate:
        targets = by_candidate[code]
    else:
        return _from_words(ranked, rules, "words")
    said = f"board code {code}" + (
        f" ({context['titles'][code]})" if code in context["titles"] else ""
    )
    if not targets:  # a Phase I code that is no current PI of this version
        return ("", 1.0, "board_code", f"{said}: no current PI", True, _alternatives(ranked))
    if len(targets) > 1:  # a Phase I candidate split into several PIs: the wording chooses
        return _from_words(_ranked(content, pis, words, set(targets)), rules, "board_code+words")
    wording = _from_words(ranked, rules, "words")
    if wording[4] and wording[0] != targets[0]:  # the wording clearly says another PI
        note = f"{said} is {targets[0]}, but the wording says {wording[0]} ({wording[3]})"
        return (targets[0], 1.0, "board_code", note, False, _alternatives(ranked))
    return (targets[0], 1.0, "board_code", f"{said} is {targets[0]}", True, _alternatives(ranked))


def suggest_matches(items: pd.DataFrame, catalogue: Catalogue, rules: dict) -> pd.DataFrame:
    """Suggest the PI each survey item matches, with its score and the words it matched on.

    The board's own code (``indicator_code``: a PI id such as ``BF-CP-05`` or a Phase I
    candidate code such as ``CP05``) wins (method ``board_code``, score 1), unless the wording
    clearly names another PI (then it waits for confirmation); a Phase I code that no current
    PI carries means the item matches no PI. Otherwise the item's wording is scored against
    every current PI (:func:`lscb_analysis.model.match_text.score_item`; method ``words``):
    the item's own words first, then, when they do not make a clear match, the item with its
    ``description`` (a board's description adds words, and so may find a match or lower the
    score, but never undoes a clear match of the item itself).

    Inputs: ``items`` (``item, description, indicator_code`` and any other columns);
    ``catalogue``; ``rules``: ``gap_rules.yaml`` (``suggest_from, apply_from, apply_margin,
    stop_words``).
    Returns: ``items`` plus ``item_key, suggested_pi`` (empty when no PI fits), ``score`` (0
    to 1), ``method`` (``board_code``, ``board_code+words``, ``words`` or ``none``),
    ``matched_words``, ``auto_apply`` (True: clear enough to apply without asking) and
    ``alternatives`` (the next PIs with their scores and words).
    Raises: ReferenceDataError when a matching rule is missing from ``rules``.
    """
    missing = [
        k for k in ("suggest_from", "apply_from", "apply_margin", "stop_words") if k not in rules
    ]
    if missing:
        raise ReferenceDataError(
            f"gap_rules.yaml has no {', '.join(missing)}: add the matching rules back (see the "
            "comments in data/reference/gap_rules.yaml)."
        )
    words = load_match_words(rules)
    pis = pi_words(catalogue, words)
    by_candidate: dict[str, list[str]] = {
        str(code).upper(): [] for code in catalogue.pis["candidate_code"] if isinstance(code, str)
    }
    for code, pi in zip(catalogue.current["candidate_code"], catalogue.current["id"], strict=True):
        if isinstance(code, str):
            by_candidate[code.upper()].append(pi)
    candidates = load_candidates()
    titles = {
        str(c).upper(): str(t) for c, t in zip(candidates["code"], candidates["title"], strict=True)
    }
    for code in titles:
        by_candidate.setdefault(code, [])
    context = {"words": words, "rules": rules, "by_candidate": by_candidate, "titles": titles}
    rows = []
    for row in items.itertuples(index=False):
        code = str(row.indicator_code or "")
        found = _suggest_one(code, words.content(row.item), pis, context)
        description = str(row.description or "").strip()
        if description and not found[4]:  # the item's own words are not enough
            found = _suggest_one(code, words.content(f"{row.item} {description}"), pis, context)
        rows.append(found)
    suggestions = pd.DataFrame(rows, columns=SUGGESTION_COLUMNS, index=items.index)
    return items.assign(item_key=[item_key(t) for t in items["item"]]).join(suggestions)


def read_confirmed_matches(path: Path | None = None) -> pd.DataFrame:
    """Read the consultant's decisions on matches (``item_pi_matches.csv``).

    ``confirmed`` is ``yes`` (the suggestion is right), ``no`` (the suggested PI is wrong for
    this wording: it is never suggested again) or empty (not yet looked at); ``confirmed_pi``
    corrects the PI when given (``none``: the item matches no PI). A missing file is an empty
    table; a file from an earlier release gets the new columns, empty.

    Raises: ReferenceDataError naming the row and column of a ``confirmed`` that is not yes,
    no or empty, or a ``confirmed_pi`` that is not a PI id or ``none``.
    """
    path = path or (paths.reference_dir() / MATCHES_FILE)
    if not Path(path).is_file():
        return pd.DataFrame(columns=MATCH_COLUMNS)
    table = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    table = table.reindex(columns=MATCH_COLUMNS, fill_value="")
    for line, row in enumerate(table.itertuples(index=False), start=2):
        answer, fixed = str(row.confirmed).strip().lower(), str(row.confirmed_pi).strip()
        if answer not in ("", "yes", "no"):
            raise ReferenceDataError(
                f"{path}, row {line}, column confirmed: {row.confirmed!r} is not yes, no or "
                "empty. Write yes (the suggested PI is right), no (it is wrong) or leave it empty."
            )
        if fixed and fixed.lower() != NO_PI and not PI_ID.fullmatch(fixed):
            raise ReferenceDataError(
                f"{path}, row {line}, column confirmed_pi: {fixed!r} is not a PI id. Write the "
                "PI's id as in the best-fit model (for example BF-CP-05), or none."
            )
    return table


def _decisions(confirmed: pd.DataFrame) -> dict:
    """The consultant's decisions, by wording: corrections (per board and for any board),
    accepted and rejected (wording, PI) pairs."""
    out: dict = {"corrected": {}, "corrected_any": {}, "accepted": set(), "rejected": set()}
    for row in confirmed.itertuples(index=False):
        answer = str(row.confirmed).strip().lower()
        fixed = str(row.confirmed_pi).strip()
        if fixed:
            pi = "" if fixed.lower() == NO_PI else fixed.upper()
            out["corrected"][(row.borough, row.item_key)] = pi
            out["corrected_any"].setdefault(row.item_key, pi)
            if row.suggested_pi and row.suggested_pi != pi:
                out["rejected"].add((row.item_key, row.suggested_pi))
        elif answer == "yes" and row.suggested_pi:
            out["accepted"].add((row.item_key, row.suggested_pi))
        elif answer == "no" and row.suggested_pi:
            out["rejected"].add((row.item_key, row.suggested_pi))
    return out


def _effective(suggested: pd.DataFrame, rejected: set) -> pd.DataFrame:
    """``suggested`` with each rejected suggestion replaced by the best alternative not
    rejected (never applied without asking), or by no suggestion."""
    out = suggested.copy()
    for index, row in suggested.iterrows():
        if not row["suggested_pi"] or (row["item_key"], row["suggested_pi"]) not in rejected:
            continue
        left = [
            alt
            for alt in ALTERNATIVE.findall(str(row["alternatives"]))
            if (row["item_key"], alt[0]) not in rejected
        ]
        pi, score, matched = left[0] if left else ("", "0", "")
        out.loc[index, ["suggested_pi", "matched_words", "method"]] = [
            pi,
            matched,
            "after_rejection",
        ]
        out.loc[index, "score"] = float(score)
        out.loc[index, "auto_apply"] = False
    return out


def _status(row, decisions: dict) -> tuple[str, bool, str]:
    """(PI applied, confirmed by a person, match status) of one item."""
    corrected = decisions["corrected"].get((row.borough, row.item_key))
    if corrected is None:
        corrected = decisions["corrected_any"].get(row.item_key)
    if corrected is not None:
        return corrected, True, "corrected" if corrected else "confirmed: no PI"
    if row.suggested_pi and (row.item_key, row.suggested_pi) in decisions["accepted"]:
        return row.suggested_pi, True, "confirmed"
    if row.method == "board_code" and row.auto_apply:
        return row.suggested_pi, True, "board code" if row.suggested_pi else "board code: no PI"
    if row.suggested_pi and row.auto_apply:
        return row.suggested_pi, False, "applied"
    if row.suggested_pi:
        return "", False, "to confirm"
    if row.method == "after_rejection":
        return "", True, "rejected"
    return "", False, "no match"


def apply_confirmed(suggested: pd.DataFrame, confirmed: pd.DataFrame) -> pd.DataFrame:
    """The PI each item is matched to: the consultant's decision where there is one, else a
    clear suggestion; a suggestion that is not clear is not applied (it waits for
    confirmation in the matches file).

    Inputs: ``suggested`` (:func:`suggest_matches`); ``confirmed``
    (:func:`read_confirmed_matches`). A decision made for a wording in one board's return is
    used for the same wording in every return; a rejected PI is never suggested again for it.
    Returns: ``suggested`` (suggestion columns after rejections; ``score`` 1 for a corrected
    item) plus ``pi_id`` (the PI used, empty for none), ``match_confirmed`` (True when a person decided: the consultant,
    or the board by its code) and ``match_status`` (``board code``, ``board code: no PI``,
    ``confirmed``, ``corrected``, ``confirmed: no PI``, ``rejected``, ``applied`` (automatic,
    clear), ``to confirm`` (not applied) or ``no match``).
    """
    decisions = _decisions(confirmed)
    effective = _effective(suggested, decisions["rejected"])
    statuses = [_status(row, decisions) for row in effective.itertuples(index=False)]
    # A corrected item's score was for the PI the consultant turned down: the person's choice
    # stands as a full match.
    corrected = pd.Series([s[2] == "corrected" for s in statuses], index=effective.index)
    return effective.assign(
        score=effective["score"].where(~corrected, 1.0),
        pi_id=[s[0] for s in statuses],
        match_confirmed=[s[1] for s in statuses],
        match_status=[s[2] for s in statuses],
    )


def updated_matches_file(suggested: pd.DataFrame, confirmed: pd.DataFrame) -> pd.DataFrame:
    """The matches file after a run: the consultant's rows kept, this run's suggestions added.

    Rows the consultant has decided or annotated (``confirmed``, ``confirmed_pi`` or ``note``
    filled) are kept unchanged; rows nobody has touched are written again from this run, so
    the list never shows a stale suggestion. Each item the board did not code clearly gets a
    row for its current suggestion (after rejections), showing the score, the words matched,
    whether it was applied (``applied``: ``yes`` or ``no``) and the next PIs, with
    ``confirmed`` empty for the consultant to fill.
    Output: ``MATCH_COLUMNS``.
    """
    decisions = _decisions(confirmed)
    kept = confirmed[
        (confirmed["confirmed"].str.strip() != "")
        | (confirmed["confirmed_pi"].str.strip() != "")
        | (confirmed["note"].str.strip() != "")
    ]
    current = apply_confirmed(suggested, confirmed)
    known = set(zip(kept["borough"], kept["item_key"], kept["suggested_pi"], strict=True))
    wanted = [
        (b, k, p) not in known
        and status in ("applied", "to confirm", "no match")
        and (b, k) not in decisions["corrected"]
        for b, k, p, status in zip(
            current["borough"],
            current["item_key"],
            current["suggested_pi"],
            current["match_status"],
            strict=True,
        )
    ]
    fresh = current[pd.Series(wanted, index=current.index, dtype=bool)]
    fresh = fresh.drop_duplicates(["borough", "item_key", "suggested_pi"]).assign(
        applied=lambda t: ["yes" if s == "applied" else "no" for s in t["match_status"]],
        confirmed="",
        confirmed_pi="",
        note="",
    )
    return pd.concat([kept, fresh[MATCH_COLUMNS]], ignore_index=True)
