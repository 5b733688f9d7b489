"""A target in UDP conversations (a game server, a media server) answers its flows; the flows it
never answers are judged by their own rate, apart from the answered ones: a host flooding a
game server amid its players is found (their answered share hid it), and the players, answered,
never count toward a flood."""

from __future__ import annotations

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth

SERVER = "203.0.113.90"
START = 1_650_000_000 * 10**9


def _players(count: int = 100, rate: int = 30, seconds: int = 60, answer: bool = True):
    """``count`` players sending ``rate`` datagrams a second to the server's port 27015, each
    answered a millisecond later unless ``answer`` is false."""
    frames = []
    for p in range(count):
        ip, port = f"198.18.{p // 250}.{1 + p % 250}", 40000 + p
        for k in range(rate * seconds):
            t = START + k * (10**9 // rate) + p * 100_000
            frames.append((t, ip, port, SERVER, 27015, 60))
            if answer:
                frames.append((t + 1_000_000, SERVER, 27015, ip, port, 200))
    return frames


def test_a_host_flooding_a_game_server_amid_its_players(tmp_path) -> None:
    players = _players()
    flood = [(START + 20 * 10**9 + k * 666_666, "192.0.2.66", 55555, SERVER, 27015, 512)
             for k in range(1500 * 30)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    udp_pcap(path, sorted(players + flood))
    packets = wb.load(path).packets
    assert _vectors(wb.analyze(packets)) == [("udp_flood", [SERVER])]
    found = wb.analysis.classify(packets)["vector"] == "udp_flood"
    from_flooder = packets["src"] == packets.filter(pl.col("sport") == 55555)["src"][0]
    assert found.sum() == from_flooder.sum() == len(flood)  # the players' packets: none
    assert (found == from_flooder).all()


def test_a_game_servers_answered_players_are_no_flood(tmp_path) -> None:
    path = tmp_path / "players.pcap"
    udp_pcap(path, sorted(_players()))
    assert _vectors(wb.analyze(wb.load(path))) == []
    # the same players unanswered (the server gone quiet): 3,000 datagrams/s nobody answers
    silent = tmp_path / "unanswered.pcap"
    udp_pcap(silent, sorted(_players(answer=False)))
    assert _vectors(wb.analyze(wb.load(silent))) == [("udp_flood", [SERVER])]


def test_stray_datagrams_on_many_ports_of_a_media_server_are_no_random_port_flood(tmp_path) -> None:
    # 100 calls answered, each on a port of its own, and one unanswered datagram on 40 more
    frames = []
    for c in range(100):
        ip, port = f"198.18.1.{1 + c}", 10_000 + 2 * c
        for k in range(50 * 20):
            t = START + k * 20_000_000 + c * 50_000
            frames += [(t, ip, 5004, SERVER, port, 172), (t + 500_000, SERVER, port, ip, 5004, 172)]
    frames += [(START + s * 10**9 // 2, f"198.18.2.{1 + s}", 5004, SERVER, 30_000 + 2 * s, 172)
               for s in range(40)]  # fmt: skip
    path = tmp_path / "media.pcap"
    udp_pcap(path, sorted(frames))
    packets = wb.load(path).packets
    assert (
        packets.filter(pl.col("dst") == packets.filter(pl.col("sport") == 5004)["dst"][0])[
            "dport"
        ].n_unique()
        == 140
    )
    assert _vectors(wb.analyze(packets)) == []


def test_game_server_scenarios_and_their_windows(tmp_path) -> None:
    for name, expected in (("game-server", []), ("game-server-flood", [("udp_flood", [SERVER])])):
        report, path, truth = over_windows(tmp_path, name, window_packets=100_000, scale=1.0)
        assert _vectors(report) == expected
        capture = wb.load(path)
        assert _vectors(wb.analyze(capture)) == expected
        assert truth["traffic"][0]["players"] == 150
        if expected:
            labels = pl.read_parquet(synth.labels_path(path))["label"]
            found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
            hit = (found & (labels == "udp_flood")).sum()
            # the players the server never answers (5 of 150 here) go with the flood in its seconds
            assert hit >= 0.95 * (labels == "udp_flood").sum() and hit >= 0.97 * found.sum()
