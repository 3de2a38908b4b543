"""Scanning one piece of text for identifiers, and stopping publication when any are found.

The rules (kinds, word lists, check digits) are in :mod:`lscb_analysis.protect.identifier_rules`.
Findings are a DataFrame with columns ``FINDING_COLUMNS`` (see there): ``file`` ("" for plain
text), ``location``, ``kind``, ``masked``, ``reason``, ``start`` and ``end``. The helpers that
build findings (:func:`finding_row`, :func:`findings_frame`, :func:`line_location`) and the
:class:`TextScanner` are shared with the file scanners in :mod:`lscb_analysis.protect.identifiers`.
"""

from __future__ import annotations

import datetime as dt
import re
from bisect import bisect_right
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from lscb_analysis.core.errors import IdentifierFoundError
from lscb_analysis.protect.identifier_rules import (
    CONFIG_FILE,
    FINDING_COLUMNS,
    KINDS,
    IdentifierConfig,
    load_identifier_config,
    mask_text,
    nhs_number_is_valid,
    ni_number_is_valid,
)

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
_NAME_WORD = rf"(?:Mc|Mac|[{_UPPER}]['’])?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}](?:['’][{_UPPER}])?[{_LOWER}]+)?"
_TOKEN = re.compile(rf"(?P<word>{_NAME_WORD})(?![\w])|(?P<initial>[{_UPPER}]\.?)(?![\w])")
_STRONG_SEPARATOR = re.compile(r"[ \t]*[:\-–—][ \t]*|,?[ \t]+(?i:named|called)[ \t]+")
_WEAK_SEPARATOR = re.compile(r"[ \t]+")
_NHS = re.compile(r"(?<![\w])(\d{3})([ -]?)(\d{3})\2(\d{4})(?![\w])")
_NI = re.compile(
    r"(?<![A-Za-z0-9])([A-Za-z]{2}) ?(\d{2}) ?(\d{2}) ?(\d{2}) ?([A-Da-d])(?![A-Za-z0-9])"
)
_POSTCODE = re.compile(
    r"(?<![A-Za-z0-9])(?:GIR ?0AA|(?:[A-PR-UWYZ][0-9]{1,2}|[A-PR-UWYZ][A-HK-Y][0-9]{1,2}"
    r"|[A-PR-UWYZ][0-9][A-HJKPSTUW]|[A-PR-UWYZ][A-HK-Y][0-9][ABEHMNPRVWXY]) ?"
    r"[0-9][ABD-HJLNP-UW-Z]{2})(?![A-Za-z0-9])"
)
_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}(?![\w-])"
)
_PHONE = re.compile(
    r"(?<![\w+/.])(?:\+44[ \t-]?(?:\(0\)[ \t-]?)?\d|\(0\d{1,4}\)[ \t-]?\d|0\d)"
    r"(?:[ \t-]?\d){7,9}(?![\w/])"
)
_MONTHS = (
    "jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?"
    "|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?"
)
_MONTH_NUMBER = {
    name[:3]: number
    for number, name in enumerate(
        ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"],
        start=1,
    )
}
_DATE_NUMERIC = re.compile(
    r"(?<![\w/.\-])(?P<d>\d{1,2})(?P<sep>[/.\-])(?P<m>\d{1,2})(?P=sep)(?P<y>\d{4}|\d{2})"
    r"(?![\w/\-]|\.\d)"
)
_DATE_ISO = re.compile(r"(?<![\w/.\-])(?P<y>\d{4})-(?P<m>\d{1,2})-(?P<d>\d{1,2})(?![\w/\-]|\.\d)")
_DATE_WORDS = re.compile(
    rf"(?<![\w])(?P<d>\d{{1,2}})(?:st|nd|rd|th)?[ \t]+(?P<mon>{_MONTHS})\.?,?[ \t]+(?P<y>\d{{4}})"
    rf"(?![\w])|(?<![\w])(?P<mon2>{_MONTHS})\.?[ \t]+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?,?[ \t]+"
    rf"(?P<y2>\d{{4}})(?![\w])",
    re.IGNORECASE,
)
_RANGE_AFTER = re.compile(r"\s*(?:-|–|—|to|until|and)\s*\d", re.IGNORECASE)
_RANGE_BEFORE = re.compile(r"(?:-|–|—|\bto|\buntil|\band)\s*$", re.IGNORECASE)
_DIGIT = re.compile(r"\d")
_PLAIN_NUMBER = re.compile(r"\s*[-+]?[\d,]*\.?\d*%?\s*")


