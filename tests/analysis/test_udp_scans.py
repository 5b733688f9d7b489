"""A UDP port scan is no random-port flood as a whole: from fewer than ``min_sources_flood`` hosts,
at ``scan_datagrams_per_port_max`` (3) datagrams a port or fewer (nmap -sU probes each port once,
and again those left unanswered), UDP to many ports is judged by its rate, as any flood from a
few hosts is. A slow nmap -sU of 1,000 ports was a UDP flood. So is the internet's scanners'
from a crowd, each datagram a service's question (``scan_probe_payload_max``: 150 bytes on
average): 100 scanners' 300 questions in a minute were a UDP flood."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
SCANNER, HOST = "198.51.100.9", "203.0.113.10"


def _capture(path: Path, datagrams: list[tuple[str, int, int, int]], seconds: float) -> Path:
    """``datagrams`` (source, source port, destination port, payload bytes) to the host, spread
    evenly over ``seconds``."""
    gap = seconds / len(datagrams)
    frames = [(T0 + k * gap, ether(ipv4(src, HOST, 17, udp(sport, dport, bytes(size)))))
              for k, (src, sport, dport, size) in enumerate(datagrams)]  # fmt: skip
    path.write_bytes(pcap(frames))
    return path


def _public(rng: random.Random) -> str:
    """A random IPv4 address, its first byte 11-200 (as drawn by the scanners of these tests)."""
    a, b, c, d = rng.randint(11, 200), rng.randint(0, 255), rng.randint(0, 255), rng.randint(1, 254)
    return f"{a}.{b}.{c}.{d}"


def _ports(n: int, seed: int = 3) -> list[int]:
    return random.Random(seed).sample(range(1, 65536), n)


def test_a_slow_udp_scan_is_no_flood(tmp_path) -> None:
    # 1,000 ports probed once and 300 of them again, 65 a second
    ports = _ports(1000)
    probes = [(SCANNER, 51234, p, 0) for p in ports + ports[:300]]
    report = wb.analyze(wb.load(_capture(tmp_path / "scan.pcap", probes, 20.0)))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "udp_flood"]
    assert held.held_back_by.endswith("flood_pps_other")


def test_a_port_sweep_at_flood_rate_is_a_flood(tmp_path) -> None:
    # hping3 --udp sweeping ports at 10,000 a second: each port once, but at a flood's rate
    sweep = [(SCANNER, 40000 + k % 1000, k % 65535 + 1, 0) for k in range(20_000)]
    report = wb.analyze(wb.load(_capture(tmp_path / "sweep.pcap", sweep, 2.0)))
    assert _vectors(report) == [("udp_flood", [HOST])]


def test_a_crowd_or_repeats_on_random_ports_is_a_flood_at_any_rate(tmp_path) -> None:
    rng = random.Random(4)
    bots = [f"192.0.2.{n}" for n in range(1, 41)]
    # 40 hosts, 300 datagrams a second on random ports: a crowd
    crowd = [
        (rng.choice(bots), rng.randint(1024, 65535), rng.randint(1, 65535), 512)
        for _ in range(3000)
    ]
    assert _vectors(wb.analyze(wb.load(_capture(tmp_path / "crowd.pcap", crowd, 10.0)))) == [
        ("udp_flood", [HOST])
    ]
    # one host, 300 a second on 100 ports: 30 a port, no scan
    ports = _ports(100)
    repeats = [(SCANNER, 40000, ports[k % 100], 512) for k in range(3000)]
    assert _vectors(wb.analyze(wb.load(_capture(tmp_path / "repeats.pcap", repeats, 10.0)))) == [
        ("udp_flood", [HOST])
    ]


# the services the internet's scanners look for, and the size of each one's question
QUESTIONS = {53: 29, 123: 48, 161: 40, 1900: 94, 11211: 15, 389: 52, 19: 1, 5060: 0, 3702: 0}


def test_a_crowd_of_scanners_asking_for_services_is_no_flood(tmp_path) -> None:
    # 100 scanners, 300 datagrams in a minute: 60 % a service's question, the rest empty on
    # random ports (120 ports, 2.5 a port)
    rng = random.Random(6)
    hosts = [_public(rng) for _ in range(100)]
    probes = []
    for _ in range(300):
        port = rng.choice(list(QUESTIONS)) if rng.random() < 0.6 else rng.randint(1, 65535)
        probes.append((rng.choice(hosts), rng.randint(32768, 60999), port, QUESTIONS.get(port, 0)))
    report = wb.analyze(wb.load(_capture(tmp_path / "scanners.pcap", probes, 60.0)))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "udp_flood"]
    assert held.held_back_by.endswith("flood_pps_other")
    # the same crowd carrying a flood's bulk (512 bytes each): a flood at any rate
    bulk = [(src, sport, port, 512) for src, sport, port, _ in probes]
    assert _vectors(wb.analyze(wb.load(_capture(tmp_path / "bulk.pcap", bulk, 60.0)))) == [
        ("udp_flood", [HOST])
    ]


def test_small_datagrams_from_a_spoofed_crowd_at_flood_rate_are_a_flood(tmp_path) -> None:
    # 10,000 spoofed sources, a 32-byte datagram each to a random port, 5,000 a second
    rng = random.Random(8)
    spray = [(_public(rng), rng.randint(1024, 65535), rng.randint(1, 65535), 32)
             for _ in range(10_000)]  # fmt: skip
    report = wb.analyze(wb.load(_capture(tmp_path / "spray.pcap", spray, 2.0)))
    assert _vectors(report) == [("udp_flood", [HOST])]
    # the price (README): the same spray at 300 a second, in a capture that is all attack
    slow = wb.analyze(wb.load(_capture(tmp_path / "slow.pcap", spray[:3000], 10.0)))
    assert _vectors(slow) == []


def test_the_scenario(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "udp-port-scan")
    assert _vectors(clean) == []
