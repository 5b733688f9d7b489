"""A LAN's neighbor discovery is its own housekeeping. When a switch or a router comes back,
every IPv6 host of the link solicits its router and its neighbors at once (RFC 4861: router
solicitations, neighbor solicitations for duplicate address detection and for the router's
address, each answered by an advertisement): 150 hosts' probes within 3 s, 50 a second to
fe80::1 from nothing in between, were an ICMP flood on the router. A target whose packets of a
kind are mostly neighbor discovery on its own link (hop limit 255, which no routed packet keeps)
is now judged as a group address is: a jump over its own rate is a flood only at its kind's
flood rate (500 ICMP packets a second). The price: a neighbor discovery flood under that rate is
missed. Off the link (a lower hop limit) the same messages are judged as any ICMP."""

from __future__ import annotations

import ipaddress
import random
import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv6, pcap

T0 = 1_700_000_000.0
ROUTER = "fe80::1"


def _a(text: str) -> bytes:
    return ipaddress.IPv6Address(text).packed


def _nd(src: str, dst: str, kind: int, target: str, *, hlim: int = 255) -> bytes:
    """An ICMPv6 neighbor discovery message (RS 133, NS 135, NA 136) with its target address."""
    body = (b"\xe0\x00\x00\x00" if kind == 136 else bytes(4)) + (_a(target) if kind != 133 else b"")
    return ether(ipv6(_a(src), _a(dst), 58, icmp(kind, 0, body), hlim=hlim), 0x86DD)


def _restart(hosts: int = 150, within: float = 3.0, seconds: int = 60):
    """The link back at T0 + 20: each host sends duplicate address detection to its
    solicited-node group, a router solicitation, then a neighbor solicitation of the router
    (twice, 1 s apart), which answers each with an advertisement."""
    rng = random.Random(3)
    frames = []
    for h in range(hosts):
        me = f"fe80::{h + 0x100:x}"
        at = T0 + 20 + rng.uniform(0, within)
        frames.append((at, _nd("::", f"ff02::1:ff00:{h + 0x100:x}", 135, me)))
        frames.append((at + 0.4, _nd(me, "ff02::2", 133, "::")))
        for k in range(2):
            frames.append((at + 0.5 + k, _nd(me, ROUTER, 135, ROUTER)))
            frames.append((at + 0.501 + k, _nd(ROUTER, me, 136, ROUTER)))
    # the router's own periodic advertisements, before and after
    frames += [(T0 + s, _nd(ROUTER, "ff02::1", 134, "::")) for s in range(0, seconds, 10)]
    return frames


def _report(path: Path, frames):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def _spoofed(rate: float, seconds: float = 10.0, *, hlim: int = 255, kind: int = 135):
    """Neighbor solicitations of the router from random link-local sources (THC's
    flood_solicitate6), at ``rate`` a second for ``seconds``."""
    n = int(rate * seconds)
    return [(T0 + 30 + k / rate, _nd(f"fe80::{k % 60000 + 1:x}:{k % 7 + 1:x}", ROUTER, kind, ROUTER, hlim=hlim))
            for k in range(n)]  # fmt: skip


def test_a_links_restart_is_no_flood(tmp_path) -> None:
    """150 hosts soliciting their router within 3 s (and again a second later) are clean, held
    back as the link's neighbor discovery under the ICMP flood rate."""
    report = _report(tmp_path / "restart.pcap", _restart())
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "icmp_flood" and h.target == ROUTER]
    assert held.held_back_by == "rate_factor, neighbor_discovery"
    assert 20 <= held.figure <= 150
    assert "neighbor discovery on its own link" in held.reason, held.reason


def test_neighbor_discovery_floods_are_found_at_the_icmp_flood_rate(tmp_path) -> None:
    """Spoofed solicitations at 3,000 a second for 10 s amid the restart are an ICMP flood on the
    router; the price: at 300 a second they are missed."""
    report = _report(tmp_path / "fast.pcap", _restart() + _spoofed(3000))
    assert _vectors(report) == [("icmp_flood", [ROUTER])]
    report = _report(tmp_path / "slow.pcap", _restart() + _spoofed(300))
    assert _vectors(report) == []


def test_off_the_link_they_are_any_icmp(tmp_path) -> None:
    """The same solicitations at 300 a second arriving with a hop limit of 64 (routed: no
    neighbor's) are an ICMP flood as before, and so are echo requests from a crowd at that
    rate."""
    report = _report(tmp_path / "routed.pcap", _restart() + _spoofed(300, hlim=64))
    assert _vectors(report) == [("icmp_flood", [ROUTER])]
    echoes = [(T0 + 30 + k / 300, ether(ipv6(_a(f"2001:db8::{k % 40 + 1:x}"), _a(ROUTER), 58, icmp(128, 0, bytes(16)), hlim=255), 0x86DD))
              for k in range(3000)]  # fmt: skip
    report = _report(tmp_path / "echoes.pcap", _restart() + echoes)
    assert _vectors(report) == [("icmp_flood", [ROUTER])]


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The restart of a LAN of 150 IPv6 hosts stays clean (an ICMP flood on its router before,
    at every seed and scale tried); the spoofed solicitations amid it are found."""
    report, _, _ = in_memory(tmp_path, "ipv6-link-restart", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, recall, _ = in_memory(
        tmp_path, "nd-flood-amid-link-restart", "icmp_flood", seed=11, scale=0.2
    )
    assert _vectors(report) == [("icmp_flood", ["fe80::1"])]
    assert recall >= 0.95


def test_over_a_datasets_windows_too(tmp_path) -> None:
    report, _, _ = over_windows(tmp_path, "ipv6-link-restart", window_packets=700, scale=0.2)
    assert _vectors(report) == []
