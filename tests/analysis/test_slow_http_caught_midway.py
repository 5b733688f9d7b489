"""Slow HTTP in a capture started while the attack holds its connections: each connection's
first segment in it is a header line, seconds in, the line before it and the connection's
opening before the capture. A header line every 10-20 s and a capture of 12 s: few connections
show two, and none was a trickle (a gap after the connection's previous segment), so the
attack was missed. The silence since the capture's start now counts when the server
acknowledges the line (a flood's segment on no connection is reset). And a TCP keep-alive
probe's single octet is no header line: 30 idle pooled connections probed every 10 s were
slow HTTP."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
SERVER = "192.0.2.80"
ACK, PSH_ACK, RST_ACK = 0x10, 0x18, 0x14


def test_a_slowloris_caught_midway_is_slow_http(tmp_path) -> None:
    report, recall, precision = in_memory(tmp_path, "slow-http-caught-midway", "slow_http")
    assert _vectors(report) == [("slow_http", ["203.0.113.80"])]
    assert recall >= 0.9 and precision >= 0.99


def test_pooled_connections_kept_alive_are_no_slow_http(tmp_path) -> None:
    report, *_ = in_memory(tmp_path, "keepalive-probed-connections")
    assert _vectors(report) == []


def _lines(path: Path, answer: int, size: int = 20, first_at: float = 1.5, seen: bool = False) -> Path:  # fmt: skip
    """40 clients' connections to port 80 open before the capture: each one's first segment in
    it a ``size``-byte line from ``first_at`` s on, the server's next packet ``answer`` (a bare
    ACK, or a RST); ``seen``: each client's bare ACK on it at 0.2 s first. The capture starts
    with an unrelated packet at 0."""
    frames = [(T0, ether(ipv4("198.51.100.9", "198.51.100.10", 6, tcp(5000, 443, ACK))))]
    for k in range(40):
        client, t = f"203.0.113.{k + 1}", T0 + first_at + k * 0.02
        if seen:
            ack = ether(ipv4(client, SERVER, 6, tcp(41000 + k, 80, ACK)))
            frames.append((T0 + 0.2 + k * 0.001, ack))
        frames.append((t, ether(ipv4(client, SERVER, 6, tcp(41000 + k, 80, PSH_ACK, bytes(size))))))
        frames.append((t + 0.001, ether(ipv4(SERVER, client, 6, tcp(80, 41000 + k, answer)))))
    path.write_bytes(pcap(frames))
    return path


def test_a_line_the_server_acknowledges_after_a_silence_is_a_trickle(tmp_path) -> None:
    assert _vectors(wb.analyze(wb.load(_lines(tmp_path / "acked.pcap", ACK)))) == [
        ("slow_http", [SERVER])
    ]


@pytest.mark.parametrize(
    "answer, size, first_at, seen",
    [
        (RST_ACK, 20, 1.5, False),  # the server resets it: a segment on no connection
        (ACK, 1, 1.5, False),  # a keep-alive probe's octet
        (ACK, 20, 0.3, False),  # too soon after the capture began to tell a silence
        (ACK, 200, 1.5, False),  # larger than a header line
        (ACK, 20, 1.5, True),  # the client was on the connection 1.3 s before: no first segment
    ],
)
def test_what_tells_no_silence_is_no_trickle(tmp_path, answer, size, first_at, seen) -> None:
    path = _lines(tmp_path / "not.pcap", answer, size, first_at, seen)
    assert "slow_http" not in [v for v, _ in _vectors(wb.analyze(wb.load(path)))]


def test_real_slowloris_captures_cut_short_or_started_late(shared_captures) -> None:
    # slowloris_go holds 300 connections, a header line about every 14 s: its first quarter
    # (11 s) and middle half (18 s) show each connection's line once at most
    path = shared_captures / "joamontesgi__flask_app_tesis__slowloris_go.pcap"
    if not path.is_file():
        pytest.skip(f"{path.name} not found")
    packets = wb.load(path).packets
    quarter = packets.height // 4
    for part in (packets.head(quarter), packets.slice(quarter, 2 * quarter)):
        found = _vectors(wb.analyze(part))
        assert ("slow_http", ["192.168.1.3"]) in found, found
