"""Cross-check against tshark on captures the tests write (IPv6 extension headers, fragments, VLAN, SLL)."""

from __future__ import annotations

import ipaddress

import pytest
from pcapbuild import ether, icmp, ipv4, ipv6, pcap, tcp, udp

from workbench.capture.crosscheck import crosscheck

A = ipaddress.IPv6Address("2001:db8::a").packed
B = ipaddress.IPv6Address("2001:db8::b").packed


def frames() -> list[tuple[float, bytes]]:
    hop = bytes([17, 0]) + b"\x05\x02\x00\x00\x01\x00"  # hop-by-hop with router alert + padding
    return [
        (
            1.0,
            ether(
                ipv4(
                    "198.51.100.1",
                    "203.0.113.5",
                    17,
                    udp(53, 5000, b"d" * 64),
                    flags_frag=0x2000,
                    ident=9,
                )
            ),
        ),
        (
            1.1,
            ether(ipv4("198.51.100.1", "203.0.113.5", 17, b"e" * 80, flags_frag=0x0009, ident=9)),
        ),
        (
            1.2,
            ether(
                ipv4(
                    "192.0.2.3", "203.0.113.5", 6, tcp(4444, 443, 0x18, b"GET / HTTP/1.1\r\n\r\n")
                ),
                vlans=(42,),
            ),
        ),
        (
            1.3,
            ether(ipv6(A, B, 0, hop + udp(1900, 80, b"HTTP/1.1 200 OK\r\n\r\n")), ethertype=0x86DD),
        ),
        (1.4, ether(ipv6(A, B, 58, icmp(129, 0, b"pong" * 4)), ethertype=0x86DD)),
        (1.5, ether(ipv4("192.0.2.3", "203.0.113.5", 1, icmp(8, 0, b"ping" * 10)))),
    ]


@pytest.mark.parametrize("link", [1, 113])
def test_written_capture_agrees_with_tshark(tmp_path, tshark, link: int) -> None:
    data = frames()
    if link == 113:  # same packets behind a Linux cooked header (IPv4 only)
        data = [
            (t, b"\x00\x00\x00\x01\x00\x06" + b"\x02" * 8 + f[12:])
            for t, f in data
            if f[12:14] == b"\x08\x00"
        ]
    path = tmp_path / "written.pcap"
    path.write_bytes(pcap(data, link=link))
    mismatches = crosscheck(path, n=None)
    assert mismatches.is_empty(), mismatches


def test_icmpv6_errors_and_authentication_headers_agree_with_tshark(tmp_path, tshark) -> None:
    # an ICMPv6 error quotes the packet it answers (here a TCP SYN and a UDP datagram): the frame
    # is ICMPv6 with no ports of its own; an echo request behind an authentication header (THC
    # denial6) is ICMPv6 too. The tshark engine read the quoted TCP and UDP as the packet's
    quoted_tcp = ipv6(B, A, 6, tcp(53930, 80, 0x02))
    quoted_udp = ipv6(B, A, 17, udp(60796, 53, b"q" * 12))
    ah = bytes([58, 4, 0, 0]) + b"\0" * 20  # next header ICMPv6, 24 bytes
    data = [
        (1.0, ether(ipv6(A, B, 58, icmp(1, 4, quoted_tcp)), ethertype=0x86DD)),
        (1.1, ether(ipv6(A, B, 58, icmp(3, 0, quoted_udp)), ethertype=0x86DD)),
        (1.2, ether(ipv6(A, B, 51, ah + icmp(128, 0, b"ping")), ethertype=0x86DD)),
    ]
    path = tmp_path / "errors.pcap"
    path.write_bytes(pcap(data))
    mismatches = crosscheck(path, n=None)
    assert mismatches.is_empty(), mismatches
    import workbench as wb

    slow = wb.load(path, engine="tshark").packets
    assert slow["proto"].to_list() == [58, 58, 58] and slow["sport"].to_list() == [0, 0, 0]
