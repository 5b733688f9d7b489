"""A multi-GB folder of rotating captures: ingest in one process vs a Dask LocalCluster of 2,
then the whole analysis of the dataset (windows, streaming queries), with peak memory.

    python benchmarks/scale.py [--gb 5] [--files 4] [--window-packets N]

The bundled sample's records are replayed back to back (each replay shifted in time by the
sample's duration) into --files pcapng files totalling about --gb GB (written to a temp
folder, deleted after). Peak memory is the largest sum of the resident
memory of this process and all its children, sampled every 50 ms.
"""

from __future__ import annotations

import argparse
import shutil
import struct
import sys
import tempfile
import threading
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


class PeakMemory:
    def __init__(self) -> None:
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for proc in [me, *me.children(recursive=True)]:
                try:
                    total += proc.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(0.05)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--gb", type=float, default=5.0)
    parser.add_argument("--files", type=int, default=4)
    parser.add_argument("--window-packets", type=int, default=None)
    parser.add_argument("--skip-dask", action="store_true")
    args = parser.parse_args()
    import workbench as wb
    from workbench.analysis.windows import WINDOW_PACKETS
    from workbench.capture.ingest import ingest

    folder = Path(tempfile.mkdtemp(prefix="wb-scale-"))
    try:
        evidence = folder / "evidence"
        evidence.mkdir()
        make_folder(evidence, args.gb, args.files)
        size = sum(p.stat().st_size for p in evidence.iterdir())
        print(f"{args.files} captures, {size / 1e9:.2f} GB")
        timings = {}
        for workers in (None,) if args.skip_dask else (None, 2):
            with PeakMemory() as memory:
                started = time.perf_counter()
                lazy = ingest(
                    evidence, folder / f"dataset-{workers}", workers=workers, progress=False
                )
                packets = lazy.select("ts").collect().height
                seconds = time.perf_counter() - started
            label = "1 process" if workers is None else f"Dask LocalCluster, {workers} workers"
            timings[workers] = seconds
            print(f"{label:<34} {packets:>12,} packets in {seconds:6.1f} s = {packets / seconds:>11,.0f} packets/s, "
                  f"{size / 1e6 / seconds:6.0f} MB/s, peak memory {memory.peak / 1e6:,.0f} MB")  # fmt: skip
        if 2 in timings:
            print(f"speed-up from 1 to 2 workers: {timings[None] / timings[2]:.2f}x")
        window = args.window_packets or WINDOW_PACKETS
        with PeakMemory() as memory:
            started = time.perf_counter()
            report = wb.analyze(folder / "dataset-None", link_capacity="1G", window_packets=window,
                                workdir=folder / "labelled", progress=False)  # fmt: skip
            seconds = time.perf_counter() - started
        print(f"{'analyse the dataset':<34} {packets:>12,} packets in {seconds:6.1f} s = {packets / seconds:>11,.0f} packets/s, "
              f"{report.parameters['analysis_windows']} windows of <= {window:,}, peak memory {memory.peak / 1e6:,.0f} MB")  # fmt: skip
        print(f"  {report.summary()}")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
