"""Coverage helpers over the best-fit model, for the gap analysis.

* :func:`partner_share` and :func:`local_authority_share`: how much of the model rests on
  data the council holds, against partners and the partnership;
* :func:`keyword_table`: the words that identify each PI in survey item text.
"""

from __future__ import annotations

import pandas as pd

from lscb_analysis.core.errors import CatalogueError
from lscb_analysis.model.catalogue import Catalogue
from lscb_analysis.model.catalogue_enums import load_candidates, load_enums

SHARE_SECTORS = ("local authority", "partner", "partnership")


def partner_share(
    catalogue: Catalogue, by: str = "agency", *, include_postponed: bool = False
) -> pd.DataFrame:
    """Share of PIs by the agency that holds the data: is the model biased to council data?

    Each PI's ``source_agency`` is put in a sector: ``local authority`` (agencies listed in
    ``local_authority_agencies``, from survey.yaml: children's social care and other council
    services), ``partnership`` (``partnership_agencies``: the board itself, multi-agency) or
    ``partner`` (police, health, probation, voluntary sector, ...).

    Inputs: ``catalogue``; ``by``: ``"agency"`` or ``"sector"``; ``include_postponed`` to
    count postponed PIs too (default: current PIs only).
    Output: ``by="agency"``: columns ``agency, sector, pis, share_pct``; ``by="sector"``:
    ``sector, pis, share_pct`` (all three sectors, zeros included). Sorted by PIs, most first;
    share_pct is a percentage of the PIs counted (0-100, 1 decimal).
    Raises: CatalogueError for another ``by``, or when the code lists are missing.

    >>> from lscb_analysis.model.catalogue import load_catalogue
    >>> share = partner_share(load_catalogue("1.0"), by="sector").set_index("sector")
    >>> bool(50 < share.at["local authority", "share_pct"] < 80)
    True
    """
    if by not in ("agency", "sector"):
        raise CatalogueError(f"partner_share: by must be 'agency' or 'sector', not {by!r}.")
    enums = load_enums()
    pis = catalogue.pis if include_postponed else catalogue.current
    sectors = pis["source_agency"].map(lambda agency: _sector(agency, enums))
    table = pd.DataFrame({"agency": pis["source_agency"].to_numpy(), "sector": sectors.to_numpy()})
    total = len(table)
    if by == "agency":
        out = table.groupby(["agency", "sector"], sort=False).size().rename("pis").reset_index()
    else:
        counts = table.groupby("sector").size()
        out = pd.DataFrame(
            {"sector": list(SHARE_SECTORS), "pis": [int(counts.get(s, 0)) for s in SHARE_SECTORS]}
        )
    out["share_pct"] = [round(100 * n / total, 1) if total else float("nan") for n in out["pis"]]
    return out.sort_values("pis", ascending=False, kind="stable").reset_index(drop=True)


def local_authority_share(catalogue: Catalogue, *, include_postponed: bool = False) -> float:
    """Percentage of (current) PIs whose data the council holds; see :func:`partner_share`.

    >>> from lscb_analysis.model.catalogue import load_catalogue
    >>> round(local_authority_share(load_catalogue("0.1"))) > round(
    ...     local_authority_share(load_catalogue("1.0")))
    True
    """
    share = partner_share(catalogue, by="sector", include_postponed=include_postponed)
    return float(share.set_index("sector").at["local authority", "share_pct"])


def keyword_table(catalogue: Catalogue) -> pd.DataFrame:
    """Words that identify each PI in survey item text, for matching returns to the model.

    Output: DataFrame with columns ``pi_id, keyword, origin``: one row per distinct
    (lower-case) keyword per PI, from the PI's ``title`` (origin ``title``), its
    ``keywords`` (``keyword``) and the keywords of its Phase I candidate code in
    ``candidate_indicators.csv`` (``candidate``). Raises CatalogueError when the candidate
    list is missing.

    >>> from lscb_analysis.model.catalogue import load_catalogue
    >>> table = keyword_table(load_catalogue("1.0"))
    >>> "rhi" in set(table.loc[table["pi_id"] == "BF-YS-03", "keyword"])
    True
    """
    candidates = load_candidates().set_index("code")
    rows = []
    for pi in catalogue.pis.itertuples(index=False):
        seen: set[str] = set()
        sources = [("title", [pi.title]), ("keyword", list(pi.keywords))]
        if isinstance(pi.candidate_code, str) and pi.candidate_code in candidates.index:
            words = candidates.at[pi.candidate_code, "keywords"].split(";")
            sources.append(("candidate", words))
        for origin, words in sources:
            for word in words:
                keyword = " ".join(str(word).lower().split())
                if keyword and keyword not in seen:
                    seen.add(keyword)
                    rows.append((pi.id, keyword, origin))
    return pd.DataFrame(rows, columns=["pi_id", "keyword", "origin"])


def _sector(agency: str, enums: dict[str, dict[str, str]]) -> str:
    if agency in enums["local_authority_agencies"]:
        return "local authority"
    if agency in enums["partnership_agencies"]:
        return "partnership"
    return "partner"
