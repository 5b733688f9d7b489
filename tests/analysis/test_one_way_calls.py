"""A call's media captured one way is no flood: UDP from a server's port below the ephemeral
ranges (a video call's 8801, OpenVPN's 1194) to a client's port, at a target never seen
sending, is the server's side of a stream; and flow by flow, so a flood on the same host does
not make the call's flow a flood. A crowd flooding from sockets of that shape is found."""

from __future__ import annotations

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

CLIENT = "203.0.113.150"
START = 1_650_000_000 * 10**9


def _flow(src: str, sport: int, dport: int, *, rate: int, start_s: int, seconds: int,
          size: int = 1100) -> list[tuple]:  # fmt: skip
    gap = 10**9 // rate
    first = START + start_s * 10**9
    return [(first + k * gap, src, sport, CLIENT, dport, size) for k in range(rate * seconds)]


def _call(sport: int = 8801) -> list[tuple]:
    # 20 s of a little DNS, then 40 s of a call's media at 1,500 datagrams/s on one flow
    quiet = [(START + k * 10**9, "192.0.2.53", 53, CLIENT, 40000 + k, 90) for k in range(20)]
    return quiet + _flow("170.114.10.20", sport, 51000, rate=1500, start_s=20, seconds=40)


def test_a_call_captured_one_way_is_no_flood(tmp_path) -> None:
    path = tmp_path / "call.pcap"
    udp_pcap(path, sorted(_call()))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == []
    # a system port only (1-1023), as before: a flood
    before = wb.analyze(capture, config=AnalysisConfig(stream_server_port_max=1023))
    assert _vectors(before) == [("udp_flood", [CLIENT])]


def test_a_server_port_in_the_ephemeral_range_is_no_stream(tmp_path) -> None:
    # WireGuard's 51820: no server's port by its number (the price)
    path = tmp_path / "wireguard.pcap"
    udp_pcap(path, sorted(_call(sport=51820)))
    assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [CLIENT])]


def test_a_crowd_each_on_one_socket_is_a_flood(tmp_path) -> None:
    # 40 bots, each flooding from one socket of a server's shape (LOIC keeps one per thread)
    bots = [t for b in range(40)
            for t in _flow(f"198.51.100.{10 + b}", 2000 + b, 51000, rate=50, start_s=25, seconds=20)]  # fmt: skip
    path = tmp_path / "crowd.pcap"
    udp_pcap(path, sorted(_call() + bots))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", [CLIENT])]


def test_a_flood_on_the_caller_leaves_the_call_alone(tmp_path) -> None:
    flood = [(START + 30 * 10**9 + k * 250_000, f"198.51.{k % 200}.{1 + k % 250}", 1025 + k % 3976,
              CLIENT, 51000, 512) for k in range(80_000)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    udp_pcap(path, sorted(_call() + flood))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", [CLIENT])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "udp_flood")
    assert labelled.height >= 0.95 * len(flood)
    assert labelled.filter(pl.col("sport") == 8801).is_empty()


def test_call_scenarios_and_their_windows(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "one-way-video-call")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "one-way-flood-from-a-call-port", "udp_flood")
    assert _vectors(found) == [("udp_flood", [CLIENT])]
    assert recall >= 0.95 and precision >= 0.95
    clean, *_ = over_windows(tmp_path, "one-way-video-call", window_packets=10_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "one-way-flood-from-a-call-port", window_packets=20_000)
    assert _vectors(found) == [("udp_flood", [CLIENT])]
