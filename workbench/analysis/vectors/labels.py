"""Labelling: each packet's ``vector`` from its candidate, its own context and the verdicts;
then what is attack by association (every segment of a slow or flooding HTTP connection, and
reflectors answering from an ephemeral port)."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.queries import collect, collect_all
from workbench.analysis.steps import step
from workbench.analysis.vector_table import AMPLIFICATION, ORPHAN_KINDS, REFLECTION
from workbench.analysis.vectors.context import (
    asked_for,
    candidates,
    span_ns,
    unamplifying_servers,
)
from workbench.analysis.vectors.evidence import Evidence
from workbench.analysis.vectors.kinds import (
    CANDIDATE,
    HANDSHAKES,
    HTTP_RATE,
    SECOND,
    SIZED_ANSWERS,
    SLOW,
    TCP,
    TUPLE4,
    UNANSWERED_UDP,
)
from workbench.analysis.vectors.pair_kernel import named_pairs, pair_table
from workbench.analysis.vectors.verdicts import Verdicts
from workbench.capture.schema import PROTO_TCP, PROTO_UDP

HIGH_PORTS = 1024  # the first port above the well-known (system) ports, RFC 6335
# what labelling reads of the candidates (``_label``; their ``bin`` is their time's, in the
# verdicts' bins): a dataset's pass 1 keeps these alone for pass 2
LABEL_READS = ("_row", "ts", "src", "dst", "payload_len", "candidate", "_asked", "_done", "_open", "_answered", "_talks", "_query", "_retry")  # fmt: skip


def classify(
    frame: pl.DataFrame,
    verdicts: Verdicts | None = None,
    config: AnalysisConfig = DEFAULT,
    *,
    cand: pl.DataFrame | None = None,
    enum: bool = False,
    dns: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """Add a ``vector`` column: the attack vector of each packet (null: not attack traffic).

    ``verdicts``: judged over a whole capture (``Evidence.verdicts``) when ``frame`` is one
    window of it; judged on ``frame`` alone when not given. ``cand``: the frame's
    ``candidates`` with those verdicts' bins, when they were found before (pass 1 of a dataset);
    ``dns``: the whole capture's ``context.dns_service``, when ``frame`` is a window of it.
    ``enum``: the vector as the vector table's Enum (a byte per packet, grouped as a number:
    how the analysis keeps it) instead of its text (``as_text``).

    frame = wb.analysis.classify(cap.packets)
    frame.group_by("vector").len()
    """
    return judged(frame, verdicts, config, cand=cand, enum=enum, dns=dns)[0]


def judged(
    frame: pl.DataFrame,
    verdicts: Verdicts | None = None,
    config: AnalysisConfig = DEFAULT,
    *,
    cand: pl.DataFrame | None = None,
    enum: bool = False,
    dns: pl.DataFrame | None = None,
) -> tuple[pl.DataFrame, Verdicts | None]:
    """``classify``, and the verdicts it labelled with (None for an empty frame)."""
    if frame.height == 0:
        empty = frame.with_columns(vector=pl.lit(None, dtype=CANDIDATE if enum else pl.String))
        return empty, verdicts
    if verdicts is None:
        bin_ns = config.rate_bin_ms(span_ns(frame)) * 1_000_000
        cand = candidates(frame, config, bin_ns)
        evidence = Evidence.empty(config, bin_ns)
        with step("evidence"):
            evidence.add(frame, cand)
        with step("verdicts"):
            verdicts = evidence.verdicts()
    elif cand is None:
        cand = candidates(frame, config, verdicts.bin_ns, dns)
    with step("labels"):
        out = _label(frame, cand, verdicts, config)
    return (out if enum else as_text(out)), verdicts


def as_text(frame: pl.DataFrame | pl.LazyFrame) -> pl.DataFrame | pl.LazyFrame:
    """``frame`` with its ``vector`` as text, the type users see (left as it is when it is)."""
    dtype = frame.collect_schema()["vector"]
    if not isinstance(dtype, pl.Enum):
        return frame.with_columns(pl.col("vector").cast(pl.String))
    # each code picks its name from the Enum's own categories: a gather shares their bytes,
    # where a cast writes every packet's name anew (11 M packets: 0.02 s against 0.15 s)
    names = pl.lit(dtype.categories, dtype=pl.String)
    return frame.with_columns(names.gather(pl.col("vector").to_physical()).alias("vector"))


def _label(
    frame: pl.DataFrame, cand: pl.DataFrame, verdicts: Verdicts, config: AnalysisConfig = DEFAULT
) -> pl.DataFrame:
    """The ``vector`` of each packet of ``frame`` from its candidates and the verdicts."""
    # which verdicts name each candidate's pair: looked up in one compiled pass (exact keys)
    named = named_pairs(
        cand,
        pair_table(verdicts.whole["dst"], "dst", "_whole_dst"),
        pair_table(verdicts.hot["dst"], "dst", "_hot_dst"),
        pair_table(verdicts.veto, "dst", "_veto"),
        pair_table(verdicts.whole["dst_net"], "dst_net", "_whole_dst_net"),
        pair_table(verdicts.hot["dst_net"], "dst_net", "_hot_dst_net"),
    )
    marked = cand.lazy().with_columns(_named=pl.Series(named))
    if verdicts.solo.height:
        marked = marked.with_columns(second=pl.col("ts").cast(pl.Int64) // SECOND).join(
            verdicts.solo.lazy(), on=["dst", "src", "second"], how="left"
        )
    servers = unamplifying_servers(marked, config)
    if servers.height:
        marked = marked.join(servers.lazy(), on=["dst", "src", "candidate"], how="left")
    names = marked.collect_schema().names()
    flag = lambda name: pl.col(name).fill_null(False) if name in names else pl.lit(False)  # noqa: E731
    # named by a verdict, or one client's HTTP flood (judged per client and second)
    attack = pl.col("_named") | (flag("_solo") & pl.col("candidate").is_in(HTTP_RATE))
    c = pl.col("candidate")
    # a packet whose own context shows it legitimate is not the attack's, whatever its pair's
    # verdict: a SYN whose handshake completed, a segment of an open connection, an answer
    # the target asked for, UDP on a flow the target answers, DNS answers to a target never seen
    # sending from a server whose answers do not look amplified (its own questions' answers)
    legitimate = (
        (c.is_in(HANDSHAKES) & pl.col("_done"))
        | (c.is_in(list(ORPHAN_KINDS)) & pl.col("_open"))
        | (c.is_in(list(REFLECTION)) & pl.col("_asked"))
        | asked_for()
        | (c.is_in(SIZED_ANSWERS) & flag("_unamplified"))
    )
    hits = (
        marked.filter(attack & ~legitimate)
        .select("_row", pl.col("candidate").alias("vector"))
        .collect()
    )
    vector = (
        # the vector table's Enum while labels are settled (a byte, not a string, per packet)
        pl.repeat(None, frame.height, dtype=CANDIDATE, eager=True)
        .alias("vector")
        .scatter(hits["_row"].to_numpy(), hits["vector"])
    )
    out = frame.with_columns(vector)
    out = _slow_connections(out, verdicts.slow)
    # an http flood is whole sessions: every segment of them, the server's answers too
    flood = out.select(*TUPLE4, "vector").filter(pl.col("vector").is_in(HTTP_RATE)).unique(TUPLE4)
    if flood.height:
        swapped = flood.select(
            src="dst", sport="dport", dst="src", dport="sport", _session="vector"
        )
        sessions = pl.concat([flood.rename({"vector": "_session"}), swapped]).unique(TUPLE4)
        out = (
            out.join(sessions, on=TUPLE4, how="left", maintain_order="left")
            .with_columns(
                vector=pl.coalesce(
                    "vector", pl.when(pl.col("proto") == PROTO_TCP).then(pl.col("_session"))
                )
            )
            .drop("_session")
        )
    out = _ephemeral_reflector_answers(out, config)
    return out.select(*frame.columns, "vector")


def _slow_connections(out: pl.DataFrame, slow: pl.DataFrame) -> pl.DataFrame:
    """Every TCP segment between a slow client and the service it holds open, both ways."""
    if slow.is_empty():
        return out
    keys = slow.select("src", "dst", "dport").unique()
    fwd = keys.with_columns(_slow=pl.lit(True))
    back = keys.select(src="dst", dst="src", sport="dport").with_columns(_slow_back=pl.lit(True))
    marked = out.join(fwd, on=["src", "dst", "dport"], how="left", maintain_order="left").join(
        back, on=["src", "dst", "sport"], how="left", maintain_order="left"
    )
    is_slow = (pl.col("proto") == PROTO_TCP) & (
        pl.col("_slow").fill_null(False) | pl.col("_slow_back").fill_null(False)
    )
    keep = pl.col("vector").is_null() | pl.col("vector").is_in(TCP)
    [slow_name] = SLOW
    return marked.with_columns(
        vector=pl.when(is_slow & keep)
        .then(pl.lit(slow_name, dtype=CANDIDATE))
        .otherwise(pl.col("vector"))
    ).drop("_slow", "_slow_back")


def _busiest(table: pl.DataFrame, column: str) -> pl.DataFrame:
    """One amplification per (target, ``column``): the one with most of those answers (``n``),
    ties by name."""
    return table.sort("dst", column, "n", "vector", descending=[False, False, True, False]).unique(
        ["dst", column], keep="first", maintain_order=True
    )


def _ephemeral_reflector_answers(out: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Some reflectors (SSDP devices above all) answer from an ephemeral port. UDP from a high
    port (unclassified, or a UDP flood by its rate alone) joins a confirmed amplification on the
    same target, while it runs, when it converges on the very target port the amplification
    does, or carries the same answers (the payload sizes that make up most of it)."""
    amp = (
        out.lazy()
        .select("dst", "vector", "dport", "payload_len", "ts")
        .filter(pl.col("vector").is_in(list(AMPLIFICATION)))
    )
    # one pass over the amplification packets for its target ports, answer sizes and spans
    ports, sizes, spans = collect_all([
        amp.group_by("dst", "vector", "dport").agg(pl.len().alias("n")),
        amp.group_by("dst", "vector", "payload_len").agg(pl.len().alias("n")),
        amp.group_by("dst", "vector").agg(pl.col("ts").min().alias("_a"), pl.col("ts").max().alias("_z")),
    ])  # fmt: skip
    if spans.height == 0:
        return out
    ports = ports.with_columns(share=pl.col("n") / pl.col("n").sum().over("dst", "vector"))
    by_port = (
        ports.filter(pl.col("share") >= config.ephemeral_port_share)
        .pipe(_busiest, "dport")
        .select("dst", "dport", pl.col("vector").alias("_by_port"))
    )
    sizes = sizes.with_columns(share=pl.col("n") / pl.col("n").sum().over("dst", "vector")).filter(
        pl.col("share") >= config.ephemeral_size_share
    )
    by_size = (
        sizes.join(spans, on=["dst", "vector"])
        .pipe(_busiest, "payload_len")
        .select("dst", "payload_len", "_a", "_z", pl.col("vector").alias("_by_size"))
    )
    loose = pl.col("vector").is_null() | pl.col("vector").is_in(UNANSWERED_UDP)
    # only the rows that could join (unclassified or flood UDP from a high port) are looked up
    rows = (
        out.lazy()
        .with_row_index("_i")
        .filter(loose & (pl.col("proto") == PROTO_UDP) & (pl.col("sport") >= HIGH_PORTS))
    )
    joined = rows.join(by_port.lazy(), on=["dst", "dport"], how="left").join(
        by_size.lazy(), on=["dst", "payload_len"], how="left"
    )
    in_span = pl.col("ts").is_between(pl.col("_a"), pl.col("_z"))
    sibling = pl.coalesce(pl.col("_by_port"), pl.when(in_span).then(pl.col("_by_size")))
    hits = collect(  # streamed: the joins run faster there (each row finds one row or none)
        joined.select("_i", sibling.alias("_sibling")).drop_nulls("_sibling").unique("_i")
    )
    if hits.height == 0:
        return out
    return out.with_columns(out["vector"].scatter(hits["_i"], hits["_sibling"]))
