"""A host that pings a group is answered by every host of its link. ``ping6 ff02::1`` (an admin
looking for a link's IPv6 hosts) brings each of 40 hosts' echo reply once a second, to a host
that had none before: an ICMP flood on it. Echo replies from its LAN to a host that pinged a group
at a ping's pace (``group_ping_max_pps``: 10 a second at most) are now its answers, as replies
from a host it pinged are. A smurf's trigger floods the group with echo requests (spoofed with
the victim's address): its replies stay a flood. The price: a smurf whose trigger runs at a
ping's pace (40 hosts' replies, 40 a second) is missed, as it is too small to be one."""

from __future__ import annotations

import ipaddress
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, ipv6, pcap

T0 = 1_700_000_000.0
ADMIN = ipaddress.IPv6Address("fe80::1").packed
ALL_NODES = ipaddress.IPv6Address("ff02::1").packed


def _host(k: int) -> bytes:
    return ipaddress.IPv6Address(f"fe80::{k + 2:x}").packed


def _all_nodes(rate: float, seconds: float, hosts: int = 40, start: float = 30.0):
    """The admin's echo requests to ff02::1, ``rate`` a second, each answered by ``hosts``."""
    frames = []
    for k in range(int(rate * seconds)):
        at = T0 + start + k / rate
        frames.append((at, ether(ipv6(ADMIN, ALL_NODES, 58, icmp(128, 0, bytes(56)), hlim=1), 0x86DD)))  # fmt: skip
        for h in range(hosts):
            reply = ipv6(_host(h), ADMIN, 58, icmp(129, 0, bytes(56)), hlim=64)
            frames.append((at + 0.0005 + h * 0.0001, ether(reply, 0x86DD)))
    return frames


def _report(path: Path, frames):
    chatter = [(T0 + s, ether(ipv6(ADMIN, _host(0), 58, icmp(135, 0, bytes(24)), hlim=255), 0x86DD)) for s in range(0, 60, 5)]  # fmt: skip
    path.write_bytes(pcap(sorted(frames + chatter, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def test_a_ping_to_all_nodes_is_answered(tmp_path) -> None:
    """Once a second for 8 s, 40 hosts answering: clean; and an IPv4 LAN's broadcast ping
    (ping -b, to 192.168.1.255 and its Ethernet broadcast) answered by 30 hosts too."""
    assert _vectors(_report(tmp_path / "v6.pcap", _all_nodes(1, 8))) == []
    frames = []
    for k in range(8):
        at = T0 + 30 + k
        request = ipv4("192.168.1.10", "192.168.1.255", 1, icmp(8, 0, bytes(56)))
        frames.append((at, b"\xff" * 6 + ether(request)[6:]))  # to the Ethernet broadcast
        for h in range(30):
            reply = ipv4(f"192.168.1.{100 + h}", "192.168.1.10", 1, icmp(0, 0, bytes(56)))
            frames.append((at + 0.001 + h * 0.0001, ether(reply)))
    assert _vectors(_report(tmp_path / "v4.pcap", frames)) == []


def test_a_smurf_trigger_is_no_ping(tmp_path) -> None:
    """The victim's address pinging ff02::1 2,000 times a second for 5 s (a smurf's spoofed
    trigger): 40 hosts' 80,000 replies a second are an ICMP flood on it. The price: at a
    ping's pace (2 a second), it is missed. (The trigger itself is a flood on the group.)"""
    flood = _report(tmp_path / "smurf.pcap", _all_nodes(2000, 5))
    assert _vectors(flood) == [("icmp_flood", ["fe80::1", "ff02::1"])]  # the trigger too
    assert _vectors(_report(tmp_path / "slow.pcap", _all_nodes(2, 20))) == []


def test_the_synthesized_scenario(tmp_path) -> None:
    """The admin's ping6 ff02::1 stays clean (an ICMP flood on fe80::1 before, at every seed and
    scale tried), in memory and over a dataset's windows."""
    report, _, _ = in_memory(tmp_path, "all-nodes-pings", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "all-nodes-pings", window_packets=500, scale=0.2)
    assert _vectors(report) == []
