"""Findings are computed as Polars queries: on an in-memory frame or lazily over a Parquet
dataset larger than memory, the same code. Aggregates run on the streaming engine, so their
memory is bounded by the number of groups (seconds, targets, sources), not packets."""

from __future__ import annotations

import polars as pl

Frame = pl.DataFrame | pl.LazyFrame


def collect(query: pl.LazyFrame) -> pl.DataFrame:
    """Run an aggregate query on the streaming engine."""
    return query.collect(engine="streaming")


def height(frame: Frame) -> int:
    """Rows of a frame or a lazy query."""
    if isinstance(frame, pl.DataFrame):
        return frame.height
    return int(collect(frame.select(pl.len())).item())
