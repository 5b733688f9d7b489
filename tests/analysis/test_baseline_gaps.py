"""Time a capture did not cover (``baseline_gap_s``: merged files, a capture stopped and
restarted) is no part of a baseline: counted the same whether the silence falls inside one
window or between two, and the rate test then judges a busy server by its own load."""

from __future__ import annotations

import polars as pl

import workbench as wb
from workbench import synth
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.partials import silences
from workbench.analysis.vectors.context import candidates
from workbench.analysis.vectors.evidence import Evidence

SECOND = 1_000_000_000


def _evidence(frame: pl.DataFrame, config: AnalysisConfig) -> Evidence:
    evidence = Evidence.empty(config, SECOND)
    evidence.add(frame, candidates(frame, config, SECOND))
    return evidence


def test_a_silence_between_windows_counts_as_one_inside_a_window(tmp_path) -> None:
    path = tmp_path / "merged.pcap"
    truth = synth.write("merged-days", path, seed=11, scale=0.2)
    frame = wb.load(path).packets.sort("ts")
    ts = frame["ts"].cast(pl.Int64)
    cut = int(ts.diff().arg_max())  # the first packet after the day-long jump
    day = truth["time_jumps"][0]["seconds"]
    config = AnalysisConfig()
    whole = _evidence(frame, config)
    split = _evidence(frame[:cut], config)
    split.merge(_evidence(frame[cut:], config))
    # the whole seconds of the day with not one packet, in both
    expected = ts[cut] // SECOND - ts[cut - 1] // SECOND - 1
    assert whole.silent_s == split.silent_s == expected > day - 2
    assert (whole.first_s, whole.last_s) == (split.first_s, split.last_s)
    # the busy DNS server's steady load is a flood in neither, and in both without the rule
    for evidence in (whole, split):
        assert evidence.verdicts().hot["dst"].is_empty()
    never = _evidence(frame, AnalysisConfig(baseline_gap_s=float("inf")))
    assert never.silent_s == 0
    assert not never.verdicts().hot["dst"].is_empty()


def test_only_silences_longer_than_the_gap_are_left_out() -> None:
    # one packet a second and a 30 s pause: a quiet stretch of a capture that was running
    times = pl.Series([s * SECOND for s in (*range(0, 20), *range(50, 70))], dtype=pl.Int64)
    assert silences(times, 60 * SECOND) == []
    assert silences(times, 20 * SECOND) == [(19 * SECOND, 50 * SECOND)]
    # and the silence after what came before
    assert silences(times, 60 * SECOND, before=-100 * SECOND) == [(-100 * SECOND, 0)]
