"""Disclosure rules: loading ``disclosure.yaml``, the output tiers and the words that explain suppression.

The rules (threshold, symbol, zero rule, secondary suppression, tier labels and the wording
shown for a suppressed figure) live in ``data/reference/disclosure.yaml``; this module loads
and checks them (:func:`load_disclosure_rules`), names the tiers (:func:`validate_tier`,
:func:`tier_label`) and words the method (:func:`method_note`, :func:`suppressed_wording`).
The decision itself, what is suppressed, is :func:`lscb_analysis.protect.disclosure.suppress`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from lscb_analysis.core.errors import ParameterError, ReferenceDataError
from lscb_analysis.core.io import read_reference_csv, read_yaml_mapping
from lscb_analysis.core.paths import reference_dir

CONFIG_FILE = "disclosure.yaml"
"""Name of the rules file under ``data/reference/``."""

TIERS: tuple[str, ...] = ("board", "analyst")
"""Output tiers: ``board`` is suppressed (publishable), ``analyst`` is not."""

DEFAULT_TIER = "board"
NOT_FOR_PUBLICATION = "NOT FOR PUBLICATION"
"""Text every analyst-tier label must contain."""

ZERO_RULES: tuple[str, ...] = ("publish", "suppress")

_REQUIRED_KEYS = ("threshold", "symbol", "zero_rule", "secondary_suppression", "tiers")


@dataclass(frozen=True)
class DisclosureRules:
    """The disclosure-control rules, normally loaded by :func:`load_disclosure_rules`.

    Attributes: ``threshold`` (counts 1..threshold are suppressed), ``symbol`` (what a
    suppressed cell shows), ``zero_rule`` (``publish`` or ``suppress``),
    ``secondary_suppression`` (bool), ``tier_labels`` (tier name -> label) and ``source``
    (where the rules came from, for messages); ``other_symbols`` are the symbols published
    data use for unavailable values (``x``, ``z``, ...): they are left as they are. Raises ReferenceDataError when a value is
    unusable.
    """

    threshold: int
    symbol: str
    zero_rule: str
    secondary_suppression: bool
    tier_labels: Mapping[str, str]
    other_symbols: tuple[str, ...] = ()
    source: str = "disclosure rules"
    suppressed_wording: str = "suppressed (fewer than {below})"

    def __post_init__(self) -> None:
        where = self.source
        if isinstance(self.threshold, bool) or not isinstance(self.threshold, int):
            raise ReferenceDataError(
                f"{where}: threshold must be a whole number such as 5, not {self.threshold!r}."
            )
        if self.threshold < 1:
            raise ReferenceDataError(
                f"{where}: threshold is {self.threshold}; it must be 1 or more "
                "(counts from 1 up to the threshold are suppressed)."
            )
        if not isinstance(self.symbol, str) or not self.symbol.strip():
            raise ReferenceDataError(f"{where}: symbol must be a non-empty text such as 'c'.")
        if self.zero_rule not in ZERO_RULES:
            raise ReferenceDataError(
                f"{where}: zero_rule is {self.zero_rule!r}; use one of {', '.join(ZERO_RULES)}."
            )
        if not isinstance(self.secondary_suppression, bool):
            raise ReferenceDataError(f"{where}: secondary_suppression must be true or false.")
        labels = dict(self.tier_labels)
        if sorted(labels) != sorted(TIERS):
            raise ReferenceDataError(
                f"{where}: tiers must give a label for exactly {', '.join(TIERS)}; "
                f"found {', '.join(map(str, labels)) or 'none'}."
            )
        if NOT_FOR_PUBLICATION not in str(labels["analyst"]):
            raise ReferenceDataError(
                f"{where}: the analyst tier label {labels['analyst']!r} must contain "
                f"{NOT_FOR_PUBLICATION!r}; add it back."
            )
        object.__setattr__(self, "tier_labels", {k: str(v) for k, v in labels.items()})
        if isinstance(self.other_symbols, str) or not all(
            isinstance(s, str) for s in self.other_symbols
        ):
            raise ReferenceDataError(f"{where}: other_symbols must be a list of texts.")
        object.__setattr__(self, "other_symbols", tuple(self.other_symbols))


def load_disclosure_rules(path: str | Path | None = None) -> DisclosureRules:
    """Load the disclosure rules from YAML.

    Input: ``path`` to a YAML file; None means ``data/reference/disclosure.yaml``.
    Output: a :class:`DisclosureRules`.
    Raises: ReferenceDataError when the file is missing, is not valid YAML, lacks a key or
    holds an unusable value.

    >>> rules = load_disclosure_rules()
    >>> rules.symbol, rules.zero_rule
    ('c', 'publish')
    """
    file = Path(path) if path is not None else reference_dir() / CONFIG_FILE
    config = read_yaml_mapping(file, "Disclosure rules file")
    missing = [key for key in _REQUIRED_KEYS if key not in config]
    if missing:
        raise ReferenceDataError(
            f"Disclosure rules file {file} lacks {', '.join(missing)}; add them "
            f"(see the comments in data/reference/{CONFIG_FILE})."
        )
    if not isinstance(config["tiers"], dict):
        raise ReferenceDataError(f"{file}: tiers must map each tier name to its label.")
    return DisclosureRules(
        threshold=config["threshold"],
        symbol=config["symbol"],
        zero_rule=config["zero_rule"],
        secondary_suppression=config["secondary_suppression"],
        tier_labels=config["tiers"],
        # The other published symbols (x, z, u, ...) come from the one symbol list.
        other_symbols=tuple(
            symbol
            for symbol in read_reference_csv("symbols.csv", ["symbol"])["symbol"]
            if symbol != config["symbol"]
        ),
        source=str(file),
        suppressed_wording=str(
            config.get("suppressed_wording", DisclosureRules.suppressed_wording)
        ),
    )


def method_note(rules: DisclosureRules | None = None) -> str:
    """Return the plain-English note of the disclosure rules, for printing in each report.

    Input: ``rules`` (None loads the configured ones). Output: one paragraph of text.
    Raises: ReferenceDataError from :func:`load_disclosure_rules`.

    >>> print(method_note().split(". ")[1])
    Counts from 1 to 5 are shown as "c"
    """
    rules = rules or load_disclosure_rules()
    symbol = rules.symbol
    parts = [
        "To protect the children and families behind the figures, small numbers are suppressed",
        f'Counts from 1 to {rules.threshold} are shown as "{symbol}"',
    ]
    if rules.zero_rule == "publish":
        parts.append(
            "A true zero is shown as 0 and is not suppressed, because a zero identifies nobody "
            "(the Department for Education's practice for children's social care statistics)"
        )
    else:
        parts.append(f'Zeros are treated as small numbers and are also shown as "{symbol}"')
    if rules.secondary_suppression:
        parts.append(
            "Where a suppressed number could be worked out from a total shown in the same row "
            "or column (the total minus the other figures), the next smallest non-zero number "
            f'in that row or column is also shown as "{symbol}"; this is repeated until no '
            "suppressed number can be calculated from the totals shown"
        )
    parts.append(
        f'Percentages and rates are shown as "{symbol}" when a number they are calculated '
        "from is suppressed"
    )
    parts.append(
        "A share, interval, difference or total in a sentence or headline that is worked out "
        "from a suppressed number, or from a row of a table with one, says "
        f'"{suppressed_wording(rules)}" instead; so do an audit\'s totals and changes in the '
        "repeat-audit table when one of its sections has a suppressed number"
    )
    parts.append("Charts leave suppressed values out.")
    return ". ".join(parts)


def validate_tier(tier: str) -> str:
    """Check an output tier name and return it in canonical form.

    Input: ``tier`` (``"board"`` or ``"analyst"``; case and surrounding spaces ignored).
    Output: the canonical name. Raises: ParameterError naming the allowed tiers.

    >>> validate_tier(" Board ")
    'board'
    >>> validate_tier("public")
    Traceback (most recent call last):
    ...
    lscb_analysis.core.errors.ParameterError: Unknown output tier 'public': use 'board' (small numbers suppressed, for publication) or 'analyst' (unsuppressed, NOT FOR PUBLICATION).
    """
    name = tier.strip().lower() if isinstance(tier, str) else tier
    if name not in TIERS:
        raise ParameterError(
            f"Unknown output tier {tier!r}: use 'board' (small numbers suppressed, for "
            "publication) or 'analyst' (unsuppressed, NOT FOR PUBLICATION)."
        )
    return name


def tier_label(tier: str, rules: DisclosureRules | None = None) -> str:
    """Return the label an output of this tier must carry (title block, sheet, footer).

    Input: ``tier`` name, ``rules`` (None loads the configured ones). Output: the label text;
    the analyst label always contains ``NOT FOR PUBLICATION``.
    Raises: ParameterError for an unknown tier; ReferenceDataError for bad rules.

    >>> NOT_FOR_PUBLICATION in tier_label("analyst")
    True
    """
    name = validate_tier(tier)
    rules = rules or load_disclosure_rules()
    return rules.tier_labels[name]


def suppressed_wording(rules: DisclosureRules | None = None) -> str:
    """The words a board output shows instead of a figure derived from a suppressed count.

    Built from ``suppressed_wording`` in disclosure.yaml with ``{threshold}`` (e.g. 5) and
    ``{below}`` (threshold + 1) filled in. Input: ``rules`` (None loads the configured ones).
    Output: text, never blank. Raises: ReferenceDataError for a bad template.

    >>> suppressed_wording()
    'suppressed (fewer than 6)'
    """
    rules = rules or load_disclosure_rules()
    try:
        text = rules.suppressed_wording.format(threshold=rules.threshold, below=rules.threshold + 1)
    except (KeyError, IndexError, ValueError) as error:
        raise ReferenceDataError(
            f"{rules.source}: suppressed_wording {rules.suppressed_wording!r} can only use "
            "{threshold} and {below}; correct it."
        ) from error
    return text.strip() or rules.symbol
