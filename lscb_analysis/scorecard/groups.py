"""Sub-group names the way people write them: case, spaces, "&", short forms and synonyms.

:func:`resolve_group` finds the model's sub-group a user means ("young & safe", "CDOP",
" Neglect ") among the sub-groups of the catalogue's PIs, using the synonyms of
``data/reference/scorecard.yaml`` ``subgroups.synonyms`` (written name -> the model's name); on
no match it lists the valid names.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from lscb_analysis.core import name_text
from lscb_analysis.core.errors import ParameterError


def group_key(text: str) -> str:
    """A name reduced to compare: lower case, "&" read as "and", punctuation and extra spaces gone.

    >>> group_key("  Young & Safe "), group_key("L&D"), group_key("Child-Death  Overview")
    ('young and safe', 'l and d', 'child death overview')
    """
    text = str(text).lower().replace("&", " and ")
    return " ".join(re.sub(r"[^a-z0-9()]+", " ", text).split())


def _short(key: str) -> str:
    """The key without a bracketed part: "young and safe (exploitation and missing)" -> "young and safe"."""
    return " ".join(re.sub(r"\([^)]*\)", " ", key).split())


def resolve_group(text: str, known: Iterable[str], synonyms: Mapping | None = None) -> str:
    """The model's sub-group named by ``text``: its exact name, a synonym, or its name without
    the bracketed part ("young and safe" for "young and safe (exploitation and missing)").

    Output: the sub-group as the model spells it.
    Raises: ParameterError (parameter 'subgroup') listing the valid names, when ``text``
    names none of them or more than one; InvalidNameError when it holds hidden characters.

    >>> known = ["young and safe (exploitation and missing)", "child death overview", "LADO"]
    >>> resolve_group("Young & Safe", known), resolve_group("CDOP", known, {"cdop": "child death overview"})
    ('young and safe (exploitation and missing)', 'child death overview')
    >>> resolve_group("lado", known)
    'LADO'
    """
    names = sorted(set(known))
    by_key = {group_key(name): name for name in names}
    # A name with hidden characters (a right-to-left override) is refused, never read as
    # the group it looks like.
    wanted = group_key(name_text.check_name(text, "sub-group"))
    aliases = {group_key(k): group_key(v) for k, v in (synonyms or {}).items()}
    wanted = aliases.get(wanted, wanted)
    if wanted in by_key:
        return by_key[wanted]
    short = [name for key, name in by_key.items() if _short(key) == _short(wanted)]
    if len(short) == 1:
        return short[0]
    raise ParameterError(
        f"Parameter 'subgroup': {text!r} is not a sub-group of the model's PIs. Use one of: "
        f"{', '.join(names)} (case, spaces and '&' for 'and' do not matter; short names such "
        "as CDOP are listed in data/reference/scorecard.yaml subgroups.synonyms); or leave it "
        "empty for all."
    )
