"""Phase III pilot: each PI classed feasible now, feasible with work or to postpone.

:func:`classify` applies ``feasibility_rule`` of ``data/reference/pilot_rules.yaml`` to the
provision and cycle tables of :mod:`lscb_analysis.pilot.pilot_provision`;
:func:`category_shares` and :func:`classification_finding` summarise it and
:func:`rule_text` states the rule in the report.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from lscb_analysis.model import catalogue as catalogue_module
from lscb_analysis.pilot.pilot_provision import NOT_ASKED, rules_or_default

CLASS_COLUMNS = [
    "pi_id",
    "title",
    "source",
    "boroughs",
    "providing",
    "partly",
    "share_providing",
    "share_some",
    "share_cycle_met",
    "error_share",
    "category",
    "reason",
    "asked_in",
]


def classify(
    provision_table: pd.DataFrame,
    cycle_table: pd.DataFrame,
    values: pd.DataFrame,
    catalogue: catalogue_module.Catalogue,
    rules: Mapping | None = None,
) -> pd.DataFrame:
    """Per current PI: feasible London-wide now, feasible with work, or to postpone.

    The rule (``feasibility_rule`` in pilot_rules.yaml, stated by :func:`rule_text`):
    *feasible now* when at least ``now.min_share_providing`` of the boroughs that returned
    provided it, at least ``now.min_share_cycle_met`` offer the cycle it needs, and at most
    ``now.max_error_share`` of its figures have errors; *to postpone* when fewer than
    ``postpone.min_share_some`` provided it at least partly; otherwise *feasible with work*.
    A PI that DfE publishes for every row is feasible now.
    Output: columns :data:`CLASS_COLUMNS`, in catalogue order.
    """
    rules = rules_or_default(rules)
    rule = rules["feasibility_rule"]
    now, postpone = rule["now"], rule["postpone"]
    categories = rule["categories"]
    pis = catalogue.current.set_index("id")
    with_figure = values[values["value"].notna() & ~values["prefilled"]]
    rows = []
    for pi_id, every in provision_table.groupby("pi_id", sort=False):
        # Only the boroughs whose returns were asked for the PI (their own model version).
        group = every[every["provision"] != NOT_ASKED]
        versions = ", ".join(
            sorted({v for text in group["asked_in"] for v in text.split(", ") if v})
        )
        if group.empty:
            rows.append(_not_yet_asked(pi_id, pis.loc[pi_id], rules))
            continue
        count = len(group)
        providing = int((group["provision"] == "provided").sum())
        partly = int((group["provision"] == "partly").sum())
        published = bool((group["provision"] == "published").all())
        cycle = cycle_table[cycle_table["pi_id"] == pi_id]
        cycle_share = float(cycle["cycle_met"].mean()) if len(cycle) else float("nan")
        figures = with_figure[with_figure["pi_id"] == pi_id]
        error_share = (
            float((figures["validation_status"] == "error").mean()) if len(figures) else 0.0
        )
        share = providing / count if count else 0.0
        some = (providing + partly) / count if count else 0.0
        if published:
            category, reason = categories[0], "Published by DfE for every borough."
        elif (
            share >= float(now["min_share_providing"])
            and (cycle_share >= float(now["min_share_cycle_met"]))
            and (error_share <= float(now["max_error_share"]))
        ):
            category = categories[0]
            reason = (
                f"{providing} of {count} boroughs provided it; {cycle_share:.0%} offer "
                "the cycle needed."
            )
        elif some < float(postpone["min_share_some"]):
            category = categories[2]
            reason = f"Only {providing + partly} of {count} boroughs provided it, even in part."
        else:
            category = categories[1]
            gaps = []
            if share < float(now["min_share_providing"]):
                gaps.append(
                    f"{count - providing} of {count} boroughs did not provide it every period"
                )
            if not cycle_share >= float(now["min_share_cycle_met"]):
                gaps.append(
                    f"only {cycle_share:.0%} offer the cycle needed"
                    if cycle_share == cycle_share
                    else "no cycle answers"
                )
            if error_share > float(now["max_error_share"]):
                gaps.append(f"{error_share:.0%} of its figures have errors")
            reason = "; ".join(gaps).capitalize() + "."
        pi = pis.loc[pi_id]
        rows.append(
            {
                "pi_id": pi_id,
                "title": pi["title"],
                "source": f"{pi['source_type']}: {pi['source_agency']}",
                "boroughs": count,
                "providing": providing,
                "partly": partly,
                "share_providing": share,
                "share_some": some,
                "share_cycle_met": cycle_share,
                "error_share": error_share,
                "category": category,
                "reason": reason,
                "asked_in": versions,
            }
        )
    return pd.DataFrame(rows, columns=CLASS_COLUMNS)


def _not_yet_asked(pi_id: str, pi: pd.Series, rules: Mapping) -> dict:
    """A PI no borough's returns were asked for: never recommended for postponing."""
    return {
        "pi_id": pi_id,
        "title": pi["title"],
        "source": f"{pi['source_type']}: {pi['source_agency']}",
        "boroughs": 0,
        "providing": 0,
        "partly": 0,
        "share_providing": float("nan"),
        "share_some": float("nan"),
        "share_cycle_met": float("nan"),
        "error_share": float("nan"),
        "category": rules["feasibility_rule"]["not_asked_category"],
        "reason": "No borough was asked for it: it is not in the model version of any return.",
        "asked_in": "",
    }


