"""Traffic over time: bits/s or packets/s stacked by vector, with the phases behind."""

from __future__ import annotations

import altair as alt
import polars as pl

from workbench.analysis.series import rollup
from workbench.viz.axes import spaced_axis, time_bounds, time_tooltip, time_x, utc_texts
from workbench.viz.palette import stack_order, title, vector_colour

MAX_POINTS = 4000
KIND_COLORS = {"baseline": "#e8f1e4", "attack": "#f8d7d3", "mitigated": "#fcecc8"}


def choose_bin_ms(series: pl.DataFrame, max_points: int = MAX_POINTS, minimum: int = 100) -> int:
    """The smallest bin (100 ms, 1 s, 10 s, ...) that keeps a chart under ``max_points`` rows."""
    if series.is_empty():
        return 1000
    span_ms = (series["ts"].max() - series["ts"].min()).total_seconds() * 1000
    groups = max(series["vector"].n_unique(), 1) if "vector" in series.columns else 1
    bin_ms = minimum
    for candidate in (100, 250, 500, 1000, 2000, 5000, 10000, 30000, 60000, 300000):
        bin_ms = max(candidate, minimum)
        if span_ms / bin_ms * groups <= max_points:
            break
    return bin_ms


def rate_chart(series: pl.DataFrame, metric: str = "bps", bin_ms: int | None = None, brush: bool = False,
               width: int = 760, height: int = 220, brush_window: tuple[int, int] | None = None,
               chart_title: str | None = None) -> alt.Chart:  # fmt: skip
    """Stacked rate per vector from a pre-aggregated series (``ts``, ``vector``, ``packets``, ``bytes``),
    each vector in its own colour (``palette``), legitimate traffic grey at the bottom.

    rate_chart(report.series, "bps")

    ``brush`` adds an x-interval selection named "brush"; ``brush_window`` (ms since the epoch)
    draws it already set (a window chosen elsewhere stays visible when the chart is redrawn).
    """
    bin_ms = bin_ms or choose_bin_ms(series)
    data = rollup(series, bin_ms, by="vector") if not series.is_empty() else series
    order = stack_order(data["vector"].unique().to_list()) if not data.is_empty() else []
    rank = {name: i for i, name in enumerate(order)}
    data = data.with_columns(
        stack=pl.col("vector").replace_strict(rank, default=len(rank), return_dtype=pl.Int32),
        name=pl.col("vector").replace_strict({v: title(v) for v in order}, default=pl.col("vector"),
                                             return_dtype=pl.String),
    ) if not data.is_empty() else data  # fmt: skip
    data = _last_bin_closed(data, bin_ms)
    label = "bits/s" if metric == "bps" else "packets/s"
    chart = (
        utc_texts(alt.Chart(data), "ts")
        .mark_area(interpolate="step-after")
        .encode(
            x=time_x("ts", time_bounds(data)),
            y=alt.Y(f"{metric}:Q", stack="zero", title=label, axis=alt.Axis(format="~s")),
            color=vector_colour(order),
            order=alt.Order("stack:Q", sort="ascending"),
            tooltip=[
                time_tooltip("ts"),
                alt.Tooltip("name:N", title="vector"),
                alt.Tooltip(f"{metric}:Q", format=",.0f", title=label),
            ],
        )
        .properties(
            width=width,
            height=height,
            title=chart_title or f"Traffic by vector ({label}, {bin_ms} ms bins)",
        )
    )
    if brush:
        chart = chart.add_params(
            alt.selection_interval(name="brush", encodings=["x"],
                                   value={"x": list(brush_window)} if brush_window else alt.Undefined)
        )  # fmt: skip
    return chart


def _last_bin_closed(data: pl.DataFrame, bin_ms: int) -> pl.DataFrame:
    """The series with its last bin's values again at the bin's end: a step-after area draws
    each bin from its start to the next point, so the last bin had no width (a capture of one
    bin, a 23 ms snippet, drew nothing)."""
    if data.is_empty():
        return data
    last = data.filter(pl.col("ts") == pl.col("ts").max())
    end = (pl.col("ts") + pl.duration(milliseconds=bin_ms)).cast(data.schema["ts"])
    return pl.concat([data, last.with_columns(end)])


