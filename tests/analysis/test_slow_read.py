"""Slow read (slowhttptest -X): a client asks for a page, then reads the answer a few bytes at
a time from a tiny receive buffer. Its request is whole and its segments are no trickle, so
the slowloris test never saw it: it was missed. A connection whose client advertises a zero
window ``slow_read_zero_windows_min`` times while the server gets no more than
``slow_read_max_bytes_per_s`` through to it is now a slow connection, and a crowd of them on
one service a slow HTTP attack. The negative that would fool a rule of zero windows alone:
video players, each shutting its window whenever its buffer is full (``video-viewers``)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import evaluation, synth
from workbench.analysis.vectors.slow_http import zero_window
from workbench.capture.addresses import parse

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

TARGET = "203.0.113.80"
MISSED_BEFORE = wb.AnalysisConfig(slow_read_zero_windows_min=10**9)  # no slow read rule
NO_RATE = wb.AnalysisConfig(slow_read_max_bytes_per_s=float("inf"))
NO_SHARE = wb.AnalysisConfig(slow_read_zero_window_share_min=0)
ZERO_WINDOWS_ALONE = wb.AnalysisConfig(
    slow_read_max_bytes_per_s=float("inf"), slow_read_zero_window_share_min=0
)


def _labels(path: Path) -> pl.Series:
    return pl.read_parquet(path.with_suffix(".labels.parquet")).sort("packet")["label"]


def _vectors(path: Path, config: wb.AnalysisConfig | None = None) -> dict:
    report = wb.analyze(wb.load(path, progress=False), config=config or wb.AnalysisConfig(),
                        progress=False)  # fmt: skip
    return {v["vector"]: v["targets"] for v in report.vectors}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_slow_read_scenario_is_found_packet_for_packet(tmp_path, scale) -> None:
    path = tmp_path / "slow_read.pcap"
    truth = synth.write("slow-read", path, seed=4, scale=scale)
    assert truth["vectors"][0]["connections"] >= 80
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    ok, problems = evaluation.judge(report, "attack", [("slow_http", TARGET)])
    assert ok, problems
    assert {v["vector"]: v["targets"] for v in report.vectors} == {"slow_http": [TARGET]}
    # the evidence says which slow HTTP it is
    assert "zero windows" in report.vectors[0]["evidence"]["rule"]
    # every packet of the slow connections, both ways, and none of the visitors'
    vector = wb.analysis.classify(wb.load(path, progress=False).packets)["vector"]
    expected = _labels(path).replace("legit", None)
    assert (vector.fill_null("-") == expected.fill_null("-")).all()
    assert _vectors(path, MISSED_BEFORE) == {}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_video_players_shutting_their_windows_are_no_slow_read(tmp_path, scale) -> None:
    path = tmp_path / "viewers.pcap"
    synth.write("video-viewers", path, seed=4, scale=scale)
    packets = wb.load(path, progress=False).packets
    starved = packets.filter(zero_window()).select("src", "sport").unique()
    assert starved.height == 60  # every viewer's connection, a crowd on one server
    assert _vectors(path) == {}
    # zero windows alone would call them an attack: the server's rate to them, and their ACKs
    # that open the window, are what differ
    assert _vectors(path, ZERO_WINDOWS_ALONE) == {"slow_http": [TARGET]}


def test_a_few_slow_readers_are_no_attack(tmp_path) -> None:
    """16 connections (under ``slow_min_connections``, 20) are a few slow clients; 24 a crowd."""
    few, crowd = tmp_path / "few.pcap", tmp_path / "crowd.pcap"
    assert synth.write("slow-read", few, seed=5, scale=0.04)["vectors"][0]["connections"] == 16
    assert synth.write("slow-read", crowd, seed=5, scale=0.06)["vectors"][0]["connections"] == 24
    assert _vectors(few) == {}
    assert _vectors(crowd) == {"slow_http": [TARGET]}


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark not installed")
def test_the_zero_windows_are_tsharks(tmp_path) -> None:
    """Wireshark's expert analysis finds the same zero windows (``tcp.analysis.zero_window``)."""
    path = tmp_path / "slow_read.pcap"
    synth.write("slow-read", path, seed=4, scale=0.1)
    zero_windows = ["-Y", "tcp.analysis.zero_window", "-T", "fields", "-e", "frame.number"]
    done = subprocess.run(
        ["tshark", "-n", "-r", str(path), *zero_windows], capture_output=True, text=True, check=True
    )
    theirs = [int(x) - 1 for x in done.stdout.split()]
    packets = wb.load(path, progress=False).packets.with_row_index("n")
    ours = packets.filter(zero_window())["n"].to_list()
    assert len(ours) > 500
    assert ours == theirs


def test_slowloris_evidence_names_no_zero_windows(tmp_path) -> None:
    path = tmp_path / "slowloris.pcap"
    synth.write("slow-http-preopened", path, seed=4, scale=0.2)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    [rule] = [v["evidence"]["rule"] for v in report.vectors]
    assert rule.startswith("many connections to one service each holding a request open")
    assert "zero windows" not in rule


def test_slow_read_seen_one_way_is_found(tmp_path) -> None:
    """Only the clients' side (their requests, ACKs and zero windows): no server data to rate."""
    path = tmp_path / "slow_read.pcap"
    synth.write("slow-read", path, seed=4, scale=0.2)
    packets = wb.load(path, progress=False).packets
    one_way = packets.filter(pl.col("dst") == pl.lit(parse(TARGET), dtype=pl.UInt128))
    report = wb.analyze(one_way, progress=False)
    assert {v["vector"]: v["targets"] for v in report.vectors} == {"slow_http": [TARGET]}


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_video_players_seen_one_way_are_no_slow_read(tmp_path, scale) -> None:
    """One way the server's rate to them is not seen: most of their ACKs open the window."""
    path = tmp_path / "viewers.pcap"
    synth.write("one-way-video-viewers", path, seed=4, scale=scale)
    assert _vectors(path) == {}
    assert _vectors(path, NO_SHARE) == {"slow_http": [TARGET]}


def test_slow_consumers_are_no_slow_read(tmp_path) -> None:
    """30 clients that read a download at 80 KB/s (a slow disk): each 0.1 s the client opens
    its window, the server sends 8 KB and the client shuts it again. Half of their ACKs are
    zero windows, as a slow reader's; the server's rate to them is what tells them apart."""
    server, t0, frames = "172.16.1.2", 1_700_000_000.0, []
    for k in range(30):
        client, sport = f"10.3.0.{k + 1}", 41000 + k

        def up(t, flags, payload=b"", window=8192, client=client, sport=sport):
            frames.append((t, ether(ipv4(client, server, 6, tcp(sport, 80, flags, payload, window=window)))))  # fmt: skip

        def down(t, flags, payload=b"", client=client, sport=sport):
            frames.append((t, ether(ipv4(server, client, 6, tcp(80, sport, flags, payload)))))

        t = t0 + k * 0.05
        up(t, 0x02), down(t + 0.001, 0x12), up(t + 0.002, 0x10), up(t + 0.003, 0x18, bytes(120))
        for i in range(200):  # 20 s
            at = t + 0.01 + i * 0.1
            up(at, 0x10, window=8192)
            for j in range(6):
                down(at + 0.001 + j * 1e-4, 0x10, bytes(1366))
            up(at + 0.003, 0x10, window=0)
    path = tmp_path / "consumers.pcap"
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    assert _vectors(path) == {}
    assert _vectors(path, NO_RATE) == {"slow_http": [server]}
