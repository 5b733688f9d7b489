"""The timeline's messages read as the rest of the report does (vectors in words, rates
unit-scaled, times in UTC), while its attributes keep code names and exact values."""

from __future__ import annotations

import functools
import re
from pathlib import Path

import pytest

import workbench as wb
from workbench import formatting as fmt
from workbench.analysis.vector_table import RULES
from workbench.export.timeline_events import events

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"
CODE_NAME = re.compile(r"\b(" + "|".join(map(re.escape, RULES)) + r")\b")
# what may hold a decimal point in a message besides a figure with its unit
ADDRESS_OR_TIME = re.compile(r"\d+\.\d+\.\d+\.\d+(/\d+)?|\d\d:\d\d:\d\d\.\d{3}")
DECIMAL = re.compile(r"(\d[\d,]*\.\d+)( ?)(\S*)")
UNITS = {"bit/s", "kbit/s", "Mbit/s", "Gbit/s", "pps", "kpps", "Mpps", "B", "kB", "MB", "GB", "s", "%"}  # fmt: skip
RATE = r"\d[\d,]*(\.\d)? [kMG]?bit/s, \d[\d,]*(\.\d)? [kM]?pps"


@pytest.fixture(
    scope="module",
    params=[
        ("mailprovider_2015.pcapng.gz", "3M"),
        ("saturation.pcapng", "2M"),
        ("reflection_mix.pcap", None),
    ],
    ids=lambda p: p[0],
)
def timeline(request):
    return _analysed(*request.param)


@functools.cache
def _analysed(name: str, link: str | None):
    report = wb.analyze(wb.load(SAMPLES / name), link_capacity=link)
    return report, events(report)


def test_messages_name_vectors_in_words_and_no_code_name(timeline) -> None:
    report, frame = timeline
    for message in frame["message"]:
        assert not CODE_NAME.search(message), message
    for v in report.vectors:
        onset = frame.filter(
            (frame["event_type"] == "vector_start") & (frame["vector"] == v["vector"])
        )
        assert onset["message"][0].startswith(f"{RULES[v['vector']].title} begins against ")
    for p in report.phases:
        start = frame.filter(
            (frame["event_type"] == "phase_start") & (frame["phase"] == p["index"])
        )
        for name in p["vectors"]:
            assert RULES[name].title in start["message"][0]


def test_messages_hold_no_raw_number(timeline) -> None:
    """Every decimal figure carries its unit, with at most one decimal for rates and sizes;
    no exponent notation, no Python repr, no ISO time stamp."""
    _, frame = timeline
    for message in frame["message"]:
        assert not re.search(r"\d[eE][+-]?\d|None|\{|\[|\d{4}-\d\d-\d\dT", message), message
        for figure, space, unit in DECIMAL.findall(ADDRESS_OR_TIME.sub("", message)):
            unit = unit.rstrip(",;)")
            assert space and unit in UNITS, (figure, unit, message)
            decimals = len(figure.partition(".")[2])
            assert decimals <= (3 if unit == "s" else 1), message


def test_rates_read_like_the_report(timeline) -> None:
    report, frame = timeline
    for v in report.vectors:
        onset = frame.filter(
            (frame["event_type"] == "vector_start") & (frame["vector"] == v["vector"])
        )
        message = onset["message"][0]
        assert re.search(r"peak " + RATE + r"\)$", message), message
        assert f"peak {fmt.bit_rate(v['peak_bps'])}, {fmt.packet_rate(v['peak_pps'])}" in message
        assert (
            f"{fmt.plural(v['packets'], 'packet')}, {fmt.size(v['bytes'])}"
            in (
                frame.filter(
                    (frame["event_type"] == "vector_end") & (frame["vector"] == v["vector"])
                )["message"][0]
            )
        )
    starts = frame.filter(frame["event_type"] == "phase_start")["message"]
    assert all(re.search("; peak " + RATE + "$", m) for m in starts), starts.to_list()


def test_attributes_keep_code_names_and_exact_values(timeline) -> None:
    report, frame = timeline
    onsets = frame.filter(frame["event_type"] == "vector_start")
    assert set(onsets["vector"]) == {v["vector"] for v in report.vectors}
    for v in report.vectors:
        row = onsets.filter(onsets["vector"] == v["vector"]).row(0, named=True)
        assert row["bps"] == v["peak_bps"] and row["pps"] == v["peak_pps"]
        assert row["sources"] == v["unique_sources"]
    for p in report.phases:
        row = frame.filter(
            (frame["event_type"] == "phase_start") & (frame["phase"] == p["index"])
        ).row(0, named=True)
        assert row["vector"] == ";".join(p["vectors"]) and row["bps"] == p["peak_bps"]


def test_the_mail_provider_sample_reads_as_its_story() -> None:
    """The bundled 2015 sample on its 3 Mbit/s link: the messages an analyst reads."""
    _, frame = _analysed("mailprovider_2015.pcapng.gz", "3M")
    by_type = {}
    for row in frame.iter_rows(named=True):
        by_type.setdefault(row["event_type"], []).append(row["message"])
    assert re.fullmatch(r"Peak traffic: 3\.0 Mbit/s, \d+ pps \(1 s bins\)", by_type["peak"][0])
    assert any(
        m.startswith("NTP amplification begins against 203.0.113.10")
        for m in by_type["vector_start"]
    )
    assert any("DNS amplification, NTP amplification against" in m for m in by_type["phase_start"])
    assert all("of the 3.0 Mbit/s link" in m for m in by_type["saturation"])
    assert re.fullmatch(
        r"\d+ micro-bursts at or above 95 % of capacity until \d\d:\d\d:\d\d\.\d{3} UTC "
        r"\(\d+\.\d{3} s in all, peak \d+\.\d %\), each too short to be an episode",
        by_type["micro_bursts"][0],
    )
    assert re.fullmatch(
        r"The capture lost \d{1,3}(,\d{3})* packets \(interface statistics\)",
        by_type["capture_drops"][0],
    )
