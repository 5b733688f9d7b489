"""One host's DNS query flood (dnsperf, a flood script, a lab's attack on its DNS server) at
5,000-20,000 queries a second, in a capture that is all attack: judged against the 20,000 a
second a server's crowd of resolvers may send (``flood_pps_dns``), it was missed, answered or
not. Queries to a server from fewer than ``rate_min_sources`` hosts are a flood above
``flood_pps_dns_few_sources`` (5,000): a resolver or forwarder asks one server a few thousand a
second at most."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench import synth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
CLIENT, SERVER = "172.16.2.1", "172.16.1.2"
OLD = wb.AnalysisConfig(flood_pps_dns_few_sources=20000)  # before: a crowd's threshold for all


def _query(k: int) -> bytes:
    name = b"".join(bytes([len(p)]) + p for p in (f"h{k % 9973}".encode(), b"example", b"com"))
    return struct.pack("!HHHHHH", k & 0xFFFF, 0x0100, 1, 0, 0, 0) + name + b"\0\0\x01\0\x01"


def _flood(path: Path, rate: int, seconds: float = 3.0, *, answered: bool = False) -> None:
    """``rate`` queries a second from one host's random ports; each answered 200 µs later
    (an A record) when ``answered``."""
    frames = []
    for k in range(int(rate * seconds)):
        t, sport = T0 + k / rate, 1024 + (k * 7919) % 64000
        frames.append((t, ether(ipv4(CLIENT, SERVER, 17, udp(sport, 53, _query(k)), ident=k & 0xFFFF))))  # fmt: skip
        if answered:
            answer = bytearray(_query(k))
            answer[2:4] = b"\x81\x80"  # a response, no error
            answer += b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x01\x2c\x00\x04\x5d\xb8\xd8\x22"
            answer[6:8] = b"\x00\x01"  # one answer
            frames.append((t + 2e-4, ether(ipv4(SERVER, CLIENT, 17, udp(53, sport, bytes(answer))))))  # fmt: skip
    path.write_bytes(pcap(frames))


def _vectors(path: Path, config: wb.AnalysisConfig | None = None) -> dict:
    report = wb.analyze(wb.load(path, progress=False), config=config or wb.AnalysisConfig(),
                        progress=False)  # fmt: skip
    return {v["vector"]: v["targets"] for v in report.vectors}


@pytest.mark.parametrize("answered", [False, True], ids=["one-way", "answered"])
def test_one_hosts_query_flood_is_found(tmp_path, answered) -> None:
    path = tmp_path / "dns_flood.pcap"
    _flood(path, 8000, answered=answered)
    assert _vectors(path) == {"dns_water_torture": [SERVER]}
    assert _vectors(path, OLD) == {}


def test_a_forwarders_pace_from_one_host_is_no_flood(tmp_path) -> None:
    path = tmp_path / "forwarder.pcap"
    _flood(path, 2000, answered=True)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert not report.vectors
    [held] = [h for h in report.held_back if h.vector == "dns_water_torture"]
    assert held.held_back_by == "rate_factor, flood_pps_dns_few_sources" and held.threshold == 5000
    assert "fewer than 3 hosts send one server only in a flood" in held.reason, held.reason


def test_the_one_host_dns_flood_scenario(tmp_path) -> None:
    """At the evaluation's fifth of its rate (6,000 a second): found, and missed before."""
    path = tmp_path / "flood.pcap"
    truth = synth.write("one-host-dns-flood", path, seed=3, scale=0.2)
    assert [(v["vector"], v["targets"]) for v in truth["vectors"]] == [("dns_water_torture", ["203.0.113.53"])]  # fmt: skip
    assert _vectors(path) == {"dns_water_torture": ["203.0.113.53"]}
    assert _vectors(path, OLD) == {}


@pytest.mark.parametrize("name", ["busy-dns-forwarder", "dns-forwarder"])
def test_forwarders_stay_clean(tmp_path, name) -> None:
    """A resolver forwarding 4,000 questions a second to one upstream, or 3,000 to two."""
    path = tmp_path / "forwarder.pcap"
    assert not synth.write(name, path, seed=3, scale=1.0)["vectors"]
    assert _vectors(path) == {}
