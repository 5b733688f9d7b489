"""An NTP client captured one way is no NTP amplification: ntpd's iburst brings 8 time answers
(48 bytes) from each of its servers (a site's time server takes 16), and with its requests out of sight they read as
unsolicited answers from a crowd. Answers to a target never seen sending are amplification
only when most are as large as an amplifier's (monlist: 440 bytes)."""

from __future__ import annotations

import random

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import DEFAULT

CLIENT = "203.0.113.123"
START = 1_690_000_000 * 10**9


def _answers(servers: int = 16, each: int = 8, size: int = 48, gap_ns: int = 2 * 10**9,
             net: int = 198) -> list[tuple]:  # fmt: skip
    """``each`` answers of ``size`` bytes from each of ``servers`` servers in ``net``.0.0.0/8."""
    rng = random.Random(7)
    out = []
    for k in range(servers):
        server = f"{net}.51.{100 + k}.{rng.randrange(1, 255)}"
        for j in range(each):
            out.append((START + j * gap_ns + k * 1_000_000, server, 123, CLIENT, 40123, size))
    return sorted(out)


def test_a_client_syncing_captured_one_way(tmp_path) -> None:
    path = tmp_path / "ntp.pcap"
    frames = _answers()
    udp_pcap(path, frames)
    # what made it amplification: enough answers from enough servers, none asked in sight
    assert len(frames) >= DEFAULT.min_packets and 16 >= DEFAULT.min_sources_reflection
    assert _vectors(wb.analyze(wb.load(path))) == []
    naive = DEFAULT.replace(ntp_amplified_payload_min=0)  # every answer counts, whatever its size
    assert _vectors(wb.analyze(wb.load(path), config=naive)) == [("ntp_amplification", [CLIENT])]


def test_monlist_answers_captured_one_way(tmp_path) -> None:
    path = tmp_path / "monlist.pcap"
    udp_pcap(path, _answers(servers=40, each=50, size=440, gap_ns=10_000_000))
    assert _vectors(wb.analyze(wb.load(path))) == [("ntp_amplification", [CLIENT])]


def test_amplification_amid_the_clients_answers(tmp_path) -> None:
    monlist = _answers(40, 50, 440, 10_000_000, net=192)  # other servers: reflectors
    attack = [(t[0] + 5 * 10**9, *t[1:]) for t in monlist]
    path = tmp_path / "both.pcap"
    udp_pcap(path, sorted(_answers() + attack))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("ntp_amplification", [CLIENT])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector").is_not_null())
    # the reflectors' answers, not the client's own servers'
    assert labelled.height == len(attack)
    assert (labelled["payload_len"] == 440).all()


def test_ntp_scenarios_and_their_windows(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "one-way-ntp-sync")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "one-way-ntp-amplification", "ntp_amplification")
    assert _vectors(found) == [("ntp_amplification", ["203.0.113.123"])]
    assert recall >= 0.95 and precision >= 0.95
    clean, *_ = over_windows(tmp_path, "one-way-ntp-sync", window_packets=60)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "one-way-ntp-amplification", window_packets=6_000)
    assert _vectors(found) == [("ntp_amplification", ["203.0.113.123"])]
