"""Link saturation charts: utilisation over time, and the peak at every time scale."""

from __future__ import annotations

import altair as alt
import polars as pl

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
            x=alt.X("ts:T", title="time (UTC)"),
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
            x=alt.X("bin_ms:Q", scale=alt.Scale(type="log"), title="bin size (ms)"),
            y=alt.Y("peak_utilization:Q", axis=alt.Axis(format="%"), title="peak utilisation"),
            tooltip=["bin_ms", alt.Tooltip("peak_utilization:Q", format=".1%")],
        )
        .properties(width=360, height=180, title="Peak utilisation at every time scale")
    )
