"""The vector table is the one place a vector is defined: every row is consumed by the
classifier, the exports, the dissection and the synthesizer's vocabulary."""

from __future__ import annotations

import polars as pl
import pytest

from workbench import synth
from workbench.analysis.config import DEFAULT
from workbench.analysis.vector_table import (
    CONFIRMATIONS,
    PROTOCOL_NAMES,
    REFLECTION_SERVICES,
    RULES,
    VECTORS,
)
from workbench.analysis.vectors.kinds import UNLISTED
from workbench.analysis.vectors.rule_kernel import MATCHES, candidate_codes, candidate_series
from workbench.analysis.vectors.verdicts import MAXES, SUMS, confirmed
from workbench.capture.schema import PACKET_SCHEMA

FAMILIES = {"reflection", "tcp_state", "udp", "rate", "fragment", "http", "slow_http"}


def test_every_row_is_complete_and_named_once() -> None:
    assert len(RULES) == len(VECTORS)
    for rule in VECTORS:
        assert rule.family in FAMILIES and rule.confirm in CONFIRMATIONS, rule.name
        assert rule.match == "" or rule.match in MATCHES, rule.name
        assert rule.tag and rule.capec.startswith("CAPEC-") and rule.evidence, rule.name
        assert all(p in PROTOCOL_NAMES for p in rule.proto), rule.name
        assert all(isinstance(f, str) and f for f in rule.dissect), rule.name  # Wireshark fields
    # every reflection service port names one amplification vector
    for port, service in REFLECTION_SERVICES.items():
        assert port in RULES[f"{service}_amplification"].sport


def test_every_packet_rule_can_match_and_every_confirmation_is_judged() -> None:
    """One packet per row, built from the row's own fields, gets that row's name (or the name
    of a row of higher priority that the same header also fits)."""
    seen = set()
    names = [r.name for r in VECTORS]
    for rule in VECTORS:
        if rule.match == "connection":  # judged per connection (slow_http.py)
            continue
        row = {
            "ip_ver": 6 if rule.match == "ipv6_extension_headers" else 4,
            "proto": rule.proto[0] if rule.proto else (50 if rule.match == "other_protocol" else 17),
            "eff_sport": rule.sport[0] if rule.sport else 40000,
            "eff_dport": rule.dport[0] if rule.dport else 40001,
            "tcp_flags": rule.flags_value if rule.flags_mask else (0x01 if rule.match == "known_flags" else 0x18),
            "frag": 1 if rule.match == "fragment" else 0,
            "orphan_fragment": False,
            "_shared_port": rule.match == "shared_source_port",
            "payload_len": 100,
            "ip_len": 100 + 8 + (16 if rule.match == "ipv6_extension_headers" else 0),
            "cap_len": 200,
            "wire_len": 200,
        }  # fmt: skip
        types = {**PACKET_SCHEMA, "eff_sport": pl.UInt16, "eff_dport": pl.UInt16}
        packet = pl.DataFrame([row]).cast({k: v for k, v in types.items() if k in row})
        got = candidate_series(candidate_codes(packet)).item()
        assert got is not None and names.index(got) <= names.index(rule.name), (rule.name, got)
        seen.add(got)
    assert seen >= {r.name for r in VECTORS if r.match != "connection"} - {"dns_water_torture"}
    figures = {**dict.fromkeys((*SUMS, *MAXES), 0), "packets": 100, "orphans": 100, "talks": 1, "ports": 100,
               "sources": 500, "dst_ports": 100}  # fmt: skip
    stats = pl.DataFrame(
        {"dst": [1] * len(VECTORS), "candidate": [r.name for r in VECTORS],
         **{name: [value] * len(VECTORS) for name, value in figures.items()}},
        schema_overrides={"dst": pl.UInt128},
    )  # fmt: skip
    judged = confirmed(stats, DEFAULT)
    assert judged.height == len(VECTORS) and judged["ok"].null_count() == 0


BASE = {"ip_ver": 4, "proto": 6, "eff_sport": 40000, "eff_dport": 40001, "tcp_flags": 0x10,
        "frag": 0, "orphan_fragment": False, "_shared_port": False, "payload_len": 0,
        "ip_len": 40, "cap_len": 54, "wire_len": 54}  # fmt: skip
