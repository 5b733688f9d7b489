"""Fragments of one datagram judged as that datagram: a non-first fragment carries no ports,
so it takes them from its datagram's first fragment (or, when that was lost, from what its
reflector sends the same target)."""

from __future__ import annotations

import polars as pl

from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST


def with_datagram_ports(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Non-first fragments take the source port and size of their datagram's first fragment.

    Fragments of one datagram share (src, dst, ip_id, proto); a fragmented DNS answer is
    then counted as DNS amplification, not as a fragment flood. When the first fragment was
    lost (a full link drops it), a fragment from a reflector that sends first fragments from
    one service port to the same target still belongs to that reflection.
    """
    key = ["src", "dst", "ip_id", "proto"]
    firsts = frame.filter((pl.col("frag") & FRAG_MORE > 0) & (pl.col("frag") & FRAG_NONFIRST == 0))
    first = firsts.group_by(key).agg(
        pl.col("sport").first().alias("_dg_sport"),
        pl.col("dport").first().alias("_dg_dport"),
        pl.col("payload_len").first().alias("_dg_payload"),
    )
    pair = firsts.group_by("src", "dst", "proto").agg(
        pl.col("sport").mode().min().alias("_pair_sport"),
        pl.col("payload_len").max().alias("_pair_payload"),
    )
    nonfirst = pl.col("frag") & FRAG_NONFIRST > 0
    out = frame.join(first, on=key, how="left", maintain_order="left").join(
        pair, on=["src", "dst", "proto"], how="left", maintain_order="left"
    )
    sport = pl.coalesce("_dg_sport", "_pair_sport")
    return out.with_columns(
        eff_sport=pl.when(nonfirst).then(sport).otherwise(pl.col("sport")),
        eff_dport=pl.when(nonfirst).then(pl.col("_dg_dport")).otherwise(pl.col("dport")),
        eff_payload=pl.when(nonfirst)
        .then(pl.coalesce("_dg_payload", "_pair_payload"))
        .otherwise(pl.col("payload_len")),
        orphan_fragment=nonfirst & sport.is_null(),
    ).drop("_dg_sport", "_dg_dport", "_dg_payload", "_pair_sport", "_pair_payload")
