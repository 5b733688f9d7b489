"""``scan``: captures of any size into a Parquet cache, queried lazily.

The cache lives in the user's cache folder (``WORKBENCH_CACHE`` or
``$XDG_CACHE_HOME/ddos-workbench``), keyed by each capture's SHA-256, never next
to the evidence. Parsing goes chunk by chunk, so memory stays bounded by the
chunk size, not the capture size; a second scan of the same bytes reuses the cache.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import shutil
import uuid
import warnings
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict
from pathlib import Path

import polars as pl

from workbench.capture.decode import DECODER_VERSION
from workbench.capture.reader import (
    CHUNK_RECORDS,
    CaptureMeta,
    CaptureWarning,
    FileMeta,
    iter_frames,
)
from workbench.capture.schema import PACKET_SCHEMA, UNKNOWN_IS_NULL, empty_frame
from workbench.capture.source import open_evidence
from workbench.errors import CaptureError, CaptureNotFoundError, expect, expect_paths, out_of_space

META_NAME = "capture.json"
DECODER_NAME = "decoder"  # the decoder version that wrote a cache entry


def cache_root() -> Path:
    """Where Parquet caches go unless ``cache_dir`` is given."""
    env = os.environ.get("WORKBENCH_CACHE")
    if env:
        return Path(env)
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "ddos-workbench"


def capture_format(path: Path) -> tuple[str | None, str]:
    """What the reader makes of a file's first bytes: (``"pcap"`` or ``"pcapng"``, with its
    compression if any), or (None, why not: its magic, empty, a corrupt compressed stream...).
    Asks ``open_evidence`` itself (no hash), so a folder holds exactly what the reader reads."""
    try:
        ev = open_evidence(path, hash_contents=False)
    except CaptureError as error:
        reason = getattr(error, "reason", str(error))
        return None, reason.split("; try engine=")[0]  # the folder's note says it once
    except OSError as error:  # unreadable: permissions, vanished meanwhile
        return None, f"unreadable: {error}"
    ev.close()
    return ev.format, f"{ev.compression}, {ev.format}" if ev.compression else ev.format


def _folder_captures(folder: Path) -> list[Path]:
    """The pcap and pcapng files (compressed or not) in a folder, chosen by their magic bytes as
    the reader does, not by name; a ``CaptureWarning`` names everything else, skipped."""
    found, skipped = [], []
    for entry in sorted(folder.iterdir()):
        if not entry.is_file():
            skipped.append(f"{entry.name} ({'folder' if entry.is_dir() else 'not a regular file'})")
            continue
        fmt, what = capture_format(entry)
        if fmt is None:
            skipped.append(f"{entry.name} ({what})")
        else:
            found.append(entry)
    if skipped:
        shown = ", ".join(skipped[:20]) + (
            f" and {len(skipped) - 20} more" if len(skipped) > 20 else ""
        )
        warnings.warn(
            f"{folder}: skipped {len(skipped)} entr{'y' if len(skipped) == 1 else 'ies'} that "
            f"{'is' if len(skipped) == 1 else 'are'} not a pcap or pcapng capture: {shown}"
            " (other capture formats: convert with `editcap -F pcapng`, or load them with"
            " engine='tshark')",
            CaptureWarning,
            stacklevel=4,  # the caller of scan / ingest
        )
    return found


def expand(paths: str | os.PathLike | Sequence[str | os.PathLike]) -> list[Path]:
    """Files named by paths, globs and folders (folders: every pcap and pcapng file inside, chosen
    by its magic bytes; the rest is skipped with a ``CaptureWarning`` that names it)."""
    items = [paths] if isinstance(paths, (str, os.PathLike)) else list(paths)
    found: list[Path] = []
    for item in items:
        text = str(item)
        if any(ch in text for ch in "*?["):
            matches = sorted(Path(m) for m in glob.glob(text))
            if not matches:
                raise CaptureNotFoundError(text, "no file matches this pattern")
            found.extend(m for m in matches if m.is_file())
        elif Path(text).is_dir():
            found.extend(_folder_captures(Path(text)))
        else:
            found.append(Path(text))
    return found


@contextmanager
def _cache_lock(root: Path, sha256: str, path: Path) -> Iterator[None]:
    """One writer at a time for one capture's cache entry: a second analysis of the same bytes
    sharing the cache folder waits for the first, then reuses its complete entry (an advisory
    ``flock`` on ``.<sha256>.lock``; released by the system if the holder dies)."""
    try:
        import fcntl
    except ImportError:  # no flock (Windows): each run still writes its own scratch folder
        yield
        return
    with open(root / f".{sha256}.lock", "a+b") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            warnings.warn(
                f"{path}: another process is writing its cache entry in {root}; waiting for it",
                CaptureWarning,
                stacklevel=4,
            )
            fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def ingest_file(path: Path, root: Path, *, chunk_records: int | None = None, progress=None) -> Path:
    """Parse one capture into ``root/<sha256>/part-*.parquet`` (skipped when already complete).

    The entry is written into a scratch folder and renamed when complete, under a lock on the
    capture's hash: an interrupted run, a full disk or a second process never leaves a partial
    or mixed entry (a full disk raises ``OutOfSpaceError``)."""
    ev = open_evidence(path)
    try:
        sha256 = ev.sha256
    except BaseException:
        ev.close()
        raise
    target = root / sha256
    with _cache_lock(root, sha256, path):
        if (target / META_NAME).is_file() and _current(target):
            ev.close()
            return target
        for stale in root.glob(
            f".{sha256}.*.partial"
        ):  # left by an interrupted run (we hold the lock)
            shutil.rmtree(stale, ignore_errors=True)
        partial = root / f".{sha256}.{uuid.uuid4().hex[:8]}.partial"  # this run's scratch folder
        try:
            _write_entry(ev, path, partial, chunk_records, progress)
        except BaseException as error:
            shutil.rmtree(partial, ignore_errors=True)
            full = out_of_space(error, root, f"the Parquet cache of {path}")
            if full is not None:
                raise full from error
            raise
        shutil.rmtree(target, ignore_errors=True)  # an entry of an older schema
        partial.rename(target)  # atomic: an entry is either complete or absent
    return target


def cached_set(entries: Sequence[Path], root: Path) -> Path:
    """A dataset folder of several cache entries (``ingest_file``'s, under ``root``), read
    together by ``open_dataset`` and no other entry: ``root/sets/<key>`` (the key a hash of
    their hashes), holding a link to each entry."""
    names = sorted({entry.name for entry in entries})
    key = hashlib.sha256("\n".join(names).encode()).hexdigest()[:16]
    folder = root / "sets" / key
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        try:
            (folder / name).symlink_to(Path("..", "..", name), target_is_directory=True)
        except FileExistsError:  # made by an earlier run, or another process now
            pass
    return folder


def _write_entry(ev, path: Path, partial: Path, chunk_records: int | None, progress) -> None:
    """Parse the evidence into ``partial`` (hour folders of Parquet parts and the metadata)."""
    chunk_records = chunk_records or int(os.environ.get("WORKBENCH_CHUNK_RECORDS", CHUNK_RECORDS))
    partial.mkdir(parents=True)
    meta = FileMeta(str(path), ev.sha256, ev.size, ev.format, ev.compression, [], 0)
    try:
        for index, frame in enumerate(
            iter_frames(ev, meta, chunk_records=chunk_records, progress=progress)
        ):
            # one folder per hour of capture time: queries on a time range read only its hours
            hours = frame.with_columns(_hour=pl.col("ts").dt.strftime("%Y-%m-%dT%H"))
            for (hour,), part in hours.partition_by("_hour", as_dict=True).items():
                folder = partial / f"hour={hour}"
                folder.mkdir(exist_ok=True)
                part.drop("_hour").write_parquet(
                    folder / f"part-{index:06d}.parquet", statistics=True
                )
    finally:
        ev.close()
    (partial / META_NAME).write_text(json.dumps(asdict(meta), indent=2))
    (partial / DECODER_NAME).write_text(str(DECODER_VERSION))


def _parts(dataset: Path) -> list[Path]:
    return sorted(dataset.glob("hour=*/*.parquet"), key=lambda p: (p.name, p.parent.name))


def _current(dataset: Path) -> bool:
    """Whether a complete cache entry has today's packet schema and was written by today's
    decoder (older versions lack columns, or read a field differently: re-ingesting the
    evidence brings them)."""
    marker = dataset / DECODER_NAME
    if not marker.is_file() or marker.read_text().strip() != str(DECODER_VERSION):
        return False
    parts = _parts(dataset)
    return not parts or pl.read_parquet_schema(parts[0]) == dict(PACKET_SCHEMA)


def read_meta(dataset: Path) -> FileMeta:
    """The capture metadata stored beside a scanned dataset."""
    return FileMeta(**json.loads((dataset / META_NAME).read_text()))


def scan(
    paths: str | os.PathLike | Sequence[str | os.PathLike],
    cache_dir: str | os.PathLike | None = None,
    *,
    progress: bool | None = None,
) -> pl.LazyFrame:
    """Parse captures (files, folders, globs) into a Parquet cache; return a LazyFrame.

    lazy = wb.scan("captures/*.pcap*")
    lazy.group_by("dport").len().collect()
    """
    expect_paths(paths, "paths", "wb.scan")
    if cache_dir is not None:
        expect(cache_dir, (str, os.PathLike), "cache_dir", "wb.scan", "a folder path or None")
    root = Path(cache_dir) if cache_dir is not None else cache_root()
    root.mkdir(parents=True, exist_ok=True)
    datasets = [ingest_file(p, root, progress=progress) for p in expand(paths)]
    return scan_datasets(datasets)


def scan_datasets(datasets: list[Path]) -> pl.LazyFrame:
    """LazyFrame over ingested datasets, in the given order (the packet schema, no extra columns)."""
    lazies = []
    for d in datasets:
        parts = _parts(d)
        if not parts:
            continue
        lazy = pl.scan_parquet([str(p) for p in parts], hive_partitioning=False)
        names = pl.read_parquet_schema(parts[0])
        if names != dict(PACKET_SCHEMA):
            # written by an older version: the columns it lacks are zeros, or null where zero
            # means something (a TCP window of 0 is a receiver that takes nothing more)
            lazy = lazy.with_columns(
                pl.lit(None if c in UNKNOWN_IS_NULL else 0, dtype=t).alias(c)
                for c, t in PACKET_SCHEMA.items()
                if c not in names
            ).select(PACKET_SCHEMA.names())
        lazies.append(lazy)
    if not lazies:
        return empty_frame().lazy()
    return lazies[0] if len(lazies) == 1 else pl.concat(lazies, how="vertical")


def open_dataset(root: str | os.PathLike) -> tuple[pl.LazyFrame, CaptureMeta]:
    """The packets of a dataset folder (``ingest``'s output, or one ``<sha256>`` folder in it)
    as a LazyFrame, with the metadata of every capture in it, ordered by first packet."""
    expect(root, (str, os.PathLike), "root", "open_dataset", "a dataset folder path")
    root = Path(root)
    if not root.is_dir():
        raise CaptureNotFoundError(str(root), "no such dataset folder")
    folders = (
        [root] if (root / META_NAME).is_file() else [d.parent for d in root.glob(f"*/{META_NAME}")]
    )
    if not folders:
        raise CaptureNotFoundError(
            str(root),
            "not a dataset: no <sha256>/capture.json inside (write one with `workbench ingest`)",
        )
    metas = {d: read_meta(d) for d in folders}
    folders.sort(key=lambda d: (metas[d].start or "", metas[d].path))
    return scan_datasets(folders), CaptureMeta([metas[d] for d in folders])
