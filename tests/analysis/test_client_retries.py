"""A client retrying a service that is down is no SYN flood, nor one whose connection a restart
lost an ACK flood. When a broker restarts, its devices
try again with backoff (a new socket 1, 2, 4, 8 s apart, each SYN refused by a RST, or TCP's own
retransmissions 1, 2, 4 s apart when nothing answers) until it is back, then connect: 40-80
devices' retries were a SYN flood at 20-30 a second, a crowd's jump over nothing. And after a
restart, each client's next message on its old connection is answered by a RST before it
reconnects: 150 clients' were an ACK flood. A host that completes a handshake with the target,
having sent it at most ``client_syn_retries_max`` (8) SYNs and segments on no connection for
each it completed, is a client: those are asked for, neither counted nor labelled. A bot's raw
SYNs or ACKs run to hundreds for any connection it opens. The price: a crowd whose hosts each
complete a handshake for every 8 SYNs or fewer is missed; and over a dataset, a window judges
the retries it holds against the handshakes it holds (a restart cut by a window's end leaves
its devices' retries there counted)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench.analysis.config import AnalysisConfig

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp

T0 = 1_700_000_000.0
BROKER = "10.0.8.5"
SYN, SYNACK, ACK, PSH, RSTACK = 0x02, 0x12, 0x10, 0x18, 0x14
NO_RETRIES = AnalysisConfig(client_syn_retries_max=0)


def _seg(at: float, client: str, sport: int, flags: int, size: int = 0, *, back: bool = False):
    if back:
        return at, ether(ipv4(BROKER, client, 6, tcp(1883, sport, flags, bytes(size))))
    return at, ether(ipv4(client, BROKER, 6, tcp(sport, 1883, flags, bytes(size))))


def _connect(at: float, client: str, sport: int, seconds: float = 60.0):
    """A handshake, then a 180-byte publish every 5 s, acknowledged."""
    out = [_seg(at, client, sport, SYN), _seg(at + 0.002, client, sport, SYNACK, back=True),
           _seg(at + 0.003, client, sport, ACK)]  # fmt: skip
    t = at + 5
    while t < T0 + seconds:
        out += [_seg(t, client, sport, PSH, 180), _seg(t + 0.002, client, sport, ACK, back=True)]
        t += 5
    return out


def _storm(devices: int, down: float, *, refused: bool = True, seed: int = 1):
    """``devices`` retry through ``down`` seconds: with ``refused``, a new socket each time (1,
    2, 4, 8 s apart) and a RST for each SYN; else TCP's retransmissions of one SYN (same
    port), nothing answering. Then each connects."""
    rng = random.Random(seed)
    frames = []
    for d in range(devices):
        client, sport = f"10.0.9.{10 + d}", 40_000 + d * 10
        at, wait = T0 + 2 + rng.uniform(0, 1.5), 1.0
        while at < T0 + 2 + down:
            frames.append(_seg(at, client, sport, SYN))
            if refused:
                frames.append(_seg(at + 0.001, client, sport, RSTACK, back=True))
                sport += 1
            at += wait * rng.uniform(0.9, 1.1)
            wait = min(wait * 2, 8.0)
        frames += _connect(at, client, sport + 1)
    return frames


def _report(path: Path, frames, config: AnalysisConfig | None = None):
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path), config=config or AnalysisConfig())


def test_retries_through_a_restart_are_no_flood(tmp_path) -> None:
    """80 devices refused for 15 s, and 60 retransmitting into silence for 10 s: clean; with no
    retries allowed a client, both SYN floods."""
    for name, frames in (("refused", _storm(80, 15)), ("silent", _storm(60, 10, refused=False))):
        assert _vectors(_report(tmp_path / f"{name}.pcap", frames)) == []
        old = _report(tmp_path / f"{name}-old.pcap", frames, NO_RETRIES)
        assert _vectors(old) == [("syn_flood", [BROKER])]


def test_bots_that_open_a_connection_still_flood(tmp_path) -> None:
    """200 bots each completing one handshake, then sending 100 raw SYNs (2,000 a second for
    10 s, random ports), amid the storm: a SYN flood. The price: 60 hosts each sending 8 SYNs
    for the one handshake it completes, at 48 a second for 10 s, are missed."""
    frames = _storm(80, 15)
    for b in range(200):
        bot = f"172.16.{b // 200}.{b % 200 + 1}"
        frames += _connect(T0 + 20 + b * 0.001, bot, 30_000, seconds=21)
        frames += [_seg(T0 + 21 + (k * 200 + b) / 2000, bot, 1024 + k, SYN) for k in range(100)]
    assert _vectors(_report(tmp_path / "bots.pcap", frames)) == [("syn_flood", [BROKER])]
    few = []
    for h in range(60):
        host = f"172.17.0.{h + 1}"
        few += _connect(T0 + 20, host, 30_000, seconds=21)
        few += [_seg(T0 + 21 + (k * 60 + h) / 42, host, 2000 + k, SYN) for k in range(7)]
    assert _vectors(_report(tmp_path / "few.pcap", few)) == []


def _stale(clients: int = 150):
    """A broker restarted as the capture begins: each client's next publish on its old
    connection within 8 s is answered by a RST, and it reconnects at once."""
    rng = random.Random(2)
    frames = []
    for c in range(clients):
        client, at = f"10.0.7.{c + 1}", T0 + rng.uniform(0, 8)
        frames += [_seg(at, client, 45_000, PSH, 180), _seg(at + 0.001, client, 45_000, 0x04, back=True)]  # fmt: skip
        frames += _connect(at + 0.01, client, 46_000, seconds=30)
    return frames


def test_connections_a_restart_lost_are_no_flood(tmp_path) -> None:
    """200 clients' publishes on lost connections, each refused by a RST, then reconnecting:
    clean; with no client's segments allowed, an ACK flood (150 clients' hold fewer than the
    100 packets a flood is reported with in its hot bins, ``test_hot_bin_packets.py``). 100 bots
    that each connect, then send 100 ACKs on no connection (2,000 a second), are an ACK flood
    amid them."""
    frames = _stale(200)
    assert _vectors(_report(tmp_path / "stale.pcap", frames)) == []
    assert _vectors(_report(tmp_path / "old.pcap", frames, NO_RETRIES)) == [("ack_flood", [BROKER])]  # fmt: skip
    for b in range(100):
        bot = f"172.18.0.{b + 1}"
        frames += _connect(T0 + 10 + b * 0.001, bot, 30_000, seconds=16)
        frames += [_seg(T0 + 11 + (k * 100 + b) / 2000, bot, 1024 + k, ACK, 40) for k in range(100)]
    assert _vectors(_report(tmp_path / "bots.pcap", frames)) == [("ack_flood", [BROKER])]


def test_the_synthesized_scenarios(tmp_path) -> None:
    """The brokers' restarts stay clean (a SYN flood and an ACK flood before, at every seed and
    scale tried); a botnet's SYN flood amid them is found."""
    report, _, _ = in_memory(tmp_path, "broker-restart", seed=11, scale=0.2)
    assert _vectors(report) == []
    path = tmp_path / "broker-restart.pcap"
    old = wb.analyze(wb.load(path), config=NO_RETRIES)
    assert sorted(_vectors(old)) == [("ack_flood", ["203.0.113.67"]), ("syn_flood", ["203.0.113.66"])]  # fmt: skip
    name = "syn-flood-amid-broker-restart"
    report, recall, precision = in_memory(tmp_path, name, "syn_flood", seed=11, scale=0.2)
    assert _vectors(report) == [("syn_flood", ["203.0.113.66"])]
    assert recall >= 0.99 and precision >= 0.95
