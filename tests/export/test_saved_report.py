"""Exports work from a saved report (``Report.from_json``): they read the findings, and compute
none; only what needs the labelled packets (fingerprint sizes) says it needs them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import workbench as wb

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "fragments.pcap"


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    report = wb.analyze(wb.load(SAMPLE), link_capacity="20M")
    path = tmp_path_factory.mktemp("saved") / "report.json"
    report.to_json(path)
    return report, wb.Report.from_json(path)


def test_html_report_from_a_saved_report(reports, tmp_path) -> None:
    live, saved = reports
    assert saved.packets is None and saved.utilization is None
    doc = wb.export.html(saved, tmp_path / "saved.html").read_text(encoding="utf-8")
    fresh = wb.export.html(live, tmp_path / "live.html").read_text(encoding="utf-8")
    for text in ("<h2>Phases</h2>", "<h2>Link saturation</h2>", "Peaks at every time scale"):
        assert text in doc
    for label, value in live.headline():  # the same story, told from the JSON
        assert label in doc and value.split(",")[0].replace("&", "&amp;") in doc
    assert doc.count("<tr") == fresh.count("<tr")  # every table row is there
    assert doc.count("<svg") >= 2  # the multi-scale peaks and the map need no packets
    assert fresh.count("<svg") > doc.count("<svg")  # the rate and utilisation charts do


def test_timeline_stix_and_fingerprint_from_a_saved_report(reports, tmp_path) -> None:
    live, saved = reports
    assert wb.export.events(saved).equals(wb.export.events(live))
    bundle = json.loads(wb.export.stix(saved, tmp_path / "s.json").read_text())
    assert bundle["type"] == "bundle"
    fps = wb.export.fingerprints(saved)
    assert [f["phase"] for f in fps] == [f["phase"] for f in wb.export.fingerprints(live)]
    assert all("labelled packets" in f["note"] for f in fps)
