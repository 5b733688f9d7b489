"""What an HTTP flood counts is requests, and a request starts a turn of its connection: its
first client segment, or the first after the server sent data on it. What follows without an
answer between is one message going on. Every client segment larger than a trickled header line
was counted as a request before, so:

- a backup uploaded over one HTTPS connection (1,500 full segments a second) was an HTTP flood;
- so was a call's media over TCP 443 (110 segments a second each way; about half of them turns,
  one connection floods with 100 a second: a call at 200 or more each way still does);
- and a package manager's or a map's keep-alive fetches, 25-40 a second over 6-16 connections
  for 15-25 s, were one client's flood over several connections: such a flood now keeps each of
  its connections busy (``http_requests_per_connection``: 10 a second each).

On a connection the server sends no data on, a request shorter than a full segment after
another such is a request of its own (a flood pipelined at a server that no longer answers);
an unanswered upload's full segments and the shorter piece that ends each message are not. The
price: one client's flood under 100 requests a second spread over connections that each carry
fewer than 10 a second is missed."""

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
CLIENT, SERVER = "10.1.0.20", "192.0.2.80"
SYN, SYNACK, ACK, PSH = 0x02, 0x12, 0x10, 0x18
GET = b"GET /index.html?q=%d HTTP/1.1\r\nHost: www.example\r\nUser-Agent: x\r\n\r\n"


def _seg(at: float, sport: int, flags: int, size: int = 0, *, back: bool = False,
         client: str = CLIENT, dport: int = 443) -> tuple[float, bytes]:  # fmt: skip
    """One segment of the connection ``client``:``sport`` <-> SERVER:``dport``."""
    body = bytes(size)
    if back:
        return at, ether(ipv4(SERVER, client, 6, tcp(dport, sport, flags, body), ttl=52))
    return at, ether(ipv4(client, SERVER, 6, tcp(sport, dport, flags, body)))


def _opened(at: float, sport: int, **kw) -> list[tuple[float, bytes]]:
    """A TCP handshake, a TLS ClientHello and the server's flight."""
    return [_seg(at, sport, SYN, **kw), _seg(at + 0.02, sport, SYNACK, back=True, **kw),
            _seg(at + 0.0201, sport, ACK, **kw), _seg(at + 0.0203, sport, PSH, 517, **kw),
            _seg(at + 0.041, sport, ACK, 1448, back=True, **kw),
            _seg(at + 0.0411, sport, PSH, 1100, back=True, **kw)]  # fmt: skip


def _upload(rate: float, seconds: float, *, handshake: bool = True) -> list[tuple[float, bytes]]:
    """One HTTPS upload: 16 KB TLS records in full segments (each record's last piece 485
    bytes), ``rate`` segments a second, the server acknowledging every second one."""
    frames = _opened(T0, 50_000) if handshake else []
    at = T0 + 0.1
    for k in range(int(rate * seconds)):
        at += 1 / rate
        frames.append(_seg(at, 50_000, PSH if k % 12 == 11 else ACK, 485 if k % 12 == 11 else 1448))
        if k % 2:
            frames.append(_seg(at + 0.02, 50_000, ACK, back=True))
    return frames


def _call(rate: float, seconds: float, rng: random.Random) -> list[tuple[float, bytes]]:
    """A call's media over TCP 443: each side sends ``rate`` segments a second of 160-1,200
    bytes at random times."""
    frames = _opened(T0, 50_100)
    for back in (False, True):
        at = T0 + 0.1
        while at < T0 + seconds:
            at += rng.expovariate(rate)
            frames.append(_seg(at, 50_100, PSH, rng.choice((160, 320, 640, 900, 1200)), back=back))
    return frames


def _fetches(rate: float, connections: int, seconds: float, rng: random.Random, *,
             answered: bool = True, parts: tuple[int, int] = (2, 40), client: str = CLIENT,
             dport: int = 80) -> list[tuple[float, bytes]]:  # fmt: skip
    """``rate`` requests a second over ``connections`` keep-alive connections, each answered
    with ``parts`` (2-40) full segments and a shorter last one (a connection asks again once its answer is
    in); without ``answered``, the server only acknowledges each request (a flood at a server
    that no longer answers: the client sends as it pleases)."""
    kw = {"client": client, "dport": dport}
    frames = [f for c in range(connections) for f in _opened(T0 + 0.01 * c, 40_000 + c, **kw)]
    free = [T0 + 0.1] * connections
    at, k = T0 + 0.1, 0
    while at < T0 + seconds:
        at += rng.expovariate(rate)
        c = min(range(connections), key=free.__getitem__) if answered else k % connections
        ask = max(at, free[c])
        frames.append((ask, ether(ipv4(client, SERVER, 6, tcp(40_000 + c, dport, PSH, GET % k)))))
        if answered:
            n = rng.randint(*parts)
            for i in range(n):
                frames.append(_seg(ask + 0.005 + i * 0.0001, 40_000 + c, PSH if i == n - 1 else ACK,
                                   700 if i == n - 1 else 1448, back=True, **kw))  # fmt: skip
            free[c] = ask + 0.006 + n * 0.0001
        else:
            frames.append(_seg(ask + 0.0002, 40_000 + c, ACK, back=True, **kw))
        k += 1
    return frames


