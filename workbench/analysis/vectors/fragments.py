"""Fragments of one datagram judged as that datagram: a non-first fragment carries no ports,
so it takes them from its datagram's first fragment (or, when that was lost, from what its
reflector sends the same target); and a datagram cut into pieces counts once toward a rate."""

from __future__ import annotations

import polars as pl

from workbench.analysis.queries import collect
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST

# a datagram's fragments share these (RFC 791; RFC 8200's fragment header for IPv6)
DATAGRAM = ["src", "dst", "ip_id", "proto"]
# the most an IP datagram carries (its 16-bit total length): pieces adding up to more are no
# one datagram's (a ping of death's, or a flood reusing one id)
MAX_DATAGRAM_BYTES = 65_535


def with_datagram_ports(frame: pl.DataFrame) -> pl.DataFrame:
    """``eff_sport``, ``eff_dport``, ``orphan_fragment`` and ``_dg_piece``: a packet's own ports,
    except that non-first fragments take the source port of their datagram's first fragment.

    Fragments of one datagram share (src, dst, ip_id, proto); a fragmented DNS answer is
    then counted as DNS amplification, not as a fragment flood. When the first fragment was
    lost (a full link drops it), a fragment from a reflector that sends first fragments from
    one service port to the same target still belongs to that reflection.

    ``_dg_piece`` marks the middle fragments of whole datagrams (``_whole_datagrams``): a
    rate counts each such datagram once, by its last fragment (``evidence._counted``).

    Only the non-first fragments are looked up (most captures have few or none); every other
    packet keeps its ports without a join.
    """
    out = frame.with_columns(
        eff_sport=pl.col("sport"),
        eff_dport=pl.col("dport"),
        orphan_fragment=pl.lit(False),
        _dg_piece=pl.lit(False),
    )
    places = frame.select(pl.arg_where(pl.col("frag") & FRAG_NONFIRST > 0)).to_series()
    if places.is_empty():
        return out
    key = DATAGRAM
    firsts = frame.lazy().filter(
        (pl.col("frag") & FRAG_MORE > 0) & (pl.col("frag") & FRAG_NONFIRST == 0)
    )
    first = firsts.group_by(key).agg(
        pl.col("sport").first().alias("_dg_sport"), pl.col("dport").first().alias("_dg_dport")
    )
    pair = firsts.group_by("src", "dst", "proto").agg(
        pl.col("sport").mode().min().alias("_pair_sport")
    )
    whole = _whole_datagrams(frame.lazy())
    sport = pl.coalesce("_dg_sport", "_pair_sport")
    middle = pl.col("frag") & FRAG_MORE > 0
    # joined in any order (keeping order costs more than the joins): ``_i`` puts each back
    found = collect(  # streamed: its joins run faster there
        frame.select(*key, "frag")[places]  # only the key's columns gathered
        .lazy()
        .with_row_index("_i")
        .join(first, on=key, how="left")
        .join(pair, on=["src", "dst", "proto"], how="left")
        .join(whole, on=key, how="left")
        .select(
            "_i",
            sport.cast(pl.UInt16).alias("eff_sport"),
            pl.col("_dg_dport").cast(pl.UInt16).alias("eff_dport"),
            sport.is_null().alias("orphan_fragment"),
            (middle & pl.col("_whole").fill_null(False)).alias("_dg_piece"),
        )
    )
    at = places.gather(found["_i"])
    return out.with_columns(out[c].scatter(at, found[c]) for c in found.columns if c != "_i")


def _whole_datagrams(frame: pl.LazyFrame) -> pl.LazyFrame:
    """(src, dst, ip_id, proto, ``_whole``) of the fragment keys that hold whole datagrams, as a
    host cuts them to fit its path's MTU: as many first fragments as last ones, the same number
    of middle fragments for each, the middle ones all of one size (the MTU's), and no more
    bytes in each than a datagram carries. One 65 KB ping (``ping -s 65000``: 45 fragments in
    a millisecond, once a second) is then one datagram a second, not 45 in a burst; the same
    datagram sent again and again (scapy's ``fragment()`` in a loop, with one id) counts as often
    as it is sent. Fragments no datagram accounts for (a flood of pieces with random ids or
    offsets, overlapping or endless middle fragments, a first fragment lost) each count."""
    frag = pl.col("frag")
    nonfirst = frag & FRAG_NONFIRST > 0
    more = frag & FRAG_MORE > 0
    firsts = (more & ~nonfirst).sum()
    lasts = (nonfirst & ~more).sum()
    middles = (nonfirst & more).sum()
    per_key = (
        frame.filter(more | nonfirst)
        .group_by(DATAGRAM)
        .agg(
            firsts.alias("_firsts"),
            lasts.alias("_lasts"),
            middles.alias("_middles"),
            pl.col("payload_len").filter(nonfirst & more).n_unique().alias("_sizes"),
            pl.col("payload_len").cast(pl.Int64).sum().alias("_bytes"),
        )
    )
    n = pl.col("_firsts")
    return per_key.select(
        *DATAGRAM,
        _whole=(n >= 1)
        & (pl.col("_lasts") == n)
        & (pl.col("_middles") % n.clip(1, None) == 0)
        & (pl.col("_sizes") <= 1)
        & (pl.col("_bytes") <= MAX_DATAGRAM_BYTES * n),
    )
