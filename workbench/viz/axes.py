"""The axes every chart shares: time in UTC, and labels that never run into each other.

Time: a chart's times are read in UTC wherever it is drawn. Vega draws a time scale in the
local time zone of the browser that shows it (or of the machine that renders the report's SVG):
an analyst in New York read 02:55 under "time (UTC)" where the report's tables say 07:55.

Labels: Vega's default flushes the last label of a continuous axis against the plot's edge (and
the first, on a time axis), where it overlaps its neighbour on a narrow chart: "07:55:0007:56:00"
in the dashboard's 540 px overview in Chromium's fonts, "20M22M" under the report's targets;
its own overlap check keeps both. Centred on their ticks, labels drop greedily, each kept only
where it clears the last one kept by ``LABEL_GAP_PX``.
"""

from __future__ import annotations

import altair as alt
import polars as pl

# the least space between two labels, as the renderer measures them: the report's SVG is laid
# out by vl-convert, whose font is narrower than the browser's that shows it ("07:56:30" in
# 10 px: 45 px wide in Chromium's sans-serif); 8 px left 2.6 px in Chromium between them
LABEL_GAP_PX = 12
TIME_TITLE = "time (UTC)"
# the labels of a time axis, by the span it covers (Vega's own mix ":30" and "08 AM"): a
# snippet's ticks are fractions of a second, a day's are times, merged traces years apart need
# their dates
TIME_FORMAT = "%H:%M:%S"
SUBSECOND_FORMAT, SUBSECOND_SPAN_MS = "%H:%M:%S.%L", 5_000
DATED_FORMAT, DATED_SPAN_MS = "%Y-%m-%d %H:%M", 86_400_000


def spaced_axis(**options) -> alt.Axis:
    """An x axis whose labels do not overlap: ``alt.X("bytes:Q", axis=spaced_axis(format="~s"))``."""
    return alt.Axis(
        labelOverlap="greedy", labelSeparation=LABEL_GAP_PX, labelFlush=False, **options
    )


def time_format(span_ms: float | None) -> str:
    """The label format of a time axis covering ``span_ms`` (the time of day when unknown)."""
    if span_ms is not None and span_ms < SUBSECOND_SPAN_MS:
        return SUBSECOND_FORMAT
    if span_ms is not None and span_ms >= DATED_SPAN_MS:
        return DATED_FORMAT
    return TIME_FORMAT


def time_bounds(frame: pl.DataFrame, column: str = "ts") -> tuple[float, float] | None:
    """First and last of a frame's time column, in ms since the epoch (None when it holds none)."""
    if frame.is_empty() or frame[column].null_count() == frame.height:
        return None
    ms = frame[column].dt.epoch("us") / 1000
    return float(ms.min()), float(ms.max())


def time_x(field: str, bounds: tuple[float, float] | None = None, **options) -> alt.X:
    """A time x encoding in UTC, its labels spaced and formatted for the ``bounds`` (ms since
    the epoch: ``time_bounds``) it covers: ``x=time_x("ts", time_bounds(frame))``."""
    span = None if bounds is None else bounds[1] - bounds[0]
    return alt.X(f"{field}:T", title=TIME_TITLE, scale=alt.Scale(type="utc"),
                 axis=spaced_axis(format=time_format(span)), **options)  # fmt: skip


def time_tooltip(field: str, title: str = TIME_TITLE) -> alt.Tooltip:
    """A time in a tooltip, in UTC to the millisecond: the text ``utc_texts`` adds to the
    chart (a tooltip formats a time in local time, and ``formatType: "utc"`` is no format type
    Vega knows: it showed "Nov 04, 2015"; no UTC time unit keeps the milliseconds)."""
    return alt.Tooltip(f"{field}_utc:N", title=title)


def utc_texts(chart: alt.Chart, *fields: str) -> alt.Chart:
    """``chart`` with each time ``field`` also as UTC text (``<field>_utc``), for ``time_tooltip``."""
    return chart.transform_calculate(
        **{f"{f}_utc": f"utcFormat(datum['{f}'], '{SUBSECOND_FORMAT}')" for f in fields}
    )
