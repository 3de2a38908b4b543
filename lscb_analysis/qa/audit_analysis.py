"""Audit findings: grade shares with their uncertainty, agreement, moderation, trends, evidence.

Pure functions over the records from :func:`lscb_analysis.qa.audit.ingest_audit` (or
:func:`audit.read_audit_records`): a DataFrame in, a new DataFrame out. Only records whose
``status`` is "ok" are counted, and "Not applicable" answers are left out of shares and
agreement. Grades are ordered by their rank in ``data/reference/audit_themes.yaml``
(Outstanding 4 ... Inadequate 1); "good or better" is Outstanding or Good.

Things to say alongside the numbers (each function's ``attrs["note"]`` repeats what applies):

* The unit is the graded answer (case x agency x question). Answers about the same case are
  not independent, so intervals computed as if they were are narrower than they should be:
  read them as the least uncertainty there is. Audit samples are small: always show the
  interval.
* Small numbers: the tables count answers, but with a handful of cases a count of 1 to 5 can
  be about one or two children. Before a table leaves as a board output, pass it through
  :func:`for_tier` (which applies :func:`lscb_analysis.protect.disclosure.table_for_tier` with the
  count and derived columns recorded in the table's ``attrs``); the ``analyst`` tier keeps
  the numbers and is labelled NOT FOR PUBLICATION.
* Evidence text (:func:`evidence_by_question`) never includes withheld evidence, but it is
  still free text about real cases: read it before quoting it in a published paper.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import confint_proportions_2indep

from lscb_analysis.core.errors import InvalidArgumentError
from lscb_analysis.protect import disclosure, disclosure_config, disclosure_figures
from lscb_analysis.qa import audit
from lscb_analysis.stats.intervals import proportion_ci

ITEM_NOTE = (
    "Counts are graded answers (case x agency x question), not children. Answers about the "
    "same case are related, so the 95% Wilson intervals, computed as if answers were "
    "independent, understate the uncertainty."
)
KAPPA_METHOD = (
    "Cohen's kappa with linear weights (statsmodels.stats.inter_rater.cohens_kappa, "
    "wt='linear'; grades equally spaced), 95% interval from its asymptotic standard error, "
    "clipped to [-1, 1]."
)
TREND_TEST = (
    "Fisher's exact test (two-sided) on good-or-better versus other graded answers, this "
    "audit against the previous audit of the same theme in the same borough; the difference "
    "in percentage points has a Newcombe (hybrid score) 95% interval."
)
LANDIS_KOCH = (
    (0.0, "poor"),
    (0.2, "slight"),
    (0.4, "fair"),
    (0.6, "moderate"),
    (0.8, "substantial"),
    (1.0001, "almost perfect"),
)


# --- helpers ----------------------------------------------------------------------------------


def _by(by: str | Sequence[str] | None) -> list[str]:
    if by is None:
        return []
    return [by] if isinstance(by, str) else list(by)


def _check_columns(records: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in records.columns]
    if missing:
        raise InvalidArgumentError(
            f"The audit records have no column {', '.join(missing)}; pass the records from "
            "audit.ingest_audit or audit.read_audit_records."
        )


def _section_order(config: dict) -> dict[str, int]:
    return {section: n for n, section in enumerate(config["sections"])}


def _sorted(frame: pd.DataFrame, by: list[str], config: dict) -> pd.DataFrame:
    if frame.empty or not by:
        return frame.reset_index(drop=True)
    keys = []
    for column in by:
        if column == "section":
            keys.append(frame[column].map(_section_order(config)).fillna(99))
        elif column == "final_grade" or column == "grade":
            keys.append(-_rank_of(frame[column], config))
        else:
            keys.append(frame[column].astype(str))
    order = np.lexsort([k.to_numpy() for k in reversed(keys)])
    return frame.iloc[order].reset_index(drop=True)


def _rank_of(grades: pd.Series, config: dict) -> pd.Series:
    """Grade ranks as floats (0 for anything that is not a grade), even for empty input."""
    ranks = audit.grade_ranks(config)
    return pd.Series([float(ranks.get(g, 0)) for g in grades], index=grades.index, dtype=float)


def graded(
    records: pd.DataFrame, grade_column: str = "final_grade", config: dict | None = None
) -> pd.DataFrame:
    """Return the records that count: status "ok" and a real grade (not "Not applicable").

    Inputs: audit records; ``grade_column`` ("final_grade" by default: the moderated grade
    where there is one, else the auditor's; "grade" for auditors' grades only).
    Output: the matching rows plus ``rank`` (4 = Outstanding ... 1 = Inadequate) and
    ``good_or_better`` (bool). Raises: InvalidArgumentError when a needed column is missing.

    >>> r = pd.DataFrame({"status": ["ok", "ok", "missing_grade"],
    ...                   "final_grade": ["Good", "Not applicable", ""]})
    >>> graded(r)[["final_grade", "rank", "good_or_better"]].values.tolist()
    [['Good', 3, True]]
    """
    _check_columns(records, ["status", grade_column])
    config = config or audit.audit_config()
    ranks = audit.grade_ranks(config)
    usable = records[(records["status"] == "ok") & records[grade_column].isin(list(ranks))]
    usable = usable.copy()
    usable["rank"] = _rank_of(usable[grade_column], config).astype(int)
    usable["good_or_better"] = usable[grade_column].isin(config["good_or_better"])
    return usable


def _wilson(numerator, denominator) -> pd.DataFrame:
    numerator = np.asarray(numerator, dtype=float)
    denominator = np.asarray(denominator, dtype=float)
    out = pd.DataFrame(
        {"value": np.nan, "lower": np.nan, "upper": np.nan}, index=range(len(numerator))
    )
    valid = denominator > 0
    if valid.any():
        ci = proportion_ci(numerator[valid], denominator[valid])
        out.loc[valid, ["value", "lower", "upper"]] = ci.to_numpy()
    return out


def for_tier(table: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER) -> pd.DataFrame:
    """Prepare one of this module's tables for an output tier (board: small numbers suppressed).

    Uses the ``count_columns``, ``rates`` and ``column_total`` recorded in ``table.attrs`` by
    the function that made it, so the counts 1-5, the shares computed from them and (where a
    total is shown) a second cell are suppressed. Output: a new DataFrame with
    ``attrs["tier_label"]``. Raises: ParameterError for an unknown tier; DisclosureError.

    >>> t = grade_distribution(pd.DataFrame({"status": ["ok"] * 3, "section": ["impact"] * 3,
    ...                                      "final_grade": ["Good"] * 3}))
    >>> for_tier(t)[["Good", "graded", "good_or_better_pct"]].values.tolist()
    [['c', 'c', 'c']]
    """
    options = {
        key: table.attrs[key]
        for key in ("count_columns", "rates", "column_total")
        if table.attrs.get(key) is not None
    }
    keep = {k: v for k, v in table.attrs.items() if k not in ("tier", "tier_label")}
    out = disclosure.table_for_tier(table, tier, **options)
    out.attrs = {**keep, "tier": out.attrs["tier"], "tier_label": out.attrs["tier_label"]}
    return out


# --- grade shares -----------------------------------------------------------------------------


def grade_distribution(
    records: pd.DataFrame,
    by: str | Sequence[str] | None = ("section",),
    grade_column: str = "final_grade",
) -> pd.DataFrame:
    """Count graded answers by grade, with the share good or better and its Wilson interval.

    Inputs: audit records; ``by`` (columns to group by, e.g. "section", "agency", ["audit_id",
    "theme"]; None or () for one overall row); ``grade_column`` ("final_grade" or "grade").
    Output: one row per group with the ``by`` columns, one count column per grade (best first:
    ``Outstanding, Good, Requires improvement, Inadequate``), ``graded`` (their total),
    ``good_or_better`` (count), ``good_or_better_pct``, ``lower``, ``upper`` (95% Wilson, in
    %). Sections come in question-bank order. "Not applicable" answers are left out.
    ``attrs``: ``count_columns``, ``rates``, ``column_total`` (for :func:`for_tier`), ``note``.
    Raises: InvalidArgumentError when a column is missing.

    >>> r = pd.DataFrame({"status": "ok", "section": ["impact"] * 4 + ["planning"] * 2,
    ...     "final_grade": ["Good", "Good", "Inadequate", "Outstanding", "Good", "Inadequate"]})
    >>> grade_distribution(r)[["section", "graded", "good_or_better", "good_or_better_pct"]]
        section  graded  good_or_better  good_or_better_pct
    0  planning       2               1                50.0
    1    impact       4               3                75.0
    """
    config = audit.audit_config()
    columns = _by(by)
    _check_columns(records, [*columns, "status", grade_column])
    grades = audit.grade_names(config)
    usable = graded(records, grade_column, config)
    result_columns = [
        *columns,
        *grades,
        "graded",
        "good_or_better",
        "good_or_better_pct",
        "lower",
        "upper",
    ]
    if usable.empty:
        table = pd.DataFrame(columns=result_columns)
    else:
        if columns:
            counts = usable.groupby(columns + [grade_column], dropna=False).size()
            counts = counts.unstack(grade_column, fill_value=0).reset_index()
        else:
            counts = usable[grade_column].value_counts().to_frame().T.reset_index(drop=True)
        for grade in grades:
            if grade not in counts.columns:
                counts[grade] = 0
        counts = counts[[*columns, *grades]].copy()
        counts.columns.name = None
        counts[grades] = counts[grades].astype(int)
        counts["graded"] = counts[grades].sum(axis=1).astype(int)
        counts["good_or_better"] = counts[config["good_or_better"]].sum(axis=1).astype(int)
        ci = _wilson(counts["good_or_better"], counts["graded"])
        counts["good_or_better_pct"] = ci["value"].to_numpy()
        counts["lower"] = ci["lower"].to_numpy()
        counts["upper"] = ci["upper"].to_numpy()
        table = _sorted(counts[result_columns], columns, config)
    # Every derived figure of a row goes with any suppressed count of that row (simplest
    # robust rule: the share with its complement would otherwise give a suppressed count back).
    sources = [*grades, "graded"]
    table.attrs.update(
        count_columns=[*grades, "graded"],
        column_total="graded",
        rates={
            "good_or_better": sources,
            "good_or_better_pct": sources,
            "lower": sources,
            "upper": sources,
        },
        note=ITEM_NOTE,
    )
    return table


# --- agreement --------------------------------------------------------------------------------


def weighted_kappa(
    first: Sequence[str], second: Sequence[str], categories: Sequence[str] | None = None
) -> dict:
    """Linearly weighted Cohen's kappa between two raters, with its 95% interval.

    Inputs: the two raters' grades for the same items (equal length), and the ordered
    categories (None: the grades best first). Every category is kept in the table, so the
    weights are |i - j| / (k - 1) whatever grades happen to be used.
    Output: dict with ``n``, ``agreed`` (exactly the same grade), ``kappa``, ``se``,
    ``lower``, ``upper`` (NaN when fewer than two items, or when every grade is the same so
    kappa is undefined), ``table`` (k x k counts, first rater in rows) and ``note``.
    Raises: InvalidArgumentError for lists of different length or a grade not in the
    categories.

    >>> k = weighted_kappa(["Good", "Good", "Inadequate", "Good"],
    ...                    ["Good", "Requires improvement", "Inadequate", "Good"])
    >>> round(k["kappa"], 4), k["agreed"]
    (0.7143, 3)
    """
    categories = list(categories) if categories is not None else audit.grade_names()
    a, b = list(first), list(second)
    if len(a) != len(b):
        raise InvalidArgumentError(
            f"The two raters' lists differ in length ({len(a)} and {len(b)}); pair them first."
        )
    position = {c: n for n, c in enumerate(categories)}
    unknown = sorted({str(g) for g in a + b if g not in position})
    if unknown:
        raise InvalidArgumentError(
            f"Grades {', '.join(unknown)} are not among {', '.join(categories)}."
        )
    table = np.zeros((len(categories), len(categories)))
    for x, y in zip(a, b, strict=True):
        table[position[x], position[y]] += 1
    n = len(a)
    result = {
        "n": n,
        "agreed": int(np.trace(table)),
        "kappa": np.nan,
        "se": np.nan,
        "lower": np.nan,
        "upper": np.nan,
        "table": table,
        "note": "",
    }
    if n < 2:
        result["note"] = "fewer than two double-marked answers"
        return result
    rows, cols = table.sum(axis=1), table.sum(axis=0)
    weights = np.abs(np.subtract.outer(np.arange(len(categories)), np.arange(len(categories))))
    if (weights * np.outer(rows, cols)).sum() == 0:
        result["note"] = "every answer has the same grade, so kappa is undefined"
        return result
    with np.errstate(invalid="ignore", divide="ignore"):
        fit = cohens_kappa(table, wt="linear")
    se = float(fit["std_kappa"]) if np.isfinite(fit["std_kappa"]) else np.nan
    result.update(
        kappa=float(fit["kappa"]),
        se=se,
        lower=max(-1.0, float(fit["kappa_low"])) if np.isfinite(se) else np.nan,
        upper=min(1.0, float(fit["kappa_upp"])) if np.isfinite(se) else np.nan,
    )
    return result


def kappa_strength(kappa: float) -> str:
    """Landis and Koch's words for a kappa value ("" when missing).

    >>> kappa_strength(0.45), kappa_strength(-0.1), kappa_strength(float("nan"))
    ('moderate', 'poor', '')
    """
    if kappa is None or not np.isfinite(kappa):
        return ""
    if kappa < 0:
        return "poor"
    return next(label for limit, label in LANDIS_KOCH[1:] if kappa <= limit)


AGREEMENT_COLUMNS = (
    "items",
    "cases",
    "agreed",
    "agreement_pct",
    "agreement_lower",
    "agreement_upper",
    "within_one_pct",
    "kappa",
    "kappa_lower",
    "kappa_upper",
    "kappa_se",
    "strength",
    "note",
)


def auditor_agreement(records: pd.DataFrame, by: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Agreement between first and second auditors on double-marked answers.

    Inputs: audit records; ``by`` (e.g. "agency", "section", ["audit_id"]; None for one row).
    Answers count when status is "ok" and both ``grade`` and ``second_grade`` are grades (not
    "Not applicable"). Output: one row per group: the ``by`` columns, ``items`` (double-marked
    answers), ``cases``, ``agreed`` (same grade), ``agreement_pct`` with a Wilson interval
    (``agreement_lower``, ``agreement_upper``), ``within_one_pct`` (grades at most one step
    apart), ``kappa`` (linearly weighted Cohen's kappa, :func:`weighted_kappa`),
    ``kappa_lower``, ``kappa_upper``, ``kappa_se``, ``strength`` (Landis and Koch) and
    ``note``. ``attrs``: ``method``, ``count_columns``, ``rates``, ``note``. Groups with no
    double-marked answer are left out. Raises: InvalidArgumentError for a missing column.
    """
    config = audit.audit_config()
    columns = _by(by)
    _check_columns(records, [*columns, "status", "grade", "second_grade", "case"])
    ranks = audit.grade_ranks(config)
    pairs = records[
        (records["status"] == "ok")
        & records["grade"].isin(list(ranks))
        & records["second_grade"].isin(list(ranks))
    ]
    rows = []
    groups = pairs.groupby(columns, dropna=False) if columns else [((), pairs)]
    for key, group in groups:
        if group.empty:
            continue
        key = key if isinstance(key, tuple) else (key,)
        k = weighted_kappa(group["grade"], group["second_grade"], audit.grade_names(config))
        steps = (_rank_of(group["grade"], config) - _rank_of(group["second_grade"], config)).abs()
        ci = _wilson([k["agreed"]], [k["n"]]).iloc[0]
        rows.append(
            {
                **dict(zip(columns, key, strict=True)),
                "items": k["n"],
                "cases": group["case"].nunique(),
                "agreed": k["agreed"],
                "agreement_pct": ci["value"],
                "agreement_lower": ci["lower"],
                "agreement_upper": ci["upper"],
                "within_one_pct": 100 * float((steps <= 1).mean()),
                "kappa": k["kappa"],
                "kappa_lower": k["lower"],
                "kappa_upper": k["upper"],
                "kappa_se": k["se"],
                "strength": kappa_strength(k["kappa"]),
                "note": k["note"],
            }
        )
    table = _sorted(pd.DataFrame(rows, columns=[*columns, *AGREEMENT_COLUMNS]), columns, config)
    table.attrs.update(
        method=KAPPA_METHOD,
        note=ITEM_NOTE,
        count_columns=["items", "cases", "agreed"],
        rates={
            "agreement_pct": ["agreed"],
            "agreement_lower": ["agreed"],
            "agreement_upper": ["agreed"],
            "within_one_pct": ["items"],
            "kappa": ["items"],
            "kappa_lower": ["items"],
            "kappa_upper": ["items"],
            "kappa_se": ["items"],
        },
    )
    return table


