"""Every threshold of ``AnalysisConfig`` is one the analysis reads: the report records all of them
in ``parameters.analysis`` as the claims the verdicts rest on, and a field nothing reads
(``slow_share_min``, 0.5, "the share of the service's client connections that are slow") claimed
a test that was never made."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

from workbench.analysis.config import AnalysisConfig

PACKAGE = Path(__file__).resolve().parents[2] / "workbench"
CONFIG = PACKAGE / "analysis" / "config.py"


def test_every_field_is_read_by_the_analysis() -> None:
    others = "\n".join(p.read_text() for p in PACKAGE.rglob("*.py") if p != CONFIG)
    own = CONFIG.read_text()  # the config's own methods read some (``self.rate_bin_max_ms``)
    # read as an attribute, or by its name from a table (``rates.FLOOD_RATES``: getattr)
    read = [r"\.{}\b", r"[\"']{}[\"']"]
    unread = [
        f.name
        for f in dataclasses.fields(AnalysisConfig)
        if not any(re.search(r.format(f.name), others) for r in read)
        and not re.search(rf"self\.{f.name}\b", own)
    ]
    assert unread == []
