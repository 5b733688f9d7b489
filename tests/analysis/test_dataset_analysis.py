"""Analysis of a Parquet dataset in time windows: the same story as in memory, bounded memory."""

from __future__ import annotations

import gc
import itertools
import json
from datetime import datetime

import polars as pl
import pytest

import workbench as wb
from workbench import synth
from workbench.analysis import windows
from workbench.capture import open_dataset
from workbench.capture.ingest import ingest
from workbench.cli import main


def _seconds(text: str) -> float:
    return datetime.fromisoformat(text.rstrip("Z")[:26]).timestamp()


@pytest.fixture(scope="module")
def case(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dataset-analysis")
    evidence = folder / "evidence"
    evidence.mkdir()
    truth = synth.write("mailprovider-2015", evidence / "attack.pcapng", seed=21, scale=0.3)
    dataset = folder / "dataset"
    ingest(evidence, dataset, progress=False)
    capture = wb.load(evidence / "attack.pcapng")
    memory = wb.analyze(capture, link_capacity="3M")
    return folder, truth, dataset, capture, memory


def _comparable(report) -> dict:
    data = json.loads(report.to_json())
    data.pop("generated")
    for key in ("analysis_windows", "window_packets"):
        data["parameters"].pop(key)
    return data


def test_one_window_gives_the_in_memory_report(case) -> None:
    folder, _, dataset, capture, memory = case
    lazy = wb.analyze(dataset, link_capacity="3M", workdir=folder / "one", progress=False)
    assert lazy.parameters["analysis_windows"] == 1
    assert isinstance(lazy.packets, pl.LazyFrame)
    mine, theirs = _comparable(lazy), _comparable(memory)
    # the dataset keeps the capture metadata: the same file, the same hash
    assert (
        mine["capture"]["sha256"] == theirs["capture"]["sha256"] == capture.meta.to_dict()["sha256"]
    )
    mine.pop("capture"), theirs.pop("capture")
    assert mine == theirs
    assert lazy.series.equals(memory.series)
    # the parts keep the vector as the table's Enum; users read it as text, as in memory
    packets = lazy.packets.collect()
    assert packets["vector"].dtype == memory.packets["vector"].dtype == pl.String
    assert packets["vector"].equals(memory.packets["vector"])


def test_many_windows_tell_the_same_story(case) -> None:
    folder, truth, dataset, capture, memory = case
    window = capture.packets.height // 6
    report = wb.analyze(
        dataset, link_capacity="3M", window_packets=window, workdir=folder / "many", progress=False
    )
    assert report.parameters["analysis_windows"] >= 5
    assert report.parameters["window_packets"] == window
    # every phase of the truth is found within 3 s, with its vectors
    attack = [p for p in report.phases if p["kind"] != "baseline"]
    for true_phase in (p for p in truth["phases"] if p["kind"] != "baseline"):
        a = _seconds(true_phase["start"])
        found = min(attack, key=lambda p: abs(_seconds(p["start"]) - a))
        assert abs(_seconds(found["start"]) - a) <= 3, (true_phase, found)
        assert set(true_phase["vectors"]) <= set(found["vectors"])
    assert {v["vector"] for v in report.vectors} == {v["vector"] for v in memory.vectors}
    assert [t.get("prefix") or t["address"] for t in report.targets[:3]] == [
        t.get("prefix") or t["address"] for t in memory.targets[:3]
    ]
    # verdicts are judged over the whole dataset: windows change nothing but what a window edge
    # cuts in two (a handshake, a fragmented datagram)
    assert [(p["start"], p["end"], p["vectors"]) for p in report.phases] == [
        (p["start"], p["end"], p["vectors"]) for p in memory.phases
    ]
    for mine, theirs in zip(report.vectors, memory.vectors, strict=True):
        assert mine["packets"] == pytest.approx(theirs["packets"], rel=0.002), mine["vector"]
    # per-bin figures combine exactly: every window holds whole seconds
    assert (
        report.series.group_by("ts")
        .agg(pl.col("packets").sum())
        .sort("ts")
        .equals(memory.series.group_by("ts").agg(pl.col("packets").sum()).sort("ts"))
    )
    assert report.saturation["peaks"] == memory.saturation["peaks"]
    assert report.saturation["intervals"] == memory.saturation["intervals"]
    assert report.saturation["drops"] == memory.saturation["drops"]
    labelled = report.packets.select(pl.len(), pl.col("vector").is_not_null().sum()).collect()
    assert labelled.row(0)[0] == capture.packets.height


def test_windows_as_dask_tasks_give_the_same_report(case) -> None:
    """Each window of each pass a task on a LocalCluster of 2 processes: the same report, byte for
    byte, as one process with the same windows."""
    folder, _, dataset, capture, _ = case
    window = capture.packets.height // 5
    options = {"link_capacity": "3M", "window_packets": window, "progress": False}
    here = wb.analyze(dataset, **options, workdir=folder / "here")
    there = wb.analyze(dataset, **options, workdir=folder / "there", workers=2)
    assert there.parameters["dask"] == {"workers": 2} and here.parameters["dask"] is None
    assert there.parameters["analysis_windows"] == here.parameters["analysis_windows"] >= 5
    mine, theirs = _comparable(there), _comparable(here)
    mine["parameters"].pop("dask"), theirs["parameters"].pop("dask")
    assert mine == theirs
    assert there.series.equals(here.series)
    assert sorted(p.name for p in (folder / "there").glob("window-*.parquet")) == sorted(
        p.name for p in (folder / "here").glob("window-*.parquet")
    )


def test_sources_counted_in_hash_parts_give_the_same_report(case, monkeypatch) -> None:
    """Per-source figures (distinct sources, top sources, countries, ASNs, spoofing) taken a hash
    part of the sources at a time, as on a dataset with millions of sources, combine exactly."""
    from workbench.analysis import queries

    folder, _, dataset, capture, memory = case
    assert len(queries.source_parts(capture.packets.lazy())) == 1
    monkeypatch.setattr(queries, "SOURCE_PART_ROWS", -(-capture.packets.height // 7))
    assert len(queries.source_parts(capture.packets.lazy())) == 7
    parted = wb.analyze(dataset, link_capacity="3M", workdir=folder / "parted", progress=False)
    mine, theirs = _comparable(parted), _comparable(memory)
    mine.pop("capture"), theirs.pop("capture")
    assert mine == theirs


def test_evidence_folded_every_two_windows_gives_the_same_report(case, monkeypatch) -> None:
    """Folding the windows' evidence (sums, distinct values capped at what the thresholds ask)
    keeps memory bounded by the targets and changes no verdict."""
    from workbench.analysis.vectors import evidence

    folder, _, dataset, capture, _ = case
    options = {
        "link_capacity": "3M",
        "window_packets": capture.packets.height // 8,
        "progress": False,
    }
    monkeypatch.setattr(evidence, "COMPACT_EVERY", 10**6)
    unfolded = wb.analyze(dataset, **options, workdir=folder / "unfolded")
    monkeypatch.setattr(evidence, "COMPACT_EVERY", 2)
    calls = []
    original = evidence.Evidence.compact
    monkeypatch.setattr(
        evidence.Evidence, "compact", lambda self: calls.append(1) or original(self)
    )
    folded = wb.analyze(dataset, **options, workdir=folder / "folded")
    assert folded.parameters["analysis_windows"] >= 8 and len(calls) >= 4
    assert _comparable(folded) == _comparable(unfolded)


def test_pass_two_labels_with_what_pass_one_kept_as_with_candidates_found_again(case, tmp_path) -> None:  # fmt: skip
    """Pass 1 keeps each window's candidates for pass 2; labelling with them gives the part that
    finding its candidates again gives."""
    _, _, dataset, _, _ = case
    lazy, _ = open_dataset(dataset)
    lo, hi, _ = windows.plan(lazy)[0]
    bin_ns = wb.AnalysisConfig().rate_bin_ms(hi - lo) * 1_000_000
    kept_part, fresh_part = str(tmp_path / "kept.parquet"), str(tmp_path / "fresh.parquet")
    evidence = windows.Evidence.empty(wb.AnalysisConfig(), bin_ns)
    evidence.merge(windows.window_evidence(lazy, lo, hi, wb.AnalysisConfig(), bin_ns, kept_part))
    assert windows._kept(kept_part).exists()
    verdicts = evidence.verdicts()
    kept = windows.window_labels(lazy, lo, hi, verdicts, kept_part)
    assert not windows._kept(kept_part).exists()
    fresh = windows.window_labels(lazy, lo, hi, verdicts, fresh_part)
    labelled = pl.read_parquet(kept_part)
    assert labelled["vector"].drop_nulls().n_unique() >= 3  # an attack's window: labels to compare
    assert labelled.equals(pl.read_parquet(fresh_part))
    assert kept.fine_series().equals(fresh.fine_series())


def test_window_plan_holds_whole_seconds_and_every_packet(case) -> None:
    _, _, dataset, capture, _ = case
    lazy, _ = open_dataset(dataset)
    plan = windows.plan(lazy, 20_000)
    assert sum(n for *_, n in plan) == capture.packets.height
    for (lo, hi, _), (nxt, *_) in zip(plan, [*plan[1:], (None,)], strict=True):
        assert lo % 1_000_000_000 == 0 and hi % 1_000_000_000 == 0 and lo < hi
        assert nxt is None or hi <= nxt
    ts = capture.packets["ts"].cast(pl.Int64)
    busiest = (ts // 1_000_000_000).value_counts()["count"].max()
    assert all(n <= max(20_000, busiest) for *_, n in plan)


def test_scratch_parts_go_with_the_report(case, tmp_path, monkeypatch) -> None:
    _, _, dataset, _, _ = case
    monkeypatch.setenv("WORKBENCH_CACHE", str(tmp_path))
    report = wb.analyze(dataset, window_packets=50_000, progress=False)
    parts = list((tmp_path / "analysis").glob("labelled-*/window-*.parquet"))
    assert len(parts) == report.parameters["analysis_windows"] > 1
    # what pass 1 kept for pass 2 (each window's candidates) is gone once it was used
    assert sorted((tmp_path / "analysis").glob("labelled-*/*")) == sorted(parts)
    del report
    gc.collect()
    assert not list((tmp_path / "analysis").glob("labelled-*"))


def test_a_lazyframe_from_scan_is_analysed_too(case) -> None:
    folder, _, dataset, capture, memory = case
    lazy, _ = open_dataset(dataset)
    report = wb.analyze(lazy, window_packets=10**9, workdir=folder / "lazy", progress=False)
    assert report.capture["packets"] == capture.packets.height
    assert [p["start"] for p in report.phases] == [p["start"] for p in memory.phases]


def test_not_a_dataset_is_a_clear_error(tmp_path) -> None:
    with pytest.raises(wb.errors.WorkbenchError, match="not a dataset"):
        wb.analyze(tmp_path)


def test_cli_analyses_a_dataset_folder(case, tmp_path, capsys) -> None:
    _, _, dataset, _, memory = case
    out = tmp_path / "report.json"
    code = main(["analyze", str(dataset), "--link", "3M", "--window-packets", "40000",
                 "--workdir", str(tmp_path / "work"), "--json", str(out)])  # fmt: skip
    assert code == 0
    data = json.loads(out.read_text())
    assert data["parameters"]["analysis_windows"] > 1
    assert {v["vector"] for v in data["vectors"]} == {v["vector"] for v in memory.vectors}
    printed = capsys.readouterr()
    assert "Capture: " in printed.out and "Spoofing: " in printed.out  # the summary ...
    assert str(out) in printed.err  # ... and where the JSON went


def test_dashboard_on_a_dataset_report(case) -> None:
    folder, _, dataset, _, _ = case
    report = wb.analyze(dataset, window_packets=50_000, workdir=folder / "dash", progress=False)
    dash = wb.Dashboard(None, report)
    dash.vector_picker.value = "syn_flood"
    assert dash.selected["vector"].unique().to_list() == ["syn_flood"]
    assert dash.packet_table.value.count("<td>SYN flood</td>") == 20
    dash.vector_picker.value = None
    dash.map._vl_selections = {"country": {"value": {"vlPoint": {"or": [{"iso2": "JP"}]}}, "store": []}}  # fmt: skip
    assert dash.state.country == "JP" and dash.packet_table.value.count("<tr>") > 1
    assert (
        dash.dissect_selection().is_empty() and "reads the capture file" in dash.dissect_view.value
    )


def test_exports_of_a_dataset_report(case, tmp_path) -> None:
    folder, _, dataset, _, memory = case
    report = wb.analyze(dataset, window_packets=50_000, workdir=folder / "exports", progress=False)
    fps = json.loads(wb.export.fingerprint(report, tmp_path / "fp.json").read_text())
    mine = [f["total_packets"] for f in fps["fingerprints"]]
    theirs = [f["total_packets"] for f in wb.export.fingerprints(memory)]
    assert mine == pytest.approx(theirs, rel=0.002) and all(mine)
    frame, _ = wb.export.read_parquet(wb.export.parquet(report.packets, tmp_path / "p.parquet"))
    assert frame.height == memory.packets.height and "vector" in frame.columns


def test_phase_column_for_thousands_of_phases(monkeypatch) -> None:
    """Phase index by binary search: right at the edges, null outside, the same without the
    streamed ``bin_intervals`` (experimental in Polars), and chained tests when phases have gaps."""
    from workbench.analysis.phases import phase_column

    edges = list(range(0, 30_000, 10))  # 3,000 phases of 10 ns
    bounds = list(itertools.pairwise(edges))
    ts = pl.Series([-1, 0, 9, 10, 29_985, 29_989, 29_990, 40_000], dtype=pl.Int64)
    frame = pl.DataFrame({"ts": ts.cast(pl.Datetime("ns", "UTC"))})
    expected = [None, 0, 0, 1, 2_998, 2_998, None, None]
    assert frame.select(phase_column(bounds).alias("p"))["p"].to_list() == expected
    monkeypatch.delattr(pl.Expr, "bin_intervals")
    assert frame.select(phase_column(bounds).alias("p"))["p"].to_list() == expected
    gappy = [(0, 5), (10, 20)]
    assert frame.head(4).select(phase_column(gappy).alias("p"))["p"].to_list() == [None, 0, None, 1]


def test_a_day_between_two_merged_captures_is_no_baseline_in_windows_either(tmp_path) -> None:
    """Two captures of a busy DNS server a day apart, merged: the day between is time the
    capture did not cover, so neither in memory nor over a dataset's windows (the silence
    falls between two windows) is the server's steady load a flood; water torture at 13x that
    load after the jump is found either way."""
    for name, expected in (("merged-days", []), ("merged-water-torture", ["dns_water_torture"])):
        evidence = tmp_path / name
        evidence.mkdir()
        synth.write(name, evidence / "merged.pcap", seed=11, scale=0.2)
        dataset = tmp_path / f"{name}-dataset"
        ingest(evidence, dataset, progress=False)
        memory = wb.analyze(wb.load(evidence / "merged.pcap"))
        lazy = wb.analyze(
            dataset, window_packets=2_000, workdir=tmp_path / f"{name}-work", progress=False
        )
        assert lazy.parameters["analysis_windows"] > 2
        for report in (memory, lazy):
            assert [v.vector for v in report.vectors] == expected
        assert [p["kind"] for p in lazy.phases] == [p["kind"] for p in memory.phases]
