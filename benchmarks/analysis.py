"""Ten million packets, end to end: synthesize, write, load, analyse (and each part's time).

python benchmarks/analysis.py [--packets 10000000]
"""

from __future__ import annotations

import argparse
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=10_000_000)
    args = parser.parse_args()
    import workbench as wb
    from workbench import synth
    from workbench.analysis import classify, saturation
    from workbench.analysis.phases import segment

    per_scale = synth.generate("mailprovider-2015", seed=1, scale=0.1)[2]["packets"] / 0.1
    scale = args.packets / per_scale
    folder = Path(tempfile.mkdtemp(prefix="wb-bench-"))
    try:
        path = folder / "big.pcap"
        t = time.perf_counter()
        truth = synth.write("mailprovider-2015", path, seed=1, scale=scale, snaplen=64, fmt="pcap")
        t_synth = time.perf_counter() - t
        print(
            f"synthesize + write: {truth['packets']:,} packets, {path.stat().st_size / 1e9:.2f} GB in {t_synth:.1f} s"
        )
        wb.load(folder / "big.pcap", progress=False)  # warm the file cache and the JIT
        t = time.perf_counter()
        cap = wb.load(path, progress=False)
        t_load = time.perf_counter() - t
        frame = cap.packets
        t = time.perf_counter()
        classified = classify(frame)
        t_classify = time.perf_counter() - t
        t = time.perf_counter()
        segment(classified)
        t_phases = time.perf_counter() - t
        t = time.perf_counter()
        saturation.assess(classified, truth["capacity_bps"])
        t_sat = time.perf_counter() - t
        t = time.perf_counter()
        half = truth["capacity_bps"] / 2
        saturation.assess_links(
            classified, [("mac", 0x001B21AA0001, half), ("mac", 0x001B21AA0002, half)]
        )
        t_links = time.perf_counter() - t
        t = time.perf_counter()
        report = wb.analyze(cap, link_capacity=truth["capacity_bps"])
        t_all = time.perf_counter() - t
        n = frame.height
        print(f"{'step':<28} {'seconds':>8} {'packets/s':>14}")
        for name, sec in [("load (warm)", t_load), ("classify vectors", t_classify), ("phases", t_phases),
                          ("saturation, 5 time scales", t_sat),
                          ("2 router links x 2 directions", t_links), ("analyze (everything)", t_all)]:  # fmt: skip
            print(f"{name:<28} {sec:>8.2f} {n / sec:>14,.0f}")
        for p in report.phases:
            print(
                f"  phase {p['index']:>2} {p['kind']:<9} {p['start'][11:19]}-{p['end'][11:19]} {p['vectors']}"
            )
        print(
            f"peak memory of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB"
        )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
