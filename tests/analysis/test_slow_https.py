"""Slowloris over HTTPS (slowhttptest -u https://..., slowloris.py --https): each connection
starts with a TLS handshake, so its server sends data before the first header line (a
ServerHello and certificate, session tickets: two or three sizes). Counted, that looked like a
server answering: the attack was missed. Only what the server sends from the first trickle on
tells whether it waits for the request's end. A client's tiny records that its server does
answer (an HTTP/2 PING, a WINDOW_UPDATE during a download) stay clean. The bots' handshakes as
they open their connections are no HTTP flood: a slow client's pieces of requests do not count
as requests."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import synth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
CLIENT, SERVER = "172.16.2.1", "172.16.1.2"
SYN, PSH, ACK = 0x02, 0x08, 0x10


def _vectors(path: Path) -> dict:
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    return {v["vector"]: v["targets"] for v in report.vectors}


def _sessions(path: Path, server_flight: list[int], later: list[tuple[float, int, int]], n: int = 60) -> None:  # fmt: skip
    """``n`` HTTPS connections from one host: the TCP handshake, a 310-byte ClientHello, the
    server's ``server_flight`` (data segment sizes), the client's Finished and a 192-byte
    request; then ``later``: (seconds, client record size, server answer size or 0)."""
    frames = []
    for k in range(n):
        sport, t = 30000 + k, T0 + k / 20
        out = [(0.0, True, SYN, 0), (0.001, False, SYN | ACK, 0), (0.002, True, ACK, 0),
               (0.003, True, PSH | ACK, 310)]  # fmt: skip
        out += [(0.005 + i * 1e-4, False, PSH | ACK, size) for i, size in enumerate(server_flight)]
        out += [(0.008, True, PSH | ACK, 80), (0.011, True, PSH | ACK, 192), (0.05, False, ACK, 0)]
        for at, size, answer in later:
            out.append((at, True, PSH | ACK, size))
            out.append((at + 0.04, False, PSH | ACK if answer else ACK, answer))
        for dt, up, flags, size in out:
            segment = tcp(sport, 443, flags, bytes(size)) if up else tcp(443, sport, flags, bytes(size))  # fmt: skip
            frames.append((t + dt, ether(ipv4(*((CLIENT, SERVER) if up else (SERVER, CLIENT)), 6, segment))))  # fmt: skip
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))


HEADER_LINES = [(10.0 * i, 29 + 9 * i, 0) for i in range(1, 6)]  # a line in a record every 10 s


@pytest.mark.parametrize(
    "flight", [[1448, 1100, 255, 255], [1448, 1100]], ids=["tls1.3-tickets", "tls1.2"]
)
def test_slowloris_over_https_is_found(tmp_path, flight) -> None:
    path = tmp_path / "slow_https.pcap"
    _sessions(path, flight, HEADER_LINES)
    assert _vectors(path) == {"slow_http": [SERVER]}


def test_records_the_server_answers_are_no_trickle(tmp_path) -> None:
    """The same connections, each tiny record answered at once (a PING's ACK): clean."""
    path = tmp_path / "pings.pcap"
    _sessions(path, [1448, 1100, 255, 255], [(at, size, 39) for at, size, _ in HEADER_LINES])
    assert _vectors(path) == {}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_slow_https_scenario(tmp_path, scale) -> None:
    path = tmp_path / "slow_https.pcap"
    synth.write("slow-https", path, seed=7, scale=scale)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    # the bots' handshakes as they open their connections are no HTTP flood: a slow client's
    # pieces of requests are not counted as one's (they were: an HTTP flood in the first seconds)
    assert {v["vector"]: v["targets"] for v in report.vectors} == {"slow_http": ["203.0.113.80"]}
    assert [p["kind"] for p in report.phases].count("attack") == 1
    # every packet of the slow connections is labelled so
    labels = pl.read_parquet(path.with_suffix(".labels.parquet")).sort("packet")["label"]
    vector = wb.analysis.classify(wb.load(path, progress=False).packets)["vector"]
    slow = labels == "slow_http"
    assert (vector.filter(slow) == "slow_http").all()
