"""A traceroute's probes are no flood: UDP one host sends a destination at several TTLs of at
most 30 (three probes a TTL, each to a port of its own from 33434) is answered by ICMP, so a
trace of 48 probes on 48 ports is not a random-port UDP flood. A flood is judged as before,
one from a host that traces the same target too, and one at TTLs drawn at random."""

from __future__ import annotations

import random

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import DEFAULT

PROBER, TRACED = "203.0.113.60", "198.51.100.80"
START = 1_690_000_000 * 10**9


def _traces(every_s: int = 5, seconds: int = 60, hops: int = 15) -> list[tuple]:
    """Linux traceroute to ``TRACED`` every ``every_s`` seconds: TTL 1 to one hop past it,
    three probes each, to ports 33434 and up, 16 at a time 20 ms apart."""
    rng = random.Random(3)
    out = []
    for start in range(0, seconds, every_s):
        sport = rng.randint(32768, 60999)
        for k in range(3 * (hops + 1)):
            ts = START + start * 10**9 + (k // 16) * 20_000_000 + k * 10_000
            out.append((ts, PROBER, sport, TRACED, 33434 + k, 32, 1 + k // 3))
    return out


def test_traceroutes_are_no_flood(tmp_path) -> None:
    path = tmp_path / "traceroutes.pcap"
    traces = _traces()
    udp_pcap(path, traces)
    ports = {t[4] for t in traces}
    # what made them a random-port flood: more ports than a flood's, none answered by UDP
    assert len(ports) >= DEFAULT.random_ports_min and len(traces) >= DEFAULT.min_packets
    assert _vectors(wb.analyze(wb.load(path))) == []


def test_the_same_datagrams_at_one_ttl_are_judged_as_before(tmp_path) -> None:
    # 48 ports a burst, never answered, from a host that is not tracing (one TTL): as before
    path = tmp_path / "one-ttl.pcap"
    udp_pcap(path, [(*t[:6], 64) for t in _traces()])
    assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [TRACED])]


def test_a_flood_at_random_ttls_from_a_tracing_host(tmp_path) -> None:
    # the prober also floods random ports at 2,000/s for 20 s, TTLs drawn from 1-255: the
    # low-TTL eighth of the flood passes as probes, the rest is the flood
    rng = random.Random(9)
    flood = [(START + 20 * 10**9 + k * 500_000, PROBER, rng.randint(1024, 65535), TRACED,
              rng.randint(1, 65535), 512, rng.randint(1, 255)) for k in range(40_000)]  # fmt: skip
    path = tmp_path / "flood.pcap"
    udp_pcap(path, sorted(_traces() + flood))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == [("udp_flood", [TRACED])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "udp_flood")
    high = sum(1 for f in flood if f[6] > DEFAULT.probe_ttl_max)
    assert labelled.height >= 0.99 * high
    assert labelled.filter(pl.col("dport").is_between(33434, 33434 + 47)).height <= 0.01 * high


def test_traceroute_scenario_and_a_flood_on_a_traced_host(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "traceroute-monitoring")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "udp-flood-on-traced-host", "udp_flood")
    assert _vectors(found) == [("udp_flood", ["203.0.113.80"])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "traceroute-monitoring", window_packets=2_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "udp-flood-on-traced-host", window_packets=10_000)
    assert _vectors(found) == [("udp_flood", ["203.0.113.80"])]


def test_every_probe_is_answered_the_first_too(tmp_path) -> None:
    # each probe's context says "answered by ICMP", the trace's very first datagram included
    # (its lookup once returned the probe's place, 0, where the flag was: read as false)
    from workbench.analysis.vectors.context import candidates

    path = tmp_path / "traceroutes.pcap"
    udp_pcap(path, _traces())
    cand = candidates(wb.load(path).packets)
    assert cand.height == len(_traces())
    assert cand["_answered"].all()
