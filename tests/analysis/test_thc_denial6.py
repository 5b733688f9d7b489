"""THC-IPv6's ``denial6``, all seven test cases, each built byte for byte as its source builds
its packet (``thc-ipv6/denial6.c``) and sent as the tool sends it: one packet again and again
from one host, at the 6,700 a second of the real capture of case 5 (``denial6-5`` in
suricata-verify, found as an ICMP flood). Cases 3 and 4 chain 180 and 178 destination headers:
the decoder walks every header as Wireshark does, so case 4's ping is read as the ping it is
(tshark agrees), and case 3, with nothing after its headers, is an extension header flood."""

from __future__ import annotations

import ipaddress
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv6, pcap

T0 = 1_700_000_000.0
ATTACKER, TARGET = "2001:db8:1::2", "2001:db8:1::1"
RATE = 6_700  # packets a second, as the real capture of case 5
HOP_BY_HOP, DEST_OPTS, FRAGMENT, AH, ICMPV6, NO_NEXT = 0, 60, 44, 51, 58, 59
ROUTER_ALERT = bytes([5, 2, 0, 0])  # option 5, 2 bytes: MLD


def _header(nh: int, body: bytes) -> bytes:
    """An extension header of ``body`` (its options), padded to 8 bytes as thc pads it."""
    body += bytes(-(len(body) + 2) % 8)
    return bytes([nh, (len(body) + 2) // 8 - 1]) + body


def _ping() -> bytes:
    """thc_add_icmp6(ICMP6_PINGREQUEST, 0, 0xfacebabe, 8 zero bytes): its checksum left 0."""
    return bytes([128, 0, 0, 0]) + bytes.fromhex("facebabe") + bytes(8)


def _unknown_options(router_alert: bool) -> bytes:
    """Cases 1 and 7: 67 options of types 2-64 (case 38, quick start, 9 bytes; 4, 3 bytes;
    the others 6), after a router alert in case 1."""
    out = bytearray(ROUTER_ALERT if router_alert else b"")
    for i in range(1, 68):
        k = i % 63 + 1
        if k == 38:
            out += bytes([k, 7, 1, 60, 8]) + bytes(4)
        elif k == 4:
            out += bytes([k, 1, 0])
        else:
            out += bytes([1 if k == 5 else k, 4]) + bytes(4)
    return bytes(out)


def _chain(n: int, last: int) -> bytes:
    """A hop-by-hop header with a router alert, then ``n`` empty destination headers."""
    out = _header(DEST_OPTS, ROUTER_ALERT)
    for k in range(n):
        out += _header(DEST_OPTS if k < n - 1 else last, b"")
    return out


def case(number: int, k: int = 0) -> tuple[int, bytes]:
    """(next header, what follows the IPv6 header) of test case ``number``'s ``k``-th packet."""
    if number == 1:
        return HOP_BY_HOP, _header(ICMPV6, _unknown_options(True)) + _ping()
    if number == 2:
        options = bytearray(1430)  # 236 options of 4 bytes, types 2-64, cut to 1416 bytes
        for i in range(1, 237):
            options[6 + i * 6] = i % 63 + 1
            options[5 + i * 6] = 4
        return DEST_OPTS, _header(ICMPV6, bytes(options[:1416])) + _ping()
    if number == 3:  # MTU 1500: (1500 - 48) / 8 destination headers, nothing after them
        return HOP_BY_HOP, _chain(181, NO_NEXT)
    if number == 4:  # (1500 - 64) / 8, then the ping
        return HOP_BY_HOP, _chain(179, ICMPV6) + _ping()
    if number == 5:  # AH, its length byte set to 2 after the packet was built
        return AH, bytes([ICMPV6, 2]) + bytes(12) + _ping()
    if number == 6:  # a first fragment of an MLD report, its identification counting up
        ident = (0xFACEBABE + k) & 0xFFFFFFFF
        fragment = bytes([ICMPV6, 0, 0, 1]) + ident.to_bytes(4, "big")
        mld = bytes([131, 0, 0xB0, 0x0B]) + bytes(10)
        return HOP_BY_HOP, _header(FRAGMENT, ROUTER_ALERT) + fragment + mld
    return HOP_BY_HOP, _header(ICMPV6, _unknown_options(False)) + _ping()


def capture(number: int, n: int) -> bytes:
    src, dst = (ipaddress.IPv6Address(a).packed for a in (ATTACKER, TARGET))
    frames = []
    for k in range(n):
        nh, rest = case(number, k)
        frames.append((T0 + k / RATE, ether(ipv6(src, dst, nh, rest, hlim=255), 0x86DD)))
    return pcap(frames)


EXPECTED = {1: "icmp_flood", 2: "icmp_flood", 3: "ipv6_extension_header_flood",
            4: "icmp_flood", 5: "icmp_flood", 6: "icmp_flood", 7: "icmp_flood"}  # fmt: skip


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_each_denial6_case_is_found_on_its_target(tmp_path, number) -> None:
    path = tmp_path / f"denial6-{number}.pcap"
    path.write_bytes(capture(number, 2 * RATE))  # two seconds of it
    report = wb.analyze(wb.load(path, progress=False))
    found = {v["vector"]: v["targets"] for v in report.vectors}
    assert found == {EXPECTED[number]: [TARGET]}, found
    assert any(p["kind"] != "baseline" for p in report.phases)


@pytest.mark.parametrize("number", sorted(EXPECTED))
def test_a_few_of_its_packets_are_no_attack(tmp_path, number) -> None:
    """50 packets (a decoder test's handful) stay clean, as any crafted test capture."""
    path = tmp_path / f"denial6-{number}.pcap"
    path.write_bytes(capture(number, 50))
    assert not wb.analyze(wb.load(path, progress=False)).vectors


@pytest.mark.skipif(shutil.which("tshark") is None, reason="tshark is not installed")
@pytest.mark.parametrize("number", [3, 4])
def test_a_long_chain_of_headers_is_read_to_its_end_as_tshark_reads_it(tmp_path, number) -> None:
    path = tmp_path / f"denial6-{number}.pcap"
    path.write_bytes(capture(number, 3))
    packets = wb.load(path, progress=False).packets
    fields = ["icmpv6.type", "ipv6.plen"]
    out = subprocess.run(
        ["tshark", "-n", "-r", str(path), "-T", "fields", *(x for f in fields for x in ("-e", f))],
        capture_output=True, text=True, check=True,
    ).stdout.split("\n")[0].split("\t")  # fmt: skip
    icmp_type, plen = (int(x) if x else None for x in out)
    assert packets["ip_len"][0] == plen
    if icmp_type is None:  # case 3: nothing after the headers
        assert packets["proto"][0] == NO_NEXT and packets["payload_len"][0] == 0
    else:
        assert packets["proto"][0] == ICMPV6 and packets["icmp_type"][0] == icmp_type == 128
