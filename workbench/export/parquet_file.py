"""The packet frame as Parquet, with the capture metadata in the file's key-value metadata.

Addresses are written as text (``src``, ``dst``): Arrow, pandas, DuckDB and Spark have no
128-bit integer, and an analyst's other tools should open the file as it is.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

from workbench.atomic import atomic_path, check_destination
from workbench.capture import addresses
from workbench.errors import expect

KEY = "ddos_workbench"


def parquet(capture_or_frame, path: str | Path, *, meta: dict | None = None) -> Path:
    """Write the packet frame (or a selection of it) with metadata (inputs, hashes, version).

    wb.export.parquet(cap, "packets.parquet")
    """
    from workbench._version import __version__

    path = check_destination(path)
    if not hasattr(capture_or_frame, "meta"):
        expect(capture_or_frame, (pl.DataFrame, pl.LazyFrame), "capture", "wb.export.parquet",
               "a Capture (wb.load), a packet frame or a LazyFrame")  # fmt: skip
    frame = capture_or_frame.packets if hasattr(capture_or_frame, "packets") else capture_or_frame
    info = {"workbench_version": __version__, "address_encoding": "text", **(meta or {})}
    if hasattr(capture_or_frame, "meta"):
        info["capture"] = capture_or_frame.meta.to_dict()
    text = frame.with_columns(
        pl.col(c).ip.to_text()
        for c in ("src", "dst")
        if frame.collect_schema().get(c) == pl.UInt128
    )
    with atomic_path(path) as tmp:
        if isinstance(text, pl.LazyFrame):  # a dataset's packets: streamed, never all in memory
            text.sink_parquet(tmp, metadata={KEY: json.dumps(info, default=str)})
        else:
            text.write_parquet(tmp, metadata={KEY: json.dumps(info, default=str)})
    return path


def read_parquet(path: str | Path) -> tuple[pl.DataFrame, dict]:
    """(packet frame with UInt128 addresses, metadata) of a file written by ``parquet``."""
    meta = json.loads((pq.read_metadata(path).metadata or {}).get(KEY.encode(), b"{}"))
    frame = pl.read_parquet(path)
    for col in ("src", "dst"):
        if frame.schema.get(col) == pl.String:
            frame = frame.with_columns(addresses.from_text(frame[col], col))
    return frame, meta
