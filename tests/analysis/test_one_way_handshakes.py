"""SYN-ACKs whose client's SYN the capture never saw (one direction of a link, asymmetric
routing) are solicited when the server went on to send on the connection: it had the client's
ACK. A reflector never does, so SYN-ACK reflection on the same host is still found."""

from __future__ import annotations

import polars as pl
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth

HOST = "203.0.113.150"
SYN, ACK, RST = 0x02, 0x10, 0x04
TUPLE = ["src", "sport", "dst", "dport"]


def _synacks(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter((pl.col("proto") == 6) & (pl.col("tcp_flags") & (SYN | ACK) == SYN | ACK))


def test_browsing_captured_one_way_is_no_reflection(tmp_path) -> None:
    path = tmp_path / "browsing.pcap"
    truth = synth.write("one-way-browsing", path, seed=5)
    assert truth["one_way"] and not truth["vectors"]
    packets = wb.load(path).packets
    synacks = _synacks(packets).filter(pl.col("dst").ip.in_network(f"{HOST}/32"))
    assert synacks.height >= 150 and synacks["src"].n_unique() >= 20
    assert packets.filter(pl.col("src").ip.in_network(f"{HOST}/32")).is_empty()
    assert _vectors(wb.analyze(packets)) == []
    # the servers' segments after their SYN-ACKs are what shows the host answered: without
    # them, two dozen servers' SYN-ACKs to a host that never sent a SYN are a reflection
    later = (pl.col("tcp_flags") & ACK > 0) & (pl.col("tcp_flags") & (SYN | RST) == 0)
    after = packets.join(synacks.select(TUPLE).unique(), on=TUPLE, how="semi").filter(later)
    assert after.height > synacks.height
    alone = packets.join(after.select("ts", *TUPLE), on=["ts", *TUPLE], how="anti")
    assert _vectors(wb.analyze(alone)) == [("synack_reflection", [HOST])]


def test_reflection_on_a_host_browsing_captured_one_way(tmp_path) -> None:
    path = tmp_path / "reflection.pcap"
    truth = synth.write("one-way-synack-reflection", path, seed=5)
    capture = wb.load(path)
    assert capture.packets.filter(pl.col("src").ip.in_network(f"{HOST}/32")).is_empty()
    assert _vectors(wb.analyze(capture)) == [("synack_reflection", truth["vectors"][0]["targets"])]
    labels = pl.read_parquet(synth.labels_path(path))["label"]
    found = wb.analysis.classify(capture.packets)["vector"] == "synack_reflection"
    truth_mask = labels == "synack_reflection"
    assert (found & truth_mask).sum() >= 0.95 * truth_mask.sum()
    assert (found & truth_mask).sum() >= 0.99 * found.sum()
    # the page loads' own SYN-ACKs stay legitimate, in the attack's seconds too
    marked = capture.packets.with_columns(found=found, label=labels)
    browsing = _synacks(marked).filter(pl.col("label") == "legit")
    assert browsing.height >= 150 and not browsing["found"].any()


def test_over_a_datasets_windows_too(tmp_path) -> None:
    for name, expected in (("one-way-browsing", []),
                           ("one-way-synack-reflection", [("synack_reflection", [HOST])])):  # fmt: skip
        report, _, _ = over_windows(tmp_path, name, window_packets=1_000)
        assert _vectors(report) == expected
