"""Targets: hosts ranked by attack traffic; carpet bombing reported as the prefix it spreads over."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.queries import Frame, collect
from workbench.analysis.vector_table import VECTORS, WEB_PORTS
from workbench.analysis.vectors.kinds import V4_BITS, V6_BITS

# vectors labelled as whole sessions (both directions): the server's side is not the target's
SESSION_VECTORS = [r.name for r in VECTORS if r.family in ("http", "slow_http")]


def session_reply() -> pl.Expr:
    """Whether a labelled packet is a session vector's server answering: an HTTP or slow-HTTP
    flood is labelled as whole sessions, both ways (the pcap export keeps them whole), but its
    server's answers point back at the clients. The server's side is the one from its service
    port: a web port, or the lower of the two (clients send from ephemeral ports, 32768 and
    up on Linux, 49152 and up on Windows and macOS). Null where the packet has no vector."""
    return pl.col("vector").is_in(SESSION_VECTORS) & (
        pl.col("sport").is_in(list(WEB_PORTS)) | (pl.col("sport") < pl.col("dport"))
    )


def toward_targets(frame: Frame) -> pl.LazyFrame:
    """Attack packets toward their targets: every labelled packet but a session vector's
    server answering (``session_reply``). What the attack's targets, sources and ports are
    read from: the server of an HTTP flood is its target, never one of its sources."""
    return frame.lazy().filter(pl.col("vector").is_not_null() & ~session_reply())


def target_table(frame: Frame, keys: tuple[str, ...] = ()) -> pl.DataFrame:
    """Attack packets and bytes per (``keys``, vector, prefix, host): one pass over the packets,
    a row per target host and vector (small), from which every ranking is taken."""
    attack = toward_targets(frame).with_columns(net=pl.col("dst").ip.network(V4_BITS, V6_BITS))
    return collect(
        attack.group_by(*keys, "vector", "net", "dst")
        .agg(pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"))
        # grouped by the label as it comes (an Enum while analysed), named in the (small) result
        .with_columns(pl.col("vector").cast(pl.String))
    )


def _carpets(table: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    return (
        table.group_by("vector", "net")
        .agg(pl.col("dst").n_unique().alias("hosts"))
        .filter(pl.col("hosts") >= config.carpet_min_hosts)
    )


def carpet_prefixes(frame: Frame, config: AnalysisConfig = DEFAULT) -> pl.DataFrame:
    """(vector, net, hosts) where a vector spreads over at least ``config.carpet_min_hosts``
    hosts of one prefix (a carpet)."""
    return _carpets(target_table(frame), config)


def rank_targets(
    frame: Frame, limit: int = 20, *, by: str | None = None, config: AnalysisConfig = DEFAULT
) -> list[dict] | dict:
    """Targets by attack bytes: ``{"address"|"prefix", "hosts"?, "packets", "bytes", "vectors"}``.

    ``by`` (a column, e.g. ``vector``): a dict from each of its values to that value's targets.
    ``config``: the analysis's thresholds (a carpet's hosts, ``carpet_min_hosts``).
    """
    keys = (by,) if by and by != "vector" else ()
    return ranked(target_table(frame, keys), limit, by=by, config=config)


def ranked(
    table: pl.DataFrame, limit: int = 20, *, by: str | None = None, config: AnalysisConfig = DEFAULT
) -> list[dict] | dict:
    """``rank_targets`` from a ``target_table`` (that holds ``by`` among its keys)."""
    keys = [by] if by else []
    carpets = _carpets(table, config).select("vector", "net", pl.lit(True).alias("carpet"))
    keyed = table.join(carpets, on=["vector", "net"], how="left")
    # address text only on the grouped result: group first on integers, render after
    grouped = (
        keyed.with_columns(
            is_prefix=pl.col("carpet").fill_null(False),
            target=pl.when(pl.col("carpet")).then(pl.col("net")).otherwise(pl.col("dst")),
        )
        .group_by(*keys, "target", "is_prefix")
        .agg(
            pl.col("packets").sum(),
            pl.col("bytes").sum(),
            pl.col("vector").unique().alias("vectors"),
            pl.col("dst").n_unique().alias("hosts"),
        )
        .with_columns(pl.col("vectors").list.sort())
        # ties in address order: a group-by's order changes from run to run
        .sort("bytes", "packets", "target", "is_prefix", descending=[True, True, False, False])
    )
    if by:  # each value's first ``limit``, all rendered at once (10,000 phases: one query)
        top = grouped.filter(pl.int_range(pl.len()).over(by) < limit)
        out: dict = {}
        for key, entry in zip(top[by].to_list(), _entries(top), strict=True):
            out.setdefault(key, []).append(entry)
        return out
    return _entries(grouped.head(limit))


def _entries(grouped: pl.DataFrame) -> list[dict]:
    out = []
    for row in grouped.with_columns(text=pl.col("target").ip.to_text()).iter_rows(named=True):
        entry: dict = {"packets": row["packets"], "bytes": row["bytes"], "vectors": row["vectors"]}
        if row["is_prefix"]:
            suffix = V4_BITS if "." in row["text"] else V6_BITS
            entry = {"prefix": f"{row['text']}/{suffix}", "hosts": row["hosts"], **entry}
        else:
            entry = {"address": row["text"], **entry}
        out.append(entry)
    return out


def target_labels(targets: list[dict]) -> list[str]:
    """Address or prefix text of each target entry."""
    return [t.get("prefix") or t["address"] for t in targets]
