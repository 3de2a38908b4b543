"""The consultation settings (consultation.yaml)."""

from __future__ import annotations

import pytest

from lscb_analysis.core.errors import (
    ReferenceDataError,
)
from lscb_analysis.model import (
    catalogue,
    consultation_config,
)

LATEST = catalogue.available_versions()[-1]
IDENTIFYING = "Child: John Smith, DOB 03/02/2015 was missed"


def test_a_bad_threshold_is_a_reference_error(project):
    path = project / "data" / "reference" / consultation_config.CONFIG_FILE
    path.write_text(path.read_text().replace("remove_share: 0.25", "remove_share: 25"))
    with pytest.raises(ReferenceDataError, match="remove_share"):
        consultation_config.load_config()
