"""A flood of requests a server answers is a flood. UDP on a flow the target answers is a
conversation (a game's players, a call, QUIC), never counted toward a flood; but a flow of
``query_flow_max_datagrams`` (2) datagrams or fewer is a request and its retry, each on a flow
of its own. Requests count toward a UDP flood's rate, answered or not: a query flood on a game
server ("TSource Engine Query" to its port 27015, each answered) was asked for, and missed.
A target whose UDP is mostly such requests is a server answering them: without a baseline a
flood only above 20,000 a second (``flood_pps_queries``), and a jump over its own rate only
from 1,000 a second (``query_jump_min_pps``): an NTP server's steady load and a logon storm's
burst are no flood."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
SERVER = "203.0.113.90"
QUERY = b"\xff\xff\xff\xffTSource Engine Query\x00"  # Valve's A2S_INFO request
INFO = b"\xff\xff\xff\xffI\x11" + b"Provider Games\x00de_dust2\x00csgo\x00" + b"\x00" * 40


def _public(rng: random.Random) -> str:
    return (
        f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _players(rng: random.Random, n: int = 20, seconds: int = 30) -> list[tuple[float, bytes]]:
    """``n`` players' game traffic with the server, 30 datagrams a second each way."""
    frames = []
    for _ in range(n):
        player, port = _public(rng), rng.randint(27005, 27030)
        for k in range(30 * seconds):
            at = T0 + k / 30 + rng.random() * 0.01
            frames.append((at, ether(ipv4(player, SERVER, 17, udp(port, 27015, b"p" * 60)))))
            frames.append((at + 0.001, ether(ipv4(SERVER, player, 17, udp(27015, port, b"s" * 200)))))  # fmt: skip
    return frames


def _queries(rng: random.Random, senders: list[str], rate: int, seconds: float, start: float,
             port: int = 27015, ask: bytes = QUERY, answer: bytes = INFO) -> list[tuple[float, bytes]]:  # fmt: skip
    """``rate`` requests a second from ``senders``, each from a port of its own, each answered."""
    frames = []
    for k in range(int(rate * seconds)):
        src, sport, at = rng.choice(senders), rng.randint(1024, 65535), start + k / rate
        frames.append((at, ether(ipv4(src, SERVER, 17, udp(sport, port, ask), ttl=50))))
        frames.append((at + 0.0002, ether(ipv4(SERVER, src, 17, udp(port, sport, answer)))))
    return frames


def _analysed(tmp_path: Path, name: str, frames) -> tuple[wb.Report, pl.DataFrame]:
    path = tmp_path / name
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    capture = wb.load(path)
    return wb.analyze(capture), capture.packets


def test_a_query_flood_a_game_server_answers_is_a_udp_flood(tmp_path) -> None:
    # spoofed sources, 5,000 queries a second for 10 s, amid 20 players; every query answered
    rng = random.Random(1)
    spoofed = [_public(rng) for _ in range(50_000)]
    frames = _players(rng) + _queries(rng, spoofed, 5000, 10, T0 + 10)
    report, packets = _analysed(tmp_path, "spoofed.pcap", frames)
    assert _vectors(report) == [("udp_flood", [SERVER])]
    labelled = report.packets.filter(pl.col("vector") == "udp_flood")
    asks = packets.filter(pl.col("payload_len") == len(QUERY))
    assert labelled.height >= 0.95 * asks.height
    assert (labelled["payload_len"] == len(QUERY)).all()  # no player's datagram, no answer


def test_from_one_host_or_a_botnet(tmp_path) -> None:
    rng = random.Random(2)
    for name, senders, rate in (("one-host", ["198.18.7.7"], 5000),
                                ("botnet", [_public(rng) for _ in range(300)], 3000)):  # fmt: skip
        frames = _players(rng) + _queries(rng, senders, rate, 10, T0 + 10)
        report, _ = _analysed(tmp_path, f"{name}.pcap", frames)
        assert _vectors(report) == [("udp_flood", [SERVER])], name


