"""A crowd at a trickle is no flood as a whole. Segments on no connection from 20 hosts or more
were an attack at any rate: a server's idle clients each resetting one connection (150 RSTs in a
minute) were an RST flood. A crowd's stray segments are one as a whole only at ``min_rate_pps``
(20 a second) or more over the capture; under that they are judged by their rate, which finds a
flood in a long capture by its hot bins. A crowd's SYNs stay one at any rate (each holds a
half-open connection: ``test_syn_scanners.py``)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
SERVER = "192.0.2.20"
SYN, SYNACK, ACK, PSH, RST = 0x02, 0x12, 0x10, 0x18, 0x04


def _seg(at: float, client: str, sport: int, flags: int, size: int = 0, *, back: bool = False):
    if back:
        return at, ether(ipv4(SERVER, client, 6, tcp(443, sport, flags, bytes(size))))
    return at, ether(ipv4(client, SERVER, 6, tcp(sport, 443, flags, bytes(size))))


def _visitors(seconds: int = 60):
    """A visitor's whole connection every second: handshake, request, answer, close."""
    frames = []
    for k in range(seconds):
        client, at = f"10.9.{k // 250}.{k % 250 + 1}", T0 + k + 0.5
        for dt, flags, size, back in ((0, SYN, 0, False), (0.01, SYNACK, 0, True), (0.02, ACK, 0, False), (0.021, PSH, 300, False), (0.05, PSH, 900, True), (0.06, 0x11, 0, False), (0.07, 0x11, 0, True), (0.08, ACK, 0, False)):  # fmt: skip
            frames.append(_seg(at + dt, client, 50_000, flags, size, back=back))
    return frames


def _report(path: Path, frames):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def test_idle_clients_resetting_are_no_rst_flood(tmp_path) -> None:
    """150 clients each send one bare RST on a connection opened before the capture, in a
    minute of visitors: clean, held back by its rate."""
    rng = random.Random(1)
    frames = _visitors() + [_seg(T0 + rng.uniform(0, 60), f"10.8.{c // 250}.{c % 250 + 1}", 40_000 + c, RST) for c in range(150)]  # fmt: skip
    report = _report(tmp_path / "rst.pcap", frames)
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "rst_flood"]
    assert held.held_back_by.startswith("rate_factor"), held.held_back_by


def test_a_crowds_flood_in_a_long_capture_is_found_by_its_rate(tmp_path) -> None:
    """200 hosts' RSTs at 2,000 a second for 5 s in a 10-minute capture (16.7 a second over it,
    under the whole test's floor): found in its hot bins; the same crowd's SYNs too."""
    frames = _visitors(600)
    for kind, start, port in ((RST, 100, 1024), (SYN, 300, 20_000)):  # apart: no 4-tuple holds both
        frames += [_seg(T0 + start + k / 2000, f"172.20.0.{k % 200 + 1}", port + k % 10_000, kind) for k in range(10_000)]  # fmt: skip
    report = _report(tmp_path / "long.pcap", frames)
    assert sorted(_vectors(report)) == [("rst_flood", [SERVER]), ("syn_flood", [SERVER])]


def test_the_synthesized_scenario(tmp_path) -> None:
    """300 clients' resets over a minute stay clean (an RST flood before, at every seed and
    scale tried); the TCP state floods are found as before."""
    from scenario_windows import in_memory

    report, _, _ = in_memory(tmp_path, "idle-client-resets", seed=11, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = in_memory(tmp_path, "tcp-state-floods", seed=11, scale=0.2)
    assert {v for v, _ in _vectors(report)} >= {"syn_flood", "ack_flood", "rst_flood"}
