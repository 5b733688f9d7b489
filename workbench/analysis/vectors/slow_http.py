"""Slow HTTP (slowloris, slow headers, slow body, slow read): judged per connection, not per
packet.

A slow connection is a TCP connection whose client keeps a request open with a trickle of
tiny segments (a header line of a few bytes every few seconds) that the server never answers:
it only ACKs, waiting for the rest of the request. Or it is one whose client asked for a page
and reads the answer a few bytes at a time (slow read): it advertises a zero window again and
again (Wireshark's "TCP ZeroWindow"), the server's data trickling through. One such
connection is nothing (a slow mobile client, a paused download); a crowd of them on one
service, at once, exhausts its worker pool. Found from one source or many, and when the
capture starts with the connections already open (the trickle is what gives them away, not
the handshake). Any port: the service is the one the crowd of slow connections converges on,
not a port list.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect
from workbench.analysis.vectors.kinds import REVERSE, SECOND, TUPLE4
from workbench.capture.schema import PROTO_TCP, TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN

FIGURES = {"src": pl.UInt128, "sport": pl.UInt16, "dst": pl.UInt128, "dport": pl.UInt16,
           "trickles": pl.UInt32, "answered": pl.UInt32, "server_sizes": pl.UInt32,
           "largest": pl.UInt16, "bigger_after": pl.UInt32, "zero_windows": pl.UInt32, "acks": pl.UInt32,
           "server_bytes": pl.UInt64, "first": pl.Int64, "last": pl.Int64}  # fmt: skip


def _plain_ack() -> pl.Expr:
    """A TCP segment with ACK that opens, closes or resets nothing."""
    flags = pl.col("tcp_flags")
    return (
        (pl.col("proto") == PROTO_TCP)
        & (flags & TCP_ACK > 0)
        & (flags & (TCP_SYN | TCP_FIN | TCP_RST) == 0)
    )


def zero_window() -> pl.Expr:
    """A segment whose sender takes nothing more: a receive window of 0 on an ACK that opens,
    closes or resets nothing (Wireshark's "TCP ZeroWindow"; a RST often carries 0 too)."""
    return _plain_ack() & (pl.col("tcp_window") == 0)


def evidence_text(rule_text: str, labelled: pl.LazyFrame, vector: str) -> str:
    """The vector's rule in words, naming the zero windows when the slow connections labelled
    ``vector`` in ``labelled`` show any (a slow read, not only a trickled request)."""
    shut = labelled.filter((pl.col("vector") == vector) & zero_window()).select(pl.len())
    n = collect(shut).item()
    if not n:
        return rule_text
    return (
        f"{rule_text}, or reading its answer a few bytes at a time through a receive window it"
        f" shuts again and again ({n:,} zero windows)"
    )


def _marked(data: pl.LazyFrame, cfg: AnalysisConfig, firsts: pl.DataFrame | None = None) -> pl.LazyFrame:  # fmt: skip
    """Client data segments in connection and time order, ``trickle`` marking the tiny ones
    that come after a silence (``slow_gap_min_s``): after the connection's previous one, or,
    for ``firsts`` (``_first_trickles``: 4-tuple and time), since the capture began."""
    data = data.sort(*TUPLE4, "ts")
    gap = pl.col("ts") - pl.col("ts").shift(1).over(TUPLE4)
    trickle = _tiny(cfg) & (gap >= int(cfg.slow_gap_min_s * SECOND))
    data = data.with_columns(trickle=trickle.fill_null(False))
    if firsts is None or firsts.is_empty():
        return data
    seen_first = firsts.lazy().select(*TUPLE4, "ts", _first=pl.lit(True))
    return (
        data.join(seen_first, on=[*TUPLE4, "ts"], how="left", maintain_order="left")
        .with_columns(trickle=pl.col("trickle") | pl.col("_first").fill_null(False))
        .drop("_first")
    )


def _tiny(cfg: AnalysisConfig, size: str = "payload_len") -> pl.Expr:
    """A segment a trickled header line fits in, and no keep-alive probe's single octet."""
    return pl.col(size).is_between(cfg.slow_segment_min_bytes, cfg.slow_segment_max_bytes)


def _first_trickles(frame: pl.DataFrame, data: pl.LazyFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(4-tuple, ts) of the tiny client segments that are the first the capture shows of their
    connection and still tell a silence: at least ``slow_gap_min_s`` after the capture's first
    packet, with no packet of the client on the connection before them (it was open before
    the capture, and its client silent since at least its start), and acknowledged by the
    server (its next packet on the connection within a second, an ACK that resets nothing: a
    flood's segment on no connection is reset, or dropped). A capture started while a slow
    attack holds its connections shows each one's next header line first, seconds in, the
    line before it and the connection's opening before the capture (a capture of 11 s,
    trickles every 10-15 s: none had two)."""
    if frame.is_empty():
        return pl.DataFrame(schema={**{c: FIGURES[c] for c in TUPLE4}, "ts": pl.Int64})
    start = int(frame["ts"].cast(pl.Int64).min())
    late = collect(
        data.filter(_tiny(cfg) & (pl.col("ts") >= start + int(cfg.slow_gap_min_s * SECOND)))
    )
    if late.is_empty():  # the TCP packets are not read again (a flood's millions)
        return late.select(*TUPLE4, "ts")
    tcp = frame.lazy().filter(pl.col("proto") == PROTO_TCP)
    ts = pl.col("ts").cast(pl.Int64)
    flags = pl.col("tcp_flags")
    plain = (flags & TCP_ACK > 0) & (flags & (TCP_RST | TCP_SYN) == 0)
    # only connections the server acknowledged with a bare ACK (a flood's segments on no
    # connection get none: their millions are dropped here, at the cost of one filter)
    bare = tcp.filter(plain & (pl.col("payload_len") == 0) & (flags & TCP_FIN == 0))
    # each connection's first tiny segment late enough; the first of all its segments only when
    # no packet of its client came before it (below)
    firsts = (
        late.lazy()
        .join(bare.select(**REVERSE), on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(pl.col("ts").min())
    )
    # the client's packets on those connections before them (a handshake, ACKs, data): not first
    before = (
        tcp.select(*TUPLE4, _at=ts)
        .join(firsts, on=TUPLE4, how="inner")
        .filter(pl.col("_at") < pl.col("ts"))
        .select(TUPLE4)
    )
    firsts = collect(firsts.join(before, on=TUPLE4, how="anti"))
    if firsts.is_empty():
        return firsts
    # the server's next packet on the connection within a second: an ACK that resets nothing
    server = (
        tcp.select(**REVERSE, ts=ts, _acked=plain)
        .join(firsts.lazy().select(TUPLE4), on=TUPLE4, how="semi")
        .sort(*TUPLE4, "ts")
    )
    acked = (
        firsts.lazy()
        .sort(*TUPLE4, "ts")
        .join_asof(server, on="ts", by=TUPLE4, strategy="forward", tolerance=SECOND)
        .filter(pl.col("_acked").fill_null(False))
        .select(*TUPLE4, "ts")
    )
    return collect(acked)


def connection_figures(frame: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """Per TCP connection (client 4-tuple) with a trickled segment or a zero window: the
    figures ``slow_connections`` judges (``_trickled``, ``_starved``), zero where they are not
    measured. Summed over a capture's windows (``first``, ``last``: its least and greatest)."""
    data = frame.lazy().filter((pl.col("proto") == PROTO_TCP) & (pl.col("payload_len") > 0))
    data = data.select(*TUPLE4, "payload_len", ts=pl.col("ts").cast(pl.Int64))
    firsts = _first_trickles(frame, data, cfg)
    found = collect(_marked(data, cfg, firsts).filter(pl.col("trickle")).select(TUPLE4).unique())
    starved = collect(frame.lazy().filter(zero_window()).select(TUPLE4).unique())
    parts = [pl.DataFrame(schema=FIGURES)]
    if not found.is_empty():
        parts.append(_trickled(frame, data, found, cfg, firsts))
    if not starved.is_empty():
        parts.append(_starved(frame, starved))
    return (
        pl.concat(parts, how="diagonal_relaxed")
        .with_columns(
            pl.col(c).fill_null(0) for c in FIGURES if c not in (*TUPLE4, "first", "last")
        )
        .cast(FIGURES)
        .select(list(FIGURES))
    )


def _starved(frame: pl.DataFrame, found: pl.DataFrame) -> pl.DataFrame:
    """Per connection (the 4-tuple of the side that advertised a zero window, its client) in
    ``found``: its zero windows and its bare ACKs (zero windows among them), the bytes of data
    the other side sent on it, and the first and last time either side was seen (ns)."""
    tuples = found.lazy()
    tcp = frame.lazy().filter(pl.col("proto") == PROTO_TCP)
    ts = pl.col("ts").cast(pl.Int64)
    client = (
        tcp.join(tuples, on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(zero_window().sum().alias("zero_windows"),
             (_plain_ack() & (pl.col("payload_len") == 0)).sum().alias("acks"),
             ts.min().alias("first"), ts.max().alias("last"))
    )  # fmt: skip
    server = (
        tcp.select(src="dst", sport="dport", dst="src", dport="sport", ts=ts, size="payload_len")
        .join(tuples, on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(pl.col("size").cast(pl.UInt64).sum().alias("server_bytes"),
             pl.col("ts").min().alias("_first"), pl.col("ts").max().alias("_last"))
    )  # fmt: skip
    return collect(
        client.join(server, on=TUPLE4, how="left").select(
            *TUPLE4,
            "zero_windows",
            "acks",
            pl.col("server_bytes").fill_null(0),
            first=pl.min_horizontal("first", "_first"),
            last=pl.max_horizontal("last", "_last"),
        )
    )


def _without_goodbyes(trickles: pl.LazyFrame, frame: pl.DataFrame, tuples: pl.LazyFrame,
                      cfg: AnalysisConfig) -> pl.LazyFrame:  # fmt: skip
    """``trickles`` (4-tuple, ts) but the client's goodbyes: a tiny segment its side's FIN or RST
    goes with, or follows within ``slow_goodbye_s`` (a TLS close_notify, 24-31 bytes, and the
    FIN after it). A connection held open never says goodbye; one closing does, after its idle
    keep-alive, and seen one way nothing answers it."""
    closing = pl.col("tcp_flags") & (TCP_FIN | TCP_RST) > 0
    byes = (
        frame.lazy()
        .filter((pl.col("proto") == PROTO_TCP) & closing)
        .join(tuples, on=TUPLE4, how="semi")
        .select(*TUPLE4, ts=pl.col("ts").cast(pl.Int64), bye=pl.col("ts").cast(pl.Int64))
        .sort(*TUPLE4, "ts")
    )
    return (
        trickles.sort(*TUPLE4, "ts")
        .join_asof(byes, on="ts", by=TUPLE4, strategy="forward",
                   tolerance=int(cfg.slow_goodbye_s * SECOND))
        .filter(pl.col("bye").is_null())
        .select(*TUPLE4, "ts")
    )  # fmt: skip


def _trickled(frame: pl.DataFrame, data: pl.LazyFrame, found: pl.DataFrame, cfg: AnalysisConfig,
              firsts: pl.DataFrame | None = None) -> pl.DataFrame:  # fmt: skip
    """Per connection in ``found`` (a trickled segment): the trickles, how many of them the
    server answered with data within a second, the sizes of the server's data segments once
    the request's bigger pieces were out (how many differ: its timeout error sent again, by
    TCP's retransmission or by a capture port that copies every frame twice, is one answer),
    and the largest client segment."""
    tuples = found.lazy()
    # only the connections with a trickle are read again, both ways: sorting every data
    # segment again (a TCP-heavy capture's millions) would cost as much as finding them
    marked = _marked(data.join(tuples, on=TUPLE4, how="semi"), cfg, firsts)
    trickles = _without_goodbyes(marked.filter(pl.col("trickle")).select(*TUPLE4, "ts"), frame, tuples, cfg)  # fmt: skip
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
    # what the server sent once the client's last piece too big for a trickle was out (its
    # partial request; the whole connection when every piece is tiny): before it, a TLS
    # handshake (a ServerHello, a certificate, session tickets: three sizes) says nothing of
    # whether the server now waits for a request's end
    big = pl.col("payload_len") > cfg.slow_segment_max_bytes
    since = marked.filter(big).group_by(TUPLE4).agg(pl.col("ts").max().alias("_since"))
    server_n = (
        server.join(since, on=TUPLE4, how="left")
        .filter(pl.col("_since").is_null() | (pl.col("ts") >= pl.col("_since")))
        .group_by(TUPLE4)
        .agg(pl.col("size").n_unique().alias("server_sizes"))
    )
    # and the client's segments longer than a dribble's that came after its first trickle: a
    # slow request's pieces are all tiny once it dribbles, where a stream of messages
    # (Graphite's lines of 50-230 bytes) goes on with longer ones among its short ones
    first = pl.col("ts").filter(pl.col("trickle")).min()
    longer = pl.col("payload_len") > cfg.slow_dribble_max_bytes
    largest = marked.group_by(TUPLE4).agg(
        pl.col("payload_len").max().alias("largest"),
        (longer & (pl.col("ts") > first)).sum().alias("bigger_after"),
    )
    return (
        answered.join(server_n, on=TUPLE4, how="left")
        .join(largest, on=TUPLE4, how="left")
        .with_columns(pl.col("server_sizes").fill_null(0))
        .collect()
    )


def slow_connections(figures: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(src, dst, dport, connections): the clients of every service that a crowd of slow
    connections holds open at once (``slow_min_connections`` or more)."""
    schema = {"src": pl.UInt128, "dst": pl.UInt128, "dport": pl.UInt16}
    if figures.is_empty():
        return pl.DataFrame(schema=schema)
    sums = ["trickles", "answered", "server_sizes", "bigger_after", "zero_windows", "acks",
            "server_bytes"]  # fmt: skip
    per_tuple = figures.group_by(TUPLE4).agg(
        pl.col(sums).sum(), pl.col("largest").max(), pl.col("first").min(), pl.col("last").max(),
    )  # fmt: skip
    seconds = ((pl.col("last") - pl.col("first")) / SECOND).clip(lower_bound=1.0)
    held = (
        (pl.col("trickles") >= 1)
        & (pl.col("answered") == 0)
        # the server sends at most its timeout error (once, or again: one size): it is waiting
        # for the request's end
        & (pl.col("server_sizes") <= 1)
        & (pl.col("largest") <= cfg.slow_request_max_bytes)
        # once it dribbles, nothing but trickles (a message stream is no request held open)
        & (pl.col("bigger_after") == 0)
    )
    # a client that shuts its window again and again while the answer trickles through to it:
    # a good share of its ACKs shut it (the test that stands when the server's data is not in
    # the capture: one direction only), and the server's rate to it is a trickle's
    starved = (
        (pl.col("zero_windows") >= cfg.slow_read_zero_windows_min)
        & (pl.col("zero_windows") >= cfg.slow_read_zero_window_share_min * pl.col("acks"))
        & (pl.col("server_bytes") <= cfg.slow_read_max_bytes_per_s * seconds)
    )
    slow = per_tuple.filter(held | starved.fill_null(False))
    crowded = (
        slow.group_by("dst", "dport")
        .agg(pl.len().alias("n"))
        .filter(pl.col("n") >= cfg.slow_min_connections)
    )
    return slow.join(crowded, on=["dst", "dport"], how="semi").select(list(schema)).unique()