def test_a_server_answering_queries_steadily_is_no_flood(tmp_path) -> None:
    # an NTP server answering 3,000 requests a second from 2,000 clients, each from a port of
    # its own (chrony's, or ntpd's behind a NAT), for a minute: a flood at the rate of other UDP
    # (1,000/s), none at a server's (20,000/s)
    rng = random.Random(3)
    clients = [_public(rng) for _ in range(2000)]
    ask, answer = bytes([0x23]) + b"\x00" * 47, bytes([0x24, 2]) + b"\x00" * 46
    frames = _queries(rng, clients, 3000, 60, T0, port=123, ask=ask, answer=answer)
    report, packets = _analysed(tmp_path, "ntp.pcap", frames)
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "udp_flood"]
    assert held.held_back_by.endswith("flood_pps_queries")
    other = AnalysisConfig(flood_pps_queries=1000.0)
    assert _vectors(wb.analyze(packets, config=other)) == [("udp_flood", [SERVER])]


def test_a_burst_of_requests_under_the_jump_minimum_is_no_flood(tmp_path) -> None:
    # a domain controller's logon storm: 5 CLDAP pings a second, then 600 a second from 300
    # clients for 10 s (120 times its usual rate), each answered
    rng = random.Random(4)
    clients = [_public(rng) for _ in range(300)]
    ping, reply = b"\x30\x84" + b"\x00" * 60, b"\x30\x84" + b"\x00" * 150
    frames = _queries(rng, clients, 5, 30, T0, port=389, ask=ping, answer=reply)
    frames += _queries(rng, clients, 600, 10, T0 + 30, port=389, ask=ping, answer=reply)
    frames += _queries(rng, clients, 5, 20, T0 + 40, port=389, ask=ping, answer=reply)
    report, packets = _analysed(tmp_path, "storm.pcap", frames)
    assert _vectors(report) == []
    low = AnalysisConfig(query_jump_min_pps=20.0)
    assert _vectors(wb.analyze(packets, config=low)) == [("udp_flood", [SERVER])]


def test_the_price(tmp_path) -> None:
    # a query flood under 1,000 a second amid the players, and one from a single socket (every
    # query on one flow: a conversation), are missed
    rng = random.Random(5)
    bots = [_public(rng) for _ in range(300)]
    frames = _players(rng) + _queries(rng, bots, 800, 10, T0 + 10)
    assert _vectors(_analysed(tmp_path, "slow.pcap", frames)[0]) == []
    one_socket = _players(rng)
    for k in range(50_000):
        at = T0 + 10 + k / 5000
        one_socket.append((at, ether(ipv4("198.18.7.7", SERVER, 17, udp(40000, 27015, QUERY)))))
        one_socket.append((at + 0.0002, ether(ipv4(SERVER, "198.18.7.7", 17, udp(27015, 40000, INFO)))))  # fmt: skip
    assert _vectors(_analysed(tmp_path, "socket.pcap", one_socket)[0]) == []
    # without the rule (every answered flow a conversation), the flood is missed too
    frames = _players(rng) + _queries(rng, bots, 3000, 10, T0 + 10)
    report, packets = _analysed(tmp_path, "off.pcap", frames)
    assert _vectors(report) == [("udp_flood", [SERVER])]
    off = AnalysisConfig(query_flow_max_datagrams=0)
    assert _vectors(wb.analyze(packets, config=off)) == []


def test_the_synthesized_query_flood_and_time_server(tmp_path) -> None:
    path = tmp_path / "flood.pcap"
    truth = synth.write("game-server-query-flood", path, seed=5, scale=0.2)
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", truth["vectors"][0]["targets"])]
    labels = pl.read_parquet(synth.labels_path(path))["label"] == "udp_flood"
    found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
    assert (found & labels).sum() >= 0.95 * labels.sum()
    assert (found & labels).sum() >= 0.95 * found.sum()
    answers = capture.packets.filter(pl.col("sport") == 27015, pl.col("payload_len") > 25)
    assert answers.height >= labels.sum()  # every query answered
    clean = tmp_path / "ntp.pcap"
    synth.write("ntp-server", clean, seed=5, scale=0.2)
    server = wb.load(clean)
    assert _vectors(wb.analyze(server)) == []
    busy = AnalysisConfig(flood_pps_queries=1000.0)  # its 1,200 a second: a flood at other UDP's
    assert _vectors(wb.analyze(server, config=busy)) == [("udp_flood", ["203.0.113.123"])]


def test_over_a_datasets_windows_too(tmp_path) -> None:
    # a flow's datagrams and their count are a window's: the verdicts are the same
    for name, expected in (("game-server-query-flood", [("udp_flood", [SERVER])]),
                           ("ntp-server", [])):  # fmt: skip
        report, _, _ = over_windows(tmp_path, name, window_packets=20_000, scale=0.1)
        assert _vectors(report) == expected, name
