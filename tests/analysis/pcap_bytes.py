"""Tiny captures built by hand for edge cases, and streams of datagrams written as a pcap
(Ethernet, IPv4, one record per frame, in the order given)."""

from __future__ import annotations

import ipaddress
import struct
from pathlib import Path

PCAP_HEADER = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)


def _frame(ts: int, src: str, dst: str, proto: int, l4: bytes, ttl: int = 57,
           dst_mac: bytes = b"\x02" * 6) -> bytes:  # fmt: skip
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(l4), 1, 0, ttl, proto, 0,
                     ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)  # fmt: skip
    frame = dst_mac + b"\x02" * 6 + b"\x08\x00" + ip + l4
    return struct.pack("<IIII", ts // 10**9, ts % 10**9 // 1000, len(frame), len(frame)) + frame


def udp_pcap(path: Path, frames: list[tuple], fill: int = 0x5A) -> None:
    """UDP datagrams: (ts_ns, src, sport, dst, dport, payload bytes[, ttl[, dst_mac]])."""
    records = [
        _frame(ts, src, dst, 17, struct.pack("!HHHH", sport, dport, 8 + size, 0) + bytes([fill]) * size,
               *link)
        for ts, src, sport, dst, dport, size, *link in frames
    ]  # fmt: skip
    path.write_bytes(PCAP_HEADER + b"".join(records))


def icmp_pcap(path: Path, frames: list[tuple[int, str, str, int]]) -> None:
    """ICMP echo messages: (ts_ns, src, dst, type), 56 bytes of data each."""
    records = [
        _frame(ts, src, dst, 1, struct.pack("!BBHHH", kind, 0, 0, 0x4242, k & 0xFFFF) + b"\x61" * 56)
        for k, (ts, src, dst, kind) in enumerate(frames)
    ]  # fmt: skip
    path.write_bytes(PCAP_HEADER + b"".join(records))


def gre_pcap(path: Path, frames: list[tuple[int, str, str, int]]) -> None:
    """GRE packets carrying IPv4 (a stand-in inner packet): (ts_ns, src, dst, inner bytes)."""
    records = [
        _frame(ts, src, dst, 47, struct.pack("!HH", 0, 0x0800) + b"\x45" + b"\x00" * (size - 1))
        for ts, src, dst, size in frames
    ]  # fmt: skip
    path.write_bytes(PCAP_HEADER + b"".join(records))


def _fragments(ts: int, src: str, dst: str, ident: int, udp: bytes, proto: int = 17) -> list[bytes]:
    """A UDP (or ``proto``) datagram cut into IPv4 fragments of 1,480 bytes (the first holds
    its header)."""
    out = []
    for off in range(0, len(udp), 1480):
        more = 0x2000 if off + 1480 < len(udp) else 0
        chunk = udp[off : off + 1480]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(chunk), ident, more | off // 8, 57, proto, 0,
                         ipaddress.IPv4Address(src).packed, ipaddress.IPv4Address(dst).packed)  # fmt: skip
        frame = b"\x02" * 12 + b"\x08\x00" + ip + chunk
        t = ts + off
        out.append(
            struct.pack("<IIII", t // 10**9, t % 10**9 // 1000, len(frame), len(frame)) + frame
        )
    return out


def fragmented_udp_pcap(path: Path, frames: list[tuple[int, str, int, str, int, int]]) -> None:
    """UDP datagrams (ts_ns, src, sport, dst, dport, payload bytes), those too big for one
    1,500-byte frame cut into fragments, in the order given."""
    records = []
    for k, (ts, src, sport, dst, dport, size) in enumerate(frames):
        udp = struct.pack("!HHHH", sport, dport, 8 + size, 0) + b"\x33" * size
        records += _fragments(ts, src, dst, k & 0xFFFF, udp)
    path.write_bytes(PCAP_HEADER + b"".join(records))


def fragmented_icmp_pcap(path: Path, frames: list[tuple]) -> None:
    """ICMP echo messages (ts_ns, src, dst, type, data bytes[, IP id]), those too big for one
    1,500-byte frame cut into fragments (``ping -s 8000``), in the order given; each its own IP
    id unless one is given."""
    records = []
    for k, (ts, src, dst, kind, size, *ident) in enumerate(frames):
        data = struct.pack("!HH", 0x4242, k & 0xFFFF) + b"\x61" * (size - 4)
        words = sum(struct.unpack(f"!{len(data) // 2}H", data)) + (kind << 8)
        while words >> 16:
            words = (words & 0xFFFF) + (words >> 16)
        icmp = struct.pack("!BBH", kind, 0, ~words & 0xFFFF) + data
        records += _fragments(ts, src, dst, ident[0] if ident else k & 0xFFFF, icmp, proto=1)
    path.write_bytes(PCAP_HEADER + b"".join(records))


def one_packet_pcap(ethertype: int = 0x0800) -> bytes:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
    )
    frame = b"\x02" * 12 + struct.pack("!H", ethertype) + ip + struct.pack("!HHHH", 1234, 53, 8, 0)
    return header + struct.pack("<IIII", 1_600_000_000, 0, len(frame), len(frame)) + frame
