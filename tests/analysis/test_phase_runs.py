"""Folding short runs of grades into phases (``phase_grades.merge_short``): the linked-list and
heap version must fold exactly as the plain one it replaced (kept here as the statement of the
rule: shortest foldable run first, the leftmost of equals, into the more alike neighbour, then
equal neighbours join), and stay near-linear in the number of runs."""

from __future__ import annotations

import itertools

import numpy as np
import polars as pl
import pytest

from workbench.analysis.phase_grades import merge_short, runs_of
from workbench.analysis.phases import phase_column


def _plain(runs: list[list[int]], grades: np.ndarray, min_bins: int) -> list[list[int]]:
    def foldable(k: int) -> bool:
        if not (grades[runs[k][0]] == 2).any():
            return True
        return any(0 <= n < len(runs) and grades[runs[n][0]].any() for n in (k - 1, k + 1))

    def likeness(k: int, n: int | None) -> tuple[int, int]:
        if n is None:
            return (-1, -1)
        same = int(np.array_equal(grades[runs[n][0]] > 0, grades[runs[k][0]] > 0))
        return (same, runs[n][1] - runs[n][0])

    runs = [r[:] for r in runs]
    while len(runs) > 1:
        lengths = [b - a if foldable(k) else min_bins for k, (a, b) in enumerate(runs)]
        k = int(np.argmin(lengths))
        if lengths[k] >= min_bins:
            break
        left = k - 1 if k > 0 else None
        right = k + 1 if k + 1 < len(runs) else None
        into = left if likeness(k, left) >= likeness(k, right) else right
        a, b = min(runs[k][0], runs[into][0]), max(runs[k][1], runs[into][1])
        grades[a:b] = grades[runs[into][0]]
        runs[min(k, into)] = [a, b]
        del runs[max(k, into)]
        merged = [runs[0]]
        for r in runs[1:]:
            if np.array_equal(grades[r[0]], grades[merged[-1][0]]):
                merged[-1][1] = r[1]
            else:
                merged.append(r)
        runs = merged
    return runs


@pytest.mark.parametrize("seed", range(40))
def test_folds_exactly_as_the_plain_rule(seed: int) -> None:
    rng = np.random.default_rng(seed)
    bins, vectors = int(rng.integers(1, 400)), int(rng.integers(1, 4))
    # grades 0/1/2 in blocks of random length: bursts, lulls, changes of mix
    lengths = rng.integers(1, 12, size=bins)
    rows = rng.integers(0, 3, size=(bins, vectors))
    grades = np.repeat(rows, lengths, axis=0)[:bins].astype(np.int8)
    min_bins = int(rng.integers(1, 8))
    expected_grades = grades.copy()
    expected = _plain(runs_of(expected_grades), expected_grades, min_bins)
    got = merge_short(runs_of(grades), grades, min_bins)
    assert got == expected
    assert all((grades[a:b] == grades[a]).all() for a, b in got)  # a run has one grade row


def test_tens_of_thousands_of_runs_fold_to_what_the_rule_leaves() -> None:
    """55 hours of 1 s bins switching on and off: every run left is long enough, or a burst
    between quiet runs, and no two neighbours look the same (the plain rule takes hours here;
    its speed is measured in benchmarks/scaling.py)."""
    rng = np.random.default_rng(7)
    bins, min_bins = 200_000, 3
    grades = (rng.random((bins, 2)) < 0.5).astype(np.int8) * 2
    runs = runs_of(grades)
    merged = merge_short(runs, grades, min_bins)
    assert len(runs) > 50_000 and 1 < len(merged) < len(runs)
    assert merged[0][0] == 0 and merged[-1][1] == bins
    assert all(a[1] == b[0] for a, b in itertools.pairwise(merged))
    for k, (a, b) in enumerate(merged):
        assert (grades[a:b] == grades[a]).all()
        if k:
            assert not np.array_equal(grades[a], grades[merged[k - 1][0]])
        heavy = (grades[a] == 2).any()
        quiet_sides = all(
            not grades[merged[n][0]].any() for n in (k - 1, k + 1) if 0 <= n < len(merged)
        )
        assert b - a >= min_bins or (heavy and quiet_sides)


@pytest.mark.parametrize("streamed", [True, False])
@pytest.mark.parametrize("seed", range(20))
def test_each_packet_falls_in_the_phase_whose_span_holds_it(seed: int, streamed: bool, monkeypatch) -> None:  # fmt: skip
    """``phase_column`` with gaps between phases (a binary search, not one test per phase: a
    capture with 5,000 attack phases built a 5,000-branch expression), checked against the
    definition: the phase with ``start <= ts < end``, none in a gap; the same by streamed
    ``bin_intervals`` and by the searches a Polars without it runs."""
    if not streamed:
        monkeypatch.delattr(pl.Expr, "bin_intervals")
    rng = np.random.default_rng(seed)
    cuts = np.sort(rng.choice(1000, size=int(rng.integers(2, 60)), replace=False))
    bounds = [(int(a), int(b)) for a, b in zip(cuts[::2], cuts[1::2], strict=False)]
    if len(bounds) > 1 and seed % 2:  # some phases touch, some have gaps between them
        bounds[1] = (bounds[0][1], bounds[1][1])
    times = list(range(-5, 1005))
    got = pl.DataFrame({"ts": times}).select(phase_column(bounds).alias("p"))["p"].to_list()
    want = [next((i for i, (lo, hi) in enumerate(bounds) if lo <= t < hi), None) for t in times]
    assert got == want


def _plain_boundary(counts, ending, starting, lo, hi, reach):
    """The boundary rule as first written: each candidate ``t`` summed on its own."""
    best, best_cost, quiet_from, quiet_to = lo, None, None, None
    for t in range(lo, hi + 1):
        end_cost = counts[t : hi + reach, ending].sum()
        start_cost = counts[max(lo - reach, 0) : t, starting].sum()
        if ending and end_cost == 0 and quiet_from is None:
            quiet_from = t
        if starting and start_cost == 0:
            quiet_to = t
        tight = t if ending and not starting else -t if starting and not ending else 0
        key = (end_cost + start_cost, tight)
        if best_cost is None or key < best_cost:
            best, best_cost = t, key
    return best, quiet_from, quiet_to


def test_phase_boundaries_by_prefix_sums_follow_the_plain_rule() -> None:
    from workbench.analysis.phase_grades import _boundary

    rng = np.random.default_rng(3)
    for _ in range(500):
        bins, vectors = int(rng.integers(3, 120)), int(rng.integers(1, 4))
        counts = rng.integers(0, 6, (bins, vectors)) * (rng.random((bins, vectors)) < 0.5)
        counts = counts.astype(float)
        split = [bool(rng.integers(0, 2)) for _ in range(vectors)]
        ending = [j for j in range(vectors) if split[j]]
        starting = [j for j in range(vectors) if not split[j] and rng.random() < 0.7]
        if not ending and not starting:
            continue
        reach = int(rng.integers(0, 8))
        lo = int(rng.integers(1, bins))
        hi = int(rng.integers(lo, bins))
        got = _boundary(counts, ending, starting, lo, hi, reach)
        assert got == _plain_boundary(counts, ending, starting, lo, hi, reach)
