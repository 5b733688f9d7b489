"""Fixtures of the analysis tests."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import workbench as wb

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


@pytest.fixture(scope="module")
def capture():
    """The bundled mailprovider sample, loaded once per module (read only)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return wb.load(SAMPLE, progress=False)
