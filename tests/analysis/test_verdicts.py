"""Verdicts beyond "which vector": DoS or DDoS, spoofed or real sources, the reflected service,
the configuration that made them; judged against the synthesizer's truth and real captures."""

from __future__ import annotations

import numpy as np
import polars as pl
import pytest

import workbench as wb
from workbench import synth

# the truth's kind of sources -> the verdicts that agree with it
AGREES = {
    "reflectors": {"reflected"},
    "spoofed": {"spoofed", "likely spoofed"},
    "bots": {"not spoofed"},
    "single": {"not spoofed"},
}


@pytest.fixture(scope="module")
def scenarios(tmp_path_factory) -> dict[str, tuple[dict, wb.Report]]:
    folder = tmp_path_factory.mktemp("verdicts")
    out = {}
    for name in synth.SCENARIOS:
        if name == "saturation":
            continue
        path = folder / f"{name}.pcap"
        truth = synth.write(name, path, seed=21, scale=0.2)
        out[name] = (truth, wb.analyze(wb.load(path, progress=False)))
        for written in (path, synth.labels_path(path), synth.truth_path(path)):
            written.unlink(missing_ok=True)  # read: 80 scenarios would hold gigabytes of disk
    return out


def test_spoofing_verdicts_agree_with_the_truth(scenarios) -> None:
    wrong = []
    for name, (truth, report) in scenarios.items():
        found = {p["vector"]: p for p in report.sources["spoofing"]["per_vector"]}
        kinds: dict[str, set[str]] = {}
        for vector in truth["vectors"]:  # a vector used twice is judged on both uses together
            kinds.setdefault(vector["vector"], set()).update(AGREES[vector["sources"]])
        for vector, agree in kinds.items():
            verdict = found[vector]["verdict"]
            if verdict not in agree:
                wrong.append(f"{name}: {vector} called {verdict}, truth {sorted(agree)}")
    assert wrong == []
    # the evidence names the figures that made the call
    syn = scenarios["spoofing-variants"][1].sources["spoofing"]["per_vector"]
    subnet = next(p for p in syn if p["vector"] == "syn_flood")
    assert subnet["top_prefix_source_share"] >= 0.9 and "/16s" in subnet["evidence"]


def test_a_mitigated_phase_says_why(scenarios) -> None:
    """Scrubbing that keeps 25 % of the attack: the mitigated phase gives its residue."""
    truth, report = scenarios["spoofing-variants"]
    mitigated = [p for p in report.phases if p["kind"] == "mitigated"]
    assert len(mitigated) == 1 and "scrubbing" not in mitigated[0]
    assert [p["kind"] for p in truth["phases"]][-1] == "mitigated"
    share = mitigated[0]["mitigation"]["residue_share_of_peak"]
    assert 0.1 <= share <= 0.4, share  # 25 % kept, per-second peaks are noisy
    assert f"{share:.0%} of the attack's earlier peak" in mitigated[0]["mitigation"]["reason"]


def test_one_source_floods_are_dos_not_ddos(scenarios) -> None:
    truth, report = scenarios["single-source-floods"]
    found = {v["vector"]: v for v in report.vectors}
    assert set(found) == {v["vector"] for v in truth["vectors"]}
    for vector in found.values():
        assert vector["unique_sources"] == 1 and vector["distributed"] is False, vector
    botnet = {v["vector"]: v for v in scenarios["fragments"][1].vectors}
    assert botnet["gre_flood"]["distributed"] is True


def test_real_one_host_floods_are_found(shared_captures) -> None:
    for name, vector in (
        ("doup123__attacker__udp__flood.pcap", "udp_flood"),
        ("OISF__suricata-verify__denial6-5.pcap", "icmp_flood"),
    ):
        report = wb.analyze(wb.load(shared_captures / name, progress=False))
        found = next(v for v in report.vectors if v["vector"] == vector)
        assert found["unique_sources"] == 1 and not found["distributed"], (name, found)


def test_reflection_from_an_unlisted_port_names_the_port(scenarios) -> None:
    truth, report = scenarios["unlisted-reflection"]
    port = next(v for v in truth["vectors"] if v["vector"] == "udp_reflection")["src_ports"][0]
    found = next(v for v in report.vectors if v["vector"] == "udp_reflection")
    assert found["src_ports"][0] == port and found["service"] == f"udp/{port}"


def test_snippets_and_bursts_have_their_own_attack_phase(scenarios) -> None:
    truth, report = scenarios["snippet-reflection"]
    assert [p["kind"] for p in report.phases] == ["attack"]  # all attack: no baseline
    assert report.parameters["rate_bin_ms"] == 1  # a 50 ms capture is judged in 1 ms bins
    truth, report = scenarios["subsecond-burst"]
    kinds = [p["kind"] for p in report.phases]
    assert kinds == ["baseline", "attack", "baseline"], kinds
    burst, true_burst = report.phases[1], truth["phases"][1]
    assert burst["vectors"] == ["syn_flood"] and burst["attack_packets"] > 1000
    # the found phase starts at the burst's first packet (within 1 ms of the true start: the
    # synthesizer's first packet follows it by one interval), holds all of the 0.6 s burst and
    # is at most 2 s long (1 s bins)
    ns = (
        pl.Series([burst["start"], burst["end"], true_burst["start"], true_burst["end"]])
        .str.to_datetime(time_unit="ns")
        .dt.epoch("ns")
    )
    assert 0 <= ns[0] - ns[2] <= 1_000_000 and ns[3] <= ns[1]
    assert ns[1] - ns[0] <= 2_000_000_000


