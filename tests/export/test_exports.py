"""Every export parsed back and checked against the Report it came from."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest
import stix2

import workbench as wb

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


@pytest.fixture(scope="module")
def analysed():
    capture = wb.load(SAMPLE)
    return capture, wb.analyze(capture, link_capacity="3M")


def test_timeline_jsonl_is_ordered_and_covers_every_phase_and_vector(analysed, tmp_path) -> None:
    _, report = analysed
    path = wb.export.timeline(report, tmp_path / "t.jsonl")
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    evidence, events = lines[0], lines[1:]
    assert evidence["event_type"] == "evidence"
    block = json.loads(evidence["evidence"])
    assert block["inputs"][0]["sha256"] == report.capture["files"][0]["sha256"]
    assert (
        block["workbench_version"] == wb.__version__
        and block["parameters"]["link_capacity_bps"] == 3e6
    )
    for event in events:  # Timesketch's required fields
        assert {"message", "datetime", "timestamp_desc"} <= set(event)
    stamps = [e["timestamp"] for e in events]
    assert stamps == sorted(stamps)
    starts = {e["phase"] for e in events if e["event_type"] == "phase_start"}
    assert starts == {p["index"] for p in report.phases}
    onsets = {e["vector"] for e in events if e["event_type"] == "vector_start"}
    assert onsets == {v["vector"] for v in report.vectors}
    kinds = {e["event_type"] for e in events}
    assert {
        "capture_start",
        "capture_end",
        "mitigation",
        "saturation",
        "peak",
        "capture_drops",
    } <= kinds


def test_timeline_csv_has_the_same_events(analysed, tmp_path) -> None:
    _, report = analysed
    csv = pl.read_csv(wb.export.timeline(report, tmp_path / "t.csv"))
    jsonl = [
        json.loads(x)
        for x in wb.export.timeline(report, tmp_path / "t.jsonl").read_text().splitlines()[1:]
    ]
    assert csv.height == len(jsonl) and csv["message"].to_list() == [e["message"] for e in jsonl]
    assert (tmp_path / "t.csv.evidence.json").is_file()


def test_fingerprint_fields(analysed, tmp_path) -> None:
    _capture, report = analysed
    doc = json.loads(wb.export.fingerprint(report, tmp_path / "fp.json").read_text())
    fps = doc["fingerprints"]
    assert len(fps) == len([p for p in report.phases if p["kind"] != "baseline"])
    first = fps[0]
    for key in ("attack_vectors", "target", "tags", "key", "time_start", "time_end", "duration_seconds",
                "total_megabytes", "total_packets", "total_ips", "avg_bps", "avg_pps", "avg_Bpp"):  # fmt: skip
        assert key in first, key
    services = {v["service"] for v in first["attack_vectors"]}
    assert services == {"DNS", "NTP"} and "Amplification attack" in first["tags"]
    dns = next(v for v in first["attack_vectors"] if v["service"] == "DNS")
    assert (
        dns["source_port"] == 53
        and dns["protocol"] == "UDP"
        and dns["destination_ports"] == "random"
    )
    assert dns["nr_packets"] > 1000 and len(dns["source_ips"]) > 100 and dns["ttl"]
    assert doc["evidence"]["inputs"][0]["sha256"] == report.capture["files"][0]["sha256"]


def test_stix_bundle_is_valid(analysed, tmp_path) -> None:
    _, report = analysed
    text = wb.export.stix(report, tmp_path / "b.json").read_text()
    bundle = stix2.parse(text, allow_custom=True)
    types = {o.type for o in bundle.objects}
    assert {"identity", "attack-pattern", "relationship", "infrastructure", "observed-data",
            "note", "ipv4-addr", "network-traffic"} <= types  # fmt: skip
    assert "indicator" not in types  # nothing here says "this is malicious" of a victim
    carpet = [o for o in bundle.objects if o.type == "identity" and "203.0.113.0/24" in o.name]
    assert carpet and "carpet bombing" in carpet[0].description


def test_parquet_round_trip_with_metadata(analysed, tmp_path) -> None:
    capture, _ = analysed
    path = wb.export.parquet(capture, tmp_path / "p.parquet")
    frame, meta = wb.export.read_parquet(path)
    assert frame.equals(capture.packets)
    assert (
        meta["capture"]["sha256"] == capture.meta.to_dict()["sha256"]
        and meta["workbench_version"] == wb.__version__
    )
    import pyarrow.parquet as pq

    table = pq.read_table(path)  # other tools open it too: addresses are text there
    assert table.num_rows == capture.packets.height and str(table.schema.field("src").type) in {
        "string",
        "large_string",
    }


def test_html_report_is_self_contained(analysed, tmp_path) -> None:
    _, report = analysed
    text = wb.export.html(report, tmp_path / "r.html").read_text()
    assert "<script" not in text and "http://" not in text.replace("http://www.w3.org", "")
    assert text.count("<svg") >= 4
    from workbench import formatting

    for phase in report.phases:  # every phase, its times as people read them (UTC, to the ms)
        assert f"<td class=time>{formatting.clock(phase['start'])}</td>" in text
    assert report.capture["files"][0]["sha256"] in text


@pytest.mark.browser
def test_html_report_renders_offline_in_chromium(analysed, tmp_path, artifacts) -> None:
    if not shutil.which("chromium") and not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    _, report = analysed
    path = wb.export.html(report, tmp_path / "r.html")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-dev-shm-usage",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
            ],
        )
        try:
            context = browser.new_context(offline=True, viewport={"width": 1200, "height": 1600})
            page = context.new_page()
            page.goto(path.as_uri())
            charts = page.locator(".chart svg")
            assert charts.count() >= 4
            box = charts.first.bounding_box()
            assert box and box["width"] > 400 and box["height"] > 150
            assert page.locator(".chart svg path").count() > 20  # marks were drawn
            page.screenshot(path=str(artifacts / "html_report.png"), full_page=False)
        finally:
            browser.close()
