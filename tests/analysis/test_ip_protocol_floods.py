"""IP protocols none of TCP, UDP, ICMP and GRE: a flood whose protocol field is random (dozens of
protocols on one host) is an attack whatever its rate; a flood of one such protocol (ESP from a
botnet) is judged by its rate, as GRE is; ESP between the two ends of an IPsec tunnel is the
tunnel's, and a scan of a host's protocols (nmap -sO: each once or twice) is no flood. UDP from
and to port 0 is no reflection and, whatever its rate, a flood."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
TARGET, GATEWAY, BRANCH = "10.10.10.10", "203.0.113.2", "198.51.100.78"
# what no random protocol field may fall on: those the decoder reads as another row's (TCP,
# UDP, ICMP, ICMPv6, GRE) or peels as a tunnel (IP-in-IP, IPv6-in-IPv4)
NAMED = {1, 4, 6, 17, 41, 47, 58}


def _spoofed(rng: random.Random) -> str:
    return (
        f"{rng.randint(1, 223)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _write(path: Path, packets: list[bytes], seconds: float) -> Path:
    """``packets`` (IP) spread evenly over ``seconds``."""
    gap = seconds / len(packets)
    path.write_bytes(pcap([(T0 + k * gap, ether(p)) for k, p in enumerate(packets)]))
    return path


def _random_protocols(n: int, seed: int = 1) -> list[bytes]:
    rng = random.Random(seed)
    other = [p for p in range(256) if p not in NAMED]
    return [ipv4(_spoofed(rng), TARGET, rng.choice(other), bytes(rng.randint(0, 64)))
            for _ in range(n)]  # fmt: skip


def test_a_random_protocol_field_is_a_flood_at_any_rate(tmp_path) -> None:
    # 10,000 packets over 2 minutes: 83 a second, far under any flood rate
    path = _write(tmp_path / "random.pcap", _random_protocols(10_000), 120.0)
    capture = wb.load(path)
    report = wb.analyze(capture)
    assert _vectors(report) == [("ip_protocol_flood", [TARGET])]
    # named by its protocols, not by ports it has none of
    [finding] = report.vectors
    assert (finding.service, finding.src_ports, finding.dst_ports) == ("ip/random", (), ())
    assert finding.evidence.distinct_protocols == 256 - len(NAMED)
    assert len(finding.evidence.top_protocols) == 5
    labelled = wb.analysis.classify(capture.packets)["vector"] == "ip_protocol_flood"
    assert labelled.sum() == 10_000


def test_one_unnamed_protocol_is_judged_by_its_rate(tmp_path) -> None:
    rng = random.Random(2)
    packets = [ipv4(_spoofed(rng), TARGET, 253, bytes(40)) for _ in range(10_000)]
    fast = _write(tmp_path / "fast.pcap", packets, 2.0)  # 5,000 a second
    report = wb.analyze(wb.load(fast))
    assert _vectors(report) == [("ip_protocol_flood", [TARGET])]
    assert report.vectors[0].service == "ip/253"
    slow = _write(tmp_path / "slow.pcap", packets, 100.0)  # 100 a second, one protocol
    report = wb.analyze(wb.load(slow))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "ip_protocol_flood"]
    assert held.held_back_by.endswith("flood_pps_other")


def test_a_protocol_scan_is_no_flood(tmp_path) -> None:
    # nmap -sO at 1,000 probes a second: every protocol twice, TCP, UDP and ICMP included
    probes = [ipv4("198.51.100.9", TARGET, p, b"") for p in list(range(256)) * 2]
    report = wb.analyze(wb.load(_write(tmp_path / "scan.pcap", probes, 0.5)))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "ip_protocol_flood"]
    assert held.held_back_by == "scan_probes_per_protocol_max"
    # the same 256 protocols, each ten times: a flood
    flood = [ipv4(_spoofed(random.Random(k)), TARGET, k % 256, bytes(8)) for k in range(2560)]
    assert _vectors(wb.analyze(wb.load(_write(tmp_path / "flood.pcap", flood, 10.0)))) == [
        ("ip_protocol_flood", [TARGET])
    ]


def test_a_protocol_scan_of_a_subnet_is_no_carpet_bombing(tmp_path) -> None:
    # nmap -sO of 20 hosts of a /24: the prefix's packets add up (10,240), its protocols do not
    hosts = [f"10.10.10.{h}" for h in range(1, 21)]
    sweep = [ipv4("198.51.100.9", host, p, b"") for host in hosts for p in list(range(256)) * 2]
    assert _vectors(wb.analyze(wb.load(_write(tmp_path / "sweep.pcap", sweep, 10.0)))) == []
    # a random protocol field spread over the same hosts, 1,500 packets each: a carpet bombing
    rng = random.Random(5)
    other = [p for p in range(256) if p not in NAMED]
    carpet = [ipv4(_spoofed(rng), rng.choice(hosts), rng.choice(other), bytes(20))
              for _ in range(30_000)]  # fmt: skip
    found = _vectors(wb.analyze(wb.load(_write(tmp_path / "carpet.pcap", carpet, 30.0))))
    assert found == [("ip_protocol_flood", ["10.10.10.0/24"])]


def _esp(src: str, dst: str, k: int) -> bytes:
    return ipv4(src, dst, 50, k.to_bytes(8, "big") + bytes(400))


def test_an_ipsec_tunnel_is_no_flood_and_bots_on_its_gateway_are(tmp_path) -> None:
    gap = 1 / 3000  # 3,000 a second each way for 20 s
    tunnel = [(T0 + k * gap + way * gap / 2, _esp(*ends, k))
              for k in range(60_000) for way, ends in enumerate(((BRANCH, GATEWAY), (GATEWAY, BRANCH)))]  # fmt: skip
    clean = tmp_path / "tunnel.pcap"
    clean.write_bytes(pcap([(t, ether(p)) for t, p in tunnel]))
    assert _vectors(wb.analyze(wb.load(clean))) == []
    rng = random.Random(3)
    bots = [f"192.0.2.{n}" for n in range(1, 41)]
    # 2,000 a second from 40 bots for 10 s, amid the tunnel's
    flood = [
        (T0 + 5 + k / 2000 + gap / 4, _esp(rng.choice(bots), GATEWAY, k)) for k in range(20_000)
    ]
    path = tmp_path / "flood.pcap"
    path.write_bytes(pcap([(t, ether(p)) for t, p in sorted(tunnel + flood)]))
    capture = wb.load(path)
    report = wb.analyze(capture)
    assert _vectors(report) == [("ip_protocol_flood", [GATEWAY])]
    [finding] = report.vectors
    assert finding.service == "ip/50"  # ESP
    assert (finding.evidence.distinct_protocols, finding.evidence.top_protocols) == (1, (50,))
    wb.export.html(report, tmp_path / "report.html")  # the protocol named for the analyst
    assert "top protocols: ESP (50)" in (tmp_path / "report.html").read_text()
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector") == "ip_protocol_flood")
    assert labelled.height == len(flood)
    assert labelled.filter(pl.col("src").ip.to_text() == BRANCH).is_empty()


def test_udp_from_and_to_port_zero_is_a_flood_not_a_reflection(tmp_path) -> None:
    rng = random.Random(4)
    sources = [_spoofed(rng) for _ in range(1000)]
    null = [ipv4(rng.choice(sources), TARGET, 17, udp(0, 0, bytes(rng.choice((0, 64)))))
            for _ in range(6000)]  # fmt: skip
    # 200 a second for 30 s from 1,000 sources: a crowd on one port, under any flood rate
    assert _vectors(wb.analyze(wb.load(_write(tmp_path / "null.pcap", null, 30.0)))) == [
        ("udp_flood", [TARGET])
    ]
    # the same crowd on an unlisted service's port is a reflection (the port is what differs)
    shared = [ipv4(rng.choice(sources), TARGET, 17, udp(4000, 5000 + k % 50, bytes(300)))
              for k in range(6000)]  # fmt: skip
    assert _vectors(wb.analyze(wb.load(_write(tmp_path / "shared.pcap", shared, 30.0)))) == [
        ("udp_reflection", [TARGET])
    ]


def test_the_scenarios(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "ipsec-tunnel")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "ip-protocol-floods", "ip_protocol_flood")
    assert _vectors(found) == [
        ("ip_protocol_flood", [GATEWAY, "203.0.113.10"]),
        ("udp_flood", ["203.0.113.80"]),
    ]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "ipsec-tunnel", window_packets=40_000)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "ip-protocol-floods", window_packets=40_000)
    assert _vectors(found) == [
        ("ip_protocol_flood", [GATEWAY, "203.0.113.10"]),
        ("udp_flood", ["203.0.113.80"]),
    ]
