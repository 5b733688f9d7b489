"""IP inside MPLS, PPPoE, PPP and Cisco HDLC: what an ISP's core and access links carry.

Before these were decoded, a capture taken on such a link read as no IP at all and the
analysis found nothing, silently. Each field is checked against tshark's dissectors, and a
whole attack capture rewritten onto each encapsulation must give the attack it holds.
"""

from __future__ import annotations

import ipaddress
import json
import struct
import warnings
from pathlib import Path

import pytest
from pcapbuild import ether, ipv4, ipv6, pcap, tcp, udp

import workbench as wb
from workbench.capture import addresses
from workbench.capture.crosscheck import crosscheck

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
V6A = ipaddress.IPv6Address("2001:db8::1").packed
V6B = ipaddress.IPv6Address("2001:db8::2").packed
SYN = ipv4("192.0.2.1", "203.0.113.10", 6, tcp(1234, 80, 0x02))
DNS6 = ipv6(V6A, V6B, 17, udp(53, 4444, b"x" * 20))


def label(value: int, bottom: bool) -> bytes:
    """One MPLS label stack entry (RFC 3032), TTL 64."""
    return struct.pack("!I", (value << 12) | (int(bottom) << 8) | 64)


def pppoe(ip: bytes, protocol: int = 0x0021) -> bytes:
    """A PPPoE session header (RFC 2516) and the PPP protocol before ``ip``."""
    return struct.pack("!BBHHH", 0x11, 0, 0x1234, len(ip) + 2, protocol) + ip


# (name, frame, ip version, vlan, destination port): every field also checked against tshark
FRAMES = [
    ("mpls", ether(label(100, True) + SYN, 0x8847), 4, 0, 80),
    ("mpls-stack-ipv6", ether(label(100, False) + label(200, True) + DNS6, 0x8847), 6, 0, 4444),
    ("vlan-mpls", ether(label(100, True) + SYN, 0x8847, vlans=(7,)), 4, 7, 80),
    ("mpls-multicast", ether(label(100, True) + SYN, 0x8848), 4, 0, 80),
    (  # an Ethernet pseudowire: control word, then the customer's own tagged frame
        "mpls-pseudowire",
        ether(label(100, False) + label(300, True) + b"\0" * 4 + ether(SYN, vlans=(42,)), 0x8847),
        4,
        42,
        80,
    ),
    ("pppoe", ether(pppoe(SYN), 0x8864), 4, 0, 80),
    ("vlan-pppoe-ipv6", ether(pppoe(DNS6, 0x0057), 0x8864, vlans=(10,)), 6, 10, 4444),
    ("pppoe-mpls", ether(pppoe(label(5, True) + SYN, 0x0281), 0x8864), 4, 0, 80),
    # not IP: a PPP control packet, a label stack cut short, a payload of neither version
    ("pppoe-lcp", ether(pppoe(b"\x01\x01\x00\x04", 0xC021), 0x8864), 0, 0, 0),
    ("mpls-cut", ether(label(100, False), 0x8847), 0, 0, 0),
    ("mpls-unknown", ether(label(100, True) + b"\x90" * 40, 0x8847), 0, 0, 0),
]

# (DLT value, frames, ip versions, destination ports)
LINKS = [
    (9, [b"\xff\x03\x00\x21" + SYN, b"\x00\x57" + DNS6, b"\x21" + SYN], [4, 6, 4], [80, 4444, 80]),
    (50, [b"\xff\x03\x00\x21" + SYN, b"\x0f\x00\x08\x00" + SYN], [4, 4], [80, 80]),
    (104, [b"\x0f\x00\x08\x00" + SYN, b"\x8f\x00\x86\xdd" + DNS6], [4, 6], [80, 4444]),
    (51, [pppoe(SYN), pppoe(DNS6, 0x0057)], [4, 6], [80, 4444]),
]


@pytest.fixture(scope="module")
def frames_capture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("encap") / "encap.pcap"
    path.write_bytes(pcap([(1.0 + k, f[1]) for k, f in enumerate(FRAMES)]))
    return path


def test_fields_inside_each_encapsulation(frames_capture) -> None:
    p = wb.load(frames_capture).packets
    assert p["ip_ver"].to_list() == [f[2] for f in FRAMES]
    assert p["vlan"].to_list() == [f[3] for f in FRAMES]
    assert p["dport"].to_list() == [f[4] for f in FRAMES]
    ip = p.filter(p["ip_ver"] > 0)
    assert set(addresses.series_to_text(ip["dst"])) == {"203.0.113.10", "2001:db8::2"}


