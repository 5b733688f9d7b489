"""A sweep is no carpet bombing: a scanner (nmap -sn, masscan, zmap, an internet scanner's
UDP probes) sends each address of a prefix one probe of a kind, however fast, while a carpet
bombing hits every address again and again. A prefix is a flood's target only where its median
host takes more than ``carpet_min_packets_per_host`` (3) packets of that kind. Before, a sweep
of a /22 at 4,000 probes a second was an ICMP and an ACK flood on each of its /24s, and one of
a /24 with DNS, NTP, SNMP and SSDP probes a UDP flood and water torture."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench import synth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap, udp

T0 = 1_700_000_000.0
PER_HOST_ANY = wb.AnalysisConfig(carpet_min_packets_per_host=0)  # the rule switched off


def _report(path: Path, config: wb.AnalysisConfig | None = None):
    return wb.analyze(wb.load(path, progress=False), config=config or wb.AnalysisConfig(),
                      progress=False)  # fmt: skip


def _carpet(path: Path, per_host: int, rate: float = 2000.0) -> None:
    """A UDP flood over 203.0.113.0/24 from 50 hosts, random ports, ``per_host`` datagrams to
    each of its 254 addresses, at ``rate`` a second (a carpet bombing seen for 0.1-0.8 s)."""
    frames = []
    for i in range(254 * per_host):
        src, dst = f"198.51.100.{i % 50 + 1}", f"203.0.113.{i % 254 + 1}"
        frames.append((T0 + i / rate, ether(ipv4(src, dst, 17, udp(40000 + i % 3000, 80 + i % 400, bytes(64))))))  # fmt: skip
    path.write_bytes(pcap(frames))


def _sweeps(path: Path, icmp_path: Path, scanners: int = 1) -> None:
    """``icmp_path``: one host (or ``scanners`` in turn) pings 20,000 addresses of 10.20.0.0/16
    once each, 2,000 a second (10 s); ``path``: another (or others) sends an NTP client request
    to 40,000 of 10.30.0.0/16, 5,000 a second (8 s), as an internet scanner probes for NTP
    servers."""
    ntp = bytes([0x23]) + bytes(47)
    pings = [(T0 + i / 2000, ether(ipv4(f"192.0.2.{9 + i % scanners}", f"10.20.{i // 254}.{i % 254 + 1}", 1, icmp(8, 0, bytes(8)))))
             for i in range(20000)]  # fmt: skip
    icmp_path.write_bytes(pcap(pings))
    probes = [(T0 + i / 5000, ether(ipv4(f"198.18.0.{7 + i % scanners}", f"10.30.{i // 256 % 256}.{i % 256}", 17, udp(40000 + i % 1000, 123, ntp))))
              for i in range(40000)]  # fmt: skip
    path.write_bytes(pcap(probes))


@pytest.mark.parametrize("scanners", [1, 60])
@pytest.mark.parametrize(("which", "vector"), [("icmp", "icmp_flood"), ("udp", "udp_flood")])
def test_sweeps_of_prefixes_are_no_carpet_bombing(tmp_path, which, vector, scanners) -> None:
    """One scanner's sweep is no prefix's flood twice over (a prefix's flood is also a crowd's:
    ``test_prefix_monitoring.py``); 60 scanners' sweep of the same addresses is kept clean by
    this rule alone (20 scanners' ICMP sweep was, before a crowd's jump on a prefix had to hold
    without its 19 busiest senders; now both rules keep it clean)."""
    udp_path, icmp_path = tmp_path / "ntp_sweep.pcap", tmp_path / "ping_sweep.pcap"
    _sweeps(udp_path, icmp_path, scanners)
    path = icmp_path if which == "icmp" else udp_path
    report = _report(path)
    assert not report.vectors and all(p["kind"] == "baseline" for p in report.phases)
    cried = {v["vector"]: v["targets"] for v in _report(path, PER_HOST_ANY).vectors}
    if scanners == 1:
        assert cried == {}
        return
    # the rule is what keeps a crowd's sweep clean: without it, /24s swept are a flood's targets
    assert list(cried) == [vector] and all(t.endswith(".0/24") for t in cried[vector])


@pytest.mark.parametrize(("per_host", "found"), [(3, False), (4, True), (8, True)])
def test_a_carpet_bombing_is_found_when_it_hits_each_host_more_than_three_times(tmp_path, per_host, found) -> None:  # fmt: skip
    """The price: a carpet bombing seen so briefly that its hosts took three packets each."""
    path = tmp_path / "carpet.pcap"
    _carpet(path, per_host)
    vectors = {v["vector"]: v["targets"] for v in _report(path).vectors}
    assert vectors == ({"udp_flood": ["203.0.113.0/24"]} if found else {})


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_network_sweeps_scenario_stays_clean(tmp_path, scale) -> None:
    path = tmp_path / "sweeps.pcap"
    truth = synth.write("network-sweeps", path, seed=3, scale=scale)
    assert not truth["vectors"]
    report = _report(path)
    assert not report.vectors and all(p["kind"] == "baseline" for p in report.phases)
    # each sweep is one scanner's: clean without this rule too (a prefix's flood is a crowd's);
    # a crowd's sweep needs it (``test_sweeps_of_prefixes_are_no_carpet_bombing``)
    assert not _report(path, PER_HOST_ANY).vectors


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_carpet_bombing_scenario_is_still_found_on_its_prefix(tmp_path, scale) -> None:
    path = tmp_path / "carpet.pcap"
    truth = synth.write("carpet-bombing", path, seed=3, scale=scale)
    report = _report(path)
    for v in truth["vectors"]:
        found = {x["vector"]: x["targets"] for x in report.vectors}
        assert found.get(v["vector"]) == v["targets"], (v, found)
