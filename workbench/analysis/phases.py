"""Phases: where the attack starts, changes and ends.

Per second and per vector, the attack rate is smoothed and graded against that
vector's own peak: 2 = heavy (at least ``HEAVY`` of its peak), 1 = residual, 0 = absent.
A phase is a run of seconds with the same grades (so a new phase begins when the
vector mix changes, even at constant volume); runs shorter than ``MIN_PHASE_S``
merge into their neighbour, so one steady attack stays one phase. A run with only
residual grades right after heavy ones of the same vectors is ``mitigated``.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.analysis.targets import rank_targets, target_labels

HEAVY = 0.3
RESIDUAL = 0.004
RESIDUAL_MIN_PPS = 0.2
MIN_PHASE_S = 5
MIN_VECTOR_PACKETS = 20
PARAMETERS = {"bin_ms": 1000, "heavy_share_of_peak": HEAVY, "residual_share_of_peak": RESIDUAL,
              "min_phase_s": MIN_PHASE_S, "smoothing": "centred rolling mean, >= 5 s, ~20 packets per window"}  # fmt: skip


def _grades(classified: pl.DataFrame, start_ns: int, seconds: int) -> tuple[list[str], np.ndarray]:
    attack = classified.filter(pl.col("vector").is_not_null())
    counts = attack.group_by("vector").len().filter(pl.col("len") >= MIN_VECTOR_PACKETS)
    vectors = sorted(counts["vector"].to_list())
    grades = np.zeros((seconds, len(vectors)), dtype=np.int8)
    if not vectors:
        return vectors, grades
    per_second = (
        attack.filter(pl.col("vector").is_in(vectors))
        .with_columns(
            sec=((pl.col("ts").cast(pl.Int64) - start_ns) // 1_000_000_000).cast(pl.Int64)
        )
        .group_by("vector", "sec")
        .agg(pl.len().alias("n"))
    )
    for j, vector in enumerate(vectors):
        rows = per_second.filter(pl.col("vector") == vector)
        rate = np.zeros(seconds)
        rate[rows["sec"].to_numpy()] = rows["n"].to_numpy()
        active = rate[rate > 0]
        # window long enough to hold ~20 packets at the vector's typical rate (low-rate attacks)
        typical = float(np.median(active)) if len(active) else 1.0
        window = int(min(60, max(5, np.ceil(20 / max(typical, 1e-9)))))
        window += 1 - window % 2
        smooth = _centred_mean(rate, window)
        peak = float(smooth.max())
        if peak <= 0:
            continue
        floor = max(RESIDUAL * peak, RESIDUAL_MIN_PPS)
        grades[:, j] = np.where(smooth >= HEAVY * peak, 2, np.where(smooth >= floor, 1, 0))
    return vectors, grades


def _centred_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean over a centred window, shrinking at the edges (no padding with zeros)."""
    half = window // 2
    csum = np.r_[0.0, np.cumsum(values)]
    idx = np.arange(len(values))
    lo = np.clip(idx - half, 0, len(values))
    hi = np.clip(idx + half + 1, 0, len(values))
    return (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)


def _runs(grades: np.ndarray) -> list[list[int]]:
    """[start, end) second runs of identical grade rows."""
    if len(grades) == 0:
        return []
    change = np.r_[True, np.any(grades[1:] != grades[:-1], axis=1)]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], len(grades)]
    return [[int(a), int(b)] for a, b in zip(starts, ends, strict=True)]


def _likeness(runs: list[list[int]], grades: np.ndarray, k: int, n: int | None) -> tuple[int, int]:
    """How alike neighbour ``n`` is to run ``k``: same attack presence first, then length."""
    if n is None:
        return (-1, -1)
    same = int(np.array_equal(grades[runs[n][0]] > 0, grades[runs[k][0]] > 0))
    return (same, runs[n][1] - runs[n][0])