@dataclass(frozen=True)
class Hit:
    """One identifier found in a text: its kind, character span, matched text and reason."""

    kind: str
    start: int
    end: int
    text: str
    reason: str


def scan_text(
    text: str,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    today: dt.date | None = None,
) -> pd.DataFrame:
    """Find identifiers in a piece of text.

    Inputs: ``text``; ``case_references`` (raw case references to look for); ``config``
    (None loads ``identifier_patterns.yaml``); ``today`` (latest possible date of birth;
    None means today). Output: findings DataFrame with :data:`FINDING_COLUMNS`, ``file``
    empty and ``location`` "line L, column C". Raises: ReferenceDataError for a bad config.

    >>> found = scan_text("Referral for child: John Smith, DOB 03/02/2015.")
    >>> found[["location", "kind", "masked"]].values.tolist()
    [['line 1, column 21', 'person_name', 'J********h'], ['line 1, column 37', 'date_of_birth', '0********5']]
    >>> scan_text("Kingston upon Thames (LA 314, E09000021): 12.5% in 2015").empty
    True
    """
    scanner = TextScanner(config, case_references, today)
    rows = [finding_row("", line_location(text, hit.start), hit) for hit in scanner.find(text)]
    return findings_frame(rows)


WITHHELD_TEXT = "[withheld: possible identifier]"
"""What replaces free text from a return that may hold a personal identifier."""


def identifier_kinds(
    text: str,
    *,
    case_references: Iterable[str] = (),
    config: IdentifierConfig | None = None,
    memo: dict[str, str] | None = None,
) -> str:
    """The kinds of identifier in one piece of free text, for withholding it on ingest.

    Inputs: ``text``; ``case_references`` and ``config`` as for :func:`scan_text`; ``memo``
    (a dict kept for one ingest, so repeated text is scanned once). Output: the kinds found,
    sorted and comma-separated ("" when none). Raises: ReferenceDataError for a bad config.

    >>> identifier_kinds("Seen at home, NW1 2AB, with mum")
    'postcode'
    >>> identifier_kinds("Plan reviewed on time")
    ''
    """
    if not text:
        return ""
    memo = {} if memo is None else memo
    if text not in memo:
        found = scan_text(text, case_references=case_references, config=config)
        memo[text] = ",".join(sorted(set(found["kind"]))) if not found.empty else ""
    return memo[text]


def describe_kinds(kinds: str) -> str:
    """Kinds from :func:`identifier_kinds` as words for a message.

    >>> describe_kinds("date_of_birth,nhs_number")
    'date of birth, nhs number'
    """
    return kinds.replace(",", ", ").replace("_", " ")


def raise_if_found(findings: pd.DataFrame, *, what: str = "the output") -> None:
    """Stop publication when a scan found anything (including files it could not scan).

    Inputs: ``findings`` from a scanner; ``what`` names the output in the message.
    Output: None when ``findings`` is empty. Raises: IdentifierFoundError with counts by kind
    and the first locations (masked, so the message itself discloses nothing).

    >>> raise_if_found(scan_text("Quarter 3: 42 referrals"))
    >>> raise_if_found(scan_text("Mother: Jane Doe"), what="the Barnet score card")
    Traceback (most recent call last):
    ...
    lscb_analysis.core.errors.IdentifierFoundError: the Barnet score card may contain child-level identifiers: 1 person_name. First: line 1, column 9 person_name J******e. Remove them (or, if they are not identifiers, add the exact text to allowlist in data/reference/identifier_patterns.yaml) and run again.
    """
    if findings.empty:
        return
    counts = findings["kind"].value_counts()
    summary = ", ".join(f"{n} {kind}" for kind, n in counts.items())
    first = "; ".join(
        " ".join(str(part) for part in (row.file, row.location, row.kind, row.masked) if part)
        for row in findings.head(5).itertuples()
    )
    raise IdentifierFoundError(
        f"{what} may contain child-level identifiers: {summary}. First: {first}. Remove them "
        f"(or, if they are not identifiers, add the exact text to allowlist in "
        f"data/reference/{CONFIG_FILE}) and run again."
    )


# --- internals ------------------------------------------------------------------------------


