"""workbench info: a capture file as capinfos describes it."""

from __future__ import annotations

import argparse
import json

from workbench.cli.checks import check_captures
from workbench.cli.common import note, progress_wanted
from workbench.cli.compiling import announce_compile


def _read_through(path: str, engine: str) -> tuple[object, dict]:
    """One capture read to its end in bounded memory (chunk by chunk, nothing kept): its
    ``FileMeta``, and what capinfos also tells that the metadata lacks (first and last stamp in
    nanoseconds, the digits they need, how many packets are earlier than the one before)."""
    import polars as pl

    if engine == "tshark":
        from workbench.capture import tshark_engine

        frame, meta = tshark_engine.read_file(path, progress=progress_wanted())
        frames, ev = iter([frame]), None
    else:
        from workbench.capture.reader import FileMeta, iter_frames
        from workbench.capture.source import open_evidence

        ev = open_evidence(path)
        meta = FileMeta(str(path), "", ev.size, ev.format, ev.compression, [], 0)
        frames = iter_frames(ev, meta, progress=progress_wanted())
    facts = {"first_ns": None, "last_ns": None, "timestamp_digits": 6, "out_of_order": 0}
    last = None
    try:
        for frame in frames:
            if not frame.height:
                continue
            ts = frame["ts"].cast(pl.Int64)
            low, high = int(ts.min()), int(ts.max())
            facts["first_ns"] = low if facts["first_ns"] is None else min(facts["first_ns"], low)
            facts["last_ns"] = high if facts["last_ns"] is None else max(facts["last_ns"], high)
            if (ts % 1000 != 0).any():
                facts["timestamp_digits"] = 9
            facts["out_of_order"] += int((ts.diff() < 0).sum()) + int(last is not None and ts[0] < last)  # fmt: skip
            last = ts[-1]
    finally:
        if ev is not None:
            ev.close()
            meta.sha256 = ev.sha256  # hashed alongside the walk
    return meta, facts


def _figures(packets: int, n_bytes: int, first_ns: int | None, last_ns: int | None) -> dict:
    """The derived figures capinfos shows, exact (for --json): duration, mean rates and size."""
    seconds = (last_ns - first_ns) / 1e9 if first_ns is not None and last_ns is not None else None
    rated = seconds is not None and seconds > 0
    return {
        "duration_s": seconds,
        "mean_bit_rate_bps": n_bytes * 8 / seconds if rated else None,
        "mean_packet_rate_pps": packets / seconds if rated else None,
        "mean_packet_bytes": n_bytes / packets if packets else None,
    }


def _info_rows(meta, figures: dict) -> list[tuple[str, str]]:
    """A capture file as capinfos describes it, numbers as people read them."""
    from workbench import formatting as fmt
    from workbench.capture.linktypes import name_of

    def known(value, show) -> str:
        return show(value) if value is not None else "n/a (fewer than two packets)"

    digits, seconds = figures["timestamp_digits"], figures["duration_s"]
    exact = f" ({seconds:,.{digits}f} s)" if seconds is not None and seconds >= 10 else ""
    names = [n for n in meta.interface_names if n]
    backwards = figures["out_of_order"]
    rows = [
        ("File name", meta.path),
        (
            "File format",
            meta.format + (f" ({meta.compression} compressed)" if meta.compression else ""),
        ),
        ("File size", f"{fmt.size(meta.size)} ({fmt.count(meta.size)} bytes)"),
        (
            "Link types",
            ", ".join(f"{name_of(t)}, link type {t}" for t in sorted(set(meta.link_types))) or "–",
        ),
        (
            "Interfaces",
            f"{meta.interfaces}" + (f" ({', '.join(names)})" if names else "")
            if meta.interfaces
            else "–",
        ),
        ("Snapshot length", f"{fmt.count(meta.snaplen)} bytes" if meta.snaplen else "not set"),
        ("Packets", fmt.count(meta.packets)),
        ("Data size", f"{fmt.size(meta.bytes)} ({fmt.count(meta.bytes)} bytes on the wire)"),
        ("First packet", fmt.moment(meta.start, digits) if meta.start else "–"),
        ("Last packet", fmt.moment(meta.end, digits) if meta.end else "–"),
        ("Duration", fmt.duration(seconds) + exact if seconds is not None else "–"),
        ("Average data rate", known(figures["mean_bit_rate_bps"], fmt.bit_rate)),
        ("Average packet rate", known(figures["mean_packet_rate_pps"], fmt.packet_rate)),
        (
            "Average packet size",
            known(figures["mean_packet_bytes"], lambda b: f"{b:,.1f} bytes"),
        ),
        (
            "Time order",
            f"not strict ({fmt.count(backwards)} packets earlier than the one before)"
            if backwards
            else "strict",
        ),
    ]
    if meta.drops is not None:
        seen = meta.drops + meta.packets
        rows.append(("Capture drops", f"{fmt.count(meta.drops)} ({fmt.percent(meta.drops / seen if seen else 0.0)} of the packets seen)"))  # fmt: skip
    else:
        rows.append(("Capture drops", "not recorded (no interface statistics block)" if meta.format == "pcapng"
                     else f"not recorded ({meta.format} has no drop counter)"))  # fmt: skip
    if meta.fault_offset is not None:
        rows.append(("Damage", f"read up to byte offset {fmt.count(meta.fault_offset)}; the packets before it are counted"))  # fmt: skip
    if meta.cut_headers:
        rows.append(("Cut headers", f"{fmt.plural(meta.cut_headers, 'packet')} with the transport header cut by the snaplen (kind unknown)"))  # fmt: skip
    rows.append(("SHA-256", meta.sha256))
    return rows


def cmd_info(args: argparse.Namespace) -> int:
    from dataclasses import asdict

    from workbench.capture.reader import CaptureMeta

    formats = check_captures(args.captures, "info", args.engine)
    announce_compile(formats)
    metas, files, blocks = [], [], []
    for path in args.captures:
        meta, facts = _read_through(path, args.engine)
        for message in meta.warnings:
            note(f"workbench: warning: {message}")
        figures = {**_figures(meta.packets, meta.bytes, facts["first_ns"], facts["last_ns"]),
                   "strict_time_order": facts["out_of_order"] == 0, **facts}  # fmt: skip
        metas.append(meta)
        files.append((meta, figures))
        blocks.append("\n".join(f"{label + ':':<22}{value}" for label, value in _info_rows(meta, figures)))  # fmt: skip
    if not args.json:
        print("\n\n".join(blocks))
        return 0
    data = CaptureMeta(metas, args.engine).to_dict()
    data["files"] = [{**asdict(meta), **figures} for meta, figures in files]
    firsts = [f["first_ns"] for _, f in files if f["first_ns"] is not None]
    lasts = [f["last_ns"] for _, f in files if f["last_ns"] is not None]
    data.update(_figures(data["packets"], data["bytes"], min(firsts, default=None), max(lasts, default=None)))  # fmt: skip
    print(json.dumps(data, indent=2, default=str))
    return 0
