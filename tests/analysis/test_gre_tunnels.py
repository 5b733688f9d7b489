"""GRE between the two ends of a tunnel is the tunnel's, not a flood: a target that sends GRE to
a peer runs a tunnel with it, and the peer's GRE is neither counted in a flood's rate nor
labelled. GRE from hosts the target sends none to is judged as before, on the same host too."""

from __future__ import annotations

import polars as pl
from pcap_bytes import gre_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

ROUTER, PEER = "203.0.113.1", "198.51.100.77"
START = 1_670_000_000 * 10**9


def _tunnel(rate: int = 3000, seconds: int = 30, *, both: bool = True):
    """``rate`` GRE packets a second from the peer to the router, and as many back."""
    gap = 10**9 // rate
    out = [(START + k * gap, PEER, ROUTER, 400) for k in range(rate * seconds)]
    if both:
        out += [(START + k * gap + gap // 2, ROUTER, PEER, 400) for k in range(rate * seconds)]
    return sorted(out)


def test_a_busy_tunnel_is_no_flood(tmp_path) -> None:
    path = tmp_path / "tunnel.pcap"
    gre_pcap(path, _tunnel())
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_gre_the_target_is_never_seen_sending_is_its_tunnels_far_end(tmp_path) -> None:
    # the same packets without the router's own: one way, from one peer, the far end of its
    # tunnel (a flood before; ``test_one_way_tunnels.py``)
    path = tmp_path / "one-way.pcap"
    gre_pcap(path, _tunnel(both=False))
    report = wb.analyze(wb.load(path))
    assert _vectors(report) == []
    assert [h.held_back_by for h in report.held_back] == ["min_sources_flood"]


def test_bots_flooding_a_tunnel_endpoint(tmp_path) -> None:
    bots = [(START + 10 * 10**9 + k * 250_000, f"192.0.2.{1 + k % 40}", ROUTER, 540)
            for k in range(4000 * 10)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    gre_pcap(path, sorted(_tunnel() + bots))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("gre_flood", [ROUTER])]
    found = wb.analysis.classify(capture.packets)
    labelled = found.filter(pl.col("vector") == "gre_flood")
    assert labelled.height == len(bots)
    assert labelled.filter(pl.col("src").ip.to_text() == PEER).is_empty()


def test_a_tunnel_scenario_and_a_flood_on_its_endpoint(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "gre-tunnel")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "gre-flood-on-tunnel", "gre_flood")
    # the partner is no target (before the rule, it was one: its tunnel's GRE was a flood)
    assert _vectors(found) == [("gre_flood", [ROUTER])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "gre-tunnel", window_packets=40_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "gre-flood-on-tunnel", window_packets=40_000)
    assert _vectors(found) == [("gre_flood", [ROUTER])]
