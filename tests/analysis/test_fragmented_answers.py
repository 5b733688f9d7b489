"""Fragments of datagrams on a UDP flow the target sends on are its service's answers (NFS
reads over UDP, large DNS answers), not a fragment flood: neither counted in the flood's rate
nor labelled. Fragments on flows it never sends on are judged as before, on the same host too."""

from __future__ import annotations

import polars as pl
from pcap_bytes import fragmented_udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

CLIENT, SERVER = "203.0.113.45", "198.51.100.20"
START = 1_680_000_000 * 10**9


def _reads(rate: int = 1000, seconds: int = 20, *, both: bool = True):
    """``rate`` NFS reads a second, each answered with 8 KB (six fragments)."""
    gap = 10**9 // rate
    out = []
    for k in range(rate * seconds):
        if both:
            out.append((START + k * gap, CLIENT, 801, SERVER, 2049, 116))
        out.append((START + k * gap + 200_000, SERVER, 2049, CLIENT, 801, 8184))
    return out


def test_fragmented_answers_are_no_flood(tmp_path) -> None:
    path = tmp_path / "reads.pcap"
    fragmented_udp_pcap(path, _reads())
    capture = wb.load(path)
    assert capture.packets.filter(pl.col("frag") > 0).height == 6 * 20_000
    assert _vectors(wb.analyze(capture)) == []


def test_fragments_the_target_never_asked_for_are_a_flood(tmp_path) -> None:
    # the same answers without the reads: nothing shows the target on the flow (the price of
    # a capture of one direction, README)
    path = tmp_path / "one-way.pcap"
    fragmented_udp_pcap(path, _reads(both=False))
    assert _vectors(wb.analyze(wb.load(path))) == [("ip_fragment_flood", [CLIENT])]


def test_a_fragment_flood_on_a_host_reading(tmp_path) -> None:
    flood = [(START + 5 * 10**9 + k * 400_000, f"192.0.2.{1 + k % 50}", 40000 + k % 1000, CLIENT,
              80, 2900) for k in range(2500 * 10)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    fragmented_udp_pcap(path, sorted(_reads() + flood))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("ip_fragment_flood", [CLIENT])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "ip_fragment_flood")
    assert labelled.height == 2 * len(flood)  # each flood datagram: two fragments
    assert labelled.filter(pl.col("src").ip.to_text() == SERVER).is_empty()


def test_nfs_scenario_and_a_flood_on_its_client(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "nfs-over-udp")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(
        tmp_path, "fragment-flood-on-nfs-client", "ip_fragment_flood"
    )
    assert _vectors(found) == [("ip_fragment_flood", [CLIENT])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "nfs-over-udp", window_packets=40_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "fragment-flood-on-nfs-client", window_packets=40_000)
    assert _vectors(found) == [("ip_fragment_flood", [CLIENT])]
