"""A datagram cut into fragments is one send. A 65 KB ping (``ping -s 65000``, an MTU test) is
44 fragments within a millisecond, once a second: in a 0.1 s bin that read 440 fragments a
second from one host, above the 150 a second that makes one host a flood, so an admin's MTU
test was a fragment flood. A bin now holds a flood only with ``rate_min_bin_packets`` sends, and
one host floods only at ``single_source_flood_pps`` sends a second; the middle fragments of a
whole datagram are no sends of their own (``fragments._whole_datagrams``). A flood of such
datagrams, and fragments no datagram accounts for, are still floods. The price, asserted: one
host sending 64 KB datagrams at 2-12 Mbit/s (fewer than 150 a second, fewer than 1,000
fragments a second) is no flood, as its pings of any size are not."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from pcap_bytes import fragmented_icmp_pcap
from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.vectors.fragments import with_datagram_ports

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap

START = 1_690_000_000 * 10**9
ADMIN, HOST = "192.168.1.20", "10.0.0.30"


def _pings(count: int, gap_ns: int, size: int, ident: int | None = None) -> list[tuple]:
    """``count`` echo requests of ``size`` data bytes from the admin to the host, each answered
    2 ms later; every datagram its own IP id, or all of them ``ident``."""
    frames = []
    for k in range(count):
        t = START + k * gap_ns
        own = () if ident is None else (ident,)
        frames += [(t, ADMIN, HOST, 8, size, *own), (t + 2_000_000, HOST, ADMIN, 0, size, *own)]
    return frames


def _found(path) -> list[tuple[str, tuple[str, ...]]]:
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    return sorted((v.vector, v.targets) for v in report.vectors)


@pytest.mark.parametrize(("count", "gap_s"), [(10, 1.0), (60, 1.0), (150, 0.2), (5, 0.2)])
def test_an_mtu_test_is_no_fragment_flood(tmp_path, count, gap_s) -> None:
    # ping -s 65000 once a second for 10 s (0.1 s bins) and a minute (1 s bins); ping -i 0.2 for
    # 30 s, and for one second (10 ms bins: 4,500 fragments a second in each of five)
    path = tmp_path / "mtu.pcap"
    fragmented_icmp_pcap(path, _pings(count, int(gap_s * 1e9), 65_000))
    assert _found(path) == []


def test_the_same_datagram_sent_again_and_again_is_a_flood(tmp_path) -> None:
    # scapy's send(fragment(IP(dst=...)/ICMP()/("x"*65000))) in a loop: one id for every copy,
    # 200 a second (104 Mbit/s), a capture that is all attack
    path = tmp_path / "loop.pcap"
    frames = [(START + k * 5_000_000, ADMIN, HOST, 8, 65_000, 1) for k in range(1_000)]
    fragmented_icmp_pcap(path, frames)
    assert ("ip_fragment_flood", (HOST,)) in _found(path)


def test_a_flood_of_large_pings_is_still_a_flood(tmp_path) -> None:
    # ping -f -s 65000 from one host: 150 a second, answered (6,600 fragments a second)
    path = tmp_path / "ping-f.pcap"
    fragmented_icmp_pcap(path, _pings(750, 10**9 // 150, 65_000))
    assert ("ip_fragment_flood", (HOST,)) in _found(path)


def test_the_price_one_host_sending_large_datagrams_for_a_while(tmp_path) -> None:
    # 20 datagrams of 64 KB a second from one host for 10 s (10 Mbit/s, 900 fragments a second)
    # amid a minute of its 1 s pings: a flood before, by its fragments over a quiet baseline;
    # as its pings of any size at 20 a second are, none now
    path = tmp_path / "slow.pcap"
    quiet = [(START + k * 10**9 + 500_000_000, ADMIN, HOST, 8, 56) for k in range(60)]
    burst = [
        (START + 20 * 10**9 + t, ADMIN, HOST, 8, 65_000) for t in range(0, 10**10, 10**9 // 20)
    ]
    fragmented_icmp_pcap(path, sorted(quiet + burst))
    assert _found(path) == []


def test_a_second_of_large_pings_is_no_burst_flood(tmp_path) -> None:
    # a minute of 1 s pings, and within it one second of 25 pings of 65,000 bytes (``ping -c 25
    # -i 0.04 -s 65000``): 1,100 fragments in that second, yet 25 sends, never 5 in one of the
    # finer bins a burst is judged in
    path = tmp_path / "second.pcap"
    quiet = [(START + k * 10**9 + 500_000_000, ADMIN, HOST, 8, 56) for k in range(60)]
    pings = [(START + 30 * 10**9 + k * 40_000_000, ADMIN, HOST, 8, 65_000) for k in range(25)]
    fragmented_icmp_pcap(path, sorted(quiet + pings))
    assert _found(path) == []


def test_pieces_of_no_whole_datagram_each_count(tmp_path) -> None:
    # a ping of death's shape: 66,004 bytes, more than any datagram carries, once a second
    path = tmp_path / "too-big.pcap"
    fragmented_icmp_pcap(path, _pings(10, 10**9, 66_000))
    assert ("ip_fragment_flood", (HOST,)) in _found(path)


def _pieces(path: Path, sizes, *, last: bool) -> None:
    """One datagram's first fragment each second from one host, then middle fragments of
    ``sizes`` bytes under its id, 1 ms apart, and (``last``) a last fragment: 10 seconds."""
    frames = []
    for k in range(10):
        t = START / 1e9 + k
        frames.append((t, ether(ipv4(ADMIN, HOST, 1, icmp(8, 0, b"a" * 1472), ident=k, flags_frag=0x2000))))  # fmt: skip
        offset = 1480
        for j, size in enumerate(sizes):
            flags = 0x2000 if (j < len(sizes) - 1 or not last) else 0
            frames.append((t + (j + 1) / 1e3, ether(ipv4(ADMIN, HOST, 1, b"b" * size, ident=k, flags_frag=flags | offset // 8))))  # fmt: skip
            offset += size
    path.write_bytes(pcap(frames))


@pytest.mark.parametrize(
    ("sizes", "last"),
    [
        ([8] * 400, False),  # the Rose attack's shape: a first fragment, then endless pieces
        ([1480] * 40, False),  # pieces of an MTU's size, but never a last one
        ([24] * 40, True),  # a whole datagram of tiny pieces: no link's MTU cuts them
        ([1480, 600, 1480, 800] * 10, True),  # no MTU cuts pieces of many sizes (44 KB)
    ],
)
def test_pieces_of_no_datagram_a_host_cuts_each_count(tmp_path, sizes, last) -> None:
    path = tmp_path / "pieces.pcap"
    _pieces(path, sizes, last=last)
    assert ("ip_fragment_flood", (HOST,)) in _found(path)


def test_a_host_cutting_datagrams_to_its_mtu_sends_one_each(tmp_path) -> None:
    # the same shape, pieces the path MTU's size and a last one: one send a second, no flood
    path = tmp_path / "cut.pcap"
    _pieces(path, [1480] * 40, last=True)
    assert _found(path) == []


@pytest.mark.parametrize(("size", "ident"), [(65_000, None), (8_000, None), (8_000, 7), (66_000, None)])  # fmt: skip
def test_whole_datagrams_are_those_tshark_reassembles(tmp_path, tshark, size, ident) -> None:
    path = tmp_path / "pings.pcap"
    fragmented_icmp_pcap(path, _pings(12, 300_000_000, size, ident))
    marked = with_datagram_ports(wb.load(path, progress=False).packets)
    fragments = marked.filter(pl.col("frag") & 3 > 0)
    done = subprocess.run([tshark, "-r", str(path), "-n", "-o", "ip.defragment:TRUE", "-T", "fields",
                           "-e", "ip.reassembled.length"], capture_output=True, text=True, check=True)  # fmt: skip
    reassembled = [int(x) for x in done.stdout.split()]
    assert len(reassembled) == 24 and set(reassembled) == {size + 4}
    per_datagram = fragments.height // len(reassembled)
    # the fragments of a datagram tshark reassembles are one send and its pieces, unless it
    # holds more than an IPv4 datagram carries (65,515 bytes after its header: a ping of
    # death's, which tshark reassembles all the same): then each fragment is a send
    whole = size + 4 <= 65_515
    assert fragments["_dg_piece"].sum() == (len(reassembled) * (per_datagram - 2) if whole else 0)


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_scenarios_mtu_tests_and_a_flood_of_large_pings_amid_them(tmp_path, scale) -> None:
    clean, *_ = in_memory(tmp_path, "mtu-tests", scale=scale)
    assert _vectors(clean) == []  # before: a fragment flood on the three tested hosts
    for vector in ("icmp_flood", "ip_fragment_flood"):
        found, recall, precision = in_memory(tmp_path, "large-ping-flood-amid-mtu-tests", vector, scale=scale)  # fmt: skip
        assert sorted(_vectors(found)) == [("icmp_flood", ["203.0.113.11"]), ("ip_fragment_flood", ["203.0.113.11"])]  # fmt: skip
        assert recall >= 0.95 and precision >= 0.95, (vector, recall, precision)