# packets whose vector is known from their headers alone (what the RFCs say they are)
KNOWN = [
    ({"ip_ver": 0}, None),  # not IP: never a candidate
    ({}, "ack_flood"),  # a bare ACK
    ({"tcp_flags": 0x00}, "tcp_other_flood"),  # a null segment whose flags byte was captured
    # flags 0 only because the snaplen cut the TCP header (Ethernet 14 + IP 20 + 4 of TCP)
    ({"tcp_flags": 0x00, "cap_len": 38, "wire_len": 60, "ip_len": 46}, None),
    ({"tcp_flags": 0x40}, "tcp_other_flood"),  # ECE alone: no segment's kind, flags captured
    ({"tcp_flags": 0x14, "eff_dport": 80, "payload_len": 10}, "rst_flood"),  # a RST, not a request
    ({"tcp_flags": 0x18, "eff_dport": 80, "payload_len": 10}, "http_flood"),
    ({"tcp_flags": 0x12}, "synack_reflection"),
    ({"tcp_flags": 0x02}, "syn_flood"),
    ({"tcp_flags": 0x03}, "tcp_other_flood"),  # SYN-FIN is no handshake
    ({"proto": 17, "eff_sport": 53, "payload_len": 500, "ip_len": 528}, "dns_amplification"),
    ({"proto": 17, "eff_sport": 53, "frag": 1}, "dns_amplification"),  # its first fragment
    # a fragment whose datagram is unknown is a fragment, whatever the port it was given
    ({"proto": 17, "eff_sport": 53, "frag": 2, "orphan_fragment": True}, "ip_fragment_flood"),
    (
        {"proto": 17, "eff_sport": None, "eff_dport": None, "frag": 2, "orphan_fragment": True},
        "ip_fragment_flood",
    ),
    ({"proto": 17, "eff_sport": 53, "eff_dport": None, "frag": 2}, "dns_amplification"),
    ({"proto": 17, "eff_dport": 53}, "dns_water_torture"),
    ({"proto": 17, "eff_sport": 60000, "_shared_port": True}, "udp_reflection"),
    ({"proto": 17}, "udp_flood"),
    # IPv6: 20 bytes beyond UDP's header and payload are extension headers; none are not
    ({"ip_ver": 6, "proto": 17, "payload_len": 10, "ip_len": 38}, "ipv6_extension_header_flood"),
    ({"ip_ver": 6, "proto": 17, "payload_len": 10, "ip_len": 18}, "udp_flood"),
    ({"ip_ver": 6, "proto": 58, "payload_len": 10, "ip_len": 48}, "icmp_flood"),
    # a chain of destination headers the snaplen cut: its upper layer is unknown, its headers not
    ({"ip_ver": 6, "proto": 60, "payload_len": 0, "ip_len": 1448}, "ipv6_extension_header_flood"),
    ({"proto": 1}, "icmp_flood"),
    ({"proto": 47}, "gre_flood"),
    # the protocols no other row names: ESP, OSPF, SCTP, an unassigned number
    ({"proto": 50}, "ip_protocol_flood"),
    ({"proto": 89}, "ip_protocol_flood"),
    ({"proto": 132}, "ip_protocol_flood"),
    ({"proto": 253}, "ip_protocol_flood"),
    ({"ip_ver": 6, "proto": 50, "payload_len": 10, "ip_len": 18}, "ip_protocol_flood"),
]


def test_known_headers_get_their_vector() -> None:
    types = {**PACKET_SCHEMA, "eff_sport": pl.UInt16, "eff_dport": pl.UInt16}
    packets = pl.DataFrame([{**BASE, **change} for change, _ in KNOWN])
    packets = packets.cast({k: v for k, v in types.items() if k in BASE})
    got = candidate_series(candidate_codes(packets)).to_list()
    assert got == [vector for _, vector in KNOWN]


def test_the_synthesizer_writes_only_vectors_of_the_table() -> None:
    assert set(synth.VOCABULARY) <= set(RULES)
    # every family of the table has a scenario that writes it
    assert {RULES[v].family for v in synth.VOCABULARY} == FAMILIES


def test_exports_take_protocols_tags_and_services_from_the_table(tmp_path) -> None:
    import workbench as wb
    from workbench.export.fingerprint_json import _vector_fp
    from workbench.export.stix_bundle import bundle as stix_bundle

    path = tmp_path / "v6.pcap"
    # scale 0.2: its ICMP flood comes from one host at 1,200/s at scale 1, 240/s here (at 0.1,
    # 120/s, below the single-source rate: one host at 100-150/s is the price of fast pings)
    synth.write("ipv6-floods", path, seed=5, scale=0.2)
    bundle = stix_bundle(wb.analyze(wb.load(path, progress=False)))
    traffic = [o for o in bundle.objects if o.type == "network-traffic"]
    by_vector = {o.x_workbench_vector: o for o in traffic}
    assert by_vector["icmp_flood"].protocols == ["ipv6", "icmp", "ipv6-icmp"]
    assert by_vector["syn_flood"].protocols == ["ipv6", "tcp"]
    v6 = {o.id for o in bundle.objects if o.type == "ipv6-addr"}
    assert by_vector["icmp_flood"].dst_ref in v6  # IPv6 targets are kept
    frame = pl.DataFrame(
        {"proto": [17] * 3, "frag": [0] * 3, "sport": [500] * 3, "dport": [80, 81, 82],
         "tcp_flags": [0] * 3, "wire_len": [300] * 3, "ts": [0, 1, 2], "src": [1, 2, 3],
         "ttl": [50] * 3, "icmp_type": [0] * 3},
        schema_overrides={"src": pl.UInt128, "ts": pl.Datetime("ns", "UTC")},
    )  # fmt: skip
    entry = _vector_fp(frame, "isakmp_amplification", 3)
    assert entry["service"] == "ISAKMP" and entry["source_port"] == 500
    flood = _vector_fp(frame, "udp_flood", 3)
    assert flood["service"] == "udp_flood" and flood["source_port"] == "random"


@pytest.mark.parametrize("figure", [0, 1, 10_000])
def test_a_reflection_is_judged_by_its_rate_only_from_few_reflectors(figure: int) -> None:
    """A reflection from ``min_sources_reflection`` reflectors or more is attack or not as a
    whole, whatever its other figures; from fewer, a named port's is judged by its rate (its
    bins are counted in a dataset's windows too: ``test_few_reflectors.py``), while an unlisted
    port's needs its crowd whatever its rate."""
    rows = [r.name for r in VECTORS if r.family == "reflection"]
    assert rows
    columns = (*SUMS, *MAXES, "sources", "dst_ports")  # every figure the tests read
    stats = pl.DataFrame(
        {"dst": [1] * len(rows), "candidate": rows, **{c: [figure] * len(rows) for c in columns}},
        schema_overrides={"dst": pl.UInt128},
    )
    judged = confirmed(stats, DEFAULT)
    few = figure < DEFAULT.min_sources_reflection
    expected = [few and name not in UNLISTED for name in judged["candidate"]]
    assert judged["rate_based"].to_list() == expected
    assert any(expected) is few
