"""Compressed evidence read as a stream: gzip, bzip2, xz and zstd, in bounded memory.

A capture stored compressed is decompressed piece by piece into a sliding window
(``StreamWindow``) that the record walk reads; at no point is the whole capture
inflated. A damaged or truncated stream is not an error: every byte decompressed
before the damage is kept, and the damage (what is wrong, at which compressed
and uncompressed byte offset) is recorded for the reader's warning, the way
``gzip -dc`` writes out what it could before complaining.
"""

from __future__ import annotations

import bz2
import lzma
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import numpy as np

# codec name -> magic bytes at the start of the file (one row per codec)
MAGICS = {
    "gzip": b"\x1f\x8b",
    "zstd": b"\x28\xb5\x2f\xfd",
    "xz": b"\xfd7zXZ\x00",
    "bzip2": b"BZh",
}
IN_PIECE = 64 << 10  # compressed bytes fed per call
OUT_PIECE = 1 << 20  # most decompressed bytes taken per call (bounds a decompression bomb)
ZSTD_IN_PIECE = 4 << 10  # zstandard's decompressobj has no output bound: feed it less at once
WINDOW = 32 << 20  # decompressed bytes the record walk sees at once
MAX_WINDOW = 512 << 20  # a record longer than this is not a record: the walk reports it


def compression_of(head: bytes) -> str | None:
    """The codec a file is compressed with, from its first bytes (None: not compressed)."""
    for kind, magic in MAGICS.items():
        if head.startswith(magic) and (kind != "bzip2" or head[3:4] in b"123456789"):
            return kind
    return None


@dataclass
class Damage:
    """Where and how a compressed stream stopped making sense."""

    kind: str  # codec
    reason: str
    compressed_offset: int  # byte offset in the file as stored
    uncompressed_offset: int  # bytes decompressed (and kept) before it

    def describe(self) -> str:
        return (
            f"{self.kind} stream {self.reason} at compressed byte offset {self.compressed_offset}"
            f" (uncompressed byte offset {self.uncompressed_offset})"
        )


class _StreamDamageError(Exception):
    def __init__(self, reason: str, compressed_offset: int):
        super().__init__(reason)
        self.reason = reason
        self.compressed_offset = compressed_offset


class _Zlib:
    """zlib's decompressobj behind the bz2/lzma interface (needs_input, bounded output)."""

    def __init__(self, d=None):
        self.d = d or zlib.decompressobj(31)  # 31: gzip header and trailer (CRC-32, length)
        self.tail = b""

    def decompress(self, data: bytes, max_length: int) -> bytes:
        out = self.d.decompress(self.tail + data, max_length)
        self.tail = self.d.unconsumed_tail
        return out

    @property
    def needs_input(self) -> bool:
        return not self.tail

    @property
    def pending(self) -> int:
        return len(self.tail)

    eof = property(lambda self: self.d.eof)
    unused_data = property(lambda self: self.d.unused_data)

    def copy(self) -> _Zlib:
        twin = _Zlib(self.d.copy())
        twin.tail = self.tail
        return twin


class _Zstd:
    """zstandard's decompressobj behind the same interface (one frame per object)."""

    def __init__(self):
        import zstandard

        self.d = zstandard.ZstdDecompressor().decompressobj()

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self.d.decompress(data) if data else b""

    needs_input = property(lambda self: True)
    pending = property(lambda self: 0)
    eof = property(lambda self: self.d.eof)
    unused_data = property(lambda self: self.d.unused_data)


class _Std:
    """bz2 / lzma decompressors (already this interface)."""

    def __init__(self, d):
        self.d = d

    def decompress(self, data: bytes, max_length: int) -> bytes:
        return self.d.decompress(data, max_length)

    needs_input = property(lambda self: self.d.needs_input)
    pending = property(lambda self: 0)  # buffered inside, not visible
    eof = property(lambda self: self.d.eof)
    unused_data = property(lambda self: self.d.unused_data)


# codec -> (new decompressor, errors it raises on bad data, bytes fed per call, padding allowed
# between concatenated streams)
_CODECS = {
    "gzip": (_Zlib, (zlib.error,), IN_PIECE, b"\0"),
    "bzip2": (lambda: _Std(bz2.BZ2Decompressor()), (OSError, EOFError), IN_PIECE, b""),
    "xz": (lambda: _Std(lzma.LZMADecompressor()), (lzma.LZMAError, EOFError), IN_PIECE, b"\0"),
    "zstd": (_Zstd, (Exception,), ZSTD_IN_PIECE, b""),
}


