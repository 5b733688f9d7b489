"""A tunnel's protocol (GRE, ESP, 6in4) from a few peers to a target the capture never sees
sending is the far end of the target's tunnels, seen one way (a scrubbing service's GRE
delivering clean traffic back, a branch office's IPsec): no flood, whatever its rate. A GRE
flood comes from a botnet (Mirai's greip and greeth). A target seen sending is judged as
before, and so are a few hosts' random protocols (no tunnel carries dozens); the price: a
tunnel-protocol flood from fewer than 20 hosts at a silent target is missed."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, ipv6, pcap, udp

T0 = 1_700_000_000.0
ROUTER = "10.0.0.7"


def _gre(k: int) -> bytes:
    inner = ipv4("172.16.0.1", "172.16.1.1", 6, struct.pack("!HHII", 443, 50000 + k % 50, k, 0) + b"\x50\x10\xff\xff" + bytes(4) + b"d" * 1200)  # fmt: skip
    return struct.pack("!HH", 0, 0x0800) + inner


def _six_in_four(k: int) -> bytes:
    src, dst = bytes.fromhex("20010db8" + "00" * 11 + "01"), bytes.fromhex("20010db80001" + "00" * 9 + "02")  # fmt: skip
    return ipv6(src, dst, 17, udp(443, 50000 + k % 50, b"q" * 1200))


def _esp(k: int) -> bytes:
    return struct.pack("!II", 0x1000, k + 1) + b"e" * 1200


PROTOCOLS = {"gre": (47, _gre), "6in4": (41, _six_in_four), "esp": (50, _esp)}


def _tunnel(kind: str, peers: int = 1, *, back: bool = False, talks: bool = False,
            rate: int = 5000) -> list[tuple[float, bytes]]:  # fmt: skip
    """``rate`` packets a second of ``kind`` from ``peers`` to the router for 20 s of a 40 s
    capture; ``back``: the router sends the same back to each peer; ``talks``: the router
    sends other traffic (a DNS question a second)."""
    proto, payload = PROTOCOLS[kind]
    frames = []
    for k in range(rate * 20):
        t, peer = T0 + 10 + k / rate, f"192.0.2.{k % peers + 1}"
        frames.append((t, ether(ipv4(peer, ROUTER, proto, payload(k)))))
        if back and k % 2 == 0:
            frames.append((t + 1e-4, ether(ipv4(ROUTER, peer, proto, payload(k)))))
    if talks:
        frames += [(T0 + s, ether(ipv4(ROUTER, "10.0.0.53", 17, udp(40000 + s, 53, b"\x12\x34" + bytes(30)))))
                   for s in range(40)]  # fmt: skip
    frames.append((T0, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"a")))))
    frames.append((T0 + 40, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"z")))))
    return frames


def _report(path: Path, frames: list):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path, progress=False), progress=False)


@pytest.mark.parametrize("kind", list(PROTOCOLS))
def test_a_tunnels_far_end_seen_one_way_is_no_flood(tmp_path, kind) -> None:
    report = _report(tmp_path / "tunnel.pcap", _tunnel(kind))
    assert _vectors(report) == []
    [held] = report.held_back
    assert held.held_back_by == "min_sources_flood" and held.figure == 1
    assert "the far end of tunnels it runs" in held.reason, held.reason


def test_both_ways_it_is_answered(tmp_path) -> None:
    assert _vectors(_report(tmp_path / "both.pcap", _tunnel("gre", back=True))) == []


@pytest.mark.parametrize("kind", ["gre", "6in4"])
def test_a_botnets_flood_seen_one_way_is_found(tmp_path, kind) -> None:
    vector = "gre_flood" if kind == "gre" else "ip_protocol_flood"
    assert _vectors(_report(tmp_path / "bots.pcap", _tunnel(kind, peers=30))) == [
        (vector, [ROUTER])
    ]


def test_a_target_seen_sending_is_judged_by_its_rate(tmp_path) -> None:
    """The router talks, but never GRE back to that peer: one host's 5,000 GRE packets a second
    over its quiet baseline are a flood."""
    report = _report(tmp_path / "talks.pcap", _tunnel("gre", talks=True))
    assert _vectors(report) == [("gre_flood", [ROUTER])]


def test_a_few_hosts_random_protocols_are_no_tunnel(tmp_path) -> None:
    """A tunnel carries one protocol or two: 5 hosts' 3,000 packets a second of 252 random
    protocols to a silent target stay a flood (held back as a tunnel before this was asked)."""
    protocols = [p for p in range(256) if p not in (1, 6, 17, 47)]
    frames = [(T0 + 5 + k / 3000, ether(ipv4(f"192.0.2.{k % 5 + 1}", ROUTER, protocols[k * 7 % 252], b"r" * 40)))
              for k in range(3000 * 15)]  # fmt: skip
    frames.append((T0 + 30, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"z")))))
    assert _vectors(_report(tmp_path / "random.pcap", frames)) == [("ip_protocol_flood", [ROUTER])]


def test_the_price_a_few_hosts_flood_at_a_silent_target(tmp_path) -> None:
    assert _vectors(_report(tmp_path / "few.pcap", _tunnel("gre", peers=5))) == []


def test_the_synthesized_scenarios(tmp_path) -> None:
    """GRE and ESP tunnels seen one way: clean, in memory and over a dataset's windows (a GRE
    flood and an IP protocol flood before); a botnet's GRE flood seen one way: found."""
    report, _, _ = in_memory(tmp_path, "one-way-tunnels", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "one-way-tunnels", window_packets=50_000, scale=0.2)
    assert _vectors(report) == []
    report, recall, precision = in_memory(tmp_path, "one-way-gre-flood", "gre_flood", seed=11,
                                          scale=0.2)  # fmt: skip
    assert _vectors(report) == [("gre_flood", ["203.0.113.1"])]
    assert recall >= 0.99 and precision >= 0.99
