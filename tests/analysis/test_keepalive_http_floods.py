"""One client's HTTP flood on one keep-alive connection (a script's loop: python
``requests.Session``) is a flood at ``http_rps_any_connections`` (100 requests a second) or more,
sustained ``http_flood_min_s``; shorter, it is a burst. Slower, it is a flood only as one request
repeated and answered alike (``http_same_share``), which the scenario's loop is."""

from __future__ import annotations

import polars as pl

import workbench as wb
from workbench import synth

WEB = "203.0.113.80"


def _analyzed(tmp_path, scale: float, until_s: float | None = None) -> tuple[dict, dict, pl.DataFrame]:  # fmt: skip
    """The scenario at ``scale`` (its flood 800 requests a second at 1), cut ``until_s`` seconds
    after its start when given (the flood starts at 20 s)."""
    path = tmp_path / "keepalive.pcap"
    truth = synth.write("keepalive-http-flood", path, seed=7, scale=scale)
    frame = wb.load(path, progress=False).packets
    if until_s is not None:
        start = frame["ts"].min()
        frame = frame.filter(pl.col("ts") < start + pl.duration(milliseconds=int(until_s * 1000)))
    report = wb.analyze(frame)
    labels = pl.read_parquet(synth.labels_path(path))["label"].head(frame.height)  # in time order
    return truth, report.to_dict(), report.packets.with_columns(truth=labels)


def test_one_connection_at_160_requests_a_second_is_a_flood(tmp_path) -> None:
    truth, data, packets = _analyzed(tmp_path, 0.2)  # 800 x 0.2 = 160 requests a second
    assert [(v["vector"], v["targets"]) for v in data["vectors"]] == [("http_flood", [WEB])]
    assert data["parameters"]["analysis"]["http_rps_any_connections"] == 100
    flood = packets.filter(pl.col("vector") == "http_flood")
    # the connection's packets, both ways (and the visitor's requests in the flood's seconds,
    # which the server's hot seconds take with it: a few hundred of them)
    hits = flood["truth"].eq("http_flood").sum()
    assert hits >= 0.98 * truth["packets_by_label"]["http_flood"] and hits >= 0.95 * flood.height


def test_shorter_it_is_no_flood(tmp_path) -> None:
    _, data, _ = _analyzed(tmp_path, 0.2, 23.5)  # 3.5 s of it: a burst, not a flood
    assert data["vectors"] == []
    assert all(p["kind"] == "baseline" for p in data["phases"])


def test_slower_it_is_a_flood_as_one_request_repeated(tmp_path) -> None:
    # 80 requests a second, under the 100 of any requests: its one GET answered alike
    # (``test_repeated_requests.py``: as many of requests or answers of several sizes are none)
    _, data, _ = _analyzed(tmp_path, 0.1)
    assert [(v["vector"], v["targets"]) for v in data["vectors"]] == [("http_flood", [WEB])]
    assert data["parameters"]["analysis"]["http_same_share"] == 0.8
