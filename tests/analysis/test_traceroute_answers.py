"""A host that traces paths is answered by ICMP errors. Linux traceroute sends 16 probes at a
time (UDP from 33434 up, three a TTL): the routers' time exceeded and the destination's port
unreachable, 30-60 of them from as many routers, come back within a tenth of a second, which in a
capture with no other ICMP was a crowd's jump over nothing, an ICMP flood on the tracing host.
ICMP errors to a host that sent one destination packets at 3 TTLs or more of at most 30 are now
asked for (``_traced``: ``probe_min_ttls``, ``probe_ttl_max``), as echo replies to a host that
pinged. The price: a flood of ICMP errors at a host that traces is missed."""

from __future__ import annotations

import sys
from pathlib import Path

from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap, udp

T0 = 1_700_000_000.0
WORKSTATION = "192.168.1.20"


def _trace(start: float, dst: str, hops: int = 18, *, echo: bool = False):
    """One trace to ``dst``: three probes a TTL from 1 to ``hops``, 16 at a time (UDP to 33434
    and up; with ``echo``, ICMP echo requests as Windows tracert sends), each answered by the
    router it expires on (time exceeded) or by ``dst`` (port unreachable, or an echo reply)."""
    frames = []
    for k in range(3 * hops):
        ttl, at = k // 3 + 1, start + k // 16 * 0.03 + k * 0.0005
        if echo:
            probe = ipv4(WORKSTATION, dst, 1, icmp(8, 0, bytes(32)), ttl=ttl)
        else:
            probe = ipv4(WORKSTATION, dst, 17, udp(43_000, 33_434 + k, bytes(32)), ttl=ttl)
        frames.append((at, ether(probe)))
        quote = ipv4(WORKSTATION, dst, 17, udp(43_000, 33_434 + k, bytes(32)), ttl=1)[:28]
        last = ttl == hops
        kind, code = (0 if echo else 3, 0 if echo else 3) if last else (11, 0)
        src = dst if last else f"100.64.{ttl}.1"
        frames.append((at + 0.002 * ttl, ether(ipv4(src, WORKSTATION, 1, icmp(kind, code, quote), ttl=250))))  # fmt: skip
    return frames


def _errors(rate: float, start: float, seconds: float, target: str, sources: int = 200):
    """A botnet's ICMP time exceeded to ``target``, ``rate`` a second."""
    n = int(rate * seconds)
    return [(T0 + start + k / rate, ether(ipv4(f"198.18.0.{k % sources + 1}", target, 1, icmp(11, 0, bytes(28))))) for k in range(n)]  # fmt: skip


def _report(path: Path, frames):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def _traces(echo: bool = False):
    dests = ["8.8.8.8", "1.1.1.1", "9.9.9.9", "208.67.222.222"]
    return [f for r, dst in enumerate(dests) for f in _trace(T0 + 5 + 12 * r, dst, echo=echo)]


def test_a_hosts_traces_are_answered(tmp_path) -> None:
    """Four traces 12 s apart in a minute, by UDP probes and by echoes (tracert), are clean."""
    for echo in (False, True):
        lookup = (T0 + 59, ether(ipv4(WORKSTATION, "8.8.8.8", 17, udp(5000, 53, bytes(30)))))
        frames = [*_traces(echo), lookup]
        assert _vectors(_report(tmp_path / f"traces-{echo}.pcap", frames)) == []


def test_a_flood_of_icmp_errors_is_still_found(tmp_path) -> None:
    """200 hosts' time exceeded at 5,000 a second for 10 s at a host that does not trace is an
    ICMP flood; the price: at the workstation that traces, it is missed."""
    frames = _traces() + _errors(5000, 20, 10, "192.168.1.30")
    assert _vectors(_report(tmp_path / "other.pcap", frames)) == [("icmp_flood", ["192.168.1.30"])]
    frames = _traces() + _errors(5000, 20, 10, WORKSTATION)
    assert _vectors(_report(tmp_path / "tracer.pcap", frames)) == []


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The workstation's traces stay clean (an ICMP flood on it before, at every seed and
    scale tried); a BlackNurse-like flood of unreachables at the firewall amid them is found."""
    report, _, _ = in_memory(tmp_path, "workstation-traceroutes", seed=11, scale=0.2)
    assert _vectors(report) == []
    name = "unreachable-flood-amid-traceroutes"
    report, recall, precision = in_memory(tmp_path, name, "icmp_flood", seed=11, scale=0.2)
    assert _vectors(report) == [("icmp_flood", ["203.0.113.1"])]
    assert recall >= 0.99 and precision >= 0.99


def test_over_a_datasets_windows_too(tmp_path) -> None:
    """Over a dataset's windows, a window holding a trace's answers holds its probes."""
    report, _, _ = over_windows(tmp_path, "workstation-traceroutes", window_packets=600, scale=0.2)
    assert _vectors(report) == []
    report, _, _ = over_windows(tmp_path, "unreachable-flood-amid-traceroutes",
                                window_packets=20_000, scale=0.2)  # fmt: skip
    assert _vectors(report) == [("icmp_flood", ["203.0.113.1"])]
