"""One host's steady pace that is no flood: ``ping -i 0.01`` sends 100 echo requests a second,
an admin's quick test of a link. Run for a few seconds in a capture of 20 s of other traffic,
its target's baseline is nil (its other bins are empty), so only the single-source rate
(``single_source_flood_pps``, 150/s) stands between it and an ICMP flood: at 100/s it was one,
both ways and one way. A single host's ICMP flood at 300/s, twice that rate, for as long, is
still found on its target."""

from __future__ import annotations

import random
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, icmp, ipv4, pcap, udp
from scenario_windows import vectors_of

T0 = 1_700_000_000.0
ADMIN, SERVER, VICTIM, RESOLVER = "192.168.1.23", "192.168.1.5", "203.0.113.10", "192.168.1.1"


def _echoes(src: str, dst: str, per_s: float, answered: bool, replies_only: bool = False,
            seed: int = 1) -> bytes:  # fmt: skip
    """A pcap of 5 s of echo requests from ``src`` to ``dst`` at ``per_s`` a second (1 ms of
    jitter each), from 8 s into 20 s of a host's DNS lookups, one a second, each answered;
    answered 0.3-2 ms later when ``answered``; the answers alone when ``replies_only`` (a
    capture of the pinging host's inbound side)."""
    rng = random.Random(seed)
    out = []
    for k in range(20):
        query = bytes(rng.randrange(256) for _ in range(40))
        out.append((T0 + k, ether(ipv4(ADMIN, RESOLVER, 17, udp(50000 + k, 53, query)))))
        out.append((T0 + k + 0.02, ether(ipv4(RESOLVER, ADMIN, 17, udp(53, 50000 + k, query * 3)))))
    for k in range(int(per_s * 5)):
        at = T0 + 8 + k / per_s + rng.uniform(0, 0.001)
        body = bytes(rng.randrange(256) for _ in range(56))
        if not replies_only:
            out.append((at, ether(ipv4(src, dst, 1, icmp(8, 0, body), ident=k))))
        if answered or replies_only:
            back = at + rng.uniform(0.0003, 0.002)
            out.append((back, ether(ipv4(dst, src, 1, icmp(0, 0, body), ident=k + 30000))))
    return pcap(sorted(out, key=lambda record: record[0]))


def test_an_interval_ping_is_no_flood(tmp_path) -> None:
    # ping -i 0.01 -c 500: 5 s at 100/s, every request answered
    assert vectors_of(tmp_path / "ping.pcap", _echoes(ADMIN, SERVER, 100, answered=True)) == []


def test_its_replies_alone_are_no_flood(tmp_path) -> None:
    # the same seen one way, toward the admin's host: 500 replies it asked for, asks unseen
    capture = _echoes(ADMIN, SERVER, 100, answered=True, replies_only=True)
    assert vectors_of(tmp_path / "replies.pcap", capture) == []


def test_one_hosts_icmp_flood_at_twice_that_rate(tmp_path) -> None:
    capture = _echoes(ADMIN, VICTIM, 300, answered=False, seed=2)
    assert vectors_of(tmp_path / "flood.pcap", capture) == [("icmp_flood", [VICTIM])]
