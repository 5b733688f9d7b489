"""Behaviour-preserving work (refactoring, speed) leaves every bundled sample's report byte for
byte as stored in ``golden/``; a change of the method rewrites them on purpose
(``python scripts/golden_reports.py``) in the commit that explains it."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location(
    "golden_reports", REPO / "scripts" / "golden_reports.py"
)
golden = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(golden)


@pytest.mark.parametrize("name", golden.SAMPLES)
def test_the_report_is_the_golden_one(name, monkeypatch) -> None:
    monkeypatch.chdir(REPO)
    stored = (golden.GOLDEN / f"{name.split('.')[0]}.json").read_text()
    assert golden.report_text(name) == stored, (
        f"the report of {name} changed: if the method changed on purpose, rewrite the golden "
        "reports with `python scripts/golden_reports.py` and say why in the commit"
    )