def test_the_config_is_recorded_and_used(shared_captures) -> None:
    path = shared_captures / "amp.UDP.snmp.src161.pcapng"
    cap = wb.load(path, progress=False)
    default = wb.analyze(cap)
    assert default.parameters["analysis"] == wb.AnalysisConfig().to_dict()
    assert "snmp_amplification" in {v["vector"] for v in default.vectors}
    strict = wb.AnalysisConfig(min_sources_reflection=10**6, min_sources_unlisted_reflection=10**6)
    tuned = wb.analyze(cap, config=strict)
    assert tuned.parameters["analysis"]["min_sources_reflection"] == 10**6
    assert not {v["vector"] for v in tuned.vectors} & {"snmp_amplification", "udp_reflection"}


def test_an_attack_in_traces_merged_years_apart(tmp_path) -> None:
    """Merged traces jump by years: the phases are judged on the traffic, not on every second
    of the span (94 million of them), and the attack is still one phase of its own."""
    quiet, burst = tmp_path / "quiet.pcap", tmp_path / "burst.pcap"
    synth.write("merged-traces", quiet, seed=2, scale=0.2)
    truth = synth.write("subsecond-burst", burst, seed=2, scale=0.2)
    years = 3 * 365 * 86400 * 10**9
    late = wb.load(burst, progress=False).packets.with_columns(
        pl.col("ts") + pl.duration(nanoseconds=years)
    )
    early = wb.load(quiet, progress=False).packets
    frame = pl.concat([early, late]).sort("ts")
    report = wb.analyze(frame)
    attack = [p for p in report.phases if p["kind"] != "baseline"]
    assert [p["vectors"] for p in attack] == [["syn_flood"]]
    shift = pl.Series([truth["phases"][1]["start"]]).str.to_datetime(time_unit="ns")
    start = (shift.dt.epoch("ns") + years)[0]
    found = pl.Series([attack[0]["start"]]).str.to_datetime(time_unit="ns").dt.epoch("ns")[0]
    assert abs(found - start) <= 10**9


def test_a_random_source_port_flood_names_no_reflected_service() -> None:
    """1.6 M spoofed datagrams from random source ports put ~25 on every port, the service
    ports of the reflection table among them (memcached 11211, Jenkins 33848, ...): a flood,
    not forty amplification vectors."""
    import numpy as np

    from workbench.capture.schema import PACKET_SCHEMA

    rng = np.random.default_rng(7)
    n = 1_600_000
    mapped = np.uint64(0xFFFF00000000)
    frame = pl.DataFrame(
        {
            "ts": 1_600_000_000 * 10**9 + np.sort(rng.integers(0, 20 * 10**9, n)),
            "wire_len": np.full(n, 60),
            "cap_len": np.full(n, 60),
            "ip_ver": np.full(n, 4),
            "src": pl.Series(rng.integers(1 << 24, 1 << 32, n, dtype=np.uint64) | mapped).cast(
                pl.UInt128
            ),
            "dst": pl.Series(np.full(n, 0xCB00710A, dtype=np.uint64) | mapped).cast(pl.UInt128),
            "proto": np.full(n, 17),
            "sport": rng.integers(1024, 65536, n),
            "dport": rng.integers(1, 65536, n),
            "ttl": np.full(n, 50),
            "ip_len": np.full(n, 46),
            "payload_len": np.full(n, 18),
        }
    )
    frame = frame.with_columns(
        [pl.lit(0).alias(c) for c in PACKET_SCHEMA.names() if c not in frame.columns]
    ).select([pl.col(c).cast(t) for c, t in PACKET_SCHEMA.items()])
    found = {v["vector"] for v in wb.analyze(frame).vectors}
    assert found == {"udp_flood"}, found


