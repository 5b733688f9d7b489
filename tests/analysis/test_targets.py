"""Targets follow the analysis's config: how many hosts of one prefix make a carpet."""

from __future__ import annotations

import ipaddress

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.targets import carpet_prefixes, rank_targets


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
