"""A crafted test capture (a decoder or evasion test written with scapy, as suricata-verify's
are) puts tens of packets within a few milliseconds, which a snippet's 1 ms bins read as
thousands a second. A (target, vector) pair of fewer than ``min_packets`` (100) is nobody's
attack: each such shape stays clean, and the same shape at a real snippet's size (hundreds of
packets in tens of milliseconds) is still a flood."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, ipv6, pcap, tcp, udp

T0 = 1_700_000_000.0
A, B = "10.0.0.1", "10.0.0.2"
A6, B6 = (ipaddress.IPv6Address(x).packed for x in ("2001:db8::1", "2001:db8::2"))
GAP = 100e-6  # a scapy loop's pace: 10,000 packets a second


def _pings(n: int) -> list[tuple[float, bytes]]:
    """Echo requests, each answered 20 µs later."""
    out = []
    for k in range(n):
        out.append((T0 + k * GAP, ether(ipv4(A, B, 1, icmp(8, 0, bytes(12)), ident=k))))
        out.append((T0 + k * GAP + 20e-6, ether(ipv4(B, A, 1, icmp(0, 0, bytes(12)), ident=k))))
    return out


def _syns(n: int) -> list[tuple[float, bytes]]:
    """SYNs to port 80 from one client's successive ports, each refused by a RST."""
    out = []
    for k in range(n):
        out.append((T0 + k * GAP, ether(ipv4(A, B, 6, tcp(30000 + k, 80, 0x02)))))
        out.append((T0 + k * GAP + 10e-6, ether(ipv4(B, A, 6, tcp(80, 30000 + k, 0x14)))))
    return out


def _datagrams(n: int) -> list[tuple[float, bytes]]:
    """UDP to a port of its own each, never answered (a port-based parser's test)."""
    return [(T0 + k * GAP, ether(ipv4(A, B, 17, udp(40000 + k % 500, 1000 + k, bytes(40)))))
            for k in range(n)]  # fmt: skip


def _fragments(n: int) -> list[tuple[float, bytes]]:
    """Datagrams of five overlapping fragments each (a reassembly test)."""
    out = []
    for k in range(n):
        more = 0x2000 if k % 5 < 4 else 0
        out.append((T0 + k * GAP, ether(ipv4(A, B, 17, bytes(24), ident=100 + k // 5, flags_frag=more | 2 * (k % 5)))))  # fmt: skip
    return out


def _extension_headers(n: int) -> list[tuple[float, bytes]]:
    """IPv6 UDP datagrams behind a hop-by-hop header (a decoder test)."""
    hop_by_hop = bytes([17, 0]) + bytes(6)
    return [(T0 + k * GAP, ether(ipv6(A6, B6, 0, hop_by_hop + udp(1000, 2000, bytes(8))), 0x86DD))
            for k in range(n)]  # fmt: skip


SHAPES = [  # (frames, the flood they make at a snippet's size, its target)
    (_pings, "icmp_flood", B),
    (_syns, "syn_flood", B),
    (_datagrams, "udp_flood", B),
    (_fragments, "ip_fragment_flood", B),
    (_extension_headers, "ipv6_extension_header_flood", "2001:db8::2"),
]


@pytest.mark.parametrize(("frames", "vector", "target"), SHAPES, ids=[s[1] for s in SHAPES])
def test_a_crafted_test_capture_is_no_attack(tmp_path, frames, vector, target) -> None:
    path = tmp_path / "crafted.pcap"
    path.write_bytes(pcap(frames(50)))  # 50 in 5 ms: at 20 packets a pair, each was a flood
    report = wb.analyze(wb.load(path))
    assert not report.vectors and all(p["kind"] == "baseline" for p in report.phases)


@pytest.mark.parametrize(("frames", "vector", "target"), SHAPES, ids=[s[1] for s in SHAPES])
def test_the_same_shape_at_a_snippets_size_is_a_flood(tmp_path, frames, vector, target) -> None:
    path = tmp_path / "snippet.pcap"
    path.write_bytes(pcap(frames(500)))  # 500 in 50 ms: a flood's snippet
    report = wb.analyze(wb.load(path))
    assert [(v.vector, [str(t) for t in v.targets]) for v in report.vectors] == [(vector, [target])]
