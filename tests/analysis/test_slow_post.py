"""Slow POST (slowhttptest -B, R-U-D-Y): the whole request head at once, then the body a few
bytes every few seconds. slowhttptest's head is 310-400 bytes (its Referer, Content-Type and
Accept lines, one of six User-Agents, the target's name), more with a cookie (-j) or a long
host name: over the 400 bytes ``slow_request_max_bytes`` allowed, it was missed. At 512 it is found;
a browser's TLS session, whose ClientHello is padded to 512 bytes or more, stays clean when it
sends tiny records after a silence (an HTTP/2 PING), seen one way."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
CLIENT, SERVER = "172.16.2.1", "172.16.1.2"
SYN, PSH, ACK = 0x02, 0x08, 0x10
AGENTS = (  # slowhttptest's own list (the longest and the shortest)
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_7) AppleWebKit/534.48.3 (KHTML, like Gecko)"
    " Version/5.1 Safari/534.48.3",
    "Mozilla/4.0 (compatible; MSIE 8.0; Windows NT 6.1; Trident/4.0; SLCC2)",
)
OLD = wb.AnalysisConfig(slow_request_max_bytes=400)


def _head(host: str, agent: str, cookie: str = "") -> bytes:
    cookie = f"Cookie: {cookie}\r\n" if cookie else ""
    return (
        f"POST / HTTP/1.1\r\nHost: {host}:80\r\nUser-Agent: {agent}\r\n{cookie}"
        "Referer: https://github.com/shekyan/slowhttptest/\r\nContent-Length: 4096\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Accept: text/html;q=0.9,text/plain;q=0.8,image/png,*/*;q=0.5\r\n\r\nfoo=bar"
    ).encode()


def _slow_post(path: Path, head: bytes, n: int = 60, seconds: float = 45.0) -> None:
    """``n`` connections from one host: the head, then '&xx=yy' (3-63 bytes) every 10 s, each
    acknowledged by the server."""
    rng = random.Random(len(head))
    frames = []
    for k in range(n):
        sport, t = 30000 + k, T0 + k / 50

        def both(dt, flags, payload=b"", back=ACK, sport=sport, t=t):
            frames.append((t + dt, ether(ipv4(CLIENT, SERVER, 6, tcp(sport, 80, flags, payload)))))
            if back:
                frames.append(
                    (t + dt + 0.002, ether(ipv4(SERVER, CLIENT, 6, tcp(80, sport, back))))
                )

        both(0, SYN, back=SYN | ACK)
        both(0.003, ACK, back=0)
        both(0.004, PSH | ACK, head)
        for i in range(1, int(seconds // 10) + 1):
            name, value = (bytes(rng.choices(b"abcdefgh", k=rng.randint(1, 31))) for _ in range(2))
            both(10.0 * i, PSH | ACK, b"&" + name + b"=" + value)
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))


@pytest.mark.parametrize(("host", "agent", "cookie", "size"), [
    ("192.168.1.10", 1, "", 317),
    ("www.victim-site.example", 0, "", 371),
    ("www.victim-site.example", 0, "PHPSESSID=0f3b2c7a9d1e4f6a8b0c2d4e6f8a0b1c", 423),
    ("shop.victim-site.example", 0, "session=" + "a1b2c3d4" * 10, 470),
])  # fmt: skip
def test_slowhttptest_slow_post_is_found(tmp_path, host, agent, cookie, size) -> None:
    path = tmp_path / "slow_post.pcap"
    head = _head(host, AGENTS[agent], cookie)
    assert len(head) == size
    _slow_post(path, head)
    for config, found in ((wb.AnalysisConfig(), True), (OLD, size <= 400)):
        report = wb.analyze(wb.load(path, progress=False), config=config, progress=False)
        vectors = {v["vector"]: v["targets"] for v in report.vectors}
        assert vectors == ({"slow_http": [SERVER]} if found else {})


def test_a_browsers_tls_sessions_pinging_seen_one_way_stay_clean(tmp_path) -> None:
    """60 browsers' HTTPS sessions seen one way: a 517-byte ClientHello, a request, then a 39-byte
    record (an HTTP/2 PING) every 15 s, never closed in the capture."""
    frames = []
    for k in range(60):
        client, sport, t = f"10.2.0.{k + 1}", 50000 + k, T0 + k * 0.1
        sent = [(0.0, SYN, 0), (0.03, ACK, 0), (0.031, PSH | ACK, 517), (0.09, PSH | ACK, 80),
                (0.091, PSH | ACK, 300), (0.15, ACK, 0)]  # fmt: skip
        sent += [(15.0 * i, PSH | ACK, 39) for i in range(1, 4)]
        for dt, flags, size in sent:
            frames.append((t + dt, ether(ipv4(client, SERVER, 6, tcp(sport, 443, flags, bytes(size))))))  # fmt: skip
    path = tmp_path / "browsers.pcap"
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert report.vectors == ()
