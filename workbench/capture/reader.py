"""``load``: captures into the packet frame, with metadata that traces every row to its bytes."""

from __future__ import annotations

import mmap
import os
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from workbench.capture import linktypes, walk
from workbench.capture.columns import Columns, Scratch
from workbench.capture.kernel_cache import announce_reader
from workbench.capture.progress import progress_bar
from workbench.capture.records import CUT_FAULTS, RecordWalker
from workbench.capture.schema import empty_frame
from workbench.capture.source import Evidence, open_evidence
from workbench.errors import CaptureFormatError, ParameterError, expect, expect_paths
from workbench.formatting import iso

CHUNK_RECORDS = 1 << 20  # packets decoded per kernel call: bounds memory per chunk

PathLike = str | os.PathLike


class CaptureWarning(UserWarning):
    """A capture was read only in part (damage), or some frames could not be decoded."""


@dataclass
class FileMeta:
    """What one input file is and what was read from it."""

    path: str
    sha256: str
    size: int
    format: str
    compression: str | None
    link_types: list[int]
    interfaces: int
    packets: int = 0
    bytes: int = 0
    start: str | None = None
    end: str | None = None
    snaplen: int | None = None
    drops: int | None = None
    interface_names: list[str | None] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    fault_offset: int | None = None
    # packets whose transport header the snaplen cut before what tells their kind (a TCP
    # segment's flags, a datagram's ports, an ICMP type); None where the reader does not count
    # them (tshark's, a dataset ingested before they were counted)
    cut_headers: int | None = None


@dataclass
class CaptureMeta:
    """Metadata of a loaded capture (one or several files)."""

    files: list[FileMeta]
    engine: str = "fast"

    @property
    def packets(self) -> int:
        return sum(f.packets for f in self.files)

    @property
    def warnings(self) -> list[str]:
        return [w for f in self.files for w in f.warnings]

    @property
    def drops(self) -> int | None:
        known = [f.drops for f in self.files if f.drops is not None]
        return sum(known) if known else None

    def interfaces(self) -> list[dict]:
        """Each interface id with its pcapng name and link type, over every file."""
        seen: dict[tuple[int, str | None], dict] = {}
        for f in self.files:
            for g, link in enumerate(f.link_types):
                name = f.interface_names[g] if g < len(f.interface_names) else None
                seen.setdefault((g, name), {"iface": g, "name": name, "link_type": int(link)})
        return list(seen.values())

    def to_dict(self) -> dict:
        """The report's ``capture`` section (DESIGN.md)."""
        starts = [f.start for f in self.files if f.start]
        ends = [f.end for f in self.files if f.end]
        formats = sorted({f.format for f in self.files})
        return {
            "paths": [f.path for f in self.files],
            "sha256": {f.path: f.sha256 for f in self.files},
            "files": [asdict(f) for f in self.files],
            "format": formats[0] if len(formats) == 1 else formats,
            "link_types": sorted({t for f in self.files for t in f.link_types}),
            "interfaces": self.interfaces(),
            "engine": self.engine,
            "packets": self.packets,
            "bytes": sum(f.bytes for f in self.files),
            "start": min(starts) if starts else None,
            "end": max(ends) if ends else None,
            "drops": self.drops,
            "warnings": self.warnings,
        }


@dataclass
class Capture:
    """A loaded capture: ``packets`` (the packet frame) and ``meta``."""

    packets: pl.DataFrame
    meta: CaptureMeta

    def __len__(self) -> int:
        return self.packets.height

    def __repr__(self) -> str:
        d = self.meta.to_dict()
        return (
            f"Capture({len(d['paths'])} file(s), {d['packets']:,} packets, {d['bytes']:,} bytes,"
            f" {d['start']} .. {d['end']}, drops={d['drops']}, warnings={len(d['warnings'])})"
        )


def _release(ev: Evidence, upto: int) -> None:
    """Let the kernel drop the mapped pages already decoded: resident memory stays bounded by the
    chunk, not the capture (the pages stay in the page cache; the evidence is untouched)."""
    if ev._mmap is None or not hasattr(mmap, "MADV_DONTNEED"):
        return
    length = upto - upto % mmap.PAGESIZE
    if length > 0:
        try:
            ev._mmap.madvise(mmap.MADV_DONTNEED, 0, length)
        except (OSError, ValueError):
            pass


def iter_frames(
    ev: Evidence,
    meta: FileMeta,
    *,
    chunk_records: int = CHUNK_RECORDS,
    strict: bool = False,
    progress=None,
) -> Iterator[pl.DataFrame]:
    """Decode one opened capture chunk by chunk, filling ``meta`` as it goes."""
    announce_reader([ev.format], progress)
    for columns in _decoded(ev, meta, chunk_records, strict, progress):
        yield columns.frame()


