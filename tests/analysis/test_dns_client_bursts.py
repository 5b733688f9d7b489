"""One client's burst of DNS lookups is no water torture. A browser resolves a page's hosts at
once (A, AAAA and HTTPS for each: a few hundred queries in a second), nmap resolves the names of
the hosts it swept: 8x the resolver's usual rate for a second or two, from one host. Two rules
keep that apart from a flood:

- a jump from one or two hosts is a DNS flood only from 1,000 queries a second
  (``single_source_dns_jump_pps``; one host's query flood runs at 5,000 and up);
- a crowd's jump is one without the bin's busiest source: the other clients' usual queries in
  the same bin made the burst a crowd's.

The burst was ``dns_water_torture`` before, alone and amid other clients; the prices: one host's
query flood under 1,000 a second is missed."""

from __future__ import annotations

import struct
import sys
from datetime import UTC, datetime
from pathlib import Path

import polars as pl
import pytest
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
RESOLVER = "10.0.0.53"
CLIENT = "10.0.0.5"
OLD_FLOOR = AnalysisConfig(single_source_dns_jump_pps=150.0)  # one host's jump as other kinds'


def _query(k: int, qtype: int = 1) -> bytes:
    name = b"".join(bytes([len(p)]) + p for p in (f"h{k}".encode(), b"example", b"com"))
    header = struct.pack("!HHHHHH", k & 0xFFFF, 0x0100, 1, 0, 0, 0)
    return header + name + b"\0" + struct.pack("!HH", qtype, 1)


def _asked(at: float, src: str, sport: int, k: int) -> list[tuple[float, bytes]]:
    """A query and the resolver's answer 3 ms later."""
    answer = bytearray(_query(k))
    answer[2:4] = b"\x81\x80"
    return [(at, ether(ipv4(src, RESOLVER, 17, udp(sport, 53, _query(k))))),
            (at + 0.003, ether(ipv4(RESOLVER, src, 17, udp(53, sport, bytes(answer)))))]  # fmt: skip


def _steady(clients: int, per_s: float, seconds: float) -> list[tuple[float, bytes]]:
    """``clients`` hosts each asking ``per_s`` queries a second."""
    frames = []
    for c in range(clients):
        for i in range(int(seconds * per_s)):
            frames += _asked(T0 + i / per_s + c * 0.07, f"10.0.1.{c + 1}", 30000 + i, 90000 + i)
    return frames


def _burst(start: float, n: int, seconds: float, src: str = CLIENT) -> list[tuple[float, bytes]]:
    """``n`` queries from ``src`` in ``seconds``, each from a port of its own."""
    frames = []
    for i in range(n):
        frames += _asked(T0 + start + seconds * i / n, src, 20000 + i % 40000, 1000 + i)
    return frames


def _bots(start: float, rate: int, seconds: float, bots: int = 50) -> list[tuple[float, bytes]]:
    frames = []
    for i in range(int(rate * seconds)):
        frames += _asked(
            T0 + start + i / rate, f"172.16.0.{i % bots + 1}", 1024 + i % 60000, 5000 + i
        )
    return frames


def _report(path: Path, frames: list, config: AnalysisConfig | None = None):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path, progress=False), config=config or AnalysisConfig(),
                      progress=False)  # fmt: skip


BURSTS = {
    "a page's 120 lookups in 0.8 s": _burst(5, 120, 0.8),
    "nmap's 256 reverse lookups in 1 s": _burst(5, 256, 1.0),
    "three pages, 4 s apart": _burst(3, 150, 1.0) + _burst(7, 150, 1.0) + _burst(11, 150, 1.0),
}


@pytest.mark.parametrize("burst", list(BURSTS))
def test_one_clients_burst_alone_is_no_flood(tmp_path, burst) -> None:
    """In a 15 s capture (judged in 100 ms bins), the client's only other queries one a second."""
    frames = _steady(1, 1, 14.5) + BURSTS[burst]
    report = _report(tmp_path / "burst.pcap", frames)
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "dns_water_torture"]
    assert held.held_back_by == "rate_factor, flood_pps_dns_few_sources"
    assert "1.0 kpps or more (no client's burst)" in held.reason, held.reason
    flagged = _vectors(_report(tmp_path / "old.pcap", frames, OLD_FLOOR))
    assert flagged == [("dns_water_torture", [RESOLVER])]