MODERATION_COLUMNS = (
    "moderated",
    "confirmed",
    "moved_up",
    "moved_down",
    "changed",
    "changed_pct",
    "changed_lower",
    "changed_upper",
    "direction",
)


def moderation_summary(
    records: pd.DataFrame, by: str | Sequence[str] | None = None
) -> pd.DataFrame:
    """How often moderation moved the auditor's grade, and which way.

    Inputs: audit records; ``by`` (None for one row). Answers count when status is "ok" and
    both ``grade`` and ``moderated_grade`` are grades. Output: one row per group: the ``by``
    columns, ``moderated``, ``confirmed``, ``moved_up`` (moderated grade better than the
    auditor's), ``moved_down``, ``changed`` (up + down), ``changed_pct`` with its Wilson
    interval (``changed_lower``, ``changed_upper``) and ``direction`` (a sentence: mostly
    down means auditors graded more generously than moderation agreed). ``attrs``:
    ``count_columns``, ``rates`` and ``column_total`` ("moderated" = confirmed + moved_up +
    moved_down) for :func:`for_tier`, and ``note``. Raises: InvalidArgumentError for a
    missing column.

    >>> r = pd.DataFrame({"status": "ok", "grade": ["Good", "Good", "Inadequate", "Good"],
    ...     "moderated_grade": ["Requires improvement", "Good", "Requires improvement", ""]})
    >>> moderation_summary(r)[["moderated", "confirmed", "moved_up", "moved_down"]]
       moderated  confirmed  moved_up  moved_down
    0          3          1         1           1
    """
    config = audit.audit_config()
    columns = _by(by)
    _check_columns(records, [*columns, "status", "grade", "moderated_grade"])
    ranks = audit.grade_ranks(config)
    moderated = records[
        (records["status"] == "ok")
        & records["grade"].isin(list(ranks))
        & records["moderated_grade"].isin(list(ranks))
    ].copy()
    moderated["step"] = _rank_of(moderated["moderated_grade"], config) - _rank_of(
        moderated["grade"], config
    )
    rows = []
    groups = moderated.groupby(columns, dropna=False) if columns else [((), moderated)]
    for key, group in groups:
        if group.empty:
            continue
        key = key if isinstance(key, tuple) else (key,)
        up, down = int((group["step"] > 0).sum()), int((group["step"] < 0).sum())
        total = len(group)
        ci = _wilson([up + down], [total]).iloc[0]
        if up + down == 0:
            direction = "moderation confirmed every grade it looked at"
        elif down > up:
            direction = "mostly down: auditors graded more generously than moderation agreed"
        elif up > down:
            direction = "mostly up: auditors graded more harshly than moderation agreed"
        else:
            direction = "as many up as down"
        rows.append(
            {
                **dict(zip(columns, key, strict=True)),
                "moderated": total,
                "confirmed": total - up - down,
                "moved_up": up,
                "moved_down": down,
                "changed": up + down,
                "changed_pct": ci["value"],
                "changed_lower": ci["lower"],
                "changed_upper": ci["upper"],
                "direction": direction,
            }
        )
    table = _sorted(pd.DataFrame(rows, columns=[*columns, *MODERATION_COLUMNS]), columns, config)
    table.attrs.update(
        note=ITEM_NOTE,
        count_columns=["confirmed", "moved_up", "moved_down", "moderated"],
        column_total="moderated",
        rates={
            "changed": ["moved_up", "moved_down"],
            "changed_pct": ["moved_up", "moved_down"],
            "changed_lower": ["moved_up", "moved_down"],
            "changed_upper": ["moved_up", "moved_down"],
        },
    )
    return table


