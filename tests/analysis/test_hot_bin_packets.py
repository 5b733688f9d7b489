"""A flood found by its rate is one to report only with ``min_packets`` of its packets in its hot
bins, as a pair must hold that many in the whole capture: 100 full-size packets are less than
one web page. In a snippet's 1 ms bins, five packets are 5,000 a second: a VPN client's upload
beside the real SYN-ACK reflection, seen one way, came in bursts of 5-10 datagrams within a
millisecond and was a UDP flood of 82 packets on the reflection's target."""

from __future__ import annotations

import sys
from pathlib import Path

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
CLIENT, SERVER = "198.51.100.7", "203.0.113.5"


def _found(path: Path) -> list[tuple[str, tuple[str, ...]]]:
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    return sorted((v.vector, v.targets) for v in report.vectors)


def test_the_real_synack_reflection_has_no_udp_flood_beside_it(shared_captures) -> None:
    # its one-way VPN uploads (216.223.207.13:61581 to port 1194, 70 datagrams in 0.15 s)
    found = _found(shared_captures / "amp.TCP.reflection.SYNACK.pcap")
    assert ("synack_reflection", ("10.10.10.10",)) in found
    assert ("udp_flood", ("10.10.10.10",)) not in found


def _upload(path: Path, bursts: int, size: int) -> None:
    """0.15 s of one client's datagrams to a server's port, seen one way: one a millisecond,
    and ``bursts`` bursts of ``size`` within 0.2 ms (a tunnel carrying a TCP window)."""
    times = [T0 + k / 1000 for k in range(150)]
    times += [T0 + 0.0005 + 0.150 * b / bursts + j * 0.00003 for b in range(bursts) for j in range(size)]  # fmt: skip
    frames = [(t, ether(ipv4(CLIENT, SERVER, 17, udp(61581, 1194, bytes(180))))) for t in sorted(times)]  # fmt: skip
    path.write_bytes(pcap(frames))


def test_a_few_bursts_of_a_one_way_upload_are_no_flood(tmp_path) -> None:
    # 12 bursts of 6 amid one a millisecond: 12 bins of 7, 84 packets at 7,000 a second
    path = tmp_path / "upload.pcap"
    _upload(path, bursts=12, size=6)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert report.vectors == ()
    # and "no attack" says what held it back, and by how much
    [held] = report.held_back
    assert (held.vector, held.held_back_by, held.figure, held.threshold) == ("udp_flood", "min_packets, hot bins", 84, 100)  # fmt: skip
    assert "84 packets in the bins where its rate ran at a flood's" in held.reason


def test_bursts_holding_more_are_a_flood(tmp_path) -> None:
    # 30 bursts of 12: 390 packets in bins at 13,000 a second
    path = tmp_path / "bursts.pcap"
    _upload(path, bursts=30, size=12)
    assert _found(path) == [("udp_flood", (SERVER,))]