def test_encapsulations_agree_with_tshark(frames_capture, tshark) -> None:
    mismatches = crosscheck(frames_capture, n=None)
    assert mismatches.is_empty(), mismatches


@pytest.mark.parametrize(
    "link, frames, versions, ports", LINKS, ids=["ppp", "ppp-serial", "c-hdlc", "ppp-ether"]
)
def test_ppp_and_hdlc_link_types(tmp_path, tshark, link, frames, versions, ports) -> None:
    path = tmp_path / f"link{link}.pcap"
    path.write_bytes(pcap([(1.0 + k, f) for k, f in enumerate(frames)], link=link))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a link type we decode warns of nothing
        cap = wb.load(path)
    assert cap.packets["ip_ver"].to_list() == versions
    assert cap.packets["dport"].to_list() == ports
    assert crosscheck(path, n=None).is_empty()


def test_endless_tags_stop(tmp_path) -> None:
    # a crafted frame of 300 VLAN tags: decoding gives up on it and goes on to the next frame
    tags = b"".join(struct.pack("!HH", 0x8100, 5) for _ in range(300))
    crafted = b"\x02" * 6 + b"\x04" * 6 + tags + struct.pack("!H", 0x0800) + SYN
    path = tmp_path / "tags.pcap"
    path.write_bytes(pcap([(1.0, crafted), (2.0, ether(SYN))]))
    assert wb.load(path).packets["ip_ver"].to_list() == [0, 4]


def test_mostly_not_ip_warns(tmp_path) -> None:
    gre_like = ether(b"\0" * 40, 0x88BE)  # ERSPAN: an encapsulation the fast reader does not peel
    mostly = tmp_path / "mostly.pcap"
    mostly.write_bytes(pcap([(1.0 + k, gre_like) for k in range(3)] + [(5.0, ether(SYN))]))
    with pytest.warns(wb.capture.CaptureWarning, match=r"3 of 4 frames carry no IPv4 or IPv6"):
        wb.load(mostly)
    some = tmp_path / "some.pcap"  # a LAN's ARP beside its IP traffic is no cause for a warning
    some.write_bytes(pcap([(1.0, gre_like)] + [(2.0 + k, ether(SYN)) for k in range(3)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        wb.load(some)


def _rewrite(source: Path, target: Path, wrap) -> None:
    """A classic Ethernet pcap with every IP frame's payload wrapped by ``wrap(ethertype, l3)``,
    which returns the new ethertype and bytes; other frames as they were."""
    data = source.read_bytes()
    out = bytearray(data[:16] + struct.pack("<I", 262144) + data[20:24])  # room for the labels
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, pos)
        frame = data[pos + 16 : pos + 16 + incl]
        ethertype = struct.unpack_from("!H", frame, 12)[0]
        if ethertype in (0x0800, 0x86DD):
            new_type, l3 = wrap(ethertype, frame[14:])
            frame = frame[:12] + struct.pack("!H", new_type) + l3
            orig += len(frame) - incl
        out += struct.pack("<IIII", sec, frac, len(frame), orig) + frame
        pos += 16 + incl
    target.write_bytes(bytes(out))


WRAPS = {
    "mpls": lambda et, l3: (0x8847, label(16, False) + label(2000, True) + l3),
    "pppoe": lambda et, l3: (0x8864, pppoe(l3, 0x0021 if et == 0x0800 else 0x0057)),
}


@pytest.mark.parametrize("how", sorted(WRAPS))
def test_attack_on_an_isp_link_is_found(tmp_path, how: str) -> None:
    # the bundled reflection sample, each IP packet carried as on a provider's core (two MPLS
    # labels) or access link (PPPoE): every packet decodes as in the plain capture, and the
    # synthesizer's labelled attacks are found on their targets
    source = SAMPLES / "reflection_mix.pcap"
    assert source.read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"  # little-endian classic pcap
    wrapped = tmp_path / f"{how}.pcap"
    _rewrite(source, wrapped, WRAPS[how])
    plain, carried = wb.load(source).packets, wb.load(wrapped).packets
    columns = ["ip_ver", "src", "dst", "proto", "sport", "dport", "ttl", "ip_len", "tcp_flags"]
    assert carried.select(columns).equals(plain.select(columns))
    truth = json.loads((SAMPLES / "reflection_mix.truth.json").read_text())
    report = wb.analyze(wb.load(wrapped))
    found = {(v["vector"], t) for v in report.vectors for t in v["targets"]}
    expected = {
        (v, t) for p in truth["phases"] if p["kind"] == "attack" for v in p["vectors"]
        for t in p["targets"]
    }  # fmt: skip
    assert expected <= found
