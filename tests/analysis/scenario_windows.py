"""A synthesized scenario analysed as a Parquet dataset in several time windows (what a 20 GB
capture gets), the vectors a report names with their targets, and how well its packets are
labelled against the synthesizer's truth."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import workbench as wb
from workbench import synth
from workbench.capture.ingest import ingest


def labelled(path: Path, capture, vector: str) -> tuple[float, float]:
    """Recall and precision of ``vector``'s packet labels on a synthesized capture (``path``,
    loaded as ``capture``), against the synthesizer's truth."""
    truth = pl.read_parquet(synth.labels_path(path))["label"] == vector
    found = wb.analysis.classify(capture.packets)["vector"] == vector
    hit = (found & truth).sum()
    return hit / max(truth.sum(), 1), hit / max(found.sum(), 1)


def vectors(report) -> list[tuple[str, list[str]]]:
    """(vector, targets) of every vector the report names."""
    return [(v.vector, list(v.targets)) for v in report.vectors]


def over_windows(folder: Path, name: str, *, window_packets: int, seed: int = 5,
                 scale: float = 0.3):  # fmt: skip
    """``name`` written into a folder of its own, ingested, and analysed window by window:
    (report, capture path, truth). More than two windows, or the test proves nothing."""
    evidence = folder / name
    evidence.mkdir()
    path = evidence / "capture.pcap"
    truth = synth.write(name, path, seed=seed, scale=scale)
    dataset = folder / f"{name}-dataset"
    ingest(evidence, dataset, progress=False)
    report = wb.analyze(dataset, window_packets=window_packets, workdir=folder / f"{name}-work",
                        progress=False)  # fmt: skip
    assert report.parameters["analysis_windows"] > 2
    return report, path, truth
