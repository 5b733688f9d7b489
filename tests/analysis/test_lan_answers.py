"""Answers from the target's own LAN to a target never seen sending are its peers' answers: one
direction of a host's link (a receive-only tap, or the evaluation's "one way") keeps what its
LAN's devices send it and drops what it asked them: its SSDP M-SEARCH to 239.255.255.250, its
mDNS questions. 30 devices answering a media player's searches were an SSDP amplification on
it. Reflectors on the Internet are no peers: a reflection at the same host is found, and
only its packets are labelled; a host seen sending is judged as before, whoever answers it."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl

import workbench as wb

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, udp

T0 = 1_700_000_000.0
PLAYER = "192.168.1.23"
DEVICES = [f"192.168.1.{100 + k}" for k in range(30)]


def _answers(rng: random.Random, port: int, service: int = 1900) -> list[tuple[float, bytes]]:
    """Six searches 10 s apart from ``port``: each device answers 3-8 times within 2 s, from
    ``service`` (two in five SSDP devices from an ephemeral port of their own instead)."""
    out = []
    own = {d: (rng.randrange(32768, 61000) if rng.random() < 0.4 else service) for d in DEVICES}
    if service != 1900:
        own = dict.fromkeys(DEVICES, service)
    for search in range(6):
        for device in DEVICES:
            for _ in range(rng.randrange(3, 9)):
                at = T0 + search * 10 + rng.uniform(0.01, 2.0)
                body = bytes(rng.randrange(256) for _ in range(rng.choice((300, 340, 380))))
                out.append((at, ether(ipv4(device, PLAYER, 17, udp(own[device], port, body)))))
    return out


def _reflection(rng: random.Random, reflectors: list[str]) -> list[tuple[float, bytes]]:
    """5,000 SSDP answers in 10 s (from 20 s in) from ``reflectors`` to the player's port 80."""
    body = bytes(rng.randrange(256) for _ in range(320))
    return [(T0 + 20 + k / 500, ether(ipv4(reflectors[k % len(reflectors)], PLAYER, 17, udp(1900, 80, body))))
            for k in range(5000)]  # fmt: skip


def _analysed(tmp_path: Path, name: str, records: list[tuple[float, bytes]]):
    path = tmp_path / name
    path.write_bytes(pcap(sorted(records, key=lambda record: record[0])))
    capture = wb.load(path)
    return capture, [(v.vector, list(v.targets)) for v in wb.analyze(capture).vectors]


def test_ssdp_answers_from_the_lan_to_a_host_never_seen_sending(tmp_path) -> None:
    _, found = _analysed(tmp_path, "ssdp.pcap", _answers(random.Random(1), 50123))
    assert found == []


def test_mdns_answers_from_the_lan(tmp_path) -> None:
    # answers to QU questions, unicast to the asker's port 5353
    _, found = _analysed(tmp_path, "mdns.pcap", _answers(random.Random(2), 5353, service=5353))
    assert found == []


def test_a_reflection_from_the_internet_on_that_host(tmp_path) -> None:
    rng = random.Random(3)
    reflectors = [f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                  for _ in range(300)]  # fmt: skip
    capture, found = _analysed(
        tmp_path, "reflection.pcap", _answers(rng, 50123) + _reflection(rng, reflectors)
    )
    assert found == [("ssdp_amplification", [PLAYER])]
    labelled = wb.analysis.classify(capture.packets).filter(pl.col("vector").is_not_null())
    assert labelled.height >= 0.99 * 5000
    assert labelled.filter(
        pl.col("src").ip.network(24, 64) == pl.col("dst").ip.network(24, 64)
    ).is_empty()


def test_a_host_seen_sending_is_judged_as_before(tmp_path) -> None:
    # the player's own traffic is in the capture (a DNS lookup a second, answered): its LAN's
    # devices flooding it with SSDP answers it never asked for are a reflection
    rng = random.Random(4)
    lookups = []
    for k in range(60):
        query = bytes(rng.randrange(256) for _ in range(40))
        lookups.append((T0 + k, ether(ipv4(PLAYER, "192.168.1.1", 17, udp(40000 + k, 53, query)))))
        lookups.append(
            (T0 + k + 0.01, ether(ipv4("192.168.1.1", PLAYER, 17, udp(53, 40000 + k, query))))
        )
    _, found = _analysed(tmp_path, "two-way.pcap", lookups + _reflection(rng, DEVICES))
    assert found == [("ssdp_amplification", [PLAYER])]


