"""What each dashboard view shows for a given state: pure functions, frames in, frames out.

They work from the Report's pre-aggregated series (100 ms bins per vector); only the
packet table touches packets, and it stops at the first rows it needs.
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.series import rollup
from workbench.ui.state import DashboardState


def _window(frame: pl.DataFrame, state: DashboardState) -> pl.DataFrame:
    if state.window is None:
        return frame
    start, end = state.window
    return frame.filter((pl.col("ts") >= start) & (pl.col("ts") < end))


def effective_bin_ms(part: pl.DataFrame, state: DashboardState) -> int:
    """The chosen bin, coarsened when the window is too long to draw at it."""
    from workbench.viz.rates import choose_bin_ms

    return max(state.bin_ms, choose_bin_ms(part)) if not part.is_empty() else state.bin_ms


def selection(series: pl.DataFrame, state: DashboardState) -> tuple[pl.DataFrame, int]:
    """(rate series under the current window and vector, the bin it was rolled up to)."""
    part = _window(series, state)
    if state.vector:
        part = part.filter(pl.col("vector") == state.vector)
    bin_ms = effective_bin_ms(part, state)
    return (rollup(part, bin_ms, by="vector") if not part.is_empty() else part), bin_ms


def selected_series(series: pl.DataFrame, state: DashboardState) -> pl.DataFrame:
    """The rate series under the current window and vector, rolled up to the chosen bin."""
    return selection(series, state)[0]


def vector_totals(series: pl.DataFrame, state: DashboardState) -> pl.DataFrame:
    """Packets and bytes per vector under the current window."""
    return (
        _window(series, state)
        .group_by("vector")
        .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        .sort("bytes", descending=True)
    )


def packet_rows(
    packets: pl.DataFrame,
    state: DashboardState,
    limit: int = 20,
    source_countries: pl.DataFrame | None = None,
) -> pl.DataFrame:
    """The first packets behind the selection, with addresses as text.

    ``source_countries`` (``src``, ``country``) is needed when a country is selected.
    """
    lazy = packets.lazy()
    if state.country and source_countries is not None:
        lazy = lazy.join(
            source_countries.lazy().filter(pl.col("country") == state.country).select("src"),
            on="src",
            how="semi",
        )
    if state.window is not None:
        lazy = lazy.filter((pl.col("ts") >= state.window[0]) & (pl.col("ts") < state.window[1]))
    if state.vector:
        lazy = (
            lazy.filter(pl.col("vector") == state.vector)
            if state.vector != "legit"
            else lazy.filter(pl.col("vector").is_null())
        )
    if state.target:
        if "/" in state.target:
            lazy = lazy.filter(pl.col("dst").ip.in_network(state.target))
        else:
            from workbench.capture.addresses import parse

            lazy = lazy.filter(pl.col("dst") == pl.lit(parse(state.target), dtype=pl.UInt128))
    head = lazy.head(limit).collect()
    return head.select(
        pl.col("ts").dt.strftime("%H:%M:%S%.6f").alias("time"),
        pl.col("src").ip.to_text().alias("source"),
        pl.col("dst").ip.to_text().alias("destination"),
        "proto", "sport", "dport", "wire_len", "ttl", "tcp_flags",
        pl.col("vector").fill_null("legit"),
    )  # fmt: skip


def phase_window(phases: list[dict], index: int) -> tuple:
    """(start, end) datetimes of phase ``index``."""
    phase = next(p for p in phases if p["index"] == index)
    bounds = pl.Series([phase["start"], phase["end"]]).str.to_datetime(
        time_unit="ns", time_zone="UTC"
    )
    return bounds[0], bounds[1]
