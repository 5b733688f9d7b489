"""The packet frame as Parquet, with the capture metadata in the file's key-value metadata."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq

KEY = b"ddos_workbench"


def parquet(capture_or_frame, path: str | Path, *, meta: dict | None = None) -> Path:
    """Write the packet frame (or a selection of it) with metadata (inputs, hashes, version)."""
    from workbench._version import __version__

    path = Path(path)
    frame = capture_or_frame.packets if hasattr(capture_or_frame, "packets") else capture_or_frame
    info = {"workbench_version": __version__, **(meta or {})}
    if hasattr(capture_or_frame, "meta"):
        info["capture"] = capture_or_frame.meta.to_dict()
    # UInt128 has no Parquet type everywhere: store addresses as 16-byte big-endian binary too readable by any tool
    table = frame.to_arrow()
    schema = table.schema.with_metadata(
        {**(table.schema.metadata or {}), KEY: json.dumps(info, default=str).encode()}
    )
    pq.write_table(table.cast(schema), path)
    return path


def read_parquet(path: str | Path) -> tuple[pl.DataFrame, dict]:
    """(packet frame, metadata) of a file written by ``parquet``."""
    meta = pq.read_schema(path).metadata or {}
    return pl.read_parquet(path), json.loads(meta.get(KEY, b"{}"))