def _decoded(
    ev: Evidence,
    meta: FileMeta,
    chunk_records: int,
    strict: bool,
    progress,
    into: Columns | None = None,
) -> Iterator[Columns]:
    """Decode one opened capture chunk by chunk, filling ``meta`` as it goes: each chunk's
    columns, or ``into`` (columns for every record of the file) filled a chunk further."""
    walker = RecordWalker(ev)
    total = ev.data.shape[0] if ev.window is None else ev.size
    bar = progress_bar(total, ev.path.name, progress)
    first_ns = last_ns = None
    not_ip = mirrored = 0
    meta.cut_headers = meta.cut_headers or 0
    scratch = Scratch()
    try:
        while not walker.done:
            before, read_before = walker.offset, walker.progress
            chunk = walker.next_chunk(chunk_records)
            if_kind = linktypes.kinds_array(walker.if_link[: max(walker.n_if, 1)])
            columns = into if into is not None else Columns(chunk[0].shape[0])
            start = columns.rows
            peeled, cut = columns.fill(walker.buf, if_kind, chunk, scratch)
            mirrored += peeled
            meta.cut_headers += cut
            if columns.rows > start:
                ts = chunk[3]
                first_ns = int(ts.min()) if first_ns is None else min(first_ns, int(ts.min()))
                last_ns = int(ts.max()) if last_ns is None else max(last_ns, int(ts.max()))
                meta.packets += columns.rows - start
                meta.bytes += int(chunk[2].sum())
                not_ip += int(np.count_nonzero(columns.fields["ip_ver"][start : columns.rows] == 0))
            if bar is not None:
                bar.update(walker.progress - read_before)
            _release(ev, walker.offset)
            yield columns
            if walker.offset == before and walker.fault is None:
                break  # no progress: cannot happen on valid input, guards against loops
    finally:
        if bar is not None:
            bar.close()
    _finish(ev, walker, meta, first_ns, last_ns, strict, not_ip, mirrored)


def _records(ev: Evidence, chunk_records: int) -> int:
    """How many records a plain capture holds, up to its first fault (a walk of the record
    headers alone)."""
    walker, n = RecordWalker(ev), 0
    while not walker.done:
        before = walker.offset
        n += walker.next_chunk(chunk_records)[0].shape[0]
        _release(ev, walker.offset)
        if walker.offset == before and walker.fault is None:
            break
    return n


def _finish(
    ev: Evidence,
    walker: RecordWalker,
    meta: FileMeta,
    first_ns: int | None,
    last_ns: int | None,
    strict: bool,
    not_ip: int,
    mirrored: int,
) -> None:
    """What the walk learnt of the file (interfaces, drops, times) into ``meta``, and its
    warnings: link types not decoded, most frames not IP, frames read inside a mirror
    encapsulation, records over the snaplen, damage and where it is."""
    meta.link_types = [int(t) for t in walker.if_link[: walker.n_if]]
    meta.interfaces = walker.n_if
    meta.interface_names = walker.names()
    meta.snaplen = int(walker.if_snap[: max(walker.n_if, 1)].max()) if walker.n_if else None
    drops = walker.if_drops[: walker.n_if]
    meta.drops = int(drops[drops >= 0].sum()) if (drops >= 0).any() else None
    meta.start, meta.end = iso(first_ns), iso(last_ns)
    unknown = [t for t in meta.link_types if linktypes.kind_of(t) == linktypes.KIND_UNKNOWN]
    if unknown:
        meta.warnings.append(
            f"{ev.path}: link type(s) {unknown} are not decoded by the fast reader"
            " (rows kept with ip_ver 0); use engine='tshark'"
        )
    elif 2 * not_ip > meta.packets:
        # an attack or benign capture is mostly IP: a majority of other frames is a LAN's own
        # chatter (ARP, STP) or IP inside an encapsulation the fast reader does not peel
        meta.warnings.append(
            f"{ev.path}: {not_ip} of {meta.packets} frames carry no IPv4 or IPv6 that the fast"
            " reader finds (LAN protocols such as ARP, or IP inside an encapsulation it does not"
            " decode); engine='tshark' decodes every encapsulation Wireshark knows"
        )
    if mirrored:
        meta.warnings.append(
            f"{ev.path}: {mirrored} of {meta.packets} frames came inside a mirror or overlay"
            " encapsulation (VXLAN, GENEVE, TZSP or ERSPAN) and are analysed as the frames they"
            " carry; the frame and wire lengths are still those of the capture"
        )
    if walker.over_snaplen:
        meta.warnings.append(
            f"{ev.path}: {walker.over_snaplen} records have a captured length over the snaplen"
        )
    damage = ev.window.damage if ev.window is not None else None
    if damage is not None and (walker.fault is None or walker.fault[0] in CUT_FAULTS):
        # the record cut short at the end is the damage's doing: one warning, saying both offsets
        meta.fault_offset = walker.fault[1] if walker.fault else damage.uncompressed_offset
        if strict:
            raise CaptureFormatError(
                ev.path, damage.compressed_offset, damage.describe(), meta.packets
            )
        meta.warnings.append(
            f"{ev.path}: {damage.describe()}; kept the {meta.packets} packets before it"
        )
    elif walker.fault is not None:
        code, offset = walker.fault
        reason = walk.FAULT_REASONS[code]
        meta.fault_offset = offset
        where = f"byte offset {offset}"
        if ev.window is not None:  # was the compressed stream itself damaged further on?
            later = ev.window.drain()
            where += f" of the decompressed {ev.compression} stream (" + (
                f"the {later.describe()}: the bytes before it may decompress into garbage)"
                if later is not None
                else "which is itself intact)"
            )
        if strict:
            raise CaptureFormatError(ev.path, offset, reason, meta.packets)
        meta.warnings.append(
            f"{ev.path}: {reason} at {where}; kept the {meta.packets} packets before it"
        )


