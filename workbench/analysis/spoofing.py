"""Were the sources spoofed? Evidence per vector: TTL spread, bogon sources, how uniformly
the sources cover the address space, and how many are seen only once."""

from __future__ import annotations

import math

import polars as pl

from workbench.analysis.vectors import AMPLIFICATION
from workbench.enrich import bogon_kind

REFLECTED = (*AMPLIFICATION, "synack_reflection")


def _figures(attack: pl.DataFrame) -> dict:
    per_source = attack.group_by("src").agg(
        pl.len().alias("n"), pl.col("ttl").n_unique().alias("ttls")
    )
    unique = per_source.height
    v4 = attack.filter(pl.col("src").ip.is_v4())
    slash8 = v4.select((pl.col("src") % (1 << 32) // (1 << 24)).cast(pl.Int64).alias("a")).unique(
        maintain_order=False
    )
    # coverage of the /8s: uniform random sources touch nearly all 256 once there are enough
    expected_cover = 256 * (1 - math.exp(-unique / 256)) if unique else 0.0
    cover = slash8.height / expected_cover if expected_cover else 0.0
    ttl_counts = attack.group_by("ttl").len().sort("len", descending=True)
    bogon = attack.select(bogon_kind("src").is_not_null().mean()).item() if attack.height else 0.0
    return {
        "unique_sources": unique,
        "packets": attack.height,
        "seen_once_share": round(float((per_source["n"] == 1).mean()), 4) if unique else 0.0,
        "single_ttl_source_share": round(float((per_source["ttls"] == 1).mean()), 4)
        if unique
        else 0.0,
        "distinct_ttls": ttl_counts.height,
        "top4_ttl_share": round(float(ttl_counts["len"].head(4).sum() / max(attack.height, 1)), 4),
        "bogon_source_share": round(float(bogon or 0.0), 4),
        "slash8_coverage": round(min(cover, 1.0), 4),
    }


def assess_vector(vector: str, attack: pl.DataFrame) -> dict:
    """Spoofing assessment of one vector's packets: verdict and the figures behind it."""
    f = _figures(attack)
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


def assess(classified: pl.DataFrame) -> dict:
    """The report's ``sources.spoofing``: an overall verdict and one assessment per vector."""
    attack = classified.filter(pl.col("vector").is_not_null())
    groups = attack.partition_by("vector", as_dict=True) if attack.height else {}
    per_vector = [assess_vector(key[0], part) for key, part in sorted(groups.items())]
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
