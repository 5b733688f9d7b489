"""Targets follow the analysis's config: how many hosts of one prefix make a carpet; targets that
tie are ranked in address order, the same in every run."""

from __future__ import annotations

import ipaddress

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.targets import carpet_prefixes, rank_targets, ranked


def _spread(hosts: int) -> pl.DataFrame:
    """One UDP flood spread over ``hosts`` hosts of 203.0.113.0/24, ten packets each."""
    mapped = [int(ipaddress.IPv6Address(f"::ffff:203.0.113.{h + 1}")) for h in range(hosts)]
    return pl.DataFrame(
        {
            "dst": [a for a in mapped for _ in range(10)],
            "sport": [40000] * 10 * hosts,
            "dport": [53] * 10 * hosts,
            "wire_len": [100] * 10 * hosts,
            "vector": ["udp_flood"] * 10 * hosts,
        },
        schema={"dst": pl.UInt128, "sport": pl.UInt16, "dport": pl.UInt16,
                "wire_len": pl.UInt32, "vector": pl.String},
    )  # fmt: skip


def test_the_carpet_threshold_is_the_configs() -> None:
    frame = _spread(5)
    assert carpet_prefixes(frame).is_empty()  # the default asks for 8 hosts
    lower = AnalysisConfig(carpet_min_hosts=4)
    assert carpet_prefixes(frame, lower)["hosts"].to_list() == [5]
    [carpet] = rank_targets(frame, config=lower)
    assert carpet["prefix"] == "203.0.113.0/24" and carpet["hosts"] == 5
    assert all("address" in t for t in rank_targets(frame))


def test_targets_that_tie_are_ranked_by_address_whatever_the_rows_order() -> None:
    # a phase's two targets with the same bytes swapped places from one analysis of the same
    # frame to the next: the rows of a group-by come in any order, and only bytes were sorted
    table = _spread(3).with_columns(pl.lit(0).alias("phase"))
    addresses = ["203.0.113.1", "203.0.113.2", "203.0.113.3"]
    for seed in range(8):
        rows = table.sample(fraction=1.0, shuffle=True, seed=seed)
        assert [t["address"] for t in rank_targets(rows)] == addresses
        by_phase = ranked(rows.group_by("phase", "vector", "dst").agg(
            pl.len().alias("packets"), pl.col("wire_len").sum().cast(pl.Int64).alias("bytes"),
            net=pl.lit(0, pl.UInt128)), by="phase")  # fmt: skip
        assert [t["address"] for t in by_phase[0]] == addresses
