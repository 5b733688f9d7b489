"""UDP between two ends that each send to the other's same port is their overlay's or tunnel's
(VXLAN on 4789, each inner flow from a source port of its own, so no datagram answers another's
4-tuple): neither counted in a UDP flood's rate nor labelled. UDP to that port from hosts the
target sends nothing to is judged as before, on the same host too."""

from __future__ import annotations

import random

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

A, B = "203.0.113.21", "203.0.113.22"
START = 1_690_000_000 * 10**9


def _overlay(rate: int = 3000, seconds: int = 30, flows: int = 200, *, both: bool = True):
    """``rate`` datagrams a second each way to port 4789, from a source port per inner flow."""
    rng = random.Random(5)
    ports = {end: [rng.randint(49152, 65535) for _ in range(flows)] for end in (A, B)}
    gap = 10**9 // rate
    out = []
    for k in range(rate * seconds):
        flow = rng.randrange(flows)
        out.append((START + k * gap, A, ports[A][flow], B, 4789, 600))
        if both:
            out.append((START + k * gap + gap // 3, B, ports[B][flow], A, 4789, 900))
    return sorted(out)


def test_an_overlay_is_no_flood(tmp_path) -> None:
    path = tmp_path / "overlay.pcap"
    udp_pcap(path, _overlay())
    capture = wb.load(path)
    # no datagram answers another's 4-tuple: only the shared port ties them
    forward = capture.packets.filter(pl.col("dst").ip.to_text() == B).select("sport", "dport")
    back = capture.packets.filter(pl.col("dst").ip.to_text() == A).select(
        sport="dport", dport="sport"
    )
    assert forward.join(back, on=["sport", "dport"]).is_empty()
    assert _vectors(wb.analyze(capture)) == []


def test_one_end_that_never_sends_back_is_flooded(tmp_path) -> None:
    path = tmp_path / "one-way.pcap"
    udp_pcap(path, _overlay(both=False))
    assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [B])]


def test_bots_flooding_the_overlay_port(tmp_path) -> None:
    bots = [(START + 10 * 10**9 + k * 250_000, f"192.0.2.{1 + k % 40}", 40000 + k % 5000, A, 4789, 500)
            for k in range(4000 * 10)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    udp_pcap(path, sorted(_overlay() + bots))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", [A])]
    hits = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "udp_flood")
    assert hits.height >= 0.99 * len(
        bots
    )  # its rate is judged bin by bin: its edges may fall short
    assert hits.filter(pl.col("src").ip.to_text() == B).is_empty()


def test_overlay_scenario_and_a_flood_on_its_port(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "vxlan-overlay")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "vxlan-port-flood", "udp_flood")
    # the peer is no target (before the rule, both ends were)
    assert _vectors(found) == [("udp_flood", [A])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "vxlan-overlay", window_packets=40_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "vxlan-port-flood", window_packets=40_000)
    assert _vectors(found) == [("udp_flood", [A])]
