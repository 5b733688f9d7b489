"""A synthesized scenario analysed as a Parquet dataset in several time windows (what a 20 GB
capture gets), the vectors a report names with their targets, and how well its packets are
labelled against the synthesizer's truth."""

from __future__ import annotations

from pathlib import Path

import polars as pl

import workbench as wb
from workbench import synth
from workbench.capture.ingest import ingest


def in_memory(folder: Path, name: str, vector: str | None = None, *, seed: int = 5,
              scale: float = 0.3):  # fmt: skip
    """``name`` written into ``folder`` and analysed in memory: (report, recall, precision), the
    last two of ``vector``'s packet labels against the synthesizer's truth (None without one)."""
    path = folder / f"{name}.pcap"
    synth.write(name, path, seed=seed, scale=scale)
    capture = wb.load(path)
    report = wb.analyze(capture)
    if vector is None:
        return report, None, None
    truth = pl.read_parquet(synth.labels_path(path))["label"] == vector
    found = wb.analysis.classify(capture.packets)["vector"] == vector
    hit = (found & truth).sum()
    return report, hit / max(truth.sum(), 1), hit / max(found.sum(), 1)


def vectors(report) -> list[tuple[str, list[str]]]:
    """(vector, targets) of every vector the report names."""
    return [(v.vector, list(v.targets)) for v in report.vectors]


def vectors_of(path: Path, data: bytes) -> list[tuple[str, list[str]]]:
    """A capture's bytes (built by hand) written to ``path`` and analysed in memory: (vector,
    targets) of every vector the report names."""
    path.write_bytes(data)
    return vectors(wb.analyze(wb.load(path)))


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
