"""Link saturation: how full the link was, at every time scale, and what it did to legitimate traffic.

Utilisation = bits in a bin / (bin length x capacity), from ``wire_len`` (the size on
the wire, not the captured bytes). Peaks are computed at 1 ms .. 10 s at once, because
micro-bursts that fill a link for milliseconds vanish in 1-second averages.
"""

from __future__ import annotations

import polars as pl

BINS_MS = (1, 10, 100, 1000, 10000)
REPORT_BIN_MS = 100
THRESHOLDS = (0.8, 0.95, 1.0)
SATURATED = 0.95  # intervals at or above this share of capacity are reported
GAP_S = 1.0  # a silence this long inside busy traffic is flagged as a possible capture gap


def _iso(ns: int) -> str:
    return (
        pl.Series([int(ns)]).cast(pl.Datetime("ns", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%S%.9fZ")[0]
    )


def utilization_series(
    frame: pl.DataFrame,
    capacity_bps: float | None,
    bin_ms: int = REPORT_BIN_MS,
    by: str | None = None,
) -> pl.DataFrame:
    """``ts`` (bin start), optional ``by``, ``bps``, ``pps``, ``utilization`` (null without a capacity)."""
    bin_ns = int(bin_ms * 1_000_000)
    keys = [by] if by else []
    out = (
        frame.lazy()
        .group_by(((pl.col("ts").cast(pl.Int64) // bin_ns) * bin_ns).alias("bin"), *keys)
        .agg(pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"), pl.len().alias("packets"))
        .with_columns(bps=pl.col("bytes") * 8e3 / bin_ms, pps=pl.col("packets") * 1e3 / bin_ms)
        .with_columns(
            utilization=(pl.col("bps") / capacity_bps)
            if capacity_bps
            else pl.lit(None, dtype=pl.Float64)
        )
        .with_columns(ts=pl.col("bin").cast(pl.Datetime("ns", "UTC")))
        .sort("bin")
        .collect()
    )
    return out.select("ts", *keys, "bin", "bytes", "packets", "bps", "pps", "utilization")


def _intervals(util: pl.DataFrame, bin_ms: int, threshold: float) -> list[dict]:
    over = util.filter(pl.col("utilization") >= threshold)
    if over.is_empty():
        return []
    bin_ns = bin_ms * 1_000_000
    # adjacent bins (or with one bin missing) belong to one interval
    run = (over["bin"].diff().fill_null(bin_ns) > 2 * bin_ns).cum_sum()
    grouped = over.with_columns(run=run).group_by("run").agg(
        pl.col("bin").min().alias("a"), pl.col("bin").max().alias("z"),
        pl.col("utilization").max().alias("peak"), pl.col("utilization").mean().alias("mean"),
    ).sort("a")  # fmt: skip
    return [
        {"start": _iso(r["a"]), "end": _iso(r["z"] + bin_ns), "seconds": (r["z"] + bin_ns - r["a"]) / 1e9,
         "peak_utilization": round(r["peak"], 4), "mean_utilization": round(r["mean"], 4)}
        for r in grouped.iter_rows(named=True)
    ]  # fmt: skip


def _legitimate(frame: pl.DataFrame, intervals: list[dict]) -> dict | None:
    """Legitimate goodput (bits/s) and share before, during and after the saturated intervals."""
    if "vector" not in frame.columns or not intervals or frame.is_empty():
        return None
    ts = pl.col("ts").cast(pl.Int64)
    first = int(
        pl.Series([intervals[0]["start"]]).str.to_datetime(time_unit="ns").cast(pl.Int64)[0]
    )
    last = int(pl.Series([intervals[-1]["end"]]).str.to_datetime(time_unit="ns").cast(pl.Int64)[0])
    t0, t1 = int(frame["ts"].cast(pl.Int64).min()), int(frame["ts"].cast(pl.Int64).max())
    spans = {"before": (t0, first), "during": (first, last), "after": (last, t1 + 1)}
    out = {}
    for name, (a, z) in spans.items():
        part = frame.filter((ts >= a) & (ts < z))
        seconds = max((z - a) / 1e9, 1e-9)
        legit = part.filter(pl.col("vector").is_null())
        total_bytes = int(part["wire_len"].cast(pl.Int64).sum() or 0)
        legit_bytes = int(legit["wire_len"].cast(pl.Int64).sum() or 0)
        out[name] = {
            "seconds": round(seconds, 3),
            "legit_bps": legit_bytes * 8 / seconds,
            "legit_share": round(legit_bytes / total_bytes, 4) if total_bytes else None,
            "legit_tcp_resets": legit.filter(
                (pl.col("proto") == 6) & (pl.col("tcp_flags") & 4 > 0)
            ).height,
        }
    return out


def _loss_signs(frame: pl.DataFrame) -> dict:
    """Signs of loss on legitimate TCP: segments sent twice (same flow, flags and size)."""
    legit = frame.filter(pl.col("proto") == 6)
    if "vector" in frame.columns:
        legit = legit.filter(pl.col("vector").is_null())
    if legit.is_empty():
        return {"repeated_segments": 0, "segments": 0}
    keys = ["src", "dst", "sport", "dport", "tcp_flags", "payload_len", "ip_len"]
    data = legit.filter(pl.col("payload_len") > 0)
    repeated = data.height - data.unique(keys).height
    return {
        "segments": legit.height,
        "repeated_segments": repeated,
        "note": "a data segment seen again on the same flow with the same size: a retransmission proxy (sequence numbers are not in the packet frame)",
    }


def _capture_gaps(frame: pl.DataFrame) -> list[dict]:
    if frame.height < 2:
        return []
    ts = frame["ts"].cast(pl.Int64).sort()
    gaps = ts.diff().fill_null(0)
    idx = (gaps > GAP_S * 1e9).arg_true()
    if idx.is_empty():
        return []
    # only gaps inside busy traffic: a quiet network is not a capture gap
    rate = frame.height / max((ts[-1] - ts[0]) / 1e9, 1e-9)
    if rate < 50:
        return []
    return [{"start": _iso(ts[i - 1]), "end": _iso(ts[i]), "seconds": round(gaps[i] / 1e9, 3),
             "note": "no packet at all while the capture was busy: check for capture loss"} for i in idx.to_list()[:50]]  # fmt: skip


def assess(frame: pl.DataFrame, capacity: float | None, *, pps_limit: float | None = None, bins_ms=BINS_MS,
           drops: int | None = None, bin_ms: int = REPORT_BIN_MS) -> dict:  # fmt: skip
    """The report's ``saturation`` section (DESIGN.md)."""
    section: dict = {"capacity_bps": capacity, "bin_ms": bin_ms, "pps_limit": pps_limit}
    if frame.is_empty():
        return {**section, "peak_utilization": None, "peaks": [], "seconds_over": [], "intervals": [],
                "drops": {"capture_drops": drops, "gaps": []}}  # fmt: skip
    peaks = []
    for size in bins_ms:
        util = utilization_series(frame, capacity, size)
        top = util.sort("bps", descending=True).head(1).row(0, named=True)
        peaks.append({"bin_ms": size, "peak_bps": top["bps"], "peak_pps": top["pps"], "at": _iso(top["bin"]),
                      "peak_utilization": round(top["utilization"], 4) if capacity else None})  # fmt: skip
    util = utilization_series(frame, capacity, bin_ms)
    report_peak = (
        next(p for p in peaks if p["bin_ms"] == bin_ms) if bin_ms in bins_ms else peaks[-1]
    )
    section["peak_utilization"] = report_peak["peak_utilization"]
    section["peak_bps"] = (
        max(p["peak_bps"] for p in peaks if p["bin_ms"] == bin_ms) if bin_ms in bins_ms else None
    )
    section["peaks"] = peaks
    if capacity:
        section["seconds_over"] = [
            {
                "threshold": t,
                "seconds": round(util.filter(pl.col("utilization") >= t).height * bin_ms / 1000, 3),
            }
            for t in THRESHOLDS
        ]
        section["intervals"] = _intervals(util, bin_ms, SATURATED)
        section["saturated_threshold"] = SATURATED
        section["legitimate"] = _legitimate(frame, section["intervals"])
    else:
        section["seconds_over"], section["intervals"] = [], []
    if pps_limit:
        per_s = utilization_series(frame, None, 1000)
        section["pps"] = {"limit": pps_limit, "peak_pps": float(per_s["pps"].max()),
                          "seconds_over": int((per_s["pps"] >= pps_limit).sum())}  # fmt: skip
    section["tcp_loss_signs"] = _loss_signs(frame)
    section["drops"] = {"capture_drops": drops, "gaps": _capture_gaps(frame)}
    return section


def assess_links(
    frame: pl.DataFrame, links: list[tuple[str, int | None, float]], *, bin_ms: int = REPORT_BIN_MS
) -> list[dict]:
    """Utilisation per mapped link (``capacity.parse_links``): one entry per link with its peak,
    time over thresholds and saturated intervals."""
    out = []
    for kind, ident, capacity in links:
        part = frame if kind == "all" else frame.filter(pl.col(kind) == ident)
        util = utilization_series(part, capacity, bin_ms) if part.height else None
        entry = {
            "link": "all" if kind == "all" else f"{kind}:{ident}",
            "capacity_bps": capacity,
            "packets": part.height,
        }
        if util is None or util.is_empty():
            out.append({**entry, "peak_utilization": None, "seconds_over": [], "intervals": []})
            continue
        out.append({
            **entry,
            "peak_utilization": round(float(util["utilization"].max()), 4),
            "seconds_over": [{"threshold": t, "seconds": round(util.filter(pl.col("utilization") >= t).height * bin_ms / 1000, 3)} for t in THRESHOLDS],
            "intervals": _intervals(util, bin_ms, SATURATED),
        })  # fmt: skip
    return out


def _target_mask(column: str, targets: list[str]) -> pl.Expr:
    from workbench.capture.addresses import network_bounds

    mask = pl.lit(False)
    for target in targets:
        first, last = network_bounds(target)
        mask = mask | pl.col(column).is_between(
            pl.lit(first, dtype=pl.UInt128), pl.lit(last, dtype=pl.UInt128)
        )
    return mask


def assess_directions(
    frame: pl.DataFrame, capacity: float | None, targets: list[str], *, bin_ms: int = REPORT_BIN_MS
) -> dict:
    """Utilisation toward the attacked targets (inbound) and from them (outbound), where the capture shows both."""
    out = {}
    for name, column in (("toward_targets", "dst"), ("from_targets", "src")):
        part = frame.filter(_target_mask(column, targets)) if targets else frame.head(0)
        if part.is_empty():
            out[name] = {"packets": 0, "peak_bps": 0.0, "peak_utilization": None}
            continue
        util = utilization_series(part, capacity, bin_ms)
        out[name] = {
            "packets": part.height,
            "peak_bps": float(util["bps"].max()),
            "peak_utilization": round(float(util["utilization"].max()), 4) if capacity else None,
            "seconds_over": [
                {
                    "threshold": t,
                    "seconds": round(
                        util.filter(pl.col("utilization") >= t).height * bin_ms / 1000, 3
                    ),
                }
                for t in THRESHOLDS
            ]
            if capacity
            else [],
        }
    return out
