"""Captures whose timestamps go to the second only (a converter's pcap of sFlow samples, a 1 s
exporter): the report names the tick, rates a capture on one stamp over that tick (1,000
packets on one stamp were "1 Gpps", rated over a microsecond), and says which peaks are finer
than it. The truth is counted here from the bytes written."""

from __future__ import annotations

import struct
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import workbench as wb
from workbench.analysis.report import headline_items
from workbench.analysis.series import covered_span, stamp_resolution
from workbench.capture.ingest import ingest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp, udp

REPO = Path(__file__).resolve().parents[2]

SECOND = 10**9
START = 1_700_000_000


def _floored(source: Path, target: Path) -> list[int]:
    """``source`` (a microsecond pcap) with every stamp cut to its second; the seconds."""
    data = bytearray(source.read_bytes())
    assert struct.unpack("<I", data[:4])[0] == 0xA1B2C3D4
    seconds, at = [], 24
    while at + 16 <= len(data):
        sec, _, caught = struct.unpack("<III", data[at : at + 12])
        struct.pack_into("<I", data, at + 4, 0)
        seconds.append(sec)
        at += 16 + caught
    target.write_bytes(bytes(data))
    return seconds


def test_the_tick_is_the_largest_power_of_ten_of_every_stamp() -> None:
    base = START * SECOND
    assert stamp_resolution(np.array([base + 5 * SECOND, base + 7 * SECOND])) == SECOND
    assert stamp_resolution(np.array([base, base + 20_000_000, base + 3_000_000])) == 1_000_000
    assert stamp_resolution(np.array([base + 1_000, base + 2_001_000])) == 1_000
    assert stamp_resolution(np.array([base + 7])) == 1
    # a finer stamp anywhere in a long capture is found (the sample reaches every part of it)
    times = base + np.arange(1_000_000, dtype=np.int64) * SECOND
    times[-1] += 1_000
    assert stamp_resolution(times) == 1_000


def test_a_capture_on_one_stamp_covers_one_tick() -> None:
    assert covered_span(5 * SECOND, 5 * SECOND, 1_000, SECOND) == (5 * SECOND, 6 * SECOND)
    # to the nanosecond, one instant stays one instant (rated over the floor of a microsecond)
    assert covered_span(5 * SECOND, 5 * SECOND, 1_000, 1) == (5 * SECOND, 5 * SECOND)
    # a tick finer than the mean gap changes nothing: 11 packets 0.1 s apart cover 1.1 s
    assert covered_span(0, SECOND, 11, 1_000) == (0, 1_100_000_000)


def test_a_burst_on_one_second_is_rated_over_that_second(tmp_path) -> None:
    frame = ether(ipv4("198.51.100.7", "203.0.113.10", 17, udp(40000, 80, b"x" * 958)))
    path = tmp_path / "one-second.pcap"
    path.write_bytes(pcap([(START, frame)] * 1_000))  # 1,000 frames of 1,000 B on one stamp
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert report.capture["timestamp_resolution_ns"] == SECOND
    second = next(p for p in report.saturation["peaks"] if p["bin_ms"] == 1000)
    assert second["peak_pps"] == pytest.approx(1_000)
    assert second["peak_bps"] == pytest.approx(8e6)


def test_a_real_capture_cut_to_the_second_says_so(tmp_path) -> None:
    seconds = _floored(REPO / "sample_pcaps" / "tcp_state_floods.pcap", tmp_path / "s.pcap")
    report = wb.analyze(wb.load(tmp_path / "s.pcap", progress=False), progress=False)
    data = report.to_dict()
    assert data["capture"]["timestamp_resolution_ns"] == SECOND
    quality = dict(headline_items(data))["Data quality"]
    assert "timestamps only to 1 s: every packet of a 1 s tick shares its stamp" in quality
    peaks = {p["bin_ms"]: p for p in data["saturation"]["peaks"]}
    busiest = int(np.unique(seconds, return_counts=True)[1].max())
    assert peaks[1000]["peak_pps"] == pytest.approx(busiest)  # whole seconds: exact
    assert "note" not in peaks[1000] and "note" not in peaks[10000]
    for bin_ms in (1, 10, 100):
        assert f"overstates by up to {SECOND // (bin_ms * 10**6):,}x" in peaks[bin_ms]["note"]
    # the same capture to the microsecond: no such line, no such note
    whole = wb.analyze(wb.load(REPO / "sample_pcaps" / "tcp_state_floods.pcap", progress=False),
                       progress=False).to_dict()  # fmt: skip
    assert whole["capture"]["timestamp_resolution_ns"] == 1_000
    assert "timestamps only" not in str(dict(headline_items(whole)).get("Data quality"))
    assert not any("timestamps" in p.get("note", "") for p in whole["saturation"]["peaks"])


def test_a_dataset_gets_the_same_tick_over_its_windows(tmp_path) -> None:
    _floored(REPO / "sample_pcaps" / "tcp_state_floods.pcap", tmp_path / "s.pcap")
    ingest(tmp_path / "s.pcap", tmp_path / "ds", progress=False)
    report = wb.analyze(tmp_path / "ds", window_packets=20_000, progress=False)
    assert report.capture["timestamp_resolution_ns"] == SECOND


def test_a_repeated_get_flood_stamped_to_the_second_is_one_phase(tmp_path) -> None:
    """40 requests a second on one keep-alive connection, each answered, every packet stamped
    to its second: in capture order a request, its answer, the next request. Sorted by time
    with the answers first, each second held one request (the rest were the same turn), and
    the flood was missed; cut in 100 ms phases, one flood of 10 s would be 10."""
    get = b"GET / HTTP/1.1\r\nHost: www.example\r\nUser-Agent: Mozilla/5.0 (X11; Linux)\r\n\r\n"
    ok = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    client, server = "198.51.100.7", "192.0.2.80"
    frames = [
        (START, ether(ipv4(client, server, 6, tcp(40000, 80, 0x02)))),
        (START, ether(ipv4(server, client, 6, tcp(80, 40000, 0x12)))),
    ]
    for k in range(400):
        second = START + 1 + k // 40
        frames.append((second, ether(ipv4(client, server, 6, tcp(40000, 80, 0x18, get)))))
        frames.append((second, ether(ipv4(server, client, 6, tcp(80, 40000, 0x18, ok)))))
    path = tmp_path / "seconds.pcap"
    path.write_bytes(pcap(frames))
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert [(v.vector, list(v.targets)) for v in report.vectors] == [("http_flood", [server])]
    assert [p["kind"] for p in report.phases].count("attack") == 1


def test_the_real_keepalive_flood_stamped_to_the_second(shared_captures, tmp_path) -> None:
    source = shared_captures / "nladc.http-flood.AnonymousDoS-10s-3.pcapng"
    converted = tmp_path / "anonymous.pcap"
    subprocess.run(["editcap", "-F", "pcap", str(source), str(converted)], check=True)
    _floored(converted, tmp_path / "seconds.pcap")
    report = wb.analyze(wb.load(tmp_path / "seconds.pcap", progress=False), progress=False)
    assert [(v.vector, list(v.targets)) for v in report.vectors] == [("http_flood", ["192.168.0.100"])]  # fmt: skip
    assert [p["kind"] for p in report.phases].count("attack") == 1
