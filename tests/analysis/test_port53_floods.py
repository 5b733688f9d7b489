"""Datagrams flooding port 53 of a host that runs no DNS server (``hping3 --udp -p 53``) are
UDP it never answers, judged as a UDP flood; a DNS server's queries, answered, are judged as a
DNS server's load (``flood_pps_dns``), and so are those to a host never seen sending."""

from __future__ import annotations

import struct
from pathlib import Path

import pytest
from pcap_bytes import PCAP_HEADER, _frame

import workbench as wb
from workbench import synth
from workbench.capture.ingest import ingest

T0 = 1_700_000_000 * 10**9
ATTACKER, TARGET = "192.0.2.7", "203.0.113.53"
QUERY = struct.pack("!HHHHHH", 0x1234, 0x0100, 1, 0, 0, 0) + b"\x03www\x07example\x03com\x00\x00\x01\x00\x01"  # fmt: skip


def _udp(ts: int, src: str, sport: int, dst: str, dport: int, payload: bytes) -> bytes:
    return _frame(ts, src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload)  # fmt: skip


def _unreachable(ts: int, src: str, dst: str) -> bytes:
    """ICMP port unreachable (its quoted datagram left out: only its type is read)."""
    return _frame(ts, src, dst, 1, struct.pack("!BBHI", 3, 3, 0, 0) + bytes(28), ttl=64)


def _flood(path: Path, *, payload: bytes, answer_every: int = 0, unreachable: bool = True,
           senders: int = 1) -> Path:  # fmt: skip
    """One host (or ``senders``, a crowd of resolvers) sends ``TARGET``'s port 53 8,000
    datagrams a second for 2 s, its source port counting up (hping3's way). The target answers
    one in ``answer_every`` (0: none) and, when ``unreachable``, sends an ICMP port unreachable
    once a second (Linux's rate limit)."""
    records = []
    for k in range(16_000):
        ts, sport = T0 + k * 125_000, 1024 + k % 60_000
        src = ATTACKER if senders == 1 else f"198.51.100.{k % senders + 1}"
        records.append(_udp(ts, src, sport, TARGET, 53, payload))
        if answer_every and k % answer_every == 0:
            records.append(_udp(ts + 50_000, TARGET, 53, src, sport, QUERY + bytes(16)))
        if unreachable and k % 8000 == 0:
            records.append(_unreachable(ts + 30_000, TARGET, ATTACKER))
    path.write_bytes(PCAP_HEADER + b"".join(records))
    return path


def _vectors(path: Path) -> tuple[list[tuple], dict]:
    data = wb.analyze(wb.load(path, progress=False)).to_dict()
    found = [
        (v["vector"], v["targets"], v["dst_ports"], v["unique_sources"]) for v in data["vectors"]
    ]
    return found, data


@pytest.mark.parametrize("payload", [b"", QUERY], ids=["empty", "queries"])
def test_a_flood_of_port_53_on_a_host_without_dns_is_a_udp_flood(tmp_path, payload) -> None:
    found, data = _vectors(_flood(tmp_path / "flood.pcap", payload=payload))
    assert found == [("udp_flood", [TARGET], [53], 1)]
    assert [p["kind"] for p in data["phases"]] == ["attack"]
    assert data["parameters"]["analysis"]["dns_answered_min"] == 0.01


@pytest.mark.parametrize("every", [1, 20], ids=["all", "one-in-20"])
def test_a_dns_server_answering_is_judged_as_one(tmp_path, every) -> None:
    """8,000 queries a second from 50 resolvers, answered (all of them, or one in 20 as an
    overloaded server does): a DNS server's load, under the 20,000 a second no server takes
    benignly. From one host, the same is a flood (``test_one_host_dns_floods.py``)."""
    path = _flood(tmp_path / "server.pcap", payload=QUERY, answer_every=every, senders=50)
    found, data = _vectors(path)
    assert found == []
    [held] = [h for h in data["held_back"] if h["target"] == TARGET]
    assert (held["vector"], held["held_back_by"]) == ("dns_water_torture", "rate_factor, flood_pps_dns")  # fmt: skip


