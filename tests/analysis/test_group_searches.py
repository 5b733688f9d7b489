"""A host's search to a group (an SSDP M-SEARCH to 239.255.255.250) asks every device's answer on
that port for a few seconds only (``group_answer_window_s``): a host that searched once is no
shield for an SSDP reflection on it long after. Real bytes: the validation set's SSDP reflection,
its target given a real benign host's traffic (which searches for UPnP devices); the synthesized
reflection on a searching host; and LAN discovery that must stay benign."""

from __future__ import annotations

import polars as pl
import pytest

import workbench as wb
from workbench import evaluation, synth
from workbench.capture.addresses import parse

REFLECTION = "nladc.ssdp-dns-reflection.2014-12-29.pcap"
TARGET = "172.31.28.132"
HOST = "benign/OISF__suricata-verify__base64-decode-5885-input.pcap"  # a Windows host's traffic
FOREVER = wb.AnalysisConfig(group_answer_window_s=1e9)  # every answer asked once it searched


def _found(packets: pl.DataFrame, config: wb.AnalysisConfig | None = None) -> bool:
    report = wb.analyze(packets, config=config or wb.AnalysisConfig(), progress=False)
    return evaluation.judge(report, "attack", [("ssdp_amplification", TARGET)])[0]


def test_a_real_reflection_on_a_host_that_searched_is_found(shared_captures) -> None:
    attack = wb.load(shared_captures / REFLECTION, progress=False).packets
    benign = wb.load(shared_captures / HOST, progress=False).packets
    _, host = evaluation.toward_busiest(benign)
    was, now = pl.lit(host, pl.UInt128), pl.lit(parse(TARGET), pl.UInt128)
    moved = benign.with_columns(
        src=pl.when(pl.col("src") == was).then(now).otherwise("src"),
        dst=pl.when(pl.col("dst") == was).then(now).otherwise("dst"),
        ts=(pl.col("ts").cast(pl.Int64) - benign["ts"].cast(pl.Int64).min()
            + attack["ts"].cast(pl.Int64).min()).cast(attack.schema["ts"]),
    )  # fmt: skip
    # the host searches a group for SSDP devices (a search from its own address, to port 1900)
    searches = moved.filter((pl.col("src") == now) & (pl.col("dport") == 1900))
    assert searches.height > 0
    mixed = pl.concat([attack, moved]).sort("ts")
    assert _found(attack)
    assert _found(mixed)
    assert not _found(mixed, FOREVER)  # its searches once shielded every SSDP answer


@pytest.mark.parametrize("scale", [0.2, 1.0])
def test_the_synthesized_reflection_on_a_searching_host_is_found(tmp_path, scale) -> None:
    path = tmp_path / "searching.pcap"
    truth = synth.write("ssdp-reflection-on-searching-host", path, seed=4, scale=scale)
    [target] = {t for v in truth["vectors"] for t in v["targets"]}
    packets = wb.load(path, progress=False).packets
    for config, found in ((None, True), (FOREVER, False)):
        report = wb.analyze(packets, config=config or wb.AnalysisConfig(), progress=False)
        assert [(v.vector, v.targets) for v in report.vectors] == (
            [("ssdp_amplification", (target,))] if found else []
        )


@pytest.mark.parametrize("name", ["ssdp-discovery", "lan-name-queries"])
def test_answers_to_a_hosts_searches_stay_benign(tmp_path, name) -> None:
    path = tmp_path / f"{name}.pcap"
    synth.write(name, path, seed=4, scale=1.0)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    assert evaluation.judge(report, "benign", [])[0]