def _vectors_of(path: Path, frames: list[tuple[float, bytes]], config: AnalysisConfig | None = None):  # fmt: skip
    frames.sort(key=lambda f: f[0])
    path.write_bytes(pcap(frames))
    return _vectors(wb.analyze(wb.load(path), config=config or AnalysisConfig()))


def test_an_upload_is_one_request(tmp_path) -> None:
    """An upload over one HTTPS connection, at 120 and 1,500 segments a second for 20 s, is no
    flood; nor captured mid-upload (no handshake: the server sends nothing but ACKs, and each
    record's shorter last piece follows full ones)."""
    for rate in (120, 1500):
        assert _vectors_of(tmp_path / f"up{rate}.pcap", _upload(rate, 20)) == []
    assert _vectors_of(tmp_path / "mid.pcap", _upload(1500, 20, handshake=False)) == []


def test_a_call_over_tcp_443_is_no_flood(tmp_path) -> None:
    """Media both ways at 150 segments a second each for 30 s: about half of the client's follow
    the server's, under the 100 a second one connection floods with; its short segments after
    short ones count only while the server is silent. The price: at 220 a second each way, a
    call's turns alone are that many."""
    assert _vectors_of(tmp_path / "call.pcap", _call(150, 30, random.Random(4))) == []
    fast = _call(220, 30, random.Random(4))
    assert _vectors_of(tmp_path / "fast.pcap", fast) == [("http_flood", [SERVER])]


def test_keepalive_fetches_are_no_flood(tmp_path) -> None:
    """40 files a second over 16 connections for 25 s, and 30 over 6 for 15 s: a flood over
    several connections keeps each busy with 10 a second; as one before (the rule off)."""
    rng = random.Random(5)
    for rate, conns, secs in ((40, 16, 25), (30, 6, 15)):
        frames = _fetches(rate, conns, secs, rng)
        path = tmp_path / f"fetch{rate}.pcap"
        assert _vectors_of(path, frames) == []
        off = AnalysisConfig(http_requests_per_connection=0.0)
        assert _vectors_of(path, list(frames), off) == [("http_flood", [SERVER])]


def test_floods_on_keepalive_connections_are_found(tmp_path) -> None:
    """One client's 200 requests a second over 4 connections, each answered, is a flood; so are
    300 a second pipelined over 2 to a server that no longer answers, but only because each
    short request after another counts on such a connection (``full_segment_min_bytes``: with
    none short, they are one message each)."""
    rng = random.Random(6)
    answered = _fetches(200, 4, 20, rng, parts=(1, 2))
    assert _vectors_of(tmp_path / "a.pcap", answered) == [("http_flood", [SERVER])]
    silent = _fetches(300, 2, 20, rng, answered=False)
    assert _vectors_of(tmp_path / "s.pcap", silent) == [("http_flood", [SERVER])]
    none_short = AnalysisConfig(full_segment_min_bytes=0)
    assert _vectors_of(tmp_path / "s.pcap", list(silent), none_short) == []


def test_the_price_a_flood_spread_thin(tmp_path) -> None:
    """One client's 60 requests a second over 12 connections (5 on each) is missed, and held
    back with the per-connection rate in its reason."""
    frames = sorted(_fetches(60, 12, 20, random.Random(7)), key=lambda f: f[0])
    path = tmp_path / "thin.pcap"
    path.write_bytes(pcap(frames))
    report = wb.analyze(wb.load(path))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "http_flood"]
    assert "10 on each" in held.reason, held.reason


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The workstations' upload, call and fetches stay clean (four HTTP floods before); the two
    keep-alive floods amid them are found, the one at a silent server only by its short
    requests."""
    report, _, _ = in_memory(tmp_path, "workstation-https", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, recall, precision = in_memory(tmp_path, "keepalive-floods-amid-fetches", "http_flood",
                                          seed=11, scale=0.2)  # fmt: skip
    assert _vectors(report) == [("http_flood", ["203.0.113.81", "203.0.113.80"])]
    assert recall >= 0.95 and precision >= 0.95
    path = tmp_path / "keepalive-floods-amid-fetches.pcap"
    none_short = wb.analyze(wb.load(path), config=AnalysisConfig(full_segment_min_bytes=0))
    assert _vectors(none_short) == [("http_flood", ["203.0.113.80"])]


def test_over_a_datasets_windows_too(tmp_path) -> None:
    """A connection's turns are read window by window: each window's first segment of a
    connection starts a turn, a few more requests than in memory, never an upload's flood."""
    report, _, _ = over_windows(tmp_path, "workstation-https", window_packets=20_000, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "keepalive-floods-amid-fetches", window_packets=20_000,
                                scale=0.2)  # fmt: skip
    assert _vectors(report) == [("http_flood", ["203.0.113.81", "203.0.113.80"])]
