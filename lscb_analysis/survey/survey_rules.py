"""The survey's matching rules: :func:`load_rules` reads the synonym and pattern rules in
``data/reference/survey.yaml`` into :class:`SurveyRules` (of :class:`Matcher`),
:func:`usefulness_scale` reads the usefulness scale and its words (:class:`UsefulnessScale`),
:func:`find_borough` finds the one London borough a piece of text names, and
:func:`resolve_agency` the agency a written agency name stands for (every command and ingest
that takes an agency uses it).
"""

from __future__ import annotations

import fnmatch
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lscb_analysis.core import io, name_text, register
from lscb_analysis.core.errors import (
    InvalidArgumentError,
    ParameterError,
    ReferenceDataError,
    UnknownAreaError,
)
from lscb_analysis.survey.survey_result import (
    SECTIONS,
    SURVEY_CONFIG,
)

# --- matching rules from survey.yaml -----------------------------------------------------------


def normalise_key(text: Any) -> str:
    """Return the form texts are compared in: lower case, ``&`` as "and", words only.

    A text with no letters or digits (a tick, a dash) is kept as written, stripped.

    >>> normalise_key("  How often? ")
    'how often'
    >>> normalise_key("A&E")
    'a and e'
    >>> normalise_key(" ✓ ")
    '✓'
    """
    text = unicodedata.normalize("NFKC", str(text)).lower().replace("&", " and ")
    text = text.replace("\u2019", "'")
    words = re.findall(r"[^\W_]+", text)
    return " ".join(words) if words else " ".join(text.split())


def _pattern_text(text: Any) -> str:
    return " ".join(unicodedata.normalize("NFKC", str(text)).lower().split())


@dataclass(frozen=True)
class Matcher:
    """Synonym and pattern rules mapping written text onto canonical names.

    ``synonyms`` maps a normalised text (:func:`normalise_key`) to its name; ``patterns`` are
    (compiled regular expression, name) pairs searched anywhere in the lower-cased text.
    """

    synonyms: dict[str, str]
    patterns: tuple[tuple[re.Pattern[str], str], ...]

    def by_synonym(self, text: Any) -> str:
        """The name ``text`` is a synonym of, or ``""``."""
        return self.synonyms.get(normalise_key(text), "")

    def by_pattern(self, text: Any) -> tuple[str, int]:
        """The name whose pattern matches ``text`` longest (ties: first listed), and the length."""
        subject = _pattern_text(text)
        best, length = "", 0
        for pattern, name in self.patterns:
            found = pattern.search(subject)
            if found and len(found.group(0)) > length:
                best, length = name, len(found.group(0))
        return best, length

    def match(self, text: Any) -> str:
        """Synonyms first (whole text), then patterns; ``""`` when nothing matches."""
        return self.by_synonym(text) or self.by_pattern(text)[0]

    def contained(self, text: Any) -> str:
        """The name of the longest synonym found as whole words inside ``text``, or ``""``."""
        key = f" {normalise_key(text)} "
        hits = [(len(k), name) for k, name in self.synonyms.items() if f" {k} " in key]
        return max(hits, key=lambda hit: hit[0])[1] if hits else ""


def _matcher(spec: dict[str, Any], where: str) -> Matcher:
    """Build a Matcher from ``{name: {label?, synonyms?, patterns?}}`` (names match themselves)."""
    synonyms: dict[str, str] = {}
    patterns: list[tuple[re.Pattern[str], str]] = []
    for name, rules in (spec or {}).items():
        rules = rules or {}
        for word in [name, rules.get("label", ""), *rules.get("synonyms", [])]:
            if str(word).strip():
                synonyms.setdefault(normalise_key(word), name)
        for pattern in rules.get("patterns", []) or []:
            try:
                patterns.append((re.compile(pattern, re.IGNORECASE), name))
            except re.error as error:
                raise InvalidArgumentError(
                    f"data/reference/{SURVEY_CONFIG}: pattern {pattern!r} for {name!r} under "
                    f"{where} is not a valid regular expression ({error}); correct it."
                ) from error
    return Matcher(synonyms, tuple(patterns))


# A score as boards write it: "4", "4.0", "4/5", "4 out of 5", "4 - very useful", "4 (high)".
_SCORE = re.compile(
    r"^\s*(\d+)(?:\.0+)?\s*(?:(?:/|out\s+of)\s*(\d+))?\s*(?:[-\u2013:(,].*)?$", re.IGNORECASE
)
_RANGE = re.compile(r"^\s*\d+(?:\.\d+)?\s*[-\u2013]\s*\d")
_PROMPT_LIMIT = 250  # Excel refuses a data-validation prompt over 255 characters