class TextScanner:
    """Holds a config, compiled case-reference pattern and the day of the scan."""

    def __init__(
        self, config: IdentifierConfig | None, references: Iterable[str], today: dt.date | None
    ) -> None:
        self.config = config or load_identifier_config()
        self.today = today or dt.date.today()
        compiled = self.config._compiled
        self.trigger, self.title = compiled["trigger"], compiled["title"]
        self.qualifier = compiled["qualifier"]
        self.stop, self.places = compiled["stop"], compiled["places"]
        self.dob, self.not_dob, self.allow = compiled["dob"], compiled["not_dob"], compiled["allow"]
        parts = [re.escape(r.strip()) for r in references if r and r.strip()]
        parts += list(self.config.case_reference_patterns)
        self.references = (
            re.compile(r"(?<![\w])(?:" + "|".join(parts) + r")(?![\w])", re.IGNORECASE)
            if parts
            else None
        )

    def find_with_context(self, text: str, context: str | None) -> list[Hit]:
        """Scan ``text`` as if it followed "context: " (a column header), offsets in ``text``."""
        if not context or _nothing_to_find(text):
            return self.find(text)
        prefix = re.sub(r"[_\s]+", " ", context).strip() + ": "
        hits = self.find(prefix + text)
        shift = len(prefix)
        return [
            Hit(h.kind, h.start - shift, h.end - shift, h.text, h.reason)
            for h in hits
            if h.start >= shift
        ]

    def find(self, text: str) -> list[Hit]:
        if _nothing_to_find(text):
            return []
        hits: list[Hit] = []
        hits += self._references(text)
        if _DIGIT.search(text):  # every other fixed format holds a digit
            hits += self._nhs(text)
            hits += self._regex(
                text,
                _NI,
                "ni_number",
                "national insurance number format",
                lambda m: ni_number_is_valid(m.group(0)),
            )
            hits += self._regex(text, _PHONE, "phone", "UK phone number", _valid_phone)
            hits += self._regex(text, _POSTCODE, "postcode", "UK postcode")
            hits += self._dates(text)
        if "@" in text:
            hits += self._regex(text, _EMAIL, "email", "email address")
        hits += self._names(text)
        hits = [h for h in hits if h.text.strip().lower() not in self.allow]
        return _without_overlaps(hits)

    def _regex(self, text, pattern, kind, reason, valid=None) -> list[Hit]:
        return [
            Hit(kind, m.start(), m.end(), m.group(0), reason)
            for m in pattern.finditer(text)
            if valid is None or valid(m)
        ]

    def _references(self, text: str) -> list[Hit]:
        if self.references is None:
            return []
        return self._regex(text, self.references, "case_reference", "listed case reference")

    def _nhs(self, text: str) -> list[Hit]:
        return self._regex(
            text,
            _NHS,
            "nhs_number",
            "ten digits with a valid NHS modulus-11 check digit",
            lambda m: nhs_number_is_valid(m.group(0)),
        )

    def _dates(self, text: str) -> list[Hit]:
        found: list[tuple[int, int, str, dt.date, bool]] = []  # start, end, text, date, bare
        for pattern in (_DATE_NUMERIC, _DATE_ISO, _DATE_WORDS):
            for match in pattern.finditer(text):
                date = _to_date(match, self.today)
                if date is None:
                    continue
                bare = pattern is _DATE_NUMERIC and len(match.group("y")) == 4
                found.append((match.start(), match.end(), match.group(0), date, bare))
        found.sort()
        starts = [f[0] for f in found]
        hits = []
        for start, end, matched, date, bare in found:
            window = text[max(0, start - self.config.dob_window) : start]
            keyword = None
            for keyword_match in self.dob.finditer(window):
                keyword = keyword_match
            if keyword is not None:
                keyword_end = start - len(window) + keyword.end()
                between = bisect_right(starts, keyword_end - 1)
                if starts[between] == start:  # no other date between the keyword and this one
                    reason = f"date after '{keyword.group(0)}'"
                    hits.append(Hit("date_of_birth", start, end, matched, reason))
                    continue
            if bare and self._could_be_birth(text, start, end, date):
                reason = "full dd/mm/yyyy date that could be a date of birth"
                hits.append(Hit("date_of_birth", start, end, matched, reason))
        return hits

    def _could_be_birth(self, text: str, start: int, end: int, date: dt.date) -> bool:
        if not (self.config.bare_date_earliest_year <= date.year and date <= self.today):
            return False
        before = text[max(0, start - self.config.not_dob_window) : start]
        if self.not_dob.search(before) or _RANGE_BEFORE.search(before):
            return False
        return not _RANGE_AFTER.match(text, end)

    def _names(self, text: str) -> list[Hit]:
        hits = []
        for trigger in self.trigger.finditer(text):
            line_start = text.rfind("\n", 0, trigger.start()) + 1
            if self.qualifier.search(text, max(line_start, trigger.start() - 40), trigger.start()):
                continue  # "LA name", "school name": not a person's name
            hit = self._name_after(text, trigger.end(), trigger.group(0), strong_only=False)
            if hit:
                hits.append(hit)
        for title in self.title.finditer(text):
            hit = self._name_after(text, title.end(), title.group(0), strong_only=True)
            if hit:
                hits.append(hit)
        return hits

    def _name_after(self, text: str, position: int, context: str, strong_only: bool) -> Hit | None:
        strong = _STRONG_SEPARATOR.match(text, position)
        if strong:
            position, minimum = strong.end(), 1
        else:
            weak = _WEAK_SEPARATOR.match(text, position)
            if not weak:
                return None
            position, minimum = weak.end(), 1 if strong_only else 2
        if self.places.match(text, position):
            return None
        tokens: list[re.Match[str]] = []
        cursor = position
        while len(tokens) < 4:
            token = _TOKEN.match(text, cursor)
            if not token or (token.group("word") and token.group(0).lower() in self.stop):
                break
            tokens.append(token)
            gap = _WEAK_SEPARATOR.match(text, token.end())
            if not gap:
                break
            cursor = gap.end()
        while tokens and tokens[-1].group("word") is None:
            tokens.pop()  # a name does not end with an initial
        words = [t for t in tokens if t.group("word")]
        if len(words) < minimum:
            return None
        start, end = tokens[0].start(), tokens[-1].end()
        reason = f"capitalised words after '{context.strip()}'"
        return Hit("person_name", start, end, text[start:end], reason)


