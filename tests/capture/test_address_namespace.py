"""The UInt128 address encoding and the `ip` expression namespace."""

from __future__ import annotations

import gc
import ipaddress

import numpy as np
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from workbench.capture import addresses


def test_ipv4_is_stored_ipv4_mapped() -> None:
    assert addresses.parse("10.0.0.1") == int(ipaddress.IPv6Address("::ffff:10.0.0.1"))
    assert addresses.to_text(addresses.parse("203.0.113.9")) == "203.0.113.9"


def test_namespace_renders_filters_and_groups() -> None:
    frame = addresses.from_text(
        ["203.0.113.7", "203.0.114.1", "2001:db8::5", "10.1.2.3"], "src"
    ).to_frame()
    out = frame.with_columns(
        text=pl.col("src").ip.to_text(),
        in_net=pl.col("src").ip.in_network("203.0.113.0/24"),
        v4=pl.col("src").ip.is_v4(),
        net=pl.col("src").ip.network(v4_bits=16, v6_bits=32).ip.to_text(),
    )
    assert out["text"].to_list() == ["203.0.113.7", "203.0.114.1", "2001:db8::5", "10.1.2.3"]
    assert out["in_net"].to_list() == [True, False, False, False]
    assert out["v4"].to_list() == [True, True, False, True]
    assert out["net"].to_list() == ["203.0.0.0", "203.0.0.0", "2001:db8::", "10.1.0.0"]


def test_ipv6_network_filter() -> None:
    frame = addresses.from_text(["2001:db8:1::1", "2001:db9::1"], "dst").to_frame()
    assert frame.filter(pl.col("dst").ip.in_network("2001:db8::/32")).height == 1


@given(st.lists(st.integers(min_value=0, max_value=(1 << 128) - 1), min_size=1, max_size=50))
def test_halves_round_trip(values: list[int]) -> None:
    hi = np.array([v >> 64 for v in values], dtype=np.uint64)
    lo = np.array([v & ((1 << 64) - 1) for v in values], dtype=np.uint64)
    series = addresses.from_halves(hi, lo, "a")
    assert series.dtype == pl.UInt128
    assert [int(v) for v in series.to_list()] == values
    back_hi, back_lo = addresses.halves(series)
    assert np.array_equal(back_hi, hi) and np.array_equal(back_lo, lo)


@settings(max_examples=60, deadline=None)
@given(
    st.lists(st.one_of(st.none(), st.integers(min_value=0, max_value=(1 << 128) - 1)), min_size=1, max_size=40),
    st.integers(min_value=0, max_value=5),
    st.integers(min_value=0, max_value=5),
)  # fmt: skip
def test_halves_of_slices_chunks_and_nulls(values: list[int | None], cut: int, split: int) -> None:
    """Each value's halves as Python's integers give them (a null: 0, 0), whatever the series'
    offset in its buffer (a slice) or its chunks; read in place or computed alike."""
    cut, split = min(cut, len(values) - 1), min(split, len(values))
    whole = pl.concat(
        [pl.Series("a", values[:split], pl.UInt128), pl.Series("a", values[split:], pl.UInt128)],
        rechunk=False,
    )
    series = whole.slice(cut)
    hi, lo = addresses.halves(series)
    expected = [v or 0 for v in values[cut:]]
    assert hi.dtype == lo.dtype == np.uint64
    assert [int(h) << 64 | int(low) for h, low in zip(hi, lo, strict=True)] == expected


def test_halves_read_in_place_outlive_the_series() -> None:
    """Read in place, the halves keep the series' buffer alive and cannot write into it."""
    values = [addresses.parse("203.0.113.7"), addresses.parse("2001:db8::5")]
    series = pl.Series("a", values, pl.UInt128)
    hi, lo = addresses.halves(series)
    del series
    gc.collect()
    base = lo
    while isinstance(base, np.ndarray):  # the views' base: the buffer read in place
        base = base.base
    assert base.owner.to_list() == values  # which holds the series it reads
    assert [int(h) << 64 | int(low) for h, low in zip(hi, lo, strict=True)] == values
    with pytest.raises(ValueError, match="read-only"):
        lo[0] = 1


