"""A reflection from fewer than ``min_sources_reflection`` reflectors (a lab's amplification:
memcached in containers, one open resolver) is judged by its rate, as a flood from few hosts
is, at a target the capture sees sending; seen one way, it stays held back: a few servers'
answers there are not told from a session the target opened."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pcap_bytes import PCAP_HEADER, _frame

import workbench as wb
from workbench import synth

T0 = 1_700_000_000 * 10**9
TARGET = "203.0.113.10"
REFLECTORS = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]


def _udp(ts: int, src: str, sport: int, dst: str, dport: int, size: int) -> bytes:
    return _frame(ts, src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + size, 0) + b"Z" * size)


def _unreachable(ts: int, src: str, dst: str, sport: int, dport: int) -> bytes:
    """ICMP port unreachable from ``src``, quoting the datagram ``dst`` sent it."""
    quoted = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 1428, 1, 0, 57, 17, 0, bytes(4), bytes(4))
    body = struct.pack("!BBHI", 3, 3, 0, 0) + quoted + struct.pack("!HHHH", sport, dport, 1408, 0)
    return _frame(ts, src, dst, 1, body, ttl=64)


def _memcached(path: Path, *, per_s: int, seconds: int, seen_sending: bool) -> Path:
    """Three memcached servers answer the target's port 40000 from 11211 (1,400-byte
    datagrams, ``per_s`` a second in all); a target seen sending answers each with an ICMP port
    unreachable once a second, as Linux's rate limit lets it."""
    gap = 10**9 // per_s
    records = []
    for k in range(per_s * seconds):
        ts, reflector = T0 + k * gap, REFLECTORS[k % 3]
        records.append(_udp(ts, reflector, 11211, TARGET, 40000, 1400))
        if seen_sending and k % per_s < 3:  # each reflector's first answer of the second
            records.append(_unreachable(ts + 20_000, TARGET, reflector, 11211, 40000))
    path.write_bytes(PCAP_HEADER + b"".join(records))
    return path


def _report(path: Path) -> dict:
    return wb.analyze(wb.load(path, progress=False)).to_dict()


def test_three_reflectors_at_a_host_seen_sending_are_an_amplification(tmp_path) -> None:
    path = _memcached(tmp_path / "lab.pcap", per_s=3000, seconds=3, seen_sending=True)
    data = _report(path)
    [vector] = data["vectors"]
    assert (vector["vector"], vector["targets"]) == ("memcached_amplification", [TARGET])
    assert vector["unique_sources"] == 3 and vector["packets"] == 9000
    assert [p["kind"] for p in data["phases"]] == ["attack"]
    assert "held_back" not in data


def test_the_same_seen_one_way_is_held_back(tmp_path) -> None:
    path = _memcached(tmp_path / "oneway.pcap", per_s=3000, seconds=3, seen_sending=False)
    data = _report(path)
    assert data["vectors"] == []
    [held] = [h for h in data["held_back"] if h["vector"] == "memcached_amplification"]
    assert (held["held_back_by"], held["figure"], held["threshold"]) == ("min_sources_reflection", 3, 5)  # fmt: skip
    assert "to a host never seen sending" in held["reason"]


def test_few_reflectors_at_a_servers_pace_are_no_attack(tmp_path) -> None:
    """Seen sending, unasked, but 60 answers a second for 30 s: steady, far under the 1,000 a
    second no host receives of its kind (``flood_pps_other``), never a jump over its own rate."""
    path = _memcached(tmp_path / "steady.pcap", per_s=60, seconds=30, seen_sending=True)
    data = _report(path)
    assert data["vectors"] == []
    [held] = [h for h in data["held_back"] if h["vector"] == "memcached_amplification"]
    assert held["held_back_by"] == "rate_factor, flood_pps_other"
    assert held["figure"] < 1000 and held["threshold"] == 1000


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("few-reflector-amplification", {("memcached_amplification", "203.0.113.10", 3),
                                         ("ntp_amplification", "203.0.113.11", 1)}),
        ("vpn-downloads", set()),
        ("one-way-vpn-downloads", set()),
        ("dns-forwarder", set()),
    ],
)  # fmt: skip
def test_the_synthesizers_few_servers(tmp_path, name, expected) -> None:
    """The positive (3 reflectors, then 1, at mail servers amid their sessions) and the traffic
    that would pass for it: one server each streaming from a reflection port (VPN downloads over
    OpenVPN and IPsec NAT traversal), both ways and one way; a resolver forwarding to two
    upstreams, 3,000 questions a second."""
    path = tmp_path / f"{name}.pcap"
    truth = synth.write(name, path, seed=5, scale=0.2)
    data = _report(path)
    found = {(v["vector"], t, v["unique_sources"]) for v in data["vectors"] for t in v["targets"]}
    assert found == expected
    assert {(v, t) for v, t, _ in found} == {(v["vector"], t) for v in truth["vectors"] for t in v["targets"]}  # fmt: skip


def test_a_dataset_in_windows_finds_the_same(tmp_path) -> None:
    """Judged by its rate over the whole capture: a window's bins count toward it as in memory."""
    from workbench.capture.ingest import ingest

    path = _memcached(tmp_path / "lab.pcap", per_s=3000, seconds=3, seen_sending=True)
    ingest([path], tmp_path / "dataset", progress=False)
    report = wb.analyze(tmp_path / "dataset", window_packets=2_000, progress=False)
    assert report.parameters["analysis_windows"] > 1
    windowed = report.to_dict()
    in_memory = _report(path)
    assert windowed["vectors"] == in_memory["vectors"] and windowed["phases"] == in_memory["phases"]
