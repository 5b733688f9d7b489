"""Every argument checked before a capture is read: capture files, output paths, links."""

from __future__ import annotations

import argparse
import os
from collections.abc import Sequence
from pathlib import Path

from workbench.cli.common import LISTED, fail, quoted
from workbench.errors import CaptureFormatError


def _is_dataset(folder: str | Path) -> bool:
    """A folder holding ``<sha256>/capture.json`` (``workbench ingest``'s output) or one of those."""
    folder = Path(folder)
    if not folder.is_dir():
        return False
    return (folder / "capture.json").is_file() or any(folder.glob("*/capture.json"))


def check_capture_file(text: str, command: str, engine: str = "fast") -> str | None:
    """One capture argument names a file the reader can read; returns its format (``pcap`` or
    ``pcapng``; None when tshark reads it). Raises a one-line error saying what to do."""
    path = Path(text)
    if not path.exists():
        if path.is_symlink():
            raise fail(f"{text}: a link to {os.readlink(path)}, which does not exist")
        if any(ch in text for ch in "*?["):
            raise fail(f"{text}: no file matches this pattern")
        raise fail(f"{text}: no such file (check the name: `ls {quoted(path.parent)}`)")
    if path.is_dir():
        if command == "info":
            if _is_dataset(path):
                raise fail(f"{text} is a dataset folder: `workbench analyze {quoted(text)}` "
                           "analyses it; `workbench info` reads capture files")  # fmt: skip
            raise fail(f"{text} is a folder: give the captures in it "
                       f"(`workbench info {quoted(text)}/*`)")  # fmt: skip
        raise fail(f"{text} is a folder: run `workbench ingest {quoted(text)} -o DATASET` first, "
                   "then `workbench analyze DATASET`")  # fmt: skip
    if not path.is_file():
        raise fail(f"{text} is not a regular file (a pipe or a device): save the capture to a "
                   "file first (gzip, zstd, bzip2 and xz files are read as they are)")  # fmt: skip
    if not os.access(path, os.R_OK):
        raise fail(f"{text}: permission denied (`ls -l {quoted(text)}`): "
                   "run as a user who may read the evidence")  # fmt: skip
    if path.stat().st_size == 0:
        raise fail(f"{text} is empty (0 bytes): nothing was captured, "
                   "or the copy was interrupted; copy it again")  # fmt: skip
    if engine != "fast":
        return None
    from workbench.capture.decompress import compression_of
    from workbench.capture.source import open_evidence

    try:
        ev = open_evidence(path, hash_contents=False)  # sniffs the magic (inside compression too)
    except CaptureFormatError as error:
        reason, _, hint = error.reason.partition("; try engine=")
        with open(path, "rb") as handle:
            packed = compression_of(handle.read(8))
        advice = (
            "`--engine tshark` reads other formats (snoop, ERF, NetMon, ...)"
            if hint
            else f"test the copy with `{packed} -t {quoted(text)}`"
            if packed
            else "check the copy against the original's SHA-256"
        )
        raise fail(f"{text}: {reason} at byte offset {error.offset}: {advice}") from error
    ev.close()
    return ev.format


def check_captures(texts: Sequence[str], command: str, engine: str) -> list[str | None]:
    """Every capture argument checked (formats returned), or a dataset folder alone (no format)."""
    datasets = [t for t in texts if command == "analyze" and _is_dataset(t)]
    if datasets:
        if len(texts) > 1:
            raise fail(f"{datasets[0]} is a dataset folder: analyse it alone "
                       f"(`workbench analyze {quoted(datasets[0])}`)")  # fmt: skip
        return []
    if engine == "tshark":
        from workbench.capture.tshark_engine import tshark_path

        tshark_path()  # not installed: says how to install it
    return [check_capture_file(t, command, engine) for t in texts]


def check_output(option: str, text: str, evidence: Sequence[str] = ()) -> Path:
    """An output path the command can write (its folder exists and is writable, it is not a
    folder and not a capture given as evidence), checked before the analysis starts."""
    path = Path(text)
    folder = path.parent
    if path.is_dir():
        raise fail(f"{option} {text}: is a folder: give a file name (a file in it, or a new one)")
    if not folder.is_dir():
        raise fail(f"{option} {text}: the folder {folder} does not exist: "
                   f"create it (`mkdir -p {quoted(folder)}`) or write elsewhere")  # fmt: skip
    if not os.access(folder, os.W_OK | os.X_OK):
        raise fail(f"{option} {text}: the folder {folder} is not writable: write elsewhere")
    if path.exists() and any(_same_file(path, e) for e in evidence):
        raise fail(f"{option} {text} is one of the captures: the evidence is never "
                   "overwritten; write the output elsewhere")  # fmt: skip
    return path


def check_folder(option: str, text: str) -> Path:
    """An output folder: an existing writable folder, or one whose parent is (it will be made)."""
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise fail(f"{option} {text}: is a file, not a folder; give a folder")
    base = path if path.is_dir() else path.parent
    if not base.is_dir():
        raise fail(f"{option} {text}: the folder {base} does not exist: "
                   f"create it (`mkdir -p {quoted(base)}`) or write elsewhere")  # fmt: skip
    if not os.access(base, os.W_OK | os.X_OK):
        raise fail(f"{option} {text}: the folder {base} is not writable: write elsewhere")
    return path


