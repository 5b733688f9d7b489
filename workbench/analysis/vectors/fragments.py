"""Fragments of one datagram judged as that datagram: a non-first fragment carries no ports,
so it takes them from its datagram's first fragment (or, when that was lost, from what its
reflector sends the same target)."""

from __future__ import annotations

import polars as pl

from workbench.analysis.queries import collect
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST


def with_datagram_ports(frame: pl.DataFrame) -> pl.DataFrame:
    """``eff_sport``, ``eff_dport`` and ``orphan_fragment``: a packet's own ports, except that
    non-first fragments take the source port of their datagram's first fragment.

    Fragments of one datagram share (src, dst, ip_id, proto); a fragmented DNS answer is
    then counted as DNS amplification, not as a fragment flood. When the first fragment was
    lost (a full link drops it), a fragment from a reflector that sends first fragments from
    one service port to the same target still belongs to that reflection.

    Only the non-first fragments are looked up (most captures have few or none); every other
    packet keeps its ports without a join.
    """
    out = frame.with_columns(
        eff_sport=pl.col("sport"), eff_dport=pl.col("dport"), orphan_fragment=pl.lit(False)
    )
    places = frame.select(pl.arg_where(pl.col("frag") & FRAG_NONFIRST > 0)).to_series()
    if places.is_empty():
        return out
    key = ["src", "dst", "ip_id", "proto"]
    firsts = frame.lazy().filter(
        (pl.col("frag") & FRAG_MORE > 0) & (pl.col("frag") & FRAG_NONFIRST == 0)
    )
    first = firsts.group_by(key).agg(
        pl.col("sport").first().alias("_dg_sport"), pl.col("dport").first().alias("_dg_dport")
    )
    pair = firsts.group_by("src", "dst", "proto").agg(
        pl.col("sport").mode().min().alias("_pair_sport")
    )
    sport = pl.coalesce("_dg_sport", "_pair_sport")
    # joined in any order (keeping order costs more than the joins): ``_i`` puts each back
    found = collect(  # streamed: its joins run faster there
        frame.select(key)[places]  # only the key's columns gathered
        .lazy()
        .with_row_index("_i")
        .join(first, on=key, how="left")
        .join(pair, on=["src", "dst", "proto"], how="left")
        .select(
            "_i",
            sport.cast(pl.UInt16).alias("eff_sport"),
            pl.col("_dg_dport").cast(pl.UInt16).alias("eff_dport"),
            sport.is_null().alias("orphan_fragment"),
        )
    )
    at = places.gather(found["_i"])
    return out.with_columns(out[c].scatter(at, found[c]) for c in found.columns if c != "_i")
