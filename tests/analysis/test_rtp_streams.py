"""RTP streams a host receives are no flood when it reports on them. RTP carries media one way
(cameras' video to a recorder: 40 cameras, 200 datagrams a second each, each on a flow of its
own that the recorder never answers), and its receiver reports on each stream with RTCP on
the next ports up (RFC 3550: RTP on an even port, RTCP on the odd one above). Those reports are
the recorder's answers: the streams were a UDP flood as a whole (40 sources, 40 ports, bulk)."""

from __future__ import annotations

import random
import sys
from pathlib import Path

import polars as pl
from scenario_windows import over_windows
from scenario_windows import vectors as _vectors

import workbench as wb
from workbench import synth

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "capture"))
from pcapbuild import ether, ipv4, pcap, tcp, udp

T0 = 1_700_000_000.0
RECORDER = "10.20.0.5"


def _cameras(rng: random.Random, *, reports: bool = True, cameras: int = 40,
             seconds: int = 60) -> list[tuple[float, bytes]]:  # fmt: skip
    """``cameras`` cameras' RTP video to the recorder (200 datagrams a second each, from an even
    port to an even port), the recorder's RTSP keep-alives to each, and, with ``reports``, the
    RTCP reports of both ends every 5 s on the next ports up."""
    frames = []
    for c in range(cameras):
        cam, sport, dport = f"10.20.1.{10 + c}", 6970 + 2 * (c % 15), 50000 + 2 * c
        for k in range(200 * seconds):
            at = T0 + k / 200 + rng.random() * 0.002
            size = 1398 if k % 10 else 600
            frames.append((at, ether(ipv4(cam, RECORDER, 17, udp(sport, dport, b"\x80\x60" + b"v" * size)))))  # fmt: skip
        for k in range(seconds // 5 if reports else 0):
            at = T0 + 5 * k + rng.random()
            frames.append((at, ether(ipv4(RECORDER, cam, 17, udp(dport + 1, sport + 1, b"\x81\xc9" + b"r" * 30)))))  # fmt: skip
            frames.append((at + 0.01, ether(ipv4(cam, RECORDER, 17, udp(sport + 1, dport + 1, b"\x80\xc8" + b"s" * 50)))))  # fmt: skip
        for k in range(seconds // 30):
            at = T0 + 30 * k + rng.random()
            ask = b"GET_PARAMETER rtsp://camera/stream RTSP/1.0\r\nCSeq: 9\r\n\r\n"
            frames.append((at, ether(ipv4(RECORDER, cam, 6, tcp(40000 + c, 554, 0x18, ask)))))
            frames.append((at + 0.01, ether(ipv4(cam, RECORDER, 6, tcp(554, 40000 + c, 0x18, b"RTSP/1.0 200 OK\r\nCSeq: 9\r\n\r\n")))))  # fmt: skip
    return frames


def _analysed(tmp_path: Path, name: str, frames) -> wb.Report:
    path = tmp_path / name
    path.write_bytes(pcap(sorted(frames, key=lambda f: f[0])))
    return wb.analyze(wb.load(path))


def test_cameras_streaming_to_a_recorder_that_reports_are_no_flood(tmp_path) -> None:
    assert _vectors(_analysed(tmp_path, "recorder.pcap", _cameras(random.Random(1)))) == []
    # the same streams without the recorder's reports (RTCP switched off): a UDP flood as a
    # whole, as before (the price)
    silent = _cameras(random.Random(1), reports=False)
    assert _vectors(_analysed(tmp_path, "silent.pcap", silent)) == [("udp_flood", [RECORDER])]


def test_reports_on_other_ports_are_no_answer(tmp_path) -> None:
    # the recorder reports from and to ports one above the streams' (odd ones), each shifted
    # by two: no stream's RTCP, so no answer
    rng = random.Random(2)
    frames = []
    for at, frame in _cameras(rng, cameras=40, seconds=30):
        if frame[23] == 17 and frame[14 + 12 : 14 + 16] == bytes([10, 20, 0, 5]):  # the reports
            sport, dport = int.from_bytes(frame[34:36], "big"), int.from_bytes(frame[36:38], "big")
            frame = frame[:34] + (sport + 2).to_bytes(2, "big") + dport.to_bytes(2, "big") + frame[38:]  # fmt: skip
        frames.append((at, frame))
    assert _vectors(_analysed(tmp_path, "shifted.pcap", frames)) == [("udp_flood", [RECORDER])]


def test_a_flood_on_the_recorder_amid_the_cameras(tmp_path) -> None:
    # 300 bots, 5,000 datagrams a second for 10 s, from and to random ports
    rng = random.Random(3)
    bots = [f"{rng.randint(11, 200)}.{rng.randint(0, 255)}.{rng.randint(0, 255)}.{rng.randint(1, 254)}"
            for _ in range(300)]  # fmt: skip
    flood = [(T0 + 30 + k / 5000, ether(ipv4(rng.choice(bots), RECORDER, 17,
                                             udp(rng.randint(1024, 65535), rng.randint(1, 65535), b"x" * 512))))
             for k in range(50_000)]  # fmt: skip
    report = _analysed(tmp_path, "flood.pcap", _cameras(rng) + flood)
    assert _vectors(report) == [("udp_flood", [RECORDER])]
    labelled = report.packets.filter(pl.col("vector") == "udp_flood")
    assert labelled.height >= 0.95 * 50_000
    assert (labelled["payload_len"] == 512).all()  # no camera's datagram


def test_the_synthesized_recorder_in_memory_and_over_windows(tmp_path) -> None:
    path = tmp_path / "recorder.pcap"
    truth = synth.write("camera-recorder", path, seed=5, scale=0.2)
    assert not truth["vectors"]
    capture = wb.load(path)
    video = capture.packets.filter(
        pl.col("dport").is_between(50000, 50078), pl.col("payload_len") > 500
    )
    assert video["src"].n_unique() == 40 and video["dport"].n_unique() == 40
    assert _vectors(wb.analyze(capture)) == []
    report, _, _ = over_windows(tmp_path, "camera-recorder", window_packets=20_000, scale=0.2)
    assert _vectors(report) == []
