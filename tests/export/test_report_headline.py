"""The report's story in 30 seconds: the headline strip first, numbers for people everywhere
people read (HTML, summary, notebook Markdown), the timeline's saturation as episodes."""

from __future__ import annotations

import copy
import importlib
import itertools
import re
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.analysis.report import headline_items, summary_text
from workbench.export.timeline_events import events

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
LABELS = ["Capture", "Window", "Traffic", "Peak", "Attack", "Targets", "Data quality"]
REPR = re.compile(r"\bNone\b|\{'|\d[eE][+-]?\d|\bnan\b|\binf\b")


@pytest.fixture(scope="module")
def report():
    return wb.analyze(wb.load(SAMPLE), link_capacity="3M")


def _visible(doc: str) -> str:
    doc = re.sub(
        r"<svg.*?</svg>|<style>.*?</style>|<pre class='json'>.*?</pre>|<code>.*?</code>",
        "",
        doc,
        flags=re.S,
    )
    return re.sub(r"<[^>]+>", " ", doc)


def test_headline_tells_the_story(report) -> None:
    items = dict(headline_items(report.to_dict()))
    assert list(items) == LABELS
    assert items["Capture"] == "mailprovider_2015.pcapng.gz"
    assert items["Window"] == "2015-11-04 07:55:00.105 – 08:02:59.991 UTC (8 min 00 s)"
    assert items["Traffic"] == "179,350 packets, 100 MB"
    assert items["Peak"].startswith(
        "3.0 Mbit/s, 518 pps (busiest second): 100.4 % of the 3.0 Mbit/s link"
    )
    assert "saturated in 2 episodes" in items["Peak"]
    assert items["Attack"].startswith(
        "3 attack phases and 1 mitigated tail, 07:56:00.000 – 08:02:59.991 UTC"
    )
    assert "NTP amplification" in items["Attack"] and "ntp_amplification" not in items["Attack"]
    assert items["Targets"] == "6 targets, 203.0.113.0/24 carpet-bombed"
    assert items["Data quality"].startswith(
        "20,040 packets dropped by the capture (10.1 % of 199,390)"
    )


def test_headline_lists_targets_and_keeps_quiet_about_a_clean_capture(report) -> None:
    data = copy.deepcopy(report.to_dict())
    data["targets"] = [t for t in data["targets"] if "prefix" not in t]
    data["capture"]["drops"] = None
    data["saturation"]["drops"] = {"capture_drops": None, "gaps": []}
    items = dict(headline_items(data))
    assert "Data quality" not in items
    assert items["Targets"] == ", ".join(t["address"] for t in data["targets"])
    data["saturation"]["drops"]["gaps"] = [{"start": "x", "seconds": 3.2}]
    data["capture"]["files"][0]["fault_offset"] = 123456
    quality = dict(headline_items(data))["Data quality"]
    assert "1 gap in busy traffic (longest 3.200 s)" in quality and "at byte 123,456" in quality


def test_summary_and_markdown_read_as_numbers_for_people(report) -> None:
    text = report.summary()
    assert text == summary_text(report.to_dict())
    assert text.splitlines()[0] == "Capture: mailprovider_2015.pcapng.gz."
    assert "Spoofing: spoofed sources in" in text
    assert not REPR.search(text)
    markdown = report._repr_markdown_()
    assert markdown.startswith("- **Capture**: mailprovider_2015.pcapng.gz")
    assert "| 1 | attack | 07:56:00.000 |" in markdown and "3.0 Mbit/s" in markdown
    assert not REPR.search(markdown) and "T07:" not in markdown


def test_html_opens_with_the_headline_and_shows_no_reprs(report, tmp_path) -> None:
    doc = wb.export.html(report, tmp_path / "r.html").read_text(encoding="utf-8")
    assert doc.index("id='headline'") < doc.index("<h2>")
    assert "class='fact quality'" in doc and "20,040 packets dropped" in doc
    text = _visible(doc)
    assert not REPR.search(text), REPR.search(text)
    assert "NTP amplification" in text and "3.0 Mbit/s" in text and "07:56:00.000" in text
    assert "2015-11-04T" not in text  # times for people, the date once
    assert "Saturation episodes" in doc and "Micro-bursts, counted apart" in doc
    assert "shorter than one full-size frame" in doc  # the 1 ms peak at 3 Mbit/s
    # one colour per vector, the palette's
    from workbench.viz.palette import colour

    assert f"background:{colour('ntp_amplification')}" in doc


