"""Streams one-way by design or by the capture are no UDP flood. A server's streams to a target
the capture never sees sending (one direction of a link, asymmetric routing): UDP from a
server's port to a client's port, from a few servers to a few ports, or from a tunnel's far end
on the port both ends use; the same shape on a target seen sending is judged as any flood, and
a stream to a server's port is no stream. A multicast group's streams (IPTV): no receiver
answers them; a flood spraying a group's random ports is still one. Telemetry to a collector
(syslog, NetFlow, StatsD metrics): never answered by design, judged by the collector's own
rate."""

from __future__ import annotations

import ipaddress

import polars as pl
from pcap_bytes import udp_pcap
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth
from workbench.analysis.config import AnalysisConfig

CLIENT = "203.0.113.150"
# no share reaches it, no flow is that long: the rule never applies
RULE_OFF = AnalysisConfig(one_way_share_min=1.01, stream_flow_min_packets=10**12)


def _stream(dport: int, *, servers: int = 1, rate: int = 2000, seconds: int = 30,
            sport: int = 443, to: str = CLIENT, size: int = 1250):  # fmt: skip
    """``servers`` streams of ``size``-byte datagrams from ``sport`` to ``to``:``dport``."""
    start = 1_650_000_000 * 10**9
    gap = 10**9 // rate
    return [
        (start + k * gap, f"142.250.74.{46 + k % servers}", sport, to, dport, size)
        for k in range(rate * seconds)
    ]


def test_a_stream_captured_one_way_is_no_flood(tmp_path) -> None:
    # 60,000 datagrams in 30 s from one CDN server's port 443 to one ephemeral port; the
    # client's acknowledgements are not in the capture
    path = tmp_path / "one-way.pcap"
    udp_pcap(path, _stream(51234))
    capture = wb.load(path)
    assert _vectors(wb.analyze(capture)) == []
    assert _vectors(wb.analyze(capture, config=RULE_OFF)) == [("udp_flood", [CLIENT])]


def test_a_tunnel_between_sites_captured_one_way_is_no_flood(tmp_path) -> None:
    # the far end's side of a tunnel both ends run on one port: WireGuard between two sites
    # (51820 at both ends) carrying a backup, 2,000 datagrams/s for 30 s; GTP-U between a cell
    # site and the core (2152), 3,000/s
    for port, rate in ((51820, 2000), (2152, 3000)):
        path = tmp_path / f"tunnel-{port}.pcap"
        udp_pcap(path, _stream(port, sport=port, rate=rate))
        capture = wb.load(path)
        assert _vectors(wb.analyze(capture)) == []
        assert _vectors(wb.analyze(capture, config=RULE_OFF)) == [("udp_flood", [CLIENT])]


def test_a_shared_port_is_a_tunnels_only_between_few_peers_above_the_system_ports(tmp_path) -> None:
    # from and to a system port (80: a service's, flooded), from one port to another of the
    # ephemeral range, or from 40 hosts on the tunnel's port (a crowd): each a flood
    for name, frames in (
        ("system", _stream(80, sport=80)),
        ("other-port", _stream(51821, sport=51820)),
        ("crowd", _stream(51820, sport=51820, servers=40)),
    ):
        path = tmp_path / f"{name}.pcap"
        udp_pcap(path, frames)
        assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [CLIENT])], name


def test_datagrams_to_a_servers_port_are_no_stream(tmp_path) -> None:
    # the same datagrams to port 27015 (a game server's): no client's port, so a flood
    path = tmp_path / "to-a-server.pcap"
    udp_pcap(path, _stream(27015))
    assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [CLIENT])]


def test_a_target_seen_sending_gets_no_benefit_of_the_doubt(tmp_path) -> None:
    # one DNS query from the client: the capture sees it send, so a stream it never
    # acknowledges is unanswered UDP like any other
    frames = _stream(51234)
    frames.append((frames[0][0] + 5 * 10**9, CLIENT, 40000, "192.0.2.53", 53, 40))
    path = tmp_path / "talks.pcap"
    udp_pcap(path, sorted(frames))
    assert _vectors(wb.analyze(wb.load(path))) == [("udp_flood", [CLIENT])]


