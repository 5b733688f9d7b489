"""When a capture gives no attack, the report names its biggest candidates and what held each
back. The proof that it names the right setting: relaxed to the pair's own figure, that one
setting alone turns the pair into the attack it missed being."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from pcap_bytes import udp_pcap

import workbench as wb
from workbench.analysis.headline import headline_items
from workbench.capture.ingest import ingest

SCHEMA = json.loads((Path(wb.__file__).parent / "analysis" / "report.schema.json").read_text())
T0 = 1_700_000_000 * 10**9
TARGET = "203.0.113.10"


def _memcached(path: Path) -> Path:
    """Three memcached servers answering the target from 11211 with 1,400-byte datagrams,
    3,000 a second for 2 s: a reflection in all but its number of reflectors."""
    reflectors = ["198.51.100.1", "198.51.100.2", "198.51.100.3"]
    frames = [(T0 + k * 333_333, reflectors[k % 3], 11211, TARGET, 40000, 1400)
              for k in range(6000)]  # fmt: skip
    udp_pcap(path, frames)
    return path


def _slow_udp(path: Path) -> Path:
    """One host's UDP to one port of the target, 700 a second for 10 s, never answered: a
    flood in all but its rate, in a capture that is all of it (no baseline)."""
    frames = [(T0 + k * 1_428_571, "192.0.2.7", 40000, TARGET, 9999, 200) for k in range(7000)]
    udp_pcap(path, frames)
    return path


def _two_clusters(path: Path) -> Path:
    """One host's UDP to the target: 600 datagrams within a millisecond, then 600 more half a
    second later: at flood rate in two bins of the capture's (10 ms), and in one finer bin each."""
    frames = [(T0 + k * 1_000 + (499_400_000 if k >= 600 else 0), "192.0.2.7", 40000, TARGET, 9999, 200)
              for k in range(1200)]  # fmt: skip
    udp_pcap(path, frames)
    return path


def _analyzed(path: Path, **config) -> dict:
    cfg = wb.AnalysisConfig(**config) if config else wb.AnalysisConfig()
    report = wb.analyze(wb.load(path, progress=False), config=cfg)
    data = report.to_dict()
    jsonschema.validate(data, SCHEMA)
    assert wb.Report.from_json(report.to_json()) == report
    return data


@pytest.mark.parametrize(
    ("build", "vector", "test", "setting", "figure", "threshold", "relaxed", "words"),
    [
        (_memcached, "memcached_amplification", "min_sources_reflection", "min_sources_reflection",
         3, 5, {"min_sources_reflection": 3}, "from 3 reflectors to a host never seen sending: a reflection needs 5 or more"),
        (_slow_udp, "udp_flood", "rate_factor, flood_pps_other", "rate_factor, flood_pps_other", 700, 1000,
         {"flood_pps_other": 600.0}, "pps, under the 1.0 kpps no benign host receives of its kind"),
        (_two_clusters, "udp_flood", "rate_min_bins", "rate_min_bins", 2, 3,
         {"rate_min_bins": 2}, "in 2 bins of the capture's, and in fewer than 3 finer ones as a burst"),
    ],
)  # fmt: skip
def test_the_setting_named_is_the_one_that_held_it_back(
    tmp_path, build, vector, test, setting, figure, threshold, relaxed, words
) -> None:
    path = build(tmp_path / "capture.pcap")
    data = _analyzed(path)
    assert data["vectors"] == [] and all(p["kind"] == "baseline" for p in data["phases"])
    held = data["held_back"][0]
    assert (held["target"], held["vector"]) == (TARGET, vector)
    assert held["held_back_by"] == test
    assert held["figure"] == pytest.approx(figure, rel=0.02)
    assert held["threshold"] == threshold
    assert words in held["reason"] and f"({setting})" in held["reason"]
    headline = dict(headline_items(data))
    assert headline["Attack"] == "no attack traffic found"
    assert headline["Biggest candidate"].startswith(held["reason"])
    # relaxed to the pair's own figure, that setting alone makes it the attack
    found = _analyzed(path, **relaxed)
    assert [(v["vector"], v["targets"]) for v in found["vectors"]] == [(vector, [TARGET])]
    assert "held_back" not in found


def test_a_report_with_an_attack_has_no_held_back(tmp_path) -> None:
    path = _memcached(tmp_path / "capture.pcap")
    data = _analyzed(path, min_sources_reflection=3)
    assert data["vectors"] and "held_back" not in data


def test_small_talk_says_what_little_there_was(tmp_path) -> None:
    """Pairs under ``min_packets`` are named only when nothing bigger was judged, and then the
    biggest alone."""
    frames = [(T0 + k * 10**7, "192.0.2.7", 40000 + k % 3, TARGET, 9999, 50) for k in range(40)]
    frames += [(T0 + k * 10**7, "192.0.2.8", 50000, "203.0.113.11", 7777, 50) for k in range(20)]
    udp_pcap(tmp_path / "small.pcap", frames)
    held = _analyzed(tmp_path / "small.pcap")["held_back"]
    assert [(n["target"], n["packets"], n["held_back_by"]) for n in held] == [
        (TARGET, 40, "min_packets")
    ]
    assert "40 packets: a pair is judged on 100 or more (min_packets)" in held[0]["reason"]


def test_a_dataset_names_the_same_held_back(tmp_path) -> None:
    path = _memcached(tmp_path / "capture.pcap")
    in_memory = _analyzed(path)["held_back"]
    ingest([path], tmp_path / "dataset", progress=False)
    report = wb.analyze(tmp_path / "dataset", window_packets=2_000, progress=False)
    assert report.parameters["analysis_windows"] > 1
    assert report.to_dict()["held_back"] == in_memory


def test_a_tunnel_is_held_back_as_asked_for(tmp_path) -> None:
    """GRE a router sends back on its tunnel: candidates of a GRE flood whose every packet the
    target answers, so none counts toward a rate (the synthesizer's negative scenario)."""
    from workbench import synth

    path = tmp_path / "gre.pcap"
    synth.write("gre-tunnel", path, seed=3, scale=0.2)
    held = _analyzed(path)["held_back"]
    gre = [h for h in held if h["vector"] == "gre_flood"]
    assert gre and all(h["held_back_by"] == "asked_for" for h in gre)
    assert all(h["figure"] is None and h["threshold"] is None for h in gre)
    assert "each is GRE from a host the target sends GRE to" in gre[0]["reason"]


def test_the_html_report_lists_them_only_without_an_attack(tmp_path) -> None:
    path = _memcached(tmp_path / "capture.pcap")
    for config, listed in (({}, True), ({"min_sources_reflection": 3}, False)):
        report = wb.analyze(wb.load(path, progress=False), config=wb.AnalysisConfig(**config))
        page = wb.export.html(report, tmp_path / "report.html").read_text()
        assert ("<h2>Candidates held back</h2>" in page) is listed
        assert (
            "from 3 reflectors to a host never seen sending: a reflection needs 5 or more" in page
        ) is listed


def test_every_test_a_pair_can_fail_is_said_in_words() -> None:
    from workbench.analysis.held_back import WORDS
    from workbench.analysis.vectors.verdicts import _kind_checks

    names = {
        check.name for _, checks in _kind_checks(wb.AnalysisConfig(), "dst") for check in checks
    }
    names |= {"min_packets", "asked_for", "http_bot_min_requests"}
    assert names <= set(WORDS)