def test_evidence_figures_name_protocol_values() -> None:
    evidence = {
        "rule": "NTP answers",
        "unique_sources": 1200,
        "top_src_port_share": 1.0,
        "mean_payload_bytes": 385.6,
        "missing": None,
        "application": {
            "dissected_packets": 200,
            "ntp_requestcode": {"42": 1.0},
            "dns_query_type": {"255": 0.75, "1": 0.25},
        },
    }
    text = importlib.import_module("workbench.export.html_report")._evidence_text(evidence)
    assert "monlist (42) 100.0 %" in text and "ANY (255) 75.0 %, A (1) 25.0 %" in text
    assert "unique sources: 1,200" in text and "top src port share: 100.0 %" in text
    assert "missing: –" in text and not REPR.search(text)


def test_phase_starts_with_the_first_packet_of_its_vectors(report) -> None:
    """One event, one time: the first phase starts at the capture's first packet, and an attack
    phase whose vectors are all new at its first attack packet, which is its first vector's
    start, also when the phase before still has packets in the same 100 ms (08:00:10.004 on
    the demo, where the SYN and UDP floods run on to 08:00:10.004)."""
    phases = report.phases
    assert phases[0]["start"] == report.capture["start"]
    starts = {v["vector"]: v["start"] for v in report.vectors}
    checked = 0
    for before, phase in itertools.pairwise(phases):
        if phase["kind"] == "attack" and not set(phase["vectors"]) & set(before["vectors"]):
            assert phase["start"] == min(starts[v] for v in phase["vectors"])
            assert before["end"] == phase["start"]
            checked += 1
    assert checked == 3


def test_series_says_of_every_packet_what_the_packets_say(report) -> None:
    """The 100 ms series the charts draw counts each vector's packets and bytes as the labelled
    packets do, the bins a phase boundary cuts included."""
    packets = (
        report.packets.with_columns(pl.col("vector").fill_null("legit"))
        .group_by("vector")
        .agg(pl.len().cast(pl.Int64).alias("packets"), pl.col("wire_len").cast(pl.Int64).sum())
        .sort("vector")
    )
    series = (
        report.series.group_by("vector")
        .agg(pl.col("packets").sum(), pl.col("bytes").sum().alias("wire_len"))
        .sort("vector")
    )
    assert packets.rows() == series.rows()


def test_timeline_gets_episodes_not_blips(report) -> None:
    timeline = events(report)
    sat = report.saturation
    assert len(sat["intervals"]) > len(sat["episodes"]) == 2
    saturated = timeline.filter(timeline["event_type"] == "saturation")
    assert saturated.height == len(sat["episodes"])
    bursts = timeline.filter(timeline["event_type"] == "micro_bursts")
    assert (
        bursts.height == 1
        and f"{sat['micro_bursts']['count']} micro-bursts" in bursts["message"][0]
    )


def test_data_quality_names_what_is_missing_and_only_that(report) -> None:
    data = copy.deepcopy(report.to_dict())
    data["capture"]["drops"] = None
    data["saturation"]["drops"] = {"capture_drops": None, "gaps": []}
    file = data["capture"]["files"][0]
    path = file["path"]
    # frames read inside a mirror encapsulation: nothing is missing (it was a "cut short" line)
    file["warnings"] = [f"{path}: 10 of 10 frames came inside a mirror or overlay encapsulation"]
    assert "Data quality" not in dict(headline_items(data))
    # a fault: its reason, the file named once (no path), whatever warning came before it
    file["fault_offset"] = 4096
    file["warnings"].append(f"{path}: packet data cut short at byte offset 4096; kept the 9")
    quality = dict(headline_items(data))["Data quality"]
    assert quality == (
        "mailprovider_2015.pcapng.gz is cut short or damaged at byte 4,096 (packet data cut short"
        " at byte offset 4096; kept the 9): what follows is missing"
    )
    # headers the snaplen cut, and a link type the fast reader does not decode
    file["fault_offset"], file["warnings"] = None, []
    file["cut_headers"], file["link_types"] = 17_935, [1, 147]
    quality = dict(headline_items(data))["Data quality"]
    assert quality.startswith(
        "17,935 packets (10.0 %) with the transport header cut by the snaplen: their TCP flags,"
        " ports or ICMP type are unknown"
    )
    assert quality.endswith(
        "mailprovider_2015.pcapng.gz: the fast reader does not decode its link type 147,"
        " so its frames are not analysed (engine='tshark' decodes them)"
    )
    # read by tshark: every link type is decoded, and its one problem is where it stopped
    data["capture"]["engine"] = "tshark"
    file["cut_headers"], file["warnings"] = None, [f"{path}: appears to have been cut short"]
    assert dict(headline_items(data))["Data quality"] == (
        "mailprovider_2015.pcapng.gz is cut short or damaged (appears to have been cut short):"
        " what follows is missing"
    )
