"""A prefix's flood (carpet bombing) is a crowd's: bots or reflectors spread it over every
address. A monitoring host measuring the latency of every address of a /24 as smokeping does
with fping (a round of 20 pings to each of 250 hosts, one a second to each, every minute: 250
pings a second) was an ICMP flood on the /24. At the prefix key, each bin is judged without its
busiest sender, whose share is judged on the hosts it hits. The price: one host spreading a
flood over a /24 so thinly that no host of it takes a flood is missed."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap, udp

T0 = 1_700_000_000.0
MONITOR = "10.0.0.9"


def _host(h: int) -> str:
    return f"172.20.0.{h + 1}"


def _ping(t: float, src: str, dst: str, seq: int, *, answered: bool = True) -> list:
    echo = struct.pack("!HH", 7, seq & 0xFFFF) + b"a" * 56
    frames = [(t, ether(ipv4(src, dst, 1, icmp(8, 0, echo))))]
    if answered:
        frames.append((t + 0.002, ether(ipv4(dst, src, 1, icmp(0, 0, echo)))))
    return frames


def _rounds(hosts: int = 250, senders: tuple[str, ...] = (MONITOR,), rounds: int = 3) -> list:
    """Every 60 s, 20 pings to each of ``hosts`` addresses, one a second to each, the hosts
    interleaved; from ``senders`` in turn."""
    frames = []
    for r in range(rounds):
        for k in range(20):
            for h in range(hosts):
                src = senders[(k * hosts + h) % len(senders)]
                frames += _ping(T0 + 60 * r + k + h / hosts, src, _host(h), k)
    return frames


def _report(path: Path, frames: list, config: AnalysisConfig | None = None):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path, progress=False), config=config or AnalysisConfig(),
                      progress=False)  # fmt: skip


def test_a_monitor_pinging_every_address_is_no_flood(tmp_path) -> None:
    assert _vectors(_report(tmp_path / "smokeping.pcap", _rounds())) == []


def test_amid_the_internets_pings_too(tmp_path) -> None:
    """Three scanners ping a host of the /24 now and then (0.3 a second each): 3 sources in the
    round's bins, but no crowd's flood without the monitor."""
    background = []
    for s in range(3):
        for k in range(54):
            background += _ping(T0 + k * 3.3 + s, f"192.0.2.{s + 1}", _host(k * 7 % 250), k, answered=False)  # fmt: skip
    assert _vectors(_report(tmp_path / "internet.pcap", _rounds() + background)) == []


def test_a_crowds_ping_flood_on_every_address_is_found(tmp_path) -> None:
    """The same rounds from 50 bots (no host of them pinging a host more than once a round):
    carpet bombing, found on the /24."""
    bots = tuple(f"198.18.0.{k + 1}" for k in range(50))
    assert _vectors(_report(tmp_path / "carpet.pcap", _rounds(senders=bots))) == [
        ("icmp_flood", ["172.20.0.0/24"])
    ]


def test_the_price_one_host_spreading_a_flood_thin(tmp_path) -> None:
    """One host's 1,500 datagrams a second over a /24's 250 addresses (6 a second to each) for
    30 s: a UDP flood on the /24 before, missed now (each host's 6 a second is no flood)."""
    frames = [(T0 + k / 1500, ether(ipv4("198.18.1.1", _host(k % 250), 17, udp(1024 + k % 60000, 9999, b"x" * 512))))
              for k in range(1500 * 30)]  # fmt: skip
    frames.append((T0 + 60, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"z")))))
    assert _vectors(_report(tmp_path / "thin.pcap", frames)) == []


def test_the_synthesized_scenario(tmp_path) -> None:
    """Clean in memory and over a dataset's windows; an ICMP flood on the /24 before."""
    report, _, _ = in_memory(tmp_path, "prefix-monitoring", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "prefix-monitoring", window_packets=10_000, scale=0.2)
    assert _vectors(report) == []
