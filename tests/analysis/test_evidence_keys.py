"""Per-host evidence (``evidence._per_host``) grouped by a 64-bit key of (host, candidate): the
figures are those of the pair itself, and stay so when keys collide."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.analysis.config import DEFAULT
from workbench.analysis.vectors import evidence
from workbench.analysis.vectors.context import candidates

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
PAIR = ["dst", "candidate"]
CAP = 64


@pytest.fixture(scope="module")
def cand() -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return candidates(wb.load(SAMPLE, progress=False).packets, DEFAULT)


def _distinct(values: dict[str, pl.DataFrame]) -> dict[str, pl.DataFrame]:
    return {
        column: frame.group_by(PAIR).agg(pl.col("value").n_unique()).sort(PAIR)
        for column, frame in values.items()
    }


def test_per_host_figures_are_the_pairs_own(cand) -> None:
    sums, values = evidence._per_host(cand, CAP)
    # the sample is mostly attack: every packet is a row, the candidates' figures are theirs
    assert cand.height > cand["candidate"].count()
    truth = (
        cand.filter(pl.col("candidate").is_not_null())
        .group_by(PAIR)
        .agg(
            pl.len().alias("packets"),
            pl.col("_asked").sum().alias("asked"),
            pl.col("src").n_unique().alias("sources"),
            pl.col("eff_dport").drop_nulls().n_unique().alias("ports"),
        )
    )
    assert truth.height > 10
    got = sums.join(truth, on=PAIR, how="full", coalesce=True, suffix="_true")
    assert got.height == truth.height == sums.height
    assert got["packets"].equals(got["packets_true"], check_names=False)
    assert got["asked"].equals(got["asked_true"], check_names=False)
    sources = _distinct(values)["src"].join(truth, on=PAIR)
    assert sources.height == truth.height
    # every pair's distinct sources up to the cap; past it only when counted in full (a big
    # host whose first packets repeat a few sources)
    capped = sources["sources"].clip(upper_bound=CAP)
    assert ((sources["value"] == capped) | (sources["value"] == sources["sources"])).all()
    assert (sources["value"] == capped).mean() > 0.9


def test_colliding_keys_fall_back_to_the_pair(cand, monkeypatch) -> None:
    sums, values = evidence._per_host(cand, CAP)
    monkeypatch.setattr(evidence, "_pair_key", lambda: pl.lit(0, dtype=pl.UInt64))
    sums_collided, values_collided = evidence._per_host(cand, CAP)
    assert sums_collided.sort(PAIR).equals(sums.sort(PAIR))
    for column, frame in _distinct(values_collided).items():
        assert frame.equals(_distinct(values)[column])
