"""Which pseudonym key the processed audits were made with, and a refusal to mix keys.

Case references are replaced on ingest by keyed pseudonyms (:mod:`lscb_analysis.protect.pseudonym`).
A different key gives every case a different ``CASE-…`` label, so audits ingested with it
would no longer match earlier reports, repeat audits or the actions log. The audit ingest
therefore records the key's fingerprint (a keyed hash, never the key) in
``data/processed/audit/pseudonym_key.json`` and refuses to ingest with another key unless
asked to change key on purpose (``lscb audit ingest --new-key``, which re-ingests every
audit with the new key).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

from lscb_analysis.core import io, paths
from lscb_analysis.core.errors import PseudonymKeyError

KEY_RECORD = "pseudonym_key.json"


def key_record_path() -> Path:
    """``data/processed/audit/pseudonym_key.json``."""
    return paths.processed_dir() / "audit" / KEY_RECORD


def recorded_fingerprint() -> str | None:
    """The fingerprint of the key the processed audits were made with, or None (none yet).

    Raises: PseudonymKeyError when the record exists but cannot be read (it names the file).
    """
    path = key_record_path()
    if not path.is_file():
        return None
    try:
        return str(json.loads(path.read_text(encoding="utf-8"))["key_fingerprint"])
    except (ValueError, KeyError, TypeError) as error:
        raise PseudonymKeyError(
            f"{path} is damaged ({error}). Run `lscb audit ingest --new-key` to ingest every "
            "audit again with the key you have now."
        ) from error


def check_same_key(fingerprint: str) -> None:
    """Refuse to ingest with a key other than the one the processed audits were made with.

    Raises:
        PseudonymKeyError: the fingerprints differ; the message says what a new key would
            do to case references and how to change key on purpose.
    """
    recorded = recorded_fingerprint()
    if recorded is not None and recorded != fingerprint:
        raise PseudonymKeyError(
            f"The pseudonym key has changed: the audits in {key_record_path().parent} were "
            f"ingested with the key whose fingerprint is {recorded}, this one's is "
            f"{fingerprint}. With it every case reference would get a new CASE- label, so "
            "audits would no longer match earlier reports, repeat audits or the actions log. "
            "Use the key you used before (LSCB_PSEUDONYM_KEY or LSCB_PSEUDONYM_KEY_FILE), or, "
            "to change key on purpose, run `lscb audit ingest --new-key`: it ingests every "
            "audit again with the new key (update CASE- labels kept by hand, such as the "
            "actions log, from the new records)."
        )


def record_key(fingerprint: str) -> Path:
    """Write the fingerprint of the key the processed audits were made with; return the path.

    Raises: RawDataWriteError when the processed folder is under ``data/raw/``.
    """
    path = io.ensure_writable(key_record_path())
    path.write_text(
        json.dumps(
            {
                "key_fingerprint": fingerprint,
                "recorded": dt.datetime.now().isoformat(timespec="seconds"),
            },
            indent=2,
        ),
        encoding="utf-8",
    )
    return path
