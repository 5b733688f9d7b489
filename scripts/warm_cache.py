"""Compile the reader's and the analysis' Numba kernels once, into Numba's on-disk cache, by
reading and analysing two bundled samples (a pcap, and the pcapng the demo opens): the first
capture an analyst opens is then read and analysed at once, not after ~25 s of compiling.
Run by ``make install`` and by Binder's ``postBuild``.

    python scripts/warm_cache.py
"""

from __future__ import annotations

import time
import warnings
from pathlib import Path

SAMPLES = Path(__file__).resolve().parents[1] / "sample_pcaps"


def main() -> None:
    import workbench as wb

    started = time.perf_counter()
    print("compiling the capture reader and the analysis, once (~25 s)", flush=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the samples' own notes (drops, snaplen) say nothing here
        for name in ("fragments.pcap", "mailprovider_2015.pcapng.gz"):
            wb.analyze(wb.load(SAMPLES / name, progress=False), progress=False)
    print(f"compiled in {time.perf_counter() - started:.0f} s", flush=True)


if __name__ == "__main__":
    main()
