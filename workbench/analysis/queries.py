"""Findings are computed as Polars queries: on an in-memory frame or lazily over a Parquet
dataset larger than memory, the same code. Aggregates run on the streaming engine, so their
memory is bounded by the number of groups (seconds, targets, sources), not packets."""

from __future__ import annotations

import io

import polars as pl

Frame = pl.DataFrame | pl.LazyFrame


def collect(query: pl.LazyFrame) -> pl.DataFrame:
    """Run an aggregate query on the streaming engine."""
    return query.collect(engine="streaming")


def collect_all(queries: list[pl.LazyFrame]) -> list[pl.DataFrame]:
    """Run aggregate queries together on the streaming engine: what they share (the scan, the
    filter) is computed once."""
    return pl.collect_all(queries, engine="streaming")


def height(frame: Frame) -> int:
    """Rows of a frame or a lazy query."""
    if isinstance(frame, pl.DataFrame):
        return frame.height
    return int(collect(frame.select(pl.len())).item())


def time_bounds(frame: Frame) -> tuple[int, int] | None:
    """First and last packet time (ns) of a frame or a lazy query; None when it holds none."""
    ts = pl.col("ts").cast(pl.Int64)
    row = collect(frame.lazy().select(ts.min().alias("a"), ts.max().alias("z")))
    first, last = row["a"][0], row["z"][0]
    return None if first is None else (int(first), int(last))


def probed(frame: pl.DataFrame, rows: pl.Expr, lookups: list[tuple[pl.DataFrame, list[str]]]) -> dict[str, pl.Series]:  # fmt: skip
    """The columns the ``lookups`` give the ``rows`` of ``frame`` (``(table, on)``, each table
    unique on ``on``: what a left join would add), null on every other row.

    Only the rows that need a lookup probe it, and only the matches are gathered: an inner
    join on their keys, whose results are put back in place; no other column is copied. Only
    the keys of tables that hold rows are gathered (an empty table's lookup finds nothing: a
    flood's millions of 4-tuples were gathered for tables that held none)."""
    out = {
        name: pl.Series(name, [], dtype=table[name].dtype).extend_constant(None, frame.height)
        for table, on in lookups
        for name in table.columns
        if name not in on
    }
    looked_up = [(table, on) for table, on in lookups if table.height]
    if not looked_up:
        return out
    places = frame.select(pl.arg_where(rows)).to_series()
    keys = frame.select(*dict.fromkeys(k for _, on in looked_up for k in on))[places]
    # the keys' places, under a name longer than any column a table gives, so none of them (a
    # flag named as the places read them instead: the first, 0, as false)
    place = "_place" + "_" * max(len(c) for table, _ in lookups for c in table.columns)
    keys = keys.with_row_index(place)
    for table, on in looked_up:  # streamed: a join of millions of keys runs faster there
        hits = collect(keys.lazy().select(place, *on).join(table.lazy(), on=on, how="inner"))
        if hits.height:
            at = places.gather(hits[place])
            for name in (c for c in table.columns if c not in on):
                out[name] = out[name].scatter(at, hits[name])
    return out


# odd 64-bit multipliers (Fibonacci hashing's, then xxHash's): each spreads a small number
# (a phase, a vector's code) over all 64 bits, and distinct ones apart
KEY_MIXERS = (0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F)


def address_key(address: str, *codes: pl.Expr, seed: int) -> pl.Expr:
    """One 64-bit number per (``address``, ``codes``...): the address's hash mixed with each
    code (an integer: a phase, a vector's physical code) times a multiplier of its own. Grouped
    where the 128-bit address and the codes were, it makes the same groups unless two share a
    number, a chance of 2^-64 a pair: its callers either check or cannot be misled by it."""
    key = pl.col(address).hash(seed=seed)
    for code, mixer in zip(codes, KEY_MIXERS, strict=False):
        key = key ^ (code.cast(pl.UInt64) * mixer)
    return key


SOURCE_PART_ROWS = 8_000_000  # rows per hash part of a per-source aggregate over a dataset


def source_parts(frame: Frame, column: str = "src") -> list[Frame]:
    """``frame`` cut by a hash of ``column`` into parts of about ``SOURCE_PART_ROWS`` rows.

    A spoofed flood brings millions of distinct sources; an aggregate per source, computed part
    by part and then combined (every source lies in exactly one part: sums of counts are exact),
    holds a fraction of them at once. An in-memory frame, or a small query, is one part.
    """
    if isinstance(frame, pl.DataFrame):
        return [frame]
    parts = -(-height(frame) // SOURCE_PART_ROWS)
    if parts <= 1:
        return [frame]
    bucket = pl.col(column).hash(seed=0x5EED) % parts
    return [frame.filter(bucket == part) for part in range(parts)]


def packed(frame: pl.DataFrame | bytes) -> bytes:
    """A small frame kept across windows, as Arrow IPC bytes: kept alive as a frame, it would pin
    the allocator's pages of the window's big computation (resident memory would creep up)."""
    if isinstance(frame, bytes):
        return frame
    buffer = io.BytesIO()
    frame.write_ipc(buffer)
    return buffer.getvalue()


def unpacked(frame: pl.DataFrame | bytes) -> pl.DataFrame:
    """The frame ``packed`` stored (a frame is returned as it is)."""
    return pl.read_ipc(io.BytesIO(frame)) if isinstance(frame, bytes) else frame
