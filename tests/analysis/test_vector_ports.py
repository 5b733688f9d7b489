"""A vector's ports are read from the packets that carry ports: ICMP, GRE and the non-first
fragments of a datagram have none, and the 0 the packet frame holds for them is no port. A
fragmented DNS amplification's top source port was "0" (its answers' pieces, 55-60 % of its
packets), beside the rule that names it by source port 53; an ICMP flood's ports were "0"."""

from __future__ import annotations

import json
import subprocess
from collections import Counter
from pathlib import Path

import pytest

import workbench as wb

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
PORTLESS = {"icmp_flood", "gre_flood"}  # protocols without ports


def _report(path: Path):
    return wb.analyze(wb.load(path, progress=False), progress=False)


@pytest.mark.parametrize(
    "name", ["mailprovider_2015.pcapng.gz", "reflection_mix.pcap", "fragments.pcap"]
)
def test_a_samples_ports_are_the_synthesizers(name) -> None:
    truth = json.loads((SAMPLES / f"{name.split('.')[0]}.truth.json").read_text())
    sent = {v["vector"]: v for v in truth["vectors"]}
    report = _report(SAMPLES / name)
    checked = 0
    for found in report.vectors:
        if found.vector not in sent:
            continue
        ports = sent[found.vector]
        if found.vector in PORTLESS:
            assert (found.src_ports, found.dst_ports) == ((), ())
            assert found.evidence.distinct_dst_ports == 0
        if ports["src_ports"]:  # a reflection's service port
            assert found.src_ports[0] == ports["src_ports"][0]
            assert found.evidence.top_src_port_share >= 0.95
        if ports["dst_ports"]:
            assert found.dst_ports[0] == ports["dst_ports"][0]
        named = {*ports["src_ports"], *ports["dst_ports"]}
        assert 0 not in {*found.src_ports, *found.dst_ports} - named
        checked += 1
    assert checked >= 3


def _udp_ports(tshark: str, path: Path, target: str) -> Counter:
    """(source port, destination port) of the UDP datagrams tshark decodes toward ``target``
    (each fragmented one once, as its first fragment: not reassembled)."""
    out = subprocess.run(
        [tshark, "-r", str(path), "-o", "ip.defragment:FALSE", "-Y", f"ip.dst=={target} && udp",
         "-T", "fields", "-e", "udp.srcport", "-e", "udp.dstport"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return Counter(tuple(int(p) for p in line.split()) for line in out.splitlines() if line)


def test_a_real_fragmented_dns_amplification_names_port_53(shared_captures, tshark) -> None:
    path = shared_captures / "amp.dns.RRSIG.fragmented.pcap"
    [(sport, dport)] = [pair for pair, _ in _udp_ports(tshark, path, "10.10.10.10").most_common(1)]
    assert sport == 53
    [found] = [v for v in _report(path).vectors if v.vector == "dns_amplification"]
    assert found.evidence.fragments > 0  # its answers come in pieces
    assert (found.src_ports, found.dst_ports) == ((sport,), (dport,))
    assert found.evidence.top_src_port_share == 1.0
    assert found.evidence.distinct_dst_ports == 1


def test_a_real_flood_to_udp_port_0_keeps_its_port(shared_captures, tshark) -> None:
    # port 0 carried by UDP is a port (a null flood's): only a packet without ports has none
    path = shared_captures / "doup123__attacker__udp__flood.pcap"
    pairs = _udp_ports(tshark, path, "172.16.1.2")
    assert {dport for _, dport in pairs} == {0}
    [found] = [v for v in _report(path).vectors if v.vector == "udp_flood"]
    assert found.dst_ports == (0,)
