"""Where the attack came from: countries and ASNs of its sources, honest about spoofing.

Sources of vectors judged spoofed are counted apart (their addresses are forged: a
country would be fiction); reflectors are labelled as what they are, abused servers.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.per_source import SourceTable
from workbench.analysis.phases import carries
from workbench.analysis.queries import collect
from workbench.enrich import geolocate


def _located(per_source: pl.DataFrame) -> pl.DataFrame:
    """Per-source rows with their country (``bogon``, ``unknown`` where none), ASN and AS name."""
    where = geolocate(per_source["src"]).rename({"address": "src"})
    return per_source.join(where, on="src", how="left").with_columns(
        country=pl.when(pl.col("bogon")).then(pl.lit("bogon")).otherwise(pl.col("country").fill_null("unknown"))
    )  # fmt: skip


def source_geography(table: SourceTable, spoofed: set[str], reflected: set[str],
                     top: int = 15) -> dict:  # fmt: skip
    """``countries`` and ``asns`` lists (packets, bytes, unique sources, role) of attack sources,
    from the senders ``table`` (over a dataset, a hash part of the sources at a time)."""
    forged = {"packets": 0, "bytes": 0}
    forged_sources = 0
    countries, asns = [], []
    is_forged = pl.col("vector").is_in(list(spoofed))
    for part in table.attack_parts():
        row = (
            part.filter(is_forged)
            .select(
                pl.col("packets").sum(), pl.col("bytes").sum(), pl.col("src").n_unique().alias("n")
            )
            .row(0, named=True)
        )
        forged = {k: forged[k] + (row[k] or 0) for k in forged}
        forged_sources += row["n"]
        per_source = collect(  # streamed: faster for a plain sum over many groups
            part.lazy().filter(~is_forged).group_by("src").agg(
                pl.col("packets").sum(), pl.col("bytes").sum(),
                pl.col("vector").is_in(list(reflected)).all().alias("reflector"),
            )
        )  # fmt: skip
        if per_source.is_empty():
            continue
        located = _located(per_source)
        countries.append(
            located.group_by("country").agg(
                pl.col("packets").sum(), pl.col("bytes").sum(), pl.len().alias("unique_sources"),
                pl.col("reflector").all(),
            )
        )  # fmt: skip
        asns.append(
            located.filter(pl.col("asn").is_not_null())
            .group_by("asn", "as_org", "country")
            .agg(pl.col("packets").sum(), pl.col("bytes").sum(), pl.len().alias("unique_sources"))
        )
    if not countries and not forged["packets"]:
        return {"countries": [], "asns": []}
    out_countries = []
    if countries:
        out_countries = (
            pl.concat(countries)
            .group_by("country")
            .agg(pl.col("packets").sum(), pl.col("bytes").sum(), pl.col("unique_sources").sum(),
                 pl.when(pl.col("reflector").all()).then(pl.lit("reflectors")).otherwise(pl.lit("sources")).alias("role"))
            .sort("bytes", "country", descending=[True, False])  # ties in a stable order
            .head(top)
            .to_dicts()
        )  # fmt: skip
    out_asns = []
    if asns:
        per_country = pl.concat(asns).group_by("asn", "as_org", "country").agg(pl.all().sum())
        # the AS's country: the one most of its sources are in (ties: the first in order)
        home = (
            per_country.sort("unique_sources", "country", descending=[True, False])
            .group_by("asn")
            .first()
        )
        out_asns = (
            per_country.group_by("asn", "as_org")
            .agg(pl.col("packets").sum(), pl.col("bytes").sum(), pl.col("unique_sources").sum())
            .join(home.select("asn", "country"), on="asn")
            .sort("bytes", "asn", descending=[True, False])
            .head(top)
            .to_dicts()
        )  # fmt: skip
    if forged["packets"]:
        out_countries.append({
            "country": "spoofed", "packets": forged["packets"], "bytes": int(forged["bytes"]),
            "unique_sources": forged_sources, "role": "forged addresses: no geography",
        })  # fmt: skip
    return {"countries": out_countries, "asns": out_asns}


def countries_by(table: SourceTable, spoofed: set[str], present: list[list[str]], top: int = 5) -> dict:  # fmt: skip
    """Per phase: its top source countries (``country``, ``packets``, ``unique_sources``) as
    ``source_geography`` ranks them, spoofed sources apart as ``spoofed``, counting the traffic
    of each phase's own vectors only (``present[i]``: phase i's); each source located once per
    part."""
    by = "phase"
    forged, ranked = [], []
    is_forged = pl.col("vector").is_in(list(spoofed))
    for part in table.attack_parts():
        own = part.filter(carries(pl.col("phase"), present))  # a number per row, no join
        forged.append(
            own.filter(is_forged)
            .group_by(by)
            .agg(pl.col("packets").sum(), pl.col("src").n_unique().alias("unique_sources"))
        )
        per_source = collect(
            own.lazy()
            .filter(~is_forged)
            .group_by(by, "src")
            .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        )
        if not per_source.is_empty():
            ranked.append(
                _located(per_source)
                .group_by(by, "country")
                .agg(
                    pl.col("packets").sum(), pl.col("bytes").sum(), pl.len().alias("unique_sources")
                )
            )
    out: dict = {}
    if ranked:
        total = pl.concat(ranked)
        if len(ranked) > 1:  # a country's sources in several parts (a dataset's): added up
            total = total.group_by(by, "country").agg(pl.all().sum())
        total = total.sort(by, "bytes", "country", descending=[False, True, False])
        best = total.filter(pl.int_range(pl.len()).over(by) < top)  # each phase's first ``top``
        keys = best[by].to_list()
        rows = best.select("country", "packets", "unique_sources").to_dicts()
        for key, row in zip(keys, rows, strict=True):
            out.setdefault(key, []).append(row)
    for row in pl.concat(forged).group_by(by).agg(pl.all().sum()).sort(by).iter_rows(named=True):
        if row["packets"]:
            out.setdefault(row[by], []).append(
                {
                    "country": "spoofed",
                    "packets": row["packets"],
                    "unique_sources": row["unique_sources"],
                }
            )
    return out
