"""Which packets come from their destination's own network (``lan_kernel``), against the rule
written out with ``ipaddress``: an IPv4 destination's /24, any other destination's /64."""

from __future__ import annotations

import ipaddress
import itertools

import polars as pl

from workbench.analysis.vectors.lan_kernel import lan_peers
from workbench.capture.addresses import parse

ADDRESSES = [
    "198.51.100.1", "198.51.100.255", "198.51.101.1", "198.51.100.0", "10.0.0.1", "10.0.1.1",
    "0.0.0.0", "255.255.255.255", "2001:db8:1:2::5", "2001:db8:1:2:ffff:ffff:ffff:ffff",
    "2001:db8:1:3::5", "fe80::1", "fe80::abcd", "::1", "::", "::fffe:ffff:ffff",
]  # fmt: skip


def _same_network(src: str, dst: str) -> bool:
    d = ipaddress.ip_address(dst)
    s = ipaddress.ip_address(src)
    if d.version == 4:
        return s.version == 4 and s in ipaddress.ip_network(f"{d}/24", strict=False)
    mapped = ipaddress.IPv6Address(parse(src))  # an IPv4 source as the frame holds it
    return mapped in ipaddress.ip_network(f"{d}/64", strict=False)


def test_every_pair_of_addresses_as_ipaddress_says() -> None:
    pairs = list(itertools.product(ADDRESSES, repeat=2))
    frame = pl.DataFrame(
        {
            "src": pl.Series([parse(s) for s, _ in pairs], dtype=pl.UInt128),
            "dst": pl.Series([parse(d) for _, d in pairs], dtype=pl.UInt128),
        }
    )
    found = lan_peers(frame).to_list()
    expected = [_same_network(s, d) for s, d in pairs]
    wrong = [pair for pair, a, b in zip(pairs, found, expected, strict=True) if a != b]
    assert not wrong, wrong
    assert 0 < sum(expected) < len(pairs)  # both answers are asked


def test_an_unknown_address_is_no_peer() -> None:
    local = parse("192.168.1.7")
    frame = pl.DataFrame(
        {
            "src": pl.Series([None, local, local], dtype=pl.UInt128),
            "dst": pl.Series([local, None, parse("192.168.1.1")], dtype=pl.UInt128),
        }
    )
    assert lan_peers(frame).to_list() == [False, False, True]