def message_chart(text: str, width: int = 760, height: int = 120) -> alt.Chart:
    """A chart-sized panel that says why there is nothing to draw ("No traffic in this selection")."""
    return (
        alt.Chart(pl.DataFrame({"text": [text]}))
        .mark_text(fontSize=14, color="#666")
        .encode(text="text:N")
        .properties(width=width, height=height)
    )


def phase_band_chart(phases: list[dict], width: int = 760, height: int = 220,
                     bounds: tuple[float, float] | None = None) -> alt.Chart:  # fmt: skip
    """Coloured bands, one per phase, labelled with its index and kind (``bounds``: what the
    time axis covers, ``axes.time_bounds``, for its labels)."""
    frame = pl.DataFrame(
        {
            "start": [p["start"] for p in phases],
            "end": [p["end"] for p in phases],
            "kind": [p["kind"] for p in phases],
            "phase": [f"{p['index']}: {p['kind']}" for p in phases],
        },
        schema={"start": pl.String, "end": pl.String, "kind": pl.String, "phase": pl.String},
    )
    return (
        utc_texts(alt.Chart(frame), "start", "end")
        .mark_rect(opacity=0.6)
        .encode(
            # the axis the rate drawn over the bands shares (the first layer's is drawn)
            x=time_x("start", bounds),
            x2="end:T",
            color=alt.Color(
                "kind:N",
                scale=alt.Scale(domain=list(KIND_COLORS), range=list(KIND_COLORS.values())),
                title="phase",
            ),
            tooltip=[
                "phase:N",
                time_tooltip("start", title="start (UTC)"),
                time_tooltip("end", title="end (UTC)"),
            ],
        )
        .properties(width=width, height=height)
    )


def timeline_chart(
    series: pl.DataFrame, phases: list[dict], metric: str = "bps", bin_ms: int | None = None
) -> alt.LayerChart:
    """Phases behind the stacked rate: the overview an analyst reads first."""
    bands = phase_band_chart(phases, bounds=time_bounds(series))  # its axis is the one drawn
    return alt.layer(bands, rate_chart(series, metric, bin_ms)).resolve_scale(color="independent")


def vector_bar_chart(vectors: list[dict]) -> alt.Chart:
    """Bytes per vector."""
    frame = pl.DataFrame({"vector": [v["vector"] for v in vectors], "bytes": [v["bytes"] for v in vectors],
                          "packets": [v["packets"] for v in vectors]}, schema={"vector": pl.String, "bytes": pl.Int64, "packets": pl.Int64})  # fmt: skip
    frame = frame.with_columns(
        name=pl.col("vector").replace_strict({v: title(v) for v in frame["vector"].to_list()},
                                             default=pl.col("vector"), return_dtype=pl.String)
    )  # fmt: skip
    return (
        alt.Chart(frame)
        .mark_bar()
        .encode(
            x=alt.X("bytes:Q", axis=spaced_axis(format="~s")),
            y=alt.Y("name:N", sort="-x", title=None),  # the chart's title names them
            color=vector_colour(frame["vector"].to_list()),
            tooltip=[alt.Tooltip("name:N", title="vector"), "bytes", "packets"],
        )
        .properties(width=360, title="Attack volume by vector")
    )


def target_bar_chart(targets: list[dict]) -> alt.Chart:
    """Bytes per target (address or carpet-bombed prefix)."""
    frame = pl.DataFrame({"target": [t.get("prefix") or t["address"] for t in targets], "bytes": [t["bytes"] for t in targets]},
                         schema={"target": pl.String, "bytes": pl.Int64})  # fmt: skip
    return (
        alt.Chart(frame)
        .mark_bar(color="#b33")
        .encode(
            x=alt.X("bytes:Q", axis=spaced_axis(format="~s")),
            y=alt.Y("target:N", sort="-x", title=None),  # the chart's title names them
            tooltip=["target", "bytes"],
        )
        .properties(width=360, title="Targets by attack volume")
    )
