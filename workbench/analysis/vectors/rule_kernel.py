"""The vector table compiled to arrays and matched in one Numba pass over the frame's columns:
each packet's candidate is the first row its headers fit (reflection services first, as one
lookup of the datagram's source port). One pass over ten columns replaces an expression of one
branch per row, which Polars evaluated as some thirty full-length temporary columns. Each packet
is matched on its own, so the pass is shared among the cores (``prange``): with its columns
taken out of the frame, 0.23-0.25 s -> 0.14-0.18 s on 10.96 M packets, 47-48 -> 30-32 ms on a
window of 2 M, on 2 cores; the same codes."""

from __future__ import annotations

from functools import cache

import numpy as np
import polars as pl
from numba import njit, prange

from workbench.analysis.vector_table import ORPHAN_KINDS, REFLECTION_SERVICES, VECTORS, VectorRule
from workbench.analysis.vectors.kinds import CANDIDATE
from workbench.capture.schema import (
    FRAG_MORE,
    FRAG_NONFIRST,
    PROTO_GRE,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_IPV6_AH,
    PROTO_IPV6_FRAG,
    PROTO_IPV6_HOPOPTS,
    PROTO_IPV6_NONXT,
    PROTO_IPV6_OPTS,
    PROTO_IPV6_ROUTE,
    PROTO_TCP,
    PROTO_UDP,
    TCP_RST,
)

# the named packet predicates rows of the table may ask for (beyond proto/ports/flags), and
# their number in the kernel; what each tests is written out in ``_fits``
MATCHES = {
    "": 0,
    "fragment": 1,  # a fragment of a datagram: more-fragments set or an offset
    "shared_source_port": 2,  # UDP from a port a crowd of sources answers one target from
    "known_flags": 3,  # TCP flags that were captured (not a header cut by the snaplen)
    "client_payload": 4,  # a segment carrying data, not a RST
    "ipv6_extension_headers": 5,  # IPv6 with extension headers, not ICMP
    "connection": 6,  # judged per connection (slow_http.py): no packet fits it
    "other_protocol": 7,  # an IP protocol none of TCP, UDP, ICMP, ICMPv6 and GRE
}
# a non-first fragment whose datagram's ports are unknown: it fits no port set, as port 0,
# which no row names (``_compiled`` checks)
NO_PORT = 0


def _named(rule: VectorRule) -> bool:
    """A reflection service row: matched by the one port lookup, not in the chain."""
    return rule.confirm == "unsolicited" and bool(rule.sport)


@cache
def _compiled() -> tuple[np.ndarray, ...]:
    """The table as arrays: per chained row its code and what it asks of each field."""
    codes = {name: i + 1 for i, name in enumerate(CANDIDATE.categories)}  # 0: no candidate
    service = np.zeros(65536, np.uint8)
    for port, name in REFLECTION_SERVICES.items():
        service[port] = codes[f"{name}_amplification"]
    chain = [r for r in VECTORS if not _named(r)]
    assert {r.name for r in VECTORS if _named(r)} == {
        f"{s}_amplification" for s in REFLECTION_SERVICES.values()
    }
    n = len(chain)
    code = np.array([codes[r.name] for r in chain], np.uint8)
    protos = np.zeros((n, 256), np.bool_)
    sports = np.zeros((n, 65536), np.bool_)
    dports = np.zeros((n, 65536), np.bool_)
    # 1: any value fits; 0: only the values marked
    any_field = np.ones((n, 3), np.bool_)
    flags = np.zeros((n, 2), np.uint8)  # mask, value
    match = np.zeros(n, np.uint8)
    for i, rule in enumerate(chain):
        for column, values, table in ((0, rule.proto, protos), (1, rule.sport, sports),
                                      (2, rule.dport, dports)):  # fmt: skip
            if values:
                any_field[i, column] = False
                table[i, list(values)] = True
        flags[i] = rule.flags_mask, rule.flags_value
        match[i] = MATCHES[rule.match]
    # per IP protocol, the rows that take it, in the table's order
    by_proto = np.zeros((256, n), np.int64)
    by_proto_n = np.zeros(256, np.int64)
    for p in range(256):
        rows = [i for i in range(n) if any_field[i, 0] or protos[i, p]]
        by_proto[p, : len(rows)] = rows
        by_proto_n[p] = len(rows)
    assert not (service[NO_PORT] or sports[:, NO_PORT].any() or dports[:, NO_PORT].any())
    return service, code, by_proto, by_proto_n, sports, dports, any_field, flags, match


