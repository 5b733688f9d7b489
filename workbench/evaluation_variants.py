"""The same capture another way, for the evaluation: other captures of the same kinds than those
the analysis was checked on. Each keeps what the capture is (the same attack, or benign traffic)
while changing what an analysis tuned on the capture itself could lean on: every other packet
(a lossy tap, a sampled mirror), the attack amid a benign capture's traffic, a reflection's
service moved to a port no table names, the whole capture in IPv6.

    packets = wb.load("amp.UDP.snmp.src161.pcapng").packets
    wb.analyze(in_ipv6(packets))
"""

from __future__ import annotations

import ipaddress

import polars as pl

from workbench.capture.addresses import V4_MAPPED_BASE, parse
from workbench.enrich import ip_namespace  # noqa: F401  (the ``.ip`` expression namespace)

# a port below the dynamic range that no reflection service, collector or traceroute uses: a
# reflection moved there is one of a service no table names
UNLISTED_PORT = 40001
# IPv4 moved into IPv6: private addresses into a unique local /64 (RFC 4193), the others into
# a global unicast /32 (never the documentation prefix 2001:db8::/32, a bogon no reflector has)
ULA_PREFIX = ipaddress.IPv6Address("fd00::")
GLOBAL_PREFIX = ipaddress.IPv6Address("2a01:4f8::")
PRIVATE = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16")
IPV4_HEADER = 20  # bytes of an IPv4 header without options: in ip_len, not in IPv6's
FRAGMENT_HEADER = 8  # IPv6's fragment header: in a fragment's payload length
# ICMP types and their ICMPv6 counterparts (RFC 4443): echo request and reply, unreachable,
# time exceeded
ICMP_TO_ICMPV6 = {8: 128, 0: 129, 3: 1, 11: 3}


def every_other(packets: pl.DataFrame) -> pl.DataFrame:
    """Every other packet: half of each flow, as a lossy tap or a 1-in-2 sampled mirror keeps."""
    return packets.gather_every(2)


def amid(packets: pl.DataFrame, other: pl.DataFrame) -> pl.DataFrame:
    """``packets`` with ``other``'s traffic, moved in time so that both start together."""
    ns = pl.col("ts").dt.epoch("ns")
    shift = packets.select(ns.min()).item() - other.select(ns.min()).item()
    # in whole nanoseconds (a Python timedelta would make the column microseconds)
    moved = other.with_columns((ns + shift).cast(packets.schema["ts"]).alias("ts"))
    return pl.concat([packets, moved.select(packets.columns)]).sort("ts", maintain_order=True)


def service_port(packets: pl.DataFrame, target: str) -> int | None:
    """The UDP source port most of ``target``'s incoming UDP comes from (a reflection's
    service), or None when it gets no UDP."""
    address = pl.lit(parse(target), dtype=pl.UInt128)
    udp = packets.filter(
        (pl.col("proto") == 17) & (pl.col("dst") == address) & (pl.col("sport") > 0)
    )
    if udp.is_empty():
        return None
    return int(
        udp.group_by("sport").len().sort(["len", "sport"], descending=[True, False])["sport"][0]
    )


def service_moved(packets: pl.DataFrame, port: int, to: int = UNLISTED_PORT) -> pl.DataFrame:
    """``port`` renamed ``to`` as a source and a destination port, in every packet."""
    moved = pl.lit(to, dtype=pl.UInt16)
    return packets.with_columns(
        sport=pl.when(pl.col("sport") == port).then(moved).otherwise("sport"),
        dport=pl.when(pl.col("dport") == port).then(moved).otherwise("dport"),
    )


def in_ipv6(packets: pl.DataFrame) -> pl.DataFrame:
    """Every IPv4 packet as the IPv6 packet it would be (``ipv6_address``): its addresses, its
    version, its payload length (``ip_len`` without the IPv4 header, with a fragment's
    fragment header) and ICMP as ICMPv6."""
    was4 = pl.col("ip_ver") == 4
    icmp = was4 & (pl.col("proto") == 1)
    return packets.with_columns(
        _v6("src"),
        _v6("dst"),
        ip_ver=pl.when(was4).then(pl.lit(6, pl.UInt8)).otherwise("ip_ver"),
        ip_len=pl.when(was4 & (pl.col("ip_len") >= IPV4_HEADER))
        .then(
            pl.col("ip_len")
            - IPV4_HEADER
            + pl.when(pl.col("frag") & 3 > 0).then(FRAGMENT_HEADER).otherwise(0)
        )
        .otherwise("ip_len"),
        proto=pl.when(icmp).then(pl.lit(58, pl.UInt8)).otherwise("proto"),
        icmp_type=pl.when(icmp)
        .then(pl.col("icmp_type").replace(ICMP_TO_ICMPV6))
        .otherwise("icmp_type"),
    )


def ipv6_address(address: str) -> str:
    """The IPv6 address ``in_ipv6`` gives an IPv4 one (an IPv6 one unchanged)."""
    ip = ipaddress.ip_address(address)
    if ip.version == 6:
        return address
    prefix = ULA_PREFIX if any(ip in ipaddress.ip_network(n) for n in PRIVATE) else GLOBAL_PREFIX
    return str(ipaddress.IPv6Address(int(prefix) + int(ip)))


def _v6(column: str) -> pl.Expr:
    c = pl.col(column)
    private = pl.any_horizontal(c.ip.in_network(n) for n in PRIVATE)
    low = c - pl.lit(V4_MAPPED_BASE, pl.UInt128)
    mapped = c.ip.is_v4()
    return (
        pl.when(mapped & private)
        .then(low + pl.lit(int(ULA_PREFIX), pl.UInt128))
        .when(mapped)
        .then(low + pl.lit(int(GLOBAL_PREFIX), pl.UInt128))
        .otherwise(c)
        .alias(column)
    )
