"""One host's SYN flood at a scripted pace, in a capture that is all attack: hping3 -i u2000
sends 500 SYNs a second, scapy's send() in a loop a few hundred; the target answers each with
a SYN-ACK and the attacker's kernel, which never opened the connection, with a RST. Without a
baseline only a rate no client reaches says flood (``flood_pps_syn``, 250/s; 1,000/s, the other
kinds', missed it). A client whose pool of 100 connections keeps reconnecting to a closed port
once a second (100 SYNs/s, each refused) is no flood, nor is a scan of the host's ports."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp
from scenario_windows import vectors_of

T0 = 1_700_000_000.0
SYN, RST, ACK = 0x02, 0x04, 0x10
ATTACKER, CLIENT, TARGET = "172.16.1.10", "10.0.0.7", "172.16.1.20"


def _syns(src: str, dst: str, per_s: float, seconds: float, answer: int, ports: list[int],
          seed: int = 1) -> bytes:  # fmt: skip
    """A pcap of ``per_s`` SYNs a second from ``src`` (a new source port each) to ``ports``
    of ``dst`` in turn, each answered 0.1-0.5 ms later: a SYN-ACK that ``src`` resets
    (``answer`` SYN | ACK), or a RST (``answer`` RST | ACK: the port is closed)."""
    rng = random.Random(seed)
    out = []
    for k in range(int(per_s * seconds)):
        at = T0 + k / per_s + rng.uniform(0, 0.5 / per_s)
        sport, dport = 1024 + k % 60000, ports[k % len(ports)]
        out.append((at, ether(ipv4(src, dst, 6, tcp(sport, dport, SYN), ident=k))))
        back = at + rng.uniform(0.0001, 0.0005)
        out.append((back, ether(ipv4(dst, src, 6, tcp(dport, sport, answer)))))
        if answer == SYN | ACK:
            out.append((back + 0.0001, ether(ipv4(src, dst, 6, tcp(sport, dport, RST)))))
    return pcap(sorted(out, key=lambda record: record[0]))


def test_one_hosts_scripted_syn_flood_is_found(tmp_path) -> None:
    capture = _syns(ATTACKER, TARGET, 500, 10, SYN | ACK, [80])
    assert vectors_of(tmp_path / "hping.pcap", capture) == [("syn_flood", [TARGET])]


def test_a_pool_reconnecting_to_a_closed_port_is_no_flood(tmp_path) -> None:
    capture = _syns(CLIENT, TARGET, 100, 10, RST | ACK, [5432])
    assert vectors_of(tmp_path / "pool.pcap", capture) == []


def test_a_scan_of_the_hosts_ports_is_no_flood(tmp_path) -> None:
    # nmap -sS at 500 ports a second, each port once: SYN-ACKs from the open ones, RSTs from
    # the others, all within a few seconds
    capture = _syns(ATTACKER, TARGET, 500, 4, RST | ACK, list(range(1, 2001)))
    assert vectors_of(tmp_path / "scan.pcap", capture) == []
