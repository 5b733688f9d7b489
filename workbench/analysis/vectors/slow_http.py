"""Slow HTTP (slowloris, slow headers, slow body): judged per connection, not per packet.

A slow connection is a TCP connection whose client keeps a request open with a trickle of
tiny segments (a header line of a few bytes every few seconds) that the server never answers:
it only ACKs, waiting for the rest of the request. One such connection is nothing (a slow
mobile client); a crowd of them on one service, at once, exhausts its worker pool. Found
from one source or many, and when the capture starts with the connections already open
(the trickle is what gives them away, not the handshake). Any port: the service is the one
the crowd of slow connections converges on, not a port list.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect
from workbench.analysis.vectors.kinds import SECOND, TUPLE4
from workbench.capture.schema import PROTO_TCP

FIGURES = {"src": pl.UInt128, "sport": pl.UInt16, "dst": pl.UInt128, "dport": pl.UInt16,
           "trickles": pl.UInt32, "answered": pl.UInt32, "server_sizes": pl.UInt32,
           "largest": pl.UInt16}  # fmt: skip


def _marked(data: pl.LazyFrame, cfg: AnalysisConfig) -> pl.LazyFrame:
    """Client data segments in connection and time order, ``trickle`` marking the tiny ones
    that come after a silence (``slow_gap_min_s``)."""
    data = data.sort(*TUPLE4, "ts")
    gap = pl.col("ts") - pl.col("ts").shift(1).over(TUPLE4)
    trickle = (pl.col("payload_len") <= cfg.slow_segment_max_bytes) & (
        gap >= int(cfg.slow_gap_min_s * SECOND)
    )
    return data.with_columns(trickle=trickle.fill_null(False))


def connection_figures(frame: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """Per TCP connection (client 4-tuple) with a trickled segment: the trickles, how many of
    them the server answered with data within a second, the sizes of the server's data segments
    (how many differ: its timeout error sent again, by TCP's retransmission or by a capture port
    that copies every frame twice, is one answer), and the largest client segment."""
    data = frame.lazy().filter((pl.col("proto") == PROTO_TCP) & (pl.col("payload_len") > 0))
    data = data.select(*TUPLE4, "payload_len", ts=pl.col("ts").cast(pl.Int64))
    found = collect(_marked(data, cfg).filter(pl.col("trickle")).select(TUPLE4).unique())
    if found.is_empty():
        return pl.DataFrame(schema=FIGURES)
    tuples = found.lazy()
    # only the connections with a trickle are read again, both ways: sorting every data
    # segment again (a TCP-heavy capture's millions) would cost as much as finding them
    marked = _marked(data.join(tuples, on=TUPLE4, how="semi"), cfg)
    trickles = marked.filter(pl.col("trickle")).select(*TUPLE4, "ts")
    # the server's data segments on those connections (the reverse 4-tuple)
    server = (
        data.select(src="dst", sport="dport", dst="src", dport="sport", ts="ts", size="payload_len")
        .join(tuples, on=TUPLE4, how="semi")
        .sort(*TUPLE4, "ts")
    )
    answered = (
        trickles.sort(*TUPLE4, "ts")
        .join_asof(
            server.with_columns(reply=pl.col("ts")),
            on="ts",
            by=TUPLE4,
            strategy="forward",
            tolerance=SECOND,
        )
        .group_by(TUPLE4)
        .agg(pl.len().alias("trickles"), pl.col("reply").is_not_null().sum().alias("answered"))
    )
    server_n = server.group_by(TUPLE4).agg(pl.col("size").n_unique().alias("server_sizes"))
    largest = marked.group_by(TUPLE4).agg(pl.col("payload_len").max().alias("largest"))
    return (
        answered.join(server_n, on=TUPLE4, how="left")
        .join(largest, on=TUPLE4, how="left")
        .with_columns(pl.col("server_sizes").fill_null(0))
        .collect()
        .cast(FIGURES)
        .select(list(FIGURES))
    )


def slow_connections(figures: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(src, dst, dport, connections): the clients of every service that a crowd of slow
    connections holds open at once (``slow_min_connections`` or more)."""
    schema = {"src": pl.UInt128, "dst": pl.UInt128, "dport": pl.UInt16}
    if figures.is_empty():
        return pl.DataFrame(schema=schema)
    per_tuple = figures.group_by(TUPLE4).agg(
        pl.col("trickles", "answered", "server_sizes").sum(), pl.col("largest").max()
    )
    slow = per_tuple.filter(
        (pl.col("trickles") >= 1)
        & (pl.col("answered") == 0)
        # the server sends at most its timeout error (once, or again: one size): it is waiting
        # for the request's end
        & (pl.col("server_sizes") <= 1)
        & (pl.col("largest") <= cfg.slow_request_max_bytes)
    )
    crowded = (
        slow.group_by("dst", "dport")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= cfg.slow_min_connections)
    )
    return slow.join(crowded, on=["dst", "dport"], how="semi").select(list(schema)).unique()
