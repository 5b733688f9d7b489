"""Saturated stretches of a utilisation series (``saturation.utilization_series``): every run
of bins at or above a share of capacity (``intervals``), and the runs that last, dips bridged,
apart from micro-bursts (``episodes``: dips shorter than ``saturation_episode_gap_s``
bridged, at least ``saturation_episode_min_s`` long, like Grafana's "for 5 s")."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import DEFAULT
from workbench.formatting import iso

SATURATED = 0.95  # intervals at or above this share of capacity are reported


def intervals(util: pl.DataFrame, bin_ms: int, threshold: float) -> list[dict]:
    """Runs of bins at or above ``threshold`` of capacity (a bin missing inside a run allowed):
    ``start, end, seconds, peak_utilization, mean_utilization``."""
    over = util.filter((pl.col("utilization") >= threshold) & pl.col("eligible"))
    if over.is_empty():
        return []
    bin_ns = bin_ms * 1_000_000
    # adjacent bins (or with one bin missing) belong to one interval
    run = (over["bin"].diff().fill_null(bin_ns) > 2 * bin_ns).cum_sum()
    grouped = over.with_columns(run=run).group_by("run").agg(
        pl.col("bin").min().alias("a"), pl.col("bin").max().alias("z"),
        pl.col("utilization").max().alias("peak"), pl.col("utilization").mean().alias("mean"),
    ).sort("a")  # fmt: skip
    return [
        {"start": iso(r["a"]), "end": iso(r["z"] + bin_ns), "seconds": (r["z"] + bin_ns - r["a"]) / 1e9,
         "peak_utilization": round(r["peak"], 4), "mean_utilization": round(r["mean"], 4)}
        for r in grouped.iter_rows(named=True)
    ]  # fmt: skip


def episodes(util: pl.DataFrame, bin_ms: int, threshold: float = SATURATED, *,
             min_s: float = DEFAULT.saturation_episode_min_s,
             gap_s: float = DEFAULT.saturation_episode_gap_s) -> tuple[list[dict], dict]:  # fmt: skip
    """Sustained saturation apart from blips: bins at or above ``threshold`` of capacity, joined
    across dips shorter than ``gap_s``, are an episode when they last at least ``min_s``
    (Grafana's "for 5 s"); shorter runs are micro-bursts, counted apart.

    Returns the episodes (``start, end, seconds, seconds_over, peak_utilization,
    mean_utilization``) and the micro-bursts' summary (``count, seconds, peak_utilization,
    first, last``).

        found, blips = episodes(utilization_series(rep.packets, 10e9, 100), 100)
    """
    quiet = {"count": 0, "seconds": 0.0, "peak_utilization": None, "first": None, "last": None}
    if util.is_empty() or util["utilization"].null_count() == util.height:
        return [], quiet
    eligible = util["eligible"] if "eligible" in util.columns else pl.lit(True)
    covered = (
        pl.col("covered_s") if "covered_s" in util.columns else pl.lit(bin_ms / 1000.0)
    ).alias("covered_s")
    over = util.with_columns(covered).filter((pl.col("utilization") >= threshold) & eligible)
    if over.is_empty():
        return [], quiet
    bin_ns = bin_ms * 1_000_000
    # a new run where the dip since the last bin over the threshold is gap_s or longer
    dip_ns = over["bin"].diff().fill_null(bin_ns) - bin_ns
    runs = over.with_columns(run=(dip_ns >= max(gap_s * 1e9, 1)).cum_sum())
    grouped = (
        runs.group_by("run")
        .agg(
            pl.col("bin").min().alias("a"),
            (pl.col("bin").max() + pl.col("covered_s").sort_by("bin").last() * 1e9).alias("z"),
            pl.col("covered_s").sum().alias("seconds_over"),
            pl.col("utilization").max().alias("peak"),
        )
        .sort("a")
    )
    found, blips = [], []
    for r in grouped.iter_rows(named=True):
        a, z = int(r["a"]), round(r["z"])
        entry = {"start": iso(a), "end": iso(z), "seconds": round((z - a) / 1e9, 3),
                 "seconds_over": round(float(r["seconds_over"]), 3),
                 "peak_utilization": round(float(r["peak"]), 4)}  # fmt: skip
        if (z - a) / 1e9 < min_s - 1e-9:
            blips.append(entry)
            continue
        inside = util.with_columns(covered).filter((pl.col("bin") >= a) & (pl.col("bin") < z))
        # the mean over the episode's whole span, its dips included: how full the link was
        mean = float((inside["utilization"] * inside["covered_s"]).sum() / ((z - a) / 1e9))
        found.append({**entry, "mean_utilization": round(mean, 4)})
    if blips:
        quiet = {
            "count": len(blips),
            "seconds": round(sum(b["seconds_over"] for b in blips), 3),
            "peak_utilization": max(b["peak_utilization"] for b in blips),
            "first": blips[0]["start"],
            "last": blips[-1]["start"],
        }
    return found, quiet
