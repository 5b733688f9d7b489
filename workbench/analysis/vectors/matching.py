"""Candidates: each packet takes the first row of the vector table its headers match (null
when none). Only candidates are ever judged; the rest of a capture is never attack."""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect, probed
from workbench.analysis.vector_table import COLLECTOR_PORTS, REFLECTION_SERVICES
from workbench.analysis.vectors.fragments import with_datagram_ports
from workbench.analysis.vectors.kinds import (
    HTTP_RATE,
    ND_HOP_LIMIT,
    NEIGHBOR_DISCOVERY,
    REVERSE,
    TUPLE4,
)
from workbench.analysis.vectors.rule_kernel import (
    candidate_codes,
    candidate_series,
    codes_of,
    orphan_codes,
)
from workbench.capture.schema import PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_RST, TCP_SYN

DYNAMIC_PORTS = 49152  # the first port of the dynamic (ephemeral) range, RFC 6335


def _unnamed_low_port() -> pl.Expr:
    """A source port below the dynamic range and no named service's (whose packets are matched
    by their own row first): the only ports an unlisted reflection can answer from; and not
    to a collector's port (syslog's senders share port 514 too, and none answers anything).
    Not port 0, which is reserved (RFC 6335) and no service answers from: datagrams from it
    are crafted (a null flood's, ``hping3 --udp``'s by default), and a spoofed crowd sending
    them was an unlisted reflection "from udp/0"."""
    sport = pl.col("eff_sport")
    return (
        sport.is_between(1, DYNAMIC_PORTS - 1)
        & ~sport.is_in(list(REFLECTION_SERVICES))
        & ~pl.col("eff_dport").is_in(list(COLLECTOR_PORTS)).fill_null(False)
    )