def test_video_over_quic_captured_one_way(tmp_path) -> None:
    path = tmp_path / "video.pcap"
    truth = synth.write("one-way-quic-video", path, seed=5)
    assert truth["one_way"] and not truth["vectors"]
    capture = wb.load(path)
    streams = capture.packets.filter(pl.col("sport") == 443, pl.col("proto") == 17)
    assert streams.height > 100_000 and streams["dst"].n_unique() == 1
    assert capture.packets.filter(pl.col("src") == streams["dst"][0]).is_empty()
    assert _vectors(wb.analyze(capture)) == []
    # the rule is what keeps it clean
    assert _vectors(wb.analyze(capture, config=RULE_OFF)) == [("udp_flood", [CLIENT])]


def test_a_flood_shaped_like_a_stream_on_a_target_that_talks(tmp_path) -> None:
    path = tmp_path / "flood.pcap"
    synth.write("service-port-flood", path, seed=5)
    labels = pl.read_parquet(synth.labels_path(path))["label"]
    capture = wb.load(path)
    report = wb.analyze(capture)
    assert _vectors(report) == [("udp_flood", [CLIENT])]
    found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
    truth = labels == "udp_flood"
    assert (found & truth).sum() >= 0.95 * truth.sum()
    assert (found & truth).sum() >= 0.95 * found.sum()
    # captured one way (the target's own packets gone), the same flood passes for a stream:
    # the trade-off the rule makes (README)
    one_way = tmp_path / "flood-one-way.pcap"
    sent = pl.col("src").ip.in_network(f"{CLIENT}/32")
    assert capture.packets.filter(sent).height > 1000
    kept = capture.packets.with_columns(pl.col("ts").cast(pl.Int64)).filter(~sent)
    udp_pcap(
        one_way,
        [
            (t, str(ipaddress.IPv4Address(int(s) & 0xFFFFFFFF)), sp,
             str(ipaddress.IPv4Address(int(d) & 0xFFFFFFFF)), dp, max(n, 1))
            for t, s, sp, d, dp, n in kept.filter(pl.col("proto") == 17)
            .select("ts", "src", "sport", "dst", "dport", "payload_len")
            .iter_rows()
        ],
    )  # fmt: skip
    assert _vectors(wb.analyze(wb.load(one_way))) == []


def test_a_backup_through_a_site_tunnel_captured_one_way(tmp_path) -> None:
    path = tmp_path / "tunnel.pcap"
    truth = synth.write("one-way-site-tunnel", path, seed=5)
    assert truth["one_way"] and not truth["vectors"]
    capture = wb.load(path)
    tunnel = capture.packets.filter(pl.col("sport") == 51820, pl.col("dport") == 51820)
    assert tunnel.height > 50_000 and tunnel["src"].n_unique() == 1
    assert capture.packets.filter(pl.col("src") == tunnel["dst"][0]).is_empty()
    assert _vectors(wb.analyze(capture)) == []
    # the rule is what keeps it clean
    no_peers = AnalysisConfig(stream_peer_port_min=65536)
    assert _vectors(wb.analyze(capture, config=no_peers)) == [("udp_flood", [CLIENT])]


def test_a_botnet_shaped_like_the_tunnel_on_its_gateway(tmp_path) -> None:
    # 600 bots, each from port 51820 to port 51820, flood the gateway while the tunnel runs
    for scale in (0.2, 1.0):
        path = tmp_path / f"gateway-{scale}.pcap"
        truth = synth.write("flood-on-a-tunnel-gateway", path, seed=5, scale=scale)
        capture = wb.load(path)
        report = wb.analyze(capture)
        assert _vectors(report) == [("udp_flood", truth["vectors"][0]["targets"])]
        labels = pl.read_parquet(synth.labels_path(path))["label"]
        found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
        flood = labels == "udp_flood"
        assert (found & flood).sum() >= 0.95 * flood.sum()
        in_tunnel = (capture.packets["sport"] == 51820) & ~flood
        if scale < 1:  # 30 datagrams a bot: the tunnel's is the one flow of a stream's length
            assert not (found & in_tunnel).any()
        else:  # 150 a bot, each on one socket: a crowd of such flows makes none a stream, and
            # the tunnel's datagrams in the flood's seconds go with it (the README's price)
            assert (found & in_tunnel).sum() > 10_000


