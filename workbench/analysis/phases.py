"""Phases: where the attack starts, changes and ends.

Per bin and per vector, the attack rate is smoothed and graded against that vector's own
peak: 2 = heavy (at least ``heavy_share_of_peak``), 1 = residual, 0 = absent. Bins are 1 s,
or 100 ms for a capture under 20 s, so a snippet has phases too. A phase is a run of bins
with the same grades (so a new phase begins when the vector mix changes, even at constant
volume); runs shorter than ``min_phase_bins`` merge into their neighbour, so one steady
attack stays one phase. A run with only residual grades right after heavy ones of the same
vectors is ``mitigated``. A capture that is attack from end to end is one attack phase.
Grading and runs: ``phase_grades.py``.

One story: ``confine`` then keeps a packet's vector only inside a phase that carries it, so
the phases' attack packets add up to the labelled packets and no baseline holds any.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.phase_grades import SECOND, TimeAxis, grade, merge_short, runs_of, sharpen
from workbench.analysis.queries import Frame, collect, height, time_bounds
from workbench.analysis.series import FINE_BIN_MS, LEGIT, fine_series
from workbench.analysis.targets import target_labels
from workbench.analysis.vectors.kinds import CANDIDATE
from workbench.formatting import iso


def parameters(config: AnalysisConfig = DEFAULT, bin_ns: int = SECOND) -> dict:
    """What the phases were judged with (the report's ``parameters.phases``)."""
    return {"bin_ms": bin_ns // 1_000_000, "heavy_share_of_peak": config.heavy_share_of_peak,
            "residual_share_of_peak": config.residual_share_of_peak,
            "min_phase_bins": config.min_phase_bins,
            "smoothing": "centred rolling mean, >= 5 bins, ~20 packets per window"}  # fmt: skip


def phase_bin_ns(span: int, config: AnalysisConfig = DEFAULT) -> int:
    """The phases' bin for a capture spanning ``span`` ns: 1 s, or 100 ms (the series' own bin)
    for a capture under ~20 s."""
    ms = min(max(config.rate_bin_ms(span), FINE_BIN_MS), 1000)
    return ms * 1_000_000


def segment(
    classified: Frame,
    series: pl.DataFrame | None = None,
    span: tuple[int, int] | None = None,
    config: AnalysisConfig = DEFAULT,
    resolution_ns: int = 1,
) -> list[dict]:
    """Phases of the capture, as the report's ``phases[]`` entries.

    ``series``: its 100 ms series per vector (``series.fine_series``), ``span``: first and last
    packet time (ns); both are computed from ``classified`` when not given. ``resolution_ns``:
    the timestamps' tick (``series.stamp_resolution``): phases are never cut finer than it (to
    the second, each second's packets fall in its first 100 ms, and a flood of 9 s was 9
    phases)."""
    if series is None:
        series = fine_series(classified) if height(classified) else pl.DataFrame()
    if series.is_empty():
        return []
    if span is None:
        span = time_bounds(classified)
    bin_ns = max(phase_bin_ns(span[1] - span[0], config), min(resolution_ns, 1_000_000_000))
    start_ns = span[0] // bin_ns * bin_ns
    end_ns = span[1]
    axis = TimeAxis.of(series, start_ns, bin_ns)
    bins = axis.bins
    vectors, grades, counts = grade(series, start_ns, bins, bin_ns, config, axis)
    runs = merge_short(runs_of(grades), grades, config.min_phase_bins) if vectors else [[0, bins]]
    present = [{v for v, g in zip(vectors, grades[a], strict=True) if g > 0} for a, _ in runs]
    heavy = [{v for v, g in zip(vectors, grades[a], strict=True) if g == 2} for a, _ in runs]
    # what was heavy before each run, and what is heavy after it (running unions: one pass each)
    before, after = [set()], [set()]
    for k in range(len(runs) - 1):
        before.append(before[-1] | heavy[k])
        after.append(after[-1] | heavy[len(runs) - 1 - k])
    after.reverse()
    kinds = []
    for k in range(len(runs)):
        if not present[k]:
            kinds.append("baseline")
            continue
        heavy_before, heavy_after = before[k], after[k]
        # residual traffic of vectors that were heavy before and never are again: scrubbed
        lull = not heavy[k] and present[k] <= heavy_before
        kinds.append("mitigated" if lull and not (present[k] & heavy_after) else "attack")
    # a lull inside an attack, or a change of intensity only, is not a new phase
    merged: list[list] = []
    for (a, b), kind, vec in zip(runs, kinds, present, strict=True):
        if merged and merged[-1][2] == kind and merged[-1][3] == vec:
            merged[-1][1] = b
        else:
            merged.append([a, b, kind, vec])
    sharpen(merged, vectors, counts, config.min_phase_bins, config.min_phase_bins,
             config.phase_edge_share_of_peak)  # fmt: skip

    def ns(position: int) -> int:
        return end_ns + 1 if position >= bins else start_ns + axis.real(position) * bin_ns

    merged = _scrubbed_paths(classified, merged, ns, lambda t: int(axis.place(np.array([(t - start_ns) // bin_ns]))[0]), config)  # fmt: skip
    bounds = [(ns(a), ns(b)) for a, b, *_ in merged]
    present = [sorted(m[3]) for m in merged]
    # smoothing can grade a vector present in a phase where none of its packets fall: a phase
    # names only the vectors it holds packets of, and one that holds none is baseline
    held = (
        own_traffic(series, bounds, present, binned=True)
        .group_by("phase", "vector")
        .agg(pl.col("packets").sum())
        .filter(pl.col("packets") > 0)
        .collect()
    )
    holds = set(zip(held["phase"].to_list(), held["vector"].to_list(), strict=True))
    present = [[v for v in vectors if (k, v) in holds] for k, vectors in enumerate(present)]
    for k, m in enumerate(merged):
        if not present[k]:
            m[2] = "baseline"
    present = _with_bursts(series, bounds, present, [m[2] for m in merged], vectors, config)
    bounds = _starts_at_first_packets(classified, bounds, present, span[0])
    volumes = _volumes(series, bounds, present, classified)
    return [
        _summary(index, m[2], lo, hi, present[index], volumes.get(index, {}))
        | (m[4] if len(m) > 4 else {})
        for index, ((lo, hi), m) in enumerate(zip(bounds, merged, strict=True))
    ]


def _with_bursts(series: pl.DataFrame, bounds: list[tuple[int, int]], present: list[list[str]],
                 kinds: list[str], vectors: list[str], config: AnalysisConfig) -> list[list[str]]:  # fmt: skip
    """Each attack phase's vectors, and those of its packets a verdict confirmed that its bins
    did not show (``min_vector_packets`` of them or more): a burst shorter than a phase's bin
    (10,000 datagrams in 0.2 s amid a SYN flood judged in 1 s bins) smooths into its
    neighbours, and the run it made was merged into a longer one without it; the vector was
    confirmed, labelled, then dropped with the bins that hid it."""
    attack = [k for k, kind in enumerate(kinds) if kind == "attack"]
    if not attack:
        return present
    found = (
        series.lazy()
        .filter(pl.col("vector").is_in(vectors))
        .with_columns(phase=phase_column(bounds, binned=True))
        .filter(pl.col("phase").is_in(attack))
        .group_by("phase", "vector")
        .agg(pl.col("packets").sum())
        .filter(pl.col("packets") >= config.min_vector_packets)
        .collect()
    )
    out = [list(p) for p in present]
    for k, vector in zip(found["phase"].to_list(), found["vector"].to_list(), strict=True):
        if vector not in out[k]:
            out[k] = sorted([*out[k], vector])
    return out


def add_senders_and_targets(phases: list[dict], unique_sources: dict[int, int],
                            targets: dict[int, list[dict]]) -> list[dict]:  # fmt: skip
    """Each phase's distinct sources and top targets (of its own vectors' traffic, of all its
    traffic when it has none), taken once the packets are confined to the phases
    (``per_source.SourceTable.phase_sources``, ``targets.ranked(..., by="phase")``); then a
    mitigated phase that hits other targets is a new attack."""
    for index, phase in enumerate(phases):
        phase["targets"] = target_labels(targets.get(index, []))
        phase["unique_sources"] = unique_sources.get(index, 0)
    return _mitigation_on_same_targets(phases)


def _starts_at_first_packets(classified: Frame, bounds: list[tuple[int, int]],
                             present: list[list[str]], first_ns: int) -> list[tuple[int, int]]:  # fmt: skip
    """Phase starts where the traffic says, not at the edge of a bin: the first phase at the
    capture's first packet, every attack phase after it at the first packet of its vectors, so a
    phase and the vector that opens it start at the same instant (one event, one time). The
    phase before ends there. A boundary inside a 100 ms bin splits that bin: ``confine_series``
    recounts it from the packets on each side."""
    if not bounds:
        return bounds
    out = [list(b) for b in bounds]
    out[0][0] = max(out[0][0], first_ns)
    candidates = [k for k in range(1, len(bounds)) if present[k]]
    if not candidates:
        return [(a, z) for a, z in out]
    chosen = set(candidates)
    wanted = [present[k] if k in chosen else [] for k in range(len(bounds))]
    firsts = collect(
        own_traffic(classified, bounds, wanted)
        .group_by("phase")
        .agg(pl.col("ts").cast(pl.Int64).min().alias("first"))
    )
    moves = {k: int(f) for k, f in firsts.iter_rows() if bounds[k][0] < f < bounds[k][1]}
    for k, f in moves.items():
        out[k][0] = out[k - 1][1] = f
    return [(a, z) for a, z in out]


def _scrubbed_paths(classified: Frame, merged: list[list], ns, place, cfg: AnalysisConfig) -> list[list]:  # fmt: skip
    """Split an attack phase where its senders all start arriving from further away (their TTLs
    fall at once: the attack is diverted through a scrubbing center); the part after is
    ``mitigated``, whatever its rate, and says so in its evidence."""
    from workbench.analysis.scrubbing import ttl_shifts

    attacks = [k for k, m in enumerate(merged) if m[2] == "attack"]
    spans = [(ns(merged[k][0]), ns(merged[k][1]), sorted(merged[k][3])) for k in attacks]
    place_of = {k: i for i, k in enumerate(attacks)}
    shifts = ttl_shifts(classified, spans, cfg)
    out: list[list] = []
    for k, m in enumerate(merged):
        found = shifts.get(place_of[k]) if k in place_of else None
        at = place(found["at_ns"]) if found else None
        if at is None or at - m[0] < cfg.min_phase_bins or m[1] - at < cfg.min_phase_bins:
            out.append(m)
            continue
        evidence = {"scrubbing": {
            "vector": found["vector"], "ttl_drop_hops": found["hops"], "senders_moved": found["senders"],
            "share_of_senders": found["share"],
            "reason": f"{found['senders']:,} senders of {found['vector']} ({found['share']:.0%} of those sending across it)"
                      f" arrive {found['hops']} hops further away from this moment on: the attack goes through a"
                      " scrubbing center",
        }}  # fmt: skip
        out += [[m[0], at, "attack", m[3]], [at, m[1], "mitigated", m[3], evidence]]
    return out


def _mitigation_on_same_targets(phases: list[dict]) -> list[dict]:
    """A residue is scrubbing only where the same vectors go on against the same targets: the
    same vector turning on another target at a lower rate is a new attack."""
    for k, phase in enumerate(phases):
        if phase["kind"] != "mitigated":
            continue
        earlier = [p for p in phases[:k] if p["kind"] == "attack" and set(p["vectors"]) & set(phase["vectors"])]  # fmt: skip
        hit = {t for p in earlier for t in p["targets"]}
        if phase["targets"] and not hit & set(phase["targets"]):
            phase["kind"] = "attack"
            continue
        # why it is mitigated, in the analyst's words: the residue, and the path if it moved
        peak = max((p["peak_pps"] for p in earlier), default=0.0)
        share = phase["peak_pps"] / peak if peak else None
        reasons = [f"peak {share:.0%} of the attack's earlier peak"] if share is not None else []
        if "scrubbing" in phase:
            reasons.append(phase["scrubbing"]["reason"])
        phase["mitigation"] = {
            "residue_share_of_peak": round(share, 4) if share is not None else None,
            "reason": "; ".join(reasons),
        }
    return phases


def carries(phase: pl.Expr, present: list[list[str]]) -> pl.Expr:
    """Whether a row's (``phase``, ``vector``) is one the phases carry (``present[i]``: phase
    i's vectors), as one number tested against a short list: no join, no string hashing."""
    code = {v: k for k, v in enumerate(CANDIDATE.categories.to_list())}
    pairs = [index * len(code) + code[v] for index, vectors in enumerate(present) for v in vectors]
    number = pl.col("vector").cast(CANDIDATE, strict=False).to_physical().cast(pl.Int64)
    pair = phase.cast(pl.Int64) * len(code) + number
    return pair.is_in(pl.Series(pairs, dtype=pl.Int64).implode()).fill_null(False)


def confine(frame: Frame, phases: list[dict], *, binned: bool = False) -> Frame:
    """Keep each packet's (or, ``binned``, series row's) ``vector`` only inside a phase that
    carries it: a straggler of a vector outside its phases is not attack traffic on its own."""
    present = [p["vectors"] if p["kind"] != "baseline" else [] for p in phases]
    carried = carries(phase_column(phase_bounds(phases), binned=binned), present)
    kept = pl.when(carried).then(pl.col("vector")).alias("vector")
    if isinstance(frame, pl.DataFrame):  # only the label is recomputed: no copy of the frame
        return frame.with_columns(frame.lazy().select(kept).collect()["vector"])
    return frame.with_columns(kept)


def confine_series(
    series: pl.DataFrame, phases: list[dict], packets: Frame | None = None
) -> pl.DataFrame:
    """The 100 ms series with the vectors no phase carries counted as legitimate.

    ``packets``: the frame ``confine`` labelled; the bins a phase boundary cuts (a phase starts
    at its first attack packet, inside a bin) are recounted from it, so the series says of every
    packet what the packets say. Without it, such a bin goes to the phase that holds its end."""
    if series.is_empty():
        return series
    kept = confine(series, phases, binned=True).with_columns(pl.col("vector").fill_null(LEGIT))
    bin_ns = FINE_BIN_MS * 1_000_000
    cut = sorted({t // bin_ns * bin_ns for p in phase_bounds(phases) for t in p if t % bin_ns})
    if packets is not None and cut:
        cut_bins = pl.Series(cut, dtype=pl.Int64)
        recounted = fine_series(
            packets.lazy().filter(
                (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).is_in(cut_bins.implode())
            )
        )
        kept = pl.concat(
            [
                kept.filter(~pl.col("ts").cast(pl.Int64).is_in(cut_bins.implode())),
                recounted.select(kept.columns).cast(kept.schema),
            ]
        )
    return (
        kept.group_by("ts", "vector")
        .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        .sort("ts", "vector")
        .select(series.columns)
    )


def phase_bounds(phases: list[dict]) -> list[tuple[int, int]]:
    """``[start, end)`` of each phase, in ns."""
    if not phases:
        return []
    text = pl.Series([t for p in phases for t in (p["start"], p["end"])])
    ns = text.str.to_datetime(time_unit="ns", time_zone="UTC").cast(pl.Int64).to_list()
    return [(ns[2 * k], ns[2 * k + 1]) for k in range(len(phases))]


def phase_column(bounds: list[tuple[int, int]], *, binned: bool = False) -> pl.Expr:
    """Index of the phase (``[start, end)`` in ns, in time order) each packet falls in; null
    outside all. A binary search per packet, streamed: cheap for thousands of phases.

    ``binned``: rows are 100 ms series bins (``ts`` their start), each placed by its last
    instant (within the capture): a phase that starts at its first attack packet, inside a bin,
    holds that bin, as it holds the packets of its vectors in it."""
    ts = pl.col("ts").cast(pl.Int64)
    if not bounds:
        return pl.lit(None, dtype=pl.Int32)
    if binned:
        last = ts + (FINE_BIN_MS * 1_000_000 - 1)
        ts = last.clip(bounds[0][0], bounds[-1][1] - 1)
    starts = [lo for lo, _ in bounds]
    if not hasattr(pl.Expr, "bin_intervals"):  # the same binary searches, held in memory
        return _phase_searched(ts, starts, [hi for _, hi in bounds])
    contiguous = all(bounds[k][1] == bounds[k + 1][0] for k in range(len(bounds) - 1))
    if not contiguous:  # gaps between phases: inside phase k when k ends are at or before
        last_start = ts.bin_intervals(starts, labels=False).cast(pl.Int32) - 1
        ended = ts.bin_intervals([hi for _, hi in bounds], labels=False).cast(pl.Int32)
        return pl.when((last_start >= 0) & (ended == last_start)).then(last_start)
    # streamed (experimental in Polars 2.1); bin 0: before the first
    index = ts.bin_intervals([*starts, bounds[-1][1]], labels=False).cast(pl.Int32) - 1
    return pl.when((index >= 0) & (index < len(bounds))).then(index)


def _phase_searched(ts: pl.Expr, starts: list[int], ends: list[int]) -> pl.Expr:
    """``phase_column`` by binary searches over literals: the last start at or before, then its
    end (for a Polars without ``bin_intervals``)."""
    index = (
        pl.lit(pl.Series(starts, dtype=pl.Int64)).search_sorted(ts, side="right").cast(pl.Int32) - 1
    )
    end = pl.lit(pl.Series(ends, dtype=pl.Int64)).gather(index.clip(0, len(starts) - 1))
    return pl.when((index >= 0) & (ts < end)).then(index)


def own_traffic(frame: Frame, bounds: list[tuple[int, int]], present: list[list[str]], *,
                quiet_all: bool = False, binned: bool = False) -> pl.LazyFrame:  # fmt: skip
    """The packets (``binned``: 100 ms series rows) of each phase's own vectors (``present[i]``
    in phase i), with a ``phase`` column; ``quiet_all``: and every packet of the phases without
    a vector."""
    in_phase = frame.lazy().with_columns(phase=phase_column(bounds, binned=binned))
    own = in_phase.filter(carries(pl.col("phase"), present))
    quiet = [index for index, vectors in enumerate(present) if not vectors]
    if quiet_all and quiet:
        return pl.concat([own, in_phase.filter(pl.col("phase").is_in(quiet))])
    return own


def _cut_bins(bounds: list[tuple[int, int]]) -> pl.Expr | None:
    """Whether a row's ``ts`` falls in a 100 ms bin a phase boundary cuts (a phase starts at the
    first packet of its vectors, inside a bin); None when no boundary cuts one."""
    bin_ns = FINE_BIN_MS * 1_000_000
    cut = sorted({t // bin_ns * bin_ns for p in bounds for t in p if t % bin_ns})
    if not cut:
        return None
    ts = pl.col("ts").cast(pl.Int64)
    if len(cut) <= 64:  # as ranges: a dataset's row groups outside them are never read
        return pl.any_horizontal(ts.is_between(b, b + bin_ns, closed="left") for b in cut)
    return (ts // bin_ns * bin_ns).is_in(pl.Series(cut, dtype=pl.Int64).implode())


def _volumes(
    series: pl.DataFrame,
    bounds: list[tuple[int, int]],
    present: list[list[str]],
    packets: Frame | None = None,
) -> dict[int, dict]:
    """Per phase, from the 100 ms series in one query each: packets, bytes, its own vectors'
    packets, and the busiest second's rates. A second the phase covers only in part (its first
    and last, a phase shorter than a second) is rated over the part it covers; a sliver under
    half of what the phase can cover is left out unless the phase has nothing else.

    ``packets``: the bins a phase boundary cuts are counted from them, each packet in its own
    phase (a series row of such a bin would put all of it in the phase that holds its end)."""
    binned = (
        series.lazy()
        .with_columns(phase=phase_column(bounds, binned=True))
        .filter(pl.col("phase").is_not_null())
    )
    counted, cut = series.lazy(), _cut_bins(bounds)
    own = carries(pl.col("phase"), present)  # a row of the phase's own vectors
    parts = []
    if packets is not None and cut is not None:  # those bins from their packets, in one pass
        counted = counted.filter(~cut)
        parts.append(
            packets.lazy()
            .filter(cut)
            .with_columns(phase=phase_column(bounds))
            .filter(pl.col("phase").is_not_null())
            .group_by("phase")
            .agg(
                pl.len().cast(pl.Int64).alias("packets"),
                pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
                own.cast(pl.Int64).sum().alias("attack_packets"),
            )
        )
    rows = counted.with_columns(phase=phase_column(bounds, binned=True)).filter(
        pl.col("phase").is_not_null()
    )
    parts.append(
        rows.group_by("phase").agg(
            pl.col("packets").sum(),
            pl.col("bytes").sum(),
            pl.col("packets").filter(own).sum().alias("attack_packets"),
        )
    )
    sums = (
        pl.concat(parts, how="vertical_relaxed")
        .group_by("phase")
        .agg(pl.col("packets", "bytes", "attack_packets").sum())
    )
    totals = sums.select("phase", "packets", "bytes")
    own = sums.select("phase", "attack_packets")
    spans = pl.LazyFrame(
        {"phase": list(range(len(bounds))), "lo": [a for a, _ in bounds], "hi": [z for _, z in bounds]},
        schema={"phase": pl.Int32, "lo": pl.Int64, "hi": pl.Int64},
    )  # fmt: skip
    sec = pl.col("second") * SECOND
    covered = (
        pl.min_horizontal(sec + SECOND, pl.col("hi")) - pl.max_horizontal(sec, pl.col("lo"))
    ).clip(lower_bound=1_000) / 1e9
    full = pl.min_horizontal(pl.lit(1.0), (pl.col("hi") - pl.col("lo")) / 1e9)
    busiest = (
        binned.group_by("phase", (pl.col("ts").cast(pl.Int64) // SECOND).alias("second"))
        .agg(pl.col("packets").sum(), pl.col("bytes").sum())
        .join(spans, on="phase", how="left")
        .with_columns(covered=covered, ok=covered >= 0.5 * full - 1e-9)
        .with_columns(pps=pl.col("packets") / pl.col("covered"), bps=pl.col("bytes") * 8 / pl.col("covered"))
        .group_by("phase")
        .agg(
            pl.col("pps").filter(pl.col("ok")).max().fill_null(pl.col("pps").max()).alias("peak_pps"),
            pl.col("bps").filter(pl.col("ok")).max().fill_null(pl.col("bps").max()).alias("peak_bps"),
        )
    )  # fmt: skip
    joined = totals.join(own, on="phase", how="left").join(busiest, on="phase", how="left")
    return {row.pop("phase"): row for row in joined.collect().iter_rows(named=True)}  # fmt: skip


def _summary(index: int, kind: str, lo: int, hi: int, present: list[str], volume: dict) -> dict:
    total_bytes = int(volume.get("bytes") or 0)
    duration = max((hi - lo) / 1e9, 1e-9)
    return {
        "index": index,
        "start": iso(lo),
        "end": iso(hi),
        "kind": kind,
        "vectors": present,
        "targets": [],  # add_senders_and_targets
        "packets": int(volume.get("packets") or 0),
        "bytes": total_bytes,
        "attack_packets": int(volume.get("attack_packets") or 0),
        "peak_bps": float(volume.get("peak_bps") or 0),
        "peak_pps": float(volume.get("peak_pps") or 0),
        "mean_bps": total_bytes * 8 / duration,
        "unique_sources": 0,  # add_senders_and_targets
        "top_countries": [],
    }
