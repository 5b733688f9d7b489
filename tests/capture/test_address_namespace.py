"""The UInt128 address encoding and the `ip` expression namespace."""

from __future__ import annotations

import ipaddress

import numpy as np
import polars as pl
import pytest
from hypothesis import given
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


@pytest.mark.parametrize("text", ["0.0.0.0", "255.255.255.255", "::", "::1", "fe80::1%0"[:7]])
def test_text_round_trip(text: str) -> None:
    assert addresses.to_text(addresses.parse(text)) == str(ipaddress.ip_address(text))
