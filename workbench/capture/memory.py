"""Will a capture fit in memory? Asked before ``load`` reads a byte of it, from the file size and
the first records, so a 20 GB capture is refused in a second with advice instead of swapping
the machine to a halt an hour later.

The packet frame holds ``FRAME_BYTES`` per packet (the packet schema's fixed-width columns). A
plain capture is decoded into the frame's own columns (``LOAD_FACTOR``); a compressed one is
built from chunks that are then joined, so it peaks at about twice the frame
(``LOAD_FACTOR_COMPRESSED``). In-memory analysis adds ``ANALYSIS_BYTES`` per packet (measured:
10.96 M packets peaked at 5.4 GB).
"""

from __future__ import annotations

import os
import warnings
from dataclasses import dataclass
from pathlib import Path

from workbench.capture.schema import PACKET_SCHEMA
from workbench.errors import CaptureTooLargeError

# a plain capture: the frame, a chunk's scratch and the mapped pages not yet released (10.96 M
# packets, a 931 MB frame: the process peaked at 1.42 GB, 0.2 GB of it Python and its libraries)
LOAD_FACTOR = 1.3
LOAD_FACTOR_COMPRESSED = 2.0  # chunks, then the joined frame
ANALYSIS_BYTES = 500  # a whole in-memory analysis, per packet, on top of nothing else
SAMPLE_RECORDS = 4096  # records walked to learn the capture's bytes per record


def _frame_bytes() -> int:
    widths = {"Datetime": 8, "UInt8": 1, "UInt16": 2, "UInt32": 4, "UInt64": 8, "UInt128": 16}
    return sum(widths[type(dtype).__name__] for dtype in PACKET_SCHEMA.values())


FRAME_BYTES = _frame_bytes()


@dataclass(frozen=True)
class Estimate:
    """How many packets a capture holds, estimated from its first records."""

    path: Path
    packets: int
    compressed: bool = False

    @property
    def frame_bytes(self) -> int:
        return self.packets * FRAME_BYTES


def estimate(path: str | os.PathLike) -> Estimate:
    """Packets in a pcap/pcapng capture (compressed too), from its size and its first records."""
    from workbench.capture.records import RecordWalker
    from workbench.capture.source import open_evidence

    try:
        ev = open_evidence(path, hash_contents=False)
    except Exception:  # not a capture this reader opens: the reader will say what is wrong
        return Estimate(Path(path), 0)
    try:
        walker = RecordWalker(ev)
        records = len(walker.next_chunk(SAMPLE_RECORDS)[0])
        walked = walker.base + walker.pos  # capture bytes holding those records
        if ev.window is None:
            total = ev.size
        else:  # the stream's ratio so far, applied to the whole file
            read = max(ev.window.handle.tell(), 1)
            total = ev.size * (ev.window.base + ev.window.filled) / read
    except Exception:  # a damaged start: the reader will say what is wrong, not this estimate
        return Estimate(Path(path), 0)
    finally:
        ev.close()
    if records == 0 or walked <= 0:
        return Estimate(Path(path), 0)
    packets = int(max(records, total * records / walked))
    return Estimate(Path(path), packets, ev.window is not None)


def available() -> int | None:
    """Bytes this process can still take: the least of the system's available memory and the
    container's (cgroup v2) room; None where neither is known."""
    limits = []
    try:
        with open("/proc/meminfo") as info:
            for line in info:
                if line.startswith("MemAvailable:"):
                    limits.append(int(line.split()[1]) * 1024)
    except OSError:
        try:
            limits.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
        except (ValueError, OSError, AttributeError):
            pass
    try:
        cgroup = Path("/sys/fs/cgroup")
        top = (cgroup / "memory.max").read_text().strip()
        if top != "max":
            limits.append(int(top) - int((cgroup / "memory.current").read_text()))
    except (OSError, ValueError):
        pass
    return min(limits) if limits else None


def check_fits(paths: list[Path]) -> None:
    """Refuse, before reading, captures whose packet frame will not fit in the memory left
    (``CaptureTooLargeError``, pointing to ``scan``); warn when the frame fits but a whole
    in-memory analysis of it may not."""
    from workbench.capture.reader import CaptureWarning

    room = available()
    if room is None:
        return
    found = [estimate(p) for p in paths]
    packets = sum(e.packets for e in found)
    need = int(
        sum(e.packets * (LOAD_FACTOR_COMPRESSED if e.compressed else LOAD_FACTOR) for e in found)
        * FRAME_BYTES
    )
    names = ", ".join(str(e.path) for e in found[:3]) + (" ..." if len(found) > 3 else "")
    if need > room:
        raise CaptureTooLargeError(
            f"{names}: about {packets:,} packets, {need / 1e9:.1f} GB to load in memory, but only"
            f" {room / 1e9:.1f} GB is available. Use wb.scan(...) (or `workbench ingest`), which"
            " reads it into a Parquet cache in bounded memory, and analyse that; or load a part"
            " (`editcap -c` splits a capture). wb.load(..., check_memory=False) tries anyway",
            needed=need,
            room=room,
        )
    if packets * (FRAME_BYTES + ANALYSIS_BYTES) > room:
        warnings.warn(
            f"{names}: about {packets:,} packets fit in memory, but analysing them in memory"
            f" may take about {packets * (FRAME_BYTES + ANALYSIS_BYTES) / 1e9:.1f} GB of the"
            f" {room / 1e9:.1f} GB available; wb.scan(...) analyses in bounded memory",
            CaptureWarning,
            stacklevel=3,
        )
