"""Fragments of one datagram judged as that datagram: a non-first fragment carries no ports,
so it takes them from its datagram's first fragment (or, when that was lost, from what its
reflector sends the same target); and the middle pieces of a datagram a host cut to fit its
MTU are no sends of their own toward a rate."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.queries import collect
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST

# a datagram's fragments share these (RFC 791; RFC 8200's fragment header for IPv6)
DATAGRAM = ["src", "dst", "ip_id", "proto"]
# the most an IP datagram carries (its 16-bit total length): pieces adding up to more are no
# one datagram's (a ping of death's, or a flood reusing one id)
MAX_DATAGRAM_BYTES = 65_535
DATAGRAM_SEED = 0x6467  # any fixed seed: the hash only groups a capture's own fragments


def with_datagram_ports(frame: pl.DataFrame, config: AnalysisConfig = DEFAULT) -> pl.DataFrame:
    """``eff_sport``, ``eff_dport``, ``orphan_fragment`` and ``_dg_piece``: a packet's own ports,
    except that non-first fragments take the source port of their datagram's first fragment.

    Fragments of one datagram share (src, dst, ip_id, proto); a fragmented DNS answer is
    then counted as DNS amplification, not as a fragment flood. When the first fragment was
    lost (a full link drops it), a fragment from a reflector that sends first fragments from
    one service port to the same target still belongs to that reflection.

    ``_dg_piece`` marks the middle fragments of whole datagrams (``_whole_datagrams``): no
    sends of their own (``rates.sends``), the datagram sent as its first and last fragments (an
    ICMP echo's first fragment is the echo, its last the fragment pair's one send).

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
    frag = pl.col("frag")
    fragments = frame.lazy().filter(frag & (FRAG_MORE | FRAG_NONFIRST) > 0)
    firsts = fragments.filter((frag & FRAG_MORE > 0) & (frag & FRAG_NONFIRST == 0))
    first = firsts.group_by(key).agg(
        pl.col("sport").first().alias("_dg_sport"), pl.col("dport").first().alias("_dg_dport")
    )
    pair = firsts.group_by("src", "dst", "proto").agg(
        pl.col("sport").mode().min().alias("_pair_sport")
    )
    # whole datagrams, per key as one 64-bit hash (the exact key's four columns, two of them
    # 128-bit, took twice as long to group and join): two keys that collide, one in billions,
    # are no whole datagram, and their pieces each count, as without the test
    whole = fragments.group_by(_datagram_hash()).agg(_whole_datagrams(config))
    sport = pl.coalesce("_dg_sport", "_pair_sport")
    middle = frag & FRAG_MORE > 0
    # joined in any order (keeping order costs more than the joins): ``_i`` puts each back
    found = collect(  # streamed: its joins run faster there
        frame.select(*key, "frag")[places]  # only the key's columns gathered
        .lazy()
        .with_row_index("_i")
        .with_columns(_datagram_hash())
        .join(first, on=key, how="left")
        .join(pair, on=["src", "dst", "proto"], how="left")
        .join(whole, on="_dg", how="left")
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


def _datagram_hash() -> pl.Expr:
    """``_dg``: a 64-bit hash of a fragment's datagram key (``DATAGRAM``)."""
    return pl.struct(DATAGRAM).hash(DATAGRAM_SEED).alias("_dg")


def _whole_datagrams(config: AnalysisConfig) -> pl.Expr:
    """Whether a fragment key's (src, dst, ip_id, proto) fragments are whole datagrams, as a
    host cuts them to fit its path's MTU (an aggregation over the key's fragments): as many
    first fragments as last ones, the same number of middle fragments for each, the middle ones
    all of one size (the MTU's, ``fragment_piece_min_bytes`` or more), and no more bytes in
    each than a datagram carries. One 65 KB
    ping (``ping -s 65000``: 44 fragments in a millisecond, once a second) is then one
    datagram a second, not 45 in a burst; the same datagram sent again and again (scapy's
    ``fragment()`` in a loop, with one id) counts as often as it is sent. Fragments no datagram
    accounts for (a flood of pieces with random ids or offsets, tiny, overlapping or endless
    middle fragments, a first fragment lost) each count."""
    frag = pl.col("frag")
    nonfirst = frag & FRAG_NONFIRST > 0
    more = frag & FRAG_MORE > 0
    n = (more & ~nonfirst).sum()
    middle = pl.col("payload_len").filter(nonfirst & more)
    return (
        (n >= 1)
        & ((nonfirst & ~more).sum() == n)
        & ((nonfirst & more).sum() % n.clip(1, None) == 0)
        & (middle.min() == middle.max()).fill_null(True)
        & (middle.min() >= config.fragment_piece_min_bytes).fill_null(True)
        & (pl.col("payload_len").cast(pl.Int64).sum() <= MAX_DATAGRAM_BYTES * n)
    ).alias("_whole")
