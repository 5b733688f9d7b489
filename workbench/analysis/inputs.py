"""What ``analyze`` reads: its arguments checked, then a capture, packet frame or Parquet
dataset read and classified (in memory, or in windows over the dataset, maybe on Dask)."""

from __future__ import annotations

import os
import tempfile
from contextlib import ExitStack
from pathlib import Path

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect
from workbench.analysis.steps import step
from workbench.analysis.vectors.labels import judged
from workbench.analysis.windows import WINDOW_PACKETS, Partials, classify_windows
from workbench.capture.schema import empty_frame
from workbench.errors import expect, expect_paths


def check_arguments(
    capture, bin_ms, dissect, window_packets, workdir, workers, scheduler, config
) -> None:
    """Wrong types named before any reading (``ArgumentTypeError``)."""
    where = "wb.analyze"
    if isinstance(capture, (list, tuple)):
        expect_paths(capture, "capture", where)
    elif not hasattr(capture, "packets"):
        expect(capture, (pl.DataFrame, pl.LazyFrame, str, os.PathLike), "capture", where,
               "a Capture (wb.load), a packet frame, a capture or dataset path, or a list of paths")  # fmt: skip
    expect(bin_ms, int, "bin_ms", where, "a bin width in milliseconds (an integer)")
    expect(dissect, (bool, int), "dissect", where, "a number of packets per vector, or True/False")
    for name, value in (("window_packets", window_packets), ("workers", workers)):
        if value is not None:
            expect(value, int, name, where, "a positive integer or None")
    if workdir is not None:
        expect(workdir, (str, os.PathLike), "workdir", where, "a folder path or None")
    if scheduler is not None:
        expect(scheduler, str, "scheduler", where, "a Dask scheduler address or None")
    expect(config, AnalysisConfig, "config", where, "a wb.AnalysisConfig")


def windowed(capture) -> bool:
    """Whether ``capture`` is a dataset, analysed in windows: a LazyFrame, or a path that is no
    file (a list of paths is files, read into memory)."""
    if isinstance(capture, pl.LazyFrame):
        return True
    return isinstance(capture, (str, Path)) and not Path(capture).is_file()


class Inputs:
    """The capture read and classified: in memory, or in windows over a dataset (maybe on Dask)."""

    def __init__(self, capture, config, window_packets, workdir, progress, workers, scheduler):
        self.scratch = None
        several = isinstance(capture, (list, tuple)) and all(
            isinstance(p, (str, Path)) for p in capture
        )
        if several or (isinstance(capture, (str, Path)) and Path(capture).is_file()):
            from workbench.capture.reader import load

            capture = load(list(capture) if several else capture, progress=progress)
        self.capture = capture
        self.files = bool(hasattr(capture, "meta") and capture.meta.files)
        self.window_packets = window_packets
        if windowed(capture):
            lazy, self.meta = _dataset(capture)
            if workdir is None:
                self.scratch = workdir = _scratch()
            with ExitStack() as stack:
                cluster = None
                if workers is not None or scheduler is not None:
                    from workbench.capture.cluster import dask_cluster

                    cluster = stack.enter_context(dask_cluster(workers, scheduler))
                if window_packets is None:  # local workers and this process share one machine
                    self.window_packets = (
                        cluster.share(WINDOW_PACKETS, with_client=True)
                        if cluster
                        else WINDOW_PACKETS
                    )
                with step("classify"):
                    self.classified, self.partials, self.held_back = classify_windows(
                        lazy, workdir, window_packets=self.window_packets, progress=progress,
                        cluster=cluster, config=config,
                    )  # fmt: skip
        else:
            frame, self.meta = _in_memory(capture)
            with step("classify"):
                # the vector kept as the Enum (text at the end)
                self.classified, verdicts = judged(frame, config=config, enum=True)
                self.held_back = verdicts.held_back if verdicts is not None else None
            with step("series"):
                self.partials = Partials()
                self.partials.add(self.classified)
        with step("series"):
            self.series = self.partials.fine_series()
        self.dask = ({"workers": workers} if workers else {"scheduler": scheduler}) if workers or scheduler else None  # fmt: skip

    def span(self) -> tuple[int, int]:
        """First and last packet (ns); the capture's start and end when its metadata lacks them.
        Taken from the partials (each window's first and last, windows in time order): no pass
        over the packets."""
        first, last = self.partials.first_ns, self.partials.last_ns
        self.meta.setdefault("start", fmt.iso(first))
        self.meta.setdefault("end", fmt.iso(last))
        return first, last


def _ns_utc(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """``frame`` with its ``ts`` in nanoseconds, UTC, as the analysis reads it: a frame changed
    by hand can come in another unit (adding a Python ``timedelta`` makes it microseconds), whose
    numbers read as nanoseconds put the capture in January 1970. A time without a zone is UTC."""
    dtype = frame.collect_schema().get("ts")
    if not isinstance(dtype, pl.Datetime) or (dtype.time_unit, dtype.time_zone) == ("ns", "UTC"):
        return frame
    ts = pl.col("ts")
    ts = (
        ts.dt.replace_time_zone("UTC")
        if dtype.time_zone is None
        else ts.dt.convert_time_zone("UTC")
    )
    return frame.with_columns(ts.dt.cast_time_unit("ns"))


def _in_memory(capture) -> tuple[pl.DataFrame, dict]:
    if isinstance(capture, pl.DataFrame):
        capture = _ns_utc(capture)
        return capture, {"paths": [], "sha256": {}, "packets": capture.height,
                         "bytes": int(capture["wire_len"].cast(pl.Int64).sum() or 0) if capture.height else 0}  # fmt: skip
    if capture is None:
        return empty_frame(), {"paths": [], "sha256": {}, "packets": 0, "bytes": 0}
    return capture.packets, capture.meta.to_dict()


def _dataset(source) -> tuple[pl.LazyFrame, dict]:
    """A Parquet dataset (folder written by ``ingest``) or a LazyFrame, with its capture metadata."""
    if isinstance(source, pl.LazyFrame):
        source = _ns_utc(source)
        counts = collect(source.select(pl.len(), pl.col("wire_len").cast(pl.Int64).sum()))
        meta = {"paths": [], "sha256": {}, "packets": int(counts[0, 0]), "bytes": int(counts[0, 1] or 0),
                "note": "a LazyFrame without its capture metadata: analyse the dataset folder to keep the hashes"}  # fmt: skip
        return source, meta
    from workbench.capture.scan import open_dataset

    lazy, capture_meta = open_dataset(source)
    return lazy, capture_meta.to_dict()


def _scratch() -> Path:
    from workbench.capture.scan import cache_root

    root = cache_root() / "analysis"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="labelled-", dir=root))
