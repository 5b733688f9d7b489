"""Geolocation throughput: distinct addresses per second through the embedded tables.

python benchmarks/geo.py [--addresses 2000000]
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--addresses", type=int, default=2_000_000)
    args = parser.parse_args()
    import workbench as wb
    from workbench.capture import addresses
    from workbench.enrich import geo

    t = time.perf_counter()
    tables = geo._tables()
    t_load = time.perf_counter() - t
    size = sum(v.nbytes for t_ in tables.values() for v in (t_["start"], t_["end"])) + sum(
        t_["values"].estimated_size() for t_ in tables.values()
    )
    rng = np.random.default_rng(0)
    n = args.addresses
    v4 = addresses.from_halves(
        np.zeros(n, np.uint64),
        np.uint64(0xFFFF00000000) | rng.integers(0, 1 << 32, n, dtype=np.uint64),
    )
    v6 = addresses.from_halves(
        np.uint64(0x2000_0000_0000_0000) | rng.integers(0, 1 << 60, n // 4, dtype=np.uint64),
        rng.integers(0, 1 << 63, n // 4, dtype=np.uint64),
    )
    print(f"tables loaded in {t_load * 1000:.0f} ms, {size / 1e6:.1f} MB in memory")
    for name, series in (("IPv4", v4), ("IPv6", v6)):
        t = time.perf_counter()
        found = wb.enrich.geolocate(series)
        dt = time.perf_counter() - t
        print(f"{name}: {found.height:,} distinct addresses in {dt:.2f} s = {found.height / dt:,.0f} addresses/s "
              f"({found['country'].is_not_null().mean():.0%} with a country)")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
