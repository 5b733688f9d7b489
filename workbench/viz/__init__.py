"""Altair chart builders: frame in, chart out, no state."""

from workbench.viz.rates import (
    phase_band_chart,
    rate_chart,
    target_bar_chart,
    timeline_chart,
    vector_bar_chart,
)
from workbench.viz.saturation import goodput_chart, link_strip, multiscale_chart, utilization_chart

__all__ = [
    "goodput_chart",
    "link_strip",
    "multiscale_chart",
    "phase_band_chart",
    "rate_chart",
    "target_bar_chart",
    "timeline_chart",
    "utilization_chart",
    "vector_bar_chart",
]  # fmt: skip
