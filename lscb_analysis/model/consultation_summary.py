"""The consultation summary for the steering group: support for each PI, and its tables.

:func:`summarise_feedback` gives one row per PI (answers, the share supporting it with a
Wilson interval, suggested ratings and wordings, a plain-English signal); :func:`check_version`,
:func:`flagged_pis`, :func:`support_display`, :func:`support_table`, :func:`support_finding`,
:func:`wording_suggestions`, :func:`new_pi_table`, :func:`respondents_by_agency`,
:func:`support_by_agency`, :func:`file_outcomes`, :func:`issue_table` and :func:`headlines`
feed the consultation notebook.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd

from lscb_analysis.core.errors import ParameterError
from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.model.consultation_carry import answers_for_version, consultation_standing
from lscb_analysis.model.consultation_config import (
    CHOICES,
    NO_ANSWER,
    STATUSES,
    TO_CONFIRM,
    FeedbackIngest,
    load_config,
)
from lscb_analysis.model.consultation_identity import cell_place
from lscb_analysis.stats.intervals import proportion_ci

SUMMARY_COLUMNS: list[str] = [
    "pi_id",
    "title",
    "rating",
    "status",
    "respondents",
    "keep",
    "amend",
    "remove",
    "no_answer",
    "answered",
    "carried",
    "to_confirm",
    "consultation",
    "support_share",
    "support_lower",
    "support_upper",
    "suggested_ratings",
    "wording_suggestions",
    "flagged",
    "reasons",
    "signal",
]
"""Columns of :func:`summarise_feedback`."""

_FLAGGING = ("low_support", "remove", "amend", "rating")


# --- the summary for the steering group ---------------------------------------------------------


def check_version(version: str | None, result: FeedbackIngest) -> catalogue_module.Catalogue:
    """Check the consultation notebook's ``version`` parameter; return that catalogue.

    Input: ``version`` (e.g. ``"1.1"``; None: the latest version of the model); ``result``
    from :func:`ingest_feedback`. Answers on earlier versions carry to a later one
    (:mod:`lscb_analysis.model.consultation_carry`), so any version from the earliest one a
    used form commented on is accepted. Output: the :class:`~lscb_analysis.model.catalogue.
    Catalogue`. Raises ParameterError naming ``version`` when no used form commented on it or
    an earlier version (the message lists the versions that were), when it is not a version
    of the model, or when no form was used at all.
    """
    used = result.files[result.files["status"] == "used"]
    versions = sorted(set(used["version"]), key=catalogue_module.version_key)
    if not versions:
        raise ParameterError(
            "Parameter 'version': no feedback form was used (see data/processed/"
            "consultation_files.csv for why each was rejected), so there is nothing to "
            "summarise. Put returned forms in data/raw/consultation/."
        )
    known = catalogue_module.available_versions()
    if version is None:
        return catalogue_module.load_catalogue(known[-1])
    wanted = (
        catalogue_module.version_key(str(version))
        if catalogue_module.VERSION_PATTERN.match(str(version))
        else None
    )
    match = [v for v in known if catalogue_module.version_key(v) == wanted]
    if not match or wanted < catalogue_module.version_key(versions[0]):
        raise ParameterError(
            f"Parameter 'version': no used feedback form commented on version {version!r} or "
            f"an earlier one. Forms commented on: {', '.join(versions)}; use one of those or a "
            f"later version of the model ({', '.join(known)}), or None for the latest."
        )
    return catalogue_module.load_catalogue(match[0])


def _pct(value: float) -> str:
    return (
        "n/a"
        if value is None or (isinstance(value, float) and math.isnan(value))
        else f"{value:.0%}"
    )


def _signal(
    row: dict[str, Any], others: dict[str, int], settings: dict, messages: dict
) -> tuple[list[str], list[str], str, int]:
    """(reason codes, messages, most suggested other rating, its count) for one PI."""
    answered = row["answered"]
    if answered < settings["min_answers"]:
        return ["few_answers"], [messages["few_answers"]], "", 0
    share = {name: row[name] / answered for name in CHOICES}
    top_rating, count = max(others.items(), key=lambda item: item[1]) if others else ("", 0)
    applies = {
        "low_support": row["support_upper"] < settings["support_upper"],
        "remove": share["remove"] >= settings["remove_share"],
        "amend": share["amend"] >= settings["amend_share"],
        "rating": bool(top_rating) and count / answered >= settings["rating_share"],
    }
    reasons = [code for code in _FLAGGING if applies[code]]
    texts = [messages[code] for code in reasons] or [messages["supported"]]
    return reasons, texts, top_rating, count


def summarise_feedback(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue, config: dict | None = None
) -> pd.DataFrame:
    """One row per PI of a version: what the forms in use said about it.

    Inputs: ``responses`` (:attr:`FeedbackIngest.responses`; the answers standing for the
    version count: given on it, or carried from an earlier version about a PI that did not
    change, :func:`~lscb_analysis.model.consultation_carry.answers_for_version`);
    ``catalogue`` (the version summarised); ``config`` (None: :func:`load_config`).

    Output: columns :data:`SUMMARY_COLUMNS`, one row per PI in catalogue order: ``pi_id,
    title, rating, status``; ``respondents`` (respondents who saw the PI, on this version or
    an earlier one); ``keep, amend, remove`` (answers counted: given on this version or
    carried); ``no_answer`` (respondents - answered - to_confirm); ``answered``; ``carried``
    (of the answered, carried from an earlier version); ``to_confirm`` (answers about the PI
    before it changed: not counted, to ask again); ``consultation`` (plain English, e.g.
    "12 carried from v1.0; 3 answered on v1.1", or "not yet consulted"); ``support_share`` ((keep
    + amend) / answered, 0-1) with ``support_lower`` and ``support_upper`` (Wilson interval
    at ``summary.confidence``; NaN when nobody answered); ``suggested_ratings`` (other ratings
    suggested, most first, e.g. ``"critical 2; priority outcome 1"``; a suggestion equal to
    the current rating is not counted); ``wording_suggestions`` (answers with a suggested
    wording); ``flagged`` (bool: for the steering group); ``reasons`` (codes, "; "-joined:
    low_support, remove, amend, rating, or few_answers); ``signal`` (plain English, from
    ``messages`` in consultation.yaml). Raises ReferenceDataError when ``config`` is None
    and consultation.yaml is missing or invalid.
    """
    config = config if config is not None else load_config()
    settings, messages = config["summary"], config["messages"]
    standing = answers_for_version(responses, catalogue)
    consulted = consultation_standing(standing, catalogue).set_index("pi_id")
    mine = standing[standing["standing"] != "to_confirm"] if len(standing) else standing
    rows = []
    for pi in catalogue.pis.itertuples(index=False):
        answers = mine[mine["pi_id"] == pi.id] if len(mine) else mine
        tally = {
            name: int((answers["choice"] == name).sum()) if len(answers) else 0 for name in CHOICES
        }
        suggested = (
            answers.loc[
                (answers["suggested_rating"] != "") & (answers["suggested_rating"] != pi.rating),
                "suggested_rating",
            ].value_counts()
            if len(answers)
            else pd.Series(dtype=int)
        )
        others = {str(k): int(v) for k, v in suggested.items()}
        answered = sum(tally.values())
        respondents = int(consulted.at[pi.id, "respondents"])
        to_confirm = int(consulted.at[pi.id, "to_confirm"])
        rows.append(
            {
                "pi_id": pi.id,
                "title": pi.title,
                "rating": pi.rating,
                "status": pi.status,
                "respondents": respondents,
                **tally,
                "no_answer": respondents - answered - to_confirm,
                "answered": answered,
                "carried": int(consulted.at[pi.id, "carried"]),
                "to_confirm": to_confirm,
                "consultation": consulted.at[pi.id, "consultation"],
                "support": tally["keep"] + tally["amend"],
                "suggested_ratings": "; ".join(f"{k} {v}" for k, v in others.items()),
                "wording_suggestions": int((answers["suggested_wording"] != "").sum())
                if len(answers)
                else 0,
                "_others": others,
            }
        )
    frame = pd.DataFrame(rows)
    if frame.empty:
        return pd.DataFrame(columns=SUMMARY_COLUMNS)
    answered = frame["answered"].to_numpy(dtype=float)
    interval = proportion_ci(
        np.where(answered > 0, frame["support"], np.nan),
        np.where(answered > 0, answered, np.nan),
        confidence=settings["confidence"],
        multiplier=1,
    )
    frame["support_share"] = interval["value"].to_numpy()
    frame["support_lower"] = interval["lower"].to_numpy()
    frame["support_upper"] = interval["upper"].to_numpy()
    flagged, reasons, signals = [], [], []
    for row in frame.to_dict("records"):
        codes, texts, top_rating, count = _signal(row, row["_others"], settings, messages)
        values = {
            **row,
            "support_pct": _pct(row["support_share"]),
            "lower_pct": _pct(row["support_lower"]),
            "upper_pct": _pct(row["support_upper"]),
            "remove_pct": _pct(row["remove"] / row["answered"]) if row["answered"] else "n/a",
            "amend_pct": _pct(row["amend"] / row["answered"]) if row["answered"] else "n/a",
            "rating": top_rating,
            "count": count,
        }
        flagged.append(any(code in _FLAGGING for code in codes))
        reasons.append("; ".join(codes))
        signals.append(" ".join(" ".join(text.format(**values).split()) for text in texts))
    frame["flagged"], frame["reasons"], frame["signal"] = flagged, reasons, signals
    return frame[SUMMARY_COLUMNS].reset_index(drop=True)


def flagged_pis(summary: pd.DataFrame) -> pd.DataFrame:
    """The PIs for the steering group: ``pi_id, title, rating, keep, amend, remove,
    answered, support`` (e.g. ``"40% (17% to 69%)"``) and ``signal``, flagged rows only, in
    catalogue order. Input: :func:`summarise_feedback`'s table. Raises nothing."""
    rows = summary[summary["flagged"]].copy()
    rows["support"] = [_support_text(r) for r in rows.itertuples(index=False)]
    return rows[
        ["pi_id", "title", "rating", "keep", "amend", "remove", "answered", "support", "signal"]
    ].reset_index(drop=True)


