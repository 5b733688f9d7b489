"""The packet frame: one row per packet. The one schema, defined here only.

See DESIGN.md. Addresses are UInt128: the IPv6 value, IPv4 stored
IPv4-mapped (``::ffff:a.b.c.d``). ``ts`` is UTC with nanosecond precision. ``src_mac``/``dst_mac`` are the
Ethernet addresses as 48-bit integers (0 where the link layer carries none: raw
IP, loopback; Linux cooked captures carry the sender's only, and the broadcast address as
the destination of a frame their packet type says came as one): they name the
router a frame came from or went to, the way to tell upstream links apart.
"""

from __future__ import annotations

import polars as pl

PACKET_SCHEMA: pl.Schema = pl.Schema(
    {
        "ts": pl.Datetime("ns", "UTC"),
        "iface": pl.UInt16,
        "wire_len": pl.UInt32,
        "cap_len": pl.UInt32,
        "vlan": pl.UInt16,
        "src_mac": pl.UInt64,
        "dst_mac": pl.UInt64,
        "ip_ver": pl.UInt8,
        "src": pl.UInt128,
        "dst": pl.UInt128,
        "proto": pl.UInt8,
        "sport": pl.UInt16,
        "dport": pl.UInt16,
        "ttl": pl.UInt8,
        "ip_len": pl.UInt16,
        "ip_id": pl.UInt32,
        "frag": pl.UInt8,
        "tcp_flags": pl.UInt8,
        # the TCP receive window field as sent (unscaled); null where no TCP header with it
        # was captured (not TCP, a non-first fragment, a header the snaplen cut)
        "tcp_window": pl.UInt16,
        "icmp_type": pl.UInt8,
        "icmp_code": pl.UInt8,
        "payload_len": pl.UInt16,
    }
)

COLUMNS: tuple[str, ...] = tuple(PACKET_SCHEMA.names())
# columns whose unknown value is null, not 0 (where 0 is a value that means something)
UNKNOWN_IS_NULL = frozenset({"tcp_window"})

# frag bit flags
FRAG_MORE = 1  # more-fragments set
FRAG_NONFIRST = 2  # fragment offset > 0: no L4 header in this packet
FRAG_DONT = 4  # don't-fragment set

# TCP flag bits, in header order
TCP_FIN, TCP_SYN, TCP_RST, TCP_PSH, TCP_ACK, TCP_URG, TCP_ECE, TCP_CWR = (
    1,
    2,
    4,
    8,
    16,
    32,
    64,
    128,
)

# IP protocol numbers the workbench names
PROTO_ICMP, PROTO_TCP, PROTO_UDP, PROTO_GRE, PROTO_ICMPV6 = 1, 6, 17, 47, 58
PROTO_IPV6_NONXT = 59  # IPv6 "no next header": nothing follows the extension headers
# IPv6 extension headers the decoder walks (hop-by-hop, routing, fragment, AH, destination
# options, RFC 8200): a packet's ``proto`` is still one of them when the snaplen cut its chain
PROTO_IPV6_HOPOPTS, PROTO_IPV6_ROUTE, PROTO_IPV6_FRAG = 0, 43, 44
PROTO_IPV6_AH, PROTO_IPV6_OPTS = 51, 60
PROTO_SCTP, PROTO_UDPLITE = 132, 136  # transports with ports first, as UDP
# the transports whose ports the decoder reads (a first or whole datagram's: ``sport`` and
# ``dport`` of any other packet are 0, not a port)
PORT_PROTOCOLS = (PROTO_TCP, PROTO_UDP, PROTO_SCTP, PROTO_UDPLITE)


def empty_frame() -> pl.DataFrame:
    """A packet frame with no rows and the full schema."""
    return pl.DataFrame(schema=PACKET_SCHEMA)


def conform(frame: pl.DataFrame) -> pl.DataFrame:
    """Cast and order ``frame``'s columns to the packet schema (extra columns dropped)."""
    return frame.select([pl.col(name).cast(dtype) for name, dtype in PACKET_SCHEMA.items()])
