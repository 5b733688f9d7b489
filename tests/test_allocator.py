"""The allocator keeps freed pages for reuse (``workbench._allocator``): measured as page faults
in a fresh process, the only place the setting takes effect."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from workbench._allocator import DIRTY_DECAY_MS

# a 200 MB column made, freed, and made again a second later: the second one faults in new
# pages only when the first one's were given back to the system
PROBE = """
import resource, time
import workbench
import polars as pl
def faults():
    return resource.getrusage(resource.RUSAGE_SELF).ru_minflt
counts = []
for _ in range(2):
    before = faults()
    column = pl.Series("x", range(25_000_000), dtype=pl.Int64) * 2
    counts.append(faults() - before)
    del column
    time.sleep(1.0)
print(counts[0], counts[1])
"""


THP = Path("/sys/kernel/mm/transparent_hugepage/enabled")
pytestmark = pytest.mark.skipif(
    not THP.exists() or "[always]" in THP.read_text(),
    reason="counted in 4 KB page faults: needs Linux without transparent huge pages always on",
)


def _faults(**env: str) -> tuple[int, int]:
    environ = {k: v for k, v in os.environ.items() if k != "_RJEM_MALLOC_CONF"} | env
    done = subprocess.run([sys.executable, "-c", PROBE], env=environ, capture_output=True,
                          text=True, check=True)  # fmt: skip
    first, second = map(int, done.stdout.split())
    return first, second


def test_freed_pages_are_reused_a_second_later():
    assert DIRTY_DECAY_MS > 1000
    first, second = _faults()
    assert first > 40_000  # 200 MB of 4 KB pages, faulted in once
    assert second < first * 0.1


def test_the_users_allocator_setting_wins():
    # freed pages given back at once (jemalloc's decay is gradual: with 200 ms, a loaded
    # machine still held half of them a second later)
    first, second = _faults(_RJEM_MALLOC_CONF="dirty_decay_ms:0")
    assert second > first * 0.5  # given back: faulted in again
