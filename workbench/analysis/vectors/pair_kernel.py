"""Which candidates a verdict names: each candidate's (target, vector) pair, and its bin, looked up
in the verdict tables in one Numba pass over the candidates.

The tables are small (a verdict per attacked pair, a bin per hot one) and the candidates many
(a flood's millions): joining them in Polars hashed every candidate's 128-bit target and vector
once per table, and computed every candidate's prefix for the prefix tables. Here each table is
an open-addressing table of exact keys, probed by every candidate's target (its two 64-bit
halves), vector and bin in a parallel pass (``prange``), its prefix taken from its halves only
when its host's pair is not named: 10.3 M candidates, 0.47-0.66 s for the joins, 0.11-0.12 s
here, the halves included. Exact: a slot holds the whole key, and only an equal key matches.
"""

from __future__ import annotations

import numpy as np
import polars as pl
from numba import njit, prange

from workbench.analysis.vectors.distinct_kernel import MIX, SPREAD, table_slots
from workbench.analysis.vectors.kinds import CANDIDATE, V4_BITS, V6_BITS
from workbench.capture.addresses import V4_MAPPED_BASE, halves

V4_FIRST, V4_LAST = np.uint64(V4_MAPPED_BASE), np.uint64(V4_MAPPED_BASE | 0xFFFFFFFF)
# a prefix as ``with_key`` takes it (``AddressNamespace.network``): an IPv4 address's host bits
# cleared (the last 8 of a /24), an IPv6 address's (the last 80 of a /48: the low half, and the
# high half's last 16)
assert V6_BITS <= 64
V4_HOST = np.uint64((1 << (32 - V4_BITS)) - 1)
V6_NET_HIGH = np.uint64(((1 << 64) - 1) ^ ((1 << (64 - V6_BITS)) - 1))
NO_BIN = -1  # the key of a table not keyed by bin (every bin is 0 or more ns)


@njit(inline="always", cache=True)
def _hash(hi, lo, code):
    """A 64-bit hash of a (target, vector) pair; ``_slot`` spreads it with a bin."""
    return (((hi * MIX) ^ lo) * SPREAD) ^ (np.uint64(code) * MIX)


@njit(inline="always", cache=True)
def _slot(h, extra, mask):
    return (((h ^ np.uint64(extra)) * MIX) >> np.uint64(32)) & mask


@njit(cache=True)
def _table(hi, lo, code, extra, slots):  # pragma: no cover - compiled
    """An open-addressing table of the keys (``slots``: a power of two, twice the keys): its
    slots' use and keys, and how many keys it holds (``_named`` skips a bin or prefix table
    that holds none)."""
    mask = np.uint64(slots - 1)
    used = np.zeros(slots, np.bool_)
    keys_hi = np.zeros(slots, np.uint64)
    keys_lo = np.zeros(slots, np.uint64)
    keys_code = np.zeros(slots, np.uint8)
    keys_extra = np.zeros(slots, np.int64)
    for i in range(hi.shape[0]):
        s = _slot(_hash(hi[i], lo[i], code[i]), extra[i], mask)
        while used[s] and not (
            keys_hi[s] == hi[i] and keys_lo[s] == lo[i]
            and keys_code[s] == code[i] and keys_extra[s] == extra[i]
        ):  # fmt: skip
            s = (s + np.uint64(1)) & mask
        used[s] = True
        keys_hi[s] = hi[i]
        keys_lo[s] = lo[i]
        keys_code[s] = code[i]
        keys_extra[s] = extra[i]
    return used, keys_hi, keys_lo, keys_code, keys_extra, hi.shape[0]


@njit(inline="always", cache=True)
def _holds(used, keys_hi, keys_lo, keys_code, keys_extra, h, hi, lo, code, extra):
    """Whether the table (``_table``'s arrays) holds the key (``h``: its pair's ``_hash``)."""
    mask = np.uint64(used.shape[0] - 1)
    s = _slot(h, extra, mask)
    while used[s]:
        if (
            keys_hi[s] == hi and keys_lo[s] == lo
            and keys_code[s] == code and keys_extra[s] == extra
        ):  # fmt: skip
            return True
        s = (s + np.uint64(1)) & mask
    return False


