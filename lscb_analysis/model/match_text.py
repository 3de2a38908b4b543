"""Reading item and PI wording the same way, and scoring how well a PI accounts for an item.

The words come from ``data/reference/match_words.yaml`` (synonyms and abbreviations, general
words, agency names) and the stop words from ``gap_rules.yaml``; the matching itself (which
PI, applied or only suggested, the consultant's decisions) is in
:mod:`lscb_analysis.model.item_matching`.

Scoring, in plain words: a PI is a candidate for an item when one of its phrases (title,
keywords) is found
in the item, in any word order, and the phrase is not made only of general words ("referrals",
"attendance"). Its score is the share of the item's words the PI accounts for (words of its
phrases and title); agency names the PI does not use are left out of the count, and general words it does not
use count ``generic_weight`` (a half) of a word. This is a
bag-of-words overlap in the manner of a coverage (containment) coefficient (Broder 1997, "On
the resemblance and containment of documents"), over words read through the synonym list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lscb_analysis.core import io
from lscb_analysis.core.errors import ReferenceDataError
from lscb_analysis.model.catalogue import Catalogue

WORDS_FILE = "match_words.yaml"


@dataclass(frozen=True)
class MatchWords:
    """How wording is read: ``synonyms`` (token tuple -> token tuple), ``stop``, ``generic``
    and ``neutral`` word sets (all singular, lower case)."""

    synonyms: dict[tuple[str, ...], tuple[str, ...]]
    stop: frozenset[str]
    generic: frozenset[str]
    neutral: frozenset[str]
    longest: int = 1
    generic_weight: float = 0.5

    def tokens(self, text: object) -> list[str]:
        """The words of ``text``, lower case and singular, synonyms replaced (stop words kept).

        >>> words = load_match_words({"stop_words": ["of"]})
        >>> words.tokens("Number of LAC with 3+ placements")
        ['number', 'of', 'looked', 'after', 'child', 'with', '3', 'placement']
        """
        return self._replace([_singular(w) for w in _raw_words(text)])

    def content(self, text: object) -> list[str]:
        """The words of ``text`` that carry meaning (:meth:`tokens` without the stop words),
        in order, each once."""
        seen: dict[str, None] = {}
        for word in self.tokens(text):
            if word not in self.stop and (len(word) > 1 or word.isdigit()):
                seen.setdefault(word)
        return list(seen)

    def _replace(self, words: list[str]) -> list[str]:
        out: list[str] = []
        i = 0
        while i < len(words):
            for size in range(min(self.longest, len(words) - i), 0, -1):
                meaning = self.synonyms.get(tuple(words[i : i + size]))
                if meaning is not None:
                    out.extend(meaning)
                    i += size
                    break
            else:
                out.append(words[i])
                i += 1
        return out

    def anchors(self, phrase: frozenset[str]) -> bool:
        """True when ``phrase`` (content words) may make a match on its own: it holds a word
        that is neither general nor a number, or two general words ("case reviews")."""
        specific = [w for w in phrase if w not in self.generic and not w.isdigit()]
        return bool(specific) or len(phrase) >= 2 and all(not w.isdigit() for w in phrase)


@dataclass
class PiWords:
    """One PI's wording for matching: its ``phrases`` (origin, text, content words) and the
    content words of its title and phrases (``vocabulary``)."""

    pi_id: str
    phrases: list[tuple[str, str, frozenset[str]]] = field(default_factory=list)
    vocabulary: frozenset[str] = frozenset()


def _raw_words(text: object) -> list[str]:
    text = re.sub(r"(?<=\d),(?=\d)", "", str(text or "").lower()).replace("&", " and ")
    return re.sub(r"[^a-z0-9]+", " ", text).split()


def _singular(word: str) -> str:
    """A plural English word made singular by the usual rules (``children`` -> ``child``)."""
    if word == "children":
        return "child"
    if len(word) > 4 and word.endswith("ies"):
        return word[:-3] + "y"
    if re.fullmatch(r"\d+s", word):  # "section 47s"
        return word[:-1]
    if word.endswith("is") and len(word) >= 5:  # "analysis", "crisis"
        return word
    if len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us")):
        return word[:-1]
    return word


def load_match_words(rules: dict, words: dict | None = None) -> MatchWords:
    """The match words: ``words`` (default: ``data/reference/match_words.yaml``) with the
    stop words of ``rules`` (``gap_rules.yaml``).

    Raises: ReferenceDataError when a synonym is empty or a list is not a list of words.
    """
    words = io.read_reference_yaml(WORDS_FILE) if words is None else words
    plain = MatchWords({}, frozenset(), frozenset(), frozenset())
    synonyms: dict[tuple[str, ...], tuple[str, ...]] = {}
    for phrase, meaning in (words.get("synonyms") or {}).items():
        key = tuple(_singular(w) for w in _raw_words(phrase))
        value = tuple(_singular(w) for w in _raw_words(meaning))
        if not key or not value:
            raise ReferenceDataError(
                f"{WORDS_FILE}: synonym {phrase!r}: {meaning!r} has an empty side; write a "
                "phrase and what it means, both in words."
            )
        synonyms[key] = value

    def word_set(key: str, source: dict) -> frozenset[str]:
        listed = source.get(key) or []
        if not isinstance(listed, list):
            raise ReferenceDataError(
                f"{key} must be a list of words, as [referral, attendance]; fix it in "
                f"data/reference ({WORDS_FILE} or gap_rules.yaml)."
            )
        return frozenset(w for item in listed for w in plain.tokens(item))

    return MatchWords(
        synonyms=synonyms,
        stop=word_set("stop_words", rules),
        generic=word_set("generic_words", words),
        neutral=word_set("neutral_words", words),
        longest=max((len(k) for k in synonyms), default=1),
        generic_weight=float(words.get("generic_weight", 0.5)),
    )


def pi_words(catalogue: Catalogue, words: MatchWords) -> dict[str, PiWords]:
    """The wording of each current PI of ``catalogue``, read by ``words``.

    Only the PI's own title and keywords are used: the keywords of its Phase I candidate
    describe the candidate, which may be wider than the PI (EDU02 counted exclusions as well
    as the absence the PI measures; EH01 became three PIs).

    Output: PI id -> :class:`PiWords`, in catalogue order.
    """
    out: dict[str, PiWords] = {}
    for pi in catalogue.current.itertuples(index=False):
        sources = [("title", [pi.title]), ("keyword", list(pi.keywords))]
        phrases = []
        for origin, texts in sources:
            for text in texts:
                content = frozenset(words.content(text))
                if content:
                    phrases.append((origin, str(text).strip(), content))
        vocabulary = frozenset().union(*(p[2] for p in phrases)) if phrases else frozenset()
        out[pi.id] = PiWords(pi.id, phrases, vocabulary)
    return out


def score_item(
    content: list[str], pi: PiWords, words: MatchWords
) -> tuple[float, list[str], str] | None:
    """How well ``pi`` accounts for an item whose content words are ``content``.

    Returns ``(score, matched words in the item's order, the phrase found)`` or None when no
    phrase of the PI that may make a match on its own is found in the item.
    """
    have = set(content)
    found = [p for p in pi.phrases if p[2] <= have and words.anchors(p[2])]
    if not found:
        return None
    matched = [w for w in content if w in pi.vocabulary]
    unmatched = [w for w in content if w not in pi.vocabulary and w not in words.neutral]
    weight = sum(words.generic_weight if w in words.generic else 1.0 for w in unmatched)
    score = len(matched) / (len(matched) + weight) if matched or weight else 0.0
    best = max(found, key=lambda p: len(p[2]))
    return round(score, 2), matched, f"{best[0]} '{best[1]}'"
