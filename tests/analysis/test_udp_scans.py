"""A UDP port scan is no random-port flood as a whole: from fewer than ``min_sources_flood`` hosts,
at ``scan_datagrams_per_port_max`` (3) datagrams a port or fewer (nmap -sU probes each port once,
and again those left unanswered), UDP to many ports is judged by its rate, as any flood from a
few hosts is. A slow nmap -sU of 1,000 ports was a UDP flood."""

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


def test_the_scenario(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "udp-port-scan")
    assert _vectors(clean) == []