def _nothing_to_find(text: str) -> bool:
    """True for texts too short, or numbers with too few digits, to hold an identifier."""
    if len(text) < 3:
        return True
    return bool(_PLAIN_NUMBER.fullmatch(text)) and sum(c.isdigit() for c in text) < 9


def _valid_phone(match: re.Match[str]) -> bool:
    digits = re.sub(r"\D", "", match.group(0))
    if match.group(0).startswith("+"):
        digits = digits[2:]
        digits = digits[1:] if digits.startswith("0") else digits
    else:
        digits = digits[1:]
    return len(digits) in (9, 10) and digits[0] in "1235789"


def _to_date(match: re.Match[str], today: dt.date) -> dt.date | None:
    groups = match.groupdict()
    try:
        if groups.get("mon") or groups.get("mon2"):
            month_name = (groups.get("mon") or groups.get("mon2")).lower()[:3]
            day = int(groups.get("d") or groups.get("d2"))
            year = int(groups.get("y") or groups.get("y2"))
            month = _MONTH_NUMBER[month_name]
        else:
            day, month, year = int(groups["d"]), int(groups["m"]), int(groups["y"])
            if len(groups["y"]) == 2:
                year += 2000 if year <= today.year % 100 else 1900
        return dt.date(year, month, day)
    except (ValueError, KeyError, TypeError):
        return None


def _without_overlaps(hits: list[Hit]) -> list[Hit]:
    priority = {kind: n for n, kind in enumerate(KINDS)}
    kept: list[Hit] = []
    for hit in sorted(hits, key=lambda h: (priority[h.kind], h.start)):
        if all(hit.end <= k.start or hit.start >= k.end for k in kept):
            kept.append(hit)
    return sorted(kept, key=lambda h: (h.start, priority[h.kind]))


def finding_row(file: str, location: str, hit: Hit) -> dict[str, Any]:
    """One findings row (a dict keyed by ``FINDING_COLUMNS``) for ``hit``, its text masked."""
    return {
        "file": file,
        "location": location,
        "kind": hit.kind,
        "masked": mask_text(hit.text),
        "reason": hit.reason,
        "start": hit.start,
        "end": hit.end,
    }


def findings_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """Findings rows as a DataFrame with ``FINDING_COLUMNS`` (``start``, ``end`` int64), even when empty."""
    frame = pd.DataFrame(rows, columns=list(FINDING_COLUMNS))
    return frame.astype({"start": "int64", "end": "int64"})


def line_number(text: str, offset: int) -> int:
    """The 1-based line of ``text`` holding character ``offset``."""
    return text.count("\n", 0, offset) + 1


def line_location(text: str, offset: int) -> str:
    """Where character ``offset`` is in ``text``, as "line L, column C" (both 1-based)."""
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"line {line_number(text, offset)}, column {column}"