def _null_flood_pcap(link: int, snap_ip_bytes: int) -> bytes:
    """A flood of TCP segments with no flags (a "null" flood) from 400 spoofed sources, on link
    type ``link`` (1 Ethernet, 101 raw IP, 113 Linux cooked), cut to ``snap_ip_bytes`` of IP."""
    import struct

    head = {1: b"\x02" * 6 + b"\x04" * 6 + b"\x08\x00", 101: b"",
            113: struct.pack("!HHH8sH", 0, 1, 6, b"\x02" * 8, 0x0800)}[link]  # fmt: skip
    out = struct.pack("<IHHiIII", 0xA1B2C3D4, 2, 4, 0, 0, 65535, link)
    for k in range(2000):
        tcp = struct.pack("!HHIIBBHHH", 1024 + k, 80, k, 0, 5 << 4, 0, 1024, 0, 0)
        src = bytes([45, 12 + k % 200, k % 7, 1 + k % 400 % 250])
        ip = struct.pack(
            "!BBHHHBBH4s4s", 0x45, 0, 40, k, 0, 50, 6, 0, src, bytes([203, 0, 113, 80])
        )
        frame = head + ip + tcp
        kept = frame[: len(head) + snap_ip_bytes]
        ts = 1_600_000_000 + k / 1000  # 1,000 segments a second for 2 s
        out += struct.pack("<IIII", int(ts), round((ts % 1) * 1e6), len(kept), len(frame)) + kept
    return out


@pytest.mark.parametrize("link", [1, 101, 113])
def test_flag_evidence_is_read_at_the_ip_layer_whatever_the_link(tmp_path, link) -> None:
    """A null-flag flood whose flags byte was captured is found on Ethernet, raw IP and Linux
    cooked captures alike; cut before the flags byte, the flags are unknown and nothing is."""
    kept = tmp_path / "kept.pcap"
    kept.write_bytes(_null_flood_pcap(link, 34))  # IPv4 header + TCP up to its flags byte
    found = {v["vector"] for v in wb.analyze(wb.load(kept, progress=False)).vectors}
    assert found == {"tcp_other_flood"}, (link, found)
    cut = tmp_path / "cut.pcap"
    cut.write_bytes(_null_flood_pcap(link, 30))
    assert wb.analyze(wb.load(cut, progress=False)).vectors == ()


def test_scrubbing_is_seen_in_the_path_when_the_rate_hardly_drops(scenarios) -> None:
    """60 % of the attack still gets through, but every reflector now arrives four hops further
    away: the phase after the diversion is mitigated, and says why."""
    truth, report = scenarios["scrubbing-path"]
    assert [p["kind"] for p in report.phases] == ["baseline", "attack", "mitigated"]
    mitigated = report.phases[2]
    assert mitigated["scrubbing"]["ttl_drop_hops"] == 4
    assert mitigated["scrubbing"]["share_of_senders"] >= 0.9
    split = pl.Series([mitigated["start"], truth["mitigation_start"]]).str.to_datetime(
        time_unit="ns"
    )
    assert abs((split[0] - split[1]).total_seconds()) <= 1
    # the rate alone would not have told: the residue is above the heavy share of the peak
    assert mitigated["peak_pps"] >= 0.4 * report.phases[1]["peak_pps"]
    assert mitigated["mitigation"]["residue_share_of_peak"] >= 0.4
    assert "scrubbing center" in mitigated["mitigation"]["reason"]
    # no other scenario's senders moved: no phase elsewhere claims a scrubbing center
    others = [p for n, (_, r) in scenarios.items() if n != "scrubbing-path" for p in r.phases]
    assert not [p for p in others if "scrubbing" in p]


def _syns(ports: np.ndarray, seconds: float) -> pl.DataFrame:
    """SYNs from one scanner to one host, to ``ports`` in turn over ``seconds``."""
    from workbench.capture.schema import PACKET_SCHEMA

    n = len(ports)
    mapped = np.uint64(0xFFFF00000000)
    frame = pl.DataFrame(
        {
            "ts": 1_600_000_000 * 10**9 + np.linspace(0, seconds * 10**9, n).astype(np.int64),
            "wire_len": np.full(n, 60),
            "cap_len": np.full(n, 60),
            "ip_ver": np.full(n, 4),
            "src": pl.Series(np.full(n, 0x2D0C0101, dtype=np.uint64) | mapped).cast(pl.UInt128),
            "dst": pl.Series(np.full(n, 0xCB00710A, dtype=np.uint64) | mapped).cast(pl.UInt128),
            "proto": np.full(n, 6),
            "sport": 40000 + np.arange(n) % 20000,
            "dport": ports,
            "ttl": np.full(n, 50),
            "ip_len": np.full(n, 40),
            "tcp_flags": np.full(n, 0x02),
        }
    )
    frame = frame.with_columns(
        [pl.lit(0).alias(c) for c in PACKET_SCHEMA.names() if c not in frame.columns]
    )
    return frame.select([pl.col(c).cast(t) for c, t in PACKET_SCHEMA.items()])


def test_a_port_scan_is_not_a_syn_flood_from_one_host() -> None:
    """nmap -T5 from one host: 5,000 ports, each tried twice, in 4 s: a scan, no flood; the same
    host sending those 10,000 SYNs to one port floods it."""
    scan = _syns(np.repeat(np.arange(1, 5001), 2), 4.0)
    assert wb.analyze(scan).vectors == ()
    flood = _syns(np.full(10_000, 443), 4.0)
    found = wb.analyze(flood).vectors
    assert [v["vector"] for v in found] == ["syn_flood"] and found[0]["distributed"] is False
