"""Reading a capture into a frame: workbench against the tools an analyst would pick instead.

    python benchmarks/ingest.py [--packets 1000000]

One capture (synthesized, >= --packets packets) is read by every engine in its own
process: the same columns (ts, wire_len, src, dst, proto, sport, dport, ttl, tcp_flags)
into a Polars frame. Slow engines read a slice and are extrapolated (marked *).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure

DPKT = """
import dpkt, socket, polars as pl
rows = {k: [] for k in ("ts","wire_len","src","dst","proto","sport","dport","ttl","tcp_flags")}
with open(PATH, "rb") as f:
    for i, (ts, buf) in enumerate(dpkt.pcap.Reader(f)):
        if i >= LIMIT: break
        eth = dpkt.ethernet.Ethernet(buf)
        ip = eth.data
        rows["ts"].append(ts); rows["wire_len"].append(len(buf))
        if isinstance(ip, (dpkt.ip.IP, dpkt.ip6.IP6)):
            l4 = ip.data
            rows["src"].append(socket.inet_ntop(socket.AF_INET if isinstance(ip, dpkt.ip.IP) else socket.AF_INET6, ip.src))
            rows["dst"].append(socket.inet_ntop(socket.AF_INET if isinstance(ip, dpkt.ip.IP) else socket.AF_INET6, ip.dst))
            rows["proto"].append(ip.p if isinstance(ip, dpkt.ip.IP) else ip.nxt)
            rows["ttl"].append(ip.ttl if isinstance(ip, dpkt.ip.IP) else ip.hlim)
            rows["sport"].append(getattr(l4, "sport", 0)); rows["dport"].append(getattr(l4, "dport", 0))
            rows["tcp_flags"].append(getattr(l4, "flags", 0) if isinstance(l4, dpkt.tcp.TCP) else 0)
        else:
            for k in ("src","dst"): rows[k].append(None)
            for k in ("proto","ttl","sport","dport","tcp_flags"): rows[k].append(0)
frame = pl.DataFrame(rows)
packets = frame.height
"""
SCAPY = """
from scapy.all import PcapReader, IP, IPv6, TCP, UDP
import polars as pl
rows = []
with PcapReader(PATH) as reader:
    for i, p in enumerate(reader):
        if i >= LIMIT: break
        ip = p[IP] if IP in p else (p[IPv6] if IPv6 in p else None)
        l4 = p[TCP] if TCP in p else (p[UDP] if UDP in p else None)
        rows.append((float(p.time), len(p), ip.src if ip else None, ip.dst if ip else None,
                     (ip.proto if IP in p else ip.nh) if ip else 0, l4.sport if l4 else 0, l4.dport if l4 else 0,
                     (ip.ttl if IP in p else ip.hlim) if ip else 0, int(p[TCP].flags) if TCP in p else 0))
frame = pl.DataFrame(rows, orient="row")
packets = frame.height
"""
PYSHARK = """
import pyshark, polars as pl
cap = pyshark.FileCapture(PATH, keep_packets=False)
rows = []
for i, p in enumerate(cap):
    if i >= LIMIT: break
    ip = getattr(p, "ip", None)
    l4 = getattr(p, "tcp", None) or getattr(p, "udp", None)
    rows.append((float(p.sniff_timestamp), int(p.length), ip.src if ip else None, ip.dst if ip else None,
                 int(ip.proto) if ip else 0, int(l4.srcport) if l4 else 0, int(l4.dstport) if l4 else 0,
                 int(ip.ttl) if ip else 0, int(p.tcp.flags, 16) if hasattr(p, "tcp") else 0))