@pytest.mark.parametrize("text", ["0.0.0.0", "255.255.255.255", "::", "::1", "fe80::1%0"[:7]])
def test_text_round_trip(text: str) -> None:
    assert addresses.to_text(addresses.parse(text)) == str(ipaddress.ip_address(text))


def _python_text(value: int) -> str:
    """The reference: Python's ``ipaddress`` (IPv4-mapped values as IPv4)."""
    if value >> 32 == 0xFFFF:
        return str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return str(ipaddress.IPv6Address(value))


def _from_groups(groups: list[int]) -> int:
    return int.from_bytes(b"".join(g.to_bytes(2, "big") for g in groups), "big")


EDGES = [
    0,  # ::
    1,  # ::1
    (1 << 128) - 1,
    0xFFFF << 32,  # ::ffff:0.0.0.0 -> 0.0.0.0
    (0xFFFF << 32) | 0xFFFFFFFF,  # 255.255.255.255
    (0xFFFF << 32) | 0x01020304,  # ::ffff:1.2.3.4 -> 1.2.3.4
    (0xFFFE << 32) | 0x01020304,  # next to the mapped range: IPv6 text
    (0x1_0000 << 32) | 0x01020304,  # ::1:0:102:304
    0x01020304,  # IPv4-compatible ::1.2.3.4 -> ::102:304
    int(ipaddress.IPv6Address("::ffff:0:0:0")),
    *(
        _from_groups(g)
        for g in (
            [1, 0, 0, 2, 0, 0, 0, 3],  # the longer run wins
            [1, 0, 0, 2, 0, 0, 3, 4],  # equal runs: the first wins
            [0, 0, 1, 0, 0, 0, 0, 0],  # trailing run longer than leading
            [0, 0, 0, 1, 0, 0, 0, 2],  # leading run, equal to a later one
            [1, 0, 2, 0, 3, 0, 4, 0],  # single zero groups stay
            [0, 1, 2, 3, 4, 5, 6, 7],  # one leading zero group stays
            [1, 2, 3, 4, 5, 6, 7, 0],  # one trailing zero group stays
            [1, 0, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0, 0, 1],
            [0xFE80, 0, 0, 0, 0x0ABC, 0x00DE, 0, 0],  # leading zeros inside groups go
            [0x2001, 0xDB8, 0, 0, 0, 0, 0, 0],
            [0, 0, 0, 0, 0, 0xFFFF, 0, 0],  # ::ffff:0:0 is not IPv4-mapped
        )
    ),
]


def _zero_rich(rng) -> int:
    """An address whose groups are often zero, so every run length and position occurs."""
    return _from_groups([0 if rng.random() < 0.5 else rng.randrange(1 << 16) for _ in range(8)])


def test_to_text_matches_ipaddress_on_edges_and_random_addresses() -> None:
    import random

    rng = random.Random(16)
    values = [
        *EDGES,
        *(rng.randrange(1 << 128) for _ in range(3000)),
        *(_zero_rich(rng) for _ in range(20000)),
        *((0xFFFF << 32) | rng.randrange(1 << 32) for _ in range(3000)),
    ]
    series = pl.Series("a", values, dtype=pl.UInt128)
    expected = [_python_text(v) for v in values]
    assert addresses.series_to_text(series).to_list() == expected
    assert [addresses.to_text(v) for v in values] == expected  # the one-address helper agrees
    # and back: the frame's integers from the text, in Polars and through the namespace
    assert addresses.from_text(expected, "a").equals(series)
    frame = pl.DataFrame({"t": expected}).select(pl.col("t").ip.from_text())
    assert frame["t"].equals(series.alias("t"))
    # other spellings of the same addresses: exploded, upper case
    v6 = [v for v in values if v >> 32 != 0xFFFF]
    spelled = [ipaddress.IPv6Address(v).exploded.upper() for v in v6]
    assert addresses.from_text(spelled).to_list() == v6


@settings(deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=(1 << 128) - 1), min_size=1, max_size=40))
def test_to_text_matches_ipaddress_fuzzed(values: list[int]) -> None:
    series = pl.Series("a", values, dtype=pl.UInt128)
    assert addresses.series_to_text(series).to_list() == [_python_text(v) for v in values]


