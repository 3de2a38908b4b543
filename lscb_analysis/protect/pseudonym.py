"""Pseudonyms for case references: a keyed hash, so processed data never holds the real reference.

A case reference (``SYN-0001``, a case-management number) is turned into a pseudonym such as
``CASE-K3VQ7D2MXA`` with HMAC-SHA256 keyed by a secret that lives outside the repository. The
same reference with the same key always gives the same pseudonym (so the same child can be
followed across agencies and audits); without the key nobody can work back from the pseudonym
or test a guessed reference against it. A different key gives unrelated pseudonyms.

Where the key is found, first match wins:

1. the environment variable ``LSCB_PSEUDONYM_KEY`` (the key itself, at least 32 characters);
2. the file named by the environment variable ``LSCB_PSEUDONYM_KEY_FILE``;
3. the default key file ``~/.config/lscb/pseudonym.key``.

:func:`create_key_file` (``lscb audit keygen``) writes a new random key readable only by you
(permissions 0600). It refuses to write inside the project folder, so the key cannot end up in
git (``.gitignore`` also ignores ``*.key``), and it never overwrites a key: a lost or replaced
key means earlier pseudonyms can no longer be matched. Keep a copy where your organisation
keeps secrets. Nothing here logs or returns the key or a case reference.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from lscb_analysis.core import paths
from lscb_analysis.core.errors import InvalidArgumentError, PseudonymKeyError

KEY_VARIABLE = "LSCB_PSEUDONYM_KEY"
KEY_FILE_VARIABLE = "LSCB_PSEUDONYM_KEY_FILE"
PREFIX = "CASE-"
PSEUDONYM_LENGTH = 10  # base32 characters: 50 bits
MINIMUM_KEY_CHARACTERS = 32
KEY_BYTES = 32
_CONTEXT = b"lscb-case-reference:v1:"
_HOW_TO_CREATE = (
    "Create one with `lscb audit keygen` (writes ~/.config/lscb/pseudonym.key), or set "
    f"{KEY_VARIABLE} to a secret of at least {MINIMUM_KEY_CHARACTERS} characters, or set "
    f"{KEY_FILE_VARIABLE} to the path of a key file kept outside the project folder. Use the "
    "same key for every audit so the same case keeps the same pseudonym."
)


def default_key_path() -> Path:
    """Return the default key file, ``~/.config/lscb/pseudonym.key`` (outside any repository).

    >>> default_key_path().name
    'pseudonym.key'
    """
    return Path.home() / ".config" / "lscb" / "pseudonym.key"


def normalise_reference(reference: object) -> str:
    """Return the form of a case reference that is hashed: trimmed, single spaces, upper case.

    Input: a case reference as read (text or a number; whole floats such as 1234.0 lose the
    ``.0``). Output: text. So ``" syn-0001 "`` and ``"SYN-0001"`` are the same case.
    Raises: InvalidArgumentError when the reference is empty.

    >>> normalise_reference("  syn-0001 "), normalise_reference(1234.0)
    ('SYN-0001', '1234')
    """
    if isinstance(reference, float) and reference.is_integer():
        reference = int(reference)
    text = " ".join(str(reference if reference is not None else "").split()).upper()
    if not text:
        raise InvalidArgumentError("A case reference is empty; it cannot be pseudonymised.")
    return text


def pseudonymise(reference: object, key: bytes) -> str:
    """Return the pseudonym of one case reference.

    Inputs: ``reference`` (see :func:`normalise_reference`); ``key`` (bytes, from
    :func:`load_key`). Output: ``CASE-`` followed by 10 base32 characters (A-Z, 2-7), the first
    50 bits of HMAC-SHA256(key, reference). Raises: InvalidArgumentError for an empty
    reference or a key shorter than 16 bytes.

    >>> key = b"k" * 32
    >>> pseudonymise("SYN-0001", key) == pseudonymise(" syn-0001", key)
    True
    >>> pseudonymise("SYN-0001", key) == pseudonymise("SYN-0001", b"j" * 32)
    False
    >>> len(pseudonymise("SYN-0001", key))
    15
    """
    _check_key(key)
    message = _CONTEXT + normalise_reference(reference).encode("utf-8")
    digest = hmac.new(key, message, hashlib.sha256).digest()
    return PREFIX + base64.b32encode(digest).decode("ascii")[:PSEUDONYM_LENGTH]


def pseudonymise_many(references: Iterable[object], key: bytes) -> dict[str, str]:
    """Return {normalised reference: pseudonym} for several references (empty ones skipped).

    Raises: InvalidArgumentError for a short key.

    >>> sorted(pseudonymise_many(["a1", "A1", "", None], b"k" * 32))
    ['A1']
    """
    _check_key(key)
    out: dict[str, str] = {}
    for reference in references:
        if reference is None or not str(reference).strip():
            continue
        text = normalise_reference(reference)
        if text not in out:
            out[text] = pseudonymise(text, key)
    return out


def looks_like_pseudonym(text: object) -> bool:
    """Say whether a text has the pseudonym format (``CASE-`` and 10 base32 characters).

    >>> looks_like_pseudonym("CASE-ABCDE23456"), looks_like_pseudonym("SYN-0001")
    (True, False)
    """
    return bool(re.fullmatch(rf"{PREFIX}[A-Z2-7]{{{PSEUDONYM_LENGTH}}}", str(text)))


def key_fingerprint(key: bytes) -> str:
    """Return a short fingerprint of a key, safe to record in a manifest (not the key).

    Two runs with the same fingerprint used the same key, so their pseudonyms match.

    >>> key_fingerprint(b"k" * 32) == key_fingerprint(b"k" * 32), len(key_fingerprint(b"k" * 32))
    (True, 12)
    """
    _check_key(key)
    return hmac.new(key, b"lscb-key-fingerprint", hashlib.sha256).hexdigest()[:12]


def load_key() -> bytes:
    """Find and return the pseudonymisation key (see the module notes for where it is looked for).

    Output: the key as bytes. A key file holds 64 hexadecimal characters (what
    :func:`create_key_file` writes) or any secret text of at least 32 characters.
    Raises: PseudonymKeyError when no key is found, the key is too short, the key file is
    inside the project folder or readable by other users, or cannot be read; the message
    says how to create one.
    """
    secret = os.environ.get(KEY_VARIABLE)
    if secret is not None and secret.strip():
        return _key_from_text(secret.strip(), f"the environment variable {KEY_VARIABLE}")
    configured = os.environ.get(KEY_FILE_VARIABLE)
    if configured and configured.strip():
        path = Path(configured.strip()).expanduser()
        if not path.is_file():
            raise PseudonymKeyError(
                f"{KEY_FILE_VARIABLE} points to {path}, which does not exist. Correct the "
                f"variable, or unset it to use {default_key_path()}. {_HOW_TO_CREATE}"
            )
        return _read_key_file(path)
    path = default_key_path()
    if path.is_file():
        return _read_key_file(path)
    raise PseudonymKeyError(
        "No pseudonymisation key found: case references cannot be pseudonymised, so the audit "
        f"files were not read. Looked for {KEY_VARIABLE}, {KEY_FILE_VARIABLE} and {path}. "
        f"{_HOW_TO_CREATE}"
    )


def create_key_file(path: Path | str | None = None) -> Path:
    """Write a new random key (32 bytes as 64 hex characters) readable only by the owner.

    Input: ``path`` (None: :func:`default_key_path`). Parent folders are created (0700).
    Output: the path written, with permissions 0600.
    Raises: PseudonymKeyError when the path is inside the project folder (the key must never
    be in the repository) or a file already exists there (a key is never overwritten: that
    would break the link with earlier pseudonyms).
    """
    target = Path(path).expanduser() if path is not None else default_key_path()
    target = target.absolute()
    _refuse_project_folder(target, "write a key")
    if target.exists():
        raise PseudonymKeyError(
            f"{target} already exists; a key is never overwritten, because pseudonyms made "
            "with it could no longer be matched. Keep using it, or choose another path with "
            "--path and point LSCB_PSEUDONYM_KEY_FILE to it."
        )
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    descriptor = os.open(target, flags, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as handle:
        handle.write(secrets.token_hex(KEY_BYTES) + "\n")
    os.chmod(target, 0o600)
    return target


def _check_key(key: bytes) -> None:
    if not isinstance(key, bytes | bytearray) or len(key) < 16:
        raise InvalidArgumentError(
            "The pseudonymisation key must be bytes of at least 16; load it with "
            "pseudonym.load_key()."
        )


def _key_from_text(text: str, where: str) -> bytes:
    if re.fullmatch(r"[0-9a-fA-F]{64,}", text) and len(text) % 2 == 0:
        return bytes.fromhex(text)
    if len(text) < MINIMUM_KEY_CHARACTERS:
        raise PseudonymKeyError(
            f"The key in {where} is {len(text)} characters long; it must be at least "
            f"{MINIMUM_KEY_CHARACTERS}. {_HOW_TO_CREATE}"
        )
    return text.encode("utf-8")


def _read_key_file(path: Path) -> bytes:
    _refuse_project_folder(path.absolute(), "read the key")
    if os.name == "posix":
        mode = path.stat().st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise PseudonymKeyError(
                f"Key file {path} can be read by other users (permissions "
                f"{stat.filemode(mode)}). Restrict it with `chmod 600 {path}` and try again."
            )
    try:
        text = path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError) as error:
        raise PseudonymKeyError(
            f"Key file {path} cannot be read ({type(error).__name__}). {_HOW_TO_CREATE}"
        ) from error
    return _key_from_text(text, f"the key file {path}")


def _refuse_project_folder(path: Path, action: str) -> None:
    project = paths.project_dir().resolve()
    resolved = path.resolve()
    if resolved == project or project in resolved.parents:
        raise PseudonymKeyError(
            f"Refusing to {action} at {path}: it is inside the project folder {project}, so it "
            "could be committed to git or copied with the reports. Keep the key outside the "
            f"project, e.g. {default_key_path()}."
        )
