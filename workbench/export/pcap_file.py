"""Chosen packets (by default the attack's) copied byte for byte from the evidence into a pcapng
file that colleagues open in Wireshark, tcpdump, Zeek or Arkime, as Wireshark's "Export
Specified Packets" writes it.

Each packet keeps its timestamp (to the nanosecond), captured and wire lengths and interface
(one interface block per interface of each input file, with its link type); its comment names
its vector (Wireshark: ``frame.comment contains "syn_flood"``). The section's comment holds the
evidence block: input hashes, workbench version, parameters. The evidence is read again, and its
hash must be the one loaded: a capture changed since is refused.
"""

from __future__ import annotations

import json
import os
import struct
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import polars as pl
from numba import njit

from workbench.atomic import atomic_path, check_destination
from workbench.errors import CaptureError, ParameterError, expect

SHB, IDB, EPB = 0x0A0D0D0A, 0x00000001, 0x00000006
OPT_END, OPT_COMMENT, SHB_USERAPPL, IF_NAME, IF_TSRESOL = 0, 1, 4, 2, 9


def _option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)


def _block(kind: int, body: bytes) -> bytes:
    size = 12 + len(body)
    return struct.pack("<II", kind, size) + body + struct.pack("<I", size)


def _section(comment: str) -> bytes:
    from workbench._version import __version__

    options = (
        _option(OPT_COMMENT, comment.encode())
        + _option(SHB_USERAPPL, f"ddos-workbench {__version__}".encode())
        + _option(OPT_END, b"")
    )
    return _block(SHB, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + options)


def _interface(link: int, snaplen: int, name: str | None) -> bytes:
    options = _option(IF_TSRESOL, bytes([9]))  # nanoseconds, as the packet frame keeps them
    if name:
        options += _option(IF_NAME, name.encode())
    options += _option(OPT_END, b"")
    return _block(IDB, struct.pack("<HHI", link, 0, snaplen) + options)


@njit(inline="always", cache=True)
def _put32(out, at, value):
    """``value`` as a little-endian 32-bit word at ``out[at]``."""
    v = np.uint64(value)
    for b in range(4):
        out[at + b] = (v >> np.uint64(8 * b)) & np.uint64(0xFF)


@njit(cache=True)
def _write_packets(buf, offs, caps, wires, ts, ifs, codes, comments, comment_lens, out, starts):
    """One enhanced packet block per packet into ``out`` at ``starts``: the frame's bytes from
    ``buf``, its comment (``comments[code]``; none for a negative code)."""
    for k in range(offs.shape[0]):
        p = starts[k]
        size = starts[k + 1] - p
        cap = caps[k]
        stamp = np.uint64(ts[k])
        _put32(out, p, EPB)
        _put32(out, p + 4, size)
        _put32(out, p + 8, ifs[k])
        _put32(out, p + 12, stamp >> np.uint64(32))
        _put32(out, p + 16, stamp & np.uint64(0xFFFFFFFF))
        _put32(out, p + 20, cap)
        _put32(out, p + 24, wires[k])
        q = p + 28
        for b in range(cap):
            out[q + b] = buf[offs[k] + b]
        q += cap
        while (q - p) % 4:
            out[q] = 0
            q += 1
        code = codes[k]
        if code >= 0:
            n = comment_lens[code]
            out[q] = OPT_COMMENT
            out[q + 1] = 0
            out[q + 2] = n & 0xFF
            out[q + 3] = n >> 8
            q += 4
            for b in range(n):
                out[q + b] = comments[code, b]
            q += n
            while (q - p) % 4:
                out[q] = 0
                q += 1
            _put32(out, q, 0)  # end of options
            q += 4
        _put32(out, q, size)


def _chosen(capture, selection, vectors: Sequence[str] | None) -> pl.DataFrame:
    """``packet`` numbers (0-based, sorted) and their ``vector`` (or null) to export."""
    if hasattr(selection, "phases") and hasattr(selection, "packets"):  # a Report
        selection = selection.packets
        if selection is None:
            raise ParameterError(
                "wb.export.pcap: this report has no packets (read back from JSON): give the"
                " report wb.analyze returned, or packet numbers"
            )
    if isinstance(selection, pl.LazyFrame):
        raise ParameterError(
            "wb.export.pcap: a dataset's packets are no longer the evidence's bytes: load the"
            " capture files (wb.load) and export from them"
        )
    if isinstance(selection, pl.DataFrame):
        frame = selection
        if "packet" not in frame.columns:
            if frame.height != capture.packets.height:
                raise ParameterError(
                    f"wb.export.pcap: the frame has {frame.height:,} rows and the capture"
                    f" {capture.packets.height:,} packets: give the frame of this capture's"
                    " analysis, or one with a `packet` column"
                )
            frame = frame.with_row_index("packet")
        if "vector" in frame.columns:
            frame = frame.filter(pl.col("vector").is_not_null())
            if vectors:
                frame = frame.filter(pl.col("vector").is_in(list(vectors)))
        else:
            frame = frame.with_columns(vector=pl.lit(None, pl.String))
        chosen = frame.select(pl.col("packet").cast(pl.Int64), pl.col("vector").cast(pl.String))
    else:
        numbers = list(selection) if isinstance(selection, (list, tuple, range)) else None
        if numbers is None or not all(isinstance(n, (int, np.integer)) for n in numbers):
            expect(selection, (), "selection", "wb.export.pcap",
                   "a Report, its packets frame, or packet numbers (integers from 0)")  # fmt: skip
        chosen = pl.DataFrame(
            {"packet": [int(n) for n in numbers], "vector": [None] * len(numbers)},
            schema={"packet": pl.Int64, "vector": pl.String},
        )
    chosen = chosen.unique("packet", keep="first").sort("packet")
    bad = chosen.filter((pl.col("packet") < 0) | (pl.col("packet") >= capture.packets.height))
    if bad.height:
        raise ParameterError(
            f"wb.export.pcap: packet {bad['packet'][0]} is not in the capture"
            f" (0 to {capture.packets.height - 1:,})"
        )
    return chosen


