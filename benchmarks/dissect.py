"""Deep dissection: a sample per vector against dissecting every attack packet, packets/s.

python benchmarks/dissect.py
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    import workbench as wb
    from workbench.dissection import select_packets

    cap = wb.load(REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz")
    rep = wb.analyze(cap, link_capacity="3M")
    attack = select_packets(rep.packets)
    print(f"{attack.height:,} attack packets of {cap.packets.height:,}")
    for label, sample in (
        ("sample of 200 per vector", 200),
        ("sample of 2,000 per vector", 2000),
        ("every attack packet", None),
    ):
        chosen = select_packets(rep.packets, sample_per_vector=sample) if sample else attack
        started = time.perf_counter()
        out = wb.dissect(cap, chosen, progress=False)
        seconds = time.perf_counter() - started
        print(
            f"{label:<28} {out.height:>9,} packets in {seconds:6.1f} s = {out.height / seconds:>9,.0f} packets/s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