def _support_text(row: Any) -> str:
    if not row.answered:
        return "n/a"
    return f"{_pct(row.support_share)} ({_pct(row.support_lower)} to {_pct(row.support_upper)})"


def support_display(summary: pd.DataFrame) -> pd.DataFrame:
    """The per-PI table for the report: ``PI, title, rating, keep, amend, remove, no answer,
    to confirm, consulted`` (answered here, carried from an earlier version, or not yet
    consulted), ``support (95% interval), suggested ratings, wordings, signal``. Input:
    :func:`summarise_feedback`'s table. Raises nothing."""
    return pd.DataFrame(
        {
            "PI": summary["pi_id"],
            "title": summary["title"],
            "rating": summary["rating"],
            "keep": summary["keep"],
            "amend": summary["amend"],
            "remove": summary["remove"],
            "no answer": summary["no_answer"],
            "to confirm": summary["to_confirm"],
            "consulted": summary["consultation"],
            "support (interval)": [_support_text(r) for r in summary.itertuples(index=False)],
            "suggested ratings": summary["suggested_ratings"],
            "wordings": summary["wording_suggestions"],
            "signal": summary["signal"],
        }
    )


def support_table(summary: pd.DataFrame) -> pd.DataFrame:
    """Shares of the respondents who saw each PI answering keep, amend, remove, to confirm
    (answered before the PI changed) or nothing, for
    :func:`lscb_analysis.present.grid_charts.category_bars`: index ``"<id> <title>"`` (title
    cut to 45 characters), columns keep, amend, remove, ``to confirm``, ``no answer`` (each row
    sums to 1; all 0 when nobody saw the PI: not yet consulted). Raises nothing."""
    labels = [
        f"{r.pi_id} {r.title if len(r.title) <= 45 else r.title[:44] + '…'}"
        for r in summary.itertuples(index=False)
    ]
    counts = summary[[*CHOICES, "to_confirm", "no_answer"]].to_numpy(dtype=float)
    total = summary["respondents"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total[:, None] > 0, counts / total[:, None], 0.0)
    return pd.DataFrame(shares, index=labels, columns=[*CHOICES, TO_CONFIRM, NO_ANSWER])


