"""IP inside MPLS, PPPoE, PPP and Cisco HDLC (what an ISP's core and access links carry), Wi-Fi
(802.11, radiotap, PPI), Linux NFLOG (a firewall's log), and frames carried by a mirror session
(VXLAN, GENEVE, TZSP, ERSPAN).

Before these were decoded, a capture taken on such a link read as no IP at all and the
analysis found nothing, silently; a mirror session's capture read as one host's UDP or GRE
flood on the collector. Each field is checked against tshark's dissectors, and a whole attack
capture rewritten onto each encapsulation must give the attack it holds.
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

AP, STATION, SERVER = (bytes.fromhex(f"0a000000000{k}") for k in (1, 2, 3))
SNAP4, SNAP6 = bytes.fromhex("aaaa030000000800"), bytes.fromhex("aaaa0300000086dd")


def wlan(control: int, a1: bytes, a2: bytes, a3: bytes, body: bytes = b"", *, qos: bool = False,
         a4: bytes = b"") -> bytes:  # fmt: skip
    """An 802.11 frame: frame control (little-endian), duration, three addresses, sequence
    control, the fourth address between access points, QoS control, then ``body``."""
    header = struct.pack("<HH", control, 0) + a1 + a2 + a3 + b"\x10\x00" + a4
    return header + (b"\0\0" if qos else b"") + body


WIFI = [
    wlan(0x0108, AP, STATION, SERVER, SNAP4 + SYN),  # data, to the access point
    wlan(0x0288, STATION, AP, SERVER, SNAP6 + DNS6, qos=True),  # QoS data, from it
    wlan(0x0308, AP, STATION, SERVER, SNAP4 + SYN, a4=bytes.fromhex("0a0000000009")),  # bridge
    wlan(0x4108, AP, STATION, SERVER, b"\0" * 60),  # protected: encrypted, nothing to read
    wlan(0x0080, b"\xff" * 6, AP, AP, b"\0" * 40),  # a beacon
    struct.pack("<HH", 0x00D4, 0) + STATION,  # an acknowledgement
]
WIFI_VERSIONS, WIFI_PORTS = [4, 6, 4, 0, 0, 0], [80, 4444, 80, 0, 0, 0]


def nflog(ip: bytes, family: int = 2, order: str = "<") -> bytes:
    """A Linux NFLOG record: family, then a prefix attribute and the packet's (NFULA_PAYLOAD)."""
    prefix = b"drop\0"
    attributes = struct.pack(order + "HH", 4 + len(prefix), 10) + prefix + b"\0" * 3
    return bytes([family, 0, 0, 0]) + attributes + struct.pack(order + "HH", 4 + len(ip), 9) + ip


# (DLT value, frames, ip versions, destination ports)
LINKS = [
    (9, [b"\xff\x03\x00\x21" + SYN, b"\x00\x57" + DNS6, b"\x21" + SYN], [4, 6, 4], [80, 4444, 80]),
    (50, [b"\xff\x03\x00\x21" + SYN, b"\x0f\x00\x08\x00" + SYN], [4, 4], [80, 80]),
    (104, [b"\x0f\x00\x08\x00" + SYN, b"\x8f\x00\x86\xdd" + DNS6], [4, 6], [80, 4444]),
    (51, [pppoe(SYN), pppoe(DNS6, 0x0057)], [4, 6], [80, 4444]),
    (105, WIFI, WIFI_VERSIONS, WIFI_PORTS),
    (127, [struct.pack("<BBHI", 0, 0, 8, 0) + f for f in WIFI], WIFI_VERSIONS, WIFI_PORTS),
    (192, [struct.pack("<BBHI", 0, 0, 8, 105) + f for f in WIFI], WIFI_VERSIONS, WIFI_PORTS),
    (239, [nflog(SYN), nflog(DNS6, 10)], [4, 6], [80, 4444]),
]


@pytest.fixture(scope="module")
def frames_capture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("encap") / "encap.pcap"
    path.write_bytes(pcap([(1.0 + k, f[1]) for k, f in enumerate(FRAMES)]))
    return path


def vxlan(frame: bytes, flags: int = 0x08) -> bytes:
    return struct.pack("!BBHI", flags, 0, 0, 123 << 8) + frame


