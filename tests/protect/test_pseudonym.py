"""Keyed pseudonyms for case references, and where the key comes from."""

from __future__ import annotations

import os
import stat

import pytest

from lscb_analysis.core.errors import InvalidArgumentError, PseudonymKeyError
from lscb_analysis.protect import pseudonym

KEY = b"0123456789abcdef0123456789abcdef"


@pytest.fixture
def no_key(monkeypatch, tmp_path):
    """No key anywhere: no variables, and a HOME without ~/.config/lscb/pseudonym.key."""
    monkeypatch.delenv(pseudonym.KEY_VARIABLE, raising=False)
    monkeypatch.delenv(pseudonym.KEY_FILE_VARIABLE, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    return tmp_path / "home"


def test_same_case_same_key_same_pseudonym():
    assert pseudonym.pseudonymise("SYN-0001", KEY) == pseudonym.pseudonymise("SYN-0001", KEY)
    assert pseudonym.pseudonymise(" syn-0001 ", KEY) == pseudonym.pseudonymise("SYN-0001", KEY)
    assert pseudonym.pseudonymise(12345, KEY) == pseudonym.pseudonymise("12345", KEY)


def test_different_key_or_case_gives_a_different_pseudonym():
    one = pseudonym.pseudonymise("SYN-0001", KEY)
    assert one != pseudonym.pseudonymise("SYN-0001", KEY[::-1])
    assert one != pseudonym.pseudonymise("SYN-0002", KEY)


def test_pseudonym_format_and_no_trace_of_the_reference():
    value = pseudonym.pseudonymise("SYN-0001", KEY)
    assert pseudonym.looks_like_pseudonym(value)
    assert len(value) == len("CASE-") + 10
    assert "0001" not in value
    many = pseudonym.pseudonymise_many([f"SYN-{i:04d}" for i in range(2000)], KEY)
    assert len(set(many.values())) == 2000  # no collisions in a realistic number of cases


def test_bad_inputs():
    with pytest.raises(InvalidArgumentError):
        pseudonym.pseudonymise("", KEY)
    with pytest.raises(InvalidArgumentError):
        pseudonym.pseudonymise("SYN-1", b"short")


def test_key_from_environment(no_key, monkeypatch):
    monkeypatch.setenv(pseudonym.KEY_VARIABLE, "a secret phrase that is long enough!")
    assert pseudonym.load_key() == b"a secret phrase that is long enough!"
    monkeypatch.setenv(pseudonym.KEY_VARIABLE, "ab" * 32)
    assert pseudonym.load_key() == bytes.fromhex("ab" * 32)
    monkeypatch.setenv(pseudonym.KEY_VARIABLE, "too short")
    with pytest.raises(PseudonymKeyError, match="at least 32"):
        pseudonym.load_key()


def test_missing_key_says_how_to_create_one(no_key):
    with pytest.raises(PseudonymKeyError) as error:
        pseudonym.load_key()
    message = str(error.value)
    assert "lscb audit keygen" in message
    assert pseudonym.KEY_VARIABLE in message and pseudonym.KEY_FILE_VARIABLE in message


def test_create_key_file_and_load_it(no_key, monkeypatch, tmp_path):
    path = pseudonym.create_key_file()
    assert path == pseudonym.default_key_path().absolute()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    key = pseudonym.load_key()
    assert len(key) == 32
    with pytest.raises(PseudonymKeyError, match="already exists"):
        pseudonym.create_key_file()
    assert pseudonym.load_key() == key  # not overwritten
    other = pseudonym.create_key_file(tmp_path / "keys" / "other.key")
    monkeypatch.setenv(pseudonym.KEY_FILE_VARIABLE, str(other))
    assert pseudonym.load_key() != key
    monkeypatch.setenv(pseudonym.KEY_FILE_VARIABLE, str(tmp_path / "missing.key"))
    with pytest.raises(PseudonymKeyError, match="does not exist"):
        pseudonym.load_key()


def test_key_never_inside_the_project(no_key, project, monkeypatch):
    with pytest.raises(PseudonymKeyError, match="inside the project folder"):
        pseudonym.create_key_file(project / "data" / "pseudonym.key")
    assert not (project / "data" / "pseudonym.key").exists()
    inside = project / "my.key"
    inside.write_text("cd" * 32)
    os.chmod(inside, 0o600)
    monkeypatch.setenv(pseudonym.KEY_FILE_VARIABLE, str(inside))
    with pytest.raises(PseudonymKeyError, match="inside the project folder"):
        pseudonym.load_key()


@pytest.mark.skipif(os.name != "posix", reason="file permissions are POSIX")
def test_key_file_readable_by_others_is_refused(no_key, tmp_path, monkeypatch):
    path = tmp_path / "open.key"
    path.write_text("ef" * 32)
    os.chmod(path, 0o644)
    monkeypatch.setenv(pseudonym.KEY_FILE_VARIABLE, str(path))
    with pytest.raises(PseudonymKeyError, match="chmod 600"):
        pseudonym.load_key()


def test_fingerprint_identifies_the_key_without_revealing_it():
    assert pseudonym.key_fingerprint(KEY) == pseudonym.key_fingerprint(KEY)
    assert pseudonym.key_fingerprint(KEY) != pseudonym.key_fingerprint(KEY[::-1])
    assert KEY.hex()[:12] != pseudonym.key_fingerprint(KEY)
