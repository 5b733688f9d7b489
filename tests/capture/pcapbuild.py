"""Hand-built capture bytes for reader tests (struct, independent of our synthesizer)."""

from __future__ import annotations

import struct


def ipv4(src: str, dst: str, proto: int, l4: bytes, *, ttl: int = 64, ident: int = 7,
         flags_frag: int = 0x4000, options: bytes = b"") -> bytes:  # fmt: skip
    ihl = (20 + len(options)) // 4
    total = 20 + len(options) + len(l4)
    s = bytes(int(x) for x in src.split("."))
    d = bytes(int(x) for x in dst.split("."))
    header = struct.pack(
        "!BBHHHBBH4s4s", 0x40 | ihl, 0, total, ident, flags_frag, ttl, proto, 0, s, d
    )
    return header + options + l4


def ipv6(src: bytes, dst: bytes, nh: int, rest: bytes, *, hlim: int = 57) -> bytes:
    return struct.pack("!IHBB16s16s", 6 << 28, len(rest), nh, hlim, src, dst) + rest


def udp(sport: int, dport: int, payload: bytes) -> bytes:
    return struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload


def tcp(sport: int, dport: int, flags: int, payload: bytes = b"", options: bytes = b"", *,
        window: int = 1024) -> bytes:  # fmt: skip
    doff = (20 + len(options)) // 4
    return (
        struct.pack("!HHIIBBHHH", sport, dport, 1, 0, doff << 4, flags, window, 0, 0)
        + options
        + payload
    )


def icmp(kind: int, code: int, payload: bytes = b"") -> bytes:
    return struct.pack("!BBHI", kind, code, 0, 0) + payload


def ether(l3: bytes, ethertype: int = 0x0800, vlans: tuple[int, ...] = (), tpids=None) -> bytes:
    out = b"\x02" * 6 + b"\x04" * 6
    for k, vid in enumerate(vlans):
        out += struct.pack("!HH", (tpids or [0x8100] * len(vlans))[k], vid)
    return out + struct.pack("!H", ethertype) + l3


def cooked(l3: bytes, kind: int = 0, *, v2: bool = False, ethertype: int = 0x0800) -> bytes:
    """A Linux cooked frame (SLL; SLL2 with ``v2``) from 02:02:02:02:02:02, of packet type
    ``kind`` (0 to the capturing host, 1 a link-layer broadcast, 2 multicast, 3 to another
    host, 4 sent by it): no destination MAC."""
    sender = b"\x02" * 6 + b"\0\0"  # ARPHRD_ETHER, a 6-byte address in an 8-byte field
    if v2:
        return struct.pack("!HHIHBB", ethertype, 0, 2, 1, kind, 6) + sender + l3
    return struct.pack("!HHH", kind, 1, 6) + sender + struct.pack("!H", ethertype) + l3


def pcap(frames: list[tuple[float, bytes]], *, link: int = 1, big: bool = False, nano: bool = False,
         snaplen: int = 65535, wire_extra: int = 0) -> bytes:  # fmt: skip
    o = ">" if big else "<"
    magic = 0xA1B23C4D if nano else 0xA1B2C3D4
    out = [struct.pack(o + "IHHiIII", magic, 2, 4, 0, 0, snaplen, link)]
    for ts, data in frames:  # joined once: adding to bytes in a loop is quadratic
        sec = int(ts)
        frac = round((ts - sec) * (1e9 if nano else 1e6))
        out.append(struct.pack(o + "IIII", sec, frac, len(data), len(data) + wire_extra) + data)
    return b"".join(out)


def _opt(code: int, value: bytes, o: str) -> bytes:
    pad = (-len(value)) % 4
    return struct.pack(o + "HH", code, len(value)) + value + b"\0" * pad


def _block(btype: int, body: bytes, o: str) -> bytes:
    body += b"\0" * ((-len(body)) % 4)
    total = 12 + len(body)
    return struct.pack(o + "II", btype, total) + body + struct.pack(o + "I", total)


def shb(o: str = "<") -> bytes:
    return _block(0x0A0D0D0A, struct.pack(o + "IHHq", 0x1A2B3C4D, 1, 0, -1), o)


def idb(
    link: int,
    o: str = "<",
    snaplen: int = 0,
    tsresol: int | None = None,
    tsoffset: int | None = None,
    name: str | None = None,
) -> bytes:
    opts = b""
    if name is not None:
        opts += _opt(2, name.encode(), o)
    if tsresol is not None:
        opts += _opt(9, bytes([tsresol]), o)
    if tsoffset is not None:
        opts += _opt(14, struct.pack(o + "q", tsoffset), o)
    if opts:
        opts += _opt(0, b"", o)
    return _block(1, struct.pack(o + "HHI", link, 0, snaplen) + opts, o)


def epb(iface: int, ticks: int, data: bytes, o: str = "<", wire: int | None = None) -> bytes:
    body = struct.pack(
        o + "IIIII", iface, ticks >> 32, ticks & 0xFFFFFFFF, len(data), wire or len(data)
    )
    return _block(6, body + data, o)


def spb(data: bytes, o: str = "<") -> bytes:
    return _block(3, struct.pack(o + "I", len(data)) + data, o)


def pb(iface: int, ticks: int, data: bytes, o: str = "<") -> bytes:
    body = struct.pack(
        o + "HHIIII", iface, 0, ticks >> 32, ticks & 0xFFFFFFFF, len(data), len(data)
    )
    return _block(2, body + data, o)


def isb(iface: int, ifdrop: int, o: str = "<") -> bytes:
    body = (
        struct.pack(o + "III", iface, 0, 0)
        + _opt(5, struct.pack(o + "Q", ifdrop), o)
        + _opt(0, b"", o)
    )
    return _block(5, body, o)


def unknown_block(o: str = "<") -> bytes:
    return _block(0x0BAD, b"whatever", o)
