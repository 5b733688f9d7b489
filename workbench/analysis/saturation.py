"""Link saturation: how full the link was, at every time scale, and what it did to legitimate traffic.

Utilisation = bits in a bin / (bin length x capacity), from ``wire_len`` (the size on
the wire, not the captured bytes). Peaks are computed at 1 ms .. 10 s at once, because
micro-bursts that fill a link for milliseconds vanish in 1-second averages. A bin the capture
covers only in part is rated over the part it covers (``series.covered_seconds``); a bin
shorter than one full-size frame's time on the link says so (one frame fills it).

Bins at or above ``SATURATED`` are ``intervals``; those that last are ``episodes``, the rest
``micro_bursts`` (``episodes.py``).
"""

from __future__ import annotations

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.episodes import SATURATED, episodes, intervals
from workbench.analysis.partials import Partials
from workbench.analysis.queries import Frame, collect, collect_all
from workbench.analysis.series import (
    covered_seconds,
    covered_span,
    eligible_for_peak,
    frame_time_ms,
)
from workbench.capture.schema import PROTO_TCP, TCP_RST
from workbench.formatting import iso

BINS_MS = (1, 10, 100, 1000, 10000)
REPORT_BIN_MS = 100
THRESHOLDS = (0.8, 0.95, 1.0)


