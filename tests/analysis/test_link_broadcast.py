"""A LAN's broadcast address is no reflection's target: Windows hosts look names up by NetBIOS
broadcast (port 137 to port 137 of 192.168.1.255), which reads as answers from a crowd of
reflectors to an address that never asks. Its mask is in no header, but its frames go to the
Ethernet broadcast: they are nobody's answers, and the owner's unicast answer to a host that
broadcast the query was asked for. A reflection on a host of that LAN is found as before."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest
from pcap_bytes import udp_pcap
from scenario_windows import in_memory, over_windows
from scenario_windows import vectors as _vectors

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import cooked, ipv4, pcap, udp

BROADCAST = b"\xff" * 6
LAN, HOST = "192.168.1.255", "192.168.1.40"
START = 1_690_000_000 * 10**9


def _name_queries(hosts: int = 20, lookups: int = 6, dst_mac: bytes = BROADCAST) -> list[tuple]:
    """Each host's ``lookups`` name queries (three 750 ms apart) to the LAN's broadcast
    address; a fifth answered, unicast, by another host."""
    rng = random.Random(4)
    out = []
    for h in range(hosts):
        me = f"192.168.1.{100 + h}"
        for _ in range(lookups):
            at = START + rng.randrange(0, 55 * 10**9)
            out += [(at + k * 750_000_000, me, 137, LAN, 137, 50, 128, dst_mac) for k in range(3)]
            if rng.random() < 0.2:
                owner = f"192.168.1.{100 + (h + 1 + rng.randrange(hosts - 1)) % hosts}"
                out.append((at + 1_000_000, owner, 137, me, 137, 62, 128))
    return sorted(out)


def test_name_queries_to_the_lan_broadcast_are_no_reflection(tmp_path) -> None:
    path = tmp_path / "nbns.pcap"
    udp_pcap(path, _name_queries())
    capture = wb.load(path)
    assert capture.packets.filter(pl.col("dst_mac") == 0xFFFFFFFFFFFF).height == 20 * 6 * 3
    assert _vectors(wb.analyze(capture)) == []


def test_without_the_link_broadcast_their_lan_tells(tmp_path) -> None:
    # the same datagrams to a unicast MAC (no link layer says it is a broadcast, as in a raw IP
    # capture): they come from the address's own /24 and it never sends, so they are its LAN
    # peers' (test_lan_answers.py); a reflection on it from the Internet is still found
    path = tmp_path / "nbns-unicast.pcap"
    udp_pcap(path, _name_queries(dst_mac=b"\x02" * 6))
    assert _vectors(wb.analyze(wb.load(path))) == []
    rng = random.Random(8)
    reflectors = [f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(200)]
    attack = [(START + 20 * 10**9 + k * 1_000_000, reflectors[k % 200], 137, LAN, 137, 229, 57, b"\x02" * 6)
              for k in range(20_000)]  # fmt: skip
    udp_pcap(path, sorted(_name_queries(dst_mac=b"\x02" * 6) + attack))
    [(vector, targets)] = _vectors(wb.analyze(wb.load(path)))
    assert vector == "netbios_amplification" and targets in ([LAN], ["192.168.1.0/24"])


def test_a_reflection_on_a_host_of_that_lan(tmp_path) -> None:
    rng = random.Random(8)
    reflectors = [f"198.51.{rng.randrange(256)}.{rng.randrange(1, 255)}" for _ in range(200)]
    attack = [(START + 20 * 10**9 + k * 1_000_000, reflectors[k % 200], 137, HOST, 137, 229)
              for k in range(20_000)]  # fmt: skip
    path = tmp_path / "reflection.pcap"
    udp_pcap(path, sorted(_name_queries() + attack))
    capture = wb.load(path)
    # the host, not its /24 (the queries' hosts are no hosts the reflection hits)
    assert _vectors(wb.analyze(capture)) == [("netbios_amplification", [HOST])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector").is_not_null())
    assert labelled.height >= 0.99 * len(attack)
    assert labelled.filter(pl.col("dst").ip.to_text() != HOST).is_empty()


def test_name_query_scenario_and_a_reflection_on_the_lan(tmp_path) -> None:
    clean, *_ = in_memory(tmp_path, "lan-name-queries")
    assert _vectors(clean) == []
    found, recall, precision = in_memory(tmp_path, "netbios-reflection-on-lan", "netbios_amplification")  # fmt: skip
    assert _vectors(found) == [("netbios_amplification", ["203.0.113.40"])]
    assert recall >= 0.95 and precision >= 0.95


def test_over_dataset_windows(tmp_path) -> None:
    clean, *_ = over_windows(tmp_path, "lan-name-queries", window_packets=300)
    assert _vectors(clean) == []
    found, *_ = over_windows(tmp_path, "netbios-reflection-on-lan", window_packets=10_000)
    assert _vectors(found) == [("netbios_amplification", ["203.0.113.40"])]


def _cooked(path, frames: list[tuple], v2: bool = False) -> None:
    """The datagrams as ``tcpdump -i any`` records them (Linux cooked v1, or v2): no
    destination MAC, but the packet type: 1 for a frame that came as a link-layer broadcast,
    0 for one to the capturing host, 3 for one to another host."""
    records = []
    for ts, src, sport, dst, dport, size, _ttl, *mac in frames:
        kind = 1 if mac == [BROADCAST] else (0 if dst == HOST else 3)
        ip = ipv4(src, dst, 17, udp(sport, dport, b"Z" * size), ttl=57)
        records.append((ts / 10**9, cooked(ip, kind, v2=v2)))
    path.write_bytes(pcap(records, link=276 if v2 else 113))


@pytest.mark.parametrize("v2", [False, True], ids=["sll", "sll2"])
def test_a_cooked_capture_says_which_frames_came_as_broadcasts(tmp_path, tshark, v2: bool) -> None:
    # ``tcpdump -i any`` on a Windows LAN: no destination MAC, but the kernel's packet type
    # (tshark's sll.pkttype) says the name queries came as broadcasts; read as such, they are
    # no reflection (before, their NetBIOS "answers" to 192.168.1.255 were one)
    path = tmp_path / "nbns-cooked.pcap"
    _cooked(path, _name_queries(), v2)
    done = subprocess.run([tshark, "-r", str(path), "-n", "-T", "fields", "-e", "sll.pkttype"],
                          capture_output=True, text=True, check=True)  # fmt: skip
    kinds = [int(line) for line in done.stdout.split()]
    capture = wb.load(path)
    packets = capture.packets
    assert len(kinds) == packets.height
    assert (packets["dst_mac"] == 0xFFFFFFFFFFFF).to_list() == [k == 1 for k in kinds]
    assert kinds.count(1) == 20 * 6 * 3 and packets["src_mac"].unique().to_list() == [
        0x020202020202
    ]
    assert _vectors(wb.analyze(capture)) == []
