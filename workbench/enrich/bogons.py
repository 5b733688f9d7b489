"""Bogon, private and reserved address space: a table of prefixes.

A source in one of these ranges on the Internet side is evidence of spoofing,
not a country.
"""

from __future__ import annotations

import polars as pl

from workbench.capture.addresses import network_bounds

# (prefix, kind)
BOGON_PREFIXES: list[tuple[str, str]] = [
    ("0.0.0.0/8", "this-network"),
    ("10.0.0.0/8", "private"),
    ("100.64.0.0/10", "cgnat"),
    ("127.0.0.0/8", "loopback"),
    ("169.254.0.0/16", "link-local"),
    ("172.16.0.0/12", "private"),
    ("192.0.0.0/24", "ietf-protocol"),
    ("192.0.2.0/24", "documentation"),
    ("192.168.0.0/16", "private"),
    ("198.18.0.0/15", "benchmarking"),
    ("198.51.100.0/24", "documentation"),
    ("203.0.113.0/24", "documentation"),
    ("224.0.0.0/4", "multicast"),
    ("240.0.0.0/4", "reserved"),
    ("::/128", "unspecified"),
    ("::1/128", "loopback"),
    ("64:ff9b::/96", "nat64"),
    ("100::/64", "discard"),
    ("2001:db8::/32", "documentation"),
    ("fc00::/7", "unique-local"),
    ("fe80::/10", "link-local"),
    ("ff00::/8", "multicast"),
]


def bogon_kind(column: str | pl.Expr = "src") -> pl.Expr:
    """Kind of bogon space an address column falls in (null when routable)."""
    expr = pl.col(column) if isinstance(column, str) else column
    out = pl.lit(None, dtype=pl.String)
    for prefix, kind in reversed(BOGON_PREFIXES):
        first, last = network_bounds(prefix)
        inside = expr.is_between(pl.lit(first, dtype=pl.UInt128), pl.lit(last, dtype=pl.UInt128))
        out = pl.when(inside).then(pl.lit(kind)).otherwise(out)
    return out


def is_bogon(column: str | pl.Expr = "src") -> pl.Expr:
    """Whether an address column falls in bogon space (``bogon_kind`` is not null), as a test
    of the ranges alone (no kind named: a third of the time over millions of sources)."""
    expr = pl.col(column) if isinstance(column, str) else column
    bounds = (network_bounds(prefix) for prefix, _ in BOGON_PREFIXES)
    return pl.any_horizontal(
        expr.is_between(pl.lit(first, dtype=pl.UInt128), pl.lit(last, dtype=pl.UInt128))
        for first, last in bounds
    )


def bogon_mask(series: pl.Series) -> pl.Series:
    """True where an address (UInt128 series) is bogon, private or reserved space."""
    return series.to_frame("a").select(is_bogon("a").alias(series.name))[series.name]
