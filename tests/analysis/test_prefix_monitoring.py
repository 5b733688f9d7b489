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

import pytest
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


def test_three_monitoring_systems_pinging_every_address_are_no_flood(tmp_path) -> None:
    """The same rounds from three monitors in turn (Zabbix, PRTG and LibreNMS pinging every
    address): 3 sources in each bin, a crowd's jump without the busiest, and an ICMP flood on
    the /24 before a crowd's had to hold without its 19 busiest senders."""
    nms = ("10.0.0.9", "10.0.0.10", "10.0.0.11")
    background = []
    for s in range(3):
        for k in range(54):
            background += _ping(T0 + k * 3.3 + s, f"192.0.2.{s + 1}", _host(k * 7 % 250), k, answered=False)  # fmt: skip
    assert _vectors(_report(tmp_path / "three.pcap", _rounds(senders=nms) + background)) == []


def _few(senders: int, rate: float, seconds: int = 15) -> list:
    """Echo requests from ``senders`` hosts in turn over the /24's 250 addresses, ``rate`` a
    second in all, for ``seconds`` of a minute's capture."""
    frames = [(T0 + 20 + k / rate, ether(ipv4(f"198.18.2.{k % senders + 1}", _host(k % 250), 1, icmp(8, 0, bytes(56)))))
              for k in range(int(rate * seconds))]  # fmt: skip
    return [*_ping(T0, MONITOR, _host(0), 0), *frames, *_ping(T0 + 60, MONITOR, _host(0), 1)]


def test_a_few_hosts_flooding_a_prefix_at_a_floods_rate_are_found(tmp_path) -> None:
    """10 hosts' 2,000 pings a second over the /24: no crowd, yet above ICMP's flood rate
    without the busiest of them (1,800 a second)."""
    assert _vectors(_report(tmp_path / "ten.pcap", _few(10, 2000))) == [("icmp_flood", ["172.20.0.0/24"])]  # fmt: skip


def test_the_price_a_few_hosts_spreading_a_flood_thin(tmp_path) -> None:
    """10 hosts' 400 pings a second over the /24 (under 2 a second to each address) for 15 s:
    a crowd's jump over the prefix's quiet baseline before, missed now (fewer than 20
    senders, under ICMP's 500 a second)."""
    assert _vectors(_report(tmp_path / "thin-ten.pcap", _few(10, 400))) == []


def test_the_price_one_host_spreading_a_flood_thin(tmp_path) -> None:
    """One host's 1,500 datagrams a second over a /24's 250 addresses (6 a second to each) for
    30 s: a UDP flood on the /24 before, missed now (each host's 6 a second is no flood)."""
    frames = [(T0 + k / 1500, ether(ipv4("198.18.1.1", _host(k % 250), 17, udp(1024 + k % 60000, 9999, b"x" * 512))))
              for k in range(1500 * 30)]  # fmt: skip
    frames.append((T0 + 60, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"z")))))
    assert _vectors(_report(tmp_path / "thin.pcap", frames)) == []


@pytest.mark.parametrize("name", ["prefix-monitoring", "prefix-monitoring-three-systems"])
def test_the_synthesized_scenarios(tmp_path, name) -> None:
    """Clean in memory and over a dataset's windows; an ICMP flood on the /24 before."""
    report, _, _ = in_memory(tmp_path, name, seed=11, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, name, window_packets=5_000, scale=0.2)
    assert _vectors(report) == []
