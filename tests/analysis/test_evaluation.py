"""The evaluation (``make evaluate``) as a test: every real capture of ``expected.tsv`` and every
synthesized scenario, attacks and benign, two seeds; every row must pass, every report must
tell one story."""

from __future__ import annotations

import ipaddress

import polars as pl
import pytest

import workbench as wb
from workbench import evaluation, synth
from workbench.capture import addresses


@pytest.fixture(scope="module")
def synthesized_rows() -> list[evaluation.Row]:
    return evaluation.evaluate(None, synthesized=True, seeds=evaluation.SEEDS)


def test_real_captures_each_give_what_expected_tsv_says(shared_captures) -> None:
    rows = evaluation.evaluate(shared_captures, synthesized=False)
    print(evaluation.table(rows))
    assert len(rows) >= 21
    assert [r for r in rows if not r.ok] == []
    assert {r.kind for r in rows} == {"attack", "benign"}
    # every benign capture judged whole and one way
    benign = [r for r in rows if r.kind == "benign" and not r.variant]
    assert sum(r.one_way for r in benign) * 2 == len(benign) > 0
    # and every capture another way: every other packet, in IPv6 (an IPv4 capture), an attack
    # amid two benign captures, a UDP reflection with its service on an unlisted port
    whole = [r for r in rows if not r.one_way and not r.variant]
    ways = {r.name.split(" (", 1)[0]: set() for r in whole}
    for r in rows:
        if r.variant:
            ways[r.name.split(" (", 1)[0]].add(r.variant[0])
    assert all("every other packet" in found for found in ways.values())
    attacks = {r.name for r in whole if r.kind == "attack"}
    assert all({"every other packet", "amid"} <= ways[name] for name in attacks)
    assert sum("port moved" in ways[name] for name in attacks) >= 4  # the UDP reflections
    assert sum("in IPv6" in found for found in ways.values()) >= 15
    # judged in two processes (make evaluate): the same rows, in the same order
    assert evaluation.evaluate(shared_captures, synthesized=False, workers=2) == rows


def test_one_way_keeps_every_packet_toward_the_busiest_host_and_none_from_it(tmp_path) -> None:
    path = tmp_path / "burst.pcap"
    synth.write("browser-burst", path, seed=3, scale=0.2)
    packets = wb.load(path, progress=False).packets
    kept, host = evaluation.toward_busiest(packets)
    peers = packets.group_by("src").agg(pl.col("dst").n_unique())["dst"]
    assert packets.filter(pl.col("src") == host)["dst"].n_unique() == peers.max()
    assert kept.height == packets.filter(pl.col("src") != host).height > 0
    assert kept.filter(pl.col("dst") == host).height == packets.filter(pl.col("dst") == host).height


def test_one_way_keeps_the_packets_toward_a_link_local_host(shared_captures) -> None:
    # a link-local host (fe80::/10) is a number above 2^127: once an OverflowError
    path = shared_captures / "OISF__suricata-verify__denial6-5.pcap"
    packets = wb.load(path, progress=False).packets
    host = int(ipaddress.ip_address("fe80::6600:6aff:fe5b:8eb3"))
    mine = packets.filter(
        (pl.col("src") == pl.lit(host, pl.UInt128)) | (pl.col("dst") == pl.lit(host, pl.UInt128))
    )
    kept, busiest = evaluation.toward_busiest(mine)
    assert busiest == host
    assert kept.height == (mine["dst"] == host).sum() > 0


def test_every_synthesized_scenario_passes(synthesized_rows) -> None:
    print(evaluation.table(synthesized_rows))
    scenarios = {name for name in synth.SCENARIOS if name not in evaluation.NOT_EVALUATED}
    assert len(synthesized_rows) == 2 * len(scenarios)
    kinds = {r.kind for r in synthesized_rows}
    assert kinds == {"attack", "benign"}  # positives and negatives both
    assert [r for r in synthesized_rows if not r.ok] == []


