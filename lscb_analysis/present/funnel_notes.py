"""What a funnel plot says about itself: the method its limits follow and the areas it leaves out.

The workbench's funnel settings (method, scale, over-dispersion, winsorising) and the words
used to describe them live in ``data/reference/funnels.yaml``; :func:`load_funnel_settings`
reads and checks them. :func:`funnel_method_note` words the method recorded in a
:func:`lscb_analysis.stats.funnels.funnel` frame's ``attrs``; :func:`not_placed_reasons`
and :func:`not_placed_note` name every area that is not placed and why (a suppressed or
unpublished figure, no denominator, a denominator of zero).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.core.io import read_yaml_mapping
from lscb_analysis.core.paths import reference_dir
from lscb_analysis.stats.funnel_limits import METHODS, SCALES

CONFIG_FILE = "funnels.yaml"
"""Name of the settings file under ``data/reference/``."""

OVERDISPERSION_CHOICES: tuple[str, ...] = ("none", "multiplicative", "additive")
_PLACED_STATUSES = ("ok", "")
# Words used when funnels.yaml lacks its wording blocks.
_ADJUSTED = "widened for over-dispersion ({method}, phi = {phi}, tau squared = {tau2}, {scale})"
_NOT_ADJUSTED = {
    "none": "no over-dispersion adjustment",
    "not_needed": "no over-dispersion adjustment needed (phi = {phi})",
}


@dataclass(frozen=True)
class FunnelSettings:
    """The funnel settings, normally loaded by :func:`load_funnel_settings`.

    Attributes: ``method`` ("exact" or "normal"), ``scale`` ("transformed" or
    "natural"), ``overdispersion`` (None, "multiplicative" or "additive"), ``winsorise``
    (a fraction), ``words`` (the wording blocks of funnels.yaml) and ``source``.
    """

    method: str = "exact"
    scale: str = "transformed"
    overdispersion: str | None = "multiplicative"
    winsorise: float = 0.1
    words: Mapping[str, object] = field(default_factory=dict)
    source: str = "funnel settings"

    def funnel_options(self) -> dict:
        """The keyword arguments of ``stats.funnels.funnel`` these settings choose."""
        return {
            "method": self.method,
            "scale": self.scale,
            "overdispersion": self.overdispersion,
            "winsorise": self.winsorise,
        }


def _choice(config: Mapping, key: str, choices: tuple[str, ...], file: Path) -> str:
    value = config.get(key)
    if value not in choices:
        raise ReferenceDataError(
            f"{file}: {key} is {value!r}; use one of {', '.join(choices)} (see the comments "
            f"in data/reference/{CONFIG_FILE})."
        )
    return str(value)


def load_funnel_settings(path: str | Path | None = None) -> FunnelSettings:
    """Load the funnel settings from YAML.

    Input: ``path`` to a YAML file; None means ``data/reference/funnels.yaml``.
    Output: a :class:`FunnelSettings`.
    Raises: ReferenceDataError when the file is missing or not valid YAML, or a setting is
    not one of its choices (the message names the file, the key and the choices).

    >>> settings = load_funnel_settings()
    >>> settings.method, settings.scale, settings.overdispersion
    ('exact', 'transformed', 'multiplicative')
    """
    file = Path(path) if path is not None else reference_dir() / CONFIG_FILE
    config = read_yaml_mapping(file, "Funnel settings file")
    winsorise = config.get("winsorise", 0.1)
    if isinstance(winsorise, bool) or not isinstance(winsorise, (int, float)):
        winsorise = math.nan
    if not 0 <= winsorise < 0.5:
        raise ReferenceDataError(
            f"{file}: winsorise must be a fraction from 0 up to (not including) 0.5, such "
            f"as 0.1; got {config.get('winsorise')!r}."
        )
    overdispersion = _choice(config, "overdispersion", OVERDISPERSION_CHOICES, file)
    return FunnelSettings(
        method=_choice(config, "method", METHODS, file),
        scale=_choice(config, "scale", SCALES, file),
        overdispersion=None if overdispersion == "none" else overdispersion,
        winsorise=float(winsorise),
        words={key: value for key, value in config.items() if key.endswith(("words", "note"))},
        source=str(file),
    )


def _word(settings: FunnelSettings, block: str, *keys: str, default: str = "") -> str:
    """A wording entry of funnels.yaml, by block and keys; ``default`` when absent."""
    entry: object = settings.words.get(block, {})
    for key in keys:
        entry = entry.get(key) if isinstance(entry, Mapping) else None
    return str(entry) if isinstance(entry, str) else default


def funnel_method_note(frame: pd.DataFrame, settings: FunnelSettings | None = None) -> str:
    """One line saying which method a funnel's limits follow, for the chart's note.

    Input: a :func:`lscb_analysis.stats.funnels.funnel` frame (its ``attrs``: kind, method,
    scale, overdispersion, adjusted, phi, tau2, winsorise) and the settings holding the
    words (default: :func:`load_funnel_settings`). Output: text such as "exact Poisson
    limits (PHE funnel method); no over-dispersion adjustment needed (multiplicative
    estimate on the log scale: phi = 0.84)". A frame without a recorded method (an
    older caller) reads "method not recorded". Raises ReferenceDataError from loading.
    """
    settings = settings or load_funnel_settings()
    attrs = frame.attrs
    kind, method, scale = attrs.get("kind"), attrs.get("method"), attrs.get("scale")
    if method is None or kind is None or scale is None:
        return "method not recorded"
    scale_text = _word(settings, "scale_words", scale, kind, default=f"{scale} scale")
    fill = {
        "method": attrs.get("overdispersion") or "",
        "phi": f"{attrs.get('phi', math.nan):.2f}",
        "tau2": f"{attrs.get('tau2', math.nan):.3g}",
        "scale": scale_text,
        "winsorise": f"{attrs.get('winsorise', math.nan):.0%}",
    }
    if attrs.get("adjusted"):
        return _word(
            settings, "overdispersion_words", attrs["overdispersion"], default=_ADJUSTED
        ).format(**fill)
    limits = _word(settings, "method_words", method, kind, default=f"{method} limits")
    state = "not_needed" if attrs.get("overdispersion") else "none"
    dispersion = _word(settings, "overdispersion_words", state, default=_NOT_ADJUSTED[state])
    return f"{limits.format(**fill)}; {dispersion.format(**fill)}"


def not_placed_reasons(frame: pd.DataFrame) -> list[str | None]:
    """Each row's reason code for not being placed on the funnel (None when placed).

    A published ``status`` other than "ok" comes first (suppressed, not_applicable,
    not_published, ...), then the funnel's own ``not_placed`` (no_numerator,
    no_denominator, zero_denominator). Input: a funnel frame, with or without ``status``.
    """
    statuses = frame["status"] if "status" in frame else pd.Series([None] * len(frame))
    reasons = frame["not_placed"] if "not_placed" in frame else pd.Series([None] * len(frame))
    out: list[str | None] = []
    for status, reason in zip(statuses, reasons, strict=True):
        status_text = "" if pd.isna(status) else str(status).strip().lower()
        if status_text not in _PLACED_STATUSES:
            out.append(status_text)
        elif isinstance(reason, str) and reason:
            out.append(reason)
        else:
            out.append(None)
    return out


def not_placed_words(reason: str, settings: FunnelSettings | None = None) -> str:
    """The words for a reason code ("no_denominator" -> "no denominator published")."""
    settings = settings or load_funnel_settings()
    return _word(settings, "not_placed_words", reason, default=reason.replace("_", " "))


def not_placed_note(
    names: list[str], reasons: list[str | None], settings: FunnelSettings | None = None
) -> str:
    """The note naming every area not placed, grouped by reason; "" when all are placed.

    Inputs: one name and one reason code (see :func:`not_placed_reasons`; None when placed)
    per row, and the settings (default :func:`load_funnel_settings`). Output: e.g. "Not
    placed: City of London (no denominator published); Barnet, Brent (suppressed)",
    reasons in the order of their first row.

    >>> not_placed_note(["Barnet", "City of London", "Brent"],
    ...                 ["suppressed", "no_denominator", "suppressed"])
    'Not placed: Barnet, Brent (suppressed); City of London (no denominator published)'
    """
    settings = settings or load_funnel_settings()
    grouped: dict[str, list[str]] = {}
    for name, reason in zip(names, reasons, strict=True):
        if reason is not None:
            grouped.setdefault(reason, []).append(name)
    if not grouped:
        return ""
    areas = "; ".join(
        f"{', '.join(group)} ({not_placed_words(reason, settings)})"
        for reason, group in grouped.items()
    )
    template = _word(settings, "not_placed_note", default="Not placed: {areas}")
    return template.format(areas=areas)
