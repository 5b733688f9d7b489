"""The time axis every chart shares: labels that never run into each other.

Vega's default flushes the first label to the left edge of the plot, where it overlaps the next
one on a narrow chart ("07:55:0007:56:00" in the dashboard's 540 px overview, in Chromium's
fonts), and its own overlap check does not remove it. Centred on their ticks, labels drop
greedily, each kept only where it clears the last one kept by ``LABEL_GAP_PX``.
"""

from __future__ import annotations

import altair as alt

LABEL_GAP_PX = 8  # the least space between two time labels (about one character)


def time_axis(**options) -> alt.Axis:
    """A time axis whose labels do not overlap: ``alt.X("ts:T", axis=time_axis(format=...))``."""
    return alt.Axis(
        labelOverlap="greedy", labelSeparation=LABEL_GAP_PX, labelFlush=False, **options
    )
