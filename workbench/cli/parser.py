"""The argument parser: every option with its help, every command with examples."""

from __future__ import annotations

import argparse

from workbench._version import __version__
from workbench.analysis.windows import WINDOW_PACKETS
from workbench.cli.commands import cmd_analyze, cmd_demo, cmd_ingest, cmd_lab, cmd_synth
from workbench.cli.common import EXIT_FAILURE
from workbench.cli.info import cmd_info


class Parser(argparse.ArgumentParser):
    """argparse whose usage errors are one line, like every other failure of the command."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(EXIT_FAILURE, f"{self.prog}: error: {message} (see `{self.prog} --help`)\n")


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


def _add_analyze(command, add_engine) -> None:
    """``workbench analyze`` and its options."""
    p = command("analyze", "find phases, vectors, targets, sources and link saturation; print the summary")  # fmt: skip
    p.add_argument("captures", nargs="+", metavar="CAPTURE",
                   help="pcap or pcapng files (gzip, zstd, bzip2, xz too), or one dataset folder (workbench ingest); "
                   "captures too large for memory are read into the dataset cache and analysed there in windows")  # fmt: skip
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
    p.add_argument("--pcap", metavar="FILE",
                   help="write the attack's packets, as captured and each commented with its vector, "
                   "to FILE (pcapng: Wireshark, tcpdump, Zeek, Arkime open it)")  # fmt: skip
    p.add_argument("--dissect", type=_count, default=0, metavar="N",
                   help="read N packets per vector with tshark and add their application fields "
                   "(DNS names, HTTP requests, NTP codes) as evidence")  # fmt: skip
    p.set_defaults(func=cmd_analyze)


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

    _add_analyze(command, add_engine)

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
