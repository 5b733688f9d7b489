"""HTTP floods, judged per client: a crowd's flood counts only where its clients keep
requesting (bots, not a flash crowd's visitors); one client alone floods a web server when it
requests over several connections (or faster on any), or opens new ones, at flood rate for long
enough."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect
from workbench.analysis.vector_table import WEB_PORTS
from workbench.analysis.vectors.kinds import HANDSHAKES, HTTP_RATE, REVERSE, SECOND, TUPLE4
from workbench.capture.schema import PROTO_TCP


def request_starts(cand: pl.DataFrame, sent: pl.LazyFrame, cfg: AnalysisConfig) -> list[pl.Series]:  # fmt: skip
    """``_request``: the HTTP candidates (client segments larger than a trickled header line)
    that start a request, false on every other row; on those rows, ``_request_bytes``: the bytes
    the client sent in the turn the request starts (until the server answers: a POST's body too),
    and ``_answer_bytes``: the bytes the server sent back in it (until the client's next request on
    the connection), null where it sent none. A request starts a turn of its connection: its
    first client segment, or the first after the server sent data on it (``sent``: what the
    candidates' targets sent). While the server has sent no data on it for ``http_answer_max_s``
    (or ever), a segment shorter than a full one (``full_segment_min_bytes``) after another such
    is a request too: a flood's requests at a server that no longer answers, where an upload's
    full segments and the shorter piece that ends each of its messages are one message going on,
    and a call's media comes with the other side's."""
    payload = pl.col("payload_len")
    rows = pl.col("candidate").is_in(HTTP_RATE) & (payload > cfg.slow_segment_max_bytes)
    places = cand.select(pl.arg_where(rows)).to_series()
    out = pl.repeat(False, cand.height, eager=True).alias("_request")
    answers = pl.repeat(None, cand.height, dtype=pl.UInt32, eager=True).alias("_answer_bytes")
    asked = answers.alias("_request_bytes")
    if places.is_empty():
        return [out, asked, answers]
    ts = pl.col("ts").cast(pl.Int64)
    client = cand.select(*TUPLE4, ts, "_row", _short=payload < cfg.full_segment_min_bytes, _bytes=payload)[places]  # fmt: skip
    client = client.with_columns(_place=places, _client=pl.lit(True))
    server = collect(  # the data the servers sent back on those connections
        sent.filter((pl.col("proto") == PROTO_TCP) & (payload > 0))
        .select(**REVERSE, ts=ts, _row="_row", _bytes=payload)
        .join(client.lazy().select(TUPLE4).unique(), on=TUPLE4, how="semi")
    )
    events = pl.concat(
        [client, server.with_columns(_short=None, _place=None, _client=pl.lit(False))],
        how="diagonal_relaxed",
    ).sort(*TUPLE4, "ts", "_row")  # on one stamp (a capture to the second), in capture order
    same = pl.all_horizontal(pl.col(c) == pl.col(c).shift(1) for c in TUPLE4).fill_null(False)
    events = events.with_columns(_conn=(~same).cum_sum())
    answered = pl.when(~pl.col("_client")).then(pl.col("ts")).forward_fill().over("_conn")
    silent = answered.is_null() | (pl.col("ts") - answered > int(cfg.http_answer_max_s * SECOND))
    start = (
        ~same
        | ~pl.col("_client").shift(1)
        | (silent & pl.col("_short") & pl.col("_short").shift(1).fill_null(False))
    )
    # each turn numbered from the request that starts it: the server's data until the next is
    # its answer (what came before a connection's first request is no turn's: numbered 0)
    turns = events.with_columns(
        _turn=(pl.col("_client") & start).cum_sum().over("_conn"), _start=pl.col("_client") & start
    )
    found = turns.filter("_start")["_place"]
    sizes = (
        turns.filter(pl.col("_turn") > 0)
        .group_by("_conn", "_turn")
        .agg(
            pl.col("_bytes").filter("_client").sum().cast(pl.UInt32).alias("_request_bytes"),
            pl.col("_bytes")
            .filter(~pl.col("_client"))
            .sum()
            .cast(pl.UInt32)
            .alias("_answer_bytes"),
        )
    )
    turned = turns.filter("_start").join(sizes, on=["_conn", "_turn"], how="inner")
    replied = turned.filter(pl.col("_answer_bytes") > 0)
    return [
        out.scatter(found, True),
        asked.scatter(turned["_place"], turned["_request_bytes"]),
        answers.scatter(replied["_place"], replied["_answer_bytes"]),
    ]


def persistent_http(
    hot: pl.DataFrame, per_client: pl.DataFrame, key: str, cfg: AnalysisConfig
) -> pl.DataFrame:
    """Keep a crowd's HTTP flood only where its clients keep requesting through the hot
    seconds (bots); a flash crowd's visitors load a page and leave."""
    http = pl.col("candidate").is_in(HTTP_RATE)
    flood = hot.filter(http)
    if flood.is_empty() or key != "dst" or per_client.is_empty():
        return hot.filter(~http) if key != "dst" else hot
    seconds = flood.select("dst", second=pl.col("bin") // SECOND).unique()
    window = seconds.group_by("dst").agg(
        pl.col("second").min().alias("a"), pl.col("second").max().alias("z")
    )
    clients = (
        per_client.filter(pl.col("requests") > 0)
        .join(seconds, on=["dst", "second"], how="semi")
        .group_by("dst", "src")
        .agg(
            pl.col("requests").sum().alias("requests"),
            (pl.col("second").max() - pl.col("second").min() + 1).alias("span"),
        )
        .join(window, on="dst")
        .with_columns(share=pl.col("span") / (pl.col("z") - pl.col("a") + 1))
        .group_by("dst")
        .agg(pl.col("requests").median(), pl.col("share").median())
    )
    bots = clients.filter(
        (pl.col("requests") >= cfg.http_bot_min_requests)
        & (pl.col("share") >= cfg.http_bot_min_span_share)
    )
    return pl.concat([hot.filter(~http), flood.join(bots.select("dst"), on="dst", how="semi")])


def http_clients(cand: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(dst, src, second): one client's HTTP requests, connections used and connections opened;
    how many of its requests were answered, and the most of those alike in size
    (``same_request``) and alike in their answer's size (``same_answer``). One streamed query:
    the candidates are filtered as they are counted, never copied."""
    web = cand.lazy().filter(  # both candidates are TCP
        pl.col("candidate").is_in([*HTTP_RATE, *HANDSHAKES])
        & pl.col("eff_dport").is_in(list(WEB_PORTS))
    )
    requests = web.filter(pl.col("candidate").is_in(HTTP_RATE) & pl.col("_request"))
    # how alike a second's requests and their answers are: of those answered, the most of one
    # size (what the client sent in the turn), and the most whose answers have one size
    # (``http_same_share``)
    sec = (pl.col("ts").cast(pl.Int64) // SECOND).alias("second")
    answered = requests.filter(pl.col("_answer_bytes").is_not_null())
    alike = [
        answered.group_by("dst", "src", sec, column)
        .len()
        .group_by("dst", "src", "second")
        .agg(pl.col("len").max().alias(name), pl.col("len").sum().alias("answered"))
        for column, name in (("_request_bytes", "same_request"), ("_answer_bytes", "same_answer"))
    ]
    # connections opened by the clients that request (a spoofed SYN flood's millions of
    # sources never do: counting their SYNs per second would only cost)
    syns = web.filter(pl.col("candidate").is_in(HANDSHAKES)).join(
        requests.select("dst", "src").unique(), on=["dst", "src"], how="semi"
    )
    zero = pl.lit(0, dtype=pl.UInt32)
    return collect(
        pl.concat(
            [
                requests.group_by("dst", "src", sec).agg(
                    pl.len().alias("requests"), pl.col("sport").n_unique().alias("sessions"),
                    zero.alias("syns"),
                ).join(alike[0], on=["dst", "src", "second"], how="left")
                .join(alike[1].drop("answered"), on=["dst", "src", "second"], how="left")
                .with_columns(pl.col("answered", "same_request", "same_answer").fill_null(0)),
                syns.group_by("dst", "src", sec).agg(
                    zero.alias("requests"), zero.alias("sessions"), pl.len().alias("syns"),
                    zero.alias("answered"), zero.alias("same_request"), zero.alias("same_answer"),
                ),
            ],
            how="diagonal_relaxed",  # by name
        )
    )  # fmt: skip


# the seconds one client alone floods a web server in (``solo_http``)
SOLO = {"dst": pl.UInt128, "src": pl.UInt128, "second": pl.Int64, "_solo": pl.Boolean}


def solo_http(per_client: pl.DataFrame, cfg: AnalysisConfig, span_s: float | None = None) -> pl.DataFrame:  # fmt: skip
    """(dst, src, second, _solo): the seconds where one client alone floods a web server with
    requests over several connections (on any number, faster: ``http_rps_any_connections``; or
    one request again and again, answered alike: ``http_same_share``), or with new connections,
    for ``http_flood_min_s`` hot seconds in a run (no more than
    ``http_flood_max_gap_s`` between two of them). A capture shorter than that (``span_s``,
    first to last packet: a snippet of the flood) holds no such run: there, a client that
    opened ``http_burst_connections_per_s`` connections a second to the server over all of it,
    or sent it ``http_rps_any_connections`` requests a second over all of it (as many at least
    in either), floods it in every second it requested."""
    if per_client.is_empty():
        return pl.DataFrame(schema=SOLO)
    seconds = per_client.group_by("dst", "src", "second").agg(
        pl.col("requests", "sessions", "syns", "answered", "same_request", "same_answer").sum()
    )
    burst = _burst(seconds, cfg, span_s)
    share = cfg.http_same_share
    # one request again and again, answered alike: a flood tool's loop, on however many
    # connections, at whatever pace the server answers (a browser or a package manager asks
    # for different things, and gets them)
    repeated = (
        (pl.col("answered") >= share * pl.col("requests"))
        & (pl.col("same_request") >= share * pl.col("answered"))
        & (pl.col("same_answer") >= share * pl.col("answered"))
    )
    fast = pl.col("requests") >= cfg.http_rps_per_source
    hot = seconds.filter(
        (fast & (pl.col("sessions") >= cfg.http_sessions_per_source)
         & (pl.col("requests") >= cfg.http_requests_per_connection * pl.col("sessions")))
        | (fast & repeated)
        | (pl.col("requests") >= cfg.http_rps_any_connections)
        | (pl.col("syns") >= cfg.http_connections_per_source_rate)
    )  # fmt: skip
    # runs of hot seconds at most ``http_flood_max_gap_s`` apart; a flood is a run of
    # ``http_flood_min_s`` of them, from its first hot second to its last (its dips included)
    pair = ["dst", "src"]
    gap = pl.col("second").diff().over(pair, order_by="second")
    runs = hot.with_columns(
        run=(gap > cfg.http_flood_max_gap_s)
        .fill_null(False)
        .cum_sum()
        .over(pair, order_by="second")
    )
    span = (
        runs.group_by(*pair, "run")
        .agg(
            pl.len().alias("n"),
            pl.col("second").min().alias("a"),
            pl.col("second").max().alias("z"),
        )
        .filter(pl.col("n") >= cfg.http_flood_min_s)
    )
    if span.is_empty():
        return burst
    runs = (
        span.with_columns(second=pl.int_ranges("a", pl.col("z") + 1))
        .explode("second")
        .select("dst", "src", "second", pl.lit(True).alias("_solo"))
    )
    return pl.concat([runs, burst]).unique(maintain_order=True)


def _burst(seconds: pl.DataFrame, cfg: AnalysisConfig, span_s: float | None) -> pl.DataFrame:
    """The seconds a client requested in, of the clients that, over a capture too short to hold
    ``http_flood_min_s`` hot seconds, opened ``http_burst_connections_per_s`` connections a
    second to one server, or sent it ``http_rps_any_connections`` requests a second: over all
    of the capture, and as many at least (a page load captured for a tenth of a second opens a
    dozen connections at once and sends their requests: no rate). The request rate is the one
    a client keeps up for ``http_flood_min_s`` to flood, over all of a snippet instead, and
    over two seconds at least: five times a browser's busiest second, twice a whole page load
    (a news site's 100 requests in 2 s) in the time of one (a 2.3 s snippet of AnonymousDoS:
    514 requests, 220 a second over 8 connections, was no flood). None for a longer capture."""
    if span_s is None or span_s >= cfg.http_flood_min_s:
        return pl.DataFrame(schema=SOLO)
    pair = ["dst", "src"]
    fast = (
        seconds.group_by(pair)
        .agg(pl.col("syns", "requests").sum())
        .filter(
            (pl.col("syns") >= cfg.http_burst_connections_per_s * max(span_s, 1.0))
            | (pl.col("requests") >= cfg.http_rps_any_connections * max(span_s, 2.0))
        )
    )
    return (
        seconds.filter(pl.col("requests") > 0)
        .join(fast.select(pair), on=pair, how="semi")
        .select(*pair, "second", _solo=pl.lit(True))
        .cast(SOLO)
    )
