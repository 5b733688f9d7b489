"""Where the sources are: a world map drawn offline, and top-country / top-ASN bars.

Country shapes ship with the package (world-atlas, Natural Earth); no tile server, no CDN.
Sources of spoofed vectors are not on the map (their addresses are forged).
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import altair as alt
import polars as pl

from workbench.viz.axes import spaced_axis

DATA = Path(__file__).resolve().parent / "data"


@lru_cache(maxsize=1)
def _topology() -> dict:
    return json.loads((DATA / "countries-110m.json").read_text())


@lru_cache(maxsize=1)
def iso_codes() -> pl.DataFrame:
    """ISO 3166-1 alpha-2 -> numeric id (the map's feature id) and English name."""
    return pl.read_csv(DATA / "iso_countries.csv")


def _located(countries: list[dict] | pl.DataFrame) -> pl.DataFrame:
    frame = countries if isinstance(countries, pl.DataFrame) else pl.DataFrame(countries)
    if frame.is_empty():
        return pl.DataFrame(
            schema={
                "iso2": pl.String,
                "numeric": pl.Int64,
                "name": pl.String,
                "unique_sources": pl.Int64,
                "bytes": pl.Int64,
            }
        )
    frame = frame.filter(~pl.col("country").is_in(["spoofed", "bogon", "unknown"]))
    return frame.rename({"country": "iso2"}).join(iso_codes(), on="iso2", how="inner")


def source_map(countries: list[dict] | pl.DataFrame, value: str = "unique_sources", attribution: str = "",
               width: int = 700, height: int = 360, selected: str | None = None,
               chart_title: str = "Sources by country (spoofed sources left out)") -> alt.LayerChart:  # fmt: skip
    """Choropleth of sources per country (``Report.sources["countries"]``), with a country selection named "country".

    source_map(rep.sources["countries"])

    ``selected`` (ISO-2) draws that country already picked (the others faded).
    """
    located = _located(countries)
    shapes = alt.InlineData(
        values=_topology(), format=alt.DataFormat(type="topojson", feature="countries")
    )
    pick = alt.selection_point(name="country", fields=["iso2"], on="click",
                               value=[{"iso2": selected}] if selected else alt.Undefined)  # fmt: skip
    base = alt.Chart(shapes).mark_geoshape(fill="#eeeeee", stroke="white", strokeWidth=0.5)
    filled = (
        alt.Chart(shapes)
        .mark_geoshape(stroke="white", strokeWidth=0.5)
        .transform_calculate(numeric="toNumber(datum.id)")
        .transform_lookup(
            lookup="numeric",
            from_=alt.LookupData(
                alt.InlineData(values=located.to_dicts()), "numeric", ["iso2", "name", value]
            ),
        )
        .transform_filter(f"isValid(datum['{value}'])")
        .encode(
            color=alt.Color(
                f"{value}:Q",
                scale=alt.Scale(scheme="orangered", type="log"),
                title=value.replace("_", " "),
            ),
            tooltip=["name:N", "iso2:N", alt.Tooltip(f"{value}:Q", format=",")],
            opacity=alt.condition(pick, alt.value(1.0), alt.value(0.4)),
        )
        .add_params(pick)
    )
    title = alt.TitleParams(
        chart_title,
        subtitle=[attribution] if attribution else [],
    )
    return (
        alt.layer(base, filled)
        .project("equalEarth")
        .properties(width=width, height=height, title=title)
    )


def country_bar_chart(
    countries: list[dict] | pl.DataFrame, value: str = "bytes", top: int = 12
) -> alt.Chart:
    """Top countries, with spoofed sources shown as their own bar (they have no country)."""
    frame = countries if isinstance(countries, pl.DataFrame) else pl.DataFrame(countries)
    if frame.is_empty():
        frame = pl.DataFrame(schema={"country": pl.String, value: pl.Int64, "role": pl.String})
    return (
        alt.Chart(frame.sort(value, descending=True).head(top))
        .mark_bar()
        .encode(
            x=alt.X(f"{value}:Q", axis=spaced_axis(format="~s")),
            y=alt.Y("country:N", sort="-x", title=None),  # the chart's title names them
            color=alt.Color("role:N", title="role"),
            tooltip=["country", "role", value],
        )
        .properties(width=360, title="Top source countries")
    )


def asn_bar_chart(
    asns: list[dict] | pl.DataFrame, value: str = "bytes", top: int = 12
) -> alt.Chart:
    """Top source ASNs."""
    frame = asns if isinstance(asns, pl.DataFrame) else pl.DataFrame(asns)
    if frame.is_empty():
        frame = pl.DataFrame(schema={"asn": pl.Int64, "as_org": pl.String, value: pl.Int64})
    frame = frame.with_columns(
        label=pl.concat_str(
            [
                pl.lit("AS"),
                pl.col("asn").cast(pl.String),
                pl.lit(" "),
                pl.col("as_org").fill_null("").str.slice(0, 28),
            ]
        )
    )
    return (
        alt.Chart(frame.sort(value, descending=True).head(top))
        .mark_bar(color="#6a51a3")
        .encode(
            x=alt.X(f"{value}:Q", axis=spaced_axis(format="~s")),
            y=alt.Y("label:N", sort="-x", title=None),  # the chart's title names them
            tooltip=["asn", "as_org", value],
        )
        .properties(width=360, title="Top source ASNs")
    )
