"""Record walking: where each packet's bytes are, when, and how long.

Numba kernels over the raw file bytes (a read-only uint8 array). They never
raise: a damaged record ends the walk with a fault code and its byte offset, and
every record before it is kept. Walks are resumable (``start``/``max_records``)
so a capture of any size is read in bounded chunks. Decoding the bytes of each
frame is ``decode.py``'s job.
"""

from __future__ import annotations

import numpy as np
from numba import njit

# fault codes -> reasons (kept in step with FAULT_REASONS)
OK = 0
HEADER_CUT = 1
DATA_CUT = 2
CAPLEN_ABSURD = 3
BLOCK_LENGTH_BAD = 4
BLOCK_CUT = 5
INTERFACE_UNKNOWN = 6
BYTE_ORDER_BAD = 7
TOO_MANY_INTERFACES = 8
BLOCK_TRAILER_BAD = 9
BLOCK_BODY_SHORT = 10
NO_SECTION = 11

FAULT_REASONS = {
    HEADER_CUT: "record header cut short (file truncated?)",
    DATA_CUT: "packet data cut short (file truncated mid-record)",
    CAPLEN_ABSURD: "captured length absurdly large (corrupt record header)",
    BLOCK_LENGTH_BAD: "pcapng block length invalid (not a multiple of 4, or under 12)",
    BLOCK_CUT: "pcapng block runs past the end of the file (file truncated?)",
    INTERFACE_UNKNOWN: "packet refers to an interface not described in its section",
    BYTE_ORDER_BAD: "pcapng section header has no valid byte-order magic",
    TOO_MANY_INTERFACES: "more pcapng interfaces than the reader supports",
    BLOCK_TRAILER_BAD: "pcapng block's trailing length differs from its leading length",
    BLOCK_BODY_SHORT: "pcapng block too short for its fixed fields",
    NO_SECTION: "pcapng block before any section header",
}

MAX_CAPLEN = 262144  # libpcap/Wireshark's largest sane snapshot length
MAX_INTERFACES = 4096

SHB, IDB, PB, SPB, NRB, ISB, EPB = 0x0A0D0D0A, 1, 2, 3, 4, 5, 6


@njit(inline="always", cache=True)
def _u16(buf, off, big):
    a = np.int64(buf[off])
    b = np.int64(buf[off + 1])
    return (a << 8) | b if big else (b << 8) | a


@njit(inline="always", cache=True)
def _u32(buf, off, big):
    a = np.int64(buf[off])
    b = np.int64(buf[off + 1])
    c = np.int64(buf[off + 2])
    d = np.int64(buf[off + 3])
    if big:
        return (a << 24) | (b << 16) | (c << 8) | d
    return (d << 24) | (c << 16) | (b << 8) | a


@njit(cache=True)
def walk_pcap(buf, start, max_records, big, frac_ns, snaplen, out_off, out_cap, out_wire, out_ts):
    """Walk classic pcap records from ``start``; return (n, next_offset, fault, fault_offset, over_snaplen)."""
    size = buf.shape[0]
    limit = max(snaplen, MAX_CAPLEN)
    off = start
    n = 0
    over = 0
    while n < max_records:
        if off == size:
            return n, off, OK, off, over
        if off + 16 > size:
            return n, off, HEADER_CUT, off, over
        sec = _u32(buf, off, big)
        frac = _u32(buf, off + 4, big)
        cap = _u32(buf, off + 8, big)
        wire = _u32(buf, off + 12, big)
        if cap > limit:
            return n, off, CAPLEN_ABSURD, off + 8, over
        if off + 16 + cap > size:
            return n, off, DATA_CUT, off, over
        if snaplen > 0 and cap > snaplen:
            over += 1
        out_off[n] = off + 16
        out_cap[n] = cap
        out_wire[n] = wire
        out_ts[n] = sec * 1_000_000_000 + frac * frac_ns
        n += 1
        off += 16 + cap
    return n, off, OK, off, over


@njit(cache=True)
def _ts_to_ns(ts, res_kind, res_val, offset_s):
    """pcapng timestamp units -> ns; res_kind 0: 10^-res_val s, 1: 2^-res_val s."""
    if res_kind == 0:
        if res_val <= 9:
            scale = np.int64(1)
            for _ in range(9 - res_val):
                scale *= 10
            ns = ts * scale
        else:
            div = np.int64(1)
            for _ in range(res_val - 9):
                div *= 10
            ns = ts // div
    else:
        whole = ts >> res_val
        part = ts - (whole << res_val)
        ns = whole * 1_000_000_000 + np.int64(part * 1e9 / (2.0**res_val))
    return ns + offset_s * 1_000_000_000


