"""A capture shorter than an HTTP flood's minimum run (``http_flood_min_s``, 5 s) cannot hold one:
there, one client opening ``http_burst_connections_per_s`` (100) connections a second to a web
server over the whole capture floods it (HULK over HTTPS: 300 a second for 2 s was missed), and
so does one sending it ``http_rps_any_connections`` (100) requests a second over all of it, and
over 2 s at least (2.3 s of AnonymousDoS's keep-alive flood, 220 a second, was missed). A
browser loading a page opens a few connections to each server and sends a page's requests, and
a longer capture is judged by its runs as before."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.25
CLIENT, SERVER = "10.0.2.15", "192.168.56.102"
SYN, SYNACK, ACK, PSH_ACK, RST = 0x02, 0x12, 0x10, 0x18, 0x04


def _connection(t: float, client: str, server: str, sport: int) -> list[tuple[float, bytes]]:
    """A TLS connection as HULK over HTTPS opens it: the handshake, a ClientHello of 517 bytes,
    the server's first flight, then the client's RST."""
    out = [(client, server, sport, 443, SYN, b""), (server, client, 443, sport, SYNACK, b""),
           (client, server, sport, 443, ACK, b""), (client, server, sport, 443, PSH_ACK, bytes(517)),
           (server, client, 443, sport, PSH_ACK, bytes(1272)), (client, server, sport, 443, RST, b"")]  # fmt: skip
    return [(t + k * 0.002, ether(ipv4(s, d, 6, tcp(a, b, f, p)))) for k, (s, d, a, b, f, p) in enumerate(out)]  # fmt: skip


def _capture(path: Path, connections: list[tuple[float, str, str]]) -> Path:
    """``connections`` (start, client, server), each from a port of its own."""
    frames = []
    for k, (t, client, server) in enumerate(connections):
        frames += _connection(t, client, server, 40000 + k % 20000)
    path.write_bytes(pcap(sorted(frames)))
    return path


def test_a_hulk_snippet_is_an_http_flood(tmp_path) -> None:
    # 300 connections a second for 2 s, the whole capture
    path = _capture(tmp_path / "hulk.pcap", [(T0 + k / 300, CLIENT, SERVER) for k in range(600)])
    assert _vectors(wb.analyze(wb.load(path))) == [("http_flood", [SERVER])]


def test_a_slower_snippet_is_none(tmp_path) -> None:
    # 50 a second: beyond a browser, under the snippet's rate
    path = _capture(tmp_path / "slow.pcap", [(T0 + k / 50, CLIENT, SERVER) for k in range(100)])
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_a_page_load_snippet_is_none(tmp_path) -> None:
    # a browser loading a page from four servers in 2 s: 10 connections to each
    servers = ["151.101.1.67", "151.101.65.67", "104.16.132.229", "172.217.16.195"]
    page = [(T0 + k * 0.05, CLIENT, servers[k % 4]) for k in range(40)]
    assert _vectors(wb.analyze(wb.load(_capture(tmp_path / "page.pcap", page)))) == []


def test_a_tenth_of_a_second_of_a_page_load_is_none(tmp_path) -> None:
    # 20 connections to one (sharded) server in 0.1 s: 200 a second, but a page load's
    # dozen or two at once, not the 100 a flood opens in a second at least
    burst = [(T0 + k * 0.005, CLIENT, SERVER) for k in range(20)]
    assert _vectors(wb.analyze(wb.load(_capture(tmp_path / "tenth.pcap", burst)))) == []


def test_a_burst_in_a_longer_capture_is_judged_by_its_runs(tmp_path) -> None:
    # the same 2 s of HULK inside a minute of a visitor's connections: a run of 2 hot seconds
    # is no flood (the price: a flood shorter than 5 s in a longer capture is missed)
    visits = [(T0 + k * 2.0, "198.51.100.7", SERVER) for k in range(30)]
    hulk = [(T0 + 20 + k / 300, CLIENT, SERVER) for k in range(600)]
    path = _capture(tmp_path / "long.pcap", visits + hulk)
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_the_scenarios(tmp_path) -> None:
    found, recall, precision = in_memory(tmp_path, "hulk-snippet", "http_flood")
    assert _vectors(found) == [("http_flood", ["203.0.113.80"])]
    assert recall >= 0.95 and precision >= 0.95
    clean, *_ = in_memory(tmp_path, "page-load-snippet")
    assert _vectors(clean) == []


def _requests(path: Path, per_s: float, seconds: float) -> Path:
    """One client's requests on 4 keep-alive connections opened before the capture, ``per_s``
    a second for ``seconds``: each a 300-byte segment the server answers with 900 bytes."""
    frames = []
    for k in range(int(per_s * seconds)):
        t, sport = T0 + k / per_s, 50000 + k % 4
        frames.append((t, ether(ipv4(CLIENT, SERVER, 6, tcp(sport, 80, PSH_ACK, bytes(300))))))
        frames.append((t + 0.003, ether(ipv4(SERVER, CLIENT, 6, tcp(80, sport, PSH_ACK, bytes(900))))))  # fmt: skip
    path.write_bytes(pcap(frames))
    return path


def test_a_keepalive_flood_snippet_is_an_http_flood(tmp_path) -> None:
    path = _requests(tmp_path / "flood.pcap", 150, 2.5)
    assert _vectors(wb.analyze(wb.load(path))) == [("http_flood", [SERVER])]


def test_keepalive_snippets_under_the_rate_or_too_short_are_none(tmp_path) -> None:
    # 90 a second for 3 s: under the rate; 150 a second for 1.2 s: 180 requests, under the
    # 200 of two seconds (a news site's page is 100 requests in 2 s)
    for per_s, seconds in ((90, 3.0), (150, 1.2)):
        path = _requests(tmp_path / f"fetch-{per_s}.pcap", per_s, seconds)
        assert _vectors(wb.analyze(wb.load(path))) == []


def test_the_keepalive_scenarios(tmp_path) -> None:
    found, recall, precision = in_memory(tmp_path, "keepalive-flood-snippet", "http_flood")
    assert _vectors(found) == [("http_flood", ["203.0.113.80"])]
    assert recall >= 0.95 and precision >= 0.95
    clean, *_ = in_memory(tmp_path, "fetch-snippet")
    assert _vectors(clean) == []


def test_a_real_keepalive_flood_cut_short(shared_captures) -> None:
    # AnonymousDoS: 220 requests a second over keep-alive connections for 10 s; a quarter of it
    path = shared_captures / "nladc.http-flood.AnonymousDoS-10s-3.pcapng"
    if not path.is_file():
        pytest.skip(f"{path.name} not found")
    packets = wb.load(path).packets
    quarter = packets.head(packets.height // 4)
    assert _vectors(wb.analyze(quarter)) == [("http_flood", ["192.168.0.100"])]