def test_a_flood_from_a_host_of_its_own_lan_is_no_answer(shared_captures) -> None:
    """The real UDP flood (hping-style, its source port counting up through the ports a
    reflection table names), moved onto a host of its target's own /24, its target never seen
    sending: a few of its datagrams come from 1900 or 5353 to the port it floods, which made
    that port a socket the LAN's answers come to and all 10,000 answers. The LAN's answers must
    make up ``peer_answer_share_min`` of what comes to such a port."""
    from workbench import evaluation
    from workbench.capture.addresses import parse

    flood = wb.load(shared_captures / "doup123__attacker__udp__flood.pcap", progress=False).packets
    assert (
        flood.filter(pl.col("dst") == pl.lit(parse("172.16.1.2"), pl.UInt128)).height
        == flood.height
    )
    neighbour = flood.with_columns(src=pl.lit(parse("172.16.1.77"), pl.UInt128))
    expected = [("udp_flood", "172.16.1.2")]
    report = wb.analyze(neighbour, progress=False)
    assert evaluation.judge(report, "attack", expected)[0]
    before = wb.analyze(
        neighbour, config=wb.AnalysisConfig(peer_answer_share_min=0.0), progress=False
    )
    assert not evaluation.judge(before, "attack", expected)[0]


def test_the_synthesized_lan_flood_on_a_silent_host(tmp_path) -> None:
    from workbench import evaluation, synth

    path = tmp_path / "lan-flood.pcap"
    truth = synth.write("lan-flood-on-silent-host", path, seed=4, scale=0.2)
    expected = [(v["vector"], t) for v in truth["vectors"] for t in v["targets"]]
    packets = wb.load(path, progress=False).packets
    for share, found in ((None, True), (0.0, False)):
        config = (
            wb.AnalysisConfig() if share is None else wb.AnalysisConfig(peer_answer_share_min=share)
        )
        report = wb.analyze(packets, config=config, progress=False)
        assert evaluation.judge(report, "attack", expected)[0] is found


def test_answers_to_a_search_made_before_the_capture(tmp_path) -> None:
    """A host seen sending (a lookup a second) that searched just before the capture began:
    its LAN's answers to its search socket (an ephemeral port) in the capture's first 2 s are
    answers, the search out of sight (an SSDP amplification on it before). The same answers to
    a service's port (80, above) from the same devices are a reflection; from reflectors on
    the Internet to that socket, too. The price: a reflection from its own /24's devices to a
    client's socket of it is missed."""
    rng = random.Random(5)
    lookups = []
    for k in range(20):
        query = bytes(rng.randrange(256) for _ in range(40))
        lookups.append((T0 + k, ether(ipv4(PLAYER, "192.168.1.1", 17, udp(40000 + k, 53, query)))))
        lookups.append((T0 + k + 0.01, ether(ipv4("192.168.1.1", PLAYER, 17, udp(53, 40000 + k, query)))))  # fmt: skip
    first = [r for r in _answers(rng, 51234) if r[0] < T0 + 10]  # the first search's answers
    _, found = _analysed(tmp_path, "before.pcap", lookups + first)
    assert found == []
    reflectors = [f"{rng.randrange(11, 220)}.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}"
                  for _ in range(40)]  # fmt: skip
    internet = [(at, ether(ipv4(reflectors[k % 40], PLAYER, 17, udp(1900, 51234, bytes(320))))) for k, (at, _) in enumerate(first)]  # fmt: skip
    _, found = _analysed(tmp_path, "internet.pcap", lookups + internet)
    assert found == [("ssdp_amplification", [PLAYER])]
    body = bytes(320)
    lan = [(T0 + 5 + k / 500, ether(ipv4(DEVICES[k % 30], PLAYER, 17, udp(1900, 51234, body)))) for k in range(5000)]  # fmt: skip
    _, found = _analysed(tmp_path, "lan.pcap", lookups + lan)
    assert found == []  # the price


def test_the_synthesized_search_before_the_capture(tmp_path) -> None:
    """The media player's search a third of a second before the capture: clean in memory and
    over a dataset's windows (an SSDP amplification on it before, at every seed and scale)."""
    from scenario_windows import in_memory, over_windows

    report, _, _ = in_memory(tmp_path, "ssdp-answers-at-capture-start", seed=11, scale=0.2)
    assert not report.vectors
    report, _, _ = over_windows(tmp_path, "ssdp-answers-at-capture-start", window_packets=200,
                                scale=0.2)  # fmt: skip
    assert not report.vectors