def _merge_short(runs: list[list[int]], grades: np.ndarray) -> list[list[int]]:
    """Fold runs shorter than MIN_PHASE_S into a neighbour, shortest first, until none is left."""
    runs = [r[:] for r in runs]
    while len(runs) > 1:
        lengths = [b - a for a, b in runs]
        k = int(np.argmin(lengths))
        if lengths[k] >= MIN_PHASE_S:
            break
        # prefer the neighbour that is more alike (same attack presence), else the longer one
        left = k - 1 if k > 0 else None
        right = k + 1 if k + 1 < len(runs) else None

        into = (
            left if _likeness(runs, grades, k, left) >= _likeness(runs, grades, k, right) else right
        )
        a, b = min(runs[k][0], runs[into][0]), max(runs[k][1], runs[into][1])
        grades[a:b] = grades[runs[into][0]]
        runs[min(k, into)] = [a, b]
        del runs[max(k, into)]
        # neighbours that now look the same join
        merged = [runs[0]]
        for r in runs[1:]:
            if np.array_equal(grades[r[0]], grades[merged[-1][0]]):
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    return runs


def _iso(ns: int) -> str:
    return pl.Series([ns]).cast(pl.Datetime("ns", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%S%.9fZ")[0]


def segment(classified: pl.DataFrame) -> list[dict]:
    """Phases of the capture, as the report's ``phases[]`` entries."""
    if classified.height == 0:
        return []
    ts = classified["ts"].cast(pl.Int64)
    start_ns = int(ts.min()) // 1_000_000_000 * 1_000_000_000
    end_ns = int(ts.max())
    seconds = int((end_ns - start_ns) // 1_000_000_000) + 1
    vectors, grades = _grades(classified, start_ns, seconds)
    runs = _merge_short(_runs(grades), grades) if vectors else [[0, seconds]]
    present = [{v for v, g in zip(vectors, grades[a], strict=True) if g > 0} for a, _ in runs]
    heavy = [{v for v, g in zip(vectors, grades[a], strict=True) if g == 2} for a, _ in runs]
    kinds = []
    for k in range(len(runs)):
        if not present[k]:
            kinds.append("baseline")
            continue
        heavy_before = set().union(*heavy[:k]) if k else set()
        heavy_after = set().union(*heavy[k + 1 :]) if k + 1 < len(runs) else set()
        # residual traffic of vectors that were heavy before and never are again: scrubbed
        lull = not heavy[k] and present[k] <= heavy_before
        kinds.append("mitigated" if lull and not (present[k] & heavy_after) else "attack")
    # a lull inside an attack, or a change of intensity only, is not a new phase
    merged: list[list] = []
    for (a, b), kind, vec in zip(runs, kinds, present, strict=True):
        if merged and merged[-1][2] == kind and merged[-1][3] == vec:
            merged[-1][1] = b
        else:
            merged.append([a, b, kind, vec])
    phases = []
    ts_sorted = ts.is_sorted()  # captures almost always are: then slice instead of scanning
    for index, (a, b, kind, vec) in enumerate(merged):
        lo = start_ns + a * 1_000_000_000
        hi = min(start_ns + b * 1_000_000_000, end_ns + 1)
        if ts_sorted:
            first, last = int(ts.search_sorted(lo, "left")), int(ts.search_sorted(hi, "left"))
            part = classified.slice(first, last - first)
        else:
            part = classified.filter(
                (pl.col("ts").cast(pl.Int64) >= lo) & (pl.col("ts").cast(pl.Int64) < hi)
            )
        phases.append(_summary(index, kind, lo, hi, part, sorted(vec)))
    return phases


def _summary(
    index: int, kind: str, lo: int, hi: int, part: pl.DataFrame, present: list[str]
) -> dict:
    per_second = part.group_by(pl.col("ts").dt.truncate("1s")).agg(
        pl.len().alias("n"), pl.col("wire_len").cast(pl.Int64).sum().alias("b")
    )
    duration = max((hi - lo) / 1e9, 1e-9)
    attack = part.filter(pl.col("vector").is_in(present)) if present else part.head(0)
    targets = rank_targets(attack, limit=8) if present else []
    sources = attack if present else part
    return {
        "index": index,
        "start": _iso(lo),
        "end": _iso(hi),
        "kind": kind,
        "vectors": present,
        "targets": target_labels(targets),
        "packets": part.height,
        "bytes": int(part["wire_len"].cast(pl.Int64).sum() or 0),
        "attack_packets": attack.height,
        "peak_bps": float(per_second["b"].max() or 0) * 8,
        "peak_pps": float(per_second["n"].max() or 0),
        "mean_bps": float(part["wire_len"].cast(pl.Int64).sum() or 0) * 8 / duration,
        "unique_sources": sources["src"].n_unique() if sources.height else 0,
        "top_countries": [],
    }
