"""Fixtures shared by the whole suite.

Real captures live in ``shared/captures`` beside the repository (never committed);
``WORKBENCH_SHARED_CAPTURES`` points elsewhere. Tests that need them skip when absent.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from workbench.evaluation import default_captures

REPO = Path(__file__).resolve().parents[1]
SAMPLE_PCAPS = REPO / "sample_pcaps"
ARTIFACTS = REPO / "test-artifacts"


def shared_captures_dir() -> Path:
    return default_captures()


@pytest.fixture(scope="session")
def shared_captures() -> Path:
    """Folder of the real attack captures; the test skips if it is missing."""
    folder = shared_captures_dir()
    if not folder.is_dir() or not any(folder.glob("*.pcap*")):
        pytest.skip(f"real captures not found in {folder}")
    return folder


@pytest.fixture(scope="session")
def tshark() -> str:
    """Path of tshark; the test skips if it is not installed."""
    path = shutil.which("tshark")
    if path is None:
        pytest.skip("tshark is not installed")
    return path


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """Folder for screenshots and other files a reviewer may want to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


class RecordedBar:
    """Stands in for a tqdm bar: what it is told (its total, each position, whether closed)."""

    made: list[RecordedBar]

    def __init__(self, total: int, **options) -> None:
        self.total, self.n, self.seen, self.closed = total, 0, [], False
        self.options, self.postfixes = options, []
        self.made.append(self)

    def update(self, step: int) -> None:
        self.n += step
        self.seen.append(self.n)

    def set_postfix_str(self, text: str, refresh: bool = True) -> None:
        self.postfixes.append(text)

    def close(self) -> None:
        self.closed = True


@pytest.fixture
def progress_bars(monkeypatch) -> list[RecordedBar]:
    """Every progress bar (``tqdm.auto.tqdm``) made during the test, as recorded."""
    made: list[RecordedBar] = []
    monkeypatch.setattr("tqdm.auto.tqdm", type("Bar", (RecordedBar,), {"made": made}))
    return made
