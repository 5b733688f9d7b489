"""The x axis every chart shares: labels that never run into each other.

Vega's default flushes the last label of a continuous axis against the plot's edge (and the
first, on a time axis), where it overlaps its neighbour on a narrow chart: "07:55:0007:56:00"
in the dashboard's 540 px overview in Chromium's fonts, "20M22M" under the report's targets;
its own overlap check keeps both. Centred on their ticks, labels drop greedily, each kept only
where it clears the last one kept by ``LABEL_GAP_PX``: room too for the report's SVG, laid out
with the renderer's font metrics and read in the browser's.
"""

from __future__ import annotations

import altair as alt

LABEL_GAP_PX = 8  # the least space between two labels (about one character)


def spaced_axis(**options) -> alt.Axis:
    """An x axis whose labels do not overlap: ``alt.X("ts:T", axis=spaced_axis(format=...))``."""
    return alt.Axis(
        labelOverlap="greedy", labelSeparation=LABEL_GAP_PX, labelFlush=False, **options
    )
