"""The analysis on the real captures, on the bundled story, and on degenerate input."""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest
from pcap_bytes import one_packet_pcap

import workbench as wb
from workbench.analysis import parse_rate

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"

# file -> (vectors that must be found, target)
REAL = {
    "amp.dns.RRSIG.fragmented.pcap": ({"dns_amplification"}, "10.10.10.10"),
    "amp.UDP.snmp.src161.pcapng": ({"snmp_amplification"}, "10.10.10.10"),
    "amp.UDP.isakmp.pcap": ({"isakmp_amplification"}, "10.10.10.10"),
    "amp.TCP.reflection.SYNACK.pcap": ({"synack_reflection"}, "10.10.10.10"),
    "amp.TCP.syn.optionallyACK.optionallysamePort.pcapng": ({"synack_reflection"}, "10.10.10.10"),
    "pkt.TCP.synflood.spoofed.pcap": ({"syn_flood"}, "10.10.10.10"),
    "nladc.ssdp-dns-reflection.2014-12-29.pcap": ({"ssdp_amplification"}, "172.31.28.132"),
    "nladc.http-flood.AnonymousDoS-10s-3.pcapng": ({"http_flood"}, "192.168.0.100"),
}


@pytest.mark.parametrize("name", sorted(REAL))
def test_real_capture_vectors_and_targets(shared_captures, name: str) -> None:
    report = wb.analyze(wb.load(shared_captures / name))
    expected, target = REAL[name]
    found = {v["vector"] for v in report.vectors}
    assert expected <= found, found
    assert report.targets[0].get("address") == target
    assert any(p["kind"] == "attack" for p in report.phases)


def test_real_dns_fragments_count_as_amplification(shared_captures) -> None:
    report = wb.analyze(wb.load(shared_captures / "amp.dns.RRSIG.fragmented.pcap"))
    dns = next(v for v in report.vectors if v["vector"] == "dns_amplification")
    assert dns["evidence"]["fragments"] > 800  # non-first fragments attributed to their datagram
    frame = report.packets
    bulk = frame.filter(pl.col("src").ip.to_text() == "24.132.150.54")
    assert (
        bulk.height > 1000 and bulk["vector"].null_count() >= 0.99 * bulk.height
    )  # background stays legit


def test_real_spoofed_synflood_verdict(shared_captures) -> None:
    report = wb.analyze(wb.load(shared_captures / "pkt.TCP.synflood.spoofed.pcap"))
    verdict = next(
        p for p in report.sources["spoofing"]["per_vector"] if p["vector"] == "syn_flood"
    )
    assert verdict["verdict"] == "spoofed" and verdict["unique_sources"] > 30000


def test_ssdp_victim_dns_is_not_an_attack(shared_captures) -> None:
    report = wb.analyze(wb.load(shared_captures / "nladc.ssdp-dns-reflection.2014-12-29.pcap"))
    assert "dns_amplification" not in {v["vector"] for v in report.vectors}


def test_mailprovider_sample_tells_its_story() -> None:
    """Mail servers first, a pause, the datacenter carpet-bombed, the upstream routers, then scrubbing."""
    report = wb.analyze(wb.load(SAMPLES / "mailprovider_2015.pcapng.gz"), link_capacity="3M")
    kinds = [p["kind"] for p in report.phases]
    assert kinds == ["baseline", "attack", "baseline", "attack", "attack", "mitigated"]
    first, carpet, upstream, mitigated = (report.phases[i] for i in (1, 3, 4, 5))
    assert set(first["vectors"]) == {"dns_amplification", "ntp_amplification"}
    assert set(first["targets"]) == {"203.0.113.10", "203.0.113.11"}  # the mail servers
    assert carpet["targets"] == ["203.0.113.0/24"] and set(carpet["vectors"]) == {
        "syn_flood",
        "udp_flood",
    }
    assert all(
        t.startswith("198.51.100.") for t in upstream["targets"]
    )  # the upstream ISP's routers
    assert mitigated["peak_bps"] < 0.3 * upstream["peak_bps"]
    truth = json.loads((SAMPLES / "mailprovider_2015.truth.json").read_text())
    assert report.saturation["capacity_bps"] == truth["capacity_bps"]
    assert report.saturation["intervals"], "the first wave saturates the link"
    assert report.capture["drops"] == truth["drops"]
    spoof = {p["vector"]: p["verdict"] for p in report.sources["spoofing"]["per_vector"]}
    assert spoof["syn_flood"] == "spoofed" and spoof["dns_amplification"] == "reflected"
    assert "203.0.113.0/24" in [t.get("prefix") for t in report.targets]


def test_empty_capture_gives_an_empty_report(tmp_path) -> None:
    path = tmp_path / "empty.pcap"
    path.write_bytes(one_packet_pcap()[:24])
    report = wb.analyze(wb.load(path), link_capacity="1G")
    data = json.loads(report.to_json())
    assert data["phases"] == [] and data["vectors"] == [] and data["targets"] == []
    assert data["capture"]["packets"] == 0


def test_one_packet_and_no_ip(tmp_path) -> None:
    path = tmp_path / "one.pcap"
    path.write_bytes(one_packet_pcap())
    report = wb.analyze(wb.load(path))
    assert [p["kind"] for p in report.phases] == ["baseline"] and report.vectors == ()
    arp = tmp_path / "arp.pcap"
    arp.write_bytes(one_packet_pcap(ethertype=0x0806))
    assert wb.analyze(wb.load(arp)).vectors == ()


def test_no_attack_gives_only_baseline() -> None:
    frame = wb.load(SAMPLES / "mailprovider_2015.pcapng.gz").packets
    quiet = frame.filter(pl.col("ts") < pl.col("ts").min() + pl.duration(seconds=55))
    report = wb.analyze(quiet)
    assert [p["kind"] for p in report.phases] == ["baseline"] and report.vectors == ()


@pytest.mark.parametrize(
    "text, bps",
    [
        ("10G", 10e9),
        ("10Gbit/s", 10e9),
        ("2.5M", 2.5e6),
        ("100 Mbps", 100e6),
        ("1e9", 1e9),
        (5e8, 5e8),
    ],
)
def test_link_capacity_forms(text, bps) -> None:
    assert parse_rate(text) == bps


def test_link_capacity_error_names_input() -> None:
    with pytest.raises(wb.ParameterError, match="ten gigs"):
        parse_rate("ten gigs")