@pytest.mark.parametrize("seconds", [14.5, 40.0], ids=["100ms-bins", "1s-bins"])
@pytest.mark.parametrize("burst", list(BURSTS))
def test_one_clients_burst_amid_others_is_no_flood(tmp_path, burst, seconds) -> None:
    """Six other clients' two queries a second each put 3 or more sources in the burst's bins:
    the burst was a crowd's jump, whatever one host's floor."""
    report = _report(tmp_path / "office.pcap", _steady(6, 2, seconds) + BURSTS[burst])
    assert _vectors(report) == []


def test_two_others_in_the_bursts_bins_make_no_crowd(tmp_path) -> None:
    """A quiet resolver (its median 100 ms bin empty): two other clients happen to ask in each
    of the burst's bins. Three sources, but without the busiest the bins hold 2 queries: no
    crowd's flood."""
    frames = _steady(1, 1, 14.5) + _burst(5, 150, 1.0)
    for b in range(10):  # each of the burst's ten 100 ms bins
        for c in (1, 2):
            frames += _asked(
                T0 + 5 + b / 10 + 0.01 * c, f"10.0.2.{c}", 40000 + b, 7000 + 10 * c + b
            )
    assert _vectors(_report(tmp_path / "quiet.pcap", frames)) == []


def test_floods_over_the_resolvers_rate_are_found(tmp_path) -> None:
    """Controls: a botnet's 300 queries a second, and one host's 2,000, each for 5 s over the
    resolver's usual 10 a second (under the 5,000 without a baseline), found amid a client's
    burst; the burst's packets not labelled."""
    office = _steady(5, 2, 20) + _burst(2, 200, 0.8)
    for flood in (_bots(10, 300, 5), _burst(10, 10000, 5.0, src="172.16.9.9")):
        report = _report(tmp_path / "flood.pcap", office + flood)
        assert _vectors(report) == [("dns_water_torture", [RESOLVER])]
        labelled = report.packets.filter(pl.col("vector") == "dns_water_torture")
        assert labelled["ts"].min() >= datetime.fromtimestamp(T0 + 9.0, tz=UTC)
        assert labelled.height >= 0.95 * len(flood) / 2


def test_the_price_one_hosts_flood_under_the_floor(tmp_path) -> None:
    """One host's 800 queries a second over the resolver's usual rate are missed."""
    report = _report(tmp_path / "slow.pcap", _steady(5, 2, 20) + _burst(10, 4000, 5.0, src="172.16.9.9"))  # fmt: skip
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "dns_water_torture"]
    assert held.held_back_by == "rate_factor, flood_pps_dns"  # 6 hosts in all
    assert 780 <= held.figure <= 820
    assert "from one host at 1.0 kpps or more" in held.reason, held.reason


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The workstation's bursts and nmap's lookups stay clean (a flood before, at this seed and
    scale); one host's flood amid them, at 1,200 a second, is found by its jump alone."""
    report, _, _ = in_memory(tmp_path, "dns-client-bursts", seed=11, scale=0.2)
    assert _vectors(report) == []
    path = tmp_path / "dns-client-bursts.pcap"
    old = wb.analyze(wb.load(path), config=OLD_FLOOR)
    assert _vectors(old) == [("dns_water_torture", ["203.0.113.53"])]
    report, recall, precision = in_memory(tmp_path, "dns-flood-amid-client-bursts",
                                          "dns_water_torture", seed=11, scale=0.2)  # fmt: skip
    assert _vectors(report) == [("dns_water_torture", ["203.0.113.53"])]
    assert recall >= 0.99 and precision >= 0.95
    path = tmp_path / "dns-flood-amid-client-bursts.pcap"
    higher = wb.analyze(wb.load(path), config=AnalysisConfig(single_source_dns_jump_pps=2000.0))
    assert _vectors(higher) == []


def test_over_a_datasets_windows_too(tmp_path) -> None:
    """The bursts' bins hold a window's packets each (a bin never spans two windows); the
    flood's windows, its resolver answering none of it, still read as a DNS server's."""
    report, _, _ = over_windows(tmp_path, "dns-client-bursts", window_packets=1_500, scale=0.2)
    assert _vectors(report) == []
    name = "dns-flood-amid-client-bursts"
    report, _, _ = over_windows(tmp_path, name, window_packets=3_000, scale=0.2)
    assert _vectors(report) == [("dns_water_torture", ["203.0.113.53"])]