def test_a_false_alarm_and_a_miss_fail_their_rows(tmp_path) -> None:
    """The judge itself: an attack capture judged as benign fails, and a benign one judged
    as an attack on the wrong target fails."""
    path = tmp_path / "s.pcap"
    truth = synth.write("subsecond-burst", path, seed=3, scale=0.2)
    report = wb.analyze(wb.load(path, progress=False))
    ok, problems = evaluation.judge(report, "benign", [])
    assert not ok and any(p.startswith("false alarm") for p in problems)
    ok, problems = evaluation.judge(report, "attack", [("syn_flood", "192.0.2.1")])
    assert not ok and problems == ["syn_flood not on 192.0.2.1"]
    target = truth["vectors"][0]["targets"][0]
    assert evaluation.judge(report, "attack", [("syn_flood", target)]) == (True, [])


def test_invariants_catch_a_report_that_contradicts_itself(tmp_path) -> None:
    path = tmp_path / "s.pcap"
    synth.write("subsecond-burst", path, seed=4, scale=0.2)
    report = wb.analyze(wb.load(path, progress=False))
    assert evaluation.invariant_failures(report) == []
    data = report.to_dict()
    for phase in data["phases"]:  # the contradiction the issue saw: vectors, but all baseline
        phase["kind"] = "baseline"
    found = evaluation.invariant_failures(wb.Report.from_dict(data))
    assert any("has no attack phase" in f for f in found)
    assert any("baseline phase" in f for f in found)


# --- the real captures another way (evaluation_variants) --------------------------------------


def test_another_way_keeps_what_the_capture_is(shared_captures) -> None:
    from workbench import evaluation_variants as variants

    packets = wb.load(shared_captures / "amp.UDP.snmp.src161.pcapng", progress=False).packets
    half = variants.every_other(packets)
    assert half.height == (packets.height + 1) // 2
    assert half["ts"].to_list() == packets["ts"].to_list()[::2]
    # in IPv6: the addresses moved, the rest the same, ip_len without the IPv4 header
    v6 = variants.in_ipv6(packets)
    assert set(v6["ip_ver"].unique()) == {6}
    first = packets.row(0, named=True)
    moved = v6.row(0, named=True)
    assert str(ipaddress.ip_address(moved["dst"])) == variants.ipv6_address(
        addresses.to_text(first["dst"])
    )
    assert moved["ip_len"] == first["ip_len"] - 20 and moved["sport"] == first["sport"]
    assert variants.ipv6_address("10.10.10.10") == "fd00::a0a:a0a"  # private: unique local
    assert variants.ipv6_address("8.8.8.8") == "2a01:4f8::808:808"  # global, no bogon
    # its service moved: every packet from or to port 161 is on the unlisted port
    assert variants.service_port(packets, "10.10.10.10") == 161
    shifted = variants.service_moved(packets, 161)
    assert shifted.filter(pl.col("sport") == 161).is_empty()
    assert (
        shifted.filter(pl.col("sport") == variants.UNLISTED_PORT).height
        == packets.filter(pl.col("sport") == 161).height
    )


def test_amid_starts_both_together_in_nanoseconds(shared_captures) -> None:
    from workbench import evaluation_variants as variants

    attack = wb.load(shared_captures / "amp.UDP.isakmp.pcap", progress=False).packets
    other = wb.load(shared_captures / "benign" / "zeek__zeek__ssh.pcap", progress=False).packets
    both = variants.amid(attack, other)
    assert both.height == attack.height + other.height
    assert both.schema == attack.schema and both["ts"].is_sorted()  # ts in ns still
    # the attack's packets at their times; the other's moved by one shift, to the nanosecond
    a, o = (frame["ts"].dt.epoch("ns").to_list() for frame in (attack, other))
    shift = min(a) - min(o)
    assert sorted(both["ts"].dt.epoch("ns").to_list()) == sorted(a + [t + shift for t in o])


def test_the_unlisted_port_is_no_known_service() -> None:
    from workbench.analysis.vector_table import COLLECTOR_PORTS, REFLECTION_SERVICES
    from workbench.evaluation_variants import UNLISTED_PORT

    assert UNLISTED_PORT < 49152 and UNLISTED_PORT not in REFLECTION_SERVICES
    assert UNLISTED_PORT not in COLLECTOR_PORTS and not 33434 <= UNLISTED_PORT <= 33534
