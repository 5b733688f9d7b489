"""Answers to a host's search of a group are no flood: a host looks for UPnP devices with an
SSDP M-SEARCH from an ephemeral port to 239.255.255.250:1900, and every device answers that
port, many from an ephemeral port of their own (TVs, speakers, media servers): neither counted
in a UDP flood's rate nor labelled. A flood on the same host's random ports is found as before."""

from __future__ import annotations

import random

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

HOST, GROUP = "192.168.1.23", "239.255.255.250"
START = 1_690_000_000 * 10**9


def _discovery(devices: int = 40, searches: int = 6, *, search: bool = True) -> list[tuple]:
    """A search every 10 s from a new ephemeral port; each device answers 3-8 times within
    2 s, two in five from an ephemeral port of their own."""
    rng = random.Random(6)
    ports = [1900 if rng.random() >= 0.4 else rng.randint(32768, 60999) for _ in range(devices)]
    out = []
    for k in range(searches):
        at = START + k * 10 * 10**9
        mine = rng.randint(49152, 65535)
        if search:
            out.append((at, HOST, mine, GROUP, 1900, 120, 2))
        for d in range(devices):
            for _ in range(rng.randint(3, 8)):
                when = at + rng.randrange(10_000_000, 2 * 10**9)
                out.append((when, f"192.168.1.{100 + d}", ports[d], HOST, mine, 340))
    return sorted(out)


def test_answers_to_a_search_are_no_flood(tmp_path) -> None:
    path = tmp_path / "ssdp.pcap"
    frames = _discovery()
    udp_pcap(path, frames)
    capture = wb.load(path)
    ephemeral = capture.packets.filter(
        (pl.col("dst").ip.to_text() == HOST) & (pl.col("sport") != 1900)
    )
    assert ephemeral.height > 200  # the answers a flood test would count
    assert _vectors(wb.analyze(capture)) == []


def test_the_same_answers_without_the_search_in_sight(tmp_path) -> None:
    # nothing says the host asked, but it is never seen sending and its devices are on its own
    # /24: their answers, on 1900 and from their own ports, are its LAN peers' (before, they
    # read as reflectors: test_lan_answers.py)
    path = tmp_path / "ssdp-answers.pcap"
    udp_pcap(path, _discovery(search=False))
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_a_flood_on_the_searching_host(tmp_path) -> None:
    rng = random.Random(2)
    flood = [(START + 20 * 10**9 + k * 500_000, f"198.51.100.{1 + k % 200}", rng.randint(1024, 65535),
              HOST, rng.randint(1, 65535), 512) for k in range(40_000)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    udp_pcap(path, sorted(_discovery() + flood))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", [HOST])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "udp_flood")
    assert labelled.height >= 0.95 * len(flood)
    assert labelled.filter(pl.col("src").ip.to_text().str.starts_with("192.168.1.")).is_empty()


def test_discovery_scenario_and_a_flood_on_the_searching_host(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "ssdp-discovery")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "udp-flood-on-searching-host", "udp_flood")
    assert _vectors(found) == [("udp_flood", ["203.0.113.150"])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "ssdp-discovery", window_packets=500)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "udp-flood-on-searching-host", window_packets=10_000)
    assert _vectors(found) == [("udp_flood", ["203.0.113.150"])]
