"""Traffic series: packets/s and bits/s per time bin, overall or split by any column."""

from __future__ import annotations

import polars as pl

LEGIT = "legit"  # the series' name for traffic of no attack vector
FINE_BIN_MS = 100  # the dashboard's pre-aggregation: roll up from here, never rescan packets


def rate_series(
    frame: pl.DataFrame | pl.LazyFrame, bin_ms: int = 1000, by: str | list[str] | None = None
) -> pl.DataFrame:
    """Packets, bytes, pps and bps per ``bin_ms`` bin (``ts`` is the bin start), optionally per ``by``.

    rate_series(cap.packets, 1000, by="proto")
    """
    keys = [by] if isinstance(by, str) else list(by or [])
    bin_ns = int(bin_ms) * 1_000_000
    bucket = (
        (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).cast(pl.Datetime("ns", "UTC")).alias("ts")
    )
    return (
        frame.lazy()
        .group_by(bucket, *keys)
        .agg(
            pl.len().cast(pl.Int64).alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
        )
        .with_columns(
            pps=pl.col("packets") * 1000.0 / bin_ms, bps=pl.col("bytes") * 8000.0 / bin_ms
        )
        .sort("ts", *keys)
        .collect()
    )


def rollup(series: pl.DataFrame, bin_ms: int, by: str | list[str] | None = None) -> pl.DataFrame:
    """Re-bin a pre-aggregated series (``ts``, keys, ``packets``, ``bytes``) to a coarser ``bin_ms``."""
    keys = [by] if isinstance(by, str) else list(by or [])
    bin_ns = int(bin_ms) * 1_000_000
    bucket = (
        (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).cast(pl.Datetime("ns", "UTC")).alias("ts")
    )
    return (
        series.group_by(bucket, *keys)
        .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        .with_columns(
            pps=pl.col("packets") * 1000.0 / bin_ms, bps=pl.col("bytes") * 8000.0 / bin_ms
        )
        .sort("ts", *keys)
    )


def fine_series(classified: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame:
    """The pre-aggregated series the dashboard works from: 100 ms bins per vector ("legit" for the rest)."""
    labelled = classified.lazy().with_columns(pl.col("vector").fill_null(LEGIT))
    return rate_series(labelled, FINE_BIN_MS, by="vector").select(
        "ts", "vector", "packets", "bytes"
    )
