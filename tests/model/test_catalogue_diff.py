"""Differences between two versions of the best-fit model."""

from __future__ import annotations

import pytest
from catalogue_docs import local_pi, make_doc, national_pi, postponed_pi, write_doc

from lscb_analysis.model import catalogue, catalogue_diff

# --- diffs ------------------------------------------------------------------------------


def two_cluster_doc(version):
    return make_doc(
        version,
        clusters=[
            {
                "id": "G1.1",
                "title": "One",
                "narrative": "First.",
                "pis": [national_pi(), local_pi(), postponed_pi()],
            },
            {
                "id": "G1.2",
                "title": "Two",
                "narrative": "Second.",
                "pis": [local_pi("BF-TS-04"), local_pi("BF-TS-05"), local_pi("BF-TS-06")],
            },
        ],
    )


@pytest.fixture
def old_and_new(tmp_path):
    old = two_cluster_doc("1.0")
    new = two_cluster_doc("1.1")
    cluster_one, cluster_two = new["goals"][0]["clusters"]
    cluster_one["pis"][0]["title"] = "Re-referrals (%)"  # reworded
    cluster_one["pis"][1]["rating"] = "priority outcome"  # re-rated
    moved = cluster_two["pis"].pop(0)  # BF-TS-04 moves
    cluster_one["pis"].append(moved)
    cluster_two["pis"].pop(0)  # BF-TS-05 removed
    cluster_two["pis"] += [local_pi("BF-TS-07"), local_pi("BF-TS-08")]  # two added
    cluster_two["narrative"] = "Second, reworded."
    folder = tmp_path / "model"
    write_doc(folder, old)
    write_doc(folder, new)
    return (
        catalogue.load_catalogue("1.0", directory=folder),
        catalogue.load_catalogue("1.1", directory=folder),
    )


def test_diff_added_removed_changed_and_moved(old_and_new):
    old, new = old_and_new
    diff = catalogue_diff.diff_catalogues(old, new)
    assert list(diff.columns) == ["change", "pi_id", "field", "old", "new"]
    pis = diff.loc[diff["pi_id"] != ""]
    assert pis.loc[pis["change"] == "added", "pi_id"].tolist() == ["BF-TS-07", "BF-TS-08"]
    assert pis.loc[pis["change"] == "removed", "pi_id"].tolist() == ["BF-TS-05"]
    changed = {
        (r.pi_id, r.field): (r.old, r.new) for r in pis.loc[pis["change"] == "changed"].itertuples()
    }
    assert changed == {
        ("BF-TS-01", "title"): ("Re-referrals within 12 months (%)", "Re-referrals (%)"),
        ("BF-TS-02", "rating"): ("universal outcome", "priority outcome"),
        ("BF-TS-04", "cluster"): ("G1.2", "G1.1"),
    }
    structure = diff.loc[diff["pi_id"] == ""]
    assert structure["field"].tolist() == ["cluster G1.2 narrative"]
    assert catalogue_diff.diff_catalogues(new, new).empty
    assert catalogue_diff.diff_catalogues(new, old).loc[
        lambda d: d["change"] == "removed", "pi_id"
    ].tolist() == ["BF-TS-07", "BF-TS-08"]


def test_diff_shows_a_move_between_goals(tmp_path):
    old = two_cluster_doc("1.0")
    new = two_cluster_doc("1.1")
    second = new["goals"][0]["clusters"].pop()
    new["goals"].append({"id": "G2", "title": "Goal two", "clusters": [second]})
    folder = tmp_path / "model"
    write_doc(folder, old)
    write_doc(folder, new)
    diff = catalogue_diff.diff_catalogues(
        catalogue.load_catalogue("1.0", directory=folder),
        catalogue.load_catalogue("1.1", directory=folder),
    )
    goal_moves = diff.loc[diff["field"] == "goal"]
    assert goal_moves["pi_id"].tolist() == ["BF-TS-04", "BF-TS-05", "BF-TS-06"]
    assert set(goal_moves["old"]) == {"G1"} and set(goal_moves["new"]) == {"G2"}
    assert "goal G2" in set(diff["field"])
    assert "cluster G1.2 goal" in set(diff["field"])


def test_format_diff_is_readable(old_and_new):
    old, new = old_and_new
    text = catalogue_diff.format_diff(old, new)
    assert text.startswith("Best-fit model: version 1.0 (2016-07-08) -> version 1.1")
    assert "6 PIs -> 7 PIs: 2 added, 1 removed, 3 changed." in text
    assert "Removed (1)\n  - BF-TS-05" in text
    assert "  + BF-TS-07" in text
    assert "    cluster: G1.2 -> G1.1" in text
    assert "    rating: universal outcome -> priority outcome" in text
    assert "Goals and clusters" in text
    assert "No differences." in catalogue_diff.format_diff(new, new)


def test_real_versions_differ_realistically():
    first, agreed = catalogue.load_catalogue("0.1"), catalogue.load_catalogue("1.0")
    diff = catalogue_diff.diff_catalogues(first, agreed)
    assert not diff.empty
    assert {"added", "removed", "changed"} <= set(diff["change"])
    moves = diff.loc[diff["field"] == "goal"]
    assert "BF-YS-01" in set(moves["pi_id"])
    seminar = catalogue_diff.diff_catalogues(first, catalogue.load_catalogue("0.2"))
    added = seminar.loc[(seminar["change"] == "added") & (seminar["pi_id"] != ""), "pi_id"]
    sources = catalogue.load_catalogue("0.2").pis.set_index("id").loc[added, "source_agency"]
    assert {"police", "probation", "health (acute)"} <= set(sources)
    text = catalogue_diff.format_diff(first, agreed)
    assert "Removed (" in text and "Added (" in text and "Changed (" in text
