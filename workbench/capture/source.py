"""Opening evidence: read-only, hashed, format sniffed from the magic bytes.

Nothing here writes to the evidence or next to it. Compressed captures (gzip,
zstd) are decompressed into memory; the hash is of the bytes as stored.
"""

from __future__ import annotations

import gzip
import hashlib
import mmap
import os
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from workbench.errors import CaptureFormatError, CaptureNotFoundError

PCAP_MAGICS = {
    b"\xd4\xc3\xb2\xa1": ("pcap", False, 1000),  # little-endian, microseconds
    b"\xa1\xb2\xc3\xd4": ("pcap", True, 1000),
    b"\x4d\x3c\xb2\xa1": ("pcap", False, 1),  # little-endian, nanoseconds
    b"\xa1\xb2\x3c\x4d": ("pcap", True, 1),
}
PCAPNG_MAGIC = b"\x0a\x0d\x0d\x0a"
GZIP_MAGIC = b"\x1f\x8b"
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"
HASH_BLOCK = 8 << 20
_HASHERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="wb-sha256")


@dataclass
class Evidence:
    """The bytes of one capture file, opened read-only."""

    path: Path
    size: int  # bytes as stored
    _digest: Future | str  # SHA-256, computed in a background thread while the capture is parsed
    compression: str | None
    data: np.ndarray  # read-only uint8 view of the (decompressed) capture
    format: str  # "pcap" | "pcapng"
    _mmap: mmap.mmap | None = None

    @property
    def sha256(self) -> str:
        """SHA-256 of the file as stored (waits for the background hash)."""
        if isinstance(self._digest, Future):
            self._digest = self._digest.result()
        return self._digest

    def close(self) -> None:
        self.data = np.empty(0, dtype=np.uint8)
        if self._mmap is not None:
            try:
                self._mmap.close()
            except BufferError:  # a view is still alive; the OS unmaps at exit
                pass
            self._mmap = None


def _hash_file(path: Path) -> str:
    """SHA-256 of a file read in blocks (no mapping: hashing adds nothing to resident memory)."""
    digest = hashlib.sha256()
    with open(path, "rb", buffering=0) as handle:
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


def _decompress(path: Path, raw: memoryview, kind: str) -> bytes:
    try:
        if kind == "gzip":
            return gzip.decompress(raw)
        import zstandard

        reader = zstandard.ZstdDecompressor().stream_reader(bytes(raw))
        return reader.read()
    except Exception as error:  # corrupt compressed stream
        raise CaptureFormatError(path, 0, f"{kind} stream is corrupt: {error}") from error


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
    with open(path, "rb") as handle:
        mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)
    if hasattr(mmap, "MADV_SEQUENTIAL"):
        mapped.madvise(mmap.MADV_SEQUENTIAL)
    raw = memoryview(mapped)
    # hashed with buffered reads in a thread (hashlib releases the GIL): the parse runs meanwhile,
    # and the mapping stays untouched until decoded
    digest = _HASHERS.submit(_hash_file, path) if hash_contents else ""
    compression = None
    if raw[:2] == GZIP_MAGIC:
        compression = "gzip"
    elif raw[:4] == ZSTD_MAGIC:
        compression = "zstd"
    if compression:
        payload = _decompress(path, raw, compression)
        raw.release()
        mapped.close()
        data = np.frombuffer(payload, dtype=np.uint8)
        return Evidence(path, size, digest, compression, data, sniff(path, payload[:4]))
    fmt = sniff(path, bytes(raw[:4]))
    data = np.frombuffer(raw, dtype=np.uint8)
    return Evidence(path, size, digest, None, data, fmt, mapped)
