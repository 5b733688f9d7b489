"""analyze, ingest, synth, demo and lab."""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

from workbench.cli.checks import (
    check_analyze_arguments,
    check_capture_file,
    check_captures,
    check_folder,
    check_links_present,
    check_output,
)
from workbench.cli.common import (
    DEMO_CAPACITY,
    DEMO_SAMPLE,
    fail,
    note,
    progress_wanted,
    quoted,
    sample_dir,
)
from workbench.cli.compiling import announce_compile
from workbench.errors import CaptureTooLargeError


def _load(paths: Sequence[str], engine: str, formats: Sequence[str | None]):
    import workbench as wb

    announce_compile(formats, analysis=True)
    return wb.load(list(paths), engine=engine, progress=progress_wanted())


# the least packets of an analysis window when memory is short: fewer, and each window's fixed
# costs (two reads of it, its evidence kept between the passes) take over
MIN_WINDOW_PACKETS = 100_000


def _into_the_cache(args: argparse.Namespace, refused: CaptureTooLargeError) -> tuple[Path, int]:
    """Captures too large for memory (``refused``), read once into the Parquet cache that
    ``wb.scan`` keeps (bounded memory, reused on the next run), to be analysed there in windows
    as a dataset is (several captures: together, as ``workbench ingest`` would put them): the
    dataset, and the packets of a window that fit in the memory left (a window's frame and its
    analysis, ``memory.FRAME_BYTES`` and ``ANALYSIS_BYTES`` a packet). The fast reader only; and
    not with ``--pcap``, which copies packets from the captures themselves: those keep the
    refusal, with its advice."""
    from workbench import formatting as fmt
    from workbench.analysis.windows import WINDOW_PACKETS
    from workbench.capture.memory import ANALYSIS_BYTES, FRAME_BYTES
    from workbench.capture.scan import cache_root, cached_set, ingest_file

    if args.engine != "fast" or getattr(args, "pcap", None):
        raise refused
    root = cache_root()
    one = len(args.captures) == 1
    what = args.captures[0] if one else f"{len(args.captures)} captures"
    note(f"{what}: about {fmt.size(refused.needed)} to load in memory, "
         f"{fmt.size(refused.room)} available: reading {'it' if one else 'them'} once into the "
         f"dataset cache {root} (reused next time), then analysing {'it' if one else 'them together'} "
         "there in windows")  # fmt: skip
    root.mkdir(parents=True, exist_ok=True)
    entries = [ingest_file(Path(path), root, progress=progress_wanted()) for path in args.captures]
    dataset = entries[0] if one else cached_set(entries, root)
    fits = refused.room // (FRAME_BYTES + ANALYSIS_BYTES)
    return dataset, min(WINDOW_PACKETS, max(MIN_WINDOW_PACKETS, fits))


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
    if getattr(args, "pcap", None) and capture is not None:
        export.pcap(capture, report, args.pcap, progress=progress_wanted())
        written.append(("attack packets (pcapng)", Path(args.pcap)))
    return written


def cmd_analyze(args: argparse.Namespace) -> int:
    import workbench as wb

    links = check_analyze_arguments(args)
    formats = check_captures(args.captures, "analyze", args.engine)
    if args.geoip_db:
        os.environ["WORKBENCH_GEOIP_DB"] = os.pathsep.join(args.geoip_db)
    options = {"link_capacity": args.link or None, "dissect": args.dissect}
    capture = None
    dataset = None if formats else args.captures[0]  # one dataset folder (workbench ingest)
    window_packets = args.window_packets
    if formats:
        try:
            capture = _load(args.captures, args.engine, formats)
        except CaptureTooLargeError as refused:
            dataset, window_packets = _into_the_cache(args, refused)
    if dataset is not None:
        if not formats:  # a dataset folder: no reader to compile (a capture said so in _load)
            announce_compile([], analysis=True)
        if links:
            from workbench.capture.scan import open_dataset

            lazy, meta = open_dataset(dataset)
            check_links_present(links, lazy, meta.to_dict()["interfaces"])
        report = wb.analyze(dataset, **options, window_packets=window_packets, workdir=args.workdir,
                            progress=progress_wanted(), workers=args.workers, scheduler=args.scheduler)  # fmt: skip
        where = (
            f"on {args.scheduler}"
            if args.scheduler
            else f"on {args.workers} Dask workers"
            if args.workers
            else "in this process"
        )
        note(f"dataset {dataset}: analysed {where} in {report.parameters['analysis_windows']} windows"
             f" of <= {report.parameters['window_packets'] or report.capture['packets']:,} packets")  # fmt: skip
    else:
        check_links_present(links, capture.packets, capture.meta.interfaces())
        # a terminal gets the bar once the analysis has run a while; a log file never
        report = wb.analyze(capture, **options, progress=None if progress_wanted() else False)
    print(report.to_json() if args.json == "-" else report.summary(), flush=True)
    for what, path in _write_exports(report, capture, args):
        note(f"wrote {what}: {path}")
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
                  progress=progress_wanted())  # fmt: skip
    counts = (
        lazy.select(pl.len(), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .collect()
        .row(0)
    )
    print(f"dataset {args.output}: {counts[0]:,} packets, {counts[1]} .. {counts[2]}")
    print(f"analyse it with: workbench analyze {quoted(args.output)} --link 10G")
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
    sample = sample_dir() / DEMO_SAMPLE
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
        pcap=str(out / "attack.pcapng"),
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
    notebooks = sample_dir().parent / "notebooks"
    return subprocess.call([sys.executable, "-m", "jupyter", "lab", str(notebooks), *args.extra])