def test_from_text_reads_what_ipaddress_reads_and_refuses_the_rest() -> None:
    texts = ["2001:0DB8:0000::0001", "FE80::1", "0.0.0.0", "::ffff:1.2.3.4", "fe80::1%eth0",
             "1:2:3:4:5:6:7::", "::2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8"]  # fmt: skip
    assert addresses.from_text(texts).to_list() == [
        addresses.parse(t.split("%")[0] if "%" not in t else ipaddress.ip_address(t)) for t in texts
    ]
    for bad in ["1.2.3", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", ":1::", "12345::", "g::1", ""]:
        with pytest.raises(ValueError):
            addresses.from_text(["10.0.0.1", bad])
    nulls = pl.Series([None, "10.0.0.1"], dtype=pl.String)
    assert addresses.from_text(nulls).to_list() == [None, addresses.parse("10.0.0.1")]
    assert addresses.series_to_text(addresses.from_text(nulls)).to_list() == [None, "10.0.0.1"]


def test_is_bogon_in_the_namespace_is_the_bogon_table() -> None:
    from workbench.enrich import bogon_mask

    texts = ["10.1.2.3", "8.8.8.8", "2001:db8::1", "2a00::1", "::1", "203.0.113.9", "100.64.0.1"]
    frame = addresses.from_text(texts, "src").to_frame()
    out = frame.select(bogon=pl.col("src").ip.is_bogon(), kind=pl.col("src").ip.bogon_kind())
    assert out["bogon"].to_list() == bogon_mask(frame["src"]).to_list()
    assert out["bogon"].to_list() == [True, False, True, False, True, True, True]
    assert out["kind"].to_list()[:3] == ["private", None, "documentation"]
    # the namespace stays lazy: no Python per address
    lazy = frame.lazy().select(pl.col("src").ip.to_text())
    assert lazy.collect()["src"].to_list() == texts


def test_is_bogon_at_every_edge_of_the_table() -> None:
    """Each prefix's first and last address and their neighbours, judged by ``ipaddress``."""
    from workbench.enrich import BOGON_PREFIXES

    nets = [ipaddress.ip_network(prefix) for prefix, _ in BOGON_PREFIXES]
    probes = []
    for net in nets:
        first, last = int(net.network_address), int(net.broadcast_address)
        top = 2**32 if net.version == 4 else 2**128
        probes += [ipaddress.ip_address(v) if net.version == 6 else ipaddress.IPv4Address(v)
                   for v in (first - 1, first, last, last + 1) if 0 <= v < top]  # fmt: skip
    truth = [any(a.version == n.version and a in n for n in nets) for a in probes]
    frame = addresses.from_text([str(a) for a in probes], "src").to_frame()
    got = frame.select(b=pl.col("src").ip.is_bogon(), k=pl.col("src").ip.bogon_kind().is_not_null())
    assert got["b"].to_list() == truth and got["k"].to_list() == truth


@pytest.mark.slow  # 10 M addresses: about 15 s with the round trip and the reference sample
def test_ten_million_addresses_to_text_and_back() -> None:
    """At scale: every address survives text and back, and a sample reads as ``ipaddress`` does."""
    rng = np.random.default_rng(16)
    n = 10_000_000
    v4 = rng.random(n) < 0.7
    hi = np.where(v4, 0, rng.integers(0, 1 << 63, n, dtype=np.uint64) & np.uint64(0xFFFF0000FFFFFFFF))  # fmt: skip
    lo = np.where(v4, (np.uint64(0xFFFF) << np.uint64(32)) | rng.integers(0, 1 << 32, n, dtype=np.uint64),
                  rng.integers(0, 1 << 16, n, dtype=np.uint64))  # fmt: skip
    series = addresses.from_halves(hi.astype(np.uint64), lo.astype(np.uint64), "src")
    text = addresses.series_to_text(series)
    assert addresses.from_text(text, "src").equals(series)
    sample = rng.choice(n, 20_000, replace=False)
    assert text.gather(sample).to_list() == [_python_text(int(v)) for v in series.gather(sample)]
