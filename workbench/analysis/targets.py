"""Targets: hosts ranked by attack traffic; carpet bombing reported as the prefix it spreads over."""

from __future__ import annotations

import polars as pl

CARPET_MIN_HOSTS = 8  # distinct hosts of one /24 (/48) hit by one vector make it a carpet
V4_BITS, V6_BITS = 24, 48


WEB_PORTS = (80, 443, 8080, 8000, 8443)


def _attack(frame: pl.DataFrame) -> pl.DataFrame:
    """Attack packets toward their targets (an HTTP flood's server answers point back at the bots)."""
    reply = (pl.col("vector") == "http_flood") & pl.col("sport").is_in(list(WEB_PORTS))
    return frame.filter(pl.col("vector").is_not_null() & ~reply)


def carpet_prefixes(frame: pl.DataFrame) -> pl.DataFrame:
    """(vector, net, hosts) where a vector spreads over at least CARPET_MIN_HOSTS hosts of one prefix."""
    attack = _attack(frame).with_columns(net=pl.col("dst").ip.network(V4_BITS, V6_BITS))
    return (
        attack.group_by("vector", "net")
        .agg(pl.col("dst").n_unique().alias("hosts"))
        .filter(pl.col("hosts") >= CARPET_MIN_HOSTS)
    )


def rank_targets(frame: pl.DataFrame, limit: int = 20) -> list[dict]:
    """Targets by attack bytes: ``{"address"|"prefix", "hosts"?, "packets", "bytes", "vectors"}``."""
    attack = _attack(frame)
    if attack.height == 0:
        return []
    carpets = carpet_prefixes(frame)
    keyed = attack.with_columns(net=pl.col("dst").ip.network(V4_BITS, V6_BITS)).join(
        carpets.select("vector", "net", pl.lit(True).alias("carpet")),
        on=["vector", "net"],
        how="left",
    )
    # address text only on the grouped result: group first on integers, render after
    grouped = (
        keyed.with_columns(
            is_prefix=pl.col("carpet").fill_null(False),
            target=pl.when(pl.col("carpet")).then(pl.col("net")).otherwise(pl.col("dst")),
        )
        .group_by("target", "is_prefix")
        .agg(
            pl.len().alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("vector").unique().sort().alias("vectors"),
            pl.col("dst").n_unique().alias("hosts"),
        )
        .sort("bytes", descending=True)
        .head(limit)
    )
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
