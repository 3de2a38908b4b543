"""Names as text, not tricks: Unicode normalisation and hidden characters in names.

A name typed into a return can carry characters nobody sees: right-to-left overrides and
marks (U+202E, U+200F), zero-width spaces and joiners (U+200B, U+200D), control characters.
Read naively they vanish, so ``"Barnet" + U+202E U+200F + Arabic text`` would be taken as
Barnet. Names are normalised with Unicode NFKC (full-width ``Ｂａｒｎｅｔ`` is ``Barnet``);
an identifier (borough, agency, group, PI) that still holds a hidden character is refused
with the characters named (:func:`check_name`), and display text has them removed
(:func:`display_text`).
"""

from __future__ import annotations

import unicodedata

from lscb_analysis.core.errors import InvalidNameError

# Unicode general categories of characters that show nothing or change how text around
# them shows: controls, format characters (bidirectional marks and overrides, zero-width
# spaces and joiners, the byte-order mark), line and paragraph separators, unassigned.
HIDDEN_CATEGORIES = ("Cc", "Cf", "Zl", "Zp", "Cn", "Co", "Cs")
# Whitespace a name may hold; it is read as a plain space.
ALLOWED_SPACES = ("\t", "\n", "\r")


def hidden_characters(text: str) -> list[str]:
    """The hidden characters in ``text``, each as ``U+XXXX NAME``, in order, without repeats.

    >>> hidden_characters("Barnet\\u202e\\u200f")
    ['U+202E RIGHT-TO-LEFT OVERRIDE', 'U+200F RIGHT-TO-LEFT MARK']
    >>> hidden_characters("Kensington & Chelsea")
    []
    """
    found: dict[str, None] = {}
    for character in str(text):
        if character in ALLOWED_SPACES:
            continue
        if unicodedata.category(character) in HIDDEN_CATEGORIES:
            name = unicodedata.name(character, "unnamed character")
            found.setdefault(f"U+{ord(character):04X} {name}", None)
    return list(found)


def check_name(text: object, what: str = "name") -> str:
    """Return an identifier as NFKC-normalised text, or refuse one with hidden characters.

    Input: the name as written and what it names (``"borough"``, ``"agency"``, ``"PI"``),
    for the message. Output: the NFKC form with runs of spaces made one and the ends trimmed.

    >>> check_name("Ｂａｒｎｅｔ  ", "borough")
    'Barnet'

    Raises:
        InvalidNameError: the name holds control, bidirectional or zero-width characters;
            the message lists them and says to type the name again.
    """
    normal = unicodedata.normalize("NFKC", str(text))
    hidden = hidden_characters(normal)
    if hidden:
        shown = display_text(normal)
        raise InvalidNameError(
            f"The {what} {shown!r} holds characters that do not show on screen "
            f"({', '.join(hidden)}); they can make one name look like another. Type the "
            f"{what} again without them (copying from a web page or a message often brings "
            "them in)."
        )
    return " ".join(normal.split())


def hidden_note(text: object, what: str = "file name") -> str:
    """A sentence for a message when ``text`` holds hidden characters ("" when it does not).

    >>> hidden_note("Barnet\u202e.xlsx").split(" (")[0]
    ' Its file name holds characters that do not show on screen'
    >>> hidden_note("Barnet.xlsx")
    ''
    """
    hidden = hidden_characters(unicodedata.normalize("NFKC", str(text)))
    if not hidden:
        return ""
    return (
        f" Its {what} holds characters that do not show on screen ({', '.join(hidden)}), "
        f"which can make one name look like another, so it names no borough: rename it "
        "without them."
    )


def display_text(text: object) -> str:
    """Return text for display: NFKC-normalised, with every hidden character removed.

    Line breaks and tabs are kept.

    >>> display_text("Barnet\\u200b\\u202e ok")
    'Barnet ok'
    """
    normal = unicodedata.normalize("NFKC", str(text))
    return "".join(
        character
        for character in normal
        if character in ALLOWED_SPACES or unicodedata.category(character) not in HIDDEN_CATEGORIES
    )
