"""Analysis of a capture larger than memory, in time windows.

A dataset (``wb.ingest`` / ``wb.scan``) is cut into windows of whole seconds holding at most
``window_packets`` packets, read twice. First pass: each window's evidence for the vector
tests (per target and vector: packets, unsolicited answers, completed handshakes, sources;
per second: rates) is gathered, and the tests are judged once over the whole capture, as
in memory. Second pass: each window is labelled with those verdicts and written back as a
Parquet part; what only makes sense per bin (the 100 ms series per vector, 1 ms and 10 ms
peaks, silences in a busy capture) is taken while the window is in memory. Windows never
share a second, so all of this combines exactly; only a handshake or a fragmented datagram
cut by a window edge is judged without its other half. Everything else in the report is a
streaming Polars query over the labelled parts.

Peak memory grows ~500 bytes per packet of a window (the default, 2 M packets: ~1.5 GB).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import polars as pl

from workbench.analysis.lazy import collect
from workbench.analysis.series import fine_series
from workbench.analysis.vectors import Evidence, Verdicts, candidates, classify

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
    bar = _bar(2 * sum(n for *_, n in windows), progress, len(windows))
    try:
        evidence = Evidence.empty()
        for frame in _frames(packets, windows, bar):
            evidence.add(frame, candidates(frame))
        verdicts: Verdicts = evidence.verdicts()
        del evidence
        partials = Partials()
        parts = []
        for k, frame in enumerate(_frames(packets, windows, bar)):
            classified = classify(frame, verdicts)
            del frame
            partials.add(classified)
            part = out / f"window-{k:06d}.parquet"
            classified.write_parquet(part, statistics=True)
            parts.append(str(part))
            del classified
    finally:
        if bar is not None:
            bar.close()
    if not parts:
        from workbench.capture.schema import empty_frame

        return empty_frame().with_columns(vector=pl.lit(None, dtype=pl.String)).lazy(), partials
    return pl.scan_parquet(parts), partials


def _bar(total: int, progress: bool | None, windows: int):
    if progress is False or not total or (progress is None and windows < 2):
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, unit="pkt", unit_scale=True, desc="analyse (2 passes)")


def _frames(
    packets: pl.LazyFrame, windows: list[tuple[int, int, int]], bar
) -> Iterator[pl.DataFrame]:
    ts = pl.col("ts").cast(pl.Int64)
    for lo, hi, n in windows:
        yield packets.filter((ts >= lo) & (ts < hi)).collect()
        if bar is not None:
            bar.update(n)
