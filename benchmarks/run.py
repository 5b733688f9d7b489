"""Run every benchmark in this folder, one subprocess each, and print their reports.

    make bench                      # all of them
    python benchmarks/run.py ingest geo   # a few, by name

Each benchmark is a standalone script that prints its own table of figures
(packets/s, MB/s, peak memory, ratios against the tools users would pick instead).
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ORDER = ["ingest", "analysis", "scaling", "dashboard", "geo", "dissect", "scan_memory"]


def main(names: list[str]) -> int:
    scripts = {
        p.stem: p for p in HERE.glob("*.py") if p.stem != "run" and not p.stem.startswith("_")
    }
    chosen = names or sorted(scripts, key=lambda n: (ORDER.index(n) if n in ORDER else 99, n))
    failures = 0
    for name in chosen:
        if name not in scripts:
            print(f"no benchmark named {name!r}; have {sorted(scripts)}")
            failures += 1
            continue
        print(f"\n=== {name} ===", flush=True)
        started = time.perf_counter()
        code = subprocess.call([sys.executable, str(scripts[name])])
        print(f"=== {name}: exit {code} in {time.perf_counter() - started:.1f} s ===", flush=True)
        failures += code != 0
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
