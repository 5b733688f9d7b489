"""A client closing an idle HTTPS connection sends a TLS close_notify (24-31 bytes) and its FIN
together. Seen one way, that tiny segment after seconds of silence, never answered, looked like
a slowloris trickle: an API's clients (ClientHellos under 400 bytes, so within
``slow_request_max_bytes``) closing their keep-alive connections were a slow HTTP attack. A
tiny segment the client's FIN or RST goes with or follows within ``slow_goodbye_s`` is its
goodbye, not a trickle: a connection held open never says goodbye."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench import synth
from workbench.analysis.vectors import slow_http

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
SERVER = "172.16.1.2"
SYN, FIN, PSH, ACK = 0x02, 0x01, 0x08, 0x10


def _vectors(path: Path) -> dict:
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    return {v["vector"]: v["targets"] for v in report.vectors}


def _as_before(monkeypatch) -> None:
    """Every tiny segment after a silence a trickle, as before."""
    monkeypatch.setattr(slow_http, "_without_goodbyes", lambda trickles, *rest: trickles)


def _one_way_sessions(path: Path, *, together: bool, n: int = 150) -> None:
    """``n`` clients' HTTPS sessions seen one way: SYN, ACK, a 300-byte ClientHello, its
    Finished, a request, two ACKs, then 3-12 s later a 24-byte close_notify and the FIN (in one
    segment when ``together``)."""
    frames = []
    for k in range(n):
        client, sport, t = f"10.1.{k // 200}.{k % 200 + 1}", 40000 + k, T0 + k * 0.2
        sent = [(0.0, SYN, 0), (0.03, ACK, 0), (0.031, PSH | ACK, 300), (0.09, PSH | ACK, 80),
                (0.091, PSH | ACK, 180), (0.15, ACK, 0), (0.18, ACK, 0)]  # fmt: skip
        idle = 3 + (k * 7919 % 90) / 10
        sent += [(idle, FIN | PSH | ACK, 24)] if together else [(idle, PSH | ACK, 24), (idle + 0.001, FIN | ACK, 0)]  # fmt: skip
        for dt, flags, size in sent:
            frames.append((t + dt, ether(ipv4(client, SERVER, 6, tcp(sport, 443, flags, bytes(size))))))  # fmt: skip
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))


@pytest.mark.parametrize("together", [False, True], ids=["then-fin", "with-fin"])
def test_clients_closing_idle_tls_connections_seen_one_way_are_no_slow_http(tmp_path, together, monkeypatch) -> None:  # fmt: skip
    path = tmp_path / "api.pcap"
    _one_way_sessions(path, together=together)
    assert _vectors(path) == {}
    _as_before(monkeypatch)
    assert _vectors(path) == {"slow_http": [SERVER]}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_one_way_api_clients_scenario_stays_clean(tmp_path, scale, monkeypatch) -> None:
    path = tmp_path / "api.pcap"
    synth.write("one-way-api-clients", path, seed=6, scale=scale)
    assert _vectors(path) == {}
    _as_before(monkeypatch)
    assert _vectors(path) == {"slow_http": ["203.0.113.80"]}


def test_slowloris_closing_its_connections_when_it_stops_is_still_found(tmp_path) -> None:
    """The synthesized slowloris' tool stops: each connection's FIN comes 0.1-1 s after its last
    header line, which is then a goodbye; the lines before it still hold the connection."""
    path = tmp_path / "slowloris.pcap"
    synth.write("slow-http", path, seed=6, scale=0.2)
    assert _vectors(path) == {"slow_http": ["203.0.113.80", "203.0.113.81"]}