def support_finding(summary: pd.DataFrame) -> str:
    """A chart title stating the finding, e.g. ``"36 of 39 PIs have majority support; 5 are
    flagged for the steering group"``. Raises nothing."""
    majority = int((summary["support_share"] > 0.5).sum())
    flagged = int(summary["flagged"].sum())
    return (
        f"{majority} of {len(summary)} PIs have majority support; {flagged} "
        f"{'is' if flagged == 1 else 'are'} flagged for the steering group"
    )


def wording_suggestions(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """Every suggested wording and comment on the version's PIs, from the forms in use.

    Output: columns ``PI, title, organisation, answer, version`` (``v1.1``, ``carried from
    v1.0`` or ``the PI changed since v1.0: confirm``), ``suggested rating, suggested wording,
    comment``, in catalogue order then respondent (answers standing for the version:
    :func:`~lscb_analysis.model.consultation_carry.answers_for_version`); rows with neither a wording nor a
    comment are left out. Withheld text shows as ``[withheld: possible identifier]``.
    Raises nothing.
    """
    standing = answers_for_version(responses, catalogue)
    mine = standing[(standing["suggested_wording"] != "") | (standing["comment"] != "")]
    titles = catalogue.pis.set_index("id")["title"]
    return pd.DataFrame(
        {
            "PI": mine["pi_id"],
            "title": mine["pi_id"].map(titles),
            "organisation": mine["organisation"].replace("", "(not given)"),
            "answer": mine["choice"].replace("", NO_ANSWER),
            "version": mine["note"].where(mine["note"] != "", "v" + mine["version"]),
            "suggested rating": mine["suggested_rating"],
            "suggested wording": mine["suggested_wording"],
            "comment": mine["comment"],
        }
    ).reset_index(drop=True)


def new_pi_table(new_pis: pd.DataFrame) -> pd.DataFrame:
    """The new PIs suggested on the forms in use: ``organisation, title, definition,
    numerator, denominator, agency holding the data, why``. Raises nothing."""
    mine = new_pis[new_pis["used"]]
    return pd.DataFrame(
        {
            "organisation": mine["organisation"].replace("", "(not given)"),
            "title": mine["title"],
            "definition": mine["definition"],
            "numerator": mine["numerator"],
            "denominator": mine["denominator"],
            "agency holding the data": mine["data_agency"],
            "why": mine["why"],
        }
    ).reset_index(drop=True)


def respondents_by_agency(files: pd.DataFrame) -> pd.DataFrame:
    """Forms by the respondent's agency: ``agency, used, superseded, rejected, total``.

    Input: :attr:`FeedbackIngest.files`. The agency is read from the organisation's name
    (``"not identified"`` when no agency word matches; ``"no organisation"`` when blank;
    rejected files whose form could not be read count under ``"not read"``). Sorted by forms
    used, most first. Raises nothing.
    """
    agency = files["agency"].where(files["agency"] != "", "not identified")
    agency = agency.where(files["organisation"] != "", "no organisation")
    agency = agency.where(
        ~((files["status"] == "rejected") & (files["organisation"] == "")), "not read"
    )
    table = pd.crosstab(agency, files["status"]).reindex(columns=list(STATUSES), fill_value=0)
    table["total"] = table.sum(axis=1)
    table = table.sort_values(["used", "total"], ascending=False)
    table.index.name = "agency"
    return table.reset_index()


def support_by_agency(
    responses: pd.DataFrame, catalogue: catalogue_module.Catalogue
) -> pd.DataFrame:
    """Answers on the version's PIs by the respondent's agency: ``agency, forms, keep,
    amend, remove, answered, support`` (share keep or amend, as text); the answers counted
    for the version (given on it or carried to it). Raises nothing."""
    mine = answers_for_version(responses, catalogue)
    mine = mine[mine["standing"] != "to_confirm"]
    agency = mine["agency"].where(mine["agency"] != "", "not identified")
    agency = agency.where(mine["organisation"] != "", "no organisation")
    rows = []
    for name, group in mine.groupby(agency):
        tally = {c: int((group["choice"] == c).sum()) for c in CHOICES}
        answered = sum(tally.values())
        support = (tally["keep"] + tally["amend"]) / answered if answered else float("nan")
        rows.append(
            {
                "agency": name,
                "forms": group["file"].nunique(),
                **tally,
                "answered": answered,
                "support": _pct(support),
            }
        )
    return pd.DataFrame(rows, columns=["agency", "forms", *CHOICES, "answered", "support"])


def file_outcomes(result: FeedbackIngest) -> pd.DataFrame:
    """Every file and what happened to it: ``file, status, organisation, version, answers,
    new PIs, errors, queries, why`` (the rejection or supersession message). Raises
    nothing."""
    files = result.files
    return pd.DataFrame(
        {
            "file": files["file"],
            "status": files["status"],
            "organisation": files["organisation"],
            "version": files["version"],
            "answers": files["pis_answered"],
            "new PIs": files["new_pis"],
            "errors": files["errors"],
            "queries": files["queries"],
            "why": files["message"],
        }
    )


def issue_table(issues: pd.DataFrame) -> pd.DataFrame:
    """The issues of the forms in use and the rejected ones (a superseded form's are left
    out): ``file, where`` (``'Feedback'!G5``), ``severity, code, message``, errors first.
    Raises nothing."""
    mine = issues[~issues["superseded"]].copy()
    mine["where"] = [
        cell_place(s, c) if s else "" for s, c in zip(mine["sheet"], mine["cell"], strict=True)
    ]
    mine["_rank"] = mine["severity"].map({"error": 0, "query": 1})
    mine = mine.sort_values(["_rank", "file"], kind="stable")
    return mine[["file", "where", "severity", "code", "message"]].reset_index(drop=True)


def headlines(result: FeedbackIngest, summary: pd.DataFrame) -> dict[str, Any]:
    """Headline values for the report index: forms used and PIs flagged. Raises nothing."""
    used = int((result.files["status"] == "used").sum())
    return {
        "Forms used": f"{used} of {len(result.files)}",
        "PIs flagged": int(summary["flagged"].sum()),
    }
