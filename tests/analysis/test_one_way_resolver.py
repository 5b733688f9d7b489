"""DNS answers to a target the capture never sees sending: its questions are out of sight, so
"unsolicited" says nothing of them. A recursive resolver's inbound side (answers from hundreds of
authoritative servers, most under DNS's classic 512 bytes) is no amplification; answers that
look amplified (most of them 512 bytes or more, with their fragments) still are, and a target
seen sending is judged as before (its questions are in the capture)."""

from __future__ import annotations

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth
from workbench.analysis.config import AnalysisConfig
from workbench.synth.scenarios.model import RESOLVER

TARGET = "203.0.113.53"
RULE_OFF = AnalysisConfig(dns_amplified_payload_min=0)  # every answer looks amplified
# every silent DNS target taken for a resolver, whatever its answers: the naive rule
NAIVE = AnalysisConfig(one_way_amplified_share_min=1.01)


def _answers(size: int, *, servers: int = 60, per_s: int = 400, seconds: int = 20):
    """DNS answers of ``size`` bytes from ``servers`` servers' port 53 to ephemeral ports."""
    start = 1_660_000_000 * 10**9
    gap = 10**9 // per_s
    return [
        (start + k * gap, f"198.18.{k % servers}.53", 53, TARGET, 32768 + k * 7919 % 28000, size)
        for k in range(per_s * seconds)
    ]


def test_small_answers_to_a_silent_target_are_a_resolvers(tmp_path) -> None:
    path = tmp_path / "resolver.pcap"
    udp_pcap(path, _answers(180))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == []
    # the rule is what keeps it clean
    assert _vectors(wb.analyze(capture, config=RULE_OFF)) == [("dns_amplification", [TARGET])]


def test_large_answers_to_a_silent_target_are_amplification(tmp_path) -> None:
    path = tmp_path / "amplification.pcap"
    udp_pcap(path, _answers(1400))
    assert _vectors(wb.analyze(wb.load(path))) == [("dns_amplification", [TARGET])]


def test_a_target_seen_sending_is_judged_by_its_questions(tmp_path) -> None:
    # one packet from the target (to no server that answers it): its questions would be in
    # the capture, and the small answers it never asked for are unsolicited
    frames = _answers(180)
    frames.append((frames[0][0] + 10**9, TARGET, 40000, "192.0.2.1", 123, 48))
    path = tmp_path / "talks.pcap"
    udp_pcap(path, sorted(frames))
    assert _vectors(wb.analyze(wb.load(path))) == [("dns_amplification", [TARGET])]


def test_a_resolver_captured_one_way(tmp_path) -> None:
    path = tmp_path / "one-way-resolver.pcap"
    truth = synth.write("one-way-resolver", path, seed=5, scale=0.3)
    assert truth["one_way"] and not truth["vectors"]
    capture = wb.load(path)
    answers = capture.packets.filter(pl.col("sport") == 53)
    assert answers.height > 2_000 and answers["src"].n_unique() > 100
    assert capture.packets.filter(pl.col("src").ip.to_text() == RESOLVER).is_empty()
    assert _vectors(wb.analyze(capture)) == []
    assert _vectors(wb.analyze(capture, config=RULE_OFF)) == [("dns_amplification", [RESOLVER])]


def test_amplification_at_a_resolver_captured_one_way(tmp_path) -> None:
    path = tmp_path / "one-way-amplification.pcap"
    synth.write("one-way-dns-amplification", path, seed=5, scale=0.3)
    labels = pl.read_parquet(synth.labels_path(path))["label"]
    capture = wb.load(path)
    assert capture.packets.filter(pl.col("src").ip.to_text() == RESOLVER).is_empty()
    report = wb.analyze(capture)
    assert _vectors(report) == [("dns_amplification", [RESOLVER])]
    found = wb.analysis.classify(capture.packets)["vector"] == "dns_amplification"
    truth = labels == "dns_amplification"
    assert (found & truth).sum() >= 0.95 * truth.sum()
    # the answers of the servers the resolver asks are not labelled with it: 99.9 % and more of
    # the labelled packets are the attack's (README); labelling all its answers: 93 %
    assert (found & truth).sum() >= 0.95 * found.sum()
    # taking every silent DNS target for a resolver would miss it
    assert _vectors(wb.analyze(capture, config=NAIVE)) == []
    # without the repetition test, the few servers whose answers to the resolver were mostly
    # large by chance are labelled with the attack
    loose = AnalysisConfig(varied_answers_min=10**9)
    kept = wb.analysis.classify(capture.packets, config=loose)["vector"] == "dns_amplification"
    assert (kept & ~truth).sum() > 3 * (found & ~truth).sum()


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "one-way-resolver", window_packets=1_500)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "one-way-dns-amplification", window_packets=6_000)
    assert _vectors(found) == [("dns_amplification", [RESOLVER])]
