"""Where evidence shows need and no support was given, ranked by the strength of the evidence.

Each piece of evidence of need (:func:`lscb_analysis.qa.support_review.gather_evidence`) is
a signal: an Ofsted judgement below good, a score card exception, a weak audit section. A
borough and theme with evidence and no support days gets a strength, the sum of its
signals' weights (``ranking.weights`` in ``data/reference/support_review.yaml``: by default
Ofsted inadequate 3, requires improvement 2, a score card exception 1, a weak audit
section 1), and is ranked by ``ranking.order`` (by default strength, then the number of
signals, then the oldest signal first), with the time since its first signal in days and
quarters.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core import io
from lscb_analysis.core.errors import InvalidArgumentError, ReferenceDataError

RULES_FILE = "support_review.yaml"
UNMET = "evidence of need with no support"
# The keys ranking.order may name, and which way each sorts (True: ascending).
ORDER_KEYS = {"strength": False, "signals": False, "first_seen": True}
RANK_COLUMNS = [
    "need_rank",
    "borough",
    "theme",
    "evidence_strength",
    "signals",
    "signal_mix",
    "first_seen",
    "days_waiting",
    "quarters_waiting",
    "evidence",
]


def ranking_config(rules: dict | None = None) -> dict:
    """The ``ranking`` section of support_review.yaml, checked.

    Output: ``{"weights": {signal: float}, "order": [key, ...]}``. Raises: ReferenceDataError
    when the section is missing, a weight is not a number of 0 or more, or ``order`` names a
    key other than strength, signals and first_seen.
    """
    rules = rules if rules is not None else io.read_reference_yaml(RULES_FILE)
    ranking = rules.get("ranking") if isinstance(rules, dict) else None
    if not isinstance(ranking, dict) or not isinstance(ranking.get("weights"), dict):
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE} has no ranking.weights: give each signal (Ofsted "
            "inadequate, Ofsted requires improvement, Score card exception, Audit weak "
            "section) a weight."
        )
    weights = {}
    for signal, weight in ranking["weights"].items():
        if not isinstance(weight, (int, float)) or weight < 0:
            raise ReferenceDataError(
                f"data/reference/{RULES_FILE}, ranking.weights.{signal}: must be a number of "
                "0 or more."
            )
        weights[str(signal)] = float(weight)
    order = list(ranking.get("order") or ORDER_KEYS)
    unknown = [key for key in order if key not in ORDER_KEYS]
    if unknown or not order:
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE}, ranking.order: {unknown or 'empty'}; use keys from "
            f"{', '.join(ORDER_KEYS)}."
        )
    return {"weights": weights, "order": order}


def _weights_of(signals: pd.Series, weights: dict) -> pd.Series:
    """Each signal's weight; ReferenceDataError naming a signal with no weight."""
    missing = sorted(set(signals) - set(weights))
    if missing:
        raise ReferenceDataError(
            f"data/reference/{RULES_FILE}, ranking.weights: no weight for {', '.join(missing)}; "
            "add one."
        )
    return signals.map(weights).astype(float)


def _mix(signals: pd.Series) -> str:
    """The signals of one place, counted: "Ofsted requires improvement x2; Audit weak section x1"."""
    counts = signals.value_counts()
    return "; ".join(f"{signal} x{int(n)}" for signal, n in counts.items())


