"""The command line, over the same public API the notebooks use.

workbench analyze CAPTURE... [--link 10G] [--json F] [--html F] [--timeline F]
workbench analyze DATASET [--window-packets N] [--workers N | --scheduler ADDR] ...   (a `workbench ingest` folder)
workbench info CAPTURE...
workbench ingest CAPTURE... -o DIR
workbench synth SCENARIO -o FILE [--seed N] [--scale F] [--format pcap|pcapng]
workbench demo [--out DIR]
workbench lab
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import polars as pl

from workbench._version import __version__
from workbench.analysis.windows import WINDOW_PACKETS
from workbench.errors import WorkbenchError

DEMO_SAMPLE = "mailprovider_2015.pcapng.gz"
DEMO_CAPACITY = "3M"


def _sample_dir() -> Path:
    """sample_pcaps/ of the checkout (or of the current folder when run elsewhere)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[1]):
        if (base / "sample_pcaps" / DEMO_SAMPLE).is_file():
            return base / "sample_pcaps"
    raise WorkbenchError(
        f"the bundled sample {DEMO_SAMPLE} was not found in ./sample_pcaps; "
        "run from the repository checkout"
    )


def _load(paths: Sequence[str], engine: str):
    import workbench as wb

    return wb.load(list(paths), engine=engine, progress=True)


def _check_outputs(args: argparse.Namespace) -> None:
    """Every output path the arguments name can be written (its folder exists)."""
    from workbench.export.atomic import check_destination

    for path in [
        args.json,
        args.html,
        *(args.timeline or []),
        args.fingerprint,
        args.stix,
        args.parquet,
    ]:
        if path:
            check_destination(path)


def _write_exports(report, capture, args: argparse.Namespace) -> list[tuple[str, Path]]:
    """Write every export the arguments ask for; return (what, where) pairs."""
    from workbench import export
    from workbench.export.atomic import write_text

    written: list[tuple[str, Path]] = []
    if args.json:
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


def _summary(report) -> str:
    """A few plain lines: what the analysis found."""
    data = report.to_dict()
    cap = data["capture"]
    lines = [
        f"{cap['packets']:,} packets, {cap['bytes']:,} bytes, {cap.get('start')} .. {cap.get('end')}",
    ]
    for phase in data.get("phases", []):
        vectors = ", ".join(phase.get("vectors", [])) or "-"
        targets = ", ".join(phase.get("targets", [])[:3]) or "-"
        lines.append(
            f"  phase {phase['index']} {phase['kind']:<9} {phase['start']} .. {phase['end']}"
            f"  peak {phase.get('peak_bps', 0) / 1e6:,.1f} Mbit/s  vectors: {vectors}  targets: {targets}"
        )
    sat = data.get("saturation") or {}
    if sat.get("peak_utilization") is not None:
        lines.append(
            f"  link {sat.get('capacity_bps', 0) / 1e6:,.1f} Mbit/s: peak utilisation "
            f"{sat['peak_utilization']:.0%}"
        )
    spoof = (data.get("sources") or {}).get("spoofing")
    if isinstance(spoof, dict) and spoof.get("verdict"):
        lines.append(f"  spoofing: {spoof['verdict']}")
    return "\n".join(lines)


def _is_dataset(paths: Sequence[str]) -> bool:
    """One folder holding ``<sha256>/capture.json`` (``workbench ingest``'s output)."""
    if len(paths) != 1 or not Path(paths[0]).is_dir():
        return False
    folder = Path(paths[0])
    return (folder / "capture.json").is_file() or any(folder.glob("*/capture.json"))


def cmd_analyze(args: argparse.Namespace) -> int:
    import workbench as wb

    if args.geoip_db:
        os.environ["WORKBENCH_GEOIP_DB"] = os.pathsep.join(args.geoip_db)
    _check_outputs(args)  # a folder that does not exist fails now, not after the analysis
    options = {"link_capacity": args.link or None, "dissect": args.dissect}
    if _is_dataset(args.captures):
        capture = None
        report = wb.analyze(args.captures[0], **options, window_packets=args.window_packets, workdir=args.workdir,
                            progress=True, workers=args.workers, scheduler=args.scheduler)  # fmt: skip
        where = (
            f"on {args.scheduler}"
            if args.scheduler
            else f"on {args.workers} Dask workers"
            if args.workers
            else "in this process"
        )
        print(f"dataset {args.captures[0]}: analysed {where} in {report.parameters['analysis_windows']} windows"
              f" of <= {report.parameters['window_packets'] or report.capture['packets']:,} packets")  # fmt: skip
    else:
        capture = _load(args.captures, args.engine)
        report = wb.analyze(capture, **options)
    print(_summary(report))
    written = _write_exports(report, capture, args)
    if not written:
        print(report.to_json())
    for what, path in written:
        print(f"wrote {what}: {path}")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    capture = _load(args.captures, args.engine)
    print(json.dumps(capture.meta.to_dict(), indent=2, default=str))
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from workbench.capture.ingest import ingest

    lazy = ingest(args.captures, args.output, workers=args.workers, scheduler=args.scheduler)
    counts = (
        lazy.select(pl.len(), pl.col("ts").min().alias("first"), pl.col("ts").max().alias("last"))
        .collect()
        .row(0)
    )
    print(f"dataset {args.output}: {counts[0]:,} packets, {counts[1]} .. {counts[2]}")
    print(f"query it with: pl.scan_parquet('{args.output}/*/hour=*/*.parquet')")
    return 0


