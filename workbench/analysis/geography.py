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
        .sort("bytes", descending=True)
        .head(top)
    )
    asns = (
        located.filter(pl.col("asn").is_not_null())
        .group_by("asn", "as_org")
        .agg(
            pl.col("packets").sum(),
            pl.col("bytes").sum(),
            pl.len().alias("unique_sources"),
            pl.col("country").mode().first(),
        )
        .sort("bytes", descending=True)
        .head(top)
    )
    out_countries = countries.to_dicts()
    if forged["packets"]:
        out_countries.append({
            "country": "spoofed", "packets": forged["packets"], "bytes": int(forged["bytes"]),
            "unique_sources": forged["unique_sources"], "role": "forged addresses: no geography",
        })  # fmt: skip
    return {"countries": out_countries, "asns": asns.to_dicts()}