@njit(inline="always", cache=True)
def _fits(m, ip_ver, proto, tcp_flags, frag, shared, payload_len, ip_len, cap_len, wire_len):
    """Whether one packet's fields fit the named predicate ``m`` (``MATCHES``)."""
    if m == 1:
        if (frag & (FRAG_MORE | FRAG_NONFIRST)) == 0:
            return False
        # an ICMP datagram's first fragment carries its ICMP header: it is that ICMP message
        # (an ICMP flood of 8 KB echoes is still an ICMP flood), its other fragments fragments
        return (frag & FRAG_NONFIRST) > 0 or (proto != PROTO_ICMP and proto != PROTO_ICMPV6)
    if m == 2:
        return shared
    if m == 3:
        if tcp_flags & 0x3F != 0:  # FIN to URG: ECE and CWR alone are no segment's kind
            return True
        # a header cut by the snaplen reads as flags 0 (a null flood): the flags byte must
        # have been captured, measured at the IP layer whatever the link header
        v6 = ip_ver == 6
        ip_total = np.int64(ip_len) + (40 if v6 else 0)
        link_bytes = np.int64(wire_len) - ip_total
        captured_ip = np.int64(cap_len) - link_bytes
        return cap_len >= wire_len or captured_ip >= (40 + 14 if v6 else 20 + 14)
    if m == 4:
        return payload_len > 0 and (tcp_flags & TCP_RST) == 0
    if m == 5:
        p = proto
        if p == PROTO_ICMP or p == PROTO_ICMPV6:
            return False
        if ip_ver != 6 or (frag & (FRAG_MORE | FRAG_NONFIRST)) != 0:
            return False
        # extension header bytes: the payload length less the upper layer's header and data
        # (TCP's header taken at its largest, 60)
        if p == PROTO_UDP:
            l4 = 8
        elif p == PROTO_GRE:
            l4 = 4
        elif p == PROTO_TCP:
            l4 = 60
        elif p == PROTO_IPV6_NONXT:
            l4 = 0
        elif (p == PROTO_IPV6_HOPOPTS or p == PROTO_IPV6_ROUTE or p == PROTO_IPV6_FRAG
              or p == PROTO_IPV6_AH or p == PROTO_IPV6_OPTS):  # fmt: skip
            return True  # a chain of headers the snaplen cut: headers, whatever follows
        else:
            return False  # an upper layer of unknown size: nothing to measure
        return np.int64(ip_len) - np.int64(payload_len) - l4 >= 8
    if m == 7:
        return not (proto == PROTO_TCP or proto == PROTO_UDP or proto == PROTO_ICMP
                    or proto == PROTO_ICMPV6 or proto == PROTO_GRE)  # fmt: skip
    return False


@njit(parallel=True, cache=True)
def _first_rows(ip_ver, proto, sport, dport, tcp_flags, frag, orphan, shared, payload_len,
                ip_len, cap_len, wire_len, service, code, by_proto, by_proto_n, sports, dports,
                any_field, flags, match):  # fmt: skip
    n = ip_ver.shape[0]
    out = np.zeros(n, np.uint8)
    for i in prange(n):  # each packet on its own: the packets are shared among the cores
        if ip_ver[i] == 0:  # not IP
            continue
        p = proto[i]
        sp = sport[i]
        dp = dport[i]
        if p == PROTO_UDP and not orphan[i] and service[sp] != 0:
            out[i] = service[sp]
            continue
        for k in range(by_proto_n[p]):  # only the rows that take this protocol, in order
            r = by_proto[p, k]
            if flags[r, 0] != 0 and (tcp_flags[i] & flags[r, 0]) != flags[r, 1]:
                continue
            if not any_field[r, 1] and not sports[r, sp]:
                continue
            if not any_field[r, 2] and not dports[r, dp]:
                continue
            if match[r] and not _fits(match[r], ip_ver[i], p, tcp_flags[i], frag[i], shared[i],
                                      payload_len[i], ip_len[i], cap_len[i], wire_len[i]):  # fmt: skip
                continue
            out[i] = code[r]
            break
    return out


def _numpy(frame: pl.DataFrame, column: str, null: int = 0) -> np.ndarray:
    series = frame[column]
    if series.null_count():  # a fragment's unknown ports (the reader writes no other null)
        series = series.fill_null(null)
    return series.to_numpy()


def candidate_codes(frame: pl.DataFrame) -> np.ndarray:
    """Per packet of ``frame`` (with ``eff_sport``, ``eff_dport``, ``orphan_fragment`` and
    ``_shared_port``): 0 when it fits no row of the table, else its candidate's place in
    ``CANDIDATE`` plus one."""
    columns = [_numpy(frame, c, NO_PORT if c.startswith("eff_") else 0)
               for c in ("ip_ver", "proto", "eff_sport", "eff_dport", "tcp_flags", "frag",
                         "orphan_fragment", "_shared_port", "payload_len", "ip_len", "cap_len",
                         "wire_len")]  # fmt: skip
    return _first_rows(*columns, *_compiled())


def codes_of(names) -> list[int]:
    """The codes of the vectors ``names`` (``candidate_codes``)."""
    return [i + 1 for i, name in enumerate(CANDIDATE.categories) if name in set(names)]


def orphan_codes() -> list[int]:
    """The codes of the vectors confirmed as orphan segments (``candidate_codes``)."""
    return codes_of(ORPHAN_KINDS)


def candidate_series(codes: np.ndarray) -> pl.Series:
    """``candidate_codes`` as the ``CANDIDATE`` Enum (null: no candidate): each code picks its
    name from the Enum's own categories (a gather, no lookup table per packet)."""
    names = pl.Series("candidate", CANDIDATE.categories, dtype=CANDIDATE)
    code = pl.col("code")
    places = (
        pl.Series("code", codes).to_frame().select(pl.when(code > 0).then(code.cast(pl.UInt32) - 1))
    )
    return names.gather(places.to_series())