def moderation_matrix(records: pd.DataFrame) -> pd.DataFrame:
    """Cross-table of auditor grade (rows) against moderated grade (columns), best first.

    Input: audit records (status "ok", both grades real grades). Output: a square DataFrame of
    counts indexed by grade, with ``Total`` row and column; the cells above the diagonal are
    grades moderation moved down. For a board output use
    ``disclosure.table_for_tier(m, row_total="Total", column_total="Total")``.
    Raises: InvalidArgumentError for a missing column.
    """
    _check_columns(records, ["status", "grade", "moderated_grade"])
    grades = audit.grade_names()
    moderated = records[
        (records["status"] == "ok")
        & records["grade"].isin(grades)
        & records["moderated_grade"].isin(grades)
    ]
    matrix = pd.crosstab(
        pd.Categorical(moderated["grade"], categories=grades),
        pd.Categorical(moderated["moderated_grade"], categories=grades),
        dropna=False,
    )
    matrix = matrix.reindex(index=grades, columns=grades, fill_value=0).astype(int)
    matrix.index.name, matrix.columns.name = "auditor grade", "moderated grade"
    matrix["Total"] = matrix.sum(axis=1)
    matrix.loc["Total"] = matrix.sum(axis=0)
    return matrix


# --- trends -----------------------------------------------------------------------------------


