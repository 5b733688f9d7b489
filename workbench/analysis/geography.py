"""Where the attack came from: countries and ASNs of its sources, honest about spoofing.

Sources of vectors judged spoofed are counted apart (their addresses are forged: a
country would be fiction); reflectors are labelled as what they are, abused servers.
"""

from __future__ import annotations

import polars as pl

from workbench.enrich import geolocate


def source_geography(
    attack: pl.DataFrame, spoofed: set[str], reflected: set[str], top: int = 15
) -> dict:
    """``countries`` and ``asns`` lists (packets, bytes, unique sources, role) of attack sources."""
    if attack.is_empty():
        return {"countries": [], "asns": []}
    forged = attack.filter(pl.col("vector").is_in(list(spoofed)))
    real = attack.filter(~pl.col("vector").is_in(list(spoofed)))
    per_source = real.group_by("src").agg(
        pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
        pl.col("vector").is_in(list(reflected)).all().alias("reflector"),
    )  # fmt: skip
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
    if forged.height:
        out_countries.append({
            "country": "spoofed", "packets": forged.height, "bytes": int(forged["wire_len"].cast(pl.Int64).sum()),
            "unique_sources": forged["src"].n_unique(), "role": "forged addresses: no geography",
        })  # fmt: skip
    return {"countries": out_countries, "asns": asns.to_dicts()}
