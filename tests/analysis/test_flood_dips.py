"""A flood dips now and then: up to ``rate_gap_fill_bins`` (3) quieter bins between its hot ones
count as hot, and their packets are the flood's. In a capture of 20 s or more, judged in 1 s
bins, the gap in ns (4 s) overflowed 32 bits and no dip was filled: the dip's datagrams went
unlabelled."""

from __future__ import annotations

import sys
from pathlib import Path

import polars as pl
import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
TARGET = "198.51.100.7"


def _datagrams(start: float, seconds: float, rate: float, k0: int) -> list[tuple[float, bytes]]:
    """``rate`` datagrams a second from 50 hosts' random ports to the target's port 9999."""
    frames = []
    for k in range(int(seconds * rate)):
        src = f"172.16.1.{(k0 + k) % 50 + 1}"
        sport = 1024 + (k0 + k) * 7919 % 60000
        frames.append((T0 + start + k / rate, ether(ipv4(src, TARGET, 17, udp(sport, 9999, b"x" * 512)))))  # fmt: skip
    return frames


@pytest.mark.parametrize("span", [15.0, 60.0], ids=["100ms-bins", "1s-bins"])
def test_a_floods_dip_is_labelled_with_it(tmp_path, span) -> None:
    """2,000 datagrams a second for 5 bins, then 4 a bin for 2 bins (under
    ``rate_min_bin_packets``, and 4 a second under ``min_rate_pps``), then 2,000 a second again;
    a quiet packet at the capture's ends."""
    bin_s = 1.0 if span >= 20 else 0.1
    dip = 2 * bin_s
    frames = (
        _datagrams(2, 5 * bin_s, 2000, 0)
        + _datagrams(2 + 5 * bin_s, dip, 4 / bin_s, 10**6)
        + _datagrams(2 + 5 * bin_s + dip, 5 * bin_s, 2000, 2 * 10**6)
        + [(T0, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"a")))),
           (T0 + span, ether(ipv4("10.0.0.1", "10.0.0.2", 17, udp(5000, 5001, b"z"))))]
    )  # fmt: skip
    path = tmp_path / "dip.pcap"
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert [(v.vector, list(v.targets)) for v in report.vectors] == [("udp_flood", [TARGET])]
    start, end = (pl.lit(T0 + s).mul(1e9).cast(pl.Int64).cast(pl.Datetime("ns", "UTC")) for s in (2 + 5 * bin_s, 2 + 5 * bin_s + dip))  # fmt: skip
    in_dip = report.packets.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
    assert in_dip.height == 8
    assert in_dip["vector"].to_list() == ["udp_flood"] * in_dip.height
