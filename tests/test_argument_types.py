"""Every public function rejects an argument of the wrong type with a workbench error that names
the function and the argument (and is a TypeError too), before doing any work."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.capture.ingest import ingest
from workbench.capture.scan import open_dataset
from workbench.errors import ArgumentTypeError

SAMPLE = Path(__file__).resolve().parents[1] / "sample_pcaps" / "reflection_mix.pcap"


@pytest.fixture(scope="module")
def analysed():
    capture = wb.load(SAMPLE)
    return capture, wb.analyze(capture)


def _cases(capture, report, out: Path):
    return {
        "wb.load: paths": lambda: wb.load(123),
        "wb.load: paths ": lambda: wb.load(None),
        "wb.load: paths  ": lambda: wb.load([SAMPLE, 7]),
        "wb.load: engine": lambda: wb.load(SAMPLE, engine=1),
        "wb.scan: paths": lambda: wb.scan(3.5),
        "wb.scan: cache_dir": lambda: wb.scan(SAMPLE, cache_dir=42),
        "ingest: paths": lambda: ingest(None, out / "d"),
        "ingest: dataset": lambda: ingest(SAMPLE, 5),
        "open_dataset: root": lambda: open_dataset(None),
        "wb.dissect: capture": lambda: wb.dissect(1, [0]),
        "wb.dissect: selection": lambda: wb.dissect(capture, "abc"),
        "wb.dissect: selection ": lambda: wb.dissect(capture, [0, "1"]),
        "wb.dissect: sample_per_vector": lambda: wb.dissect(capture, None, sample_per_vector="10"),
        "export: report": lambda: wb.export.stix(capture, out / "s.json"),
        "export: report ": lambda: wb.export.html(None, out / "r.html"),
        "export: report  ": lambda: wb.export.timeline(capture, out / "t.csv"),
        "export: report   ": lambda: wb.export.fingerprint("report.json", out / "f.json"),
        "export: path": lambda: wb.export.html(report, 5),
        "export: path ": lambda: wb.export.stix(report, None),
        "wb.export.fingerprint: capture": lambda: wb.export.fingerprint(report, out / "f.json", capture=1),
        "wb.export.parquet: capture": lambda: wb.export.parquet(report, out / "p.parquet"),
        "wb.analyze: capture": lambda: wb.analyze(123),
        "wb.analyze: capture ": lambda: wb.analyze({"packets": 1}),
        "wb.analyze: capture  ": lambda: wb.analyze([SAMPLE, None]),
        "wb.analyze: bin_ms": lambda: wb.analyze(capture, bin_ms="100"),
        "wb.analyze: dissect": lambda: wb.analyze(capture, dissect="yes"),
        "wb.analyze: window_packets": lambda: wb.analyze(capture, window_packets="1e6"),
        "wb.analyze: config": lambda: wb.analyze(capture, config={"min_packets": 5}),
        "wb.analyze: workdir": lambda: wb.analyze(capture, workdir=3),
        "AnalysisConfig: min_packets": lambda: wb.AnalysisConfig(min_packets="20"),
        "AnalysisConfig: unsolicited_share": lambda: wb.AnalysisConfig(unsolicited_share=None),
        "wb.Dashboard: report": lambda: wb.Dashboard(capture, capture),
        "wb.Dashboard: capture": lambda: wb.Dashboard(str(SAMPLE), report),
    }  # fmt: skip


CASES = list(_cases(None, None, Path(".")))


@pytest.mark.parametrize("case", CASES)
def test_a_wrong_type_is_named(case, analysed, tmp_path) -> None:
    capture, report = analysed
    where, name = (part.strip() for part in case.split(":"))
    with pytest.raises(ArgumentTypeError) as error:
        _cases(capture, report, tmp_path)[case]()
    assert str(error.value).startswith(f"{where}: {name} must be ")
    assert isinstance(error.value, TypeError) and isinstance(error.value, wb.WorkbenchError)
    assert list(tmp_path.iterdir()) == []  # rejected before any work


def test_the_right_types_still_work(analysed, tmp_path) -> None:
    capture, report = analysed
    import numpy as np

    assert wb.dissect(capture, np.array([0, 1])).height == 2
    assert wb.dissect(capture, pl.Series([0])).height == 1
    assert wb.export.stix(report.to_dict(), tmp_path / "s.json").is_file()  # a saved report
    assert wb.load(str(SAMPLE)).packets.height == wb.load([SAMPLE]).packets.height
    assert wb.AnalysisConfig(unsolicited_share=1, min_packets=20).unsolicited_share == 1
    assert wb.analyze([SAMPLE], dissect=False, bin_ms=100).vectors == report.vectors
