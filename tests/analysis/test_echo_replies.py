"""Echo replies to a host's own pings are its answers, not an ICMP flood (a monitoring host
pinging thousands of hosts a second takes thousands of replies); replies it never asked for (a
botnet's, or a smurf's) still are one, on the same host."""

from __future__ import annotations

import ipaddress

import polars as pl
from pcap_bytes import icmp_pcap
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth

MONITOR = "203.0.113.70"


def test_replies_to_a_monitors_pings_are_no_flood(tmp_path) -> None:
    # 1,000 hosts pinged once a second each for 20 s; each answers 2 ms later
    start = 1_650_000_000 * 10**9
    hosts = [str(ipaddress.IPv4Address(0x0A080000 + h)) for h in range(1000)]
    pings, replies = [], []
    for s in range(20):
        for h, host in enumerate(hosts):
            t = start + s * 10**9 + h * 1_000_000
            pings.append((t, MONITOR, host, 8))
            replies.append((t + 2_000_000, host, MONITOR, 0))
    path = tmp_path / "monitor.pcap"
    icmp_pcap(path, sorted(pings + replies))
    assert _vectors(wb.analyze(wb.load(path))) == []
    # the same replies with the pings not in the capture: 1,000 a second nobody asked for
    alone = tmp_path / "replies.pcap"
    icmp_pcap(alone, replies)
    assert _vectors(wb.analyze(wb.load(alone))) == [("icmp_flood", [MONITOR])]


def test_unasked_replies_at_a_host_that_pings(tmp_path) -> None:
    path = tmp_path / "replies.pcap"
    truth = synth.write("echo-reply-flood", path, seed=5)
    capture = wb.load(path)
    labels = pl.read_parquet(synth.labels_path(path))["label"]
    packets = capture.packets.with_columns(label=labels)
    # the flood's replies come from hosts the monitor never pinged; it pings 5,000 others
    pinged = packets.filter(pl.col("icmp_type") == 8)["dst"].unique()
    flood = packets.filter(pl.col("label") == "icmp_flood")
    assert (flood["icmp_type"] == 0).all() and not flood["src"].is_in(pinged.implode()).any()
    assert pinged.len() == 5000
    assert _vectors(wb.analyze(capture)) == [("icmp_flood", truth["vectors"][0]["targets"])]
    found = wb.analysis.classify(capture.packets)["vector"] == "icmp_flood"
    hit = (found & (labels == "icmp_flood")).sum()
    assert hit >= 0.95 * flood.height and hit >= 0.99 * found.sum()
    # its own pings' replies in the flood's seconds stay legitimate
    asked = packets.with_columns(found=found).filter(
        (pl.col("icmp_type") == 0) & (pl.col("label") == "legit")
    )
    assert asked.height > 200_000 and not asked["found"].any()


def test_over_a_datasets_windows_too(tmp_path) -> None:
    for name, expected in (("network-monitoring", []),
                           ("echo-reply-flood", [("icmp_flood", [MONITOR])])):  # fmt: skip
        report, _, _ = over_windows(tmp_path, name, window_packets=50_000)
        assert _vectors(report) == expected
