"""Addresses in the packet frame: UInt128, IPv4 stored IPv4-mapped.

The address expressions (text, values, networks) are written in Polars, so rendering ten
million addresses stays in Polars' engine. ``AddressNamespace`` gathers them; the ``ip``
expression namespace that analysts use (``pl.col("src").ip.to_text()``,
``.ip.in_network("203.0.113.0/24")``, ``.ip.is_bogon()``) is registered one layer up, in
``workbench.enrich.ip_namespace``, where the bogon table lives; ``import workbench`` registers it.
"""

from __future__ import annotations

import ctypes
import ipaddress
import sys
from functools import cache

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
    """The high and low 64-bit halves of a UInt128 Series as uint64 arrays (nulls as 0).

    Read in place when the series holds no null: both halves are read-only views of its own
    buffer (``_words``), which they keep alive; a null's slot there holds no defined value, so
    a series with nulls is computed: the low half cast with wrapping, the high half divided out
    of the values that have one (IPv6, never IPv4-mapped). In place, 10.96 M addresses take
    microseconds where the computed halves took 0.05-0.29 s."""
    if not series.has_nulls():
        words = _words(series)
        if words is not None:
            return words[:, 1], words[:, 0]
    frame = series.to_frame("x")
    lo = frame.select(pl.col("x").cast(pl.UInt64, wrap_numerical=True).fill_null(0)).to_series()
    hi = np.zeros(series.len(), np.uint64)
    high = frame.select(pl.arg_where(pl.col("x") >= _TWO64)).to_series()
    if high.len():
        values = series.gather(high).to_frame("x")
        hi[high.to_numpy()] = (
            values.select((pl.col("x") // _TWO64).cast(pl.UInt64)).to_series().to_numpy()
        )
    return hi, lo.to_numpy()


def zeros_to_fill(n: int) -> tuple[pl.Series, np.ndarray] | None:
    """A new UInt128 series of ``n`` zeros and a writable uint64[n, 2] view of its buffer (low
    word first), for a reader to write addresses into before anything else sees the series
    (no 128-bit arithmetic, no copy); None where the buffer cannot be viewed (``_words``)."""
    series = pl.Series(np.zeros(n, dtype=np.uint64)).cast(pl.UInt128)  # a buffer of its own
    words = _words(series)
    if words is None:  # pragma: no cover - big-endian, or a Polars without the pointer
        return None
    words.flags.writeable = True  # the view's base is the buffer itself: allowed
    return series, words


def _words(series: pl.Series) -> np.ndarray | None:
    """The series' values as a read-only uint64[n, 2] view of its one buffer (low word first:
    Polars keeps a UInt128 as the machine's 128-bit integer, little-endian here), holding the
    series alive; None where that cannot be read in place (another byte order, or a Polars
    without the pointer)."""
    if sys.byteorder != "little" or series.dtype != pl.UInt128:
        return None
    series = series.rechunk()  # one buffer (a no-op for the frame's own columns)
    if series.len() == 0:
        return np.zeros((0, 2), np.uint64)
    try:
        address = series._s.as_single_ptr()
    except AttributeError:  # pragma: no cover - a Polars without it
        return None
    buffer = (ctypes.c_uint64 * (2 * series.len())).from_address(address)
    buffer.owner = series  # the view's base holds the buffer, which holds the series
    words = np.frombuffer(buffer, dtype=np.uint64).reshape(-1, 2)
    words.flags.writeable = False  # the frame's own memory: never written through the view
    return words


@cache
def _hex() -> pl.Series:
    """Every 16-bit group as Python writes it in IPv6 text (``format(g, "x")``), then ``""``."""
    return pl.Series("hex", [*(format(i, "x") for i in range(1 << 16)), ""], dtype=pl.String)


_IPV4_TEXT = r"^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$"


@cache
def _octets() -> pl.Series:
    return pl.Series("octet", [str(i) for i in range(256)], dtype=pl.String)


# "::" expanded for 0..6 missing groups (a leading or trailing "::" has had a 0 group added)
_EXPANSIONS = [":" + "0:" * k for k in range(7)]


def _groups(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """The eight 16-bit groups of each address, most significant first: uint16[n, 8]."""
    both = np.empty((hi.shape[0], 2), dtype=">u8")
    both[:, 0], both[:, 1] = hi, lo
    return both.view(">u2").astype(np.uint16)


def _v6_text(groups: np.ndarray) -> pl.Series:
    """RFC 5952 text of addresses given as groups (uint16[n, 8]), as ``ipaddress`` writes it."""
    zero = groups == 0
    runs = np.zeros((groups.shape[0], 9), dtype=np.uint8)  # zero-run length starting at each group
    for k in range(7, -1, -1):
        runs[:, k] = (runs[:, k + 1] + 1) * zero[:, k]
    longest = runs.max(axis=1, keepdims=True)
    start = (runs == longest).argmax(axis=1)[:, None]  # the first longest run
    k = np.arange(8)
    dropped = (longest > 1) & (start <= k) & (k < start + longest)
    # the compressed groups become "" (the table's last entry); their separators collapse below
    index = np.where(dropped, 1 << 16, groups.astype(np.uint32))
    table = _hex()
    frame = pl.DataFrame({f"g{j}": table.gather(index[:, j]) for j in range(8)})
    return frame.select(
        pl.concat_str(pl.all(), separator=":").str.replace(r":{2,}", "::")
    ).to_series()


def _v4_text(lo: np.ndarray) -> pl.Series:
    """Dotted quads of the low 32 bits."""
    octets = lo.astype(">u8").view(">u1").reshape(-1, 8)[:, 4:].astype(np.uint8)
    table = _octets()
    frame = pl.DataFrame({f"o{k}": table.gather(octets[:, k]) for k in range(4)})
    return frame.select(pl.concat_str(pl.all(), separator=".")).to_series()


def series_to_text(series: pl.Series) -> pl.Series:
    """Text of a UInt128 Series, in Polars and NumPy (nulls stay null): IPv4-mapped values as dotted
    quads, the rest as Python's ``ipaddress`` writes IPv6 (RFC 5952: lower-case hex, no leading
    zeros, the first longest run of two or more zero groups as ``::``).

        series_to_text(from_text(["10.0.0.1", "2001:db8:0:0:0:0:0:1"])) -> ["10.0.0.1", "2001:db8::1"]
    """
    valid = series.is_not_null()
    values = series.filter(valid) if series.has_nulls() else series
    hi, lo = halves(values)
    mapped = (hi == 0) & (lo >> np.uint64(32) == 0xFFFF)
    v4, v6 = _v4_text(lo[mapped]), _v6_text(_groups(hi[~mapped], lo[~mapped]))
    # put each part back in place: the rows in order of (kind, position), then undo that order
    order = np.concatenate([np.flatnonzero(mapped), np.flatnonzero(~mapped)])
    out = pl.concat([v4, v6]).alias(series.name)
    placed = out.gather(np.argsort(order, kind="stable")) if order.size else out
    if not series.has_nulls():
        return placed
    full = pl.Series(series.name, [None], dtype=pl.String).extend_constant(None, series.len() - 1)
    return full.scatter(np.flatnonzero(valid.to_numpy()), placed)


def _read_text(texts: pl.Series) -> pl.Series:
    """UInt128 of address texts, in Polars (IPv4 stored IPv4-mapped), computed in steps over named
    columns. Null where it does not read the text (zone ids, embedded dotted quads, malformed):
    ``from_text`` hands those rows to ``ipaddress``, which reads them or says what is wrong."""
    frame = texts.cast(pl.String).str.to_lowercase().to_frame("low")
    low = pl.col("low")
    frame = frame.with_columns(
        is_v4=low.str.contains(_IPV4_TEXT),
        compressed=low.str.contains("::", literal=True),
        # a leading or trailing "::" gets a 0 group, so "::" always sits between two groups
        padded=pl.when(low.str.starts_with("::")).then(pl.lit("0")).otherwise(pl.lit(""))
        + low
        + pl.when(low.str.ends_with("::")).then(pl.lit("0")).otherwise(pl.lit("")),
    )
    frame = frame.with_columns(present=pl.col("padded").str.count_matches(":", literal=True))
    expand = pl.lit(pl.Series(_EXPANSIONS)).gather((8 - pl.col("present")).clip(0, 6).cast(pl.UInt32))  # fmt: skip
    frame = frame.with_columns(full=pl.col("padded").str.replace("::", expand, literal=True))
    frame = frame.with_columns(
        quad=pl.when("is_v4").then(low).str.split_exact(".", 3),
        fields=pl.when(~pl.col("is_v4")).then(pl.col("full")).str.split_exact(":", 7),
    ).unnest("fields")
    group = [f"field_{k}" for k in range(8)]
    frame = frame.with_columns(
        well_formed=low.str.contains(r"^[0-9a-f:]{2,39}$")
        & (low.str.count_matches("::", literal=True) <= 1)
        & pl.when("compressed")
        .then(pl.col("present") <= 7 + pl.col("padded").str.len_bytes() - low.str.len_bytes())
        .otherwise(pl.col("present") == 7)
        & (pl.col("full").str.count_matches(":", literal=True) == 7)
        & pl.all_horizontal([pl.col(g).str.len_bytes().is_between(1, 4) for g in group]),
        **{g: pl.col(g).str.to_integer(base=16, strict=False).cast(pl.UInt64) for g in group},
    )
    v4 = sum(pl.col("quad").struct.field(f"field_{k}").cast(pl.UInt64, strict=False) * (1 << s)
             for k, s in enumerate((24, 16, 8, 0)))  # fmt: skip
    hi = sum(pl.col(group[k]) * (1 << (48 - 16 * k)) for k in range(4))
    lo = sum(pl.col(group[4 + k]) * (1 << (48 - 16 * k)) for k in range(4))
    value = (
        pl.when("is_v4")
        .then(v4.cast(pl.UInt128) + V4_MAPPED_BASE)
        .when("well_formed")
        .then(hi.cast(pl.UInt128) * _TWO64 + lo.cast(pl.UInt128))
    )
    return frame.select(value.alias(texts.name)).to_series()


def from_text(addresses: list[str] | pl.Series, name: str = "") -> pl.Series:
    """UInt128 Series from address strings: ``from_text(["10.0.0.1", "2001:db8::1"])``.

    Read in Polars; the rare text it does not read (zone ids, ``::1.2.3.4``) goes to ``ipaddress``,
    which also raises ``ValueError`` naming any text that is no address."""
    texts = addresses if isinstance(addresses, pl.Series) else pl.Series(addresses, dtype=pl.String)
    frame = pl.DataFrame({"text": texts.cast(pl.String), "value": _read_text(texts)})
    unread = frame["value"].is_null() & frame["text"].is_not_null()
    if unread.any():
        rest = [parse(t) for t in frame["text"].filter(unread).to_list()]
        fixed = from_halves(np.array([v >> 64 for v in rest], dtype=np.uint64),
                            np.array([v & (_TWO64 - 1) for v in rest], dtype=np.uint64))  # fmt: skip
        frame = frame.with_columns(value=frame["value"].scatter(unread.arg_true(), fixed))
    return frame["value"].alias(name)


def _lit(value: int) -> pl.Expr:
    return pl.lit(value, dtype=pl.UInt128)


class AddressNamespace:
    """Address helpers on UInt128 columns of the packet frame (the ``ip`` namespace's capture half)."""

    def __init__(self, expr: pl.Expr):
        self._expr = expr

    def to_text(self) -> pl.Expr:
        """Render as text, in Polars: ``pl.col("src").ip.to_text()`` (``10.0.0.1``, ``2001:db8::5``)."""
        return self._expr.map_batches(series_to_text, return_dtype=pl.String, is_elementwise=True)

    def from_text(self) -> pl.Expr:
        """Address text to the frame's UInt128: ``pl.col("address").ip.from_text()``; text that is no
        address raises ``ValueError`` naming it."""
        return self._expr.map_batches(lambda s: from_text(s, s.name), return_dtype=pl.UInt128)

    def in_network(self, cidr: str) -> pl.Expr:
        """True where the address lies in ``cidr``: ``pl.col("dst").ip.in_network("203.0.113.0/24")``."""
        first, last = network_bounds(cidr)
        return self._expr.is_between(_lit(first), _lit(last))

    def is_v4(self) -> pl.Expr:
        """True for IPv4 (IPv4-mapped) addresses."""
        return self._expr.is_between(_lit(V4_MAPPED_BASE), _lit(V4_MAPPED_BASE | 0xFFFFFFFF))

    def network(self, v4_bits: int = 24, v6_bits: int = 48) -> pl.Expr:
        """The address's network (as UInt128): /v4_bits for IPv4, /v6_bits for IPv6."""
        # the host bits cleared by a mask (a 128-bit division costs more)
        v4_mask = (1 << 128) - (1 << (32 - v4_bits))
        v6_mask = (1 << 128) - (1 << (128 - v6_bits))
        return (
            pl.when(self.is_v4())
            .then(self._expr & _lit(v4_mask))
            .otherwise(self._expr & _lit(v6_mask))
        )
