"""Fuzz the analysis, not only the reader: any mix of protocols, flags, sizes, time orders,
gaps, duplicates, one-packet and empty frames goes through ``analyze`` and the exports without
an exception, and every report keeps its invariants (one story)."""

from __future__ import annotations

import json

import numpy as np
import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import workbench as wb
from workbench.capture.schema import PACKET_SCHEMA
from workbench.evaluation import invariant_failures

MAPPED = 0xFFFF00000000
PROTOS = [1, 6, 17, 47, 58, 0, 132]


@st.composite
def frames(draw) -> pl.DataFrame:
    n = draw(st.integers(0, 400))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    start = draw(st.integers(0, 2_000_000_000)) * 10**9
    span = draw(st.sampled_from([0, 10**6, 10**8, 10**9, 60 * 10**9, 10**9 * 86400 * 400]))
    ts = start + rng.integers(0, span + 1, n)
    if draw(st.booleans()):
        ts = np.sort(ts)  # captures are mostly in order; merged ones are not
    hosts = draw(st.integers(1, 300))
    v6 = draw(st.booleans())
    src = rng.integers(1, hosts + 1, n).astype(np.uint64)
    dst = rng.integers(1, 4, n).astype(np.uint64)
    if v6:
        base = 0x20010DB8 << 96
        src_s = pl.Series([base | int(x) for x in src], dtype=pl.UInt128)
        dst_s = pl.Series([base | (1 << 64) | int(x) for x in dst], dtype=pl.UInt128)
    else:
        src_s = pl.Series(src | np.uint64(MAPPED | 0x2D000000)).cast(pl.UInt128)
        dst_s = pl.Series(dst | np.uint64(MAPPED | 0xCB007100)).cast(pl.UInt128)
    proto = rng.choice(PROTOS, n)
    ip_len = rng.integers(20, 1500, n)
    frame = pl.DataFrame(
        {
            "ts": ts,
            "wire_len": ip_len + 14,
            "cap_len": np.minimum(ip_len + 14, draw(st.sampled_from([40, 64, 96, 65535]))),
            "ip_ver": np.where(proto == 0, 0, 6 if v6 else 4),
            "src": src_s,
            "dst": dst_s,
            "proto": proto,
            "sport": rng.choice([0, 19, 53, 80, 123, 443, 1900, 40123, 65535], n)
            if draw(st.booleans())
            else rng.integers(0, 65536, n),
            "dport": rng.choice([0, 22, 53, 80, 443, 5000, 8080], n),
            "ttl": rng.integers(0, 256, n),
            "ip_len": ip_len,
            "ip_id": rng.integers(0, 4, n),
            "frag": rng.choice([0, 0, 0, 1, 2, 3, 4], n),
            "tcp_flags": rng.integers(0, 256, n),
            "icmp_type": rng.integers(0, 256, n),
            "payload_len": rng.integers(0, 1400, n),
        }
    )
    if n and draw(st.booleans()):  # duplicated packets
        frame = pl.concat([frame, frame.head(n // 2)])
    frame = frame.with_columns(
        [pl.lit(0).alias(c) for c in PACKET_SCHEMA.names() if c not in frame.columns]
    )
    return frame.select([pl.col(c).cast(t) for c, t in PACKET_SCHEMA.items()])


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames())
def test_any_frame_gives_a_report_that_tells_one_story(frame, tmp_path_factory) -> None:
    report = wb.analyze(frame, link_capacity="10M")
    assert invariant_failures(report) == []
    assert json.loads(report.to_json())["capture"]["packets"] == frame.height
    out = tmp_path_factory.mktemp("exports")
    wb.export.timeline(report, out / "t.jsonl")
    wb.export.timeline(report, out / "t.csv")
    json.loads(wb.export.stix(report, out / "s.json").read_text())
    json.loads(wb.export.fingerprint(report, out / "f.json").read_text())
    if frame.height:
        wb.export.html(report, out / "r.html")


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(frame=frames())
def test_many_frames_give_reports_that_tell_one_story(frame) -> None:
    """``make test-all``: the same property over 300 frames (it found two defects once)."""
    report = wb.analyze(frame, link_capacity="10M")
    assert invariant_failures(report) == []
