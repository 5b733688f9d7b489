"""Analysis of a capture larger than memory, in time windows.

A dataset (``wb.ingest`` / ``wb.scan``) is cut into windows of whole seconds holding at most
``window_packets`` packets. Each window is loaded, classified (``vectors.classify``) and
written back as a labelled Parquet part; what only makes sense per bin (the 100 ms series
per vector, 1 ms and 10 ms peaks, silences in a busy capture) is taken from the window
while it is in memory. Windows never share a second, so these partials combine exactly.
Everything else in the report is a streaming Polars query over the labelled parts.

Vector confirmation (sources, unsolicited share, baselines) is judged per window; choose a
window that holds minutes of the attack (the default holds 2 M packets: ~1.5 GB peak).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench.analysis.lazy import collect
from workbench.analysis.series import fine_series
from workbench.analysis.vectors import classify

WINDOW_PACKETS = 2_000_000
PEAK_BINS_MS = (1, 10)  # finer than the 100 ms series: peaks are taken per window
GAP_S = 1.0  # a silence this long inside busy traffic is flagged as a possible capture gap


@dataclass
class Partials:
    """Per-bin results gathered window by window (or from one in-memory frame)."""

    series: list[pl.DataFrame] = field(default_factory=list)  # 100 ms x vector
    peaks: dict[int, tuple[int, int, int]] = field(
        default_factory=dict
    )  # bin_ms -> (bytes, packets, bin)
    gaps: list[tuple[int, int]] = field(default_factory=list)  # (last ts before, first ts after)
    last_ns: int | None = None
    packets: int = 0
    windows: int = 0

    def add(self, classified: pl.DataFrame) -> None:
        """Take a window's share: its series, bin peaks and silences."""
        if classified.is_empty():
            return
        self.windows += 1
        self.packets += classified.height
        self.series.append(fine_series(classified))
        ts = classified["ts"].cast(pl.Int64)
        for bin_ms in PEAK_BINS_MS:
            bin_ns = bin_ms * 1_000_000
            top = (
                classified.lazy()
                .group_by((ts // bin_ns * bin_ns).alias("bin"))
                .agg(pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"), pl.len().alias("n"))
                .sort("bytes", "bin", descending=[True, False])
                .head(1)
                .collect()
                .row(0)
            )
            best = self.peaks.get(bin_ms)
            if best is None or top[1] > best[0]:
                self.peaks[bin_ms] = (int(top[1]), int(top[2]), int(top[0]))
        times = ts.sort()
        if self.last_ns is not None:
            times = pl.concat([pl.Series([self.last_ns], dtype=pl.Int64), times])
        diffs = times.diff().fill_null(0)
        for i in (diffs > GAP_S * 1e9).arg_true().to_list():
            self.gaps.append((int(times[i - 1]), int(times[i])))
        self.last_ns = int(times[-1])

    def fine_series(self) -> pl.DataFrame:
        """The 100 ms series per vector of the whole capture."""
        if not self.series:
            return pl.DataFrame()
        return pl.concat(self.series).sort("ts", "vector")


def plan(packets: pl.LazyFrame, window_packets: int = WINDOW_PACKETS) -> list[tuple[int, int, int]]:
    """Windows ``(first_ns, end_ns, packets)`` of whole seconds, each at most ``window_packets``
    (a single busier second is a window of its own)."""
    per_second = collect(
        packets.group_by((pl.col("ts").cast(pl.Int64) // 1_000_000_000).alias("s")).agg(pl.len())
    ).sort("s")
    windows: list[tuple[int, int, int]] = []
    first = count = None
    for second, n in per_second.iter_rows():
        if first is not None and count + n > window_packets:
            windows.append((first * 1_000_000_000, second * 1_000_000_000, count))
            first = None
        if first is None:
            first, count = second, 0
        count += n
        last = second
    if first is not None:
        windows.append((first * 1_000_000_000, (last + 1) * 1_000_000_000, count))
    return windows


def classify_windows(
    packets: pl.LazyFrame,
    workdir: str | Path,
    *,
    window_packets: int = WINDOW_PACKETS,
    progress: bool | None = None,
) -> tuple[pl.LazyFrame, Partials]:
    """Classify a lazy packet frame window by window into ``workdir/window-*.parquet``.

    Returns the labelled packets (lazy, the packet schema plus ``vector``) and the partials.
    """
    out = Path(workdir)
    out.mkdir(parents=True, exist_ok=True)
    windows = plan(packets, window_packets)
    partials = Partials()
    parts = []
    for k, classified in enumerate(_windows(packets, windows, progress)):
        partials.add(classified)
        part = out / f"window-{k:06d}.parquet"
        classified.write_parquet(part, statistics=True)
        parts.append(str(part))
        del classified
    if not parts:
        from workbench.capture.schema import empty_frame

        return empty_frame().with_columns(vector=pl.lit(None, dtype=pl.String)).lazy(), partials
    return pl.scan_parquet(parts), partials


def _windows(
    packets: pl.LazyFrame, windows: list[tuple[int, int, int]], progress: bool | None
) -> Iterator[pl.DataFrame]:
    bar = None
    if progress is not False and windows:
        from tqdm.auto import tqdm

        bar = tqdm(total=sum(n for *_, n in windows), unit="pkt", unit_scale=True, desc="analyse",
                   disable=progress is None and len(windows) < 2)  # fmt: skip
    ts = pl.col("ts").cast(pl.Int64)
    try:
        for lo, hi, n in windows:
            frame = packets.filter((ts >= lo) & (ts < hi)).collect()
            yield classify(frame)
            if bar is not None:
                bar.update(n)
    finally:
        if bar is not None:
            bar.close()
