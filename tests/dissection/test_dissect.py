"""Deep dissection with tshark on selections: decoded application fields on real and synthesized attacks."""

from __future__ import annotations

from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.dissection import dns_subdomain_entropy, http_request_stats, select_packets

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"


def _analysed(path: Path):
    cap = wb.load(path)
    return cap, wb.analyze(cap)


def test_http_flood_requests_decoded(shared_captures, tshark) -> None:
    cap, rep = _analysed(shared_captures / "nladc.http-flood.AnonymousDoS-10s-3.pcapng")
    out = wb.dissect(cap, rep.packets, sample_per_vector=300)
    assert out.height == 300 and set(out["vector"].unique().to_list()) == {"http_flood"}
    stats = http_request_stats(out)
    top = stats.row(0, named=True)
    assert top["http_request_method"] == "GET" and top["http_host"] == "192.168.0.100"
    assert "Mozilla" in top["http_user_agent"] and top["distinct_uris"] > 50


def test_dns_amplification_answers_are_rrsig(shared_captures, tshark) -> None:
    cap, rep = _analysed(shared_captures / "amp.dns.RRSIG.fragmented.pcap")
    out = wb.dissect(cap, rep.packets, sample_per_vector=150)
    dns = out.filter(
        (pl.col("vector") == "dns_amplification") & pl.col("dns_qry_name").is_not_null()
    )
    assert dns.height > 30
    assert (dns["dns_flags_response"] == "1").all() or (dns["dns_flags_response"] == "True").all()
    assert dns["dns_qry_type"].mode()[0] == "46"  # RRSIG


def test_ssdp_and_snmp_answers(shared_captures, tshark) -> None:
    cap, rep = _analysed(shared_captures / "nladc.ssdp-dns-reflection.2014-12-29.pcap")
    out = wb.dissect(cap, rep.packets, sample_per_vector=50)
    # answers from port 1900 decode as SSDP; those from ephemeral ports Wireshark leaves as data
    assert (
        out["frame_protocols"].str.contains("ssdp").sum() >= 5
        and out["frame_protocols"].str.contains("udp").all()
    )
    cap, rep = _analysed(shared_captures / "amp.UDP.snmp.src161.pcapng")
    out = wb.dissect(cap, rep.packets, sample_per_vector=50)
    assert out["frame_protocols"].str.contains("snmp").sum() >= 40


def test_water_torture_random_names_in_one_zone(tshark) -> None:
    cap, rep = _analysed(SAMPLES / "application_layer.pcap")
    out = wb.dissect(cap, rep.packets, sample_per_vector=400)
    zones = dns_subdomain_entropy(out)
    top = zones.row(0, named=True)
    assert top["zone"] == "mailprovider.example" and top["distinct_names"] > 0.5 * top["queries"]
    assert top["label_entropy_bits"] > 4.0  # random labels; real hostnames score far lower


def test_selection_by_packet_numbers_and_sampling() -> None:
    frame = pl.DataFrame({"ts": [1, 2, 3, 4, 5, 6], "vector": ["a", "a", "a", "b", None, "b"]})
    chosen = select_packets(frame, sample_per_vector=2, seed=1)
    assert chosen.group_by("vector").len().sort("vector")["len"].to_list() == [2, 2]
    assert 4 not in chosen["packet"].to_list()  # legit traffic is not dissected


def test_missing_tshark_says_how_to_install(monkeypatch, tmp_path) -> None:
    from workbench.capture import tshark_engine

    monkeypatch.setattr(tshark_engine.shutil, "which", lambda name: None)
    with pytest.raises(wb.ToolMissingError, match="apt-get install tshark"):
        wb.dissect(SAMPLES / "tcp_state_floods.pcap", [0, 1])


def test_every_field_in_the_table_is_known_to_tshark(tshark) -> None:
    import subprocess

    from workbench.analysis.vector_table import VECTORS
    from workbench.dissection.fields import COMMON, TLS

    known = {
        line.split("\t")[2]
        for line in subprocess.run(
            [tshark, "-G", "fields"], capture_output=True, text=True
        ).stdout.splitlines()
        if line.count("\t") >= 2
    }
    wanted = set(COMMON) | set(TLS) | {f for rule in VECTORS for f in rule.dissect}
    assert wanted <= known, wanted - known


def test_ntp_monlist_answers(tshark) -> None:
    cap, rep = _analysed(SAMPLES / "reflection_mix.pcap")
    out = wb.dissect(cap, rep.packets, sample_per_vector=40)
    ntp = out.filter(pl.col("vector") == "ntp_amplification")
    assert set(ntp["ntp_priv_reqcode"].drop_nulls().to_list()) == {"42"}  # MON_GETLIST_1