def test_a_host_never_seen_sending_keeps_them_queries(tmp_path) -> None:
    """One way, nothing says it runs no DNS server: its answers may leave by another path.
    From 50 resolvers, its load; from one host, a query flood, never a UDP flood."""
    path = _flood(tmp_path / "oneway.pcap", payload=QUERY, unreachable=False, senders=50)
    found, data = _vectors(path)
    assert found == [] and data["held_back"][0]["vector"] == "dns_water_torture"
    path = _flood(tmp_path / "oneway1.pcap", payload=QUERY, unreachable=False)
    assert [f[0] for f in _vectors(path)[0]] == ["dns_water_torture"]


def test_the_synthesizers_port_53_flood(tmp_path) -> None:
    path = tmp_path / "p53.pcap"
    truth = synth.write("port-53-flood", path, seed=5, scale=0.2)
    found, data = _vectors(path)
    assert found == [("udp_flood", ["203.0.113.12"], [53], 1)]
    [flood] = data["vectors"]
    labelled = truth["packets_by_label"]["udp_flood"]
    assert 0.99 * labelled <= flood["packets"] <= labelled


def _over_windows(tmp_path: Path, capture: Path, window_packets: int) -> list[tuple]:
    evidence = tmp_path / "evidence"
    evidence.mkdir(parents=True)
    capture.rename(evidence / capture.name)
    ingest(evidence, tmp_path / "dataset", progress=False)
    report = wb.analyze(tmp_path / "dataset", window_packets=window_packets,
                        workdir=tmp_path / "work", progress=False)  # fmt: skip
    assert report.parameters["analysis_windows"] > 1
    return [(v.vector, list(v.targets)) for v in report.vectors]


def test_whether_a_host_runs_dns_is_the_captures_to_say(tmp_path) -> None:
    """A DNS server answers 50 resolvers' 1,000 queries a second for 5 s; then one host floods
    it with 8,000 a second for 2 s, answering 10 late answers a second (overloaded); then its
    load again. Over a dataset, each window all flood said it ran no DNS server: a UDP flood
    beside the query flood. Whether it runs one is read over the whole capture, as in memory; the host that runs
    none stays a UDP flood over windows too."""
    records = []
    for k in range(10_000):  # before and after the flood: 5 s of load, answered
        ts = T0 + k * 1_000_000 + (2 * 10**9 if k >= 5_000 else 0)
        src, sport = f"198.51.100.{k % 50 + 1}", 1024 + k % 60_000
        records += [(ts, _udp(ts, src, sport, TARGET, 53, QUERY)),
                    (ts + 50_000, _udp(ts + 50_000, TARGET, 53, src, sport, QUERY + bytes(16)))]  # fmt: skip
    for k in range(16_000):
        ts = T0 + 5 * 10**9 + k * 125_000
        records.append((ts, _udp(ts, ATTACKER, 1024 + k % 60_000, TARGET, 53, QUERY)))
        if k % 800 == 0:  # a late answer now and then: seen sending, answering 1 in 800
            records.append((ts, _udp(ts, TARGET, 53, "198.51.100.1", 1024 + k, QUERY + bytes(16))))
    path = tmp_path / "server.pcap"
    path.write_bytes(PCAP_HEADER + b"".join(r for _, r in sorted(records, key=lambda r: r[0])))
    in_memory = [(v.vector, list(v.targets)) for v in wb.analyze(wb.load(path, progress=False)).vectors]  # fmt: skip
    assert in_memory == [("dns_water_torture", [TARGET])]
    assert _over_windows(tmp_path / "server", path, 8_000) == in_memory
    flood = _flood(tmp_path / "flood.pcap", payload=QUERY)
    assert _over_windows(tmp_path / "flood", flood, 4_000) == [("udp_flood", [TARGET])]
