"""The two Numba passes behind per-host evidence (``distinct_kernel``), on rows written out by
hand: a pair's first rows, then the first of each of its distinct values, up to a cap."""

from __future__ import annotations

import numpy as np

from workbench.analysis.vectors.distinct_kernel import first_rows, first_values


def test_first_rows_of_each_pair() -> None:
    keys = np.array([5, 5, 7, 5, 7, 5, 9], dtype=np.uint64)
    slot, keep = first_rows(keys, 3, 3)
    assert keep.tolist() == [True, True, True, True, True, False, True]
    # one slot per pair, the same for all its rows
    assert slot[0] == slot[1] == slot[3] == slot[5]
    assert slot[2] == slot[4]
    assert len({int(slot[0]), int(slot[2]), int(slot[6])}) == 3


def test_more_keys_than_pairs_is_refused() -> None:
    # two pairs on one key look like one: told by the count of pairs the caller knows
    keys = np.array([1, 2, 3], dtype=np.uint64)
    assert first_rows(keys, 10, 2) is None
    assert first_rows(keys, 10, 4) is None
    assert first_rows(keys, 10, 3) is not None


def test_first_distinct_values_up_to_the_cap() -> None:
    slot = np.array([0, 0, 1, 0, 0, 1, 0, 1], dtype=np.int32)
    lo = np.array([10, 10, 10, 11, 12, 10, 13, 20], dtype=np.uint64)
    hi = np.zeros_like(lo)
    new = first_values(slot, hi, lo, 3, 2)
    # pair 0: 10 (new), 10, 11 (new), 12 (new), 13 (past the cap); pair 1: 10, 10, 20
    assert new.tolist() == [True, False, True, True, True, False, False, True]


def test_values_differ_in_their_high_bits() -> None:
    # IPv6 sources that share their low 64 bits are distinct
    slot = np.zeros(3, dtype=np.int32)
    lo = np.array([1, 1, 1], dtype=np.uint64)
    hi = np.array([0x20010DB8 << 32, 0x20010DB9 << 32, 0x20010DB8 << 32], dtype=np.uint64)
    assert first_values(slot, hi, lo, 64, 1).tolist() == [True, True, False]
