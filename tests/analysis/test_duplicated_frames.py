"""A slow HTTP attack stays found when its server's one answer is sent twice: copied by a capture
port that mirrors every frame twice (a SPAN of both directions), or retransmitted by TCP. A
server that sends two different answers on a connection is still no slow connection's."""

from __future__ import annotations

import polars as pl
import pytest

import workbench as wb
from workbench import evaluation
from workbench.analysis.config import DEFAULT
from workbench.analysis.vectors.slow_http import connection_figures, slow_connections
from workbench.capture.addresses import parse
from workbench.capture.schema import PROTO_TCP

CAPTURE = "joamontesgi__flask_app_tesis__slowloris_go.pcap"
TARGET = "192.168.1.3"


@pytest.fixture(scope="module")
def packets(shared_captures) -> pl.DataFrame:
    return wb.load(shared_captures / CAPTURE, progress=False).packets


def _later(frame: pl.DataFrame, microseconds: int) -> pl.DataFrame:
    return frame.with_columns(
        ts=pl.col("ts") + pl.duration(microseconds=microseconds, time_unit="ns")
    )


def _server_data(packets: pl.DataFrame) -> pl.DataFrame:
    """The target's data segments (its answers: the timeout error it sends a slow client)."""
    return packets.filter(
        (pl.col("src") == pl.lit(parse(TARGET), pl.UInt128))
        & (pl.col("proto") == PROTO_TCP)
        & (pl.col("payload_len") > 0)
    )


def _found(frame: pl.DataFrame) -> bool:
    report = wb.analyze(frame.sort("ts"), progress=False)
    ok, _ = evaluation.judge(report, "attack", [("slow_http", TARGET)])
    return ok


def test_every_frame_copied_twice_still_gives_the_slow_http_attack(packets) -> None:
    assert _found(packets)
    copied = pl.concat([packets, _later(packets, 10)])
    assert copied.height == 2 * packets.height
    assert _found(copied)


def test_the_servers_timeout_error_retransmitted_still_gives_it(packets) -> None:
    answers = _server_data(packets)
    assert answers.height > 0
    assert _found(pl.concat([packets, _later(answers, 300_000)]))  # an RTO later


def test_a_server_sending_two_different_answers_holds_no_slow_connection(packets) -> None:
    slow = slow_connections(connection_figures(packets, DEFAULT), DEFAULT)
    assert not slow.is_empty()  # one client holding its crowd of slow connections
    answers = _server_data(packets)
    other = _later(answers, 2_000_000).with_columns(payload_len=pl.col("payload_len") + 100)
    figures = connection_figures(pl.concat([packets, other]).sort("ts"), DEFAULT)
    assert slow_connections(figures, DEFAULT).is_empty()
