"""The local authority register and the resolver that turns written names into it.

The register (``data/reference/la_register.csv``) holds every English local authority: its DfE
LA number, ONS code, name, region, type, inner or outer London, whether it still exists, and
its ten DfE statistical neighbours (2025 model). It is built from the published files by
:func:`build_register` (``lscb data register``) and read by :func:`load_register`.

The resolver accepts the names people actually write: "Kensington & Chelsea", "RBKC",
"LB Barnet", "Richmond", ONS codes (E09000002) and DfE numbers (301), in any case or spacing.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from lscb_analysis.core import io, name_text
from lscb_analysis.core.errors import (
    DataLayoutError,
    InvalidNameError,
    ReferenceDataError,
    UnknownAreaError,
)

REGISTER_FILE = "la_register.csv"
NEIGHBOUR_COLUMNS = [f"sn_{rank}" for rank in range(1, 11)]
REGISTER_COLUMNS = [
    "la_number",
    "ons_code",
    "la_name",
    "region",
    "region_code",
    "london_sub_region",
    "la_type",
    "la_type_label",
    "is_current",
    *NEIGHBOUR_COLUMNS,
]
LA_CODE_LIST_FILE = "la_code_list.xlsx"
NEIGHBOUR_MODEL_FILE = "sn_model_2025_wide.csv"
# The children-in-need file has every LA row for 2013-2025 with its ONS code and region.
ONS_CODE_SOURCE_FILE = "b1_children_in_need_2013_to_2025.csv"


@dataclass(frozen=True)
class LocalAuthority:
    """One local authority from the register."""

    la_number: str
    ons_code: str
    name: str
    region: str
    london_sub_region: str
    la_type: str
    is_current: bool
    neighbours: tuple[str, ...]

    @property
    def slug(self) -> str:
        """Folder-safe name, e.g. ``kensington-and-chelsea``."""
        return slugify(self.name)

    @property
    def is_london(self) -> bool:
        """True for the 33 London boroughs (including the City of London)."""
        return self.region == "London"


def slugify(text: str) -> str:
    """Return a lower-case, hyphenated, folder-safe version of ``text``.

    >>> slugify("Kensington and Chelsea")
    'kensington-and-chelsea'
    >>> slugify("Bristol, City of")
    'bristol-city-of'
    """
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def normalise_name(text: str) -> str:
    """Lower-case a name, read ``&`` as ``and`` and drop punctuation and extra spaces.

    >>> normalise_name("  Kensington & Chelsea ")
    'kensington and chelsea'
    >>> normalise_name("Bristol, City of")
    'bristol city of'
    """
    text = str(text).lower().replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text)
    return " ".join(text.split())


def build_register() -> pd.DataFrame:
    """Build the register from the published files in ``data/external/``.

    Reads ``la_code_list.xlsx`` (number, name, region, type), ``sn_model_2025_wide.csv``
    (statistical neighbours; an LA in the model is current) and the children-in-need file
    (ONS code of each LA, latest year first, and DfE's inner/outer London split).

    Returns:
        One row per LA with the columns of ``REGISTER_COLUMNS`` (all text; ``is_current`` is
        ``"yes"``/``"no"``), sorted by LA number.

    Raises:
        DataLayoutError: a published file lacks a needed column or an LA has no ONS code.
    """
    code_list = io.read_published_excel(
        LA_CODE_LIST_FILE, ["LA Number", "LA Name", "Region", "Type"]
    )
    code_list = code_list[code_list["Type"].notna()].copy()
    code_list["la_number"] = code_list["LA Number"].str.strip()

    model = io.read_published_csv(
        NEIGHBOUR_MODEL_FILE, ["old_la_code", "la_name", *[f"SN_{r}" for r in range(1, 11)]]
    )
    neighbours = model.rename(
        columns={f"SN_{rank}": f"sn_{rank}" for rank in range(1, 11)}
    ).set_index("old_la_code")[NEIGHBOUR_COLUMNS]

    cin = io.read_published_csv(
        ONS_CODE_SOURCE_FILE,
        [
            "time_period",
            "geographic_level",
            "old_la_code",
            "new_la_code",
            "region_code",
            "region_name",
        ],
    )
    la_rows = cin[cin["geographic_level"] == "Local authority"].sort_values(
        "time_period", ascending=False
    )
    latest = la_rows.drop_duplicates("old_la_code").set_index("old_la_code")
    regions = cin[cin["geographic_level"] == "Regional"].drop_duplicates("region_name")
    region_codes = dict(zip(regions["region_name"], regions["region_code"], strict=True))

    types = io.read_reference_csv("la_types.csv", ["code", "label"])
    type_labels = dict(zip(types["code"], types["label"], strict=True))

    rows = []
    for record in code_list.itertuples(index=False):
        number = record.la_number
        if number not in latest.index:
            raise DataLayoutError(
                f"LA {number} ({record._1}) in {LA_CODE_LIST_FILE} has no rows in "
                f"{ONS_CODE_SOURCE_FILE}, so its ONS code is unknown. Check both files are "
                "the published versions listed in data/external/README.md."
            )
        sub_region_name = str(latest.at[number, "region_name"])
        is_london = sub_region_name in ("Inner London", "Outer London")
        region = "London" if is_london else str(record.Region)
        row = {
            "la_number": number,
            "ons_code": latest.at[number, "new_la_code"],
            "la_name": str(record._1).strip(),
            "region": region,
            "region_code": region_codes.get(region, ""),
            "london_sub_region": sub_region_name.split()[0].lower() if is_london else "",
            "la_type": record.Type,
            "la_type_label": type_labels.get(record.Type, record.Type),
            "is_current": "yes" if number in neighbours.index else "no",
        }
        for column in NEIGHBOUR_COLUMNS:
            row[column] = neighbours.at[number, column] if number in neighbours.index else ""
        rows.append(row)
    register = pd.DataFrame(rows, columns=REGISTER_COLUMNS)
    return register.sort_values("la_number", key=lambda s: s.astype(int)).reset_index(drop=True)


@lru_cache(maxsize=1)
def load_register() -> pd.DataFrame:
    """Read the register from ``data/reference/la_register.csv``.

    Returns:
        The register with the columns of ``REGISTER_COLUMNS`` as text.

    Raises:
        ReferenceDataError: the file is missing or lacks a column (rebuild it with
        ``lscb data register``).
    """
    return io.read_reference_csv(REGISTER_FILE, REGISTER_COLUMNS)


def _record(row: pd.Series) -> LocalAuthority:
    return LocalAuthority(
        la_number=row["la_number"],
        ons_code=row["ons_code"],
        name=row["la_name"],
        region=row["region"],
        london_sub_region=row["london_sub_region"],
        la_type=row["la_type"],
        is_current=row["is_current"] == "yes",
        neighbours=tuple(row[c] for c in NEIGHBOUR_COLUMNS if row[c]),
    )


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], dict[str, str], tuple[list[str], list[str]]]:
    """Return (key -> LA number, LA number -> name, (prefixes, suffixes))."""
    register = load_register()
    rules = io.read_reference_yaml("area_name_rules.yaml")
    prefixes = sorted(
        (normalise_name(p) for p in rules.get("strip_prefixes", [])), key=len, reverse=True
    )
    suffixes = sorted(
        (normalise_name(s) for s in rules.get("strip_suffixes", [])), key=len, reverse=True
    )
    keys: dict[str, str] = {}
    names: dict[str, str] = {}
    for row in register.itertuples(index=False):
        names[row.la_number] = row.la_name
        # "Bristol, City of" is also written "Bristol": index the part before the comma too.
        for key in (row.la_number, row.ons_code, row.la_name, row.la_name.split(",")[0]):
            keys.setdefault(normalise_name(key), row.la_number)
    aliases = io.read_reference_csv("area_aliases.csv", ["alias", "la_number"])
    for alias in aliases.itertuples(index=False):
        if alias.la_number not in names:
            raise ReferenceDataError(
                f"data/reference/area_aliases.csv: alias {alias.alias!r} points to LA number "
                f"{alias.la_number}, which is not in the register. Correct the number."
            )
        keys[normalise_name(alias.alias)] = alias.la_number
    return keys, names, (prefixes, suffixes)


def _strip_words(key: str, prefixes: list[str], suffixes: list[str]) -> str:
    for prefix in prefixes:
        if key.startswith(prefix + " "):
            key = key[len(prefix) + 1 :]
            break
    for suffix in suffixes:
        if key.endswith(" " + suffix):
            key = key[: -len(suffix) - 1]
            break
    return key


def resolve(name: str | int) -> LocalAuthority:
    """Return the local authority a written name, ONS code or DfE number stands for.

    >>> resolve("Royal Borough of Kensington & Chelsea").name
    'Kensington and Chelsea'
    >>> resolve("LBHF").la_number
    '205'
    >>> resolve(301).ons_code
    'E09000002'

    A name is read in its Unicode NFKC form; one holding hidden characters (a right-to-left
    override, a zero-width space) is refused rather than read as the name it looks like.

    Raises:
        UnknownAreaError: nothing matches (the message lists the closest names), or the name
            holds hidden characters (the message names them).
    """
    keys, names, (prefixes, suffixes) = _lookup()
    if isinstance(name, str):
        try:
            name = name_text.check_name(name, "borough")
        except InvalidNameError as problem:
            raise UnknownAreaError(str(problem)) from problem
    key = normalise_name(name)
    candidates = [key, _strip_words(key, prefixes, suffixes)]
    for candidate in candidates:
        if candidate in keys:
            register = load_register()
            row = register[register["la_number"] == keys[candidate]].iloc[0]
            return _record(row)
    close = difflib.get_close_matches(candidates[-1], list(keys), n=5, cutoff=0.6)
    suggestions = sorted({names[keys[c]] for c in close})
    hint = f" Closest matches: {', '.join(suggestions)}." if suggestions else ""
    raise UnknownAreaError(
        f"{str(name)!r} is not a local authority in the register.{hint} Use the LA's name, "
        "its ONS code (E09000002) or DfE number (301); add a common alias to "
        "data/reference/area_aliases.csv."
    )


def london_boroughs() -> list[LocalAuthority]:
    """Return the 33 London boroughs (City of London included), in LA-number order."""
    register = load_register()
    london = register[(register["region"] == "London") & (register["is_current"] == "yes")]
    return [_record(row) for _, row in london.iterrows()]


def resolve_many(text: str) -> list[LocalAuthority]:
    """Resolve a comma-separated list of names, or ``all`` for the 33 London boroughs.

    Duplicates are removed, keeping the first.

    >>> [la.name for la in resolve_many("Barnet, RBKC, barnet")]
    ['Barnet', 'Kensington and Chelsea']
    >>> len(resolve_many("all"))
    33

    Raises:
        UnknownAreaError: a name does not resolve (the message names it).
    """
    if normalise_name(text) in ("all", "london"):
        return london_boroughs()
    resolved: dict[str, LocalAuthority] = {}
    for part in str(text).split(","):
        if part.strip():
            area = resolve(part.strip())
            resolved.setdefault(area.la_number, area)
    if not resolved:
        raise UnknownAreaError("No borough given: name one or more, or use 'all'.")
    return list(resolved.values())