def _shared_ports(frame: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """(dst, eff_sport) pairs where a crowd of UDP sources answers one target from one port
    below the dynamic range (49152): reflection of a service no table names (a named service's
    port is its own row's, whatever the crowd)."""
    udp = frame.filter(pl.col("proto") == PROTO_UDP)
    # one port the target's UDP converges on, not one of a random-port flood's 64,000 (only
    # the ports that could be such a reflection's are counted apart: a flood's are not)
    totals = udp.group_by("dst").agg(pl.len().alias("udp"))
    converging = (
        udp.filter(_unnamed_low_port())
        .group_by("dst", "eff_sport")
        .agg(pl.len().alias("packets"))
        .join(totals, on="dst")
        .filter(pl.col("packets") / pl.col("udp") >= config.reflection_min_udp_share)
        .select("dst", "eff_sport")
    )
    # and the crowd answering from it (its sources counted there only)
    return (
        udp.join(converging, on=["dst", "eff_sport"], how="semi")
        .group_by("dst", "eff_sport")
        .agg(pl.col("src").n_unique().alias("n"))
        .filter(pl.col("n") >= config.min_sources_unlisted_reflection)
        .select("dst", "eff_sport", pl.lit(True).alias("_shared_port"))
    )


def _connections_of(frame: pl.LazyFrame, tuples: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:  # fmt: skip
    """The ``tuples`` (4-tuples) that carry a real connection's segments: more than
    ``orphan_tuple_max_packets`` of them, or of more than ``orphan_tuple_max_flag_kinds``
    combinations of flags (a request then its ACK, a FIN then an ACK: a connection's life
    seen in the middle, where a flood repeats one kind)."""
    return (
        frame.filter(pl.col("proto") == PROTO_TCP)
        .join(tuples, on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(pl.len().alias("n"), pl.col("tcp_flags").n_unique().alias("kinds"))
        .filter(
            (pl.col("n") > config.orphan_tuple_max_packets)
            | (pl.col("kinds") > config.orphan_tuple_max_flag_kinds)
        )
        .select(TUPLE4)
    )


def _without_busy_connections(frame: pl.DataFrame, codes: np.ndarray,
                              config: AnalysisConfig) -> np.ndarray:  # fmt: skip
    """``codes`` without the orphan-segment candidates of 4-tuples that carry a real
    connection (``_connections_of``: established before the capture, or seen from one side),
    not a flood's orphans. Dropped before the candidates are gathered, so they are gathered
    once."""
    orphan = np.isin(codes, orphan_codes())
    if not orphan.any():
        return codes
    places = np.flatnonzero(orphan)
    tuples = frame.select(TUPLE4)[places]
    busy = collect(_connections_of(frame.lazy(), tuples.lazy(), config))
    if busy.is_empty():
        return codes
    hits = tuples.with_row_index("_i").join(busy, on=TUPLE4, how="inner")["_i"].to_numpy()
    out = codes.copy()
    out[places[hits]] = 0
    return out


def _unopened_requests(frame: pl.DataFrame, codes: np.ndarray, config: AnalysisConfig) -> np.ndarray:  # fmt: skip
    """``codes`` with the HTTP candidates of connections never opened judged as the segments
    they are (an ACK flood's, or another flag's): no SYN on the 4-tuple, the target never
    talking back on it but with a RST, and no real connection's segments on it
    (``_connections_of``). A PSH-ACK flood carrying data to a web port (hping3 -PA -d,
    spoofed or not) is no client's requests: each of its segments is on a connection of its
    own that nobody opened, and judged as HTTP it was missed (a crowd of one request each is
    a flash crowd's shape). A real connection shows its handshake, or its server's answers,
    or, established before the capture and seen one way, its requests and ACKs."""
    http = np.isin(codes, codes_of(HTTP_RATE))
    if not http.any():
        return codes
    places = np.flatnonzero(http)
    tuples = frame.select(TUPLE4)[places]
    keys = tuples.lazy().unique()
    flags = pl.col("tcp_flags")
    tcp = frame.lazy().filter(pl.col("proto") == PROTO_TCP)
    busy = _connections_of(frame.lazy(), keys, config)
    real = collect(
        pl.concat(
            [
                tcp.filter(flags & (TCP_SYN | TCP_ACK) == TCP_SYN).select(TUPLE4),
                tcp.filter(flags & TCP_RST == 0).select(**REVERSE),
                busy,
            ]
        )
        .join(keys, on=TUPLE4, how="semi")
        .unique()
    )
    orphan = tuples.with_row_index("_i").join(real, on=TUPLE4, how="anti")["_i"].to_numpy()
    if orphan.size == 0:
        return codes
    at = places[orphan]
    # matched again on a port no row names: the table's next row for its flags
    again = candidate_codes(frame[at].with_columns(eff_dport=pl.lit(0, pl.UInt16)))
    out = codes.copy()
    out[at] = again
    return out


# what the confirmation tests read of a candidate packet (fewer columns: less memory per window)
CAND_COLUMNS = ("_row", "ts", *TUPLE4, "proto", "payload_len", "eff_sport", "eff_dport", "orphan_fragment", "_dg_piece", "icmp_type", "ttl", "link_group", "candidate")  # fmt: skip


def link_group() -> pl.Expr:
    """A frame sent to a link-layer group: a broadcast or multicast Ethernet destination (the
    I/G bit, the low bit of its first byte). A LAN's broadcast address (192.168.1.255 on a
    /24: its mask is in no header) gets its frames as Ethernet broadcasts; a host, unicast
    ones. False where the link layer carries no destination (raw IP: 0). The bit tested alone
    (one 64-bit column in between, where a division then a remainder took two)."""
    return (pl.col("dst_mac") & pl.lit(1 << 40, pl.UInt64)) != 0


def neighbor_discovery() -> pl.Expr:
    """ICMPv6 neighbor discovery on the packet's own link (``NEIGHBOR_DISCOVERY`` at the hop limit
    of 255 RFC 4861 requires): a LAN's housekeeping, from no host beyond its router."""
    return (
        (pl.col("proto") == PROTO_ICMPV6)
        & pl.col("icmp_type").is_in(NEIGHBOR_DISCOVERY)
        & (pl.col("ttl") == ND_HOP_LIMIT)
    )


# the share of a frame's packets from which its candidates are not copied out (every row kept):
# a choice of memory, not of verdicts (both ways label alike: ``test_dense_candidates``)
DENSE_SHARE = 0.5


def candidate_rows(frame: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Candidate rows (``_row`` keeps their place): the rest of the capture is never attack.

    When the candidates are at least ``DENSE_SHARE`` of the packets (a capture that is mostly
    attack), every row is kept, the others' ``candidate`` null (``kinds.is_candidate``): their
    copy would be most of the frame again (10.3 M of 10.96 M packets: 603 MB; the analysis
    peaks at 87 bytes per packet above the frame, 114 with the copy), where keeping every row
    copies nothing. Each test reads the candidates alone, so both give the same verdicts and
    labels."""
    with_ports = with_datagram_ports(frame, config)
    shared = _shared_ports(with_ports.lazy(), config).collect()
    # only UDP from such a port can be an unlisted reflection: only those look it up
    could = (pl.col("proto") == PROTO_UDP) & _unnamed_low_port()
    [flag] = probed(with_ports, could, [(shared, ["dst", "eff_sport"])]).values()
    flagged = with_ports.with_columns(flag.fill_null(False))
    codes = candidate_codes(flagged)
    codes = _without_busy_connections(with_ports, codes, config)
    codes = _unopened_requests(flagged, codes, config)
    # filtered eagerly by a mask: one contiguous copy of the candidate rows (a lazy filter's
    # comes in many chunks, and the first expression over it would copy every column again),
    # where a gather by their places took twice as long (10.3 M of 10.96 M packets: 0.39-0.90 s
    # against 0.11-0.38 s)
    keep = codes != 0
    picked = with_ports.select(
        *(c for c in CAND_COLUMNS if c not in ("candidate", "link_group")), link_group=link_group()
    )
    if np.count_nonzero(keep) < DENSE_SHARE * codes.shape[0]:  # else the frame's own columns
        picked, codes = picked.filter(pl.Series(keep)), codes[keep]
    return picked.with_columns(candidate_series(codes)).select(CAND_COLUMNS)


def is_group_address(column: str) -> pl.Expr:
    """Multicast or limited-broadcast destinations (IPv4 mapped, and IPv6)."""
    col = pl.col(column)
    return (
        col.ip.in_network("224.0.0.0/4")
        | col.ip.in_network("ff00::/8")
        | col.ip.in_network("255.255.255.255/32")
    )