def test_over_a_datasets_windows_too(tmp_path) -> None:
    report, _, _ = over_windows(tmp_path, "one-way-site-tunnel", window_packets=5_000)
    assert _vectors(report) == []
    cases = (("one-way-quic-video", []), ("service-port-flood", [("udp_flood", [CLIENT])]),
             ("telemetry-collector", []), ("collector-flood", [("udp_flood", ["203.0.113.60"])]))  # fmt: skip
    for name, expected in cases:
        report, _, _ = over_windows(tmp_path, name, window_packets=20_000)
        assert _vectors(report) == expected


def test_an_iptv_channel_to_its_group_is_no_flood(tmp_path) -> None:
    # 2,400 datagrams/s of MPEG-TS (a 25 Mbit/s channel) from a head-end to one group
    group = _stream(5000, sport=5000, to="239.1.1.1", rate=2400, size=1316)
    path = tmp_path / "iptv.pcap"
    udp_pcap(path, group)
    assert _vectors(wb.analyze(wb.load(path))) == []
    # the same datagrams to one host's port 5001: a flood from one source (to its port 5000, the
    # port they come from, they would be a tunnel's far end as far as one direction shows)
    unicast = tmp_path / "unicast.pcap"
    udp_pcap(unicast, [(t, s, sp, "203.0.113.151", 5001, n) for t, s, sp, _, _, n in group])
    assert _vectors(wb.analyze(wb.load(unicast))) == [("udp_flood", ["203.0.113.151"])]


def test_iptv_channels_beside_a_flood_on_a_group(tmp_path) -> None:
    for name, truth_vectors in (("iptv-multicast", []), ("multicast-flood", ["udp_flood"])):
        path = tmp_path / f"{name}.pcap"
        truth = synth.write(name, path, seed=5)
        assert [v["vector"] for v in truth["vectors"]] == truth_vectors
        capture = wb.load(path)
        groups = capture.packets.filter(pl.col("dst").ip.in_network("239.0.0.0/8"))
        assert groups.height > 100_000 and groups["dport"].n_unique() >= 2
        report = wb.analyze(capture)
        assert _vectors(report) == [(v["vector"], v["targets"]) for v in truth["vectors"]]
        if truth_vectors:
            found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
            labelled = pl.read_parquet(synth.labels_path(path))["label"] == "udp_flood"
            assert (found & labelled).sum() >= 0.95 * labelled.sum()
            assert (found & labelled).sum() >= 0.95 * found.sum()


def _export(
    rate: int, port: int, *, sport: int | None = None, senders: int = 10, seconds: int = 60
):
    """``senders`` hosts send a collector ``rate`` datagrams/s in all, steadily, to ``port``."""
    start = 1_650_000_000 * 10**9
    return [
        (start + k * 10**9 // rate, f"192.0.2.{1 + k % senders}",
         sport or 50000 + k % senders, "198.51.100.9", port, 1224)
        for k in range(rate * seconds)
    ]  # fmt: skip


