"""Candidates: each packet takes the first row of the vector table its headers match (null
when none). Only candidates are ever judged; the rest of a capture is never attack."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import probed
from workbench.analysis.vector_table import REFLECTION_SERVICES, VECTORS, VectorRule
from workbench.analysis.vectors.fragments import with_datagram_ports
from workbench.analysis.vectors.kinds import CANDIDATE, TUPLE4
from workbench.capture.schema import (
    FRAG_MORE,
    FRAG_NONFIRST,
    PROTO_GRE,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_IPV6_NONXT,
    PROTO_TCP,
    PROTO_UDP,
    TCP_RST,
)

DYNAMIC_PORTS = 49152  # the first port of the dynamic (ephemeral) range, RFC 6335


def _ext_header_bytes() -> pl.Expr:
    """IPv6 extension header bytes between the fixed header and the upper layer (from the
    payload length and the upper layer's header size; TCP's is taken at its largest, 60)."""
    proto = pl.col("proto")
    l4 = (
        pl.when(proto.is_in([PROTO_ICMP, PROTO_UDP, PROTO_ICMPV6])).then(8)
        .when(proto == PROTO_GRE).then(4)
        .when(proto == PROTO_TCP).then(60)
        .when(proto == PROTO_IPV6_NONXT).then(0)
    )  # fmt: skip
    plain_v6 = (pl.col("ip_ver") == 6) & (pl.col("frag") & (FRAG_MORE | FRAG_NONFIRST) == 0)
    extra = pl.col("ip_len").cast(pl.Int32) - pl.col("payload_len").cast(pl.Int32) - l4
    return pl.when(plain_v6).then(extra).otherwise(0).fill_null(0)


def _known_flags() -> pl.Expr:
    """TCP flags that were captured: any combination, but no flags at all only when the
    snaplen kept the flags byte (a cut header reads as flags 0, which would be a null flood)."""
    flags = pl.col("tcp_flags") & 0x3F  # FIN to URG: ECE and CWR alone are no segment's kind
    # measured at the IP layer, whatever the link header (Ethernet, VLAN, cooked, raw IP)
    v6 = pl.col("ip_ver") == 6
    ip_total = pl.col("ip_len").cast(pl.Int64) + pl.when(v6).then(40).otherwise(0)
    link_bytes = pl.col("wire_len").cast(pl.Int64) - ip_total
    captured_ip = pl.col("cap_len").cast(pl.Int64) - link_bytes
    header_kept = (pl.col("cap_len") >= pl.col("wire_len")) | (
        captured_ip >= pl.when(v6).then(40 + 14).otherwise(20 + 14)
    )
    return (flags != 0) | header_kept


# the named packet predicates rows of the table may ask for (beyond proto/ports/flags)
MATCHES = {
    "fragment": lambda: pl.col("frag") & (FRAG_MORE | FRAG_NONFIRST) > 0,
    "shared_source_port": lambda: pl.col("_shared_port"),
    "known_flags": _known_flags,
    "client_payload": lambda: (pl.col("payload_len") > 0) & (pl.col("tcp_flags") & TCP_RST == 0),
    "ipv6_extension_headers": lambda: (
        (_ext_header_bytes() >= 8) & ~pl.col("proto").is_in([PROTO_ICMP, PROTO_ICMPV6])
    ),
    "connection": lambda: pl.lit(False),  # judged per connection (slow_http.py)
}


def _rule_condition(rule: VectorRule) -> pl.Expr:
    cond = pl.lit(True)
    if rule.proto:
        cond = cond & pl.col("proto").is_in(list(rule.proto))
    if rule.sport:
        cond = cond & pl.col("eff_sport").is_in(list(rule.sport))
    if rule.dport:
        cond = cond & pl.col("eff_dport").is_in(list(rule.dport))
    if rule.flags_mask:
        cond = cond & ((pl.col("tcp_flags") & rule.flags_mask) == rule.flags_value)
    if rule.match:
        cond = cond & MATCHES[rule.match]()
    return cond


def candidate_expr() -> pl.Expr:
    """First matching row of the vector table, per packet (null when none). The reflection
    services are one lookup of the datagram's source port, not a test per service."""
    service_port = {p: f"{s}_amplification" for p, s in REFLECTION_SERVICES.items()}
    named = [r for r in VECTORS if r.confirm == "unsolicited" and r.sport]
    assert all(r.name in service_port.values() for r in named)
    amp = pl.col("eff_sport").replace_strict(service_port, default=None, return_dtype=pl.String)
    out = pl.lit(None, dtype=pl.String)
    for rule in reversed([r for r in VECTORS if r not in named]):
        out = pl.when(_rule_condition(rule)).then(pl.lit(rule.name)).otherwise(out)
    udp_answer = (pl.col("proto") == PROTO_UDP) & ~pl.col("orphan_fragment")
    return (
        pl.when(pl.col("ip_ver") == 0)
        .then(pl.lit(None, dtype=pl.String))
        .when(udp_answer & amp.is_not_null())
        .then(amp)
        .otherwise(out)
    )


def _shared_ports(frame: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """(dst, eff_sport) pairs where a crowd of UDP sources answers one target from one port
    below the dynamic range (49152): reflection of a service no table names."""
    udp = frame.filter(pl.col("proto") == PROTO_UDP)
    return (
        udp.group_by("dst", "eff_sport")
        .agg(pl.col("src").n_unique().alias("n"), pl.len().alias("packets"))
        # one port the target's UDP converges on, not one of a random-port flood's 64,000
        .with_columns(share=pl.col("packets") / pl.col("packets").sum().over("dst"))
        .filter(
            (pl.col("n") >= config.min_sources_unlisted_reflection)
            & (pl.col("share") >= config.reflection_min_udp_share)
            & (pl.col("eff_sport") < DYNAMIC_PORTS)
        )
        .select("dst", "eff_sport", pl.lit(True).alias("_shared_port"))
    )


# what the confirmation tests read of a candidate packet (fewer columns: less memory per window)
CAND_COLUMNS = ("_row", "ts", *TUPLE4, "payload_len", "eff_sport", "eff_dport", "orphan_fragment", "candidate")  # fmt: skip


def candidate_rows(frame: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Candidate rows only (``_row`` keeps their place): the rest of the capture is never attack."""
    with_ports = with_datagram_ports(frame)
    shared = _shared_ports(with_ports.lazy(), config).collect()
    # only UDP from below the dynamic ports can be such a reflection: only those look it up
    could = (pl.col("proto") == PROTO_UDP) & (pl.col("eff_sport") < DYNAMIC_PORTS)
    [flag] = probed(with_ports, could, [(shared, ["dst", "eff_sport"])]).values()
    candidate = (
        with_ports.lazy()
        .with_columns(flag.fill_null(False))
        .select(candidate=candidate_expr().cast(CANDIDATE))
        .collect()
        .to_series()
    )
    # gathered, not filtered: one contiguous copy of the candidate rows (a filtered frame comes
    # in many chunks, and the first expression over it would copy every column again)
    places = candidate.is_not_null().arg_true()
    picked = with_ports.select(c for c in CAND_COLUMNS if c != "candidate")[places]
    return picked.with_columns(candidate.gather(places)).select(
        *CAND_COLUMNS, dst_net=pl.col("dst").ip.network(24, 48)
    )


def is_group_address(column: str) -> pl.Expr:
    """Multicast or limited-broadcast destinations (IPv4 mapped, and IPv6)."""
    col = pl.col(column)
    return (
        col.ip.in_network("224.0.0.0/4")
        | col.ip.in_network("ff00::/8")
        | col.ip.in_network("255.255.255.255/32")
    )
