"""A stream of messages is no request held open. Hosts that send a collector metrics over TCP
(Graphite's plaintext lines on 2003, one every 10 s on a connection opened before the capture,
acknowledged and never answered: the protocol has no reply) look like slowloris where a line is
short: a tiny segment after a silence, the server waiting. But a slow request, once it dribbles,
sends nothing longer than a header line (``slow_dribble_max_bytes``: 128, a 64-byte line in a
TLS record), where a message stream goes on with longer lines among its short ones. 25 hosts'
streams were slow HTTP. The price: a slow client that sends a longer piece after its trickles
began is missed (no slowloris tool does)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
COLLECTOR = "10.0.8.7"
PSH_ACK, ACK = 0x18, 0x10
NO_DRIBBLE_TEST = AnalysisConfig(slow_dribble_max_bytes=65_535)


def _streams(sizes: list[int], hosts: int = 25, period: float = 10.0, seconds: int = 60):
    """``hosts`` connections open before the capture, each sending a line of one of ``sizes``
    every ``period`` seconds to the collector's 2003, each acknowledged."""
    rng = random.Random(3)
    frames = []
    for h in range(hosts):
        at = T0 + rng.uniform(0, period)
        while at < T0 + seconds:
            line = tcp(40_000 + h, 2003, PSH_ACK, bytes(rng.choice(sizes)))
            frames.append((at, ether(ipv4(f"10.0.10.{10 + h}", COLLECTOR, 6, line))))
            frames.append((at + 0.001, ether(ipv4(COLLECTOR, f"10.0.10.{10 + h}", 6, tcp(2003, 40_000 + h, ACK)))))  # fmt: skip
            at += period + rng.uniform(-0.3, 0.3)
    return frames


def _report(path: Path, frames, config: AnalysisConfig | None = None):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path), config=config or AnalysisConfig())


def test_metric_lines_are_no_slow_request(tmp_path) -> None:
    """Lines of 52-230 bytes: clean; judged without the dribble's limit, slow HTTP."""
    frames = _streams([52, 58, 61, 140, 230])
    assert _vectors(_report(tmp_path / "g.pcap", frames)) == []
    assert _vectors(_report(tmp_path / "g.pcap", frames, NO_DRIBBLE_TEST)) == [("slow_http", [COLLECTOR])]  # fmt: skip


def test_the_price_and_what_stays(tmp_path) -> None:
    """The same streams with nothing longer than 64 bytes (a tiny message's every line: 28-47
    bytes, as QoS-0 MQTT publishes) are slowloris-shaped and stay slow HTTP: once it dribbles,
    nothing tells them apart. A slow client that sends one longer piece among its trickles is
    missed."""
    assert _vectors(_report(tmp_path / "m.pcap", _streams([28, 34, 41, 47]))) == [("slow_http", [COLLECTOR])]  # fmt: skip
    assert _vectors(_report(tmp_path / "p.pcap", _streams([28, 34, 41, 47, 200]))) == []


def test_the_synthesized_scenario(tmp_path) -> None:
    """The Graphite streams stay clean (slow HTTP before, at every seed and scale tried), in
    memory and over a dataset's windows; the slow HTTPS scenario is still found."""
    report, _, _ = in_memory(tmp_path, "graphite-streams", seed=11, scale=0.2)
    assert _vectors(report) == []
    path = tmp_path / "graphite-streams.pcap"
    old = wb.analyze(wb.load(path), config=NO_DRIBBLE_TEST)
    assert _vectors(old) == [("slow_http", ["203.0.113.65"])]
    report, _, _ = over_windows(tmp_path, "graphite-streams", window_packets=500, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = in_memory(tmp_path, "slow-https", seed=11, scale=0.2)
    assert _vectors(report) == [("slow_http", ["203.0.113.80"])]
