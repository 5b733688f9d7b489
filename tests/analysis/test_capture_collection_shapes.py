"""Attacks shaped as public DDoS capture collections describe theirs: one way (only what reaches
the target), at least 99 % attack, anonymised to one destination. Built here from those
descriptions (reflectors, ports, sizes, flags), five seconds each; each must be named with its
target. The kinds no rule took before (a random protocol field, a UDP null flood) are in
``test_ip_protocol_floods.py``."""

from __future__ import annotations

import random
import struct
import sys
from pathlib import Path

import pytest
from scenario_windows import vectors_of

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap, tcp, udp

T0 = 1_650_000_000.0
VICTIM = "10.10.10.10"


def _host(rng: random.Random) -> str:
    return (
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _datagram(src: str, sport: int, dport: int, size: int, ident: int) -> list[bytes]:
    """A UDP datagram of ``size`` payload bytes to the victim, in IPv4 fragments past 1,500."""
    data = udp(sport, dport, bytes(size))
    if len(data) <= 1480:
        return [ipv4(src, VICTIM, 17, data, ident=ident, flags_frag=0)]
    return [ipv4(src, VICTIM, 17, data[off : off + 1480], ident=ident,
                 flags_frag=(0x2000 if off + 1480 < len(data) else 0) | off // 8)
            for off in range(0, len(data), 1480)]  # fmt: skip


def _reflection(rng, reflectors: int, sport: int, sizes, n: int) -> list[bytes]:
    hosts = [_host(rng) for _ in range(reflectors)]
    out: list[bytes] = []
    while len(out) < n:
        out += _datagram(rng.choice(hosts), sport, rng.randint(1024, 65535), rng.choice(sizes),
                         rng.randint(0, 65535))  # fmt: skip
    return out[:n]


def _dominate(rng, n: int) -> list[bytes]:
    """SYNs with ECE and CWR set, and RSTs, from spoofed sources to one port, seq and ack 0."""
    return [ipv4(_host(rng), VICTIM, 6, tcp(rng.randint(1024, 65535), 30120,
                                            0xC2 if rng.random() < 0.7 else 0x04))
            for _ in range(n)]  # fmt: skip


def _fragmented(rng, n: int) -> list[bytes]:
    """UDP datagrams of 2,900 bytes from 41 hosts, every one in fragments."""
    hosts = [_host(rng) for _ in range(41)]
    out: list[bytes] = []
    while len(out) < n:
        out += _datagram(rng.choice(hosts), rng.randint(1024, 65535), rng.randint(1, 65535), 2900,
                         rng.randint(0, 65535))  # fmt: skip
    return out[:n]


def _large_echoes(rng, n: int) -> list[bytes]:
    """Echo requests of 100-1,472 zero bytes, nearly one per spoofed source."""
    return [ipv4(_host(rng), VICTIM, 1, icmp(8, 0, struct.pack("!HH", k, k) + bytes(rng.randint(100, 1468))))
            for k in range(n)]  # fmt: skip


SHAPES = {
    # reflectors' answers from one service port to random ports of the victim
    "ubiquiti discovery (10001)": (lambda r: _reflection(r, 2000, 10001, (180, 220), 10_000), "ubiquiti_amplification"),
    "dhdiscover (37810)": (lambda r: _reflection(r, 1000, 37810, (600, 750, 900), 10_000), "dhdiscover_amplification"),
    "bacnet (47808)": (lambda r: _reflection(r, 800, 47808, (400, 600), 10_000), "bacnet_amplification"),
    "dns any, fragmented": (lambda r: _reflection(r, 79, 53, (1200, 2900, 3900), 12_000), "dns_amplification"),
    "syn with ece and cwr, and rst": (lambda r: _dominate(r, 10_000), "syn_flood"),
    "fragmented udp": (lambda r: _fragmented(r, 20_000), "ip_fragment_flood"),
    "large empty echoes": (lambda r: _large_echoes(r, 10_000), "icmp_flood"),
}  # fmt: skip


@pytest.mark.parametrize("shape", list(SHAPES))
def test_a_collection_shape_is_named_with_its_target(tmp_path, shape: str) -> None:
    make, vector = SHAPES[shape]
    packets = make(random.Random(7))
    gap = 5.0 / len(packets)
    data = pcap([(T0 + k * gap, ether(p)) for k, p in enumerate(packets)])
    found = dict(vectors_of(tmp_path / "shape.pcap", data))
    assert found.get(vector) == [VICTIM], found