def utilization_series(
    frame: Frame,
    capacity_bps: float | None,
    bin_ms: int = REPORT_BIN_MS,
    by: str | None = None,
    *,
    series: pl.DataFrame | None = None,
    span: tuple[int, int] | None = None,
) -> pl.DataFrame:
    """``ts`` (bin start), optional ``by``, ``bps``, ``pps``, ``utilization`` (null without a
    capacity), ``covered_s`` (seconds of the bin the capture covers) and ``eligible`` (whether the
    bin covers enough to hold a peak).

    ``series``: the capture's 100 ms series (``series.fine_series``); bins that are multiples of
    100 ms are then rolled up from it instead of counting packets again. ``span``: the capture's
    first and last packet (ns): its partial bins are rated over the part they cover.
    """
    bin_ns = int(bin_ms * 1_000_000)
    keys = [by] if by else []
    bucket = ((pl.col("ts").cast(pl.Int64) // bin_ns) * bin_ns).alias("bin")
    if series is not None and not keys and bin_ms % 100 == 0:
        query = series.lazy().group_by(bucket).agg(pl.col("bytes").sum(), pl.col("packets").sum())
    else:
        query = (
            frame.lazy()
            .group_by(bucket, *keys)
            .agg(pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"), pl.len().alias("packets"))
        )
    covered = covered_seconds(pl.col("bin"), bin_ms, span).alias("covered_s")
    out = collect(
        query.with_columns(covered)
        .with_columns(
            bps=pl.col("bytes") * 8.0 / pl.col("covered_s"),
            pps=pl.col("packets") / pl.col("covered_s"),
            eligible=eligible_for_peak(bin_ms, span),
        )
        .with_columns(
            utilization=(pl.col("bps") / capacity_bps)
            if capacity_bps
            else pl.lit(None, dtype=pl.Float64)
        )
        .with_columns(ts=pl.col("bin").cast(pl.Datetime("ns", "UTC")))
    ).sort("bin", *keys)
    return out.select(
        "ts", *keys, "bin", "bytes", "packets", "bps", "pps", "utilization", "covered_s", "eligible"
    )


def _legitimate(frame: Frame, intervals: list[dict], span: tuple[int, int]) -> dict | None:
    """Legitimate goodput (bits/s) and share before, during and after the saturated intervals."""
    if not intervals:
        return None
    ts = pl.col("ts").cast(pl.Int64)
    first = int(
        pl.Series([intervals[0]["start"]]).str.to_datetime(time_unit="ns").cast(pl.Int64)[0]
    )
    last = int(pl.Series([intervals[-1]["end"]]).str.to_datetime(time_unit="ns").cast(pl.Int64)[0])
    spans = {"before": (span[0], first), "during": (first, last), "after": (last, span[1] + 1)}
    when = pl.when(ts < first).then(pl.lit("before")).when(ts < last).then(pl.lit("during"))
    legit = pl.col("vector").is_null()
    sums = collect(
        frame.lazy()
        .group_by(when.otherwise(pl.lit("after")).alias("span"))
        .agg(
            pl.col("wire_len").cast(pl.Int64).sum().alias("total"),
            pl.col("wire_len").cast(pl.Int64).filter(legit).sum().alias("legit"),
            (legit & (pl.col("proto") == PROTO_TCP) & (pl.col("tcp_flags") & TCP_RST > 0))
            .sum()
            .alias("resets"),
        )
    )
    found = {row["span"]: row for row in sums.iter_rows(named=True)}
    out = {}
    for name, (a, z) in spans.items():
        row = found.get(name, {"total": 0, "legit": 0, "resets": 0})
        seconds = max((z - a) / 1e9, 1e-9)
        total_bytes, legit_bytes = int(row["total"] or 0), int(row["legit"] or 0)
        out[name] = {
            "seconds": round(seconds, 3),
            "legit_bps": legit_bytes * 8 / seconds,
            "legit_share": round(legit_bytes / total_bytes, 4) if total_bytes else None,
            "legit_tcp_resets": int(row["resets"] or 0),
        }
    return out


def _loss_signs(frame: Frame) -> dict:
    """Signs of loss on legitimate TCP: segments sent twice (same flow, flags and size)."""
    legit = frame.lazy().filter((pl.col("proto") == PROTO_TCP) & pl.col("vector").is_null())
    keys = ["src", "dst", "sport", "dport", "tcp_flags", "payload_len", "ip_len"]
    data = legit.filter(pl.col("payload_len") > 0)
    counts, total = collect_all(  # one streamed pass for both
        [
            data.group_by(keys)
            .agg(pl.len().alias("n"))
            .select((pl.col("n").sum() - pl.len()).alias("repeated")),
            legit.select(pl.len()),
        ]
    )
    segments = int(total.item())
    if not segments:
        return {"repeated_segments": 0, "segments": 0}
    return {
        "segments": segments,
        "repeated_segments": int(counts["repeated"][0] or 0),
        "note": "a data segment seen again on the same flow with the same size: a retransmission proxy (sequence numbers are not in the packet frame)",
    }


def _capture_gaps(partials: Partials, span: tuple[int, int]) -> list[dict]:
    # only gaps inside busy traffic: a quiet network is not a capture gap
    rate = partials.packets / max((span[1] - span[0]) / 1e9, 1e-9)
    if partials.packets < 2 or rate < 50:
        return []
    return [{"start": iso(a), "end": iso(z), "seconds": round((z - a) / 1e9, 3),
             "note": "no packet at all while the capture was busy: check for capture loss"} for a, z in partials.gaps[:50]]  # fmt: skip


def _short_bin_note(bin_ms: int, capacity: float | None) -> str | None:
    """A note for bins shorter than one full-size frame's time on the link: one frame fills such
    a bin, so its rate is a frame's, not the traffic's."""
    frame_ms = frame_time_ms(capacity)
    if frame_ms is None or bin_ms >= frame_ms:
        return None
    return (f"{bin_ms} ms is shorter than one full-size frame (1,518 B) takes on this link"
            f" ({frame_ms:.3g} ms): a single frame fills the bin, so its rate overstates the load")  # fmt: skip


def _coarse_stamps_note(bin_ms: int, resolution_ns: int) -> str | None:
    """A note for bins shorter than the timestamps' tick: every packet of a tick is stamped at
    its start, so one bin holds them all and its rate overstates by up to the tick over the bin."""
    if bin_ms * 1_000_000 >= resolution_ns:
        return None
    tick = fmt.tick(resolution_ns)
    return (f"the timestamps go to {tick} only: a {bin_ms} ms bin holds every packet stamped"
            f" in its {tick}, so its rate overstates by up to {resolution_ns // (bin_ms * 1_000_000):,}x")  # fmt: skip


def _peak(scale: pl.DataFrame) -> dict:
    """The busiest bin that covers enough of itself to be rated (``eligible``)."""
    rated = scale.filter(pl.col("eligible")) if "eligible" in scale.columns else scale
    rated = rated if rated.height else scale  # traffic only in slivers at the capture's edges
    return rated.sort("bps", "bin", descending=[True, False]).head(1).row(0, named=True)


def assess(frame: Frame, capacity: float | None, *, pps_limit: float | None = None, bins_ms=BINS_MS,
           drops: int | None = None, bin_ms: int = REPORT_BIN_MS, partials: Partials | None = None,
           config: AnalysisConfig = DEFAULT) -> dict:  # fmt: skip
    """The report's ``saturation`` section (DESIGN.md).

    ``frame``: the classified packets (``vector`` column), in memory or lazy; ``partials``: what
    ``windows.classify_windows`` gathered (taken from ``frame`` when not given).
    """
    section: dict = {"capacity_bps": capacity, "bin_ms": bin_ms, "pps_limit": pps_limit}
    frame = _labelled(frame)
    if partials is None:
        partials = Partials()
        partials.add(frame.collect())
    if not partials.packets:
        return {**section, "peak_utilization": None, "peaks": [], "seconds_over": [], "intervals": [],
                "episodes": [], "micro_bursts": episodes(pl.DataFrame(), bin_ms)[1],
                "drops": {"capture_drops": drops, "gaps": []}}  # fmt: skip
    series = partials.fine_series()
    span = (partials.first_ns, partials.last_ns)  # the first and last packet: no pass over them
    cover = covered_span(*span, partials.packets, partials.resolution_ns)
    util = utilization_series(frame, capacity, bin_ms, series=series, span=cover)
    peaks = []
    # the chosen bin is one of the scales: its peak is computed at that bin, like the others
    for size in sorted({*bins_ms, bin_ms}):
        if size in partials.peaks:
            size_bytes, size_packets, at = partials.peaks[size]
            top = {"bps": size_bytes * 8e3 / size, "pps": size_packets * 1e3 / size, "bin": at}
            top["utilization"] = top["bps"] / capacity if capacity else None
        else:
            scale = util if size == bin_ms else utilization_series(
                frame, capacity, size, series=series, span=cover
            )  # fmt: skip
            top = _peak(scale)
        peak = {"bin_ms": size, "peak_bps": top["bps"], "peak_pps": top["pps"], "at": iso(top["bin"]),
                "peak_utilization": round(top["utilization"], 4) if capacity else None}  # fmt: skip
        note = _coarse_stamps_note(size, partials.resolution_ns) or _short_bin_note(size, capacity)
        if note:
            peak["note"] = note
        peaks.append(peak)
    report_peak = next(p for p in peaks if p["bin_ms"] == bin_ms)
    section["peak_utilization"] = report_peak["peak_utilization"]
    section["peak_bps"] = report_peak["peak_bps"]
    section["peaks"] = peaks
    section["frame_time_ms"] = frame_time_ms(capacity)
    if capacity:
        section["seconds_over"] = _seconds_over(util, bin_ms)
        section["intervals"] = intervals(util, bin_ms, SATURATED)
        section["saturated_threshold"] = SATURATED
        section["episodes"], section["micro_bursts"] = episodes(
            util, bin_ms, SATURATED, min_s=config.saturation_episode_min_s,
            gap_s=config.saturation_episode_gap_s,
        )  # fmt: skip
        section["legitimate"] = _legitimate(frame, section["intervals"], span)
    else:
        section["seconds_over"], section["intervals"] = [], []
        section["episodes"], section["micro_bursts"] = [], episodes(pl.DataFrame(), bin_ms)[1]
    if pps_limit:
        per_s = utilization_series(frame, None, 1000, series=series, span=cover)
        section["pps"] = {"limit": pps_limit, "peak_pps": float(_peak(per_s)["pps"]),
                          "seconds_over": int(((per_s["pps"] >= pps_limit) & per_s["eligible"]).sum())}  # fmt: skip
    section["tcp_loss_signs"] = _loss_signs(frame)
    section["drops"] = {"capture_drops": drops, "gaps": _capture_gaps(partials, span)}
    return section


def _labelled(frame: Frame) -> pl.LazyFrame:
    """The frame lazily, with a ``vector`` column (all null when it was never classified)."""
    lazy = frame.lazy()
    if "vector" not in lazy.collect_schema().names():
        lazy = lazy.with_columns(vector=pl.lit(None, dtype=pl.String))
    return lazy


def link_parts(kind: str, ident) -> list[tuple[str | None, pl.Expr]]:
    """The packets of one mapped link: its interface (number or resolved name), its VLAN, or,
    for a router MAC, each direction apart, ``from_router`` (frames it sent) and ``to_router``,
    each to be measured against the capacity (links are full duplex). Returns (direction or
    None, mask) pairs."""
    if kind == "mac":
        return [
            ("from_router", pl.col("src_mac") == ident),
            ("to_router", pl.col("dst_mac") == ident),
        ]
    if kind == "all":
        return [(None, pl.lit(True))]
    if kind == "ifname":
        return [(None, pl.col("iface").is_in(list(ident[1])))]
    return [(None, pl.col(kind) == ident)]


def _seconds_over(util: pl.DataFrame, bin_ms: int) -> list[dict]:
    return [
        {"threshold": t, "seconds": round(float(util.filter(pl.col("utilization") >= t)[
            "covered_s"].sum()) if "covered_s" in util.columns else util.filter(
            pl.col("utilization") >= t).height * bin_ms / 1000, 3)}
        for t in THRESHOLDS
    ]  # fmt: skip


def _link_entry(util: pl.DataFrame, bin_ms: int, config: AnalysisConfig = DEFAULT) -> dict:
    if util.is_empty():
        return {"packets": 0, "peak_utilization": None, "seconds_over": [], "intervals": [],
                "episodes": [], "micro_bursts": episodes(util, bin_ms)[1]}  # fmt: skip
    found, blips = episodes(util, bin_ms, SATURATED, min_s=config.saturation_episode_min_s,
                            gap_s=config.saturation_episode_gap_s)  # fmt: skip
    return {
        "packets": int(util["packets"].sum()),
        "peak_utilization": round(float(_peak(util)["utilization"]), 4),
        "seconds_over": _seconds_over(util, bin_ms),
        "intervals": intervals(util, bin_ms, SATURATED),
        "episodes": found,
        "micro_bursts": blips,
    }


def assess_links(
    frame: Frame,
    links: list[tuple[str, object, float]],
    *,
    bin_ms: int = REPORT_BIN_MS,
    span: tuple[int, int] | None = None,
    config: AnalysisConfig = DEFAULT,
) -> list[dict]:
    """Utilisation per mapped link (``capacity.parse_links``): one entry per link with its peak,
    time over thresholds and saturated intervals.

    A router-MAC link is measured per direction, each against the capacity (links are full
    duplex): ``directions.from_router`` (frames it sent: into the network behind the capture
    point) and ``directions.to_router``; the entry's own figures are those of the busier one.
    """
    out = []
    lazy = frame.lazy()
    for kind, ident, capacity in links:
        entry = {"link": link_label(kind, ident), "capacity_bps": capacity}
        figures = {
            direction: _link_entry(
                utilization_series(lazy.filter(mask), capacity, bin_ms, span=span), bin_ms, config
            )
            for direction, mask in link_parts(kind, ident)
        }
        if None in figures:
            out.append({**entry, **figures[None]})
            continue
        busiest = max(figures, key=lambda d: figures[d]["peak_utilization"] or -1.0)
        out.append({
            **entry, **figures[busiest],
            "packets": sum(d["packets"] for d in figures.values()),
            "busiest_direction": busiest, "directions": figures,
        })  # fmt: skip
    return out


def links_series(
    frame: Frame, links: list[tuple[str, object, float]], bin_ms: int = 1000
) -> pl.DataFrame:
    """Utilisation over time of every mapped link, for ``viz.link_strip``: ``ts``, ``link``, ``bps``,
    ``utilization``; a router-MAC link gives a row per direction (``... from router``, ``... to router``).

        wb.viz.link_strip(links_series(rep.packets, capacity.parse_links(["mac:00:1b:21:aa:00:01=10G"])))
    """
    parts = []
    lazy = frame.lazy()
    for kind, ident, capacity in links:
        label = link_label(kind, ident)
        for direction, mask in link_parts(kind, ident):
            name = f"{label} {direction.replace('_', ' ')}" if direction else label
            util = utilization_series(lazy.filter(mask), capacity, bin_ms)
            parts.append(util.select("ts", pl.lit(name).alias("link"), "bps", "utilization"))
    schema = {
        "ts": pl.Datetime("ns", "UTC"),
        "link": pl.String,
        "bps": pl.Float64,
        "utilization": pl.Float64,
    }
    return pl.concat(parts) if parts else pl.DataFrame(schema=schema)


def link_label(kind: str, ident) -> str:
    """``all``, ``iface:0``, ``eth0``, ``vlan:100``, ``mac:00:1b:21:aa:00:01``."""
    if kind == "all":
        return "all"
    if kind == "mac" and ident is not None:
        raw = f"{ident:012x}"
        return "mac:" + ":".join(raw[i : i + 2] for i in range(0, 12, 2))
    if kind == "ifname":
        return str(ident[0] if isinstance(ident, tuple) else ident)
    return f"{kind}:{ident}"


def _target_mask(column: str, targets: list[str]) -> pl.Expr:
    """Whether ``column`` is one of the ``targets`` (addresses or prefixes): the addresses
    looked up at once in a set, each prefix a range (two comparisons per packet per target
    cost 0.2 s of 20 targets over 11 M packets)."""
    from workbench.capture.addresses import network_bounds

    hosts, ranges = [], []
    for target in targets:
        first, last = network_bounds(target)
        if first == last:
            hosts.append(first)
        else:
            ranges.append((first, last))
    col = pl.col(column)
    mask = col.is_in(pl.Series(hosts, dtype=pl.UInt128).implode()) if hosts else pl.lit(False)
    for first, last in ranges:
        mask = mask | col.is_between(
            pl.lit(first, dtype=pl.UInt128), pl.lit(last, dtype=pl.UInt128)
        )
    return mask


def assess_directions(
    frame: Frame,
    capacity: float | None,
    targets: list[str],
    *,
    bin_ms: int = REPORT_BIN_MS,
    span: tuple[int, int] | None = None,
) -> dict:
    """Utilisation toward the attacked targets (inbound) and from them (outbound), where the capture shows both."""
    out = {}
    for name, column in (("toward_targets", "dst"), ("from_targets", "src")):
        util = (
            utilization_series(
                frame.lazy().filter(_target_mask(column, targets)), capacity, bin_ms, span=span
            )
            if targets
            else pl.DataFrame()
        )
        if util.is_empty():
            out[name] = {"packets": 0, "peak_bps": 0.0, "peak_utilization": None}
            continue
        out[name] = {
            "packets": int(util["packets"].sum()),
            "peak_bps": float(_peak(util)["bps"]),
            "peak_utilization": round(float(_peak(util)["utilization"]), 4) if capacity else None,
            "seconds_over": _seconds_over(util, bin_ms) if capacity else [],
        }
    return out
