"""Each phase's packets, bytes and attack packets are those of its own packets: a phase that
starts at the first packet of its vectors, inside a 100 ms bin, splits that bin's packets
between the phase before and itself (a series row of the bin would give them all to one)."""

from __future__ import annotations

import polars as pl
import pytest

import workbench as wb
from workbench import synth
from workbench.analysis.phases import own_traffic, phase_bounds, phase_column
from workbench.analysis.series import FINE_BIN_MS


@pytest.mark.parametrize("name", ["tcp-state-floods", "unlisted-reflection"])
def test_phase_volumes_are_counted_from_their_packets(tmp_path, name: str) -> None:
    path = tmp_path / f"{name}.pcap"
    synth.write(name, path, seed=1, scale=1.0)
    report = wb.analyze(wb.load(path))
    bounds = phase_bounds(list(report.phases))
    bin_ns = FINE_BIN_MS * 1_000_000
    assert any(lo % bin_ns for lo, _ in bounds[1:])  # a boundary inside a bin: the case at stake
    packets = report.packets.lazy()
    placed = (
        packets.with_columns(phase=phase_column(bounds))
        .group_by("phase")
        .agg(pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"))
        .collect()
    )
    present = [p["vectors"] if p["kind"] != "baseline" else [] for p in report.phases]
    own = own_traffic(packets, bounds, present).group_by("phase").len().collect()
    totals = {r["phase"]: (r["packets"], r["bytes"]) for r in placed.iter_rows(named=True)}
    attack = dict(own.iter_rows())
    for phase in report.phases:
        k = phase["index"]
        assert (phase["packets"], phase["bytes"]) == totals.get(k, (0, 0)), k
        assert phase["attack_packets"] == attack.get(k, 0), k
    assert sum(p["attack_packets"] for p in report.phases) == sum(
        v["packets"] for v in report.vectors
    )
