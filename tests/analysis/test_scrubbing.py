"""The TTL-shift test of scrubbing (``scrubbing.ttl_shifts``) on frames built packet by packet:
senders that all arrive a few hops further away from one moment on are found, with that moment
and the hops; senders whose TTLs wander over three values, or too few senders, or one-packet
senders, are not a shift."""

from __future__ import annotations

import polars as pl
import pytest

from workbench.analysis import scrubbing
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.scrubbing import ttl_shifts

SECOND = 1_000_000_000
SWITCH = 50 * SECOND
SPAN = [(0, 100 * SECOND, ["ntp_amplification"])]


def _frame(senders: int, ttls: tuple[int, ...], per_ttl: int = 10) -> pl.DataFrame:
    """``senders`` reflectors of NTP amplification, each sending ``per_ttl`` packets at each of
    ``ttls`` in turn: the first TTL before ``SWITCH``, the next ones after it, one after the
    other (each sender a few ms apart from the next)."""
    rows = []
    for s in range(senders):
        for k, ttl in enumerate(ttls):
            base = (0 if k == 0 else SWITCH + (k - 1) * 20 * SECOND) + s * 1_000_000
            rows += [(base + i * SECOND, 0x0A000000 + s, ttl) for i in range(per_ttl)]
    ts, src, ttl = zip(*rows, strict=True)
    return pl.DataFrame(
        {
            "ts": pl.Series(ts, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC")),
            "src": pl.Series(src, dtype=pl.UInt128),
            "ttl": pl.Series(ttl, dtype=pl.UInt8),
            "vector": pl.Series(["ntp_amplification"] * len(ts)),
        }
    )


@pytest.mark.parametrize("lazy", [False, True])
def test_senders_that_all_move_at_once_are_a_shift(lazy):
    frame = _frame(30, (60, 56))
    found = ttl_shifts(frame.lazy() if lazy else frame, SPAN, AnalysisConfig())
    assert set(found) == {0}
    shift = found[0]
    assert shift["vector"] == "ntp_amplification"
    assert shift["hops"] == 4
    assert shift["senders"] == 30
    assert shift["share"] == 1.0
    # each switched between its last old packet (~9 s) and its first new one (50 s)
    assert 9 * SECOND < shift["at_ns"] <= SWITCH + SECOND


def test_senders_at_three_ttls_are_no_shift():
    # lowest and highest differ for every sender, but none is seen at exactly two TTLs
    assert ttl_shifts(_frame(30, (60, 56, 52)), SPAN, AnalysisConfig()) == {}


def test_too_few_senders_are_no_shift():
    config = AnalysisConfig()
    assert ttl_shifts(_frame(config.scrubbing_min_senders - 1, (60, 56)), SPAN, config) == {}
    assert ttl_shifts(_frame(config.scrubbing_min_senders, (60, 56)), SPAN, config) != {}


def test_one_packet_senders_are_no_shift():
    # one packet before and one after from different senders: nobody is seen at two TTLs
    before = _frame(30, (60,), per_ttl=1)
    after = _frame(30, (56,), per_ttl=1).with_columns(
        pl.col("src") + 1000,
        (pl.col("ts").cast(pl.Int64) + 60 * SECOND).cast(pl.Datetime("ns", "UTC")),
    )
    assert ttl_shifts(pl.concat([before, after]), SPAN, AnalysisConfig()) == {}


def test_a_small_drop_is_no_shift():
    config = AnalysisConfig()
    drop = config.scrubbing_ttl_drop_min - 1
    assert ttl_shifts(_frame(30, (60, 60 - drop)), SPAN, config) == {}


@pytest.mark.parametrize("keys", [None, 3])
def test_senders_sharing_a_key_change_nothing(monkeypatch, keys):
    """Senders are told apart by a 64-bit key first (``_sender_key``); keys that collide, here
    every sender on one of ``keys`` keys, give the same shift: 30 senders moved 4 hops, out of
    35 sending across the switch (5 stay at their TTL), whatever 1,000 one-packet senders add."""
    if keys is not None:
        monkeypatch.setattr(scrubbing, "_sender_key", lambda: pl.col("src").hash(seed=1) % keys)
    moved = _frame(30, (60, 56))
    stayed = _frame(5, (60, 60)).with_columns(pl.col("src") + 100)
    once = _frame(1000, (57,), per_ttl=1).with_columns(pl.col("src") + 10_000)
    found = ttl_shifts(pl.concat([moved, stayed, once]), SPAN, AnalysisConfig())
    assert set(found) == {0}
    assert found[0]["hops"] == 4
    assert found[0]["senders"] == 30
    assert found[0]["share"] == round(30 / 35, 3)
