"""Peak memory of ``wb.scan`` (chunked, Parquet cache) against ``wb.load`` (whole frame), as the capture grows.

    python benchmarks/scan_memory.py [--copies 4 12]

The bundled sample's records are repeated to make bigger captures; each engine runs in
its own process and reports its peak resident memory (VmHWM).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _measure import measure

REPO = Path(__file__).resolve().parents[1]


def make(path: Path, copies: int) -> int:
    import gzip

    raw = gzip.decompress((REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz").read_bytes())
    import workbench as wb

    # a pcapng: section header + interface block, then the records repeated
    cap = wb.load(REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz", progress=False)
    head_len = 0
    import struct

    off = 0
    while off < len(raw):  # keep SHB and IDB, repeat everything after them
        btype, blen = struct.unpack_from("<II", raw, off)
        if btype in (0x0A0D0D0A, 1):
            off += blen
            head_len = off
        else:
            break
    body = raw[head_len:]
    with path.open("wb") as out:
        out.write(raw[:head_len])
        for _ in range(copies):
            out.write(body)
    return cap.packets.height * copies


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--copies", type=int, nargs="+", default=[40, 120])
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="wb-scan-"))
    try:
        print(
            f"{'capture':>10} {'packets':>12} {'load peak MB':>13} {'scan peak MB':>13} {'frame MB':>9}"
        )
        for copies in args.copies:
            path = folder / f"x{copies}.pcapng"
            packets = make(path, copies)
            pre = f"PATH = {str(path)!r}\nCACHE = {str(folder / ('cache' + str(copies)))!r}\n"
            load = measure(
                pre
                + "import workbench as wb\nf = wb.load(PATH, progress=False).packets\npackets = f.height\nprint('@@SIZE', f.estimated_size())"
            )
            scan = measure(
                pre
                + "import workbench as wb\nlazy = wb.scan(PATH, cache_dir=CACHE, progress=False)\npackets = lazy.select('ts').collect().height"
            )
            frame_mb = packets * 61 / 1e6  # bytes per row of the packet frame
            print(
                f"{path.stat().st_size / 1e9:>8.2f}GB {packets:>12,} {load['peak_rss_mb']:>13,.0f} {scan['peak_rss_mb']:>13,.0f} {frame_mb:>9,.0f}"
            )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