def compare_audits(
    records: pd.DataFrame, theme: str | None = None, borough: str | None = None
) -> pd.DataFrame:
    """Share good or better per audit, and whether each repeat audit differs from the last.

    Inputs: audit records from several audits; optional ``theme`` and ``borough`` filters
    (exact values of those columns, e.g. "neglect", "Barnet"). Audits are compared only with
    earlier audits of the same theme in the same borough, ordered by ``audit_date``.
    Output: one row per audit: ``borough, theme, audit_id, audit_date, graded,
    good_or_better, good_or_better_pct, lower, upper`` (Wilson 95%), then against the
    previous audit: ``previous_audit``, ``change_pts`` (percentage points), ``change_lower``,
    ``change_upper`` (Newcombe 95%), ``p_value`` (Fisher's exact, two-sided) and ``verdict``:
    "first audit", "improved (beyond chance)", "declined (beyond chance)", "higher, but within
    chance", "lower, but within chance" or "no change". ``attrs["test"]`` names the test.
    Raises: InvalidArgumentError for a missing column.
    """
    columns = ["borough", "theme", "audit_id", "audit_date"]
    _check_columns(records, [*columns, "status", "final_grade"])
    selected = records
    if theme is not None:
        selected = selected[selected["theme"] == theme]
    if borough is not None:
        selected = selected[selected["borough"] == borough]
    table = grade_distribution(selected, by=columns)
    out_columns = [
        "borough",
        "theme",
        "audit_id",
        "audit_date",
        "graded",
        "good_or_better",
        "good_or_better_pct",
        "lower",
        "upper",
        "previous_audit",
        "change_pts",
        "change_lower",
        "change_upper",
        "p_value",
        "verdict",
    ]
    rows = []
    ordered = table.assign(_date=pd.to_datetime(table["audit_date"], errors="coerce"))
    ordered = ordered.sort_values(["borough", "theme", "_date", "audit_id"])
    for _, group in ordered.groupby(["borough", "theme"], sort=False, dropna=False):
        previous = None
        for row in group.itertuples(index=False):
            item = {c: getattr(row, c) for c in out_columns[:9]}
            item.update(
                previous_audit="",
                change_pts=np.nan,
                change_lower=np.nan,
                change_upper=np.nan,
                p_value=np.nan,
                verdict="first audit",
            )
            if previous is not None:
                item.update(_change(row, previous))
            rows.append(item)
            previous = row
    result = pd.DataFrame(rows, columns=out_columns)
    sources = ["good_or_better", "graded"]
    result.attrs.update(
        test=TREND_TEST,
        note=ITEM_NOTE,
        count_columns=["good_or_better", "graded"],
        rates={
            "good_or_better_pct": sources,
            "lower": sources,
            "upper": sources,
            "change_pts": sources,
            "change_lower": sources,
            "change_upper": sources,
        },
    )
    return result