cap.close()
frame = pl.DataFrame(rows, orient="row")
packets = frame.height
"""
TSHARK = """
import subprocess, io, polars as pl
fields = ["frame.time_epoch","frame.len","ip.src","ip.dst","ip.proto","tcp.srcport","tcp.dstport","udp.srcport","udp.dstport","ip.ttl","tcp.flags"]
cmd = ["tshark","-r",PATH,"-n","-T","fields","-E","occurrence=f","-c",str(LIMIT)] + [x for f in fields for x in ("-e", f)]
out = subprocess.run(cmd, capture_output=True, check=True).stdout
frame = pl.read_csv(io.BytesIO(out), separator="\\t", has_header=False, new_columns=fields, infer_schema_length=0)
packets = frame.height
"""
WORKBENCH = """
import workbench as wb
frame = wb.load(PATH, progress=False).packets
packets = frame.height
"""
WORKBENCH_WARM_SETUP = """
import workbench as wb
wb.load(PATH, progress=False)  # compile (or load the cache) and touch the file once
"""
READ = """
import numpy as np
data = np.fromfile(PATH, dtype=np.uint8)
packets = TOTAL
"""


def make_capture(folder: Path, packets: int) -> Path:
    from workbench import synth

    base = synth.generate("tcp-state-floods", seed=1, scale=1.0)[2]["packets"]
    scale = packets / base * 1.02
    path = folder / "bench.pcap"
    synth.write("tcp-state-floods", path, seed=1, scale=scale, snaplen=96)
    return path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=1_000_000)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    try:
        path = make_capture(folder, args.packets)
        import workbench as wb

        total = wb.load(path, progress=False).packets.height
        size_mb = path.stat().st_size / 1e6
        print(
            f"capture: {total:,} packets, {size_mb:,.0f} MB (synthesized tcp-state-floods, snaplen 96)"
        )
        pre = f"PATH = {str(path)!r}\nTOTAL = {total}\n"
        cold_cache = folder / "numba-cold"
        runs = [
            ("read file into memory", READ, total, {}, ""),
            (
                "workbench cold (JIT compile)",
                WORKBENCH,
                total,
                {"NUMBA_CACHE_DIR": str(cold_cache)},
                "",
            ),
            ("workbench warm, 2 cores", WORKBENCH, total, {}, WORKBENCH_WARM_SETUP),
            (
                "workbench warm, 1 core",
                WORKBENCH,
                total,
                {"NUMBA_NUM_THREADS": "1"},
                WORKBENCH_WARM_SETUP,
            ),
            ("tshark -T fields -> polars", TSHARK, min(total, 300_000), {}, ""),
            ("dpkt", DPKT, min(total, 300_000), {}, ""),
            ("scapy", SCAPY, min(total, 20_000), {}, ""),
            ("pyshark", PYSHARK, min(total, 2_000), {}, ""),
        ]
        results = []
        for name, body, limit, env, setup in runs:
            if name.startswith(("tshark", "pyshark")) and not shutil.which("tshark"):
                print(f"{name}: skipped (no tshark)")
                continue
            res = measure(pre + f"LIMIT = {limit}\n" + body, env=env, setup=pre + setup)
            rate = res["packets"] / res["seconds"]
            results.append(
                (
                    name + ("" if limit >= total else " *"),
                    res["packets"],
                    res["seconds"],
                    rate,
                    res["peak_rss_mb"],
                )
            )
        warm = next(r[3] for r in results if r[0].startswith("workbench warm, 2"))
        print(
            f"\n{'engine':<34} {'packets':>10} {'seconds':>9} {'packets/s':>12} {'MB/s':>8} {'peak MB':>8} {'workbench is':>13}"
        )
        for name, n, sec, rate, rss in results:
            mbs = size_mb * (n / total) / sec
            print(
                f"{name:<34} {n:>10,} {sec:>9.2f} {rate:>12,.0f} {mbs:>8,.0f} {rss:>8,.0f} {warm / rate:>12.1f}x"
            )
        print(
            "\n* read a slice and extrapolated; every engine in its own process; peak MB is the process's max RSS"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONWARNINGS", "ignore")
    sys.exit(main())
