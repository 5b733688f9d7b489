"""Dashboard interaction latency on a ten-million-packet capture.

    python benchmarks/dashboard.py [--packets 10000000]

The bundled sample's analysed packets are tiled in time until the frame holds
--packets rows; the dashboard then works from its pre-aggregated series, and only the
packet table, the map and the target/country/ASN filters touch the packets. Each control is changed several times; the figure is
the wall time from the change to every view being recomputed.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path

import polars as pl

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--packets", type=int, default=10_000_000)
    args = parser.parse_args()
    import workbench as wb
    from workbench.analysis.series import fine_series

    cap = wb.load(REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz")
    report = wb.analyze(cap, link_capacity="3M")
    base = report.packets
    span = int((base["ts"].max() - base["ts"].min()).total_seconds() * 1e9) + 1_000_000_000
    copies = -(-args.packets // base.height)
    big = pl.concat(
        [base.with_columns(pl.col("ts") + pl.duration(nanoseconds=k * span)) for k in range(copies)]
    ).head(args.packets)
    t = time.perf_counter()
    series = fine_series(big)
    t_series = time.perf_counter() - t
    big_report = replace(report, series=series, packets=big)
    t = time.perf_counter()
    dash = wb.Dashboard(None, big_report)
    t_build = time.perf_counter() - t
    print(
        f"{big.height:,} packets; pre-aggregated series: {series.height:,} rows in {t_series:.2f} s; dashboard built in {t_build:.2f} s"
    )

    def timed(action) -> float:
        started = time.perf_counter()
        action()
        return (time.perf_counter() - started) * 1000

    start_ms = int(big["ts"].min().timestamp() * 1000)
    results = {
        "pick a vector": [timed(lambda v=v: setattr(dash.vector_picker, "value", v)) for v in ["syn_flood", "ssdp_amplification", "dns_amplification", ""] * 2],
        "pick a phase": [timed(lambda i=i: setattr(dash.phase_picker, "value", i)) for i in [1, 3, 4, -1] * 2],
        "brush a window": [timed(lambda k=k: setattr(dash.overview, "_vl_selections", {"brush": {"value": {"ts": [start_ms + k * 60_000, start_ms + k * 60_000 + 90_000]}, "store": []}})) for k in range(8)],
        "pick a target": [timed(lambda t=t: setattr(dash.target_picker, "value", t)) for t in ["203.0.113.0/24", "203.0.113.10", ""] * 2],
        "pick a country": [timed(lambda c=c: setattr(dash.country_picker, "value", c)) for c in ["CN", "US", ""] * 2],
        "pick an ASN": [timed(lambda a=a: setattr(dash.asn_picker, "value", a)) for a in [dash.asn_picker.options[1][1], -1] * 2],
        "change the bin size": [timed(lambda b=b: setattr(dash.bin_picker, "value", b)) for b in [100, 10000, 1000] * 2],
    }  # fmt: skip
    print(f"\n{'interaction':<22} {'median ms':>10} {'max ms':>8}")
    for name, values in results.items():
        print(f"{name:<22} {statistics.median(values):>10.0f} {max(values):>8.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
