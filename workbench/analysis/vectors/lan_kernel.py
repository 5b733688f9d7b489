"""Which packets come from their destination's own network (the same IPv4 /24, or IPv6 /64): a
LAN's devices, whose discovery answers (SSDP, mDNS, NetBIOS) a host asks of a group address.

Read from the two addresses' 64-bit halves in one Numba pass (``prange``), where a Polars
expression computed a 128-bit XOR, two 128-bit comparisons and an IPv4 range test per packet,
each a full-length column: 10.96 M candidates, 0.15 s there.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit, prange

from workbench.analysis.vectors.pair_kernel import V4_FIRST, V4_LAST
from workbench.capture.addresses import halves

LAN_V4_HOST = np.uint64(1 << 8)  # two addresses of one IPv4 /24 differ below this


@njit(parallel=True, cache=True)
def _lan_peers(s_hi, s_lo, d_hi, d_lo):  # pragma: no cover - compiled
    """Per packet: its source on its destination's /24 (IPv4, mapped: the high half 0) or /64
    (IPv6: the same high half)."""
    out = np.empty(s_hi.shape[0], np.bool_)
    for i in prange(s_hi.shape[0]):
        v4 = d_hi[i] == 0 and V4_FIRST <= d_lo[i] <= V4_LAST
        out[i] = s_hi[i] == d_hi[i] and (not v4 or (s_lo[i] ^ d_lo[i]) < LAN_V4_HOST)
    return out


def lan_peers(frame: pl.DataFrame) -> pl.Series:
    """``_lan_peer`` per row of ``frame`` (``src``, ``dst``): the source on the destination's
    own network; false where either address is unknown (null)."""
    s_hi, s_lo = halves(frame["src"])
    d_hi, d_lo = halves(frame["dst"])
    out = _lan_peers(s_hi, s_lo, d_hi, d_lo)
    if frame["src"].null_count() or frame["dst"].null_count():
        known = pl.col("src").is_not_null() & pl.col("dst").is_not_null()
        out &= frame.select(known).to_series().to_numpy()
    return pl.Series("_lan_peer", out)
