"""The packet frame's columns, filled a chunk of records at a time by the decode kernel, then
handed to Polars as they are: Polars takes a contiguous NumPy array of a plain integer type
without copying it, and the addresses are written straight into the buffers of their UInt128
series. Each column is written once, in its own type.

A plain capture is counted first (a walk of its record headers: 0.1 s for 11 M packets) and
decoded into columns for all of its packets, so its frame is one chunk that was never copied;
a compressed one, which cannot be walked twice, gets a frame per chunk, concatenated.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.capture import addresses, decode
from workbench.capture.schema import PACKET_SCHEMA

# each decoded field's type in the frame (PACKET_SCHEMA's, as NumPy spells it)
FIELD_TYPES = {
    "vlan": np.uint16, "ip_ver": np.uint8, "proto": np.uint8, "sport": np.uint16, "dport": np.uint16,
    "ttl": np.uint8, "ip_len": np.uint16, "ip_id": np.uint32, "frag": np.uint8, "tcp_flags": np.uint8,
    "tcp_window": np.uint16, "icmp_type": np.uint8, "icmp_code": np.uint8, "payload_len": np.uint16,
}  # fmt: skip


class Scratch:
    """What the kernel writes for a chunk before it is copied into the columns, kept from chunk
    to chunk of a file (160 MB for a chunk of 1 M records: mapped and zeroed by the system
    anew when each chunk allocates its own)."""

    def __init__(self) -> None:
        self._words = np.empty(0, dtype=np.int64)

    def take(self, n: int) -> tuple[np.ndarray, ...]:
        """The kernel's output for ``n`` records, each contiguous as it was compiled for: an
        int64 row per field (and ``F_CUT``'s), then (high, low) halves of src and dst, and the
        two MACs."""
        width = decode.ROWS + 6
        if self._words.shape[0] < width * n:
            self._words = np.empty(width * n, dtype=np.int64)
        whole = self._words[: width * n]
        fields = whole[: decode.ROWS * n].reshape(decode.ROWS, n)
        pairs = whole[decode.ROWS * n :].view(np.uint64).reshape(3, n, 2)
        return fields, pairs[0], pairs[1], pairs[2]


class Columns:
    """Room for ``capacity`` packets' columns; ``fill`` decodes a chunk of records into the next
    rows, ``frame`` gives the rows filled as the packet frame (once: the frame owns them)."""

    def __init__(self, capacity: int) -> None:
        self.capacity, self.rows = capacity, 0
        self.ts = np.empty(capacity, dtype=np.int64)
        self.iface = np.empty(capacity, dtype=np.uint16)
        self.wire_len = np.empty(capacity, dtype=np.uint32)
        self.cap_len = np.empty(capacity, dtype=np.uint32)
        self.fields = {name: np.empty(capacity, dtype=FIELD_TYPES[name]) for name in decode.FIELDS}
        self.has_window = np.empty(capacity, dtype=np.bool_)
        self.src_mac = np.empty(capacity, dtype=np.uint64)
        self.dst_mac = np.empty(capacity, dtype=np.uint64)
        # each address column's series and its words (low, high), written in place; or the
        # halves, made 128-bit at the end where the buffer cannot be viewed
        self.addresses: dict[str, tuple[pl.Series | None, np.ndarray]] = {}
        for name in ("src", "dst"):
            made = addresses.zeros_to_fill(capacity)
            self.addresses[name] = made or (None, np.empty((capacity, 2), dtype=np.uint64))

    def fill(
        self, buf: np.ndarray, if_kind: np.ndarray, chunk: tuple[np.ndarray, ...], scratch: Scratch
    ) -> tuple[int, int]:
        """Decode the chunk's records (``RecordWalker.next_chunk``) into the next rows, the
        kernel writing into ``scratch`` first; how many of its frames came inside a mirror
        encapsulation, and how many had their transport header cut by the snaplen."""
        off, cap, wire, ts, ifs = chunk
        n, at = off.shape[0], self.rows
        if at + n > self.capacity:
            raise ValueError(f"{at + n} packets do not fit columns for {self.capacity}")
        fields, src, dst, macs = scratch.take(n)
        peeled = np.zeros(n, dtype=np.uint8)
        cut = 0
        if n:
            decode.decode_frames(buf, off, cap, ifs, if_kind, fields, src, dst, macs, peeled)
            cut = int(np.count_nonzero(fields[decode.F_CUT]))
        rows = slice(at, at + n)
        self.ts[rows], self.iface[rows] = ts, ifs
        self.wire_len[rows], self.cap_len[rows] = wire, cap
        for k, name in enumerate(decode.FIELDS):
            self.fields[name][rows] = fields[k]  # cast to the column's type as it is copied
        np.not_equal(fields[decode.F_TCPWIN], decode.NO_WINDOW, out=self.has_window[rows])
        self.src_mac[rows], self.dst_mac[rows] = macs[:, 0], macs[:, 1]
        for name, halves in (("src", src), ("dst", dst)):
            series, words = self.addresses[name]
            if series is None:
                words[rows] = halves
            else:  # low word first, as the 128-bit integer is laid out
                words[rows, 0], words[rows, 1] = halves[:, 1], halves[:, 0]
        self.rows += n
        return int(np.count_nonzero(peeled)), cut

    def frame(self) -> pl.DataFrame:
        """The rows filled, as the packet frame: the arrays become its columns, not copied."""
        n = self.rows
        columns = {
            "ts": pl.Series("ts", self.ts[:n]).cast(pl.Datetime("ns", "UTC")),
            "iface": pl.Series("iface", self.iface[:n]),
            "wire_len": pl.Series("wire_len", self.wire_len[:n]),
            "cap_len": pl.Series("cap_len", self.cap_len[:n]),
            "src_mac": pl.Series("src_mac", self.src_mac[:n]),
            "dst_mac": pl.Series("dst_mac", self.dst_mac[:n]),
        }
        for name, (series, words) in self.addresses.items():
            if series is None:
                columns[name] = addresses.from_halves(words[:n, 0], words[:n, 1], name)
            else:
                columns[name] = series.head(n).alias(name)
        for name in decode.FIELDS:
            columns[name] = pl.Series(name, self.fields[name][:n])
        # null where no TCP window was captured
        columns["tcp_window"] = (
            pl.select(pl.when(pl.Series(self.has_window[:n])).then(columns["tcp_window"]))
            .to_series()
            .alias("tcp_window")
        )
        return pl.DataFrame([columns[c] for c in PACKET_SCHEMA.names()])
