"""Scrubbing seen in the path, not only in the rate: when an attack is diverted through a
scrubbing center, what it lets through arrives from further away. The same real senders
(reflectors, bots) keep sending, but every one of them at once arrives with fewer hops left:
its TTL falls by the same few hops at the same moment. A route change of one network moves a
few senders; a diversion moves them all.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import Frame, address_key, collect
from workbench.analysis.vectors.kinds import CANDIDATE

SENDER_SEED = 0x5C2B  # the seed of a sender's key (``_sender_key``)


def ttl_shifts(
    packets: Frame, spans: list[tuple[int, int, list[str]]], cfg: AnalysisConfig
) -> dict[int, dict]:
    """For each ``(lo, hi, vectors)`` span (an attack phase), the TTL shift of its vectors'
    senders, if they all moved at once (``_shift``): span index -> the vector's shift with the
    most senders, ``{"vector", "at_ns", "hops", "senders", "share"}``."""
    from workbench.analysis.phases import own_traffic

    if not spans:
        return {}
    ts = pl.col("ts").cast(pl.Int64)
    bounds = [(lo, hi) for lo, hi, _ in spans]
    attack = own_traffic(packets, bounds, [vectors for _, _, vectors in spans]).select(
        pl.col("phase").alias("span"), pl.col("vector").cast(CANDIDATE), "src", "ttl", "ts",
        _sender_key().alias("_key"),
    )  # fmt: skip
    if isinstance(packets, pl.DataFrame):  # in memory: placed in its phase once, not per query
        attack = attack.collect().lazy()
    # a sender of one packet is never seen at two TTLs, nor on both sides of a switch: only
    # the others count (``_shift``), and only a (span, vector) with enough senders seen at
    # exactly two TTLs (``scrubbing_min_senders``) can hold a shift. A spoofed flood brings
    # millions of one-packet senders: they are told apart by one 64-bit key per (span,
    # vector, sender) first, a number grouped where three columns were (``_sender_key``;
    # 9.7 M attack packets, 4.2 M senders: the whole test 0.65-0.84 s -> 0.53-0.59 s in
    # memory; over the 43 M-packet dataset, the phases 8.2 s -> 5.7 s), and only the few keys
    # seen at two TTLs or more are grouped by their columns. Keys may collide: two senders on
    # one key can only look like one at two TTLs, never hide one that is, so the few are a
    # superset of those senders, and the exact count is taken over them. ``two`` is "at two
    # TTLs or more" (its lowest is not its highest: cheaper than counting distinct TTLs): it
    # may let through a (span, vector) with too few senders at exactly two, where ``_shift``,
    # which counts exactly those, then finds no shift
    ttl = pl.col("ttl")
    keys = collect(
        attack.group_by("_key")
        .agg(ttl.min().alias("lo"), ttl.max().alias("hi"), pl.len().alias("n"))
        .filter(pl.col("n") > 1)
        .select("_key", (pl.col("lo") != pl.col("hi")).alias("two"))
    )
    moved = keys.filter("two")["_key"].implode()
    possible = collect(
        attack.filter(pl.col("_key").is_in(moved))
        .group_by("span", "vector", "src")
        .agg((ttl.min() != ttl.max()).alias("two"))
        .group_by("span", "vector")
        .agg(pl.col("two").sum())
        .filter(pl.col("two") >= cfg.scrubbing_min_senders)
    )
    if possible.is_empty():
        return {}
    # every sender of more than one packet in those spans and vectors: a key of one packet is
    # one sender's; a key of more may join one-packet senders, which ``_shift`` never counts
    # (one TTL, never on both sides of a switch)
    repeated = keys["_key"].implode()
    per_ttl = collect(
        attack.filter(pl.col("_key").is_in(repeated))
        .join(possible.select("span", "vector").lazy(), on=["span", "vector"], how="semi")
        .group_by("span", "vector", "src", "ttl")
        .agg(ts.min().alias("first"), ts.max().alias("last"), pl.len().alias("n"))
    )
    out: dict[int, dict] = {}
    for (span, vector), part in per_ttl.group_by("span", "vector"):
        found = _shift(part, cfg)
        if found and (span not in out or found["senders"] > out[span]["senders"]):
            out[int(span)] = {"vector": vector, **found}
    return out


def _sender_key() -> pl.Expr:
    """One 64-bit number per (span, vector, src) of a phase's packets."""
    vector = pl.col("vector").cast(CANDIDATE).to_physical()
    return address_key("src", pl.col("phase"), vector, seed=SENDER_SEED)


def _shift(per_ttl: pl.DataFrame, cfg: AnalysisConfig) -> dict | None:
    """The moment most senders switched to a lower TTL, from (src, ttl, first, last, n) rows."""
    # per sender, once: how many TTLs, and when it sent first and last
    senders = per_ttl.group_by("src").agg(
        pl.len().alias("ttls"), pl.col("first").min(), pl.col("last").max()
    )
    two = per_ttl.join(senders.filter(pl.col("ttls") == 2).select("src"), on="src", how="semi")
    if two.is_empty():
        return None
    two = two.sort("src", "first")
    switched = (
        two.group_by("src", maintain_order=True)
        .agg(
            pl.col("ttl").first().alias("before"),
            pl.col("ttl").last().alias("after"),
            pl.col("last").first().alias("last_before"),
            pl.col("first").last().alias("at"),
        )
        .filter(
            (pl.col("last_before") < pl.col("at"))
            & (pl.col("before").cast(pl.Int16) - pl.col("after").cast(pl.Int16) >= cfg.scrubbing_ttl_drop_min)
        )
    )  # fmt: skip
    if switched.height < cfg.scrubbing_min_senders:
        return None
    # each sender switched between its last old-TTL packet and its first new one; the busiest
    # senders pin that moment closest
    gap = pl.col("at") - pl.col("last_before")
    tight = switched.filter(gap <= gap.quantile(0.25))
    at = int(((tight["last_before"] + tight["at"]) // 2).median())
    spread = float(tight["at"].quantile(0.75) - tight["at"].quantile(0.25)) / 1e9
    # senders active on both sides of the switch: most of them must have switched
    both = senders.filter((pl.col("first") < at) & (pl.col("last") >= at)).height
    share = min(switched.height / max(both, 1), 1.0)
    if share < cfg.scrubbing_sender_share or spread > cfg.scrubbing_switch_spread_s:
        return None
    hops = int((switched["before"].cast(pl.Int16) - switched["after"].cast(pl.Int16)).mode().min())
    return {"at_ns": at, "hops": hops, "senders": switched.height, "share": round(share, 3)}