def pcap(
    capture,
    selection,
    path: str | os.PathLike,
    *,
    vectors: Sequence[str] | None = None,
    report=None,
    progress: bool | None = None,
) -> Path:
    """Write the chosen packets of a loaded capture, as captured, to a pcapng file.

    ``selection``: a Report of this capture (``wb.analyze``: the packets any vector labels, each
    commented with its vector; ``vectors`` keeps some), the classified frame (``rep.packets``,
    filtered as you like: with a ``packet`` column, or all its rows), or packet numbers (0-based).
    Returns the path written.

        rep = wb.analyze(cap)
        wb.export.pcap(cap, rep, "attack.pcapng")
        wb.export.pcap(cap, rep, "syn.pcapng", vectors=["syn_flood"])
    """
    from workbench.capture.progress import progress_bar
    from workbench.capture.records import RecordWalker
    from workbench.capture.source import open_evidence
    from workbench.export.evidence import evidence_block

    path = check_destination(path)
    if not (hasattr(capture, "meta") and hasattr(capture, "packets")):
        expect(capture, (), "capture", "wb.export.pcap", "a Capture (wb.load)")
    if report is None and hasattr(selection, "phases"):
        report = selection
    chosen = _chosen(capture, selection, vectors)
    files = capture.meta.files
    unread = [f for f in files if f.format not in ("pcap", "pcapng")]
    if unread:
        raise ParameterError(
            f"wb.export.pcap: {unread[0].path} is {unread[0].format}, which only tshark reads:"
            " convert it first (`editcap -F pcapng`), load that, and export from it"
        )
    evidence = evidence_block(report) if report is not None else {
        "inputs": [{"path": f.path, "sha256": f.sha256, "packets": f.packets} for f in files],
    }  # fmt: skip
    labels = sorted(v for v in chosen["vector"].unique().to_list() if v is not None)
    evidence["selection"] = {"packets": chosen.height, "vectors": labels}
    texts = [f"vector: {v}".encode() for v in labels]
    comments = np.zeros((max(len(texts), 1), max((len(t) for t in texts), default=1)), np.uint8)
    for k, text in enumerate(texts):
        comments[k, : len(text)] = np.frombuffer(text, np.uint8)
    comment_lens = np.array([len(t) for t in texts] or [0], dtype=np.int64)
    code_of = {v: k for k, v in enumerate(labels)}
    numbers = chosen["packet"].to_numpy()
    codes_all = (
        chosen["vector"].replace_strict(code_of, default=-1, return_dtype=pl.Int64).to_numpy()
    )

    bar = progress_bar(sum(f.size for f in files), "export pcapng", progress)
    try:
        with atomic_path(path) as tmp, open(tmp, "wb") as out:
            out.write(_section(json.dumps(evidence, default=str)))
            for f in files:
                names = f.interface_names or []
                for g, link in enumerate(f.link_types):
                    name = names[g] if g < len(names) else None
                    out.write(_interface(int(link), int(f.snaplen or 0) or 262144, name))
            first = iface_base = done = before = 0
            for f in files:
                ev = open_evidence(f.path)
                try:
                    walker = RecordWalker(ev)
                    seen = 0
                    while not walker.done:
                        chunk = walker.next_chunk(1 << 20)
                        n = chunk[0].shape[0]
                        lo, hi = np.searchsorted(numbers, [first + seen, first + seen + n])
                        if hi > lo:
                            local = numbers[lo:hi] - first - seen
                            offs, caps, wires, ts, ifs = (c[local] for c in chunk)
                            codes = codes_all[lo:hi]
                            sizes = 32 + (caps + 3) // 4 * 4
                            with_comment = codes >= 0
                            sizes[with_comment] += (
                                8 + (comment_lens[codes[with_comment]] + 3) // 4 * 4
                            )
                            starts = np.zeros(len(sizes) + 1, dtype=np.int64)
                            np.cumsum(sizes, out=starts[1:])
                            block = np.empty(int(starts[-1]), dtype=np.uint8)
                            _write_packets(walker.buf, offs, caps, wires, ts, ifs + iface_base,
                                           codes, comments, comment_lens, block, starts)  # fmt: skip
                            out.write(block.tobytes())
                            done += hi - lo
                        seen += n
                        if bar is not None:
                            bar.update(max(0, before + walker.progress - bar.n))
                    if walker.fault is not None and seen < f.packets:
                        raise CaptureError(
                            f"{f.path}: read {seen:,} packets of {f.packets:,} loaded"
                        )
                finally:
                    ev.close()
                if ev.sha256 != f.sha256:
                    raise CaptureError(
                        f"{f.path}: changed since it was loaded (SHA-256 {ev.sha256[:16]}... now,"
                        f" {f.sha256[:16]}... then): nothing exported; load it again"
                    )
                first += f.packets
                iface_base += len(f.link_types)
                before += f.size
            if done != chosen.height:
                raise CaptureError(f"wb.export.pcap: {done:,} of {chosen.height:,} packets found")
    finally:
        if bar is not None:
            bar.close()
    return path
