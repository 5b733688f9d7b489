"""Opening evidence: read-only, hashed, format sniffed from the magic bytes.

Nothing here writes to the evidence or next to it. Compressed captures (gzip,
bzip2, xz, zstd) are decompressed as a stream into a bounded window
(``decompress.StreamWindow``); the hash is of the bytes as stored.
"""

from __future__ import annotations

import hashlib
import mmap
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from workbench.capture.decompress import StreamWindow, compression_of
from workbench.errors import CaptureFormatError, CaptureNotFoundError

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("pcap", False, 1000),  # little-endian, microseconds
    b"\xa1\xb2\xc3\xd4": ("pcap", True, 1000),
    b"\x4d\x3c\xb2\xa1": ("pcap", False, 1),  # little-endian, nanoseconds
    b"\xa1\xb2\x3c\x4d": ("pcap", True, 1),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
SNIFF_BYTES = 64 << 10  # decompressed before the format is sniffed
HASH_BLOCK = 8 << 20
_HASHERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wb-sha256")


@dataclass
class Evidence:
    """The bytes of one capture file, opened read-only."""

    path: Path
    size: int  # bytes as stored
    _digest: Future | str  # SHA-256, computed in a background thread while the capture is parsed
    compression: str | None
    data: np.ndarray  # read-only uint8 view of a plain capture (compressed: its first bytes)
    format: str  # "pcap" | "pcapng"
    _mmap: mmap.mmap | None = None
    window: StreamWindow | None = None  # compressed: the decompressed bytes, a window at a time

    @property
    def sha256(self) -> str:
        """SHA-256 of the file as stored (waits for the background hash)."""
        if isinstance(self._digest, Future):
            self._digest = self._digest.result()
        return self._digest

    def close(self) -> None:
        self.data = np.empty(0, dtype=np.uint8)
        if self.window is not None:
            self.window.close()
        if self._mmap is not None:
            try:
                self._mmap.close()
            except BufferError:  # a view is still alive; the OS unmaps at exit
                pass
            self._mmap = None


def open_read_only(path: str | os.PathLike, buffering: int = -1) -> BinaryIO:
    """The evidence opened for reading only, without touching its access time where the system
    allows it (``O_NOATIME``: the owner or root, on Linux), as forensic imagers do: analysing a
    capture never changes any of its timestamps. Every read of evidence goes through here,
    the Wireshark tools included (they read it on their standard input)."""
    flags = os.O_RDONLY | getattr(os, "O_BINARY", 0)
    try:
        fd = os.open(path, flags | getattr(os, "O_NOATIME", 0))
    except PermissionError:  # O_NOATIME on a file of another user: read it as the system allows
        fd = os.open(path, flags)
    return os.fdopen(fd, "rb", buffering=buffering)


def sha256_file(path: Path) -> str:
    """SHA-256 of a file read in blocks (no mapping: hashing adds nothing to resident memory)."""
    digest = hashlib.sha256()
    with open_read_only(path, buffering=0) as handle:
        while block := handle.read(HASH_BLOCK):
            digest.update(block)
    return digest.hexdigest()


def _check_path(path: Path) -> None:
    if not path.exists():
        raise CaptureNotFoundError(path, "no such file")
    if path.is_dir():
        raise CaptureNotFoundError(
            path, "is a directory, not a capture file (use wb.scan for folders)"
        )
    if not path.is_file():
        raise CaptureNotFoundError(path, "is not a regular file")


def sniff(path: Path, head: bytes) -> str:
    """Capture format from its first bytes: "pcap" or "pcapng"; raises on anything else."""
    if len(head) == 0:
        raise CaptureFormatError(path, 0, "file is empty")
    if head[:4] in PCAP_MAGICS:
        return "pcap"
    if head[:4] == PCAPNG_MAGIC:
        return "pcapng"
    if len(head) < 4:
        raise CaptureFormatError(
            path, 0, f"file too short for a capture header ({len(head)} bytes)"
        )
    raise CaptureFormatError(
        path, 0, f"not a pcap or pcapng file (magic {head[:4].hex()}); try engine='tshark'"
    )


def open_evidence(path: str | os.PathLike, *, hash_contents: bool = True) -> Evidence:
    """Open a capture read-only, hash it (unless told not to) and sniff its format."""
    path = Path(path)
    _check_path(path)
    size = path.stat().st_size
    if size == 0:
        raise CaptureFormatError(path, 0, "file is empty")
    with open_read_only(path) as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_SEQUENTIAL"):
        mapped.madvise(mmap.MADV_SEQUENTIAL)
    # hashed with buffered reads in a thread (hashlib releases the GIL): the parse runs meanwhile,
    # and the mapping stays untouched until decoded
    digest = _HASHERS.submit(sha256_file, path) if hash_contents else ""
    compression = compression_of(bytes(mapped[:6]))
    if compression:
        mapped.close()
        return _open_compressed(path, size, digest, compression)
    raw = memoryview(mapped)
    fmt = sniff(path, bytes(raw[:4]))
    data = np.frombuffer(raw, dtype=np.uint8)
    return Evidence(path, size, digest, None, data, fmt, mapped)


def _open_compressed(path: Path, size: int, digest, compression: str) -> Evidence:
    """A compressed capture opened as a stream: only its first bytes are decompressed here."""
    window = StreamWindow(path, compression, open_read_only(path))  # closed by Evidence.close
    try:
        window.refill(0, want=SNIFF_BYTES)
        if window.filled == 0 and window.damage is not None:
            damage = window.damage
            raise CaptureFormatError(
                path,
                damage.compressed_offset,
                f"{compression} stream is corrupt: nothing decompresses ({damage.reason})",
            )
        try:
            fmt = sniff(path, bytes(window.buf[:4]))
        except CaptureFormatError:
            if window.damage is None:
                raise
            damage = window.damage  # garbage out of a corrupt stream: say what is wrong first
            raise CaptureFormatError(
                path,
                damage.compressed_offset,
                f"{compression} stream is corrupt: {damage.reason}; the {window.filled} bytes"
                " decompressed before it are not a pcap or pcapng capture",
            ) from None
    except BaseException:
        window.close()
        raise
    return Evidence(path, size, digest, compression, window.buf, fmt, None, window)