@dataclass(frozen=True)
class UsefulnessScale:
    """The survey's usefulness scale (``usefulness.scale`` in survey.yaml): the scores, lowest
    first, their words (``labels``) and the words boards write for each (``words``)."""

    labels: dict[int, str]
    words: Matcher

    @property
    def scores(self) -> tuple[int, ...]:
        return tuple(self.labels)

    def ends(self) -> str:
        """The scale by its two ends: ``"1 = hardly useful, 5 = essential"``."""
        low, high = self.scores[0], self.scores[-1]
        return f"{low} = {self.labels[low]}, {high} = {self.labels[high]}"

    def describe(self) -> str:
        """Every score with its words (its two ends when that is too long for a prompt)."""
        every = ", ".join(f"{score} = {label}" for score, label in self.labels.items())
        return every if len(every) <= _PROMPT_LIMIT else self.ends()

    def choices(self) -> list[str]:
        """The template's dropdown entries: ``"4 - very useful"``."""
        return [f"{score} - {label}" for score, label in self.labels.items()]

    def read(self, text: Any) -> int | None:
        """The score a cell gives: a number on the scale (``"4"``, ``"4/5"``, ``"4 - very
        useful"``) or the scale's words (``"Very useful"``; whole text first, then the longest
        of the words inside it); None for anything else (``"3-4"``, ``"6"``, ``"High"``).

        >>> scale = usefulness_scale()
        >>> scale.read("4/5"), scale.read("Essential"), scale.read("3-4"), scale.read("6")
        (4, 5, None, None)
        """
        written = str(text if text is not None else "").strip()
        if not written:
            return None
        found = None if _RANGE.match(written) else _SCORE.match(written)
        if found:
            score, top = int(found.group(1)), found.group(2)
            if score in self.labels and (top is None or int(top) == self.scores[-1]):
                return score
            return None
        word = self.words.by_synonym(written) or self.words.contained(written)
        return int(word) if word else None


def usefulness_scale(config: dict | None = None) -> UsefulnessScale:
    """Read ``usefulness.scale`` from survey.yaml (or ``config``, a dict of the same shape).

    Raises:
        ReferenceDataError: the scale is missing, a score is not a whole number, or a score
            has no label (the message names the file and the score).
    """
    config = config if config is not None else io.read_reference_yaml(SURVEY_CONFIG)
    spec = (config.get("usefulness") or {}).get("scale") or {}
    if not spec:
        raise ReferenceDataError(
            f"data/reference/{SURVEY_CONFIG} has no usefulness.scale; add the scores and their "
            "words (see the project's copy of the file)."
        )
    labels: dict[int, str] = {}
    words: dict[str, dict[str, Any]] = {}
    for score, entry in spec.items():
        entry = entry if isinstance(entry, dict) else {"label": entry}
        if not re.fullmatch(r"\d+", str(score).strip()) or not str(entry.get("label", "")).strip():
            raise ReferenceDataError(
                f"data/reference/{SURVEY_CONFIG}: usefulness.scale entry {score!r} needs a whole "
                "number as its score and a label (e.g. 4: {label: very useful})."
            )
        labels[int(score)] = str(entry["label"]).strip()
        words[str(int(score))] = {
            "label": entry["label"],
            "synonyms": [w for w in entry.get("synonyms", []) or [] if not str(w).isdigit()],
        }
    ordered = dict(sorted(labels.items()))
    matcher = _matcher(words, "usefulness.scale")
    # A score's own number is read by read(), not as a word.
    synonyms = {k: v for k, v in matcher.synonyms.items() if not k.isdigit()}
    return UsefulnessScale(ordered, Matcher(synonyms, ()))


@dataclass(frozen=True)
class SurveyRules:
    """Everything the ingest reads from survey.yaml, compiled once per run."""

    fields: dict[str, Matcher]
    field_names: dict[str, tuple[str, ...]]
    labels: dict[str, dict[str, str]]
    flags: Matcher
    borough_column: Matcher
    about: Matcher
    about_sheets: frozenset[str]
    sheet_sections: Matcher
    headings: Matcher
    notes: Matcher
    boilerplate: Matcher
    codes: dict[str, Matcher]
    usefulness: UsefulnessScale
    not_stated: frozenset[str]
    skip_files: tuple[str, ...]
    ignore_sheets: frozenset[str]
    scan_rows: int
    min_header_fields: int
    max_header_length: int

    def is_skipped(self, name: str) -> bool:
        """True for files in the folder that are not returns (contacts list, README, ...)."""
        return any(fnmatch.fnmatch(name.lower(), pattern.lower()) for pattern in self.skip_files)