def test_analysis_uses_application_evidence(tshark, tmp_path) -> None:
    cap = wb.load(SAMPLES / "application_layer.pcap")
    rep = wb.analyze(cap, dissect=100)
    facts = {v["vector"]: v["evidence"]["application"] for v in rep.vectors}
    assert facts["dns_water_torture"]["zone"]["zone"] == "mailprovider.example"
    assert facts["dns_water_torture"]["zone"]["label_entropy_bits"] > 4.0
    assert (
        facts["http_flood"]["http_method"] == {"GET": 1.0}
        and facts["http_flood"]["http_distinct_user_agents"] == 3
    )
    cap = wb.load(SAMPLES / "reflection_mix.pcap")
    rep = wb.analyze(cap, dissect=50)
    fps = wb.export.fingerprints(rep)
    dns = next(
        v
        for fp in fps
        for v in fp["attack_vectors"]
        if v["workbench_vector"] == "dns_amplification"
    )
    assert dns["dns_query_type"] == {"255": 1.0} and dns["dns_query_name"] == {
        "isc.org": 1.0
    }  # ANY for one zone
    ntp = next(
        v
        for fp in fps
        for v in fp["attack_vectors"]
        if v["workbench_vector"] == "ntp_amplification"
    )
    assert ntp["ntp_requestcode"] == {"42": 1.0}  # monlist
    events = wb.export.events(rep)
    assert (
        events.filter(pl.col("event_type") == "vector_start")["evidence"]
        .str.contains("ntp_requestcode")
        .any()
    )


def test_several_files_are_analysed_and_dissected_together(tshark) -> None:
    """``wb.analyze([a, b], dissect=...)`` reads both files and dissects each one's packets in
    its own file (packet numbers run on across the files)."""
    first, second = SAMPLES / "application_layer.pcap", SAMPLES / "reflection_mix.pcap"
    report = wb.analyze([first, second], dissect=40)
    assert len(report.capture["paths"]) == 2
    found = {v["vector"]: v for v in report.vectors}
    assert {"http_flood", "dns_amplification"} <= set(found)
    http = found["http_flood"]["evidence"]["application"]  # from the first file
    dns = found["dns_amplification"]["evidence"]["application"]  # from the second
    assert http and dns and "dns_query_name" in dns
    alone = wb.analyze(second, dissect=40)
    alone_dns = next(v for v in alone.vectors if v["vector"] == "dns_amplification")
    assert set(dns["dns_query_name"]) == set(alone_dns["evidence"]["application"]["dns_query_name"])


def test_dissection_takes_vectors_and_fields_from_the_caller(monkeypatch) -> None:
    """Dissection knows no vectors: the selection says which packets are which vector and
    ``fields_per_vector`` which fields to read; ``wb.dissect`` fills it from the vector table."""
    import workbench.dissection as dissection
    from workbench.analysis.vector_table import VECTORS
    from workbench.dissection.fields import fields_for

    assert fields_for(["x"], {"x": ["dns.qry.name"], "y": ["http.host"]}) == [
        "frame.protocols",
        "dns.qry.name",
    ]
    assert fields_for(None, {"x": ["a.b"]})[-3:] == ["a.b", *dissection.TLS]
    seen = {}

    def fake(path, packets, wanted, progress):
        seen["wanted"] = wanted
        return pl.DataFrame({"packet": packets}, schema={"packet": pl.Int64})

    monkeypatch.setattr(dissection, "_dissect_file", fake)
    chosen = pl.DataFrame({"packet": [0, 1], "vector": ["ntp_amplification", None]})
    wb.dissect(SAMPLES / "reflection_mix.pcap", chosen)
    ntp = next(rule for rule in VECTORS if rule.name == "ntp_amplification")
    assert seen["wanted"] == ["frame.protocols", *ntp.dissect]
    dissection.dissect(SAMPLES / "reflection_mix.pcap", chosen, fields_per_vector={"ntp_amplification": ["ntp.flags.mode"]})  # fmt: skip
    assert seen["wanted"] == ["frame.protocols", "ntp.flags.mode"]


def test_dissect_without_a_selection_asks_for_rep_packets() -> None:
    cap = wb.load(SAMPLES / "tcp_state_floods.pcap")
    with pytest.raises(wb.ParameterError, match=r"does not classify.*rep\.packets"):
        wb.dissect(cap)


def test_dissect_shows_editcap_reading_the_capture(tshark, monkeypatch, progress_bars) -> None:
    # 1,001 scattered packets are three editcap passes over the whole capture (500 ranges a
    # pass): the bar counts the bytes each pass reads, to three times the file's size
    from workbench.capture import tshark_engine

    monkeypatch.setattr(tshark_engine, "PROGRESS_POLL_S", 0.001)
    path = SAMPLES / "reflection_mix.pcap"
    out = wb.dissect(path, list(range(0, 2002, 2)), fields=["ip.ttl"], progress=True)
    assert out["packet"].to_list() == list(range(0, 2002, 2))
    [bar] = progress_bars
    size = path.stat().st_size
    assert bar.total == bar.n == 3 * size and bar.closed
    assert bar.seen == sorted(bar.seen) and {size, 2 * size} <= set(bar.seen)
