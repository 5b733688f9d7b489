"""Compare the fast reader with tshark, field by field."""

from __future__ import annotations

from pathlib import Path

import polars as pl

from workbench.capture.reader import read_file
from workbench.capture.tshark_engine import read_frame

# fields compared; payload_len is left out on purpose: tshark's tcp.len/udp.length
# follow the captured bytes and the L4 header, ours the IP length field
COMPARED = (
    "ts", "iface", "wire_len", "cap_len", "vlan", "src_mac", "dst_mac", "ip_ver", "src", "dst", "proto", "sport", "dport",
    "ttl", "ip_len", "ip_id", "frag", "tcp_flags", "tcp_window", "icmp_type", "icmp_code",
)  # fmt: skip


def crosscheck(path: str | Path, n: int | None = 1000, seed: int = 0) -> pl.DataFrame:
    """Mismatches between the fast reader and tshark on ``n`` sampled packets (all if None).

    Returns one row per differing field: ``packet`` (0-based), ``field``, ``fast``,
    ``tshark`` (as text). An empty frame means the engines agree.

        assert wb.capture.crosscheck("attack.pcap", n=None).is_empty()
    """
    fast, _ = read_file(path)
    slow = read_frame(path)
    if fast.height != slow.height:
        return pl.DataFrame(
            {
                "packet": [-1],
                "field": ["packets"],
                "fast": [str(fast.height)],
                "tshark": [str(slow.height)],
            }
        )
    index = pl.int_range(fast.height, eager=True).alias("packet")
    fast, slow = fast.with_columns(index), slow.with_columns(index)
    if n is not None and n < fast.height:
        rows = index.sample(n, seed=seed).sort()
        fast, slow = (
            fast.filter(pl.col("packet").is_in(rows)),
            slow.filter(pl.col("packet").is_in(rows)),
        )
    out = []
    for name in COMPARED:
        differ = fast[name] != slow[name]
        if differ.any():
            out.append(
                pl.DataFrame(
                    {
                        "packet": fast["packet"].filter(differ),
                        "field": [name] * int(differ.sum()),
                        "fast": fast[name].filter(differ).cast(pl.String),
                        "tshark": slow[name].filter(differ).cast(pl.String),
                    }
                )
            )
    if not out:
        return pl.DataFrame(
            schema={"packet": pl.Int64, "field": pl.String, "fast": pl.String, "tshark": pl.String}
        )
    return pl.concat(out)
