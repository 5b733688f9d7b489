"""The record walk: a capture's bytes, plain or decompressed a window at a time, cut into
records (offsets, lengths, times, interfaces) by the Numba kernels of ``walk.py``, resumable
chunk by chunk, stopping at the first fault with its byte offset."""

from __future__ import annotations

import numpy as np

from workbench.capture import walk
from workbench.capture.source import PCAP_MAGICS, Evidence
from workbench.errors import CaptureFormatError

# faults that only mean "the bytes end here": with a compressed stream still running, more follow
CUT_FAULTS = (walk.HEADER_CUT, walk.DATA_CUT, walk.BLOCK_CUT)


class RecordWalker:
    """Resumable record walk over one capture's bytes (pcap or pcapng, plain or compressed):
    ``next_chunk(n)`` gives the next ``n`` records (offsets into the buffer, lengths, times); ingest and the
    memory estimate walk with it too."""

    def __init__(self, ev: Evidence):
        self.ev = ev
        # compressed evidence: the walk sees a sliding window of decompressed bytes, and
        # ``buf[pos]`` is byte ``base + pos`` of the capture; plain: the whole mapped file
        self.window = ev.window
        self.buf = ev.data if self.window is None else self.window.buf
        self.base = 0
        self.pos = 0
        self._refill_due = False
        self._stuck = False  # a record larger than the largest window
        self._names: list[str | None] = []
        self.fault: tuple[int, int] | None = None  # (code, byte offset in the capture)
        self.over_snaplen = 0
        # the chunk's arrays, kept from one chunk to the next (an allocation this large is
        # mapped anew each time, and its pages zeroed again)
        self._out = np.empty((5, 0), dtype=np.int64)
        if ev.format == "pcap":
            self._init_pcap()
        else:
            self._init_pcapng()

    def _init_pcap(self) -> None:
        head = bytes(self.buf[:24])
        if len(head) < 24:
            raise CaptureFormatError(
                self.ev.path, len(head), "pcap file header cut short (24 bytes needed)"
            )
        _, big, frac_ns = PCAP_MAGICS[head[:4]]
        order = ">" if big else "<"
        snaplen = int(np.frombuffer(head[16:20], dtype=f"{order}u4")[0])
        link = int(np.frombuffer(head[20:24], dtype=f"{order}u4")[0]) & 0xFFFF
        self.big, self.frac_ns, self.snaplen = big, frac_ns, snaplen
        self.if_link = np.array([link], dtype=np.int64)
        self.if_snap = np.array([snaplen], dtype=np.int64)
        self.if_drops = np.array([-1], dtype=np.int64)
        self.if_name = np.array([-1], dtype=np.int64)
        self.n_if = 1
        self.pos = 24

    def _init_pcapng(self) -> None:
        m = walk.MAX_INTERFACES
        self.state = np.zeros(6, dtype=np.int64)
        self.if_link = np.zeros(m, dtype=np.int64)
        self.if_res_kind = np.zeros(m, dtype=np.int64)
        self.if_res_val = np.zeros(m, dtype=np.int64)
        self.if_tsoff = np.zeros(m, dtype=np.int64)
        self.if_snap = np.zeros(m, dtype=np.int64)
        self.if_drops = np.full(m, -1, dtype=np.int64)
        self.if_name = np.full(m, -1, dtype=np.int64)
        self.n_if = 0
        self.snaplen = None

    def _resolve_names(self) -> None:
        """Read the if_name of interfaces described since the last walk, while their bytes
        are still in ``buf`` (a window moves on)."""
        for g in range(len(self._names), self.n_if):
            packed = int(self.if_name[g])
            if packed < 0:
                self._names.append(None)
                continue
            at, length = packed >> 16, packed & 0xFFFF
            text = bytes(self.buf[at : at + length]).split(b"\0")[0]
            self._names.append(text.decode("utf-8", "replace"))

    def names(self) -> list[str | None]:
        """Each interface's pcapng if_name (``eth0``, ``\\Device\\NPF_{..}``), None where it has none."""
        self._resolve_names()
        return self._names[: self.n_if]

    @property
    def offset(self) -> int:
        """Byte offset in the (decompressed) capture where the walk resumes."""
        return self.base + self.pos

    @property
    def progress(self) -> int:
        """Bytes of the file as stored read so far (compressed bytes for compressed evidence)."""
        return self.offset if self.window is None else self.window.compressed_offset

    @property
    def _more(self) -> bool:
        """Whether bytes beyond ``buf`` are still to come (compressed stream not finished)."""
        return self.window is not None and not self.window.eof and not self._stuck

    @property
    def done(self) -> bool:
        return self.fault is not None or (self.pos >= self.buf.shape[0] and not self._more)

    def _refill(self) -> None:
        self._refill_due = False
        if not self.window.refill(self.pos):
            self._stuck = not self.window.eof
        self.base, self.pos, self.buf = self.window.base, 0, self.window.buf

    def next_chunk(self, max_records: int) -> tuple[np.ndarray, ...]:
        """The next records (offsets into ``buf``, lengths, times, interfaces): arrays the next
        call overwrites."""
        while True:
            if self._refill_due:
                self._refill()
            chunk, fault, fault_off = self._walk(max_records)
            ran_out = fault in CUT_FAULTS or (fault == walk.OK and self.pos >= self.buf.shape[0])
            if ran_out and self._more:
                self._refill_due = True  # the rest of the record is still being decompressed
                if len(chunk[0]) == 0:
                    continue
                return chunk
            if fault != walk.OK:
                self.fault = (int(fault), self.base + int(fault_off))
            return chunk

    def _walk(self, max_records: int) -> tuple[tuple[np.ndarray, ...], int, int]:
        cap_n = max(1, min(max_records, (self.buf.shape[0] - self.pos) // 16 + 1))
        if self._out.shape[1] < cap_n:
            self._out = np.empty((5, cap_n), dtype=np.int64)
        off, cap, wire, ts, ifs = (row[:cap_n] for row in self._out)
        if self.ev.format == "pcap":
            ifs[:] = 0
            n, nxt, fault, fault_off, over = walk.walk_pcap(
                self.buf,
                self.pos,
                cap_n,
                self.big,
                self.frac_ns,
                self.snaplen,
                off,
                cap,
                wire,
                ts,
            )
            self.over_snaplen += over
        else:
            n, nxt, fault, fault_off = walk.walk_pcapng(
                self.buf, self.pos, cap_n, self.state, self.if_link, self.if_res_kind,
                self.if_res_val, self.if_tsoff, self.if_snap, self.if_drops, self.if_name,
                off, cap, wire, ts, ifs,
            )  # fmt: skip
            self.n_if = int(self.state[3])
            self._resolve_names()
        self.pos = int(nxt)
        return (off[:n], cap[:n], wire[:n], ts[:n], ifs[:n]), int(fault), int(fault_off)
