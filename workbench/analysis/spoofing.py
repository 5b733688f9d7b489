"""Were the sources spoofed? Evidence per vector: TTL spread, bogon sources, how uniformly
the sources cover the address space, and how many are seen only once."""

from __future__ import annotations

import math

import polars as pl

from workbench.analysis.lazy import Frame, collect, source_parts
from workbench.analysis.vector_table import REFLECTION
from workbench.enrich import bogon_kind

REFLECTED = REFLECTION


def figures(attack: Frame) -> dict[str, dict]:
    """Per vector: the spoofing figures of its sources (one pass for all vectors)."""
    attack = attack.lazy()
    first_octet = (pl.col("src") % (1 << 32) // (1 << 24)).cast(pl.Int64)
    shares = []
    for part in source_parts(attack):  # a hash part of the sources at a time
        per_source = (
            part.lazy()
            .group_by("vector", "src")
            .agg(pl.len().alias("n"), pl.col("ttl").n_unique().alias("ttls"))
        )
        shares.append(collect(
            per_source.group_by("vector").agg(
                pl.len().alias("unique"),
                (pl.col("n") == 1).sum().alias("once"),
                (pl.col("ttls") == 1).sum().alias("one_ttl"),
                first_octet.filter(pl.col("src").ip.is_v4()).unique().alias("octets"),
            )
        ))  # fmt: skip
    sources = (
        pl.concat(shares)
        .group_by("vector")
        .agg(pl.col("unique", "once", "one_ttl").sum(), pl.col("octets").list.explode(keep_nulls=False, empty_as_null=False).n_unique().alias("slash8"))
        .with_columns(
            seen_once=pl.col("once") / pl.col("unique").clip(1), single_ttl=pl.col("one_ttl") / pl.col("unique").clip(1)
        )
    )  # fmt: skip
    packets = collect(
        attack.group_by("vector").agg(
            pl.len().alias("packets"), bogon_kind("src").is_not_null().mean().alias("bogon")
        )
    )
    ttl_counts = collect(attack.group_by("vector", "ttl").len())
    out = {}
    for row in sources.join(packets, on="vector").iter_rows(named=True):
        unique = row["unique"]
        ttls = ttl_counts.filter(pl.col("vector") == row["vector"]).sort("len", descending=True)
        # coverage of the /8s: uniform random sources touch nearly all 256 once there are enough
        expected_cover = 256 * (1 - math.exp(-unique / 256)) if unique else 0.0
        cover = row["slash8"] / expected_cover if expected_cover else 0.0
        out[row["vector"]] = {
            "unique_sources": unique,
            "packets": row["packets"],
            "seen_once_share": round(float(row["seen_once"]), 4) if unique else 0.0,
            "single_ttl_source_share": round(float(row["single_ttl"]), 4) if unique else 0.0,
            "distinct_ttls": ttls.height,
            "top4_ttl_share": round(float(ttls["len"].head(4).sum() / max(row["packets"], 1)), 4),
            "bogon_source_share": round(float(row["bogon"] or 0.0), 4),
            "slash8_coverage": round(min(cover, 1.0), 4),
        }
    return out


def assess_vector(vector: str, f: dict) -> dict:
    """Spoofing assessment of one vector from its ``figures``: the verdict and why."""
    if vector in REFLECTED:
        verdict = "reflected"
        reason = (
            f"{f['unique_sources']:,} reflectors answered; {f['single_ttl_source_share']:.0%} of them with one stable TTL,"
            " as real servers do. The requests that triggered them carried the victim's address (spoofed);"
            " the reflectors are abused servers, not the attackers."
        )
    elif f["unique_sources"] >= 100 and (
        f["bogon_source_share"] >= 0.02
        or (f["slash8_coverage"] >= 0.8 and f["seen_once_share"] >= 0.5)
    ):
        verdict = "spoofed"
        reason = (
            f"{f['unique_sources']:,} sources, {f['seen_once_share']:.0%} seen once, spread over "
            f"{f['slash8_coverage']:.0%} of the /8s random addresses would cover, {f['bogon_source_share']:.1%} from "
            f"bogon/reserved space, yet only {f['distinct_ttls']} TTL values ({f['top4_ttl_share']:.0%} of packets in the top 4):"
            " a few machines forging random source addresses. Their geography is meaningless."
        )
    elif f["unique_sources"] >= 20 and f["top4_ttl_share"] >= 0.9 and f["seen_once_share"] >= 0.8:
        verdict = "likely spoofed"
        reason = f"{f['unique_sources']:,} sources but {f['top4_ttl_share']:.0%} of packets carry one of 4 TTLs, and {f['seen_once_share']:.0%} of sources appear once."
    else:
        verdict = "not spoofed"
        reason = (
            f"{f['unique_sources']:,} sources with {f['single_ttl_source_share']:.0%} keeping one TTL and "
            f"{f['bogon_source_share']:.1%} bogons: consistent with real hosts (a botnet or a single attacker)."
        )
    return {"vector": vector, "verdict": verdict, "evidence": reason, **f}


def assess(classified: Frame) -> dict:
    """The report's ``sources.spoofing``: an overall verdict and one assessment per vector."""
    found = figures(classified.lazy().filter(pl.col("vector").is_not_null()))
    per_vector = [assess_vector(vector, f) for vector, f in sorted(found.items())]
    spoofed = [p["vector"] for p in per_vector if p["verdict"] in ("spoofed", "likely spoofed")]
    reflected = [p["vector"] for p in per_vector if p["verdict"] == "reflected"]
    if not per_vector:
        verdict = "no attack traffic"
    elif spoofed:
        verdict = f"spoofed sources in {', '.join(spoofed)}"
    elif reflected:
        verdict = (
            f"reflection ({', '.join(reflected)}): reflectors are real, the requests were spoofed"
        )
    else:
        verdict = "no sign of spoofing"
    return {"verdict": verdict, "per_vector": per_vector}