def _paths(paths: PathLike | Sequence[PathLike]) -> list[Path]:
    if isinstance(paths, (str, os.PathLike)):
        return [Path(paths)]
    out = [Path(p) for p in paths]
    if not out:
        raise ParameterError("no capture given")
    return out


def read_file(
    path: PathLike, *, strict: bool = False, progress=None
) -> tuple[pl.DataFrame, FileMeta]:
    """Read one capture file with the fast reader: (packet frame, file metadata). A plain file
    is counted first, then decoded into its frame's own columns (one chunk, never copied); a
    compressed one, which is read once, a chunk at a time, then concatenated."""
    ev = open_evidence(path)
    meta = FileMeta(str(path), "", ev.size, ev.format, ev.compression, [], 0)
    try:
        announce_reader([ev.format], progress)
        if ev.window is None:
            columns = Columns(_records(ev, CHUNK_RECORDS))
            for _ in _decoded(ev, meta, CHUNK_RECORDS, strict, progress, into=columns):
                pass
            frame = columns.frame()
        else:
            frames = list(
                iter_frames(ev, meta, chunk_records=CHUNK_RECORDS, strict=strict, progress=progress)
            )
            frame = pl.concat(frames, rechunk=True) if frames else empty_frame()
    finally:
        ev.close()
        meta.sha256 = ev.sha256  # the hash ran alongside the parse
    return frame, meta


def load(
    paths: PathLike | Sequence[PathLike],
    *,
    engine: str = "fast",
    progress: bool | None = None,
    strict: bool = False,
    check_memory: bool = True,
) -> Capture:
    """Load captures (pcap/pcapng; gzip, bzip2, xz, zstd compressed too) into the packet frame.

    Several files are concatenated in the order given. A damaged file is read up
    to the fault: the packets before it are kept and a ``CaptureWarning`` names
    the file and byte offset (``strict=True`` raises ``CaptureFormatError``).
    Captures that will not fit in memory are refused before reading
    (``CaptureTooLargeError``, which points to ``scan``) unless ``check_memory=False``.

        cap = wb.load("sample_pcaps/mailprovider_2015.pcapng")
    """
    expect_paths(paths, "paths", "wb.load")
    expect(engine, str, "engine", "wb.load", "'fast' or 'tshark'")
    frames, metas = [], []
    files = _paths(paths)
    if check_memory and engine == "fast":
        from workbench.capture.memory import check_fits

        check_fits(files)
    for path in files:
        if engine == "fast":
            frame, meta = read_file(path, strict=strict, progress=progress)
        elif engine == "tshark":
            from workbench.capture import tshark_engine

            # whatever tshark reads: hashed as given, never sniffed by the fast reader
            frame, meta = tshark_engine.read_file(path, strict=strict, progress=progress)
        else:
            raise ParameterError(f"unknown engine {engine!r}: use 'fast' or 'tshark'")
        for message in meta.warnings:
            warnings.warn(message, CaptureWarning, stacklevel=2)
        frames.append(frame)
        metas.append(meta)
    packets = pl.concat(frames, rechunk=False) if len(frames) > 1 else frames[0]
    return Capture(packets, CaptureMeta(metas, engine))
