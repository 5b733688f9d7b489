"""A flood of a fraction of a second amid minutes of other traffic: it fills one of the capture's
rate bins, and one busy bin is no flood, so it is judged again in bins that fit the burst, only
where a bin of the capture's already carried it at its flood rate. Real attack bytes (the UDP
flood and the IPv6 smurf of the validation set, each a fraction of a second) placed inside a real
benign capture; the synthesized bursts; and a collector's NetFlow bursts that must stay benign."""

from __future__ import annotations

import polars as pl
import pytest

import workbench as wb
from workbench import evaluation, synth
from workbench.analysis.config import DEFAULT
from workbench.analysis.vectors.context import span_ns

BENIGN = "benign/ntop__nDPI__netflix.pcap"  # 90 s of streaming and browsing
BURSTS = [
    ("doup123__attacker__udp__flood.pcap", "udp_flood", "172.16.1.2"),  # 10,000 in 0.21 s
    ("OISF__suricata-verify__rsmurf6.pcap", "icmp_flood|smurf", "ff02::1"),  # 1,000 in 0.01 s
]


def _amid(attack: pl.DataFrame, benign: pl.DataFrame) -> pl.DataFrame:
    """The benign capture moved so that it starts 20 s before the attack's first packet."""
    start = attack["ts"].cast(pl.Int64).min() - 20_000_000_000
    shift = start - benign["ts"].cast(pl.Int64).min()
    moved = benign.with_columns(ts=(pl.col("ts").cast(pl.Int64) + shift).cast(attack.schema["ts"]))
    return pl.concat([attack, moved]).sort("ts")


@pytest.mark.parametrize(("name", "vector", "target"), BURSTS)
def test_a_real_burst_amid_a_real_benign_capture_is_found(shared_captures, name, vector, target) -> None:  # fmt: skip
    attack = wb.load(shared_captures / name, progress=False).packets
    mixed = _amid(attack, wb.load(shared_captures / BENIGN, progress=False).packets)
    # the burst fills one or two of the mixed capture's rate bins
    bin_ns = DEFAULT.rate_bin_ms(span_ns(mixed)) * 1_000_000
    assert span_ns(attack) < 2 * bin_ns
    report = wb.analyze(mixed, progress=False)
    ok, problems = evaluation.judge(report, "attack", [(vector, target)])
    assert ok, problems
    # the burst's packets are labelled, and hardly any other
    labelled = wb.analysis.classify(mixed).filter(pl.col("vector").is_not_null())
    assert labelled.height == pytest.approx(attack.height, rel=0.02)


def test_the_benign_capture_alone_stays_clean(shared_captures) -> None:
    report = wb.analyze(wb.load(shared_captures / BENIGN, progress=False), progress=False)
    assert evaluation.judge(report, "benign", [])[0]


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_synthesized_bursts_are_found_and_export_bursts_stay_benign(tmp_path, scale) -> None:
    for name in ("burst-floods", "export-bursts"):
        path = tmp_path / f"{name}.pcap"
        truth = synth.write(name, path, seed=5, scale=scale)
        expected = [(v["vector"], t) for v in truth["vectors"] for t in v["targets"]]
        report = wb.analyze(wb.load(path, progress=False), progress=False)
        ok, problems = evaluation.judge(report, "attack" if expected else "benign", expected)
        assert ok, (name, problems)
        assert bool(expected) == (name == "burst-floods")


def test_the_price_a_flush_of_more_than_the_collectors_rate_in_one_second_is_a_flood(
    tmp_path,
) -> None:
    # 4,000 exports in 0.1 s at scale 1; at scale 4, 16,000 (under the collector's 20,000 a
    # second in their second: benign); at scale 7, 28,000: a flood's worth in one bin, a burst
    for scale, flood in ((4.0, False), (7.0, True)):
        path = tmp_path / f"export-{scale}.pcap"
        synth.write("export-bursts", path, seed=5, scale=scale)
        report = wb.analyze(wb.load(path, progress=False), progress=False)
        found = [(v.vector, v.targets) for v in report.vectors]
        assert found == ([("udp_flood", ("203.0.113.60",))] if flood else []), (scale, found)


def test_a_dataset_in_windows_finds_the_same_bursts(tmp_path) -> None:
    """A window's candidates are kept for the verdicts: its bursts are judged as in memory."""
    from workbench.capture.ingest import ingest

    path = tmp_path / "bursts.pcap"
    synth.write("burst-floods", path, seed=5, scale=0.2)
    ingest([path], tmp_path / "dataset", progress=False)
    report = wb.analyze(tmp_path / "dataset", window_packets=1_000, progress=False)
    assert report.parameters["analysis_windows"] > 1
    windowed = report.to_dict()
    in_memory = wb.analyze(wb.load(path, progress=False), progress=False).to_dict()
    assert {v["vector"] for v in windowed["vectors"]} == {"udp_flood", "icmp_flood"}
    assert windowed["vectors"] == in_memory["vectors"] and windowed["phases"] == in_memory["phases"]


def _flood_and_burst() -> bytes:
    """20 s of a spoofed SYN flood at 2,000 a second on one host, and as it starts, 10,000
    datagrams in 0.2 s from one host to port 0 of another (as the validation set's UDP flood)."""
    import random
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
    from pcapbuild import ether, ipv4, pcap, tcp, udp

    rng, t0 = random.Random(3), 1_700_000_000.0
    frames = []
    for k in range(40_000):
        src = f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"  # fmt: skip
        frames.append((t0 + k / 2_000, ether(ipv4(src, "203.0.113.10", 6, tcp(rng.randint(1024, 65535), 80, 0x02)))))  # fmt: skip
    for k in range(10_000):
        frames.append((t0 + k * 0.00002, ether(ipv4("198.51.100.9", "203.0.113.20", 17, udp(1024 + k % 60000, 0, b"")))))  # fmt: skip
    return pcap(sorted(frames, key=lambda f: f[0]))


def test_a_burst_amid_another_flood_keeps_its_own_vector(tmp_path) -> None:
    """The burst is confirmed and labelled; judged in the SYN flood's 1 s phase bins it fills
    one, smooths into its neighbours, and the short run it made was merged into the flood's
    phase without it: the report named the SYN flood alone."""
    path = tmp_path / "flood-and-burst.pcap"
    path.write_bytes(_flood_and_burst())
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    ok, problems = evaluation.judge(
        report, "attack", [("syn_flood", "203.0.113.10"), ("udp_flood", "203.0.113.20")]
    )
    assert ok, problems
    labelled = report.packets.filter(pl.col("vector") == "udp_flood").height
    assert labelled == pytest.approx(10_000, rel=0.01)


def test_a_real_burst_amid_a_real_flood(shared_captures) -> None:
    flood = wb.load(shared_captures / "pkt.TCP.synflood.spoofed.pcap", progress=False).packets
    burst = wb.load(shared_captures / BURSTS[0][0], progress=False).packets
    shift = flood["ts"].cast(pl.Int64).min() - burst["ts"].cast(pl.Int64).min()  # both at once
    moved = burst.with_columns(ts=(pl.col("ts").cast(pl.Int64) + shift).cast(flood.schema["ts"]))
    report = wb.analyze(pl.concat([flood, moved]).sort("ts"), progress=False)
    ok, problems = evaluation.judge(
        report, "attack", [("syn_flood", "10.10.10.10"), ("udp_flood", "172.16.1.2")]
    )
    assert ok, problems
