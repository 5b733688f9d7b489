"""The internet's background scanning is no SYN flood (nor a UDP flood: ``test_udp_scans.py``).
A crowd of scanners (search engines' crawlers, masscan and zmap sweeps, botnets looking for
shells) probes each port of a host with a SYN or two, so a crowd's SYNs at
``scan_syns_per_port_max`` (3) a port or fewer are judged by their rate, as a scan from a few
hosts is. A public server's minute of scanners (135 hosts, 6 SYNs a second over some 200
ports) was a SYN flood as a whole; so were the real DNS amplification capture's 290 scanner SYNs
beside the attack."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl
from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp, udp

T0 = 1_700_000_000.0
SERVER = "203.0.113.10"
OPEN = (25, 443)
SYN, RST, ACK = 0x02, 0x04, 0x10
# ports scanners favour, then any port
FAVOURED = (22, 23, 80, 443, 445, 3389, 8080, 21, 25, 3306, 5900, 8443)


def _public(rng: random.Random) -> str:
    return (
        f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
    )


def _scanning(rng: random.Random, scanners: int, probes: int, seconds: float,
              ports=None) -> list[tuple[float, bytes]]:  # fmt: skip
    """``probes`` SYNs from ``scanners`` public hosts at random times over ``seconds``, a port
    each (``ports``: drawn from it; else half favoured, half any), the server answering: an
    open port a SYN-ACK the scanner resets, a closed one a RST."""
    hosts = [_public(rng) for _ in range(scanners)]
    frames = []
    for _ in range(probes):
        src, sport = rng.choice(hosts), rng.randint(32768, 60999)
        if ports is not None:
            port = rng.choice(ports)
        else:
            port = rng.choice(FAVOURED) if rng.random() < 0.5 else rng.randint(1, 65535)
        at = T0 + rng.uniform(0, seconds)
        frames.append((at, ether(ipv4(src, SERVER, 6, tcp(sport, port, SYN), ttl=50))))
        if port in OPEN:
            frames.append((at + 0.0001, ether(ipv4(SERVER, src, 6, tcp(port, sport, SYN | ACK)))))
            frames.append((at + 0.05, ether(ipv4(src, SERVER, 6, tcp(sport, port, RST), ttl=50))))
        else:
            frames.append((at + 0.0001, ether(ipv4(SERVER, src, 6, tcp(port, sport, RST | ACK)))))
    return sorted(frames, key=lambda f: f[0])


def _analysed(tmp_path: Path, name: str, frames) -> wb.Report:
    path = tmp_path / name
    path.write_bytes(pcap(frames))
    return wb.analyze(wb.load(path))


def test_a_minute_of_internet_scanners_is_no_syn_flood(tmp_path) -> None:
    # 360 SYNs over a minute from 135 of the 150 hosts drawn: 206 ports, under 2 SYNs a port
    report = _analysed(tmp_path, "scanners.pcap", _scanning(random.Random(1), 150, 360, 60.0))
    assert _vectors(report) == []
    [held] = [h for h in report.held_back if h.vector == "syn_flood"]
    assert held.held_back_by.endswith("flood_pps_syn")  # its rate, 6 a second, held it back


def test_the_same_crowd_on_one_service_is_a_syn_flood_at_any_rate(tmp_path) -> None:
    # the same 150 hosts and 360 SYNs, all to the mail port: a slow distributed SYN flood
    frames = _scanning(random.Random(1), 150, 360, 60.0, ports=(587,))
    assert _vectors(_analysed(tmp_path, "service.pcap", frames)) == [("syn_flood", [SERVER])]


def test_a_spoofed_crowd_spraying_random_ports_at_flood_rate_is_a_syn_flood(tmp_path) -> None:
    # 10,000 spoofed sources, a SYN each to a random port, 5,000 a second for 2 s: a port
    # or two a SYN, as scanners, but at a flood's rate
    rng = random.Random(2)
    frames = [
        (T0 + k / 5000, ether(ipv4(_public(rng), SERVER, 6,
                                   tcp(rng.randint(1024, 65535), rng.randint(1, 65535), SYN))))
        for k in range(10_000)
    ]  # fmt: skip
    report = _analysed(tmp_path, "spray.pcap", frames)
    assert _vectors(report) == [("syn_flood", [SERVER])]
    labelled = report.packets.filter(pl.col("vector") == "syn_flood").height
    assert labelled >= 9_900


def test_a_slow_spray_after_the_targets_usual_traffic_is_a_syn_flood(tmp_path) -> None:
    # five minutes of clients completing handshakes (3 a second), then a spoofed crowd spraying
    # random ports at 100 SYNs a second for a minute: under 250/s, found by its jump over the
    # target's own rate (in a capture that is all attack, it would be missed: the README's price)
    rng = random.Random(5)
    frames = []
    for k in range(900):
        at, client, sport = T0 + k / 3, _public(rng), rng.randint(32768, 60999)
        frames += [(at, ether(ipv4(client, SERVER, 6, tcp(sport, 443, SYN)))),
                   (at + 0.0001, ether(ipv4(SERVER, client, 6, tcp(443, sport, SYN | ACK)))),
                   (at + 0.03, ether(ipv4(client, SERVER, 6, tcp(sport, 443, ACK))))]  # fmt: skip
    frames += [
        (T0 + 300 + k / 100, ether(ipv4(_public(rng), SERVER, 6,
                                        tcp(rng.randint(1024, 65535), rng.randint(1, 65535), SYN))))
        for k in range(6000)
    ]  # fmt: skip
    report = _analysed(tmp_path, "spray.pcap", sorted(frames, key=lambda f: f[0]))
    assert _vectors(report) == [("syn_flood", [SERVER])]


def test_scanners_sweeping_a_subnet_are_no_carpet_bombing(tmp_path) -> None:
    # 200 scanners, 3,000 probes over a minute across a /24: half SYNs (answered with a RST),
    # half UDP, each a service's question or an empty datagram; was a carpet bombing of SYN
    # and UDP floods on the /24
    rng = random.Random(9)
    hosts = [_public(rng) for _ in range(200)]
    sizes = {53: 29, 123: 48, 161: 40, 1900: 94, 11211: 15, 389: 51, 19: 1, 137: 50}
    frames = []
    for _ in range(3000):
        src, sport = rng.choice(hosts), rng.randint(32768, 60999)
        dst, at = f"203.0.113.{rng.randint(1, 254)}", T0 + rng.uniform(0, 60.0)
        if rng.random() < 0.5:
            port = rng.choice(list(sizes)) if rng.random() < 0.6 else rng.randint(1, 65535)
            datagram = udp(sport, port, bytes(sizes.get(port, 0)))
            frames.append((at, ether(ipv4(src, dst, 17, datagram, ttl=50))))
        else:
            port = rng.choice(FAVOURED) if rng.random() < 0.5 else rng.randint(1, 65535)
            frames.append((at, ether(ipv4(src, dst, 6, tcp(sport, port, SYN), ttl=50))))
            frames.append((at + 0.0001, ether(ipv4(dst, src, 6, tcp(port, sport, RST | ACK)))))
    report = _analysed(tmp_path, "sweep.pcap", sorted(frames, key=lambda f: f[0]))
    assert _vectors(report) == []


def test_the_scenario(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "internet-scanners")
    assert _vectors(clean) == []


def test_the_real_scanners_beside_an_amplification_are_no_syn_flood(shared_captures) -> None:
    # the DNS amplification capture's other traffic holds 290 SYNs from 141 hosts on 103 ports
    report = wb.analyze(wb.load(shared_captures / "amp.dns.RRSIG.fragmented.pcap"))
    assert {v.vector for v in report.vectors} == {"dns_amplification"}
