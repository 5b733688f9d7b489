"""An HTTP or slow-HTTP flood is labelled as whole sessions, both ways (the attack's packets as
captured, for the pcap export), but its server answering the clients is not one of the attack's
sources: the report's sources, their count, spoofing figures and geography, and the vector's
ports and targets are read from the packets toward the targets. Before, four of the five real
application-layer floods of the validation set named their own victim as a source (the Go
slowloris's victim was its top source), counted two sources for one client, and listed the
clients' ephemeral ports as hundreds of "target ports"."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import synth
from workbench.capture.addresses import parse
from workbench.evaluation_variants import amid
from workbench.export.fingerprint_json import fingerprints

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

# the real two-way floods of one client: (capture, vector, target, the service port)
REAL = [
    ("nladc.http-flood.AnonymousDoS-10s-3.pcapng", "http_flood", "192.168.0.100", 80),
    ("mabidm-tsinghua__daud-MLRiding-With-Redis__hulk.pcap", "http_flood", "192.168.1.2", 80),
    ("Kihy__pcap_data__slowloris.pcap", "slow_http", "192.168.56.102", 80),
    ("joamontesgi__flask_app_tesis__slowloris_go.pcap", "slow_http", "192.168.1.3", 80),
]


def _clients(tshark: str, path: Path, target: str, port: int) -> set[str]:
    """The hosts tshark sees sending data to the target's service port: the flood's clients."""
    out = subprocess.run(
        [tshark, "-r", str(path), "-Y", f"ip.dst=={target} && tcp.dstport=={port} && tcp.len>0",
         "-T", "fields", "-e", "ip.src"],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    return set(out.split())


@pytest.mark.parametrize(("name", "vector", "target", "port"), REAL, ids=[r[0][:24] for r in REAL])
def test_a_real_flood_names_its_clients_not_its_server(shared_captures, tshark, name, vector, target, port) -> None:  # fmt: skip
    path = shared_captures / name
    clients = _clients(tshark, path, target, port)
    report = wb.analyze(wb.load(path, progress=False), progress=False)
    [found] = [v for v in report.vectors if v.vector == vector]
    assert found.targets == (target,)
    assert found.unique_sources == len(clients) == 1
    assert found.evidence.unique_sources == len(clients)
    assert found.evidence.unique_targets == 1
    # the service's port, not the clients' ephemeral ones (hundreds, one per connection)
    assert found.dst_ports == (port,) and found.evidence.distinct_dst_ports == 1
    assert port not in found.src_ports
    top = {entry["address"] for entry in report.sources.top}
    assert top == clients and target not in top
    assert report.sources.unique == len(clients)
    [spoof] = [p for p in report.sources.spoofing.per_vector if p["vector"] == vector]
    assert spoof["unique_sources"] == len(clients)
    assert all(p["unique_sources"] == len(clients) for p in report.phases if p["kind"] == "attack")
    # the fingerprint colleagues block by lists the clients, and the service's port
    for fingerprint in fingerprints(report):
        [entry] = [e for e in fingerprint["attack_vectors"] if e["workbench_vector"] == vector]
        assert entry["source_ips"] == sorted(clients)
        assert list(entry["destination_ports"]) == [str(port)]


SERVER = "203.0.113.80"  # the application-layer sample's web server, the HTTP flood's target


def _sample(folder: Path) -> tuple[pl.DataFrame, pl.DataFrame]:
    """The application-layer sample (an HTTP flood from a botnet on a web server, then DNS
    water torture): its packets and the synthesizer's label of each."""
    path = folder / "application-layer.pcap"
    synth.write("application-layer", path, seed=3, scale=0.3)
    return wb.load(path, progress=False).packets, pl.read_parquet(synth.labels_path(path))


def test_an_http_flood_counts_the_bots_the_synthesizer_sent(tmp_path) -> None:
    packets, labels = _sample(tmp_path)
    to_server = pl.col("dst") == pl.lit(parse(SERVER), dtype=pl.UInt128)
    labelled = packets.with_columns(labels["label"])
    flood = labelled.filter(pl.col("label") == "http_flood")
    bots = set(flood.filter(to_server).select(pl.col("src").ip.to_text())["src"])
    assert SERVER not in bots and len(bots) > 20
    # every host sending to the server while the flood runs: the bots and its visitors (whose
    # requests in the flood's seconds are labelled with it: a rate's labels cannot tell them)
    ts = pl.col("ts")
    during = labelled.filter(to_server & ts.is_between(flood["ts"].min(), flood["ts"].max()))
    senders = set(during.select(pl.col("src").ip.to_text())["src"])
    report = wb.analyze(packets, progress=False)
    [found] = [v for v in report.vectors if v.vector == "http_flood"]
    assert found.targets == (SERVER,)
    assert len(bots) <= found.unique_sources <= len(senders)
    assert found.evidence.unique_targets == 1
    assert set(found.dst_ports) <= {80, 443}
    top = {entry["address"] for entry in report.sources.top}
    assert SERVER not in top
    # the phase's sources are the vector's
    [phase] = [p for p in report.phases if "http_flood" in p["vectors"]]
    assert phase["unique_sources"] == found.unique_sources


def test_a_server_that_floods_another_host_is_that_floods_source(tmp_path) -> None:
    # the same sample, its web server also flooding a third host with UDP (3,000 datagrams in
    # 3 s, from the sample's start): a source of that flood, never of the HTTP flood on itself
    packets, _ = _sample(tmp_path)
    victim = "198.51.100.9"
    frames = [(1_700_000_000 + k / 1000, ether(ipv4(SERVER, victim, 17, udp(40000 + k % 500, 9999, bytes(400)))))
              for k in range(3000)]  # fmt: skip
    path = tmp_path / "udp.pcap"
    path.write_bytes(pcap(frames))
    both = amid(packets, wb.load(path, progress=False).packets)
    report = wb.analyze(both, progress=False)
    vectors = {v.vector: v for v in report.vectors}
    assert vectors["udp_flood"].targets == (victim,) and vectors["udp_flood"].unique_sources == 1
    [entry] = [e for e in report.sources.top if e["address"] == SERVER]
    # its datagrams (a few at the flood's edges unlabelled), none of its answers to the bots
    assert entry["vectors"] == ["udp_flood"] and 0.95 * 3000 <= entry["packets"] <= 3000