REPEAT_DERIVED = (
    "graded",
    "good_or_better",
    "good_or_better_pct",
    "lower",
    "upper",
    "change_pts",
    "change_lower",
    "change_upper",
    "p_value",
)
CHANGE_DERIVED = ("change_pts", "change_lower", "change_upper", "p_value")


def protect_repeat_audits(
    sections: pd.DataFrame, repeats: pd.DataFrame, tier: str = disclosure_config.DEFAULT_TIER
) -> pd.DataFrame:
    """Secondary suppression across tables: repeat-audit totals against section counts.

    An audit's totals in the repeat-audit table (graded, good or better) are the sums of its
    sections' counts, and a change is the difference from the previous audit, so either could
    give a suppressed section count back. Inputs: ``sections`` (the board table of
    :func:`grade_distribution` by ``["audit_id", "section"]`` after :func:`for_tier`),
    ``repeats`` (the board table of :func:`compare_audits` after :func:`for_tier`), ``tier``.
    Output: a copy of ``repeats`` where every audit with a suppressed section count shows the
    symbol for ``REPEAT_DERIVED``, and a row whose previous audit is suppressed shows it for
    ``CHANGE_DERIVED``. The analyst tier is returned unchanged. Raises: ParameterError.
    """
    if disclosure_config.validate_tier(tier) == "analyst" or repeats.empty or sections.empty:
        return repeats
    symbol = disclosure_config.load_disclosure_rules().symbol
    counts = [c for c in sections.attrs.get("count_columns", []) if c in sections.columns]
    hit = sections[counts].astype(object).eq(symbol).any(axis=1)
    suppressed = set(sections.loc[hit, "audit_id"])
    hit_rows = repeats["good_or_better"].astype(object).eq(symbol)
    suppressed |= set(repeats.loc[hit_rows, "audit_id"])
    out = repeats.copy()
    for columns, rows in (
        (REPEAT_DERIVED, out["audit_id"].isin(suppressed)),
        (CHANGE_DERIVED, out["previous_audit"].isin(suppressed)),
    ):
        for column in columns:
            values = out[column].astype(object)
            values[rows & values.notna()] = symbol
            out[column] = values
    return out