def test_telemetry_to_a_collector_is_judged_by_its_own_rate(tmp_path) -> None:
    # NetFlow v9 from 10 routers, 3,000 exports/s, to the collector's port 2055
    path = tmp_path / "netflow.pcap"
    udp_pcap(path, _export(3000, 2055))
    assert _vectors(wb.analyze(wb.load(path))) == []
    # the same to a port no collector listens on: unanswered UDP at 3,000/s
    other = tmp_path / "other.pcap"
    udp_pcap(other, _export(3000, 2056))
    assert _vectors(wb.analyze(wb.load(other))) == [("udp_flood", ["198.51.100.9"])]
    # without a baseline, above 20,000/s it is a flood at the collector's port too
    flood = tmp_path / "flood.pcap"
    udp_pcap(flood, _export(25_000, 2055, senders=200, seconds=2))
    assert _vectors(wb.analyze(wb.load(flood))) == [("udp_flood", ["198.51.100.9"])]


def test_metrics_to_a_monitoring_host_are_judged_by_its_own_rate(tmp_path) -> None:
    # StatsD from 10 application servers (3,000 datagrams/s to 8125), collectd from 40 hosts
    # (2,000/s to 25826), GELF logs from 8 servers (1,500/s to 12201): each was a UDP flood
    for port, rate, senders in ((8125, 3000, 10), (25826, 2000, 40), (12201, 1500, 8)):
        path = tmp_path / f"metrics-{port}.pcap"
        udp_pcap(path, _export(rate, port, senders=senders))
        assert _vectors(wb.analyze(wb.load(path))) == [], port
    # 25,000 datagrams/s from 200 hosts on the StatsD port, without a baseline: a flood
    flood = tmp_path / "flood.pcap"
    udp_pcap(flood, _export(25_000, 8125, senders=200, seconds=2))
    assert _vectors(wb.analyze(wb.load(flood))) == [("udp_flood", ["198.51.100.9"])]


def test_a_monitoring_hosts_statsd_metrics(tmp_path) -> None:
    path = tmp_path / "metrics.pcap"
    truth = synth.write("metrics-collector", path, seed=5)
    assert not truth["vectors"]
    capture = wb.load(path)
    metrics = capture.packets.filter(pl.col("dport") == 8125)
    assert metrics.height > 300_000 and metrics["src"].n_unique() == 40
    assert _vectors(wb.analyze(capture)) == []


def test_syslog_from_a_crowd_sharing_port_514_is_no_reflection(tmp_path) -> None:
    # 40 servers logging from port 514 to 514 (RFC 5426), 2,000 lines/s in all
    path = tmp_path / "syslog.pcap"
    udp_pcap(path, _export(2000, 514, sport=514, senders=40))
    assert _vectors(wb.analyze(wb.load(path))) == []
    # the same crowd answering from one unlisted port to another: a reflection
    crowd = tmp_path / "crowd.pcap"
    udp_pcap(crowd, _export(2000, 40000, sport=40123, senders=40))
    assert _vectors(wb.analyze(wb.load(crowd))) == [("udp_reflection", ["198.51.100.9"])]


def test_a_botnet_flooding_a_collectors_syslog_port(tmp_path) -> None:
    path = tmp_path / "collector-flood.pcap"
    truth = synth.write("collector-flood", path, seed=5)
    capture = wb.load(path)
    labels = pl.read_parquet(synth.labels_path(path))["label"]
    flood = capture.packets.filter(labels == "udp_flood")
    assert (flood["dport"] == 514).all()  # a rule that ignored port 514 would see none of it
    assert _vectors(wb.analyze(capture)) == [("udp_flood", truth["vectors"][0]["targets"])]
    found = wb.analysis.classify(capture.packets)["vector"] == "udp_flood"
    assert (found & (labels == "udp_flood")).sum() >= 0.95 * flood.height
    # the collector's own telemetry in the flood's seconds goes with it (1.8 % of them)
    assert (found & (labels == "udp_flood")).sum() >= 0.95 * found.sum()
    clean = tmp_path / "collector.pcap"
    synth.write("telemetry-collector", clean, seed=5)
    collector = wb.load(clean)
    assert collector.packets.filter(pl.col("dport").is_in([514, 2055])).height > 400_000
    assert _vectors(wb.analyze(collector)) == []
    assert _vectors(wb.analyze(collector, config=AnalysisConfig(one_way_share_min=1.01))) != []