@njit(parallel=True, cache=True)
def _named(hi, lo, code, bins, whole, hot, veto, whole_net, hot_net):  # pragma: no cover - compiled
    """Per candidate: whether a verdict names its host's pair (whole, or its bin hot), or its
    prefix's pair (whole, or its bin hot) with no veto on its host's. An empty bin or prefix
    table is never probed, and a candidate named by its host's pair is not looked up by its
    prefix."""
    n = hi.shape[0]
    named = np.zeros(n, np.bool_)
    w_used, w_hi, w_lo, w_code, w_extra, _ = whole
    h_used, h_hi, h_lo, h_code, h_extra, by_bin = hot
    v_used, v_hi, v_lo, v_code, v_extra, _ = veto
    n_used, n_hi, n_lo, n_code, n_extra, by_net = whole_net
    nh_used, nh_hi, nh_lo, nh_code, nh_extra, by_net_bin = hot_net
    for i in prange(n):
        h, lo_i, c, b = hi[i], lo[i], code[i], bins[i]
        pair = _hash(h, lo_i, c)
        if _holds(w_used, w_hi, w_lo, w_code, w_extra, pair, h, lo_i, c, NO_BIN):
            named[i] = True
            continue
        if by_bin > 0 and _holds(h_used, h_hi, h_lo, h_code, h_extra, pair, h, lo_i, c, b):
            named[i] = True
            continue
        if by_net == 0 and by_net_bin == 0:
            continue
        if h == 0 and V4_FIRST <= lo_i <= V4_LAST:
            net_hi, net_lo = h, lo_i & ~V4_HOST
        else:
            net_hi, net_lo = h & V6_NET_HIGH, np.uint64(0)
        prefix = _hash(net_hi, net_lo, c)
        on_net = by_net > 0 and _holds(
            n_used, n_hi, n_lo, n_code, n_extra, prefix, net_hi, net_lo, c, NO_BIN
        )
        if not on_net and by_net_bin > 0:
            on_net = _holds(nh_used, nh_hi, nh_lo, nh_code, nh_extra, prefix, net_hi, net_lo, c, b)
        if on_net:
            named[i] = not _holds(v_used, v_hi, v_lo, v_code, v_extra, pair, h, lo_i, c, NO_BIN)
    return named


NO_CODE = 255  # a row that is no candidate (``kinds.is_candidate``): no verdict names it


def _codes(frame: pl.DataFrame) -> np.ndarray:
    codes = frame["candidate"].cast(CANDIDATE).to_physical()
    return codes.fill_null(NO_CODE).to_numpy().astype(np.uint8, copy=False)


def pair_table(frame: pl.DataFrame | None, key: str, flag: str | None = None) -> tuple:
    """The (``key``, candidate[, bin]) rows of a verdict table (those whose ``flag`` is true,
    when given) as an exact lookup table; an empty one for None."""
    if frame is not None and flag is not None:
        frame = frame.filter(pl.col(flag).fill_null(False))
    rows = 0 if frame is None else frame.height
    slots = table_slots(rows)
    if not rows:
        empty = np.zeros(0, np.uint64)
        return _table(empty, empty, np.zeros(0, np.uint8), np.zeros(0, np.int64), slots)
    hi, lo = halves(frame[key])
    extra = (
        frame["bin"].cast(pl.Int64).to_numpy()
        if "bin" in frame.columns
        else np.full(rows, NO_BIN, np.int64)
    )
    return _table(hi, lo, _codes(frame), extra, slots)


def named_pairs(cand: pl.DataFrame, whole: tuple, hot: tuple, veto: tuple, whole_net: tuple,
                hot_net: tuple) -> np.ndarray:  # fmt: skip
    """Per candidate (``dst``, ``candidate``, ``bin``): whether a verdict names it, on its
    host's pair (``whole``, or ``hot`` in its bin) or on its /24 or /48's (``whole_net``,
    ``hot_net``) with no ``veto`` on its host's (``pair_table`` each)."""
    hi, lo = halves(cand["dst"])
    bins = cand["bin"].cast(pl.Int64).to_numpy()
    return _named(hi, lo, _codes(cand), bins, whole, hot, veto, whole_net, hot_net)