def _change(row, previous) -> dict:
    now, before = int(row.good_or_better), int(previous.good_or_better)
    n_now, n_before = int(row.graded), int(previous.graded)
    _, p_value = fisher_exact([[now, n_now - now], [before, n_before - before]])
    low, high = confint_proportions_2indep(
        now, n_now, before, n_before, method="newcomb", compare="diff"
    )
    change = 100 * (now / n_now - before / n_before)
    if p_value < 0.05:
        verdict = "improved (beyond chance)" if change > 0 else "declined (beyond chance)"
    elif change > 0:
        verdict = "higher, but within chance"
    elif change < 0:
        verdict = "lower, but within chance"
    else:
        verdict = "no change"
    return {
        "previous_audit": previous.audit_id,
        "change_pts": change,
        "change_lower": 100 * float(low),
        "change_upper": 100 * float(high),
        "p_value": float(p_value),
        "verdict": verdict,
    }


# --- evidence ---------------------------------------------------------------------------------


def evidence_by_question(
    records: pd.DataFrame, question_id: str | None = None, agency: str | None = None
) -> pd.DataFrame:
    """The evidence auditors wrote, gathered per question, never with identifiers.

    Inputs: audit records; optional ``question_id`` and ``agency`` filters. Withheld evidence
    (``evidence_withheld`` not empty), blank evidence, duplicates and rows with an unknown
    question are left out; no case pseudonym is included.
    Output: ``audit_id, borough, theme, section, question_id, question, agency, final_grade,
    evidence``, in question-bank order then by grade (best first).
    ``attrs["withheld"]``: how many evidence cells were withheld. Raises:
    InvalidArgumentError for a missing column.
    """
    columns = [
        "audit_id",
        "borough",
        "theme",
        "section",
        "question_id",
        "question",
        "agency",
        "final_grade",
        "evidence",
    ]
    _check_columns(records, [*columns, "evidence_withheld", "status"])
    withheld = records["evidence_withheld"].fillna("").astype(str) != ""
    text = records["evidence"].fillna("").astype(str).str.strip()
    keep = (
        ~withheld
        & (text != "")
        & (text != audit.WITHHELD_TEXT)
        & (records["question_id"].fillna("") != "")
        & (records["status"] != "duplicate")
    )
    if question_id is not None:
        keep &= records["question_id"] == question_id
    if agency is not None:
        keep &= records["agency"] == agency
    out = records.loc[keep, columns].copy()
    out["evidence"] = text[keep]
    order = {q: n for n, q in enumerate(records["question_id"].drop_duplicates())}
    config = audit.audit_config()
    out = out.assign(
        _s=out["section"].map(_section_order(config)).fillna(99),
        _q=out["question_id"].map(order),
        _g=-_rank_of(out["final_grade"], config),
    )
    out = out.sort_values(["audit_id", "_s", "_q", "_g", "agency"]).drop(columns=["_s", "_q", "_g"])
    out = out.reset_index(drop=True)
    out.attrs["withheld"] = int(withheld.sum())
    return out


