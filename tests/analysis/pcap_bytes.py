"""Tiny captures built by hand for edge cases."""

from __future__ import annotations

import struct


def one_packet_pcap(ethertype: int = 0x0800) -> bytes:
    header = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, 1)
    ip = struct.pack(
        "!BBHHHBBH4s4s", 0x45, 0, 28, 1, 0, 64, 17, 0, bytes([192, 0, 2, 1]), bytes([192, 0, 2, 2])
    )
    frame = b"\x02" * 12 + struct.pack("!H", ethertype) + ip + struct.pack("!HHHH", 1234, 53, 8, 0)
    return header + struct.pack("<IIII", 1_600_000_000, 0, len(frame), len(frame)) + frame
