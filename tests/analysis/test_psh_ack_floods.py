"""A PSH-ACK flood carrying data to a web port (hping3 -PA -d 120 -p 80; a spoofed "TCP flood"
with random payloads) is no client's HTTP requests: each segment is on a connection of its own
that nobody opened. Judged as HTTP it was missed (a crowd sending one request each is a flash
crowd's shape; one host's, over no connection, no HTTP flood), while the same flood on port 22
was an ACK flood. An HTTP candidate on a 4-tuple with no SYN, no answer from the target but a
RST and no more than ``orphan_tuple_max_packets`` segments is now judged as the segment it is."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench import synth
from workbench.analysis.vectors import matching

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
TARGET = "172.16.1.2"
PSH_ACK, ACK, RST = 0x18, 0x10, 0x04


def _vectors(path: Path) -> dict:
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    return {v["vector"]: v["targets"] for v in report.vectors}


def _spoofed(path: Path, port: int, rate: int = 5000, seconds: float = 2.0) -> None:
    rng = random.Random(port)
    frames = []
    for k in range(int(rate * seconds)):
        src = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"  # fmt: skip
        segment = tcp(rng.randint(1024, 65535), port, PSH_ACK, bytes(rng.choice([64, 512, 1200])))
        frames.append((T0 + k / rate, ether(ipv4(src, TARGET, 6, segment))))
    path.write_bytes(pcap(frames))


def _hping(path: Path, rate: int = 2000, seconds: float = 3.0) -> None:
    """One host, its source port counting up, 120 zero bytes each; the target RSTs each."""
    frames = []
    for k in range(int(rate * seconds)):
        t, sport = T0 + k / rate, 1024 + k
        frames.append((t, ether(ipv4("172.16.2.1", TARGET, 6, tcp(sport, 80, PSH_ACK, bytes(120))))))  # fmt: skip
        frames.append((t + 1e-4, ether(ipv4(TARGET, "172.16.2.1", 6, tcp(80, sport, RST)))))
    path.write_bytes(pcap(frames))


@pytest.mark.parametrize("port", [80, 443, 8080])
def test_a_spoofed_psh_ack_flood_on_a_web_port_is_an_ack_flood(tmp_path, port, monkeypatch) -> None:  # fmt: skip
    path = tmp_path / "psh_ack.pcap"
    _spoofed(path, port)
    assert _vectors(path) == {"ack_flood": [TARGET]}
    # judged as HTTP requests, as before: no flood of any kind
    monkeypatch.setattr(matching, "_unopened_requests", lambda frame, codes, config: codes)
    assert _vectors(path) == {}


def test_one_hosts_psh_ack_flood_answered_by_rsts(tmp_path, monkeypatch) -> None:
    path = tmp_path / "hping.pcap"
    _hping(path)
    assert _vectors(path) == {"ack_flood": [TARGET]}
    monkeypatch.setattr(matching, "_unopened_requests", lambda frame, codes, config: codes)
    assert "ack_flood" not in _vectors(path)


@pytest.mark.parametrize("requests", [1, 2, 6])
def test_visitors_connections_opened_before_the_capture_seen_one_way_stay_clean(tmp_path, requests) -> None:  # fmt: skip
    """300 keep-alive connections established before a 10 s capture of one direction: their
    requests, and their ACKs of the answers, with no SYN and no answer in sight (one request
    and its ACK: a crowd's ACK flood before, two kinds of segment on a tuple now say it is a
    connection)."""
    rng = random.Random(requests)
    frames = []
    for c in range(300):
        src, sport = f"198.51.100.{c % 250 + 1}", 40000 + c
        for _ in range(requests):
            t = T0 + rng.uniform(0, 10)
            frames.append((t, ether(ipv4(src, TARGET, 6, tcp(sport, 443, PSH_ACK, bytes(400))))))
            frames.append((t + 0.05, ether(ipv4(src, TARGET, 6, tcp(sport, 443, ACK)))))
    path = tmp_path / "visitors.pcap"
    path.write_bytes(pcap(sorted(frames)))
    assert _vectors(path) == {}


@pytest.mark.parametrize("connections", [300, 2000])
def test_keepalive_connections_closing_seen_one_way_are_no_flood(tmp_path, connections) -> None:
    """A web server's inbound traffic as a capture starts: keep-alive connections opened before
    it close in its first 20 s (the client's FIN-ACK, then its ACK of the server's FIN, the
    server's side unseen), beside new visitors' whole connections. Two kinds of segment on one
    4-tuple are a connection's close (``orphan_tuple_max_flag_kinds``): before, a crowd's FIN
    and ACK floods."""
    rng = random.Random(connections)
    frames = []
    for _ in range(connections):
        src = f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"  # fmt: skip
        sport, t = rng.randint(1024, 65535), T0 + rng.uniform(0, 20)
        frames.append((t, ether(ipv4(src, TARGET, 6, tcp(sport, 443, 0x11)))))
        frames.append((t + rng.uniform(0.01, 0.2), ether(ipv4(src, TARGET, 6, tcp(sport, 443, ACK)))))  # fmt: skip
        sport, t = rng.randint(1024, 65535), T0 + rng.uniform(0, 55)
        for dt, flags, size in ((0, 0x02, 0), (0.05, ACK, 0), (0.06, PSH_ACK, 400), (0.2, ACK, 0), (2.0, 0x11, 0), (2.05, ACK, 0)):  # fmt: skip
            frames.append((t + dt, ether(ipv4(src, TARGET, 6, tcp(sport, 443, flags, bytes(size))))))  # fmt: skip
    path = tmp_path / "midflow.pcap"
    path.write_bytes(pcap(sorted(frames)))
    assert _vectors(path) == {}
    # a close's two kinds as orphans; and no client's segments asked for (each visitor here also
    # opens a connection, which makes its close a client's: ``client_syn_retries_max``). 300
    # connections' closes (11 a second over the capture) are a trickle as well, judged by their
    # rate (``_whole_test``): 2,000 show the rule
    if connections < 2000:
        return
    kinds = wb.AnalysisConfig(orphan_tuple_max_flag_kinds=2, client_syn_retries_max=0)
    report = wb.analyze(wb.load(path, progress=False), config=kinds, progress=False)
    assert {v["vector"] for v in report.vectors} == {"ack_flood", "tcp_other_flood"}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_psh_ack_floods_scenario(tmp_path, scale) -> None:
    path = tmp_path / "floods.pcap"
    truth = synth.write("psh-ack-floods-on-web-ports", path, seed=3, scale=scale)
    assert {v["vector"] for v in truth["vectors"]} == {"ack_flood"}
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert {v["vector"]: v["targets"] for v in report.vectors} == {"ack_flood": ["203.0.113.80"]}
    assert sum(p["kind"] != "baseline" for p in report.phases) == 2
