"""Where the attack came from: countries and ASNs of its sources, honest about spoofing.

Sources of vectors judged spoofed are counted apart (their addresses are forged: a
country would be fiction); reflectors are labelled as what they are, abused servers.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.lazy import Frame, collect
from workbench.enrich import geolocate


def source_geography(attack: Frame, spoofed: set[str], reflected: set[str], top: int = 15) -> dict:
    """``countries`` and ``asns`` lists (packets, bytes, unique sources, role) of attack sources."""
    attack = attack.lazy()
    forged = collect(
        attack.filter(pl.col("vector").is_in(list(spoofed))).select(
            pl.len().alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("src").n_unique().alias("unique_sources"),
        )
    ).row(0, named=True)
    real = attack.filter(~pl.col("vector").is_in(list(spoofed)))
    per_source = collect(
        real.group_by("src").agg(
            pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("vector").is_in(list(reflected)).all().alias("reflector"),
        )
    )  # fmt: skip
    if per_source.is_empty() and not forged["packets"]:
        return {"countries": [], "asns": []}
    located = per_source.join(
        geolocate(per_source["src"]).rename({"address": "src"}), on="src", how="left"
    )
    role = (
        pl.when(pl.col("reflector").all()).then(pl.lit("reflectors")).otherwise(pl.lit("sources"))
    )
    countries = (
        located.with_columns(
            country=pl.when(pl.col("bogon"))
            .then(pl.lit("bogon"))
            .otherwise(pl.col("country").fill_null("unknown"))
        )
        .group_by("country")
        .agg(
            pl.col("packets").sum(),
            pl.col("bytes").sum(),
            pl.len().alias("unique_sources"),
            role.alias("role"),
        )
        .sort("bytes", "country", descending=[True, False])  # ties in a stable order
        .head(top)
    )
    asns = (
        located.filter(pl.col("asn").is_not_null())
        .group_by("asn", "as_org")
        .agg(
            pl.col("packets").sum(),
            pl.col("bytes").sum(),
            pl.len().alias("unique_sources"),
            pl.col("country").mode().min(),
        )
        .sort("bytes", "asn", descending=[True, False])
        .head(top)
    )
    out_countries = countries.to_dicts()
    if forged["packets"]:
        out_countries.append({
            "country": "spoofed", "packets": forged["packets"], "bytes": int(forged["bytes"]),
            "unique_sources": forged["unique_sources"], "role": "forged addresses: no geography",
        })  # fmt: skip
    return {"countries": out_countries, "asns": asns.to_dicts()}


def countries_by(
    attack: Frame, spoofed: set[str], reflected: set[str], by: str, top: int = 5
) -> dict:
    """Per value of ``by`` (e.g. ``phase``): its top source countries (``country``, ``packets``,
    ``unique_sources``) as ``source_geography`` ranks them, spoofed sources apart as ``spoofed``;
    one query for all values, each source located once."""
    attack = attack.lazy()
    forged = collect(
        attack.filter(pl.col("vector").is_in(list(spoofed)))
        .group_by(by)
        .agg(pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
             pl.col("src").n_unique().alias("unique_sources"))
    )  # fmt: skip
    per_source = collect(
        attack.filter(~pl.col("vector").is_in(list(spoofed)))
        .group_by(by, "src")
        .agg(pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"))
    )
    out: dict = {}
    if not per_source.is_empty():
        where = geolocate(per_source["src"].unique()).rename({"address": "src"})
        ranked = (
            per_source.join(where, on="src", how="left")
            .with_columns(
                country=pl.when(pl.col("bogon")).then(pl.lit("bogon")).otherwise(pl.col("country").fill_null("unknown"))
            )
            .group_by(by, "country")
            .agg(pl.col("packets").sum(), pl.col("bytes").sum(), pl.len().alias("unique_sources"))
            .sort(by, "bytes", "country", descending=[False, True, False])
        )  # fmt: skip
        for (key,), part in ranked.partition_by(by, as_dict=True, maintain_order=True).items():
            out[key] = part.head(top).select("country", "packets", "unique_sources").to_dicts()
    for row in forged.iter_rows(named=True):
        if row["packets"]:
            out.setdefault(row[by], []).append(
                {
                    "country": "spoofed",
                    "packets": row["packets"],
                    "unique_sources": row["unique_sources"],
                }
            )
    return out
