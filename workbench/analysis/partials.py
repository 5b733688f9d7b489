"""Partials: what only makes sense per bin (the 100 ms series per vector, 1 ms and 10 ms peaks,
silences in busy traffic), taken from a labelled frame while it is in memory: one window of a
dataset (``windows.py``) or a whole in-memory capture (``saturation.py``). Windows never share
a second, so the partials of consecutive windows merge exactly."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import polars as pl
from numba import njit

from workbench.analysis.queries import packed, unpacked
from workbench.analysis.series import SECOND_NS, fine_series, stamp_resolution

PEAK_BINS_MS = (1, 10)  # finer than the 100 ms series: peaks are taken per window
GAP_S = 1.0  # a silence this long inside busy traffic is flagged as a possible capture gap


def _busiest_bin(frame: pl.DataFrame, ts: pl.Series, bin_ns: int) -> tuple[int, int, int]:
    """(bytes, packets, bin start) of the ``bin_ns`` bin with the most bytes (ties: the first).
    Packets in time order (as captured, nearly always) are summed bin by bin in one pass; others
    are grouped."""
    wire = frame["wire_len"]
    if not ts.null_count() and not wire.null_count() and ts.is_sorted():
        return _busiest_run(ts.to_numpy(), wire.to_numpy(), bin_ns)
    top = (
        frame.lazy()
        .group_by((ts // bin_ns * bin_ns).alias("bin"))
        .agg(pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"), pl.len().alias("n"))
        .sort("bytes", "bin", descending=[True, False])
        .head(1)
        .collect()
        .row(0)
    )
    return int(top[1]), int(top[2]), int(top[0])


@njit(cache=True)
def _busiest_run(ts: np.ndarray, wire_len: np.ndarray, bin_ns: int) -> tuple[int, int, int]:
    """``_busiest_bin`` over times in order: each bin is one run of packets."""
    best = (-1, 0, 0)
    start, size, count = ts[0] // bin_ns * bin_ns, 0, 0
    for i in range(ts.shape[0]):
        at = ts[i] // bin_ns * bin_ns
        if at != start:
            if size > best[0]:  # strictly: a tie keeps the earlier bin
                best = (size, count, start)
            start, size, count = at, 0, 0
        size += wire_len[i]
        count += 1
    if size > best[0]:
        best = (size, count, start)
    return best


def silences(times: pl.Series, min_ns: int, before: int | None = None) -> list[tuple[int, int]]:
    """(last packet before, first packet after) of each silence longer than ``min_ns`` in
    ``times`` (ns, in order); ``before``: the last packet of what came before them."""
    if before is not None:
        times = pl.concat([pl.Series([before], dtype=pl.Int64), times])
    diffs = times.diff().fill_null(0)
    return [(int(times[i - 1]), int(times[i])) for i in (diffs > min_ns).arg_true().to_list()]


@dataclass
class Partials:
    """Per-bin results gathered window by window (or from one in-memory frame)."""

    series: list[bytes] = field(default_factory=list)  # 100 ms x vector, packed (``Evidence.pack``)
    peaks: dict[int, tuple[int, int, int]] = field(
        default_factory=dict
    )  # bin_ms -> (bytes, packets, bin)
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (last ts before, first ts after)
    first_ns: int | None = None
    last_ns: int | None = None
    packets: int = 0
    windows: int = 0
    resolution_ns: int = SECOND_NS  # the timestamps' tick (``stamp_resolution``) over every window

    def add(self, classified: pl.DataFrame) -> None:
        """Take a window's share: its series, bin peaks and silences."""
        if classified.is_empty():
            return
        self.windows += 1
        self.packets += classified.height
        self.series.append(packed(fine_series(classified)))
        ts = classified["ts"].cast(pl.Int64)
        for bin_ms in PEAK_BINS_MS:
            top = _busiest_bin(classified, ts, bin_ms * 1_000_000)
            best = self.peaks.get(bin_ms)
            if best is None or top[0] > best[0]:
                self.peaks[bin_ms] = top
        times = ts if ts.is_sorted() else ts.sort()
        self.resolution_ns = stamp_resolution(times.to_numpy(), self.resolution_ns)
        if self.first_ns is None:
            self.first_ns = int(times[0])
        self.gaps += silences(times, int(GAP_S * 1e9), self.last_ns)
        self.last_ns = int(times[-1])

    def merge(self, later: Partials) -> None:
        """Take the partials of the windows that follow these (computed apart)."""
        if not later.packets:
            return
        if self.last_ns is not None and later.first_ns - self.last_ns > GAP_S * 1e9:
            self.gaps.append((self.last_ns, later.first_ns))
        self.gaps.extend(later.gaps)
        self.series.extend(later.series)
        for bin_ms, top in later.peaks.items():
            best = self.peaks.get(bin_ms)
            if best is None or top[0] > best[0]:
                self.peaks[bin_ms] = top
        self.first_ns = later.first_ns if self.first_ns is None else self.first_ns
        self.last_ns = later.last_ns
        self.packets += later.packets
        self.windows += later.windows
        self.resolution_ns = min(self.resolution_ns, later.resolution_ns)

    def fine_series(self) -> pl.DataFrame:
        """The 100 ms series per vector of the whole capture."""
        if not self.series:
            return pl.DataFrame()
        return pl.concat([unpacked(part) for part in self.series]).sort("ts", "vector")
