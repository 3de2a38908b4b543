"""Consultation across versions of the best-fit model: which answers carry to a later version.

Every answer on a returned feedback form is tied to its PI and to the fingerprint of what the
respondent saw (definition, numerator, denominator, rating:
:func:`lscb_analysis.model.feedback_form.pi_fingerprint`). When the model moves on:

* an answer about a PI that did not change carries over, marked "carried from v1.0";
* an answer about a PI that changed is kept but not counted, marked "the PI changed since:
  confirm" (ask the respondent again);
* a PI nobody has seen yet is "not yet consulted".

:func:`answers_for_version` gives the answers that stand for one version (one per
respondent and PI); :func:`consultation_standing` counts each kind per PI;
:func:`carry_table` and :func:`format_carry` say, for ``lscb model diff V1 V2``, which answers
carry from V1 to V2 and which need asking again. All are pure functions of the ingest's
``responses`` table (:attr:`lscb_analysis.model.consultation_config.FeedbackIngest.responses`).
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model.consultation_config import squeeze
from lscb_analysis.model.feedback_form import pi_fingerprints

STANDINGS = ("answered", "carried", "to_confirm")
"""How an answer stands for a version: given on it, carried unchanged, or to confirm."""
STANDING_COLUMNS: list[str] = [
    "pi_id",
    "title",
    "change",
    "respondents",
    "answered",
    "carried",
    "to_confirm",
    "from_versions",
    "consultation",
]
"""Columns of :func:`consultation_standing`."""
CARRY_COLUMNS: list[str] = ["pi_id", "title", "change", "answers", "carry", "ask_again", "what"]
"""Columns of :func:`carry_table`."""
NOT_CONSULTED = "not yet consulted"
_ANSWER_FIELDS = ("choice", "suggested_rating", "suggested_wording", "comment")


def _respondent(responses: pd.DataFrame) -> pd.Series:
    """Who answered: the organisation as written (case and spaces aside), else the file."""
    organisation = responses["organisation"].map(squeeze)
    return organisation.where(organisation != "", "file:" + responses["file"])


def _unlisted(mine: pd.DataFrame, prints: dict[str, str]) -> pd.DataFrame:
    """Blank rows for PIs a respondent's version held but their form had no row for.

    A form with rows deleted still showed the respondent those PIs: they count as "no
    answer" (as the ingest's ``pis_missing`` query says), not as "not consulted".
    """
    catalogues = {v: catalogue_module.load_catalogue(v) for v in set(mine["version"])}
    held = {v: pi_fingerprints(c) for v, c in catalogues.items()}
    rows = []
    for (_who, version), group in mine.groupby(["respondent", "version"], sort=False):
        first = group.iloc[0]
        for pi_id in set(held[version]) & set(prints) - set(group["pi_id"]):
            row = {**first.to_dict(), "pi_id": pi_id, "fingerprint": held[version][pi_id]}
            row.update({name: "" for name in _ANSWER_FIELDS})
            row.update({"suggested_wording": "", "comment": "", "cell": "", "row": 0})
            rows.append(row)
    return pd.DataFrame(rows, columns=mine.columns)


def answers_for_version(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """The answers that stand for one version: one row per respondent and PI of the version.

    Inputs: ``responses`` (the ingest's table: columns of
    :data:`~lscb_analysis.model.consultation_config.RESPONSE_COLUMNS`; only ``used`` rows on
    this version or an earlier one count); ``catalogue`` (the version summarised).

    For each respondent (the organisation, or the file when none is given) and PI, the answer
    from the latest version they answered it on is taken (a blank row on a later form does not
    hide an earlier answer); when they never answered it, their latest row (no answer).

    Output: the response columns plus ``respondent``, ``standing`` (``answered``: given on this
    version; ``carried``: given on an earlier version about the PI as it still is;
    ``to_confirm``: given on an earlier version about the PI as it was), ``from_version`` and
    ``note`` ("", ``"carried from v1.0"`` or ``"the PI changed since v1.0: confirm"``). Only
    ``answered`` and ``carried`` answers count as support; ``to_confirm`` ones are listed.
    Raises nothing (a response without a fingerprint counts as changed).
    """
    target = catalogue_module.version_key(catalogue.version)
    prints = pi_fingerprints(catalogue)
    columns = [*responses.columns, "respondent", "standing", "from_version", "note"]
    if responses.empty:
        return pd.DataFrame(columns=columns)
    keys = responses["version"].map(catalogue_module.version_key)
    mine = responses[
        responses["used"].astype(bool) & (keys <= target) & responses["pi_id"].isin(list(prints))
    ].copy()
    if mine.empty:
        return pd.DataFrame(columns=columns)
    mine["respondent"] = _respondent(mine)
    mine = pd.concat([mine, _unlisted(mine, prints)], ignore_index=True)
    mine["_answered"] = mine[list(_ANSWER_FIELDS)].astype(str).ne("").any(axis=1)
    mine["_key"] = mine["version"].map(catalogue_module.version_key)
    mine = mine.sort_values(["_answered", "_key", "date", "file"], ascending=False, kind="stable")
    mine = mine.drop_duplicates(["respondent", "pi_id"], keep="first")
    same = mine["_key"] == target
    unchanged = mine["fingerprint"] == mine["pi_id"].map(prints)
    mine["standing"] = "to_confirm"
    mine.loc[~same & unchanged, "standing"] = "carried"
    mine.loc[same, "standing"] = "answered"
    mine["from_version"] = mine["version"]
    mine["note"] = ""
    mine.loc[mine["standing"] == "carried", "note"] = "carried from v" + mine["version"]
    mine.loc[mine["standing"] == "to_confirm", "note"] = (
        "the PI changed since v" + mine["version"] + ": confirm"
    )
    order = {pi_id: n for n, pi_id in enumerate(prints)}
    mine = mine.assign(_order=mine["pi_id"].map(order)).sort_values(["_order", "respondent"])
    return mine[columns].reset_index(drop=True)


def consultation_standing(
    answers: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """Per PI of a version, how far it has been consulted on: each kind of answer counted.

    Input: :func:`answers_for_version`'s table for ``catalogue``. Output: columns
    :data:`STANDING_COLUMNS`, one row per PI in catalogue order: ``respondents`` (who saw the
    PI on some version), ``answered`` (answers given on this version), ``carried`` (answers
    carried unchanged from an earlier one), ``to_confirm`` (answers about the PI as it was
    before it changed), ``from_versions`` (the earlier versions answers came from, "; "),
    ``change`` (``new`` when nobody saw the PI, ``changed`` when every answer is to confirm,
    else ``unchanged``) and ``consultation`` (plain English, e.g. ``"12 from v1.0, 1 from v0.3
    carried; 2 answered on v1.1"``, ``"14 from v1.0 to confirm: the PI changed since"`` or
    ``"not yet consulted"``). Only answers with a choice (keep, amend, remove) are counted. Raises
    nothing.
    """
    with_choice = answers[answers["choice"] != ""] if len(answers) else answers
    rows = []
    for pi in catalogue.pis.itertuples(index=False):
        seen = answers[answers["pi_id"] == pi.id] if len(answers) else answers
        given = with_choice[with_choice["pi_id"] == pi.id] if len(with_choice) else with_choice
        counts = {s: int((given["standing"] == s).sum()) if len(given) else 0 for s in STANDINGS}
        earlier = given[given["standing"] != "answered"] if len(given) else given
        versions = sorted(set(earlier["from_version"]), key=catalogue_module.version_key)
        parts = []
        if counts["carried"]:
            carried = given[given["standing"] == "carried"]["from_version"]
            parts.append(f"{_by_version(carried)} carried")
        if counts["answered"]:
            parts.append(f"{counts['answered']} answered on v{catalogue.version}")
        if counts["to_confirm"]:
            confirm = given[given["standing"] == "to_confirm"]["from_version"]
            parts.append(f"{_by_version(confirm)} to confirm: the PI changed since")
        change = "new" if seen.empty else "unchanged"
        if not seen.empty and (seen["standing"] == "to_confirm").all():
            change = "changed"
        rows.append(
            {
                "pi_id": pi.id,
                "title": pi.title,
                "change": change,
                "respondents": int(seen["respondent"].nunique()) if len(seen) else 0,
                **counts,
                "from_versions": "; ".join(versions),
                "consultation": "; ".join(parts) or NOT_CONSULTED,
            }
        )
    return pd.DataFrame(rows, columns=STANDING_COLUMNS)


def _by_version(values: pd.Series) -> str:
    """Answers counted by the version they came from, latest first, e.g.
    ``"12 from v1.0, 1 from v0.3"``."""
    counts = values.value_counts()
    order = sorted(counts.index, key=catalogue_module.version_key, reverse=True)
    return ", ".join(f"{int(counts[v])} from v{v}" for v in order)


def carry_table(
    responses: pd.DataFrame,
    old: catalogue_module.Catalogue,
    new: catalogue_module.Catalogue,
) -> pd.DataFrame:
    """Per PI, which answers standing for ``old`` carry to ``new`` and which need asking again.

    Inputs: the ingest's ``responses``; the older and newer catalogue. The answers standing
    for ``old`` (:func:`answers_for_version`, so answers carried into ``old`` count too) are
    compared with ``new``'s PIs by fingerprint.

    Output: columns :data:`CARRY_COLUMNS`, one row per PI of ``new`` in catalogue order, then
    the PIs ``new`` removed: ``change`` (``unchanged``, ``changed``, ``added`` or
    ``removed``), ``answers`` (answers with a choice standing for ``old``), ``carry`` (of them,
    those that count for ``new``), ``ask_again`` (those about a PI that changed), ``what``
    (plain English; an added PI says how many answered it on ``new`` so far, or "not yet
    consulted"). Raises nothing.
    """
    standing = answers_for_version(responses, old)
    standing = standing[standing["choice"] != ""] if len(standing) else standing
    old_prints, new_prints = pi_fingerprints(old), pi_fingerprints(new)
    on_new = responses[responses["used"].astype(bool) & (responses["version"] == new.version)]
    rows = []
    for pi in new.pis.itertuples(index=False):
        given = standing[standing["pi_id"] == pi.id] if len(standing) else standing
        answers = len(given)
        if pi.id not in old_prints:
            change, carry, again = "added", 0, 0
            so_far = int(((on_new["pi_id"] == pi.id) & (on_new["choice"] != "")).sum())
            what = f"new in v{new.version}: " + (
                f"nothing to carry; {so_far} answered on v{new.version} so far"
                if so_far
                else NOT_CONSULTED
            )
        else:
            carry = int((given["fingerprint"] == new_prints[pi.id]).sum()) if answers else 0
            again = answers - carry
            change = "unchanged" if old_prints[pi.id] == new_prints[pi.id] else "changed"
            what = _carry_words(change, answers, carry, again, old.version)
        rows.append((pi.id, pi.title, change, answers, carry, again, what))
    for pi in old.pis.itertuples(index=False):
        if pi.id not in new_prints:
            given = standing[standing["pi_id"] == pi.id] if len(standing) else standing
            what = f"removed in v{new.version}: {len(given)} answer(s) no longer apply"
            rows.append((pi.id, pi.title, "removed", len(given), 0, 0, what))
    return pd.DataFrame(rows, columns=CARRY_COLUMNS)


def _carry_words(change: str, answers: int, carry: int, again: int, version: str) -> str:
    if not answers:
        return f"no answer on v{version} or before: {NOT_CONSULTED}"
    parts = []
    if carry:
        parts.append(f"{carry} answer(s) carry")
    if again:
        reason = "the PI changed" if change == "changed" else "answered on an earlier wording"
        parts.append(f"{again} to ask again ({reason})")
    return "; ".join(parts)


def format_carry(table: pd.DataFrame, old: str, new: str) -> str:
    """The carry table as text for ``lscb model diff``: totals, then one line per PI whose
    answers do not all carry (changed, added, removed or never consulted). Raises nothing."""
    lines = [
        "",
        f"Consultation answers from v{old} to v{new}: {int(table['carry'].sum())} carry, "
        f"{int(table['ask_again'].sum())} to ask again (the PI changed), "
        f"{int((table['change'] == 'added').sum())} new PI(s) with nothing to carry.",
    ]
    worth = table[(table["change"] != "unchanged") | (table["answers"] == 0)]
    lines += [f"  {row.pi_id}  {row.what}" for row in worth.itertuples(index=False)]
    return "\n".join(lines) + "\n"