def inflate(kind: str, handle: BinaryIO) -> Iterator[bytes]:
    """Decompressed pieces of a stream (concatenated streams too, as ``gzip -dc`` reads them);
    raises ``_StreamDamageError`` where the stream is corrupt or ends early, after yielding all before."""
    make, errors, in_piece, padding = _CODECS[kind]
    d = make()
    fed = 0  # compressed bytes handed to decompressors so far
    data = b""
    while True:
        if d.eof:
            rest = d.unused_data
            if padding:
                rest = rest.lstrip(padding)
            while not rest:
                more = handle.read(in_piece)
                if not more:
                    return  # clean end after a complete stream
                fed += len(more)
                rest = more.lstrip(padding) if padding else more
            if compression_of(rest[:6]) != kind:
                at = fed - len(rest)
                if not rest.strip(b"\0"):
                    return
                raise _StreamDamageError(
                    f"has {len(rest) + _remaining(handle)} bytes after its end that are not"
                    f" another {kind} stream (ignored)",
                    at,
                )
            d, data = make(), rest
        elif d.needs_input:
            data = handle.read(in_piece)
            if not data:
                raise _StreamDamageError("ends early (file truncated?)", fed)
            fed += len(data)
        else:
            data = b""
        snapshot = d.copy() if hasattr(d, "copy") else None
        try:
            out = d.decompress(data, OUT_PIECE)
        except errors as error:
            at = fed - len(data) - d.pending
            if snapshot is not None:  # find the exact byte, keeping what precedes it
                yield from _byte_by_byte(snapshot, data, at, errors)
            raise _StreamDamageError(f"is corrupt ({error})", at) from error
        if out:
            yield out


def _byte_by_byte(d: _Zlib, data: bytes, at: int, errors) -> Iterator[bytes]:
    data = d.tail + data
    d.tail = b""
    for k in range(len(data)):
        try:
            out = d.d.decompress(data[k : k + 1])
        except errors as error:
            raise _StreamDamageError(f"is corrupt ({error})", at + k) from error
        if out:
            yield out


def _remaining(handle: BinaryIO) -> int:
    try:
        here = handle.tell()
        end = handle.seek(0, 2)
        handle.seek(here)
        return end - here
    except OSError:
        return 0


class StreamWindow:
    """Decompressed bytes ``[base, base + len(buf))`` of a compressed capture.

    ``refill(keep_from)`` drops what the walk has finished with, slides the rest to the
    front and decompresses more behind it. ``buf`` is a read-only uint8 view (the same
    array type as a mapped plain file, so the kernels compile once).
    """

    def __init__(self, path, kind: str, handle: BinaryIO, capacity: int | None = None):
        self.path = path
        self.kind = kind
        self.handle = handle
        self.capacity = capacity or WINDOW
        self.store = np.empty(self.capacity, dtype=np.uint8)
        self.filled = 0
        self.base = 0
        self.eof = False
        self.damage: Damage | None = None
        self._pieces = inflate(kind, handle)
        self._carry = memoryview(b"")

    @property
    def buf(self) -> np.ndarray:
        view = self.store[: self.filled]
        view.flags.writeable = False
        return view

    @property
    def produced(self) -> int:
        """Decompressed bytes so far."""
        return self.base + self.filled

    @property
    def compressed_offset(self) -> int:
        """Compressed bytes read so far (for progress)."""
        try:
            return self.handle.tell()
        except (OSError, ValueError):
            return 0

    def refill(self, keep_from: int, want: int | None = None) -> bool:
        """Keep ``buf[keep_from:]``, then decompress until the window is full (or ``want``
        bytes are held); False when nothing could be added."""
        keep = self.filled - keep_from
        if keep_from:
            self.store[:keep] = self.store[keep_from : self.filled]
            self.base += keep_from
            self.filled = keep
        if keep == self.capacity:  # one record larger than the window: grow it, within reason
            if self.capacity >= MAX_WINDOW:
                return False
            self.capacity = min(self.capacity * 2, MAX_WINDOW)
            grown = np.empty(self.capacity, dtype=np.uint8)
            grown[:keep] = self.store[:keep]
            self.store = grown
        target = min(self.capacity, want) if want else self.capacity
        before = self.filled
        while self.filled < target and not self.eof:
            if not self._carry:
                try:
                    self._carry = memoryview(next(self._pieces))
                except StopIteration:
                    self.eof = True
                    break
                except _StreamDamageError as damaged:
                    self.eof = True
                    self.damage = Damage(
                        self.kind, damaged.reason, damaged.compressed_offset, self.produced
                    )
                    break
            take = min(len(self._carry), self.capacity - self.filled)
            self.store[self.filled : self.filled + take] = np.frombuffer(
                self._carry, dtype=np.uint8, count=take
            )
            self.filled += take
            self._carry = self._carry[take:]
        return self.filled > before

    def drain(self) -> Damage | None:
        """Decompress the rest, keeping none of it, to learn whether the stream is damaged
        further on (a record fault in the decompressed bytes may be the damage's garbage)."""
        if self.eof:
            return self.damage
        produced = self.produced + len(self._carry)
        self._carry = memoryview(b"")
        try:
            for piece in self._pieces:
                produced += len(piece)
        except _StreamDamageError as damaged:
            self.damage = Damage(self.kind, damaged.reason, damaged.compressed_offset, produced)
        self.eof = True
        return self.damage

    def close(self) -> None:
        self._pieces.close()
        self.handle.close()
        self.store = np.empty(0, dtype=np.uint8)
        self.filled = 0
