"""The x axis every chart shares: labels that never run into each other.

Vega's default flushes the last label of a continuous axis against the plot's edge (and the
first, on a time axis), where it overlaps its neighbour on a narrow chart: "07:55:0007:56:00"
in the dashboard's 540 px overview in Chromium's fonts, "20M22M" under the report's targets;
its own overlap check keeps both. Centred on their ticks, labels drop greedily, each kept only
where it clears the last one kept by ``LABEL_GAP_PX``.
"""

from __future__ import annotations

import altair as alt

# the least space between two labels, as the renderer measures them: the report's SVG is laid
# out by vl-convert, whose font is narrower than the browser's that shows it ("07:56:30" in
# 10 px: 45 px wide in Chromium's sans-serif); 8 px left 2.6 px in Chromium between them
LABEL_GAP_PX = 12


def spaced_axis(**options) -> alt.Axis:
    """An x axis whose labels do not overlap: ``alt.X("ts:T", axis=spaced_axis(format=...))``."""
    return alt.Axis(
        labelOverlap="greedy", labelSeparation=LABEL_GAP_PX, labelFlush=False, **options
    )
