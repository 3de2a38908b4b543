import pandas as pd
import pytest

from lscb_analysis.core import io
from lscb_analysis.core.errors import MissingDataFileError, RawDataWriteError, ReferenceDataError


def test_nothing_writes_under_data_raw(project):
    for target in (
        project / "data/raw/survey/out.csv",
        project / "data/raw",
        project / "data/raw/../raw/x.json",
    ):
        with pytest.raises(RawDataWriteError, match="read-only"):
            io.ensure_writable(target)
    with pytest.raises(RawDataWriteError):
        io.write_table(pd.DataFrame({"a": [1]}), project / "data/raw/table")
    assert not any((project / "data/raw").iterdir())


def test_write_table_writes_parquet_and_csv(project):
    parquet, csv = io.write_table(pd.DataFrame({"a": [1, 2]}), project / "data/processed/t")
    assert pd.read_parquet(parquet)["a"].tolist() == [1, 2]
    assert csv.read_text().splitlines() == ["a", "1", "2"]


def test_missing_external_file_names_it_and_says_how_to_restore(project):
    with pytest.raises(MissingDataFileError) as caught:
        io.external_file("no_such_file.csv")
    assert "no_such_file.csv" in str(caught.value) and "git checkout" in str(caught.value)


def test_missing_reference_file(project):
    (project / "data/reference/symbols.csv").unlink()
    with pytest.raises(ReferenceDataError, match="symbols.csv"):
        io.read_reference_csv("symbols.csv")


def test_processed_table_not_built_gives_the_command(project):
    with pytest.raises(MissingDataFileError, match="lscb data build"):
        io.read_processed_table("public_indicators", "lscb data build")


def test_sha256_of(tmp_path):
    path = tmp_path / "f"
    path.write_bytes(b"")
    assert io.sha256_of(path).startswith("e3b0c44298fc")


def test_a_reference_yaml_without_a_required_key_names_the_file_and_key(project):
    (project / "data" / "reference" / "settings.yaml").write_text("paper: A4\n")
    assert io.read_reference_yaml("settings.yaml", ["paper"]) == {"paper": "A4"}
    with pytest.raises(ReferenceDataError, match=r"settings.yaml has no 'tiers'"):
        io.read_reference_yaml("settings.yaml", ["paper", "tiers"])