def classification_finding(classified: pd.DataFrame) -> str:
    """A chart title: how many PIs fall in each category."""
    if classified.empty:
        return "No PIs to classify"
    counts = classified["category"].value_counts()
    parts = [f"{int(counts.get(c, 0))} {c}" for c in dict.fromkeys(classified["category"])]
    return f"Of {len(classified)} PIs: " + ", ".join(parts)


def category_shares(classified: pd.DataFrame, rules: Mapping | None = None) -> pd.DataFrame:
    """Per PI, the share of boroughs for which it was provided, published, partly or not
    available (for :func:`lscb_analysis.present.grid_charts.category_bars`), grouped by category in the
    rule's order, most provided first. Index: ``PI (category)``."""
    rules = rules_or_default(rules)
    rule = rules["feasibility_rule"]
    order = {c: n for n, c in enumerate([*rule["categories"], rule["not_asked_category"]])}
    table = classified.assign(_order=classified["category"].map(order)).sort_values(
        ["_order", "share_providing"], ascending=[True, False], kind="stable"
    )
    published = (table["share_some"] == 0) & (table["reason"].str.startswith("Published"))
    never = (table["category"] == rule["not_asked_category"]).astype(float)
    index = table["pi_id"] + " (" + table["category"] + ")"
    return pd.DataFrame(
        {
            "provided": table["share_providing"].fillna(0).to_numpy(),
            "published": published.astype(float).to_numpy(),
            "partly": (table["share_some"] - table["share_providing"]).fillna(0).to_numpy(),
            "not available": (1 - table["share_some"] - published.astype(float))
            .fillna(0)
            .to_numpy(),
            NOT_ASKED: never.to_numpy(),
        },
        index=index.to_numpy(),
    )


def rule_text(rules: Mapping | None = None) -> str:
    """The feasibility rule in plain English (markdown), with the thresholds in use."""
    rules = rules_or_default(rules)
    rule = rules["feasibility_rule"]
    now, postpone = rule["now"], rule["postpone"]
    return (
        f"A borough **provided** a PI when it gave a usable figure for at least "
        f"{float(rule['provided_share']):.0%} of the periods it was asked to fill (not "
        "pre-filled, not marked 'not yet due'), **partly** when for some, **not available** "
        "when for none. A PI is **feasible London-wide now** when at least "
        f"{float(now['min_share_providing']):.0%} of the boroughs that returned provided it, "
        f"at least {float(now['min_share_cycle_met']):.0%} offer the reporting cycle it needs "
        f"and no more than {float(now['max_error_share']):.0%} of its figures have errors; "
        f"**to postpone** when fewer than {float(postpone['min_share_some']):.0%} provided it "
        "even in part; otherwise **feasible with work**. Thresholds: `feasibility_rule` in "
        "`data/reference/pilot_rules.yaml`."
    )
