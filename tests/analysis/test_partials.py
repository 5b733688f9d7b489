"""Partials: the busiest 1 ms and 10 ms bins of a window, and its silences."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

from workbench.analysis.partials import Partials, _busiest_bin


def _frame(ts: list[int], wire: list[int]) -> pl.DataFrame:
    return pl.DataFrame(
        {"ts": pl.Series(ts, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
         "wire_len": pl.Series(wire, dtype=pl.UInt32), "vector": [None] * len(ts)}
    )  # fmt: skip


def test_busiest_bin_by_hand() -> None:
    ms = 1_000_000
    # bins of 1 ms: [0] 100 B, [1] 300 B in 2 packets, [3] 300 B in 1 (a tie: the earlier wins)
    frame = _frame([10, 1 * ms + 5, 1 * ms + 900_000, 3 * ms], [100, 120, 180, 300])
    ts = frame["ts"].cast(pl.Int64)
    assert _busiest_bin(frame, ts, ms) == (300, 2, 1 * ms)
    assert _busiest_bin(frame, ts, 10 * ms) == (700, 4, 0)
    shuffled = frame[[3, 0, 2, 1]]  # out of time order: grouped, the same answer
    assert _busiest_bin(shuffled, shuffled["ts"].cast(pl.Int64), ms) == (300, 2, 1 * ms)


@pytest.mark.parametrize("seed", range(5))
def test_busiest_bin_in_time_order_or_not(seed: int) -> None:
    rng = np.random.default_rng(seed)
    ts = np.sort(rng.integers(-5_000_000, 50_000_000, 3000))  # before 1970 too
    wire = rng.choice([60, 64, 1500], 3000)  # few sizes: ties between bins
    frame = _frame(ts.tolist(), wire.tolist())
    order = rng.permutation(3000)
    for bin_ns in (1_000_000, 10_000_000):
        counts: dict[int, list[int]] = {}
        for t, w in zip(ts.tolist(), wire.tolist(), strict=True):
            at = t // bin_ns * bin_ns
            counts.setdefault(at, [0, 0])
            counts[at][0] += w
            counts[at][1] += 1
        most = max(b for b, _ in counts.values())
        first = min(at for at, (b, _) in counts.items() if b == most)
        expected = (most, counts[first][1], first)
        assert _busiest_bin(frame, frame["ts"].cast(pl.Int64), bin_ns) == expected
        mixed = frame[order]
        assert _busiest_bin(mixed, mixed["ts"].cast(pl.Int64), bin_ns) == expected


def test_partials_of_windows_merge_as_one() -> None:
    ms = 1_000_000
    first = _frame([0, 5 * ms, 5 * ms + 1], [100, 200, 200])
    second = _frame([3_000 * ms, 3_000 * ms + 2], [150, 150])  # after a 3 s silence
    whole = Partials()
    whole.add(pl.concat([first, second]))
    parts = Partials()
    parts.add(first)
    later = Partials()
    later.add(second)
    parts.merge(later)
    for partials in (whole, parts):
        assert partials.peaks[1] == (400, 2, 5 * ms)
        assert partials.gaps == [(5 * ms + 1, 3_000 * ms)]
        assert partials.packets == 5


def test_a_frame_with_unknown_lengths_is_grouped() -> None:
    ms = 1_000_000
    frame = pl.DataFrame(
        {"ts": pl.Series([0, 5, 2 * ms], dtype=pl.Int64),
         "wire_len": pl.Series([100, None, 50], dtype=pl.UInt32)}
    )  # fmt: skip
    assert _busiest_bin(frame, frame["ts"], ms) == (100, 2, 0)