def geneve(frame: bytes) -> bytes:
    option = struct.pack("!HBB", 0x0104, 0x01, 1) + b"\xaa" * 4  # one 8-byte TLV option
    return struct.pack("!BBHI", len(option) // 4, 0, 0x6558, 77 << 8) + option + frame


def tzsp(frame: bytes) -> bytes:
    # version 1, received, Ethernet; a padding byte, a 1-byte field (tag 10), the end tag
    return bytes([1, 0, 0, 1, 0, 10, 1, 5, 1]) + frame


def gre(protocol: int, payload: bytes, *, sequence: bool = False, key: bool = False) -> bytes:
    flags = (0x2000 if key else 0) | (0x1000 if sequence else 0)
    return struct.pack("!HH", flags, protocol) + b"\0" * 4 * (key + sequence) + payload


def erspan3(frame: bytes, subheader: bool) -> bytes:
    header = struct.pack(
        "!HHII", 0x2000 | 5, 9, 0x12345678, 0x00AB0000 | int(subheader)
    )  # O: bit 0
    return header + (b"\0" * 8 if subheader else b"") + frame


def outer(proto: int, l4: bytes, *, v6: bool = False) -> bytes:
    """A mirror session's transport: the source's sensor to the collector."""
    if v6:
        return ether(ipv6(V6B, V6A, proto, l4), 0x86DD)
    return ether(ipv4("10.0.1.5", "10.0.2.9", proto, l4, ttl=255))


SYN_FRAME, DNS6_FRAME = ether(SYN), ether(DNS6, 0x86DD)
# (name, frame, ip version, vlan, destination port) of what the mirror carried
MIRRORED = [
    ("vxlan", outer(17, udp(41000, 4789, vxlan(SYN_FRAME))), 4, 0, 80),
    ("vxlan-over-ipv6", outer(17, udp(41001, 4789, vxlan(DNS6_FRAME)), v6=True), 6, 0, 4444),
    ("vxlan-tagged", outer(17, udp(41002, 4789, vxlan(ether(SYN, vlans=(42,))))), 4, 42, 80),
    ("geneve", outer(17, udp(41003, 6081, geneve(SYN_FRAME))), 4, 0, 80),
    ("tzsp", outer(17, udp(41004, 37008, tzsp(DNS6_FRAME))), 6, 0, 4444),
    ("erspan-1", outer(47, gre(0x88BE, SYN_FRAME)), 4, 0, 80),
    ("erspan-2", outer(47, gre(0x88BE, b"\x10\x00\x00\x07" + b"\0" * 4 + SYN_FRAME, sequence=True)), 4, 0, 80),
    ("erspan-3", outer(47, gre(0x22EB, erspan3(SYN_FRAME, False), sequence=True)), 4, 0, 80),
    ("erspan-3-subheader", outer(47, gre(0x22EB, erspan3(DNS6_FRAME, True), sequence=True)), 6, 0, 4444),
    ("vxlan-in-erspan", outer(47, gre(0x88BE, outer(17, udp(41005, 4789, vxlan(SYN_FRAME))))), 4, 0, 80),
]  # fmt: skip
# not peeled: datagrams to a tunnel's port that carry no frame, GRE that is no mirror session
# (Mirai's GRE floods carry Ethernet, 0x6558, or IP): their outer header is what reached the host
NOT_PEELED = [
    ("udp-4789-zeros", outer(17, udp(41006, 4789, b"\0" * 64)), 17, 4789),
    ("vxlan-no-frame", outer(17, udp(41007, 4789, vxlan(b"\x5a" * 64))), 17, 4789),
    ("gre-ethernet", outer(47, gre(0x6558, SYN_FRAME)), 47, 0),
    ("gre-ip", outer(47, gre(0x0800, SYN)), 47, 0),
]


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


@pytest.fixture(scope="module")
def mirrored_capture(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("mirror") / "mirror.pcap"
    path.write_bytes(pcap([(1.0 + k, f[1]) for k, f in enumerate(MIRRORED)]))
    return path


def test_mirror_sessions_are_peeled(mirrored_capture) -> None:
    with pytest.warns(wb.capture.CaptureWarning, match="10 of 10 frames came inside a mirror"):
        p = wb.load(mirrored_capture).packets
    assert p["ip_ver"].to_list() == [f[2] for f in MIRRORED]
    assert p["vlan"].to_list() == [f[3] for f in MIRRORED]
    assert p["dport"].to_list() == [f[4] for f in MIRRORED]
    assert set(addresses.series_to_text(p["dst"])) == {"203.0.113.10", "2001:db8::2"}
    # the carried frame's MACs; the lengths still the capture's
    assert p["dst_mac"].to_list() == [0x020202020202] * len(MIRRORED)
    assert (p["wire_len"] > len(SYN_FRAME)).all()


def test_mirror_sessions_agree_with_tshark(mirrored_capture, tshark) -> None:
    # tshark's VXLAN, GENEVE, TZSP and ERSPAN dissectors, read inside the innermost of them
    mismatches = crosscheck(mirrored_capture, n=None)
    assert mismatches.is_empty(), mismatches
    assert wb.load(mirrored_capture, engine="tshark").packets["dport"].to_list() == [
        f[4] for f in MIRRORED
    ]


def test_tunnel_ports_without_a_frame_stay_outer(tmp_path, tshark) -> None:
    path = tmp_path / "outer.pcap"
    path.write_bytes(pcap([(1.0 + k, f[1]) for k, f in enumerate(NOT_PEELED)]))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nothing peeled, nothing said
        fast = wb.load(path).packets
    slow = wb.load(path, engine="tshark").packets
    for p in (fast, slow):
        assert p["proto"].to_list() == [f[2] for f in NOT_PEELED]
        assert p["dport"].to_list() == [f[3] for f in NOT_PEELED]
        assert set(addresses.series_to_text(p["dst"])) == {"10.0.2.9"}


@pytest.mark.parametrize(
    "link, frames, versions, ports",
    LINKS,
    ids=["ppp", "ppp-serial", "c-hdlc", "ppp-ether", "wifi", "radiotap", "ppi", "nflog"],
)
def test_link_types(tmp_path, tshark, link, frames, versions, ports) -> None:
    # every field, 802.11's addresses as MACs too, checked against tshark
    path = tmp_path / f"link{link}.pcap"
    path.write_bytes(pcap([(1.0 + k, f) for k, f in enumerate(frames)], link=link))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a link type we decode warns of nothing
        cap = wb.load(path)
    assert cap.packets["ip_ver"].to_list() == versions
    assert cap.packets["dport"].to_list() == ports
    assert crosscheck(path, n=None).is_empty()


def test_nflog_from_a_big_endian_host(tmp_path) -> None:
    # NFLOG's attributes are in the logging host's byte order: a big-endian router's log reads
    # as a little-endian one's (tshark reads only the latter, so no crosscheck here)
    frames = [nflog(SYN), nflog(SYN, order=">"), nflog(DNS6, 10, order=">")]
    path = tmp_path / "nflog.pcap"
    path.write_bytes(pcap([(1.0 + k, f) for k, f in enumerate(frames)], link=239))
    p = wb.load(path).packets
    assert p.drop("ts").row(0) == p.drop("ts").row(1)
    assert p["ip_ver"].to_list() == [4, 4, 6] and p["dport"].to_list() == [80, 80, 4444]


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
    """A classic Ethernet pcap with every frame replaced by ``wrap(frame)``."""
    data = source.read_bytes()
    out = bytearray(data[:16] + struct.pack("<I", 262144) + data[20:24])  # room for the labels
    pos = 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack_from("<IIII", data, pos)
        frame = wrap(data[pos + 16 : pos + 16 + incl])
        out += struct.pack("<IIII", sec, frac, len(frame), orig + len(frame) - incl) + frame
        pos += 16 + incl
    target.write_bytes(bytes(out))


def _inside(ethertype: int, l3) -> callable:
    """A wrap that carries each IP frame's packet in ``l3(version, packet)``; others unchanged."""

    def wrap(frame: bytes) -> bytes:
        kind = struct.unpack_from("!H", frame, 12)[0]
        if kind not in (0x0800, 0x86DD):
            return frame
        return frame[:12] + struct.pack("!H", ethertype) + l3(kind, frame[14:])

    return wrap


WRAPS = {  # a provider's core (two MPLS labels), its access (PPPoE), a cloud's traffic mirror
    "mpls": _inside(0x8847, lambda kind, ip: label(16, False) + label(2000, True) + ip),
    "pppoe": _inside(0x8864, lambda kind, ip: pppoe(ip, 0x0021 if kind == 0x0800 else 0x0057)),
    "vxlan-mirror": lambda frame: outer(17, udp(40000 + len(frame), 4789, vxlan(frame))),
}


@pytest.mark.parametrize("how", sorted(WRAPS))
def test_attack_on_an_isp_link_is_found(tmp_path, how: str) -> None:
    # the bundled reflection sample, each IP packet carried as on a provider's core (two MPLS
    # labels) or access link (PPPoE), or each frame as a cloud's traffic mirror delivers it (one
    # way, to a collector that never answers): every packet decodes as in the plain capture, the
    # synthesizer's labelled attacks are found on their targets, and the collector is no target
    source = SAMPLES / "reflection_mix.pcap"
    assert source.read_bytes()[:4] == b"\xd4\xc3\xb2\xa1"  # little-endian classic pcap
    wrapped = tmp_path / f"{how}.pcap"
    _rewrite(source, wrapped, WRAPS[how])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # the mirror's frames are said to be peeled
        plain, carried = wb.load(source).packets, wb.load(wrapped).packets
    columns = ["ip_ver", "src", "dst", "proto", "sport", "dport", "ttl", "ip_len", "tcp_flags"]
    assert carried.select(columns).equals(plain.select(columns))
    truth = json.loads((SAMPLES / "reflection_mix.truth.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        report = wb.analyze(wb.load(wrapped))
    found = {(v["vector"], t) for v in report.vectors for t in v["targets"]}
    expected = {
        (v, t) for p in truth["phases"] if p["kind"] == "attack" for v in p["vectors"]
        for t in p["targets"]
    }  # fmt: skip
    assert expected <= found
    assert "10.0.2.9" not in {t.label for t in report.targets}