def cmd_synth(args: argparse.Namespace) -> int:
    from workbench import synth

    if args.list or not args.scenario:
        for name, text in synth.list_scenarios().items():
            print(f"{name:<28} {text}")
        return 0
    if not args.output:
        raise WorkbenchError("synth needs -o FILE (e.g. -o attack.pcapng)")
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
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
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
    )
    cmd_analyze(ns)
    print(
        f"\nopen {out / 'report.html'} in a browser; import {out / 'timeline.jsonl'} into Timesketch"
    )
    return 0


def cmd_lab(args: argparse.Namespace) -> int:
    notebooks = _sample_dir().parent / "notebooks"
    return subprocess.call([sys.executable, "-m", "jupyter", "lab", str(notebooks), *args.extra])


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="workbench", description="DDoS attack forensics workbench"
    )
    parser.add_argument("--version", action="version", version=f"workbench {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def add_captures(p: argparse.ArgumentParser) -> None:
        p.add_argument("captures", nargs="+", help="pcap/pcapng files (gzip/zstd too)"
                       + (" or one dataset folder (workbench ingest)" if p.prog.endswith("analyze") else ""))  # fmt: skip
        p.add_argument("--engine", choices=("fast", "tshark"), default="fast")

    p = sub.add_parser("analyze", help="find phases, vectors, targets, sources, saturation")
    add_captures(p)
    p.add_argument(
        "--link",
        action="append",
        default=[],
        help="capacity: 10G, 2.5M, or per link eth0=10G (pcapng interface name), iface:0=10G, "
        "vlan:100=1G, mac:00:1b:21:aa:00:01=10G (upstream router, per direction) (repeatable)",
    )
    p.add_argument(
        "--window-packets",
        type=int,
        default=None,
        metavar="N",
        help="for a dataset folder (workbench ingest): packets per analysis window "
        f"(default {WINDOW_PACKETS:,}, shared among --workers; memory grows ~500 bytes per packet of a window)",
    )
    p.add_argument(
        "--workers",
        type=int,
        help="for a dataset folder: analyse on a local Dask cluster of N processes",
    )
    p.add_argument(
        "--scheduler",
        help="for a dataset folder: analyse on an existing Dask cluster (tcp://host:8786)",
    )
    p.add_argument(
        "--workdir",
        help="for a dataset folder: where the labelled packets go (default: a temporary folder)",
    )
    p.add_argument("--geoip-db", action="append", help="your own .mmdb (MaxMind, DB-IP, IPinfo)")
    p.add_argument("--json", help="write the report JSON here")
    p.add_argument("--html", help="write the offline HTML report here")
    p.add_argument(
        "--timeline", action="append", help="write the timeline (.jsonl Timesketch, .csv)"
    )
    p.add_argument("--fingerprint", help="write the attack fingerprint JSON here")
    p.add_argument("--stix", help="write a STIX 2.1 bundle here")
    p.add_argument("--parquet", help="write the packet frame as Parquet here")
    p.add_argument(
        "--dissect",
        type=int,
        default=0,
        metavar="N",
        help="read N packets per vector with tshark and add their application fields as evidence",
    )
    p.set_defaults(func=cmd_analyze)

    p = sub.add_parser("info", help="capture metadata: format, hashes, counts, time span")
    add_captures(p)
    p.set_defaults(func=cmd_info)

    p = sub.add_parser(
        "ingest", help="parse captures (files, folders, globs) into a Parquet dataset"
    )
    p.add_argument("captures", nargs="+")
    p.add_argument(
        "-o", "--output", required=True, help="dataset folder (never next to the evidence)"
    )
    p.add_argument(
        "--workers", type=int, help="parse on a local Dask cluster with this many processes"
    )
    p.add_argument("--scheduler", help="parse on an existing Dask cluster (tcp://host:8786)")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("synth", help="write a labelled attack scenario")
    p.add_argument("scenario", nargs="?")
    p.add_argument("-o", "--output")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--scale", type=float, default=1.0)
    p.add_argument("--format", choices=("pcap", "pcapng"))
    p.add_argument("--list", action="store_true", help="list the scenarios")
    p.set_defaults(func=cmd_synth)

    p = sub.add_parser("demo", help="analyse the bundled sample, write report and timeline")
    p.add_argument("--out", default="out", help="output folder (default: out/)")
    p.set_defaults(func=cmd_demo)

    p = sub.add_parser("lab", help="JupyterLab on the notebooks")
    p.add_argument("extra", nargs=argparse.REMAINDER)
    p.set_defaults(func=cmd_lab)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except WorkbenchError as error:
        print(f"workbench: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("workbench: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