# --- questions this raises --------------------------------------------------------------------


def _figure_phrase(text: str, subject: str, counts, tier: str, suppressed: bool = False) -> str:
    """``text`` when the board may see it (:func:`lscb_analysis.protect.disclosure_figures.derived_visible`),
    else "<subject> is suppressed (fewer than 6)" (the wording from disclosure.yaml)."""
    if disclosure_figures.derived_visible(counts, tier, suppressed=suppressed):
        return text
    return f"{subject} is {disclosure_config.suppressed_wording()}"


def weak_sections(
    records: pd.DataFrame,
    threshold_pct: float | None = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> pd.DataFrame:
    """Sections of each audit where few graded answers were good or better.

    Inputs: audit records; ``threshold_pct`` (None: ``analysis.weak_below_pct`` in
    audit_themes.yaml); ``tier`` (``board``: a section whose grade counts the board table
    suppresses is left out, since even "below 50%" is worked out from its suppressed counts;
    ``attrs["withheld"]`` counts every such section, weak or not, so the count says nothing
    about which were weak). Output: the weak sections, weakest first:
    ``audit_id, borough, theme, section, section_title, graded, good_or_better_pct, lower,
    upper, certainty`` ("clearly below" when the whole interval is under the threshold, else
    "below, but the interval reaches the threshold") and ``question`` (a sentence for "questions this raises": the share, its interval and the section's
    prompt; percentages only, no counts). Raises: InvalidArgumentError for a missing column;
    ParameterError for an unknown tier.
    """
    config = audit.audit_config()
    threshold = float(
        threshold_pct if threshold_pct is not None else config["analysis"]["weak_below_pct"]
    )
    columns = ["audit_id", "borough", "theme", "section"]
    table = grade_distribution(records, by=columns)
    hidden = disclosure.rows_with_suppression(
        table,
        tier,
        count_columns=table.attrs["count_columns"],
        column_total=table.attrs["column_total"],
    )
    weak = table[(table["good_or_better_pct"] < threshold) & ~hidden].copy()
    sections = config["sections"]
    weak["section_title"] = weak["section"].map(lambda s: sections[s]["title"])
    weak["certainty"] = np.where(
        weak["upper"] < threshold, "clearly below", "below, but the interval reaches the threshold"
    )
    weak["question"] = [
        f"{row.section_title} ({row.audit_id}): "
        + f"{row.good_or_better_pct:.0f}% of graded answers were good or better (95% "
        f"interval {row.lower:.0f}% to {row.upper:.0f}%), below {threshold:.0f}%. "
        f"{sections[row.section]['prompt']}"
        for row in weak.itertuples()
    ]
    out = weak[
        [
            "audit_id",
            "borough",
            "theme",
            "section",
            "section_title",
            "graded",
            "good_or_better_pct",
            "lower",
            "upper",
            "certainty",
            "question",
        ]
    ]
    out = out.sort_values(["good_or_better_pct", "audit_id"]).reset_index(drop=True)
    out.attrs.update(
        threshold_pct=threshold,
        note=ITEM_NOTE,
        count_columns=["graded"],
        withheld=int(hidden.sum()),
        rates={"good_or_better_pct": ["graded"], "lower": ["graded"], "upper": ["graded"]},
    )
    return out


def low_agreement(
    records: pd.DataFrame,
    kappa_below: float | None = None,
    moderation_above_pct: float | None = None,
    min_items: int | None = None,
    tier: str = disclosure_config.DEFAULT_TIER,
) -> pd.DataFrame:
    """Where auditors disagree, or moderation moves many grades: signals for the deep dive.

    Inputs: audit records; thresholds (None: the ``analysis`` section of audit_themes.yaml:
    ``kappa_low_below``, ``moderation_changed_above_pct``, ``min_items``). Checked for each
    audit as a whole ("all agencies") and for each agency in it.
    Output: one row per signal: ``audit_id, borough, theme, agency, measure`` ("auditor
    agreement", "moderation" or "too few double-marked"), ``items``, ``value`` (kappa, or the
    % of moderated grades changed), ``lower``, ``upper``, ``question`` (a sentence; no counts
    of cases; on the board tier a figure computed from a count from 1 to the threshold, or
    its complement, is replaced by the suppression wording via
    :func:`lscb_analysis.protect.disclosure_figures.show_figure`). Raises: InvalidArgumentError for a missing
    column; ParameterError for an unknown tier.
    """
    config = audit.audit_config()
    settings = config["analysis"]
    kappa_limit = float(kappa_below if kappa_below is not None else settings["kappa_low_below"])
    moderation_limit = float(
        moderation_above_pct
        if moderation_above_pct is not None
        else settings["moderation_changed_above_pct"]
    )
    minimum = int(min_items if min_items is not None else settings["min_items"])
    _check_columns(records, ["audit_id", "borough", "theme", "agency"])
    rows = []
    levels = (["audit_id", "borough", "theme"], ["audit_id", "borough", "theme", "agency"])
    for columns in levels:
        agreement = auditor_agreement(records, by=columns)
        for row in agreement.itertuples(index=False):
            who = audit.agency_sheet_title(row.agency) if "agency" in columns else "all agencies"
            base = {
                "audit_id": row.audit_id,
                "borough": row.borough,
                "theme": row.theme,
                "agency": who,
            }
            if row.items < minimum:
                if "agency" not in columns:
                    rows.append(
                        {
                            **base,
                            "measure": "too few double-marked",
                            "items": row.items,
                            "value": np.nan,
                            "lower": np.nan,
                            "upper": np.nan,
                            "question": f"{row.audit_id}: too few answers were "
                            "double-marked to judge whether auditors grade alike. Should "
                            "more cases be double-marked next time?",
                        }
                    )
                continue
            if np.isfinite(row.kappa) and row.kappa < kappa_limit:
                rows.append(
                    {
                        **base,
                        "measure": "auditor agreement",
                        "items": row.items,
                        "value": row.kappa,
                        "lower": row.kappa_lower,
                        "upper": row.kappa_upper,
                        "question": f"{row.audit_id}, {who}: "
                        + _figure_phrase(
                            "auditors gave the same grade in "
                            f"{row.agreement_pct:.0f}% of double-marked answers (weighted "
                            f"kappa {row.kappa:.2f}, 95% interval {row.kappa_lower:.2f} "
                            f"to {row.kappa_upper:.2f}; {row.strength} agreement)",
                            f"auditor agreement ({row.strength})",
                            (row.agreed, row.items, row.items - row.agreed, row.cases),
                            tier,
                        )
                        + ". Are the grade descriptors understood the same "
                        "way across the partnership?",
                    }
                )
        moderation = moderation_summary(records, by=columns)
        for row in moderation.itertuples(index=False):
            if row.moderated < minimum or not row.changed_pct > moderation_limit:
                continue
            who = audit.agency_sheet_title(row.agency) if "agency" in columns else "all agencies"
            rows.append(
                {
                    "audit_id": row.audit_id,
                    "borough": row.borough,
                    "theme": row.theme,
                    "agency": who,
                    "measure": "moderation",
                    "items": row.moderated,
                    "value": row.changed_pct,
                    "lower": row.changed_lower,
                    "upper": row.changed_upper,
                    "question": f"{row.audit_id}, {who}: "
                    + _figure_phrase(
                        f"moderation changed {row.changed_pct:.0f}% of the grades it "
                        f"reviewed ({row.direction})",
                        f"the share of grades moderation changed ({row.direction})",
                        (row.moderated, row.confirmed, row.moved_up, row.moved_down),
                        tier,
                    )
                    + ". "
                    "What does this say about how auditors read the evidence, and is "
                    "auditor training needed?",
                }
            )
    out = pd.DataFrame(
        rows,
        columns=[
            "audit_id",
            "borough",
            "theme",
            "agency",
            "measure",
            "items",
            "value",
            "lower",
            "upper",
            "question",
        ],
    )
    out.attrs.update(
        kappa_below=kappa_limit,
        moderation_above_pct=moderation_limit,
        min_items=minimum,
        method=KAPPA_METHOD,
    )
    return out
