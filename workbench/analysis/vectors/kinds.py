"""The vector table's rows grouped by the test that confirms them (tests are keyed by their
confirmation, not by a vector's name), and the units every test counts in."""

from __future__ import annotations

import polars as pl

from workbench.analysis.vector_table import VECTORS
from workbench.capture.schema import PROTO_GRE, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP

SECOND = 1_000_000_000  # ns: HTTP floods, slow connections and windows are judged in seconds
TUPLE4 = ["src", "sport", "dst", "dport"]
REVERSE = dict(src="dst", sport="dport", dst="src", dport="sport")  # the other direction
# a candidate's vector while it is judged: one byte per packet, joined and grouped as a number
CANDIDATE = pl.Enum([r.name for r in VECTORS])
KEYS = ("dst", "dst_net")  # a verdict's target: one host, or its /24 or /48 (carpet bombing)
V4_BITS, V6_BITS = 24, 48  # ... the prefix a carpet bombing is judged and reported on


def is_candidate() -> pl.Expr:
    """A row that is a candidate: the candidates of a capture that is mostly attack keep every
    packet, the others' ``candidate`` null (``matching.candidate_rows``), and each test reads
    the candidates alone."""
    return pl.col("candidate").is_not_null()


def with_key(frame: pl.LazyFrame, key: str) -> pl.LazyFrame:
    """``frame`` with the target ``key`` (one of ``KEYS``): ``dst_net`` is computed from ``dst``
    where a query needs it (lazily: a full-length 128-bit column per window costs more)."""
    if key == "dst_net":
        return frame.with_columns(dst_net=pl.col("dst").ip.network(V4_BITS, V6_BITS))
    return frame


def confirmed_by(confirm: str) -> list[str]:
    """The vectors the table confirms with ``confirm``."""
    return [r.name for r in VECTORS if r.confirm == confirm]


HANDSHAKES = confirmed_by("incomplete_handshakes")
UNANSWERED_UDP = confirmed_by("unanswered_udp")
FRAGMENTS = confirmed_by("fragments")
HTTP_RATE = confirmed_by("http_rate")
SYNACKS = confirmed_by("unsolicited_synack")
SLOW = confirmed_by("slow_connections")
UNLISTED = [r.name for r in VECTORS if r.match == "shared_source_port"]
ICMP = [r.name for r in VECTORS if r.proto and set(r.proto) <= {PROTO_ICMP, PROTO_ICMPV6}]
ECHO_REQUESTS, ECHO_REPLIES = (8, 128), (0, 129)  # ICMP and ICMPv6 echo types (RFC 792, 4443)
# ICMP errors about a packet sent: destination unreachable and time exceeded (RFC 792: 3, 11;
# RFC 4443: 1, 3)
ICMP_ERRORS, ICMPV6_ERRORS = (3, 11), (1, 3)
# ICMPv6 neighbor discovery (RFC 4861): router solicitation and advertisement, neighbor
# solicitation and advertisement, redirect; sent with a hop limit of 255, which its receivers
# require (a message routed from afar arrives with less and is dropped)
NEIGHBOR_DISCOVERY, ND_HOP_LIMIT = (133, 134, 135, 136, 137), 255
TCP = [r.name for r in VECTORS if r.proto == (PROTO_TCP,)]
GRE = [r.name for r in VECTORS if r.proto == (PROTO_GRE,)]
# IP protocols no other row names (ESP, SCTP, unassigned numbers), judged by their rate
OTHER_PROTOCOLS = [r.name for r in VECTORS if r.match == "other_protocol"]
# what a tunnel carries between its two ends (GRE, IPsec's ESP): from a peer the target sends
# the same protocol to, its tunnel's packets (``context._tunnels``)
TUNNELLED = [*GRE, *OTHER_PROTOCOLS]
UDP = [r.name for r in VECTORS if r.proto == (PROTO_UDP,)]
# answers whose target the capture must be seen sending to call them unsolicited (or else they
# must look amplified: ``AnalysisConfig.dns_amplified_payload_min``)
DNS_ANSWERS = [r.name for r in VECTORS if r.confirm == "unsolicited" and r.service == "dns"]
# ... and NTP's (``AnalysisConfig.ntp_amplified_payload_min``): answers with a size that tells a
# client's own from an amplifier's, for a target never seen sending
NTP_ANSWERS = [r.name for r in VECTORS if r.confirm == "unsolicited" and r.service == "ntp"]
SIZED_ANSWERS = [*DNS_ANSWERS, *NTP_ANSWERS]
# queries to a DNS server judged by their rate (water torture)
DNS_QUERIES = [r.name for r in VECTORS if r.confirm == "rate" and r.service == "dns"]
