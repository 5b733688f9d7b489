"""Writing packets: a table of header fields in, pcap/pcapng bytes out.

One serial Numba kernel writes every record (header, Ethernet/VLAN, IPv4/IPv6,
TCP/UDP/ICMP/GRE with correct checksums, payload from a template) straight into
the file buffer; the Python side only computes sizes and offsets with NumPy.
"""

from __future__ import annotations

import struct
from pathlib import Path

import numpy as np
from numba import njit

from workbench.capture.schema import PROTO_GRE, PROTO_ICMP, PROTO_ICMPV6, PROTO_TCP, PROTO_UDP
from workbench.synth.sources import V4_MAPPED

UPLINK_MACS = (0x001B21AA0001, 0x001B21AA0002)  # the upstream ISP's two routers
EDGE_MAC = 0x0CC47A45A044  # the provider's edge router, behind the capture point
# the provider side (documentation ranges): its datacenter, its upstream routers, its IPv6 /48
PROVIDER_V4 = ((0xCB007100, 24), (0xC6336400, 24))
PROVIDER_V6_48 = 0x20010DB80040
# the provider LAN's broadcast address (its datacenter /24): its frames go to the Ethernet
# broadcast, from the sending host's own MAC (locally administered, from its address)
LAN_BROADCAST = 0xCB0071FF
BROADCAST_MAC = 0xFFFFFFFFFFFF
LAN_HOST_MAC = 0x020000000000
L4_HEADER = {6: 20, 17: 8, 1: 8, 58: 8, 47: 4}

# the columns of a packet table (all NumPy arrays of one length)
COLUMNS = (
    "ts", "ver", "src_hi", "src_lo", "dst_hi", "dst_lo", "proto", "sport", "dport", "ttl",
    "ip_id", "frag_off", "mf", "df", "l4", "tcp_flags", "seq", "ack", "icmp_type", "icmp_code",
    "tpl", "tpl_off", "plen", "vlan", "ext", "win", "label", "phase",
)  # fmt: skip
TCP_WINDOW = 8192  # the receive window a TCP segment advertises unless its block says otherwise
# ``ext``: IPv6 extension headers written before the upper layer (bits: 1 hop-by-hop, 2 destination
# options; 8 bytes each). An IPv6 packet with ``frag_off`` or ``mf`` set also carries a fragment header.
EXT_HOP_BY_HOP, EXT_DEST_OPTS = 1, 2


def template_table(templates: list[bytes]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Concatenated template bytes, offsets, lengths and one's-complement word sums."""
    flat = (
        np.frombuffer(b"".join(templates), dtype=np.uint8).copy()
        if templates
        else np.zeros(1, np.uint8)
    )
    lengths = np.array([len(t) for t in templates], dtype=np.int64)
    offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]]).astype(np.int64)
    sums = np.zeros(len(templates), dtype=np.int64)
    for k, t in enumerate(templates):
        padded = t + b"\0" * (len(t) % 2)
        sums[k] = int(np.frombuffer(padded, dtype=">u2").astype(np.int64).sum())
    return flat, offsets, lengths, sums


def frame_lengths(table: dict[str, np.ndarray]) -> np.ndarray:
    """Bytes on the wire of every packet."""
    l2 = 14 + 4 * (table["vlan"] > 0)
    v6_ext = (
        8 * ((table["ext"] & EXT_HOP_BY_HOP) > 0)
        + 8 * ((table["ext"] & EXT_DEST_OPTS) > 0)
        + 8 * ((table["frag_off"] > 0) | (table["mf"] > 0))
    )
    l3 = np.where(table["ver"] == 6, 40 + v6_ext, 20)
    l4 = np.zeros(len(l2), dtype=np.int64)
    for proto, size in L4_HEADER.items():
        l4[(table["proto"] == proto) & (table["l4"] == 1)] = size
    return (l2 + l3 + l4 + table["plen"]).astype(np.int64)


@njit(inline="always", cache=True)
def _put16(buf, off, v):
    buf[off] = (v >> 8) & 0xFF
    buf[off + 1] = v & 0xFF


@njit(inline="always", cache=True)
def _put32(buf, off, v):
    buf[off] = (v >> 24) & 0xFF
    buf[off + 1] = (v >> 16) & 0xFF
    buf[off + 2] = (v >> 8) & 0xFF
    buf[off + 3] = v & 0xFF


@njit(inline="always", cache=True)
def _le32(buf, off, v):
    buf[off] = v & 0xFF
    buf[off + 1] = (v >> 8) & 0xFF
    buf[off + 2] = (v >> 16) & 0xFF
    buf[off + 3] = (v >> 24) & 0xFF


