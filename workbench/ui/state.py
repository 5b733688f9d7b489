"""All the analyst's choices in one place (STYLE.md 7): views observe this, never each other."""

from __future__ import annotations

import traitlets


class DashboardState(traitlets.HasTraits):
    """Time window, phase, vector, target, source country and ASN, capacity, bin size, metric and
    the packet table's order of the dashboard."""

    window = traitlets.Tuple(
        allow_none=True, default_value=None
    )  # (start, end) as datetimes, or None = all
    phase = traitlets.Int(allow_none=True, default_value=None)
    vector = traitlets.Unicode(allow_none=True, default_value=None)
    target = traitlets.Unicode(allow_none=True, default_value=None)
    country = traitlets.Unicode(allow_none=True, default_value=None)  # ISO-2 of the sources
    asn = traitlets.Int(allow_none=True, default_value=None)  # autonomous system of the sources
    capacity = traitlets.Unicode("")
    bin_ms = traitlets.Int(1000)
    metric = traitlets.Unicode("bps")
    # (column, descending): one trait, so a click on a header is one change and one redraw
    table_order = traitlets.Tuple(
        traitlets.Unicode(), traitlets.Bool(), default_value=("No.", False)
    )