def rank_unmet_need(
    targeted: pd.DataFrame,
    evidence: pd.DataFrame,
    *,
    as_at: object = None,
    ranking: dict | None = None,
) -> pd.DataFrame:
    """Rank the places where evidence shows need and no support was given.

    Inputs: ``targeted`` (:func:`lscb_analysis.qa.support_review.targeting`: ``borough,
    theme, finding, evidence``); ``evidence`` (the evidence it was made from:
    ``borough, theme, signal, first_seen``); ``as_at`` (the date the waiting time is
    counted to; None: today); ``ranking`` (:func:`ranking_config`; None: read it).

    Output: :data:`RANK_COLUMNS`, one row per borough and theme whose finding is "evidence
    of need with no support", in rank order: ``need_rank`` (1 first; places equal on every
    key share a rank), ``evidence_strength`` (sum of the signals' weights), ``signals``
    (how many), ``signal_mix`` (each kind of signal with its count), ``first_seen`` (the
    earliest signal's date; NaT when no signal is dated), ``days_waiting`` (days from it to
    ``as_at``), ``quarters_waiting`` (calendar quarters from its quarter to ``as_at``'s) and
    ``evidence`` (as listed by the targeting). Places with no dated signal rank after the
    dated ones when first_seen is in the order.

    Raises: InvalidArgumentError when a column is missing; ReferenceDataError for a bad ranking
    configuration or a signal with no weight.
    """
    needed = {"borough", "theme", "signal", "first_seen"}
    if missing := needed - set(evidence.columns):
        raise InvalidArgumentError(
            f"evidence: missing column(s) {', '.join(sorted(missing))}; pass the table from "
            "support_review.gather_evidence."
        )
    if missing := {"borough", "theme", "finding", "evidence"} - set(targeted.columns):
        raise InvalidArgumentError(
            f"targeted: missing column(s) {', '.join(sorted(missing))}; pass the table from "
            "support_review.targeting."
        )
    ranking = ranking if ranking is not None else ranking_config()
    as_at = pd.Timestamp(as_at if as_at is not None else pd.Timestamp.today()).normalize()
    places = targeted.loc[targeted["finding"] == UNMET, ["borough", "theme", "evidence"]]
    signals = evidence.merge(places[["borough", "theme"]], on=["borough", "theme"])
    if places.empty:
        return pd.DataFrame(columns=RANK_COLUMNS)
    signals = signals.assign(
        weight=_weights_of(signals["signal"], ranking["weights"]),
        first_seen=pd.to_datetime(signals["first_seen"]),
    )
    grouped = signals.groupby(["borough", "theme"])
    table = places.set_index(["borough", "theme"]).join(
        pd.DataFrame(
            {
                "evidence_strength": grouped["weight"].sum(),
                "signals": grouped.size(),
                "signal_mix": grouped["signal"].agg(_mix),
                "first_seen": grouped["first_seen"].min(),
            }
        )
    )
    table = table.reset_index()
    table["days_waiting"] = (as_at - table["first_seen"]).dt.days.astype("Int64")
    as_at_quarter = as_at.to_period("Q")
    table["quarters_waiting"] = pd.array(
        [
            (as_at_quarter - stamp.to_period("Q")).n if pd.notna(stamp) else pd.NA
            for stamp in table["first_seen"]
        ],
        dtype="Int64",
    )
    columns = {"strength": "evidence_strength", "signals": "signals", "first_seen": "first_seen"}
    keys = [columns[key] for key in ranking["order"]]
    ascending = [ORDER_KEYS[key] for key in ranking["order"]]
    table = table.sort_values(
        [*keys, "borough", "theme"], ascending=[*ascending, True, True], na_position="last"
    ).reset_index(drop=True)
    ties = pd.Series(["|".join(v) for v in zip(*(table[k].map(str) for k in keys), strict=True)])
    # competition ranking ("1, 1, 3"): a place's rank is 1 + the places ranked before its group
    table["need_rank"] = table.index.to_series().groupby(ties, sort=False).transform("min") + 1
    return table[RANK_COLUMNS]


def unmet_headline(ranked: pd.DataFrame) -> str:
    """A sentence on the ranked list: how many places, and the strongest and longest waiting.

    Input: :func:`rank_unmet_need`. Output: one sentence (a plain statement when the list
    is empty). Raises nothing.

    >>> ranked = pd.DataFrame({"need_rank": [1, 2], "borough": ["Barnet", "Brent"],
    ...     "theme": ["Neglect", "Early help"], "evidence_strength": [5.0, 1.0],
    ...     "days_waiting": pd.array([100, 400], dtype="Int64")})
    >>> unmet_headline(ranked)
    '2 places where evidence shows need and no support was given; the strongest evidence is Barnet, Neglect (strength 5); the longest waiting is Brent, Early help (400 days since the first signal).'
    """
    if ranked.empty:
        return "No place shows evidence of need without support."
    top = ranked.iloc[0]
    text = (
        f"{len(ranked)} place{'s' if len(ranked) != 1 else ''} where evidence shows need and "
        f"no support was given; the strongest evidence is {top['borough']}, {top['theme']} "
        f"(strength {top['evidence_strength']:g})"
    )
    waiting = pd.to_numeric(ranked["days_waiting"], errors="coerce")
    if waiting.notna().any():
        longest = ranked.loc[waiting.idxmax()]
        text += (
            f"; the longest waiting is {longest['borough']}, {longest['theme']} "
            f"({int(longest['days_waiting'])} days since the first signal)"
        )
    return text + "."