@njit(cache=True)
def _words(buf, start, end):
    s = np.int64(0)
    i = start
    while i + 1 < end:
        s += (np.int64(buf[i]) << 8) | np.int64(buf[i + 1])
        i += 2
    if i < end:
        s += np.int64(buf[i]) << 8
    return s


@njit(cache=True)
def _fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return (~s) & 0xFFFF


@njit(cache=True)
def write_records(
    out, rec_off, wire, cap, mode, scratch, ts, ver, src_hi, src_lo, dst_hi, dst_lo, proto, sport,
    dport, ttl, ip_id, frag_off, mf, df, l4, tcp_flags, seq, ack, icmp_type, icmp_code, tpl, tpl_off,
    plen, vlan, ext, win, tpl_flat, tpl_start, tpl_len, tpl_sum, src_mac, dst_mac,
):  # fmt: skip
    """Write each packet's record (mode 0: pcap µs, 1: pcapng EPB ns) at rec_off."""
    for i in range(rec_off.shape[0]):
        f = scratch
        p = 0
        for k in range(6):
            f[k] = (dst_mac[i] >> np.uint64(40 - 8 * k)) & np.uint64(0xFF)
            f[6 + k] = (src_mac[i] >> np.uint64(40 - 8 * k)) & np.uint64(0xFF)
        p = 12
        if vlan[i] > 0:
            _put16(f, p, 0x8100)
            _put16(f, p + 2, vlan[i])
            p += 4
        has_l4 = l4[i] == 1
        l4h = 0
        if has_l4:
            if proto[i] == PROTO_TCP:
                l4h = 20
            elif proto[i] == PROTO_UDP or proto[i] == PROTO_ICMP or proto[i] == PROTO_ICMPV6:
                l4h = 8
            elif proto[i] == PROTO_GRE:
                l4h = 4
        l4_bytes = l4h + plen[i]
        if ver[i] == 4:
            _put16(f, p, 0x0800)
            p += 2
            ip = p
            f[ip] = 0x45
            f[ip + 1] = 0
            _put16(f, ip + 2, 20 + l4_bytes)
            _put16(f, ip + 4, ip_id[i] & 0xFFFF)
            ff = frag_off[i] & 0x1FFF
            if mf[i]:
                ff |= 0x2000
            if df[i]:
                ff |= 0x4000
            _put16(f, ip + 6, ff)
            f[ip + 8] = ttl[i]
            f[ip + 9] = proto[i]
            _put16(f, ip + 10, 0)
            _put32(f, ip + 12, np.int64(src_lo[i] & np.uint64(0xFFFFFFFF)))
            _put32(f, ip + 16, np.int64(dst_lo[i] & np.uint64(0xFFFFFFFF)))
            _put16(f, ip + 10, _fold(_words(f, ip, ip + 20)))
            p = ip + 20
            pseudo = _words(f, ip + 12, ip + 20) + proto[i]
        else:
            _put16(f, p, 0x86DD)
            p += 2
            ip = p
            # the header chain, built from the upper layer back: hop-by-hop, dest-options, fragment
            v6frag = frag_off[i] > 0 or mf[i] != 0
            nxt = proto[i]
            frag_next = nxt
            if v6frag:
                nxt = 44
            do_next = nxt
            if ext[i] & 2:
                nxt = 60
            hbh_next = nxt
            if ext[i] & 1:
                nxt = 0
            ext_len = 8 * ((ext[i] & 1) + ((ext[i] >> 1) & 1) + (1 if v6frag else 0))
            _put32(f, ip, 6 << 28)
            _put16(f, ip + 4, l4_bytes + ext_len)
            f[ip + 6] = nxt
            f[ip + 7] = ttl[i]
            for k in range(8):
                f[ip + 8 + k] = (src_hi[i] >> np.uint64(56 - 8 * k)) & np.uint64(0xFF)
                f[ip + 16 + k] = (src_lo[i] >> np.uint64(56 - 8 * k)) & np.uint64(0xFF)
                f[ip + 24 + k] = (dst_hi[i] >> np.uint64(56 - 8 * k)) & np.uint64(0xFF)
                f[ip + 32 + k] = (dst_lo[i] >> np.uint64(56 - 8 * k)) & np.uint64(0xFF)
            p = ip + 40
            for kind in range(2):  # hop-by-hop, then destination options: one PadN option each
                if ext[i] & (1 << kind):
                    f[p] = hbh_next if kind == 0 else do_next
                    f[p + 1] = 0
                    f[p + 2] = 1
                    f[p + 3] = 4
                    for k in range(4, 8):
                        f[p + k] = 0
                    p += 8
            if v6frag:
                f[p] = frag_next
                f[p + 1] = 0
                _put16(f, p + 2, ((frag_off[i] & 0x1FFF) << 3) | (1 if mf[i] else 0))
                _put32(f, p + 4, ip_id[i])
                p += 8
            pseudo = _words(f, ip + 8, ip + 40) + proto[i]
        t = tpl[i]
        full_len = tpl_len[t]
        if has_l4:
            h = p
            if proto[i] == PROTO_TCP:
                _put16(f, h, sport[i])
                _put16(f, h + 2, dport[i])
                _put32(f, h + 4, seq[i])
                _put32(f, h + 8, ack[i])
                f[h + 12] = 0x50
                f[h + 13] = tcp_flags[i]
                _put16(f, h + 14, win[i])
                _put16(f, h + 16, 0)
                _put16(f, h + 18, 0)
                s = pseudo + 20 + full_len + _words(f, h, h + 20) + tpl_sum[t]
                _put16(f, h + 16, _fold(s))
            elif proto[i] == PROTO_UDP:
                _put16(f, h, sport[i])
                _put16(f, h + 2, dport[i])
                _put16(f, h + 4, 8 + full_len)
                _put16(f, h + 6, 0)
                s = pseudo + 8 + full_len + _words(f, h, h + 8) + tpl_sum[t]
                c = _fold(s)
                _put16(f, h + 6, c if c != 0 else 0xFFFF)
            elif proto[i] == PROTO_ICMP or proto[i] == PROTO_ICMPV6:
                f[h] = icmp_type[i]
                f[h + 1] = icmp_code[i]
                _put16(f, h + 2, 0)
                _put16(f, h + 4, sport[i])
                _put16(f, h + 6, dport[i])
                s = _words(f, h, h + 8) + tpl_sum[t]
                if proto[i] == PROTO_ICMPV6:
                    s += pseudo + 8 + full_len
                _put16(f, h + 2, _fold(s))
            elif proto[i] == PROTO_GRE:
                _put16(f, h, 0)
                _put16(f, h + 2, 0x0800)
            p = h + l4h
        src0 = tpl_start[t] + tpl_off[i]
        for k in range(plen[i]):
            f[p + k] = tpl_flat[src0 + k]
        # record header, then the captured part of the frame
        o = rec_off[i]
        c = cap[i]
        if mode == 0:
            sec = ts[i] // 1_000_000_000
            _le32(out, o, sec)
            _le32(out, o + 4, (ts[i] - sec * 1_000_000_000) // 1000)
            _le32(out, o + 8, c)
            _le32(out, o + 12, wire[i])
            d = o + 16
        else:
            total = 32 + ((c + 3) // 4) * 4
            _le32(out, o, 6)
            _le32(out, o + 4, total)
            _le32(out, o + 8, 0)
            _le32(out, o + 12, ts[i] >> 32)
            _le32(out, o + 16, ts[i] & 0xFFFFFFFF)
            _le32(out, o + 20, c)
            _le32(out, o + 24, wire[i])
            d = o + 28
            for k in range(c, ((c + 3) // 4) * 4):
                out[d + k] = 0
            _le32(out, o + total - 4, total)
        for k in range(c):
            out[d + k] = f[k]


def provider_side(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    """Whether each address is the provider's (its datacenter, its upstream routers, its /48)."""
    return _provider(hi, lo)


def _provider(hi: np.ndarray, lo: np.ndarray) -> np.ndarray:
    mapped = (hi == 0) & ((lo >> np.uint64(32)) == np.uint64(0xFFFF))
    v4 = lo & np.uint64(0xFFFFFFFF)
    inside = (hi >> np.uint64(16)) == np.uint64(PROVIDER_V6_48)
    for net, bits in PROVIDER_V4:
        inside |= mapped & ((v4 >> np.uint64(32 - bits)) == np.uint64(net >> (32 - bits)))
    return inside


def link_macs(
    table: dict[str, np.ndarray], attack_uplink: int | None = None
) -> tuple[np.ndarray, np.ndarray]:
    """Source and destination MAC of every packet: inbound frames come from one of the upstream
    routers to the edge, outbound ones go the other way. The upstream is chosen per remote
    address, as ECMP hashing does, except that attack packets (label >= 0) all take
    ``attack_uplink`` when it is set."""
    inbound = _provider(table["dst_hi"], table["dst_lo"])
    hi = np.where(inbound, table["src_hi"], table["dst_hi"])
    lo = np.where(inbound, table["src_lo"], table["dst_lo"])
    uplink = ((hi ^ lo) * np.uint64(0x9E3779B97F4A7C15)) >> np.uint64(63)
    if attack_uplink is not None:
        uplink = np.where(table["label"] >= 0, np.uint64(attack_uplink), uplink)
    router = np.array(UPLINK_MACS, dtype=np.uint64)[uplink.astype(np.int64)]
    edge = np.uint64(EDGE_MAC)
    src_mac, dst_mac = np.where(inbound, router, edge), np.where(inbound, edge, router)
    to_lan = (table["dst_hi"] == 0) & (table["dst_lo"] == (V4_MAPPED | np.uint64(LAN_BROADCAST)))
    if to_lan.any():
        host = np.uint64(LAN_HOST_MAC) | (table["src_lo"] & np.uint64(0xFFFFFF))
        src_mac = np.where(to_lan, host, src_mac)
        dst_mac = np.where(to_lan, np.uint64(BROADCAST_MAC), dst_mac)
    return src_mac, dst_mac


def _pcapng_option(code: int, value: bytes) -> bytes:
    return struct.pack("<HH", code, len(value)) + value + b"\0" * ((-len(value)) % 4)


def _pcapng_block(btype: int, body: bytes) -> bytes:
    body += b"\0" * ((-len(body)) % 4)
    return struct.pack("<II", btype, 12 + len(body)) + body + struct.pack("<I", 12 + len(body))


def write_capture(
    path: Path, table: dict[str, np.ndarray], templates: list[bytes], *, fmt: str, snaplen: int,
    drops: int | None = None, comment: str = "", attack_uplink: int | None = None,
) -> int:  # fmt: skip
    """Write the packet table as pcap or pcapng; return the file size."""
    flat, starts, lengths, sums = template_table(templates)
    wire = frame_lengths(table)
    cap = np.minimum(wire, snaplen)
    mode = 0 if fmt == "pcap" else 1
    rec_len = 16 + cap if mode == 0 else 32 + (cap + 3) // 4 * 4
    if mode == 0:
        head = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, snaplen, 1)
        tail = b""
    else:
        shb_opts = _pcapng_option(4, b"ddos-workbench synth") + (
            _pcapng_option(1, comment.encode()) if comment else b""
        )
        shb_opts += _pcapng_option(0, b"")
        head = _pcapng_block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1) + shb_opts)
        idb_opts = (
            _pcapng_option(2, b"capture-point")
            + _pcapng_option(9, bytes([9]))
            + _pcapng_option(0, b"")
        )
        head += _pcapng_block(1, struct.pack("<HHI", 1, 0, snaplen) + idb_opts)
        tail = b""
        if drops is not None:
            last = int(table["ts"][-1]) if len(table["ts"]) else 0
            isb_opts = (
                _pcapng_option(4, struct.pack("<Q", len(wire) + drops))  # isb_ifrecv
                + _pcapng_option(5, struct.pack("<Q", drops))  # isb_ifdrop
                + _pcapng_option(0, b"")
            )
            tail = _pcapng_block(
                5, struct.pack("<III", 0, last >> 32, last & 0xFFFFFFFF) + isb_opts
            )
    rec_off = len(head) + np.concatenate([[0], np.cumsum(rec_len)[:-1]]).astype(np.int64)
    size = len(head) + int(rec_len.sum()) + len(tail)
    out = np.zeros(size, dtype=np.uint8)
    out[: len(head)] = np.frombuffer(head, dtype=np.uint8)
    if tail:
        out[size - len(tail) :] = np.frombuffer(tail, dtype=np.uint8)
    scratch = np.zeros(int(wire.max()) + 64 if len(wire) else 64, dtype=np.uint8)
    cols = {k: np.ascontiguousarray(table[k]) for k in COLUMNS if k not in ("label", "phase")}
    if len(wire):
        write_records(
            out, rec_off, wire, cap, mode, scratch, cols["ts"], cols["ver"], cols["src_hi"],
            cols["src_lo"], cols["dst_hi"], cols["dst_lo"], cols["proto"], cols["sport"], cols["dport"],
            cols["ttl"], cols["ip_id"], cols["frag_off"], cols["mf"], cols["df"], cols["l4"],
            cols["tcp_flags"], cols["seq"], cols["ack"], cols["icmp_type"], cols["icmp_code"],
            cols["tpl"], cols["tpl_off"], cols["plen"], cols["vlan"], cols["ext"], cols["win"], flat,
            starts, lengths,
            sums,
            *link_macs(cols | {"label": table["label"]}, attack_uplink),
        )  # fmt: skip
    path = Path(path)
    if path.suffix == ".gz":
        import gzip

        with gzip.open(path, "wb", compresslevel=6) as handle:
            handle.write(out.tobytes())
    else:
        out.tofile(path)
    return path.stat().st_size
