"""Folders of rotating captures into one Parquet dataset, on this machine or a Dask cluster.

Each file is one task (``scan.ingest_file``): it writes ``DATASET/<sha256>/hour=.../*.parquet``
into a hidden partial folder and renames it when complete, so an interrupted ingest
leaves no half file behind and a second run skips what is done: no duplicates.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from workbench.capture.kernel_cache import announce_reader
from workbench.capture.reader import CHUNK_RECORDS
from workbench.capture.records import RecordWalker
from workbench.capture.scan import expand, ingest_file, scan_datasets
from workbench.capture.source import open_evidence, sha256_file
from workbench.errors import expect, expect_paths


def first_timestamp(path: Path) -> int:
    """Capture time (ns) of a file's first packet, without hashing or reading the rest."""
    ev = open_evidence(path, hash_contents=False)
    try:
        chunk = RecordWalker(ev).next_chunk(1)
        return int(chunk[3][0]) if len(chunk[3]) else 0
    finally:
        ev.close()


def _format(path: Path) -> str:
    """A capture's format, sniffed from its first bytes (inside its compression)."""
    ev = open_evidence(path, hash_contents=False)
    try:
        return ev.format
    finally:
        ev.close()


def _distinct(files: list[Path]) -> list[Path]:
    """Drop byte-identical copies (same size, then same SHA-256): each content is ingested once."""
    by_size: dict[int, list[Path]] = {}
    for path in files:
        by_size.setdefault(path.stat().st_size, []).append(path)
    keep = set()
    for group in by_size.values():
        if len(group) == 1:
            keep.add(group[0])
            continue
        seen: dict[str, Path] = {}
        for path in group:
            seen.setdefault(sha256_file(path), path)
        keep.update(seen.values())
    return [p for p in files if p in keep]


def ingest(paths: str | os.PathLike | Sequence[str | os.PathLike], dataset: str | os.PathLike, *,
           workers: int | None = None, scheduler: str | None = None, progress: bool | None = True) -> pl.LazyFrame:  # fmt: skip
    """Ingest captures (files, folders, globs; pcap and pcapng mixed, compressed or not), ordered by
    their first packet, into a Parquet dataset; return a LazyFrame over it.

    ``workers``: parse on a Dask ``LocalCluster`` with that many processes; ``scheduler``: on an
    existing Dask cluster at that address; neither: in this process.

        lazy = wb.capture.ingest("/evidence/rotating/", "dataset/", workers=2)
    """
    expect_paths(paths, "paths", "ingest")
    expect(dataset, (str, os.PathLike), "dataset", "ingest", "a folder path")
    root = Path(dataset)
    root.mkdir(parents=True, exist_ok=True)
    files = _distinct(expand(paths))
    # before any record is read (ordering them walks their first): the reader may compile now,
    # in this process or in the workers, which share Numba's cache folder
    announce_reader(sorted({_format(path) for path in files}), progress)
    files = sorted(files, key=first_timestamp)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(files), unit="file", desc="ingest")
    if workers is None and scheduler is None:
        done = []
        for path in files:
            done.append(ingest_file(path, root, progress=False))
            if bar is not None:
                bar.update()
    else:
        done = _distributed(files, root, workers=workers, scheduler=scheduler, bar=bar)
    if bar is not None:
        bar.close()
    return scan_datasets(done)


def _distributed(
    files: list[Path], root: Path, *, workers: int | None, scheduler: str | None, bar
) -> list[Path]:
    from distributed import as_completed

    from workbench.capture.cluster import dask_cluster

    with dask_cluster(workers, scheduler) as cluster:
        # workers of one machine share its memory: each decodes smaller chunks, so together they
        # need what one process does
        chunk = cluster.share(CHUNK_RECORDS, 1 << 16) if cluster.local_workers else None
        futures = {
            cluster.client.submit(
                ingest_file, path, root, chunk_records=chunk, progress=False, pure=False
            ): k
            for k, path in enumerate(files)
        }
        results: list[Path | None] = [None] * len(files)
        for future in as_completed(futures):
            results[futures[future]] = future.result()
            if bar is not None:
                bar.update()
        return [r for r in results if r is not None]
