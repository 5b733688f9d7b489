"""Packets whose transport header the snaplen cut (``FileMeta.cut_headers``): a TCP segment
without its flags, a datagram without its ports, an ICMP message without its type, an IPv6
packet whose extension headers run past what was captured. Their kind is unknown, and the
report says so plainly instead of "no attack found" alone. Counted against hand-built frames
cut at every length, and against tshark on the bundled captures cut at real snaplens."""

from __future__ import annotations

import ipaddress
import json
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pcapbuild import ether, icmp, ipv4, ipv6, pcap, tcp, udp

REPO = Path(__file__).resolve().parents[2]
T0 = 1_700_000_000.0
A, B = "10.0.0.1", "10.0.0.2"
V6 = [ipaddress.IPv6Address(x).packed for x in ("2001:db8::1", "2001:db8::2")]
ETH, IP4, IP6 = 14, 20, 40
DEST_OPTS = 60


def _dest_options(nh: int, rest: bytes) -> bytes:
    """An IPv6 destination-options header of 8 bytes (padding only) before ``rest``."""
    return bytes([nh, 0, 1, 4, 0, 0, 0, 0]) + rest


# (frame, where its transport header starts, how many of its bytes tell its kind)
WHOLE = [
    (ether(ipv4(A, B, 6, tcp(40000, 80, 0x02))), ETH + IP4, 14),  # TCP: the flags' byte
    (ether(ipv4(A, B, 17, udp(5000, 53, b"q" * 20))), ETH + IP4, 4),  # UDP: both ports
    (ether(ipv4(A, B, 1, icmp(8, 0, b"p" * 20))), ETH + IP4, 2),  # ICMP: type and code
    # ICMPv6 behind an extension header: the chain, then the type, must be captured
    (
        ether(ipv6(*V6, DEST_OPTS, _dest_options(58, icmp(128, 0, b"p" * 8))), ethertype=0x86DD),
        ETH + IP6,
        8 + 2,
    ),
]


def _count(tmp_path: Path, frames: list[bytes]) -> tuple[int | None, int]:
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap([(T0 + k, f) for k, f in enumerate(frames)]))
    cap = wb.load(path, progress=False)
    return cap.meta.files[0].cut_headers, cap.packets.height


def test_a_header_cut_before_what_tells_its_kind_is_counted_at_every_length(tmp_path) -> None:
    for frame, start, needed in WHOLE:
        for length in range(start, len(frame) + 1):
            cut, n = _count(tmp_path, [frame[:length]])
            assert n == 1
            # cut while the header begins but its kind is not all there yet
            assert cut == int(length < start + needed), (frame.hex(), length)


def test_whole_headers_shorter_frames_and_later_fragments_are_not_counted(tmp_path) -> None:
    frames = [frame for frame, *_ in WHOLE]
    frames += [frame[: start - 1] for frame, start, _ in WHOLE]  # not even the IP header
    frames.append(ether(ipv4(A, B, 6, bytes(8), flags_frag=0x0008)))  # no header in it
    frames.append(ether(ipv4(A, B, 47, b"\0\0")))  # GRE: no port nor flag to read
    assert _count(tmp_path, frames) == (0, len(frames))


def test_the_tshark_engine_does_not_count(tmp_path, tshark) -> None:
    path = tmp_path / "cut.pcap"
    path.write_bytes(pcap([(T0, WHOLE[0][0][:40])]))
    assert wb.load(path, engine="tshark", progress=False).meta.files[0].cut_headers is None


# snaplens a capture is taken at; none leaves a TCP header 14 or 15 bytes long over plain
# Ethernet and IPv4 or IPv6 (48, 49, 68, 69), where the fast reader reads the flags and tshark
# wants the window too
SNAPLENS = (34, 38, 42, 46, 54, 58, 64, 70, 96)
# packets whose IP header tshark read whole (to the destination address), then not what tells
# their transport's kind (the samples' IPv6 packets carry no extension header)
NO_KIND = (
    "(ip.dst && ip.frag_offset == 0 && ((ip.proto == 6 && !tcp.flags)"
    " || (ip.proto == 17 && !udp.srcport) || (ip.proto == 1 && !icmp.type)))"
    " || (ipv6.dst && ((ipv6.nxt == 6 && !tcp.flags) || (ipv6.nxt == 17 && !udp.srcport)"
    " || (ipv6.nxt == 58 && !icmpv6.type)))"
)


@pytest.mark.parametrize("sample", ["tcp_state_floods.pcap", "reflection_mix.pcap"])
def test_the_count_is_tsharks_on_real_captures_cut_at_real_snaplens(sample, tmp_path, tshark) -> None:  # fmt: skip
    source = REPO / "sample_pcaps" / sample
    counts = []
    for snaplen in SNAPLENS:
        cut = tmp_path / f"cut{snaplen}.pcap"
        subprocess.run(["editcap", "-s", str(snaplen), str(source), str(cut)], check=True)
        read = [tshark, "-n", "-r", str(cut), "-o", "ip.defragment:FALSE", "-Y", NO_KIND, "-T", "fields", "-e", "frame.number"]  # fmt: skip
        listed = subprocess.run(read, capture_output=True, text=True, check=True).stdout.split()
        cap = wb.load(cut, progress=False)
        assert cap.meta.files[0].cut_headers == len(listed), snaplen
        counts.append(len(listed))
    assert counts[0] > 0 and counts[-1] == 0  # the snaplens cut some, then none


def test_the_report_says_what_the_snaplen_hid(tmp_path) -> None:
    source = REPO / "sample_pcaps" / "tcp_state_floods.pcap"
    cut = tmp_path / "headers.pcap"
    subprocess.run(["editcap", "-s", "42", str(source), str(cut)], check=True)
    whole = wb.analyze(wb.load(source, progress=False), progress=False)
    report = wb.analyze(wb.load(cut, progress=False), progress=False)
    text = report.summary()
    assert whole.vectors and "snaplen" not in whole.summary()
    n = report.to_dict()["capture"]["files"][0]["cut_headers"]
    assert n > 0 and f"{n:,} packets (" in text
    assert "with the transport header cut by the snaplen" in text
    assert "their TCP flags, ports or ICMP type are unknown" in text


def test_info_counts_them_too(tmp_path) -> None:
    cut = tmp_path / "headers.pcap"
    subprocess.run(["editcap", "-s", "42", str(REPO / "sample_pcaps" / "tcp_state_floods.pcap"), str(cut)], check=True)  # fmt: skip
    n = wb.load(cut, progress=False).meta.files[0].cut_headers
    info = [sys.executable, "-m", "workbench.cli", "info", str(cut)]
    text = subprocess.run(info, capture_output=True, text=True, check=True).stdout
    assert f"Cut headers:          {n:,} packets with the transport header cut" in text
    machine = subprocess.run([*info, "--json"], capture_output=True, text=True, check=True)
    assert json.loads(machine.stdout)["files"][0]["cut_headers"] == n > 0