def _same_file(a: Path, b: str) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


OUTPUT_OPTIONS = ("json", "html", "timeline", "fingerprint", "stix", "parquet", "pcap")


def _outputs(args: argparse.Namespace) -> list[tuple[str, str]]:
    """(option, path) of every file the analysis is asked to write (``--json -`` is stdout)."""
    pairs = []
    for name in OUTPUT_OPTIONS:
        values = getattr(args, name, None)
        for value in values if isinstance(values, list) else [values]:
            if value and value != "-":
                pairs.append((f"--{name}", value))
    return pairs


def check_analyze_arguments(args: argparse.Namespace) -> list:
    """Everything ``analyze`` can check before reading: the links' syntax, every output, the
    options that only mean something for a dataset, the GeoIP databases. Returns the links."""
    from workbench.analysis.capacity import parse_links

    links = [(spec, parse_links([spec])[0]) for spec in args.link]  # "--link X: how to write it"
    seen: dict[Path, str] = {}
    for option, text in _outputs(args):
        path = check_output(option, text, args.captures).resolve()
        if path in seen:
            raise fail(f"{seen[path]} and {option} both write {text}: give each its own file")
        seen[path] = option
    if args.workdir:
        check_folder("--workdir", args.workdir)
    for db in args.geoip_db or []:
        if not Path(db).is_file():
            raise fail(f"--geoip-db {db}: no such file (a MaxMind, DB-IP or IPinfo .mmdb)")
    dataset = len(args.captures) == 1 and _is_dataset(args.captures[0])
    if dataset and getattr(args, "pcap", None):
        raise fail("--pcap copies packets from the capture files: a dataset holds their fields, "
                   "not their bytes; analyse the capture files themselves to export them")  # fmt: skip
    if not dataset:
        for option in ("window_packets", "workers", "scheduler", "workdir"):
            if getattr(args, option) is not None:
                flag = "--" + option.replace("_", "-")
                raise fail(f"{flag} is for a dataset folder: run `workbench ingest CAPTURE... "
                           f"-o DATASET` first, then `workbench analyze DATASET {flag} ...`")  # fmt: skip
    return links


def _mac_text(value: int) -> str:
    raw = f"{int(value):012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def _listed(counts: list[tuple[str, int]]) -> str:
    shown = ", ".join(f"{name} ({n:,} frames)" for name, n in counts[:LISTED])
    return shown + (f", ... {len(counts):,} in all" if len(counts) > LISTED else "")


def check_links_present(links: list, packets, interfaces: list[dict]) -> None:
    """A ``--link`` naming an interface, a VLAN or a MAC the capture does not have is an error
    listing those it has (checked once the capture is open, before the analysis)."""
    import polars as pl

    from workbench.analysis.capacity import resolve_links

    resolve_links([link for _, link in links], interfaces)  # interface names: lists those it has
    lazy = packets.lazy()
    for spec, (kind, ident, _) in links:
        if kind == "iface":
            have = sorted({int(i["iface"]) for i in interfaces})
            if ident not in have:
                named = [f"iface:{i['iface']}" + (f" ({i['name']})" if i.get("name") else "")
                         for i in interfaces]  # fmt: skip
                raise fail(f"--link {spec}: this capture has no interface {ident}: it has "
                           f"{', '.join(named) or 'none'}")  # fmt: skip
        elif kind == "vlan":
            counts = (
                lazy.filter(pl.col("vlan") != 0)
                .group_by("vlan")
                .agg(pl.len())
                .sort(["len", "vlan"], descending=[True, False])
                .collect()
            )
            if ident not in counts["vlan"].to_list():
                have = (
                    "its VLANs are " + _listed([(str(v), n) for v, n in counts.iter_rows()])
                    if counts.height
                    else "it has no VLAN-tagged frames; give --link 10G for all traffic, "
                    "or map iface:N=... or mac:ROUTER=..."
                )
                raise fail(
                    f"--link {spec}: no frame of this capture is tagged VLAN {ident}: {have}"
                )
        elif kind == "mac":
            ends = pl.concat([lazy.select(mac=pl.col(c)) for c in ("src_mac", "dst_mac")])
            counts = (
                ends.filter(pl.col("mac") != 0)
                .group_by("mac")
                .agg(pl.len())
                .sort(["len", "mac"], descending=[True, False])
                .collect()
            )
            if ident not in counts["mac"].to_list():
                have = (
                    "its busiest MAC addresses are "
                    + _listed([(_mac_text(m), n) for m, n in counts.iter_rows()])
                    if counts.height
                    else "its frames carry no MAC addresses (not Ethernet)"
                )
                raise fail(f"--link {spec}: no frame of this capture is from or to "
                           f"{_mac_text(ident)}: {have}")  # fmt: skip
