"""Rate judgement: the bins where a rate-judged (target, vector) pair runs far above the
target's own baseline, or above any benign rate. Rates are judged in bins whose width fits the
capture (1 ms for a snippet, 1 s for hours); HTTP floods in whole seconds; and a burst shorter
than that (a flood of a fraction of a second in minutes of other traffic) in bins that fit the
burst (``burst_bins``)."""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.queries import collect
from workbench.analysis.vectors.kinds import (
    CANDIDATE,
    DNS_QUERIES,
    HANDSHAKES,
    HTTP_RATE,
    ICMP,
    SECOND,
    with_key,
)

# per kind, the setting of the rate above which no benign host receives it; the other kinds:
# ``flood_pps_other``. HTTP: judged against the target's own rate and per client
# (``http_rps_per_source``), never by a rate alone
FLOOD_RATES = ((ICMP, "flood_pps_icmp"), (DNS_QUERIES, "flood_pps_dns"),
               (HANDSHAKES, "flood_pps_syn"), (HTTP_RATE, "http_rps_per_source"))  # fmt: skip


def flood_pps(candidate: pl.Expr, cfg: AnalysisConfig, *, setting: bool = False) -> pl.Expr:
    """The rate above which no benign host receives traffic of this kind, whatever its baseline
    (a pair's own may differ: ``verdicts._flood_rate``); ``setting``: that setting's name."""
    rate = pl.when(pl.lit(False)).then(None)
    for kinds, name in FLOOD_RATES:
        value = (
            pl.lit(name)
            if setting
            else pl.lit(float("inf") if kinds is HTTP_RATE else getattr(cfg, name))
        )
        rate = rate.when(candidate.is_in(kinds)).then(value)
    return rate.otherwise(pl.lit("flood_pps_other") if setting else pl.lit(cfg.flood_pps_other))


def sends() -> pl.Expr:
    """The packets a rate's bin counts as sent one by one: all but the middle fragments of
    whole datagrams (``fragments._whole_datagrams``). A bin holds a flood only with
    ``rate_min_bin_packets`` sends in it, and one host floods only at
    ``single_source_flood_pps`` sends a second: a 65 KB ping (``ping -s 65000``, an MTU test)
    is 44 fragments within a millisecond, 440 a second in a 0.1 s bin once a second, yet one
    send; ``ping -f -s 65000``, hundreds of them a second, is a flood by either count."""
    return (~pl.col("_dg_piece")).sum()


