"""The command line, over the same public API the notebooks use.

    workbench info CAPTURE... [--json]
    workbench analyze CAPTURE... [--link 10G] [--json FILE|-] [--html FILE] [--timeline FILE]
    workbench analyze DATASET [--window-packets N] [--workers N | --scheduler ADDR] ...
    workbench ingest CAPTURE... -o DATASET
    workbench synth SCENARIO -o FILE [--seed N] [--scale F] [--format pcap|pcapng]
    workbench demo [--out DIR]
    workbench lab

It behaves like capinfos, tshark and zeek: every argument is checked before a capture is read;
the product goes to stdout (the summary, or JSON when asked), notes and warnings to stderr;
every failure is one line on stderr naming what is wrong and what to do, exit code 2 (130 when
interrupted); ``--debug`` adds the traceback.
"""

from __future__ import annotations

import argparse
import errno
import json
import os
import shlex
import shutil
import subprocess
import sys
import traceback
import warnings
from collections.abc import Sequence
from pathlib import Path

from workbench._version import __version__
from workbench.analysis.windows import WINDOW_PACKETS
from workbench.errors import CaptureFormatError, ParameterError, WorkbenchError

DEMO_SAMPLE = "mailprovider_2015.pcapng.gz"
DEMO_CAPACITY = "3M"
EXIT_FAILURE = 2  # as argparse, capinfos and tshark: the command could not do what was asked
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
LISTED = 8  # VLANs or MACs named in an error before "... N in all"

# the library's advice in Python terms, and the same advice on the command line
CLI_TERMS = (
    ("try engine='tshark'", "`--engine tshark` reads other formats (snoop, ERF, NetMon, ...)"),
    ("use engine='tshark'", "use `--engine tshark`"),
    ("(use wb.scan for folders)", "(run `workbench ingest FOLDER -o DATASET` first)"),
)


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line, like every other failure of the command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_FAILURE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


def fail(message: str) -> ParameterError:
    """An argument the command cannot use; ``message`` says what to do instead."""
    return ParameterError(message)


def note(message: str) -> None:
    """A line for the analyst, not the product: stderr, so stdout stays the summary or JSON."""
    print(message, file=sys.stderr, flush=True)


def _quoted(path: str | Path) -> str:
    return shlex.quote(str(path))


