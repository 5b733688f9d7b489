"""Traffic series: packets/s and bits/s per time bin, overall or split by any column.

A bin the capture covers only in part (its first and last, or every bin of a capture shorter
than one) is rated over the span it covers: a 0.41 s capture's 1 s rate is its real rate, not
its bytes spread over a second. ``span`` (first and last packet, ns) turns that on.
"""

from __future__ import annotations

import numpy as np
import polars as pl

SECOND_NS = 1_000_000_000
STAMP_SAMPLE = 65_536  # the times ``stamp_resolution`` reads: a writer stamps every packet alike
LEGIT = "legit"  # the series' name for traffic of no attack vector
FINE_BIN_MS = 100  # the dashboard's pre-aggregation: roll up from here, never rescan packets
FULL_FRAME_BYTES = 1518  # the largest untagged Ethernet frame on the wire (1500 B MTU)


def covered_span(first_ns: int, last_ns: int, packets: int, resolution_ns: int = 1) -> tuple[int, int]:  # fmt: skip
    """The stretch of time a capture's packets stand for: from its first packet to one mean
    inter-arrival time after its last (each packet stands for the interval it opens). So ``N``
    evenly spaced packets at ``R`` per second cover exactly ``N / R`` seconds, and a capture's
    rate is ``R``, not ``R N / (N - 1)``. Never less than one tick of the capture's timestamps
    (``resolution_ns``, ``stamp_resolution``) after its last: stamps to the whole second say each
    packet came within that second, and 1,000 packets on one stamp were "1 Gpps" over the
    microsecond a span of none was rated over."""
    if packets < 1:
        return int(first_ns), int(last_ns)
    step = (last_ns - first_ns) / (packets - 1) if packets > 1 and last_ns > first_ns else 0
    if max(step, resolution_ns) <= 1:  # one packet, or one instant, in a capture to the ns
        return int(first_ns), int(last_ns)
    return int(first_ns), int(last_ns + max(step, resolution_ns))


def stamp_resolution(times: np.ndarray, coarsest_ns: int = SECOND_NS) -> int:
    """The timestamps' tick (ns): the largest power of ten, up to ``coarsest_ns``, that every
    time of ``times`` (ns) is a multiple of, read on up to ``STAMP_SAMPLE`` of them spread over
    all (it is the writer's: one per file). A capture to the microsecond gives 1,000; one whose
    stamps a converter cut to the second (sflowtool's pcaps, a 1 s exporter) 10^9."""
    if times.shape[0] == 0:
        return coarsest_ns
    step = max(1, times.shape[0] // STAMP_SAMPLE)
    sample = np.concatenate([times[::step], times[-1:]])
    tick = coarsest_ns
    while tick > 1 and (sample % tick).any():
        tick //= 10
    return tick


def covered_seconds(bin_ns_expr: pl.Expr, bin_ms: int, span: tuple[int, int] | None) -> pl.Expr:
    """Seconds of each bin (``bin_ns_expr``: its start in ns) the capture covers: the bin's
    length, less what lies before the first packet or after the last (so a capture shorter than
    a bin covers ``last - first`` of it)."""
    bin_ns = int(bin_ms) * 1_000_000
    if span is None:
        return pl.lit(bin_ms / 1000.0)
    first, last = int(span[0]), int(span[1])
    lo = pl.max_horizontal(bin_ns_expr, pl.lit(first))
    hi = pl.min_horizontal(bin_ns_expr + bin_ns, pl.lit(last))
    # a bin holding only the capture's first and last instant (one packet) still has a length:
    # never less than a microsecond, so one packet is never "infinite packets per second"
    return (pl.max_horizontal(hi - lo, pl.lit(1_000)) / 1e9).clip(upper_bound=bin_ms / 1000.0)


def eligible_for_peak(bin_ms: int, span: tuple[int, int] | None) -> pl.Expr:
    """Whether a bin may hold a peak: it covers at least half of what a bin of this capture can
    (the bin, or the whole capture when shorter). A sliver at the capture's edge, rated over its
    covered span, is a handful of packets over a few microseconds: no rate at this scale."""
    if span is None:
        return pl.lit(True)
    full = min(bin_ms / 1000.0, max((span[1] - span[0]) / 1e9, 1e-6))
    return pl.col("covered_s") >= 0.5 * full - 1e-9


def frame_time_ms(capacity_bps: float | None) -> float | None:
    """Milliseconds one full-size frame (1,518 B) takes on a link of ``capacity_bps``: rates in
    bins shorter than this measure single frames, not traffic."""
    return FULL_FRAME_BYTES * 8 / capacity_bps * 1e3 if capacity_bps else None


def _rated(query: pl.LazyFrame | pl.DataFrame, bin_ms: int, span: tuple[int, int] | None):
    """Rates of binned counts (``ts`` bin start, ``packets``, ``bytes``) over each bin's covered
    span (``covered_s``)."""
    if span is None:  # whole bins
        return query.with_columns(
            pps=pl.col("packets") * 1000.0 / bin_ms, bps=pl.col("bytes") * 8000.0 / bin_ms
        )
    covered = covered_seconds(pl.col("ts").cast(pl.Int64), bin_ms, span).alias("covered_s")
    return query.with_columns(covered).with_columns(
        pps=pl.col("packets") / pl.col("covered_s"), bps=pl.col("bytes") * 8.0 / pl.col("covered_s")
    )


def rate_series(
    frame: pl.DataFrame | pl.LazyFrame,
    bin_ms: int = 1000,
    by: str | list[str] | None = None,
    *,
    span: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """Packets, bytes, pps and bps per ``bin_ms`` bin (``ts`` is the bin start), optionally per
    ``by``; with ``span`` (first and last packet, ns) the capture's partial bins are rated over
    the part they cover (``covered_s``).

    rate_series(cap.packets, 1000, by="proto")
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    bin_ns = int(bin_ms) * 1_000_000
    bucket = (
        (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).cast(pl.Datetime("ns", "UTC")).alias("ts")
    )
    query = (
        frame.lazy()
        .group_by(bucket, *keys)
        .agg(
            pl.len().cast(pl.Int64).alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
        )
    )
    return _rated(query, bin_ms, span).sort("ts", *keys).collect()


def rollup(
    series: pl.DataFrame,
    bin_ms: int,
    by: str | list[str] | None = None,
    *,
    span: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """Re-bin a pre-aggregated series (``ts``, keys, ``packets``, ``bytes``) to a coarser
    ``bin_ms``; with ``span`` the capture's partial bins are rated over what they cover."""
    keys = [by] if isinstance(by, str) else list(by or [])
    bin_ns = int(bin_ms) * 1_000_000
    bucket = (
        (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).cast(pl.Datetime("ns", "UTC")).alias("ts")
    )
    binned = series.group_by(bucket, *keys).agg(pl.col("packets").sum(), pl.col("bytes").sum())
    return _rated(binned, bin_ms, span).sort("ts", *keys)


def fine_series(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The pre-aggregated series the dashboard works from: 100 ms bins per vector ("legit" for the rest)."""
    # grouped by the label as it is (an Enum while analysed: a byte per packet), named in the
    # (small) result
    series = rate_series(classified, FINE_BIN_MS, by="vector").select(
        "ts", pl.col("vector").cast(pl.String).fill_null(LEGIT), "packets", "bytes"
    )
    return series.sort("ts", "vector")
