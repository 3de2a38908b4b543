"""Sub-group names as people write them (lscb_analysis.scorecard.groups); more cases with the
group card folders in tests/runs/test_group_card_folders.py."""

from __future__ import annotations

import pytest

from lscb_analysis.core.errors import InvalidNameError
from lscb_analysis.scorecard import groups


def test_a_group_name_with_hidden_characters_is_refused_naming_them():
    with pytest.raises(InvalidNameError, match=r"sub-group .*U\+202E"):
        groups.resolve_group("LADO\u202e", ["LADO", "neglect"])
    assert groups.resolve_group("ＬＡＤＯ", ["LADO", "neglect"]) == "LADO"  # full-width letters