def _sample_dir() -> Path:
    """sample_pcaps/ of the checkout (or of the current folder when run elsewhere)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / "sample_pcaps" / DEMO_SAMPLE).is_file():
            return base / "sample_pcaps"
    raise WorkbenchError(
        f"the bundled sample {DEMO_SAMPLE} was not found in ./sample_pcaps: "
        "run `workbench demo` from the repository checkout"
    )


# --- checks made before anything is read ------------------------------------------------------


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
        raise fail(f"{text}: no such file (check the name: `ls {_quoted(path.parent)}`)")
    if path.is_dir():
        if command == "info":
            if _is_dataset(path):
                raise fail(f"{text} is a dataset folder: `workbench analyze {_quoted(text)}` "
                           "analyses it; `workbench info` reads capture files")  # fmt: skip
            raise fail(f"{text} is a folder: give the captures in it "
                       f"(`workbench info {_quoted(text)}/*`)")  # fmt: skip
        raise fail(f"{text} is a folder: run `workbench ingest {_quoted(text)} -o DATASET` first, "
                   "then `workbench analyze DATASET`")  # fmt: skip
    if not path.is_file():
        raise fail(f"{text} is not a regular file (a pipe or a device): save the capture to a "
                   "file first (gzip, zstd, bzip2 and xz files are read as they are)")  # fmt: skip
    if not os.access(path, os.R_OK):
        raise fail(f"{text}: permission denied (`ls -l {_quoted(text)}`): "
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
            else f"test the copy with `{packed} -t {_quoted(text)}`"
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
                       f"(`workbench analyze {_quoted(datasets[0])}`)")  # fmt: skip
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
                   f"create it (`mkdir -p {_quoted(folder)}`) or write elsewhere")  # fmt: skip
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
                   f"create it (`mkdir -p {_quoted(base)}`) or write elsewhere")  # fmt: skip
    if not os.access(base, os.W_OK | os.X_OK):
        raise fail(f"{option} {text}: the folder {base} is not writable: write elsewhere")
    return path


def _same_file(a: Path, b: str) -> bool:
    try:
        return a.samefile(b)
    except OSError:
        return False


OUTPUT_OPTIONS = ("json", "html", "timeline", "fingerprint", "stix", "parquet")


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


# --- the one-time compile of the reader ------------------------------------------------------


def reader_compiled(formats: Sequence[str | None]) -> bool:
    """Whether Numba's on-disk cache already holds the reader kernels these formats need.

    ``walk.py`` and ``decode.py`` compile with ``@njit(cache=True)``: an index (``*.nbi``) and
    the machine code (``*.nbc``) go to ``__pycache__`` beside the module, or under
    ``NUMBA_CACHE_DIR``. An index for this source, this Numba and this CPU means no compile.
    Anything this cannot tell (JIT disabled, another Numba's internals) counts as compiled:
    better no notice than a wrong one."""
    from workbench.capture import decode, walk

    walkers = {"pcap": walk.walk_pcap, "pcapng": walk.walk_pcapng}
    kernels = [decode.decode_frames, *{walkers[f] for f in formats if f in walkers}]
    if len(kernels) == 1:
        return True  # tshark reads it, or a dataset: the reader is not used
    try:
        from numba.core.registry import cpu_target

        machine = cpu_target.target_context.codegen().magic_tuple()
        for kernel in kernels:
            cache = getattr(kernel, "_cache", None)
            if cache is None or kernel.overloads:
                continue
            index = cache._cache_file._load_index()  # {} when missing or stale
            if not any(key[1] == machine for key in index):
                return False
    except Exception:
        return True
    return True


def announce_compile(formats: Sequence[str | None]) -> None:
    """Say what the first run is doing instead of leaving a progress bar stuck at 0 %."""
    if not reader_compiled(formats):
        note("workbench: compiling the capture reader, once, ~10 s (kept in Numba's cache for next time)")  # fmt: skip


# --- commands --------------------------------------------------------------------------------


def _progress() -> bool:
    """Progress bars only for a person watching (a terminal), never into a log file."""
    return sys.stderr.isatty()


def _load(paths: Sequence[str], engine: str, formats: Sequence[str | None]):
    import workbench as wb

    announce_compile(formats)
    return wb.load(list(paths), engine=engine, progress=_progress())


def _write_exports(report, capture, args: argparse.Namespace) -> list[tuple[str, Path]]:
    """Write every export the arguments ask for; return (what, where) pairs."""
    from workbench import export
    from workbench.atomic import write_text

    written: list[tuple[str, Path]] = []
    if args.json and args.json != "-":
        write_text(args.json, report.to_json())
        written.append(("report JSON", Path(args.json)))
    if args.html:
        export.html(report, args.html)
        written.append(("HTML report", Path(args.html)))
    for path in args.timeline or []:
        export.timeline(report, path)
        written.append(("forensic timeline", Path(path)))
    if args.fingerprint:
        export.fingerprint(report, args.fingerprint, capture=capture)
        written.append(("attack fingerprint", Path(args.fingerprint)))
    if args.stix:
        export.stix(report, args.stix)
        written.append(("STIX 2.1 bundle", Path(args.stix)))
    if args.parquet:
        export.parquet(capture if capture is not None else report.packets, args.parquet,
                       meta=None if capture is not None else {"capture": report.capture})  # fmt: skip
        written.append(("packet frame (Parquet)", Path(args.parquet)))
    return written


def cmd_analyze(args: argparse.Namespace) -> int:
    import workbench as wb

    links = check_analyze_arguments(args)
    formats = check_captures(args.captures, "analyze", args.engine)
    if args.geoip_db:
        os.environ["WORKBENCH_GEOIP_DB"] = os.pathsep.join(args.geoip_db)
    options = {"link_capacity": args.link or None, "dissect": args.dissect}
    if not formats:  # one dataset folder (workbench ingest)
        capture = None
        if links:
            from workbench.capture.scan import open_dataset

            lazy, meta = open_dataset(args.captures[0])
            check_links_present(links, lazy, meta.to_dict()["interfaces"])
        report = wb.analyze(args.captures[0], **options, window_packets=args.window_packets, workdir=args.workdir,
                            progress=_progress(), workers=args.workers, scheduler=args.scheduler)  # fmt: skip
        where = (
            f"on {args.scheduler}"
            if args.scheduler
            else f"on {args.workers} Dask workers"
            if args.workers
            else "in this process"
        )
        note(f"dataset {args.captures[0]}: analysed {where} in {report.parameters['analysis_windows']} windows"
             f" of <= {report.parameters['window_packets'] or report.capture['packets']:,} packets")  # fmt: skip
    else:
        capture = _load(args.captures, args.engine, formats)
        check_links_present(links, capture.packets, capture.meta.interfaces())
        report = wb.analyze(capture, **options)
    print(report.to_json() if args.json == "-" else report.summary(), flush=True)
    for what, path in _write_exports(report, capture, args):
        note(f"wrote {what}: {path}")
    return 0


def _read_through(path: str, engine: str) -> tuple[object, dict]:
    """One capture read to its end in bounded memory (chunk by chunk, nothing kept): its
    ``FileMeta``, and what capinfos also tells that the metadata lacks (first and last stamp in
    nanoseconds, the digits they need, how many packets are earlier than the one before)."""
    import polars as pl

    if engine == "tshark":
        from workbench.capture import tshark_engine

        frame, meta = tshark_engine.read_file(path, progress=_progress())
        frames, ev = iter([frame]), None
    else:
        from workbench.capture.reader import FileMeta, iter_frames
        from workbench.capture.source import open_evidence

        ev = open_evidence(path)
        meta = FileMeta(str(path), "", ev.size, ev.format, ev.compression, [], 0)
        frames = iter_frames(ev, meta, progress=_progress())
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


def cmd_ingest(args: argparse.Namespace) -> int:
    import polars as pl

    from workbench.capture.ingest import ingest
    from workbench.capture.scan import expand

    output = check_folder("-o", args.output)
    files = expand(args.captures)  # folders and globs to files (a pattern matching nothing fails)
    if not files:
        raise fail(f"no capture found in {' '.join(args.captures)}: "
                   "give pcap or pcapng files (gzip, zstd, bzip2, xz too), folders or globs")  # fmt: skip
    for path in files:
        if output.resolve() in (
            path.resolve(),
            *path.resolve().parents,
        ):  # never beside the evidence
            raise fail(f"-o {args.output} holds the evidence {path}: write the dataset elsewhere")
    formats = [check_capture_file(str(path), "ingest") for path in files]
    announce_compile(formats)
    lazy = ingest(args.captures, args.output, workers=args.workers, scheduler=args.scheduler,
                  progress=_progress())  # fmt: skip
    counts = (
        lazy.select(pl.len(), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .collect()
        .row(0)
    )
    print(f"dataset {args.output}: {counts[0]:,} packets, {counts[1]} .. {counts[2]}")
    print(f"analyse it with: workbench analyze {_quoted(args.output)} --link 10G")
    print(f"query it with: pl.scan_parquet('{args.output}/*/hour=*/*.parquet')")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from workbench import synth

    scenarios = synth.list_scenarios()
    if args.list or not args.scenario:
        for name, text in scenarios.items():
            print(f"{name:<28} {text}")
        return 0
    if args.scenario not in scenarios:
        raise fail(f"unknown scenario {args.scenario!r}: `workbench synth --list` shows them")
    if not args.output:
        raise fail("synth needs -o FILE (e.g. -o attack.pcapng)")
    check_output("-o", args.output)
    truth = synth.write(
        args.scenario, args.output, seed=args.seed, scale=args.scale, fmt=args.format
    )
    print(f"wrote {args.output} ({args.scenario}, seed {args.seed}); truth beside it")
    print(
        f"phases: {len(truth.get('phases', []))}, vectors: {[v['vector'] for v in truth.get('vectors', [])]}"
    )
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    """Analyse the bundled sample and write report, HTML and timelines under --out."""
    sample = _sample_dir() / DEMO_SAMPLE
    out = check_folder("--out", args.out)
    out.mkdir(exist_ok=True)
    print(f"analysing the bundled sample {sample} (link {DEMO_CAPACITY}bit/s)")
    ns = argparse.Namespace(
        captures=[str(sample)],
        engine="fast",
        link=[DEMO_CAPACITY],
        geoip_db=None,
        json=str(out / "report.json"),
        html=str(out / "report.html"),
        timeline=[str(out / "timeline.jsonl"), str(out / "timeline.csv")],
        fingerprint=str(out / "fingerprint.json"),
        stix=str(out / "stix_bundle.json"),
        parquet=None,
        dissect=200 if shutil.which("tshark") else 0,
        window_packets=None,
        workers=None,
        scheduler=None,
        workdir=None,
    )
    cmd_analyze(ns)
    print(
        f"\nopen {out / 'report.html'} in a browser; import {out / 'timeline.jsonl'} into Timesketch"
    )
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    notebooks = _sample_dir().parent / "notebooks"
    return subprocess.call([sys.executable, "-m", "jupyter", "lab", str(notebooks), *args.extra])


# --- the parser --------------------------------------------------------------------------------


def _positive_int(text: str) -> int:
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive whole number, got {text}")
    return value


def _count(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {text}")
    return value


def _positive_float(text: str) -> float:
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be above 0, got {text}")
    return value


_positive_int.__name__ = _count.__name__ = "whole number"  # argparse names the type in errors
_positive_float.__name__ = "number"

EXAMPLES = {
    "info": """\
examples:
  workbench info capture.pcapng
  workbench info day1.pcap.gz day2.pcap.zst       one block per file, as capinfos
  workbench info capture.pcap --json | jq .files[0].packets
  workbench info capture.erf --engine tshark      formats the fast reader does not read""",
    "analyze": """\
examples:
  workbench analyze capture.pcapng --link 10G                 the summary on stdout
  workbench analyze capture.pcapng --json - | jq .vectors     the report JSON on stdout
  workbench analyze a.pcap b.pcap --link 1G --html report.html --timeline timeline.jsonl
  workbench analyze capture.pcapng --link eth0=10G --link vlan:100=1G --link mac:00:1b:21:aa:00:01=10G
  workbench ingest /evidence/ -o dataset/ && workbench analyze dataset/ --workers 2 --link 10G""",
    "ingest": """\
examples:
  workbench ingest /evidence/rotating/ -o dataset/        every capture in the folder
  workbench ingest 'captures/*.pcap.gz' -o dataset/ --workers 2
  workbench analyze dataset/ --link 10G                   then analyse the dataset""",
    "synth": """\
examples:
  workbench synth --list
  workbench synth mailprovider-2015 -o attack.pcapng
  workbench synth fragments -o small.pcap --scale 0.05 --seed 3""",
    "demo": """\
examples:
  workbench demo                 writes out/report.html, out/timeline.jsonl, ...
  workbench demo --out /tmp/demo""",
    "lab": """\
examples:
  workbench lab
  workbench lab --port 8899 --no-browser     options after `lab` go to JupyterLab""",
}


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="workbench",
        description="DDoS attack forensics workbench: capture files in, the attack's story out.",
        epilog="examples:\n  workbench info capture.pcapng\n  workbench analyze capture.pcapng --link 10G\n"
        "  workbench demo\n\n`workbench COMMAND --help` shows each command's options and examples.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}",
                        help="print the version and exit")  # fmt: skip
    debug_help = "on a failure, print the full traceback as well (for a bug report)"
    parser.add_argument("--debug", action="store_true", help=debug_help)
    sub = parser.add_subparsers(
        dest="command",
        required=True,
        metavar="COMMAND",
        help="what to do (each has its own --help)",
    )

    def command(name: str, text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=text, description=text, epilog=EXAMPLES[name],
                           formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
        # also accepted after the command; SUPPRESS keeps the global value when it is not given
        p.add_argument("--debug", action="store_true", default=argparse.SUPPRESS, help=debug_help)
        return p

    def add_engine(p: argparse.ArgumentParser) -> None:
        p.add_argument("--engine", choices=("fast", "tshark"), default="fast",
                       help="fast: the built-in pcap/pcapng reader (default); "
                       "tshark: any format tshark reads (snoop, ERF, NetMon, ...), slower")  # fmt: skip

    p = command("info", "what a capture holds, as capinfos: format, link types, packets, bytes, "
                "times, rates, drops, SHA-256")  # fmt: skip
    p.add_argument("captures", nargs="+", metavar="CAPTURE",
                   help="pcap or pcapng files (gzip, zstd, bzip2, xz compressed too)")  # fmt: skip
    add_engine(p)
    p.add_argument("--json", action="store_true",
                   help="print JSON for machines (the report's capture section, per file and in all)")  # fmt: skip
    p.set_defaults(func=cmd_info)

    p = command("analyze", "find phases, vectors, targets, sources and link saturation; print the summary")  # fmt: skip
    p.add_argument("captures", nargs="+", metavar="CAPTURE",
                   help="pcap or pcapng files (gzip, zstd, bzip2, xz too), or one dataset folder (workbench ingest)")  # fmt: skip
    add_engine(p)
    p.add_argument("--link", action="append", default=[], metavar="CAPACITY",
                   help="link capacity: 10G, 2.5M, 100Mbps; or per link eth0=10G (pcapng interface name), "
                   "iface:0=10G, vlan:100=1G, mac:00:1b:21:aa:00:01=10G (upstream router, per direction); repeatable")  # fmt: skip
    p.add_argument("--window-packets", type=_positive_int, default=None, metavar="N",
                   help="for a dataset folder: packets per analysis window (default "
                   f"{WINDOW_PACKETS:,}, shared among --workers; ~500 bytes of memory per packet of a window)")  # fmt: skip
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="for a dataset folder: analyse on a local Dask cluster of N processes")  # fmt: skip
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="for a dataset folder: analyse on an existing Dask cluster (tcp://host:8786)")  # fmt: skip
    p.add_argument("--workdir", metavar="DIR",
                   help="for a dataset folder: where the labelled packets go (default: a temporary folder)")  # fmt: skip
    p.add_argument("--geoip-db", action="append", metavar="MMDB",
                   help="your own GeoIP database (.mmdb: MaxMind, DB-IP, IPinfo); repeatable")  # fmt: skip
    p.add_argument("--json", metavar="FILE",
                   help="write the report JSON to FILE; `--json -` prints it on stdout instead of the summary")  # fmt: skip
    p.add_argument("--html", metavar="FILE", help="write the offline HTML report to FILE")
    p.add_argument("--timeline", action="append", metavar="FILE",
                   help="write the forensic timeline to FILE (.jsonl: Timesketch, .csv); repeatable")  # fmt: skip
    p.add_argument("--fingerprint", metavar="FILE", help="write the attack fingerprint JSON to FILE")  # fmt: skip
    p.add_argument("--stix", metavar="FILE", help="write a STIX 2.1 bundle to FILE")
    p.add_argument("--parquet", metavar="FILE", help="write the labelled packet frame as Parquet to FILE")  # fmt: skip
    p.add_argument("--dissect", type=_count, default=0, metavar="N",
                   help="read N packets per vector with tshark and add their application fields "
                   "(DNS names, HTTP requests, NTP codes) as evidence")  # fmt: skip
    p.set_defaults(func=cmd_analyze)

    p = command("ingest", "parse captures (files, folders, globs) into a Parquet dataset for captures larger than memory")  # fmt: skip
    p.add_argument("captures", nargs="+", metavar="CAPTURE",
                   help="capture files, folders (every capture inside) or quoted globs")  # fmt: skip
    p.add_argument("-o", "--output", required=True, metavar="DATASET",
                   help="dataset folder to write (new, or a dataset to add to; never the evidence folder)")  # fmt: skip
    p.add_argument("--workers", type=_positive_int, metavar="N",
                   help="parse on a local Dask cluster of N processes")  # fmt: skip
    p.add_argument("--scheduler", metavar="ADDRESS",
                   help="parse on an existing Dask cluster (tcp://host:8786)")  # fmt: skip
    p.set_defaults(func=cmd_ingest)

    p = command("synth", "write a labelled attack scenario (capture, truth JSON, labels)")
    p.add_argument("scenario", nargs="?", metavar="SCENARIO", help="scenario name (see --list)")
    p.add_argument("-o", "--output", metavar="FILE",
                   help="capture to write (.pcap or .pcapng); truth and labels go beside it")  # fmt: skip
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0): same seed, same bytes")  # fmt: skip
    p.add_argument("--scale", type=_positive_float, default=1.0,
                   help="packet volume relative to the scenario's own (default 1.0; 0.05 for a quick file)")  # fmt: skip
    p.add_argument("--format", choices=("pcap", "pcapng"),
                   help="capture format (default: from the file name, else the scenario's)")  # fmt: skip
    p.add_argument("--list", action="store_true", help="list the scenarios and exit")
    p.set_defaults(func=cmd_synth)

    p = command("demo", "analyse the bundled sample; write the report, timelines, fingerprint and STIX")  # fmt: skip
    p.add_argument("--out", default="out", metavar="DIR", help="output folder (default: out/)")
    p.set_defaults(func=cmd_demo)

    p = command("lab", "JupyterLab on the notebooks")
    p.add_argument("extra", nargs=argparse.REMAINDER, help="options passed on to `jupyter lab`")
    p.set_defaults(func=cmd_lab)
    return parser


# --- failures ----------------------------------------------------------------------------------


def one_line(error: BaseException) -> str:
    """What went wrong and what to do, on one line, in command-line terms."""
    if isinstance(error, WorkbenchError):
        text = str(error)
        if (
            isinstance(error, CaptureFormatError)
            and "--engine" not in text
            and "engine=" not in text
        ):
            text += ": check the copy against the original's SHA-256, or try `--engine tshark`"
    elif isinstance(error, MemoryError):
        text = ("out of memory: run `workbench ingest CAPTURE... -o DATASET`, then "
                "`workbench analyze DATASET` (read in windows of bounded memory)")  # fmt: skip
    elif isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        where = f" writing {error.filename}" if error.filename else ""
        text = f"out of space{where} ({error.strerror}): free space there (`df -h`) or write elsewhere"  # fmt: skip
    elif isinstance(error, PermissionError):
        text = f"{error.filename or 'a file'}: permission denied: check its rights (`ls -l`) or use another path"  # fmt: skip
    elif isinstance(error, OSError) and error.filename:
        text = f"{error.filename}: {error.strerror or error}"
    else:
        text = (f"internal error ({type(error).__name__}: {error}): a bug; run again with "
                "`workbench --debug ...` and report the traceback")  # fmt: skip
    for python, command_line in CLI_TERMS:
        text = text.replace(python, command_line)
    return " ".join(text.split())


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a damaged capture read up to the fault, ...) as one line, not a source excerpt."""
    text = str(message)
    for python, command_line in CLI_TERMS:
        text = text.replace(python, command_line)
    note(f"workbench: warning: {' '.join(text.split())}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            if args.debug:
                traceback.print_exc()
            note("workbench: interrupted")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # `workbench info big.pcap | head`: the reader left; stop quietly, as cat does
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_FAILURE
        except Exception as error:
            if args.debug:
                traceback.print_exc()
            note(f"workbench: error: {one_line(error)}")
            return EXIT_FAILURE


if __name__ == "__main__":
    sys.exit(main())
