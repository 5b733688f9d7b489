"""The senders table (``per_source.SourceTable``): one row per (phase, vector, source), in memory
(sorted by source) and in hash parts over a dataset."""

from __future__ import annotations

import warnings
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench.analysis import queries
from workbench.analysis.per_source import SourceTable
from workbench.analysis.vectors import classify

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
KEYS = ["phase", "vector", "src"]


@pytest.fixture(scope="module")
def classified() -> pl.DataFrame:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return classify(wb.load(SAMPLE, progress=False).packets, enum=True)


def _truth(classified: pl.DataFrame) -> pl.DataFrame:
    return (
        classified.group_by(pl.lit(None, dtype=pl.Int32).alias("phase"), "vector", "src")
        .agg(pl.len().cast(pl.UInt32).alias("packets"),
             pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
             pl.col("ttl").min().alias("ttl_lo"), pl.col("ttl").max().alias("ttl_hi"))
        .sort(KEYS, nulls_last=True)
    )  # fmt: skip


def test_in_memory_table_counts_every_sender_sorted_by_source(classified) -> None:
    [table] = SourceTable(classified, []).parts()
    assert table["src"].is_sorted() and table["src"].flags["SORTED_ASC"]
    truth = _truth(classified)
    assert table.height == truth.height > 1000
    assert table.sort(KEYS, nulls_last=True).equals(truth.select(table.columns))


def test_hash_parts_add_up(classified, monkeypatch) -> None:
    monkeypatch.setattr(queries, "SOURCE_PART_ROWS", classified.height // 3)
    parts = list(SourceTable(classified.lazy(), []).parts())
    assert len(parts) >= 3
    together = pl.concat(parts).sort(KEYS, nulls_last=True)
    assert together.equals(_truth(classified).select(together.columns))
