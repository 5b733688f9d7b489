"""Phase grading: per bin and per vector, the attack rate smoothed and graded against that
vector's own peak (2 heavy, 1 residual, 0 absent), on a time axis that shortens long silences;
then the runs of equal grades, short runs merged into their neighbours and edges sharpened
(``phases.segment`` turns the runs into phases)."""

from __future__ import annotations

import bisect
import heapq
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import polars as pl
from numba import njit

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.series import LEGIT
from workbench.analysis.vector_table import RULES

SECOND = 1_000_000_000


@dataclass(frozen=True)
class TimeAxis:
    """The bins phases are judged on: every bin from the first packet to the last, except that
    a silence longer than ``MAX_SILENCE_BINS`` is shortened to that (merged traces jump by
    years; a day-long capture has quiet nights): the work grows with the traffic, not the span."""

    busy: np.ndarray  # real bin indices that hold traffic, sorted
    index: np.ndarray  # their place on the axis

    @classmethod
    def of(cls, series: pl.DataFrame, start_ns: int, bin_ns: int) -> TimeAxis:
        ts = series["ts"].cast(pl.Int64).to_numpy()
        busy = np.unique((ts - start_ns) // bin_ns)
        steps = np.minimum(np.diff(busy), MAX_SILENCE_BINS)
        return cls(busy, np.r_[busy[0], busy[0] + np.cumsum(steps)])

    @property
    def bins(self) -> int:
        return int(self.index[-1]) + 1

    def place(self, real: np.ndarray) -> np.ndarray:
        """Axis positions of real bins that hold traffic."""
        return self.index[np.searchsorted(self.busy, real)]

    def real(self, position: int) -> int:
        """The real bin at an axis position (inside a shortened silence: counted from its start)."""
        index, busy = self._lists
        k = bisect.bisect_right(index, position) - 1
        return busy[k] + (position - index[k])

    @cached_property
    def _lists(self) -> tuple[list[int], list[int]]:
        """``index`` and ``busy`` as lists: ``real`` is asked once per phase boundary (10,000
        phases: 30,000 times), and a search in a list costs a tenth of one in an array."""
        return self.index.tolist(), self.busy.tolist()


MAX_SILENCE_BINS = 60


def grade(series: pl.DataFrame, start_ns: int, bins: int, bin_ns: int,
            cfg: AnalysisConfig, axis: TimeAxis) -> tuple[list[str], np.ndarray, np.ndarray]:  # fmt: skip
    attack = series.filter(pl.col("vector") != LEGIT)
    counts = attack.group_by("vector").agg(pl.col("packets").sum())
    vectors = sorted(counts.filter(pl.col("packets") >= cfg.min_vector_packets)["vector"].to_list())
    grades = np.zeros((bins, len(vectors)), dtype=np.int8)
    counts = np.zeros((bins, len(vectors)))
    if not vectors:
        return vectors, grades, counts
    per_bin = (
        attack.filter(pl.col("vector").is_in(vectors))
        .with_columns(sec=((pl.col("ts").cast(pl.Int64) - start_ns) // bin_ns).cast(pl.Int64))
        .group_by("vector", "sec")
        .agg(pl.col("packets").sum().alias("n"))
    )
    per_s = SECOND / bin_ns
    for j, vector in enumerate(vectors):
        rows = per_bin.filter(pl.col("vector") == vector)
        rate = np.zeros(bins)
        rate[axis.place(rows["sec"].to_numpy()).clip(0, bins - 1)] = rows["n"].to_numpy()
        counts[:, j] = rate
        active = rate[rate > 0]
        # window long enough to hold ~20 packets at the vector's typical rate (low-rate attacks)
        typical = float(np.median(active)) if len(active) else 1.0
        window = int(min(60, max(5, np.ceil(20 / max(typical, 1e-9)))))
        window += 1 - window % 2
        smooth = _centred_mean(rate, window)
        peak = float(smooth.max())
        if peak <= 0:
            continue
        floor = max(cfg.residual_share_of_peak * peak, cfg.residual_min_pps / per_s)
        heavy = cfg.heavy_share_of_peak * peak
        if RULES[vector].family == "slow_http":  # held connections, not packets, are its intensity
            heavy = floor
        grades[:, j] = np.where(smooth >= heavy, 2, np.where(smooth >= floor, 1, 0))
    return vectors, grades, counts


def _centred_mean(values: np.ndarray, window: int) -> np.ndarray:
    """Mean over a centred window, shrinking at the edges (no padding with zeros)."""
    half = window // 2
    csum = np.r_[0.0, np.cumsum(values)]
    idx = np.arange(len(values))
    lo = np.clip(idx - half, 0, len(values))
    hi = np.clip(idx + half + 1, 0, len(values))
    return (csum[hi] - csum[lo]) / np.maximum(hi - lo, 1)


def runs_of(grades: np.ndarray) -> list[list[int]]:
    """[start, end) second runs of identical grade rows."""
    if len(grades) == 0:
        return []
    change = np.r_[True, np.any(grades[1:] != grades[:-1], axis=1)]
    starts = np.flatnonzero(change)
    ends = np.r_[starts[1:], len(grades)]
    return [[a, b] for a, b in zip(starts.tolist(), ends.tolist(), strict=True)]


def _likeness(runs: list[list[int]], grades: np.ndarray, k: int, n: int | None) -> tuple[int, int]:
    """How alike neighbour ``n`` is to run ``k``: same attack presence first, then length."""
    if n is None:
        return (-1, -1)
    same = int(np.array_equal(grades[runs[n][0]] > 0, grades[runs[k][0]] > 0))
    return (same, runs[n][1] - runs[n][0])


def sharpen(merged: list[list], vectors: list[str], counts: np.ndarray, reach: int,
             min_bins: int, edge_share: float) -> None:  # fmt: skip
    """Move each phase boundary, within ``reach`` bins, to where the unsmoothed traffic changes:
    the smoothing that keeps one attack one phase blurs its edges by a few bins, and a vector
    counts only inside its phases. The boundary goes where the fewest packets of the vectors
    that end there fall after it, plus of the vectors that start there before it; ties go to
    the tightest boundary."""
    if not vectors:
        return
    # a vector's background is not where it starts or ends (``phase_edge_share_of_peak``)
    counts = np.where(counts >= edge_share * counts.max(axis=0, keepdims=True), counts, 0.0)
    column = {v: j for j, v in enumerate(vectors)}
    gaps: list[tuple[int, list]] = []
    for k in range(1, len(merged)):
        before, after = merged[k - 1], merged[k]
        ending = [column[v] for v in before[3] - after[3]]
        starting = [column[v] for v in after[3] - before[3]]
        if not ending and not starting:
            continue
        lo = max(before[0] + 1, after[0] - reach)
        hi = min(after[1] - 1, after[0] + reach)
        best, quiet_from, quiet_to = after[0], None, None
        if lo <= hi:
            best, quiet_from, quiet_to = _boundary(counts, ending, starting, lo, hi, reach)
        if quiet_from is not None and quiet_to is not None and quiet_to - quiet_from >= min_bins:
            # one attack over, a quiet spell the smoothing had blurred, then the next
            before[1], after[0] = quiet_from, quiet_to
            gaps.append((k, [quiet_from, quiet_to, "baseline", set()]))
            continue
        if quiet_from is not None and quiet_to is not None and quiet_to > quiet_from:
            best = (quiet_from + quiet_to) // 2  # a short quiet spell: split it between them
        before[1] = after[0] = best
    for k, gap in reversed(gaps):
        merged.insert(k, gap)


def _boundary(counts: np.ndarray, ending: list[int], starting: list[int], lo: int, hi: int,
              reach: int) -> tuple[int, int | None, int | None]:  # fmt: skip
    """For each candidate boundary ``t`` in ``[lo, hi]``: the ending vectors' packets from ``t``
    on (to ``hi + reach``) and the starting vectors' before it (from ``lo - reach``); the ``t``
    where they are fewest (ties: end as early as the ending vectors allow, start as late as the
    starting do), the first ``t`` the ending vectors are over and the last one the starting
    have not begun (None when no such ``t``). Prefix sums: every ``t`` at once, not a slice sum
    each (packet counts: the sums are exact), in one compiled pass (10,000 phases have as many
    boundaries: array calls on a few bins each took 69 us a boundary, this takes 8)."""
    best, quiet_from, quiet_to = _boundary_kernel(
        counts, np.array(ending, dtype=np.int64), np.array(starting, dtype=np.int64), lo, hi, reach
    )
    return best, (quiet_from if quiet_from >= 0 else None), (quiet_to if quiet_to >= 0 else None)


@njit(cache=True)
def _boundary_kernel(counts, ending, starting, lo, hi, reach):  # pragma: no cover - compiled
    first = max(lo - reach, 0)
    size = max(min(hi + reach, counts.shape[0]) - first, 0)  # the bins of counts[first:hi+reach]
    end_cost = np.zeros(size + 1)  # the ending vectors' packets from each bin on
    start_cost = np.zeros(size + 1)  # the starting vectors' packets before each bin
    for i in range(size - 1, -1, -1):
        total = 0.0
        for j in ending:
            total += counts[first + i, j]
        end_cost[i] = end_cost[i + 1] + total
    for i in range(size):
        total = 0.0
        for j in starting:
            total += counts[first + i, j]
        start_cost[i + 1] = start_cost[i] + total
    # ties: end as early as the ending vectors allow, start as late as the starting do
    lean = 0
    if len(ending) and not len(starting):
        lean = 1
    elif len(starting) and not len(ending):
        lean = -1
    best, best_cost, best_tight = lo, np.inf, 0
    quiet_from, quiet_to = -1, -1
    for t in range(lo, hi + 1):
        at = t - first
        cost = end_cost[at] + start_cost[at]
        tight = lean * t
        if cost < best_cost or (cost == best_cost and tight < best_tight):
            best, best_cost, best_tight = t, cost, tight
        if len(ending) and end_cost[at] == 0 and quiet_from < 0:
            quiet_from = t
        if len(starting) and start_cost[at] == 0:
            quiet_to = t
    return best, quiet_from, quiet_to


def _foldable(runs: list[list[int]], grades: np.ndarray, k: int) -> bool:
    """Run ``k`` may fold into a neighbour: it is quiet or only residual (a vector's stragglers),
    or a neighbour is attack too. A short heavy run between quiet ones is a burst: it stays."""
    if not (grades[runs[k][0]] == 2).any():
        return True
    return any(0 <= n < len(runs) and grades[runs[n][0]].any() for n in (k - 1, k + 1))


def _row_numbers(rows: np.ndarray) -> np.ndarray:
    """One number per row, equal for equal rows."""
    if not len(rows):
        return np.zeros(0, dtype=np.int64)
    return np.unique(rows, axis=0, return_inverse=True)[1].reshape(-1)


def merge_short(runs: list[list[int]], grades: np.ndarray, min_bins: int) -> list[list[int]]:
    """Fold runs shorter than ``min_bins`` into a neighbour, shortest first (the leftmost of
    equals), until none is left.

    A short attack between quiet runs stays a phase of its own (a sub-second burst); short
    quiet runs and short changes of mix fold into their neighbour: the one more alike (same
    attack presence), else the longer. Neighbours that then look the same join. Runs are a
    linked list and the short ones a heap, so 10,000 phases cost a log factor, not a square."""
    n = len(runs)
    start = [r[0] for r in runs]
    end = [r[1] for r in runs]
    prev = [k - 1 if k > 0 else None for k in range(n)]
    nxt = [k + 1 if k + 1 < n else None for k in range(n)]
    alive = [True] * n
    version = [0] * n
    count = n
    # what the rule reads of a run's grades (every bin of a run has its first bin's), taken for
    # all runs at once: heavy (a 2), present (any grade), and which runs have equal grades and
    # equal presence (the same number); a run that joins another takes the other's
    firsts = grades[start] if n else grades[:0]
    heavy = (firsts == 2).any(axis=1).tolist()
    present = firsts.any(axis=1).tolist()
    same = _row_numbers(firsts).tolist()
    alike = _row_numbers(firsts > 0).tolist()

    def foldable(k: int) -> bool:
        if not heavy[k]:
            return True
        return any(m is not None and present[m] for m in (prev[k], nxt[k]))

    def likeness(k: int, m: int | None) -> tuple[int, int]:
        if m is None:
            return (-1, -1)
        return (int(alike[m] == alike[k]), end[m] - start[m])

    heap: list[tuple[int, int, int, int]] = []

    def push(k: int | None) -> None:
        if k is None or not alive[k]:
            return
        version[k] += 1
        if foldable(k) and end[k] - start[k] < min_bins:
            heapq.heappush(heap, (end[k] - start[k], start[k], version[k], k))

    def absorb(keep: int, gone: int) -> None:  # ``gone`` joins ``keep``, its neighbour
        start[keep], end[keep] = min(start[keep], start[gone]), max(end[keep], end[gone])
        before, after = prev[gone], nxt[gone]
        if before is not None:
            nxt[before] = after
        if after is not None:
            prev[after] = before
        alive[gone] = False

    for k in range(n):
        push(k)
    while count > 1 and heap:
        _, _, seen, k = heapq.heappop(heap)
        if not alive[k] or seen != version[k]:
            continue
        left, right = prev[k], nxt[k]
        into = left if likeness(k, left) >= likeness(k, right) else right
        grades[start[k] : end[k]] = grades[start[into]]
        absorb(into, k)
        count -= 1
        for m in (prev[into], nxt[into]):  # neighbours that now look the same join
            if m is not None and same[m] == same[into]:
                absorb(into, m)
                count -= 1
        for m in (into, prev[into], nxt[into]):
            push(m)
    out = []
    k = next((i for i in range(n) if alive[i] and prev[i] is None), None)
    while k is not None:
        out.append([start[k], end[k]])
        k = nxt[k]
    return out