@njit(cache=True)
def walk_pcapng(
    buf, start, max_records, state, if_link, if_res_kind, if_res_val, if_tsoff, if_snap, if_drops,
    if_name, out_off, out_cap, out_wire, out_ts, out_if,
):  # fmt: skip
    """Walk pcapng blocks from ``start``.

    ``state`` (int64[6]) carries across calls: [0] big-endian, [1] first global
    interface index of the current section, [2] interfaces in the section,
    [3] interfaces in total, [4] a section has been seen, [5] last timestamp (ns).
    ``if_name`` gets each interface's if_name option as (offset << 16) | length, -1 if none.
    Returns (n, next_offset, fault, fault_offset).
    """
    size = buf.shape[0]
    off = start
    n = 0
    while n < max_records:
        if off == size:
            return n, off, OK, off
        if off + 12 > size:
            return n, off, HEADER_CUT, off
        is_shb = (
            buf[off] == 0x0A
            and buf[off + 1] == 0x0D
            and buf[off + 2] == 0x0D
            and buf[off + 3] == 0x0A
        )
        if is_shb:
            if (
                buf[off + 8] == 0x1A
                and buf[off + 9] == 0x2B
                and buf[off + 10] == 0x3C
                and buf[off + 11] == 0x4D
            ):
                state[0] = 1
            elif (
                buf[off + 8] == 0x4D
                and buf[off + 9] == 0x3C
                and buf[off + 10] == 0x2B
                and buf[off + 11] == 0x1A
            ):
                state[0] = 0
            else:
                return n, off, BYTE_ORDER_BAD, off + 8
            state[1] = state[3]
            state[2] = 0
            state[4] = 1
        elif state[4] == 0:
            return n, off, NO_SECTION, off
        big = state[0] == 1
        btype = _u32(buf, off, big)
        blen = _u32(buf, off + 4, big)
        if blen < 12 or blen % 4 != 0:
            return n, off, BLOCK_LENGTH_BAD, off + 4
        if off + blen > size:
            return n, off, BLOCK_CUT, off
        if _u32(buf, off + blen - 4, big) != blen:
            return n, off, BLOCK_TRAILER_BAD, off + blen - 4
        body = off + 8
        end = off + blen - 4
        if btype == IDB:
            if body + 8 > end:
                return n, off, BLOCK_BODY_SHORT, off
            if state[3] >= if_link.shape[0]:
                return n, off, TOO_MANY_INTERFACES, off
            g = state[3]
            if_link[g] = _u16(buf, body, big)
            if_snap[g] = _u32(buf, body + 4, big)
            if_res_kind[g] = 0
            if_res_val[g] = 6
            if_tsoff[g] = 0
            if_drops[g] = -1
            if_name[g] = -1
            opt = body + 8
            while opt + 4 <= end:
                code = _u16(buf, opt, big)
                olen = _u16(buf, opt + 2, big)
                if code == 0 or opt + 4 + olen > end:
                    break
                if code == 9 and olen >= 1:
                    r = np.int64(buf[opt + 4])
                    if r & 0x80:
                        if_res_kind[g] = 1
                        if_res_val[g] = min(r & 0x7F, 62)
                    else:
                        if_res_kind[g] = 0
                        if_res_val[g] = min(r, 18)
                elif code == 2 and olen > 0:
                    if_name[g] = ((opt + 4) << 16) | olen
                elif code == 14 and olen == 8:
                    lo = _u32(buf, opt + 4, big)
                    hi = _u32(buf, opt + 8, big)
                    v = (hi << 32) | lo if not big else (lo << 32) | hi
                    if_tsoff[g] = v
                opt += 4 + ((olen + 3) // 4) * 4
            state[3] += 1
            state[2] += 1
        elif btype == EPB or btype == PB:
            if body + 20 > end:
                return n, off, BLOCK_BODY_SHORT, off
            if btype == EPB:
                local = _u32(buf, body, big)
            else:
                local = _u16(buf, body, big)
            if local >= state[2]:
                return n, off, INTERFACE_UNKNOWN, body
            g = state[1] + local
            tsh = _u32(buf, body + 4, big)
            tsl = _u32(buf, body + 8, big)
            cap = _u32(buf, body + 12, big)
            wire = _u32(buf, body + 16, big)
            if cap > MAX_CAPLEN and cap > if_snap[g]:
                return n, off, CAPLEN_ABSURD, body + 12
            if body + 20 + cap > end:
                return n, off, BLOCK_BODY_SHORT, body + 12
            ts = _ts_to_ns((tsh << 32) | tsl, if_res_kind[g], if_res_val[g], if_tsoff[g])
            out_off[n] = body + 20
            out_cap[n] = cap
            out_wire[n] = wire
            out_ts[n] = ts
            out_if[n] = g
            state[5] = ts
            n += 1
        elif btype == SPB:
            if body + 4 > end:
                return n, off, BLOCK_BODY_SHORT, off
            if state[2] == 0:
                return n, off, INTERFACE_UNKNOWN, body
            g = state[1]
            wire = _u32(buf, body, big)
            cap = min(wire, end - (body + 4))
            if if_snap[g] > 0:
                cap = min(cap, if_snap[g])
            out_off[n] = body + 4
            out_cap[n] = cap
            out_wire[n] = wire
            out_ts[n] = state[5]  # SPB has no timestamp: keep the previous packet's
            out_if[n] = g
            n += 1
        elif btype == ISB:
            if body + 12 > end:
                return n, off, BLOCK_BODY_SHORT, off
            local = _u32(buf, body, big)
            if local < state[2]:
                g = state[1] + local
                opt = body + 12
                while opt + 4 <= end:
                    code = _u16(buf, opt, big)
                    olen = _u16(buf, opt + 2, big)
                    if code == 0 or opt + 4 + olen > end:
                        break
                    if code == 5 and olen == 8:  # isb_ifdrop: cumulative, keep the latest
                        lo = _u32(buf, opt + 4, big)
                        hi = _u32(buf, opt + 8, big)
                        if_drops[g] = (hi << 32) | lo if not big else (lo << 32) | hi
                    opt += 4 + ((olen + 3) // 4) * 4
        off += blen
    return n, off, OK, off
