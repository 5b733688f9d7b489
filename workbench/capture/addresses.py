"""Addresses in the packet frame: UInt128, IPv4 stored IPv4-mapped.

Importing this module registers the ``ip`` expression namespace, so analysts
write ``pl.col("src").ip.to_text()`` or ``pl.col("dst").ip.in_network("203.0.113.0/24")``.
Render to text only on small, aggregated results.
"""

from __future__ import annotations

import ipaddress

import numpy as np
import polars as pl

V4_MAPPED_BASE = 0xFFFF << 32  # ::ffff:0.0.0.0
_TWO64 = 1 << 64


def parse(address: str | int | ipaddress.IPv4Address | ipaddress.IPv6Address) -> int:
    """The frame's integer for an address: ``parse("10.0.0.1") == 0xffff0a000001``."""
    if isinstance(address, int):
        return address
    ip = ipaddress.ip_address(address) if isinstance(address, str) else address
    if ip.version == 4:
        return V4_MAPPED_BASE | int(ip)
    return int(ip)


def network_bounds(cidr: str) -> tuple[int, int]:
    """First and last frame integer of a network: ``network_bounds("10.0.0.0/8")``."""
    net = ipaddress.ip_network(cidr, strict=False)
    first, last = int(net.network_address), int(net.broadcast_address)
    if net.version == 4:
        return V4_MAPPED_BASE | first, V4_MAPPED_BASE | last
    return first, last


def to_text(value: int) -> str:
    """Text form of one frame integer: IPv4-mapped values print as dotted quads."""
    if V4_MAPPED_BASE <= value <= V4_MAPPED_BASE | 0xFFFFFFFF:
        return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return str(ipaddress.IPv6Address(value))


def from_halves(hi: np.ndarray, lo: np.ndarray, name: str = "") -> pl.Series:
    """Build a UInt128 Series from the high and low 64-bit halves (uint64 arrays)."""
    frame = pl.DataFrame(
        {"hi": hi.astype(np.uint64, copy=False), "lo": lo.astype(np.uint64, copy=False)}
    )
    return frame.select(
        (pl.col("hi").cast(pl.UInt128) * _TWO64 + pl.col("lo").cast(pl.UInt128)).alias(name)
    ).to_series()


def halves(series: pl.Series) -> tuple[np.ndarray, np.ndarray]:
    """The high and low 64-bit halves of a UInt128 Series as uint64 arrays."""
    frame = series.to_frame("x").select(
        (pl.col("x") // _TWO64).cast(pl.UInt64).alias("hi"),
        (pl.col("x") % _TWO64).cast(pl.UInt64).alias("lo"),
    )
    return frame["hi"].to_numpy(), frame["lo"].to_numpy()


def from_text(addresses: list[str], name: str = "") -> pl.Series:
    """UInt128 Series from address strings: ``from_text(["10.0.0.1", "2001:db8::1"])``."""
    values = [parse(a) for a in addresses]
    hi = np.array([v >> 64 for v in values], dtype=np.uint64)
    lo = np.array([v & (_TWO64 - 1) for v in values], dtype=np.uint64)
    return from_halves(hi, lo, name)


def series_to_text(series: pl.Series) -> pl.Series:
    """Text form of a UInt128 Series (nulls stay null)."""
    out = [None if v is None else to_text(int(v)) for v in series.to_list()]
    return pl.Series(series.name, out, dtype=pl.String)


def _lit(value: int) -> pl.Expr:
    return pl.lit(value, dtype=pl.UInt128)


@pl.api.register_expr_namespace("ip")
class IPNamespace:
    """Address helpers on UInt128 columns of the packet frame."""

    def __init__(self, expr: pl.Expr):
        self._expr = expr

    def to_text(self) -> pl.Expr:
        """Render as text: ``pl.col("src").ip.to_text()`` (use on aggregated rows)."""
        return self._expr.map_batches(series_to_text, return_dtype=pl.String)

    def in_network(self, cidr: str) -> pl.Expr:
        """True where the address lies in ``cidr``: ``pl.col("dst").ip.in_network("203.0.113.0/24")``."""
        first, last = network_bounds(cidr)
        return self._expr.is_between(_lit(first), _lit(last))

    def is_v4(self) -> pl.Expr:
        """True for IPv4 (IPv4-mapped) addresses."""
        return self._expr.is_between(_lit(V4_MAPPED_BASE), _lit(V4_MAPPED_BASE | 0xFFFFFFFF))

    def network(self, v4_bits: int = 24, v6_bits: int = 48) -> pl.Expr:
        """The address's network (as UInt128): /v4_bits for IPv4, /v6_bits for IPv6."""
        v4_size = 1 << (32 - v4_bits)
        v6_size = 1 << (128 - v6_bits)
        return (
            pl.when(self.is_v4())
            .then(self._expr // _lit(v4_size) * _lit(v4_size))
            .otherwise(self._expr // _lit(v6_size) * _lit(v6_size))
        )
