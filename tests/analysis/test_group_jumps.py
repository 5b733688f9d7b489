"""A group address is no host: its members answer a router's query at once. After an IGMPv3 or
MLDv2 general query, each host of the LAN reports its groups within the query's 10 s: 150 hosts'
300 reports, 30 a second to 224.0.0.22 or ff02::16, a crowd's jump over nothing, were an IP
protocol flood and an ICMP flood on the group. At a group address (by its IP address, or a LAN's
broadcast one by its frames), a jump over its own rate is now a flood only at its kind's flood
rate (500 ICMP packets a second, 1,000 of other protocols and UDP). The price: a flood at a
group under that rate is missed (but UDP sprayed over many ports, judged by its ports)."""

from __future__ import annotations

import ipaddress
import random
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, ipv6, pcap

T0 = 1_700_000_000.0
IGMPV3_REPORT = bytes.fromhex("2200f9fa00000001020000 00e00000fb".replace(" ", ""))
MLD_GROUP = ipaddress.IPv6Address("ff02::16").packed


def _mld_report(k: int) -> bytes:
    """An MLDv2 report (ICMPv6 type 143) with one record, MODE_IS_EXCLUDE of ff02::fb."""
    record = bytes([2, 0, 0, 0]) + ipaddress.IPv6Address("ff02::fb").packed
    return bytes([143, 0, 0, 0, 0, 0, 0, 1]) + record


def _reports(hosts: int = 150, per: int = 2, seconds: int = 90, *, v6: bool = False):
    """A general query every 60 s; each of ``hosts`` answers with ``per`` reports within 10 s."""
    rng = random.Random(2)
    frames = []
    for tick in range(1, seconds, 60):
        if v6:
            query = bytes([130, 0, 0, 0, 0x27, 0x10, 0, 0]) + bytes(16) + bytes(4)
            frames.append((T0 + tick, ether(ipv6(ipaddress.IPv6Address("fe80::1").packed, ipaddress.IPv6Address("ff02::1").packed, 58, query, hlim=1), 0x86DD)))  # fmt: skip
        else:
            frames.append((T0 + tick, ether(ipv4("192.168.50.1", "224.0.0.1", 2, bytes.fromhex("1164ee9b00000000027d0000"), ttl=1))))  # fmt: skip
        for h in range(hosts):
            for _ in range(per):
                at = T0 + tick + rng.uniform(0.01, 10)
                if v6:
                    src = ipaddress.IPv6Address(f"fe80::{h + 2:x}").packed
                    frames.append((at, ether(ipv6(src, MLD_GROUP, 58, _mld_report(h), hlim=1), 0x86DD)))  # fmt: skip
                else:
                    frames.append((at, ether(ipv4(f"192.168.50.{h + 2}", "224.0.0.22", 2, IGMPV3_REPORT, ttl=1))))  # fmt: skip
    return frames


def _report(path: Path, frames):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def test_membership_reports_are_no_flood(tmp_path) -> None:
    """150 hosts' IGMPv3 and MLDv2 reports after two general queries are clean, held back as a
    group's jump under its kind's flood rate."""
    for v6, vector in ((False, "ip_protocol_flood"), (True, "icmp_flood")):
        report = _report(tmp_path / f"reports-{v6}.pcap", _reports(v6=v6))
        assert _vectors(report) == []
        [held] = [h for h in report.held_back if h.vector == vector]
        assert held.held_back_by == "rate_factor, group"
        assert 20 <= held.figure <= 60
        assert "a group address is flooded at" in held.reason, held.reason


def test_floods_at_a_group_are_found_at_their_kinds_rate(tmp_path) -> None:
    """Reports from 200 spoofed hosts at 2,000 a second for 10 s amid the LAN's own (a flood of
    the routers' multicast state, as THC's flood tools send) are an IP protocol flood on
    224.0.0.22; the price: at 300 a second (a crowd's jump over nothing) they are missed. (UDP
    sprayed over many ports at a group is judged by its ports, at any rate.)"""

    def flood(rate: float):
        n = int(rate * 10)
        return [(T0 + 30 + k / rate, ether(ipv4(f"10.{k % 200}.{k % 7}.9", "224.0.0.22", 2, IGMPV3_REPORT, ttl=1))) for k in range(n)]  # fmt: skip

    report = _report(tmp_path / "fast.pcap", _reports() + flood(2000))
    assert _vectors(report) == [("ip_protocol_flood", ["224.0.0.22"])]
    report = _report(tmp_path / "slow.pcap", _reports() + flood(300))
    assert _vectors(report) == []


def test_an_echo_flood_at_all_nodes_is_still_found(tmp_path) -> None:
    """Echo requests to ff02::1 from three hosts at 2,000 a second for 5 s (a remote smurf's
    trigger, at a lab's pace) are an ICMP flood on the group."""
    frames = _reports(v6=True)
    for k in range(10_000):
        src = ipaddress.IPv6Address(f"2001:db8::{k % 3 + 1}").packed
        frames.append((T0 + 30 + k / 2000, ether(ipv6(src, ipaddress.IPv6Address("ff02::1").packed, 58, icmp(128, 0, bytes(16))), 0x86DD)))  # fmt: skip
    assert ("icmp_flood", ["ff02::1"]) in _vectors(_report(tmp_path / "smurf.pcap", frames))


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The LAN's reports stay clean (an IP protocol flood on 224.0.0.22 before, at every seed
    and scale tried); the spoofed flood at 224.0.0.1 is found."""
    report, _, _ = in_memory(tmp_path, "lan-membership-reports", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, recall, _ = in_memory(tmp_path, "multicast-flood", "udp_flood", seed=11, scale=0.2)
    assert _vectors(report) == [("udp_flood", ["224.0.0.1"])]
    assert recall >= 0.95


def test_over_a_datasets_windows_too(tmp_path) -> None:
    report, _, _ = over_windows(tmp_path, "lan-membership-reports", window_packets=700, scale=0.2)
    assert _vectors(report) == []