def hot_bins(
    per_bin: pl.DataFrame, key: str, span_bins: int, bin_ns: int, cfg: AnalysisConfig
) -> pl.DataFrame:
    """Bins where a rate-judged candidate runs far above the target's own baseline (a crowd
    of at least three sources, and so without its busiest; or one host at a rate none sends
    benignly), or above any benign rate (from any number of sources).

    ``per_bin``: (key, candidate, bin, n, sends, srcs, top, flood_rate, jump_min) of the pairs
    (``flood_rate``: the pair's, ``verdicts._flood_rate``; ``jump_min``: the least rate of a
    jump over its own, ``verdicts.confirmed``). The baseline is the
    median per-bin count over the whole capture, quiet bins included. HTTP floods are judged
    in seconds and must last ``http_flood_min_s``.
    """
    schema = {key: pl.UInt128, "candidate": CANDIDATE, "bin": pl.Int64}
    if per_bin.is_empty():
        return pl.DataFrame(schema=schema)
    http = pl.col("candidate").is_in(HTTP_RATE)
    # HTTP in whole seconds: requests arrive a few per second even in a flood
    # 64-bit: a gap of a few 1 s bins in ns overflows 32 bits (4 s of them were none at all)
    width = pl.when(http).then(pl.lit(SECOND, pl.Int64)).otherwise(pl.lit(bin_ns, pl.Int64))
    rebinned = (
        per_bin.with_columns(width=width)
        .with_columns(bin=pl.col("bin") // pl.col("width") * pl.col("width"))
        .group_by(key, "candidate", "bin", "width", "flood_rate", "jump_min")
        .agg(
            pl.col("n").sum(),
            pl.col("sends").sum(),
            pl.col("srcs").max(),
            pl.col("top").max(),
            *([pl.col("top_few").max()] if key == "dst_net" else []),
        )
    )
    bins_in_span = pl.when(http).then(max(span_bins * bin_ns // SECOND, 1)).otherwise(span_bins)
    active = pl.len().cast(pl.Int64)  # u32 would wrap below zero
    middle = (bins_in_span // 2).cast(pl.Int64) - (bins_in_span.cast(pl.Int64) - active)
    baseline = rebinned.group_by(key, "candidate").agg(
        pl.when(middle.first() < 0)
        .then(0)
        .otherwise(pl.col("n").sort().get(middle.first().clip(0, None)))
        .alias("median")
    )
    seconds = pl.col("width") / SECOND
    floor = pl.when(http).then(cfg.min_rate_http_rps).otherwise(pl.col("jump_min"))
    jump = cfg.rate_factor * pl.col("median")

    def flood(n: pl.Expr, less: pl.Expr | None = None) -> pl.Expr:
        """``n`` packets in a bin (the bin's, less ``less`` of them): a flood's rate, and a bin's
        worth of sends (a source's packets taken from its sends: fewer, if any are pieces)."""
        sent = pl.col("sends").cast(pl.Int64) - (0 if less is None else less.cast(pl.Int64))
        return (n / seconds >= floor) & (sent >= cfg.rate_min_bin_packets)

    n, others = pl.col("n"), pl.col("n") - pl.col("top")
    # a crowd's jump: one still there without the bin's busiest source (one client's burst
    # amid the others' usual queries is that client's); at a prefix, without its
    # ``min_sources_flood`` - 1 busiest (fewer are no crowd: three monitoring systems pinging
    # every address of a /24 at the top of the minute, 3 x 100 pings/s, were one) ...
    busiest = pl.col("top_few" if key == "dst_net" else "top")
    crowd = (
        (pl.col("srcs") >= cfg.rate_min_sources)
        & (n - busiest >= jump)
        & flood(n - busiest, busiest)
    )
    if key == "dst_net":
        # a prefix's flood is a crowd's (carpet bombing: bots or reflectors): its busiest
        # sender's share is judged on the hosts it hits. One monitor pinging every address of
        # a /24 once a second in rounds (smokeping, fping: 250 pings/s) was an ICMP flood on it
        is_hot = crowd | (flood(others, pl.col("top")) & (others / seconds >= pl.col("flood_rate")))
    else:
        # ... or one host's, at a rate no host sends benignly (DNS: no client's burst) ...
        single = (
            pl.when(pl.col("candidate").is_in(DNS_QUERIES))
            .then(cfg.single_source_dns_jump_pps)
            .otherwise(cfg.single_source_flood_pps)
        )
        one = (n >= jump) & (pl.col("sends") / seconds >= single)
        # ... or, from any number of sources, above any benign rate
        is_hot = (flood(n) & (one | (n / seconds >= pl.col("flood_rate")))) | crowd
    hot = rebinned.join(baseline, on=[key, "candidate"]).filter(is_hot)
    # one busy bin is a burst, not a flood; an HTTP flood lasts
    need = pl.when(http).then(int(cfg.http_flood_min_s)).otherwise(cfg.rate_min_bins)
    hot = hot.filter(pl.len().over(key, "candidate") >= need)
    if hot.is_empty():
        return pl.DataFrame(schema=schema)
    return _gaps_filled(hot, key, bin_ns, cfg.rate_gap_fill_bins)


def enough_in_hot_bins(hot: pl.DataFrame, per_bin: pl.DataFrame, key: str, cfg: AnalysisConfig) -> tuple[pl.DataFrame, pl.DataFrame]:  # fmt: skip
    """``hot`` without the pairs (HTTP's apart: judged on requests, over seconds) whose hot bins
    hold fewer than ``min_packets`` of their counted packets: what a flood's rate labels must be
    one to report, as a pair's whole capture must (100 full-size packets are less than one web
    page). In a snippet's 1 ms bins, five packets are 5,000 a second: a VPN client's upload seen
    one way (bursts of 5-10 datagrams within a millisecond, 135 in 0.15 s) filled a few such
    bins beside a real SYN-ACK reflection, and was a UDP flood of 82 packets. Also the pairs
    dropped: (key, candidate, ``in_hot``, their packets in those bins)."""
    pair = [key, "candidate"]
    thin = pl.DataFrame(schema={key: pl.UInt128, "candidate": CANDIDATE, "in_hot": pl.UInt32})
    if hot.is_empty():
        return hot, thin
    http = pl.col("candidate").is_in(HTTP_RATE)
    held = (
        per_bin.filter(~http)
        .join(hot, on=[*pair, "bin"], how="semi")
        .group_by(pair)
        .agg(pl.col("n").sum().cast(pl.UInt32).alias("in_hot"))
    )
    few = held.filter(pl.col("in_hot") < cfg.min_packets)
    kept = hot.join(few.select(pair), on=pair, how="anti")
    return kept, few.cast(thin.schema)


def _gaps_filled(hot: pl.DataFrame, key: str, bin_ns: int, gap: int) -> pl.DataFrame:
    """A flood dips below the floor now and then: gaps of up to ``gap`` bins between hot bins
    stay hot. HTTP seconds are labelled as the bins they hold (labels are per bin)."""
    step = pl.col("width")
    filled = (
        hot.sort(key, "candidate", "bin")
        .with_columns(nxt=pl.col("bin").shift(-1).over(key, "candidate"))
        .with_columns(
            upto=pl.when((pl.col("nxt") - pl.col("bin")) <= (gap + 1) * step)
            .then(pl.col("nxt"))
            .otherwise(pl.col("bin") + step)
        )
        .with_columns(
            b=pl.int_ranges(pl.col("bin"), pl.max_horizontal("upto", pl.col("bin") + step), step)
        )
        .explode("b")
        .select(key, "candidate", "width", bin=pl.col("b"))
        .unique()
    )
    return (
        filled.with_columns(
            bin=pl.int_ranges(pl.col("bin"), pl.col("bin") + pl.col("width"), bin_ns)
        )
        .explode("bin")
        .select(key, "candidate", "bin")
        .unique()
    )


def burst_bins(
    counted: pl.LazyFrame, per_bin: pl.DataFrame, hot: pl.DataFrame, key: str, bin_ns: int,
    cfg: AnalysisConfig,
) -> pl.DataFrame:  # fmt: skip
    """The capture's bins (``bin_ns``) holding a burst: a bin where a rate-judged pair (not
    HTTP's) that is not hot ran at its flood rate or above, judged again on the pair's packets in
    it, in bins that fit their span (about ``rate_bins_per_capture`` of them, as a capture that
    held only them would be): a flood of 10,000 datagrams in 0.2 s fills one bin of a minute's
    capture, and one busy bin is no flood. The same test as any pair's (``rate_min_bins`` bins
    at its flood rate, each of ``rate_min_bin_packets``), its own baseline aside: a burst's is
    itself. Each busy bin on its own: two bursts a minute apart are two.

    ``counted``: the candidates a rate counts (``evidence._counted``, with ``ts`` and ``bin``);
    ``per_bin``: (key, candidate, bin, n, srcs, top, flood_rate) of the rate-judged pairs."""
    schema = {key: pl.UInt128, "candidate": CANDIDATE, "bin": pl.Int64}
    if per_bin.is_empty() or bin_ns <= cfg.rate_bin_min_ms * 1_000_000:
        return pl.DataFrame(schema=schema)
    pair = [key, "candidate"]
    rate = pl.col("n") / (pl.col("width") / SECOND)
    # a prefix's burst is a crowd's, as its flood is (``hot_bins``)
    counted_n = pl.col("n") - pl.col("top") if key == "dst_net" else pl.col("n")
    busy = (
        per_bin.filter(~pl.col("candidate").is_in(HTTP_RATE))
        .join(hot.select(pair).unique(), on=pair, how="anti")
        .with_columns(width=pl.lit(bin_ns))
        .filter(counted_n / (pl.col("width") / SECOND) >= pl.col("flood_rate"))
        .select(*pair, "bin", "flood_rate")
    )
    if busy.is_empty():
        return pl.DataFrame(schema=schema)
    ts = pl.col("ts").cast(pl.Int64)
    rows = with_key(counted, key).join(busy.lazy(), on=[*pair, "bin"], how="semi")
    spans = collect(rows.group_by(*pair, "bin").agg((ts.max() - ts.min()).alias("span")))
    widths = spans.with_columns(  # a few bins: each width as a capture of its span's
        width=pl.Series([cfg.rate_bin_ms(n) * 1_000_000 for n in spans["span"]], dtype=pl.Int64)
    ).filter(pl.col("width") < bin_ns)
    if widths.is_empty():
        return pl.DataFrame(schema=schema)
    fine = collect(
        rows.join(widths.lazy().select(*pair, "bin", "width"), on=[*pair, "bin"])
        .with_columns(fine=ts // pl.col("width") * pl.col("width"))
        .group_by(*pair, "bin", "fine", "width")
        .agg(pl.len().alias("n"), sends().alias("sends"))
    )
    found = fine.join(busy, on=[*pair, "bin"]).filter(
        (rate >= pl.col("flood_rate"))
        & (rate >= cfg.min_rate_pps)
        & (pl.col("sends") >= cfg.rate_min_bin_packets)
    )
    found = found.filter(pl.len().over(*pair, "bin") >= cfg.rate_min_bins)
    return found.select(*pair, "bin").unique().cast(schema)
