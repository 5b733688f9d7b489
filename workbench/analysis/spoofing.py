"""Were the sources spoofed? Evidence per vector: TTL spread, bogon sources, how uniformly
the sources cover the address space, and how many are seen only once."""

from __future__ import annotations

import math

import polars as pl

from workbench.analysis.per_source import SourceTable
from workbench.analysis.queries import Frame, collect, collect_all
from workbench.analysis.targets import toward_targets
from workbench.analysis.vector_table import REFLECTION
from workbench.enrich.bogons import is_bogon


def figures(attack: Frame, table: SourceTable) -> dict[str, dict]:
    """Per vector: the spoofing figures of its sources (one pass for all vectors), from the
    sources ``table`` and, for the TTL mix, the ``attack`` packets."""
    first_octet = (pl.col("src") % (1 << 32) // (1 << 24)).cast(pl.Int64)
    shares, octets, prefixes, packets = [], [], [], []
    for part in table.vector_source_parts():  # a hash part of the sources at a time
        per_source = part.lazy()
        # one streamed pass over the part for all four (plain aggregates: faster there)
        found = collect_all([
            per_source.group_by("vector").agg(
                pl.len().alias("unique"),
                (pl.col("n") == 1).sum().alias("once"),
                pl.col("one_ttl").sum().alias("one_ttl"),
            ),
            per_source.filter(pl.col("src").ip.is_v4()).group_by("vector", first_octet.alias("octet")).agg(),
            per_source.group_by("vector", pl.col("src").ip.network(16, 48).alias("net")).agg(pl.len().alias("n")),
            per_source.group_by("vector").agg(
                pl.col("n").sum().alias("packets"),
                pl.col("n").filter(is_bogon("src")).sum().alias("bogons"),
            ),
        ])  # fmt: skip
        for kept, frame in zip((shares, octets, prefixes, packets), found, strict=True):
            kept.append(frame)
    # distinct /8s of each vector's IPv4 sources (0 when it has none)
    slash8 = pl.concat(octets).unique().group_by("vector").agg(pl.len().alias("slash8"))
    sources = (
        pl.concat(shares)
        .group_by("vector")
        .agg(pl.col("unique", "once", "one_ttl").sum())
        .join(slash8, on="vector", how="left")
        .with_columns(
            pl.col("slash8").fill_null(0),
            seen_once=pl.col("once") / pl.col("unique").clip(1), single_ttl=pl.col("one_ttl") / pl.col("unique").clip(1),
        )
    )  # fmt: skip
    # the share of packets from bogon space: whole counts divided once, as a mean over packets
    packets = (
        pl.concat(packets)
        .group_by("vector")
        .agg(pl.col("packets", "bogons").sum())
        .with_columns(bogon=pl.col("bogons") / pl.col("packets"))
    )
    ttl_counts = collect(attack.group_by("vector", "ttl").len())
    # how the sources cluster: distinct /16s (/48s) and the busiest one's share of the sources
    nets = (
        pl.concat(prefixes)
        .group_by("vector", "net")
        .agg(pl.col("n").sum())
        .group_by("vector")
        .agg(
            pl.len().alias("prefixes"), (pl.col("n").max() / pl.col("n").sum()).alias("top_prefix")
        )
    )
    clusters = {r["vector"]: r for r in nets.iter_rows(named=True)}
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
            "distinct_prefixes": clusters.get(row["vector"], {}).get("prefixes", 0),
            "top_prefix_source_share": round(
                float(clusters.get(row["vector"], {}).get("top_prefix") or 0.0), 4
            ),
        }
    return out


def assess_vector(vector: str, f: dict) -> dict:
    """Spoofing assessment of one vector from its ``figures``: the verdict and the figures that
    made it.

    - ``reflected``: a reflection vector (confirmed by answers the target never asked for): the
      reflectors are real servers; the requests that triggered them were spoofed.
    - ``spoofed``: many sources, most seen once, and either bogon sources, a uniform spread over
      the IPv4 /8s, one /16 (/48) holding them all (subnet spoofing), or (IPv6) nearly every
      source in a /48 of its own: what random forging gives, not a population of hosts.
    - ``likely spoofed``: sources seen once, far more of them than TTL values (a few machines
      forging addresses; N real hosts at their own distances show N-ish TTLs and each keeps one).
    - ``not spoofed``: otherwise (a botnet of real hosts, or a single attacker).
    """
    unique, once, ttls = f["unique_sources"], f["seen_once_share"], f["distinct_ttls"]
    spread = (
        f"{unique:,} sources, {once:.0%} seen once, {ttls} TTL values, "
        f"{f['bogon_source_share']:.1%} from bogon space, {f['slash8_coverage']:.0%} of the /8s random "
        f"addresses would cover, {f['distinct_prefixes']:,} /16s (/48s), the busiest holding "
        f"{f['top_prefix_source_share']:.0%}"
    )
    random_v6 = (
        unique >= 100 and f["distinct_prefixes"] >= 0.9 * unique and f["slash8_coverage"] == 0
    )
    if vector in REFLECTION:
        verdict = "reflected"
        reason = (
            f"{unique:,} reflectors answered; {f['single_ttl_source_share']:.0%} of them with one stable TTL,"
            " as real servers do. The requests that triggered them carried the victim's address (spoofed);"
            " the reflectors are abused servers, not the attackers."
        )
    elif (
        unique >= 100
        and once >= 0.5
        and (
            f["bogon_source_share"] >= 0.02
            or f["slash8_coverage"] >= 0.8
            or f["top_prefix_source_share"] >= 0.9
            or random_v6
        )
    ):
        verdict = "spoofed"
        reason = f"{spread}: forged source addresses. Their geography is meaningless."
    elif unique >= 20 and once >= 0.8 and ttls * 25 <= unique:
        verdict = "likely spoofed"
        reason = f"{spread}: far more addresses than TTL values, each seen once, as a few machines forging addresses give."
    else:
        verdict = "not spoofed"
        reason = (
            f"{spread}; {f['single_ttl_source_share']:.0%} of sources keep one TTL: consistent with real hosts"
            " (a botnet or a single attacker)."
        )
    return {"vector": vector, "verdict": verdict, "evidence": reason, **f}


def assess(classified: Frame, table: SourceTable | None = None) -> dict:
    """The report's ``sources.spoofing``: an overall verdict and one assessment per vector.
    ``table``: the senders of ``classified`` (``per_source.SourceTable``), when already built."""
    if table is None:
        table = SourceTable(classified, [])
    found = figures(toward_targets(classified), table)
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
