"""An ICMP flood of echoes larger than a frame (``ping -s 8000``, a large-packet flood) is an
ICMP flood carried in fragments, and the report says both, as tshark without reassembly reads
it: each datagram's first fragment an echo request, the others fragments. The fragmented replies
to a host's own large pings are its answers: no flood on it, on the same host beside a flood too."""

from __future__ import annotations

import subprocess

from pcap_bytes import fragmented_icmp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

VICTIM, PINGER, MONITOR = "203.0.113.72", "198.51.100.9", "203.0.113.72"
START = 1_690_000_000 * 10**9
BOTH = [("icmp_flood", [VICTIM]), ("ip_fragment_flood", [VICTIM])]


def _sorted(report) -> list[tuple[str, list[str]]]:
    return sorted(_vectors(report))


def _echoes(rate: int, seconds: int, size: int = 8000) -> list[tuple[int, str, str, int, int]]:
    """Echo requests of ``size`` data bytes from 200 spoofed sources, ``rate`` a second."""
    gap = 10**9 // rate
    return [(START + k * gap, f"192.0.2.{1 + k % 200}", VICTIM, 8, size) for k in range(rate * seconds)]  # fmt: skip


def test_a_flood_of_large_echoes_is_an_icmp_flood_in_fragments(tmp_path, tshark) -> None:
    path = tmp_path / "large-echoes.pcap"
    fragmented_icmp_pcap(path, _echoes(1500, 5))
    capture = wb.load(path)
    assert _sorted(wb.analyze(capture)) == BOTH
    # per packet as tshark reads it without reassembling: an ICMP message, or a fragment
    done = subprocess.run([tshark, "-r", str(path), "-n", "-o", "ip.defragment:FALSE", "-T", "fields",
                           "-e", "icmp.type"], capture_output=True, text=True, check=True)  # fmt: skip
    dissected = ["icmp_flood" if line else "ip_fragment_flood" for line in done.stdout.splitlines()]
    assert dissected.count("icmp_flood") == 1500 * 5
    assert wb.analysis.classify(capture.packets)["vector"].to_list() == dissected


def test_echoes_that_fit_a_frame_are_no_fragments(tmp_path) -> None:
    path = tmp_path / "echoes.pcap"
    fragmented_icmp_pcap(path, _echoes(1500, 5, size=1400))
    assert _sorted(wb.analyze(wb.load(path))) == [("icmp_flood", [VICTIM])]


def test_a_ping_flood_of_large_echoes_names_its_target_not_the_pinger(tmp_path) -> None:
    # ping -f -s 8000: the target's replies come back in fragments too; they answer the pinger
    frames = []
    for k in range(900 * 3):
        t = START + k * (10**9 // 900)
        frames += [(t, PINGER, VICTIM, 8, 8000), (t + 300_000, VICTIM, PINGER, 0, 8000)]
    path = tmp_path / "ping-f.pcap"
    fragmented_icmp_pcap(path, frames)
    assert _sorted(wb.analyze(wb.load(path))) == BOTH


def test_large_pings_and_a_flood_of_large_echoes_on_the_pinging_host(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "large-ping-monitoring")
    assert _vectors(clean) == []  # before: a fragment flood on the monitor
    for vector in ("icmp_flood", "ip_fragment_flood"):
        found, recall, precision = in_memory(tmp_path, "large-echo-flood-on-a-pinging-host", vector)
        assert _sorted(found) == [("icmp_flood", [MONITOR]), ("ip_fragment_flood", [MONITOR])]
        assert recall >= 0.95 and precision >= 0.95, (vector, recall, precision)


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "large-ping-monitoring", window_packets=100_000)
    assert _vectors(clean) == []
    found, _, truth = over_windows(tmp_path, "large-echo-flood-on-a-pinging-host", window_packets=100_000)  # fmt: skip
    assert _sorted(found) == [("icmp_flood", [MONITOR]), ("ip_fragment_flood", [MONITOR])]
    assert {v["vector"] for v in truth["vectors"]} == {"icmp_flood", "ip_fragment_flood"}
    by_label = truth["packets_by_label"]  # each 8,000-byte echo in six fragments
    assert by_label["ip_fragment_flood"] == 5 * by_label["icmp_flood"] > 0
