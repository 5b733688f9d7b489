"""Link saturation charts: utilisation over time, and the peak at every time scale."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.viz.axes import spaced_axis, time_bounds, time_tooltip, time_x, utc_texts
from workbench.viz.palette import GREY

THRESHOLDS = (0.8, 0.95, 1.0)


def utilization_chart(
    util: pl.DataFrame, capacity_bps: float, thresholds=THRESHOLDS, width: int = 760
) -> alt.LayerChart:
    """Utilisation per bin (``ts``, ``utilization``) with the 80/95/100 % lines."""
    rules = pl.DataFrame({"level": list(thresholds), "label": [f"{t:.0%}" for t in thresholds]})
    line = (
        alt.Chart(util.select("ts", "utilization"))
        .mark_line(interpolate="step-after", color="#333")
        .encode(
            x=time_x("ts", time_bounds(util)),
            y=alt.Y("utilization:Q", axis=alt.Axis(format="%"), title="link utilisation"),
        )
    )
    lines = (
        alt.Chart(rules)
        .mark_rule(strokeDash=[4, 3])
        .encode(
            y="level:Q",
            color=alt.Color(
                "label:N",
                scale=alt.Scale(range=["#f2a93b", "#e4572e", "#a4031f"]),
                title="threshold",
            ),
        )
    )
    return alt.layer(line, lines).properties(
        width=width,
        height=180,
        title=f"Link utilisation (capacity {capacity_bps / 1e6:,.1f} Mbit/s)",
    )


def multiscale_chart(peaks: list[dict]) -> alt.Chart:
    """Peak utilisation against bin size: micro-bursts show at the left."""
    frame = pl.DataFrame(
        {
            "bin_ms": [p["bin_ms"] for p in peaks],
            "peak_utilization": [p["peak_utilization"] for p in peaks],
        }
    )
    return (
        alt.Chart(frame)
        .mark_line(point=True)
        .encode(
            x=alt.X(
                "bin_ms:Q", scale=alt.Scale(type="log"), title="bin size (ms)", axis=spaced_axis()
            ),
            y=alt.Y("peak_utilization:Q", axis=alt.Axis(format="%"), title="peak utilisation"),
            tooltip=["bin_ms", alt.Tooltip("peak_utilization:Q", format=".1%")],
        )
        .properties(width=360, height=180, title="Peak utilisation at every time scale")
    )


def link_strip(util_by_link: pl.DataFrame) -> alt.Chart:
    """One row per link, coloured by utilisation over time (``ts``, ``link``, ``utilization``)."""
    return (
        utc_texts(alt.Chart(util_by_link), "ts")
        .mark_rect()
        .encode(
            x=time_x("ts", time_bounds(util_by_link)),
            y=alt.Y("link:N", title="link"),
            color=alt.Color(
                "utilization:Q", scale=alt.Scale(scheme="reds", domain=[0, 1]), title="utilisation"
            ),
            tooltip=["link:N", time_tooltip("ts"), alt.Tooltip("utilization:Q", format=".0%")],
        )
        .properties(width=700, height=alt.Step(22), title="Utilisation per link")
    )


def goodput_chart(series: pl.DataFrame) -> alt.Chart:
    """Legitimate goodput against attack volume over time, from a series with ``vector`` ("legit" for the rest)."""
    frame = series.with_columns(
        kind=pl.when(pl.col("vector") == "legit")
        .then(pl.lit("legitimate"))
        .otherwise(pl.lit("attack"))
    )
    frame = (
        frame.group_by("ts", "kind").agg(pl.col("bps").sum()) if "bps" in frame.columns else frame
    )
    return (
        alt.Chart(frame)
        .mark_line(interpolate="step-after")
        .encode(
            x=time_x("ts", time_bounds(frame)),
            y=alt.Y(
                "bps:Q", scale=alt.Scale(type="symlog"), axis=alt.Axis(format="~s"), title="bits/s"
            ),
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=["legitimate", "attack"], range=[GREY, "#e34a33"]),
            ),
        )
        .properties(width=700, height=180, title="Legitimate goodput against attack volume")
    )
