"""A collector's senders flush at once. collectd and Telegraf send each interval's metrics on the
same tick of clocks NTP keeps in step (20 hosts' 140 datagrams within a tenth of a second, every
10 s), and one server in trouble logs hundreds of lines a second for a few seconds: each was a
jump over the collector's own rate (near nothing between the ticks), a UDP flood. A jump at a
collector is a flood only from 1,000 datagrams a second (``collector_jump_min_pps``), and
InfluxDB's UDP listener (8089, where Telegraf sends line protocol) is a collector's port. The
price: a flood at a collector under 1,000 a second is missed."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
COLLECTOR = "10.0.5.10"
OLD_FLOOR = AnalysisConfig(collector_jump_min_pps=20.0)  # a collector's jump as any target's


def _collector_talks() -> list[tuple[float, bytes]]:
    """The collector's own DNS lookups, answered: it is seen sending."""
    frames = []
    for s in range(0, 60, 5):
        frames.append((T0 + s + 0.3, ether(ipv4(COLLECTOR, "10.0.0.53", 17, udp(41_000 + s, 53, bytes(30))))))  # fmt: skip
        frames.append((T0 + s + 0.31, ether(ipv4("10.0.0.53", COLLECTOR, 17, udp(53, 41_000 + s, bytes(60))))))  # fmt: skip
    return frames


def _flushes(port: int, hosts: int = 20, per: int = 7, seconds: int = 60, seed: int = 1):
    """``hosts`` hosts each send ``per`` datagrams of 900-1,400 bytes every 10 s, all within a
    tenth of a second of the same tick, to ``port``; each host's own source port."""
    rng = random.Random(seed)
    frames = []
    for tick in range(3, seconds, 10):
        for h in range(hosts):
            for _ in range(per):
                size = rng.randint(900, 1400)
                data = udp(40_000 + h, port, bytes(size))
                frames.append((T0 + tick + rng.random() * 0.1, ether(ipv4(f"10.0.6.{10 + h}", COLLECTOR, 17, data))))  # fmt: skip
    return frames


def _syslog(rate: float, start: float, seconds: float, src: str = "10.0.7.5"):
    """One server's syslog lines (514 to 514) at ``rate`` a second."""
    line = b"<134>Dec  2 03:14:14 web14 app[77]: request failed: upstream timed out"
    n = int(rate * seconds)
    return [(T0 + start + k / rate, ether(ipv4(src, COLLECTOR, 17, udp(514, 514, line)))) for k in range(n)]  # fmt: skip


def _flood(rate: float, start: float, seconds: float, port: int = 25826, bots: int = 200):
    """A botnet's datagrams to the collector's ``port``, ``rate`` a second."""
    n = int(rate * seconds)
    return [(T0 + start + k / rate, ether(ipv4(f"198.18.{k % bots // 250}.{k % bots % 250 + 1}", COLLECTOR, 17, udp(1024 + k % 60_000, port, bytes(200))))) for k in range(n)]  # fmt: skip


def _report(path: Path, frames, config: AnalysisConfig | None = None):
    frames = sorted(frames + _collector_talks(), key=lambda f: f[0])
    path.write_bytes(pcap(frames))
    return wb.analyze(wb.load(path), config=config or AnalysisConfig())


def test_flushes_on_one_tick_are_no_flood(tmp_path) -> None:
    """collectd's flushes (25826) and Telegraf's (InfluxDB's 8089) from 20 hosts are clean;
    with a jump at 20 a second as any target's, both are floods (8089 was no collector's port
    either)."""
    for port in (25826, 8089):
        frames = _flushes(port)
        assert _vectors(_report(tmp_path / f"{port}.pcap", frames)) == []
        old = _report(tmp_path / f"{port}-old.pcap", frames, OLD_FLOOR)
        assert _vectors(old) == [("udp_flood", [COLLECTOR])]


def test_a_servers_syslog_storm_is_no_flood(tmp_path) -> None:
    """One server logging 300 lines a second for 4 s amid 20 others' 2 a second is clean; as
    a jump of one host at 150 a second or more, it was a flood."""
    calm = [f for s in range(20) for f in _syslog(2, 0.05 * s, 60, src=f"10.0.7.{20 + s}")]
    frames = calm + _syslog(300, 30, 4)
    assert _vectors(_report(tmp_path / "storm.pcap", frames)) == []
    assert _vectors(_report(tmp_path / "old.pcap", frames, OLD_FLOOR)) == [("udp_flood", [COLLECTOR])]  # fmt: skip


def test_a_flood_at_a_flushing_collector_is_found(tmp_path) -> None:
    """A botnet's 2,000 datagrams a second for 20 s amid the flushes is a UDP flood; the price:
    at 800 a second it is missed, and held back with the collector's floor in its reason."""
    frames = _flushes(25826) + _flood(2000, 20, 20)
    assert _vectors(_report(tmp_path / "flood.pcap", frames)) == [("udp_flood", [COLLECTOR])]
    report = _report(tmp_path / "slow.pcap", _flushes(25826) + _flood(800, 20, 20))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "udp_flood"]
    assert held.held_back_by == "rate_factor, flood_pps_collector"
    assert "1.0 kpps or more" in held.reason and "flush at once" in held.reason, held.reason


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The collector's flushes and a server's storm stay clean (a UDP flood before); the
    botnet's flood amid them, at 2,000 a second, is found."""
    report, _, _ = in_memory(tmp_path, "collector-flushes", seed=11, scale=0.2)
    assert _vectors(report) == []
    path = tmp_path / "collector-flushes.pcap"
    assert _vectors(wb.analyze(wb.load(path), config=OLD_FLOOR)) == [("udp_flood", ["203.0.113.64"])]  # fmt: skip
    report, recall, precision = in_memory(tmp_path, "flood-on-a-flushing-collector", "udp_flood",
                                          seed=11, scale=0.2)  # fmt: skip
    assert _vectors(report) == [("udp_flood", ["203.0.113.64"])]
    assert recall >= 0.99 and precision >= 0.95


def test_over_a_datasets_windows_too(tmp_path) -> None:
    """Judged over a dataset's windows, the same."""
    report, _, _ = over_windows(tmp_path, "collector-flushes", window_packets=800, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "flood-on-a-flushing-collector", window_packets=10_000,
                                scale=0.2)  # fmt: skip
    assert _vectors(report) == [("udp_flood", ["203.0.113.64"])]
