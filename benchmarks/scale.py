"""A multi-GB folder of rotating captures, ingested and then analysed, each in one process and
on a Dask LocalCluster of 2, with the throughput, the speed-up and the peak memory.

    python benchmarks/scale.py [--gb 5] [--files 4] [--window-packets N] [--skip-dask]

The bundled sample's records are replayed back to back (each replay shifted in time by the
sample's duration) into --files pcapng files totalling about --gb GB (written to a temp
folder, deleted after). Each step runs as the `workbench` command a user would type, in its
own process; its peak memory includes its Dask workers.
"""

from __future__ import annotations

import argparse
import json
import shutil
import struct
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import psutil

REPO = Path(__file__).resolve().parents[1]


def _records(body: bytes) -> np.ndarray:
    """Offsets of the enhanced packet blocks in a run of pcapng blocks."""
    offsets, off = [], 0
    while off < len(body):
        btype, blen = struct.unpack_from("<II", body, off)
        if btype == 6:
            offsets.append(off)
        off += blen
    return np.array(offsets, dtype=np.int64)


def make_folder(folder: Path, gb: float, files: int) -> int:
    """The sample's packets replayed back to back, each replay shifted by the sample's duration
    (an attacker that comes back every few minutes, for hours), split into rotating files."""
    import gzip

    raw = gzip.decompress((REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz").read_bytes())
    off = 0
    while off < len(raw):
        btype, blen = struct.unpack_from("<II", raw, off)
        if btype not in (0x0A0D0D0A, 1):
            break
        off += blen
    head, body = raw[:off], raw[off:]
    epb = _records(body)
    view = np.frombuffer(body, dtype=np.uint8)
    hi = view[epb[:, None] + 12 + np.arange(4)].copy().view("<u4").ravel().astype(np.uint64)
    lo = view[epb[:, None] + 16 + np.arange(4)].copy().view("<u4").ravel().astype(np.uint64)
    ts = (hi << np.uint64(32)) | lo  # nanoseconds (the sample's interface has if_tsresol 9)
    period = int(ts.max() - ts.min()) + 1_000_000_000
    copies = max(1, int(gb * 1e9 / len(body) / files))
    replay = 0
    for k in range(files):  # a different length each: distinct files, as rotating captures are
        with (folder / f"rotating-{k:02d}.pcapng").open("wb") as out:
            out.write(head)
            for _ in range(copies + k):
                shifted = ts + np.uint64(replay * period)
                chunk = view.copy()
                chunk[epb[:, None] + 12 + np.arange(4)] = (
                    (shifted >> np.uint64(32)).astype("<u4").view(np.uint8).reshape(-1, 4)
                )
                chunk[epb[:, None] + 16 + np.arange(4)] = (
                    (shifted & np.uint64(0xFFFFFFFF)).astype("<u4").view(np.uint8).reshape(-1, 4)
                )
                out.write(chunk.tobytes())
                replay += 1
    return replay


def run(command: list[str]) -> tuple[float, int]:
    """Run a workbench command as a user would, in its own process: (seconds, peak memory), the
    peak being the largest sum of the resident memory of it and its children (Dask workers),
    sampled every 50 ms."""
    started = time.perf_counter()
    child = subprocess.Popen(
        [sys.executable, "-m", "workbench.cli", *command], stdout=subprocess.DEVNULL
    )
    root = psutil.Process(child.pid)
    peak = 0
    while child.poll() is None:
        total = 0
        try:
            for proc in [root, *root.children(recursive=True)]:
                total += proc.memory_info().rss
        except psutil.Error:
            pass
        peak = max(peak, total)
        time.sleep(0.05)
    if child.returncode:
        raise SystemExit(f"workbench {' '.join(command)} failed ({child.returncode})")
    return time.perf_counter() - started, peak


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=5.0)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--window-packets", type=int, default=None)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    import polars as pl

    folder = Path(tempfile.mkdtemp(prefix="wb-scale-"))
    try:
        evidence = folder / "evidence"
        evidence.mkdir()
        make_folder(evidence, args.gb, args.files)
        size = sum(p.stat().st_size for p in evidence.iterdir())
        print(
            f"{args.files} captures, {size / 1e9:.2f} GB; each step is a `workbench` command in its own process"
        )
        runs = (None,) if args.skip_dask else (None, 2)
        timings: dict[tuple[str, int | None], float] = {}
        packets = 0
        for workers in runs:
            dask = ["--workers", str(workers)] if workers else []
            dataset = folder / f"dataset-{workers}"
            seconds, peak = run(["ingest", str(evidence), "-o", str(dataset), *dask])
            packets = (
                pl.scan_parquet(dataset / "*" / "hour=*" / "*.parquet")
                .select(pl.len())
                .collect()
                .item()
            )
            timings["ingest", workers] = seconds
            label = (
                "ingest, 1 process"
                if workers is None
                else f"ingest, Dask LocalCluster of {workers}"
            )
            print(f"{label:<38} {packets:>12,} packets in {seconds:6.1f} s = {packets / seconds:>11,.0f} packets/s, "
                  f"{size / 1e6 / seconds:5.0f} MB/s, peak memory {peak / 1e6:,.0f} MB")  # fmt: skip
        for workers in runs:
            dask = ["--workers", str(workers)] if workers else []
            window = ["--window-packets", str(args.window_packets)] if args.window_packets else []
            out = folder / f"report-{workers}.json"
            seconds, peak = run(["analyze", str(folder / "dataset-None"), "--link", "1G", "--json", str(out),
                                 "--workdir", str(folder / f"labelled-{workers}"), *window, *dask])  # fmt: skip
            timings["analyse", workers] = seconds
            report = json.loads(out.read_text())
            params = report["parameters"]
            label = (
                "analyse, 1 process"
                if workers is None
                else f"analyse, Dask LocalCluster of {workers}"
            )
            print(f"{label:<38} {packets:>12,} packets in {seconds:6.1f} s = {packets / seconds:>11,.0f} packets/s, "
                  f"{params['analysis_windows']} windows of <= {params['window_packets']:,}, peak memory {peak / 1e6:,.0f} MB")  # fmt: skip
            phases = report["phases"]
            print(f"  {len(phases)} phases ({sum(p['kind'] == 'attack' for p in phases)} attack), "
                  f"vectors: {', '.join(sorted(v['vector'] for v in report['vectors']))}")  # fmt: skip
        if 2 in runs:
            for step in ("ingest", "analyse"):
                print(
                    f"speed-up from 1 to 2 workers, {step}: {timings[step, None] / timings[step, 2]:.2f}x"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