def load_rules(config: dict | None = None) -> SurveyRules:
    """Compile the ingest rules from survey.yaml (or from ``config``, a dict of the same shape).

    >>> rules = load_rules()
    >>> rules.codes["agency"].match("Met Police"), rules.codes["frequency"].match("Qtr")
    ('police', 'quarterly')

    Raises:
        ReferenceDataError: survey.yaml is missing or not a mapping, or its usefulness scale
            is missing or malformed.
        InvalidArgumentError: a pattern is not a valid regular expression.
    """
    config = config if config is not None else io.read_reference_yaml(SURVEY_CONFIG)
    ingest = config.get("ingest", {}) or {}
    sections = config["sections"]
    fields = {s: _matcher(sections[s]["fields"], f"sections.{s}.fields") for s in SECTIONS}
    names = {s: tuple(sections[s]["fields"]) for s in SECTIONS}
    labels = {
        s: {f: spec.get("label", f) for f, spec in sections[s]["fields"].items()} for s in SECTIONS
    }
    about_fields = config["about"]["fields"]
    borough_spec = {"borough": about_fields.get("borough", {})}
    sheet_spec = {
        s: {"synonyms": [sections[s]["sheet"], *sections[s].get("sheet_synonyms", [])]}
        for s in SECTIONS
    }
    headings_spec = ingest.get("section_headings", {}) or {}
    codes = {
        name: _matcher(spec, f"code_lists.{name}")
        for name, spec in config.get("code_lists", {}).items()
    }
    about_sheets = {normalise_key(config["about"].get("sheet", "About"))}
    about_sheets |= {normalise_key(name) for name in ingest.get("about_sheets", [])}
    return SurveyRules(
        fields=fields,
        field_names=names,
        labels=labels,
        flags=_matcher(ingest.get("flag_columns", {}), "ingest.flag_columns"),
        borough_column=_matcher(borough_spec, "about.fields.borough"),
        about=_matcher(about_fields, "about.fields"),
        about_sheets=frozenset(about_sheets),
        sheet_sections=_matcher(sheet_spec, "sections.*.sheet_synonyms"),
        headings=_matcher(headings_spec, "ingest.section_headings"),
        notes=_matcher({"notes": ingest.get("note_markers", {})}, "ingest.note_markers"),
        boilerplate=_matcher({"boilerplate": ingest.get("boilerplate", {})}, "ingest.boilerplate"),
        codes=codes,
        usefulness=usefulness_scale(config),
        not_stated=frozenset(normalise_key(v) for v in ingest.get("not_stated", [])),
        skip_files=tuple(ingest.get("skip_files", ["contacts.csv", "README*", "*.md"])),
        ignore_sheets=frozenset(normalise_key(s) for s in ingest.get("ignore_sheets", [])),
        scan_rows=int(ingest.get("header_scan_rows", 30)),
        min_header_fields=int(ingest.get("min_header_fields", 2)),
        max_header_length=int(ingest.get("max_header_length", 80)),
    )


# --- boroughs -----------------------------------------------------------------------------------


@lru_cache(maxsize=4096)
def _resolve_london(text: str) -> register.LocalAuthority | None:
    try:
        area = register.resolve(text)
    except UnknownAreaError:
        return None
    return area if area.is_london else None


def find_borough(text: Any) -> register.LocalAuthority | None:
    """Return the one London borough a text names (a board name, file name or sheet name).

    The whole text is resolved first (so aliases such as "RBKC", ONS codes and DfE numbers
    work), then runs of its words, longest first, where numbers are never read as DfE
    numbers (a "2026" or "302" inside a file name is not a borough). None when no London
    borough or more than one is named, or when the text holds hidden characters such as a
    right-to-left override (:mod:`lscb_analysis.core.name_text`).

    >>> find_borough("SYNTHETIC_kensington_and_chelsea_return_v2").name
    'Kensington and Chelsea'
    >>> find_borough("LB Barnet LSCB").la_number
    '302'
    >>> find_borough("City and Hackney") is None
    True
    """
    raw = str(text or "").strip()
    if not raw or name_text.hidden_characters(raw):
        # A name with hidden characters (a right-to-left override, a zero-width space) names
        # no borough, however much it looks like one.
        return None
    key = register.normalise_name(raw)
    whole = _resolve_london(key)
    if whole is not None:
        return whole
    tokens = key.split()
    found: dict[str, register.LocalAuthority] = {}
    covered: set[int] = set()
    for size in range(min(len(tokens), 6), 0, -1):
        for start in range(len(tokens) - size + 1):
            span = range(start, start + size)
            words = tokens[start : start + size]
            if covered.intersection(span) or any(w.isdigit() for w in words):
                continue
            if size == 1 and len(words[0]) < 3:
                continue
            area = _resolve_london(" ".join(words))
            if area is not None:
                found[area.la_number] = area
                covered.update(span)
    return next(iter(found.values())) if len(found) == 1 else None


def resolve_agency(name: Any) -> str:
    """Return the canonical agency (``code_lists.agency`` in ``data/reference/survey.yaml``) a
    written agency name stands for: canonical names, synonyms and patterns, ignoring case and
    punctuation.

    >>> resolve_agency("CSC"), resolve_agency("Met Police"), resolve_agency("CAMHS")
    ("children's social care", 'police', 'health (mental health)')

    Raises:
        InvalidNameError: the name holds hidden characters (a right-to-left override, a
            zero-width space), which could make it look like another agency.
        ParameterError: nothing matches; the message lists the canonical names.
    """
    text = name_text.check_name(name, "agency")
    matched = load_rules().codes["agency"].match(text)
    if not matched:
        known = io.read_reference_yaml(SURVEY_CONFIG)["code_lists"]["agency"]
        raise ParameterError(
            f"Agency {text!r} is not known. Use one of: {', '.join(known)} (or a synonym "
            "listed under code_lists.agency in data/reference/survey.yaml)."
        )
    return matched
