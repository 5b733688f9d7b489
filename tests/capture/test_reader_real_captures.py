"""The real attack captures: packet counts from their README, and field-by-field agreement with tshark."""

from __future__ import annotations

import pytest

import workbench as wb
from workbench.capture.crosscheck import crosscheck
from workbench.evaluation import default_captures

# file -> (packets, format by magic) as capinfos reports them (shared/captures/README.md)
EXPECTED = {
    "amp.dns.RRSIG.fragmented.pcap": (4412, "pcap"),
    "amp.UDP.snmp.src161.pcapng": (4373, "pcap"),
    "amp.UDP.isakmp.pcap": (3984, "pcap"),
    "amp.TCP.reflection.SYNACK.pcap": (8000, "pcap"),
    "amp.TCP.syn.optionallyACK.optionallysamePort.pcapng": (896, "pcap"),
    "pkt.TCP.synflood.spoofed.pcap": (37841, "pcap"),
    "nladc.ssdp-dns-reflection.2014-12-29.pcap": (4200, "pcap"),
    "nladc.http-flood.AnonymousDoS-10s-3.pcapng": (6339, "pcapng"),
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_real_capture_counts_and_format(shared_captures, name: str) -> None:
    cap = wb.load(shared_captures / name)
    packets, fmt = EXPECTED[name]
    meta = cap.meta.files[0]
    assert (cap.packets.height, meta.format, meta.link_types) == (packets, fmt, [1])
    assert meta.packets == packets and not meta.warnings
    assert len(meta.sha256) == 64


def test_real_capture_first_timestamp(shared_captures) -> None:
    cap = wb.load(shared_captures / "pkt.TCP.synflood.spoofed.pcap")
    assert cap.meta.to_dict()["start"].startswith("2021-04-28T10:30:21")


def _every_capture() -> list[str]:
    """Every capture ``expected.tsv`` lists (the attacks and the benign ones), else the eight
    above (the test then skips with the folder)."""
    table = default_captures() / "expected.tsv"
    if not table.is_file():
        return sorted(EXPECTED)
    rows = [line.split("\t")[0] for line in table.read_text().splitlines()[1:] if line.strip()]
    return sorted(rows)


@pytest.mark.parametrize("name", _every_capture())
def test_fast_reader_agrees_with_tshark_on_every_packet(shared_captures, tshark, name: str) -> None:
    mismatches = crosscheck(shared_captures / name, n=None)
    assert mismatches.is_empty(), mismatches.head(20)


def test_tshark_engine_builds_the_same_frame(shared_captures, tshark) -> None:
    path = shared_captures / "amp.UDP.isakmp.pcap"
    fast = wb.load(path).packets
    slow = wb.load(path, engine="tshark")
    assert slow.meta.engine == "tshark"
    assert slow.packets.drop("payload_len").equals(fast.drop("payload_len"))
