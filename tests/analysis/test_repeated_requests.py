"""One request again and again, answered alike: a flood tool's loop (AnonymousDoS sent 2,064
requests of 372 bytes, 89 % answered by the same bytes) floods a web server at whatever pace
the server answers, on however many connections. The real AnonymousDoS capture four times
slower (55 requests a second over 2 or 3 connections, against a server that answers slowly)
was missed: under the 100 a second one client needs on any number of connections, on fewer
than the 3 a flood over several needs. What a request is, is what the client sent in its turn:
a log shipper's batches (full segments first, each answered by the same 204) are no one
request; nor a map's tiles (one size of GET, answers of many)."""

from __future__ import annotations

import struct
import sys
from pathlib import Path

import pytest
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
CLIENT, SERVER = "198.51.100.7", "192.0.2.80"
ACK, PSH_ACK, SYN, SYN_ACK = 0x10, 0x18, 0x02, 0x12
GET = b"GET / HTTP/1.1\r\nHost: www.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux x86_64)\r\nAccept: */*\r\nConnection: keep-alive\r\n\r\n"  # fmt: skip


def test_a_repeated_get_flood_on_two_connections_is_found(tmp_path) -> None:
    report, recall, precision = in_memory(
        tmp_path, "repeated-get-flood-amid-fetches", "http_flood", scale=0.2
    )
    assert _vectors(report) == [("http_flood", ["203.0.113.80"])]
    assert recall >= 0.95 and precision >= 0.99


def test_a_log_shipper_catching_up_is_no_flood(tmp_path) -> None:
    report, *_ = in_memory(tmp_path, "log-shipper-catching-up", scale=0.2)
    assert _vectors(report) == []


def test_over_windows_too(tmp_path) -> None:
    report, *_ = over_windows(
        tmp_path, "repeated-get-flood-amid-fetches", window_packets=30_000, scale=0.2
    )
    assert _vectors(report) == [("http_flood", ["203.0.113.80"])]


def _loop(path: Path, *, rate: float, connections: int, seconds: float, request=None,
          answer=None) -> Path:  # fmt: skip
    """One client's requests to port 80, ``rate`` a second in turn over ``connections``
    keep-alive connections (opened first) for ``seconds``, each answered 20 ms later:
    ``request(k)`` and ``answer(k)`` give the k-th one's bytes (one GET and one 200 by
    default)."""
    request = request or (lambda k: GET)
    answer = answer or (lambda k: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")
    frames = []
    for c in range(connections):
        port = 40000 + c
        frames.append((T0 + c * 0.001, ether(ipv4(CLIENT, SERVER, 6, tcp(port, 80, SYN)))))
        frames.append((T0 + c * 0.001 + 0.0005, ether(ipv4(SERVER, CLIENT, 6, tcp(80, port, SYN_ACK)))))  # fmt: skip
    for k in range(int(rate * seconds)):
        at, port = T0 + 0.5 + k / rate, 40000 + k % connections
        frames.append((at, ether(ipv4(CLIENT, SERVER, 6, tcp(port, 80, PSH_ACK, request(k))))))
        frames.append((at + 0.02, ether(ipv4(SERVER, CLIENT, 6, tcp(80, port, PSH_ACK, answer(k))))))  # fmt: skip
        frames.append((at + 0.021, ether(ipv4(CLIENT, SERVER, 6, tcp(port, 80, ACK)))))
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return path


def _sized(k: int, size: int) -> bytes:
    return struct.pack("!I", k) + bytes(size - 4)


def test_one_request_repeated_slowly_on_one_connection_is_a_flood(tmp_path) -> None:
    path = _loop(tmp_path / "loop.pcap", rate=30, connections=1, seconds=10)
    assert _vectors(wb.analyze(wb.load(path))) == [("http_flood", [SERVER])]


@pytest.mark.parametrize(
    "rate, asked, answer",
    [
        (15, None, None),  # under the 20 a second one client floods at
        (30, lambda k: _sized(k, 80 + 40 * (k % 5)), None),  # requests of five sizes
        (30, None, lambda k: _sized(k, 2_000 + 300 * (k % 7))),  # answers of seven sizes
        (80, None, lambda k: _sized(k, 2_000 + 300 * (k % 7))),  # as fast, under the 100 of any
    ],
)
def test_what_is_not_one_request_answered_alike_is_no_flood(tmp_path, rate, asked, answer) -> None:  # fmt: skip
    path = _loop(tmp_path / "not.pcap", rate=rate, connections=1, seconds=10, request=asked,
                 answer=answer)  # fmt: skip
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_the_real_flood_four_times_slower(shared_captures, tmp_path) -> None:
    source = shared_captures / "nladc.http-flood.AnonymousDoS-10s-3.pcapng"
    slow = tmp_path / "slow.pcapng"
    data = bytearray(source.read_bytes())
    _stretch_pcapng(data, 4)
    slow.write_bytes(bytes(data))
    assert _vectors(wb.analyze(wb.load(slow))) == [("http_flood", ["192.168.0.100"])]


def _stretch_pcapng(data: bytearray, factor: int) -> None:
    """Each enhanced packet block's time ``factor`` times as far from the first (in place)."""
    at, first = 0, None
    while at + 12 <= len(data):
        kind, length = struct.unpack_from("<II", data, at)
        if kind == 6:
            hi, lo = struct.unpack_from("<II", data, at + 12)
            ticks = hi << 32 | lo
            first = ticks if first is None else first
            ticks = first + (ticks - first) * factor
            struct.pack_into("<II", data, at + 12, ticks >> 32, ticks & 0xFFFFFFFF)
        at += length
