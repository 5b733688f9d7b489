"""Evidence: what the confirmation tests need, gathered window by window (or from one frame)
and judged once over the whole capture (``Evidence.verdicts``)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.partials import silences
from workbench.analysis.queries import address_key, collect, packed, unpacked
from workbench.analysis.vector_table import COLLECTOR_PORTS
from workbench.analysis.vectors.context import amplified_size, asked_for, rate_bin, served
from workbench.analysis.vectors.distinct_kernel import first_rows, first_values
from workbench.analysis.vectors.http_floods import http_clients, persistent_http, solo_http
from workbench.analysis.vectors.kinds import (
    HTTP_RATE,
    KEYS,
    SECOND,
    is_candidate,
    with_key,
)
from workbench.analysis.vectors.matching import neighbor_discovery
from workbench.analysis.vectors.rates import burst_bins, enough_in_hot_bins, hot_bins, sends
from workbench.analysis.vectors.slow_http import connection_figures, slow_connections
from workbench.analysis.vectors.verdicts import (
    MAXES,
    SUMS,
    Verdicts,
    asked_all,
    concat,
    confirmed,
    held_back,
    host_packets,
    merged_stats,
    totals,
)
from workbench.capture.addresses import halves

DISTINCT_CAP = 64  # distinct sources / ports kept per (target, vector): enough for every threshold
DISTINCT_SAMPLE_ROWS = 4096  # a host's first packets, where its first distinct values are sought
DISTINCT_OF = ("src", "eff_dport")
NO_PORT = 1 << 16  # a port no datagram has: a fragment's unknown port, as a value of its own
COMPACT_EVERY = 8  # windows of evidence folded together (``Evidence.compact``)
PAIR_SEED = 0x5EED  # the seed of a (host, candidate) pair's 64-bit key


def _distinct_cap(config: AnalysisConfig) -> int:
    """Distinct values kept per (target, vector, kind): at least every threshold that counts them."""
    return max(
        DISTINCT_CAP,
        config.min_sources_reflection,
        config.min_sources_flood,
        config.random_ports_min,
    )


@dataclass
class Evidence:
    """What the confirmation tests need, summed over one or more windows of a capture.

    Windows hold whole seconds and rate bins divide a second, so per-bin figures combine
    exactly; distinct sources and ports are kept up to ``DISTINCT_CAP`` per target and vector
    (the thresholds only ask "at least N"), so memory does not grow with a spoofed flood's
    millions of addresses.
    """

    # per target key: (key, candidate, packets, asked, done, open, answered) ...
    stats: dict[str, list[pl.DataFrame]]
    # ... (key, candidate, value, kind): up to DISTINCT_CAP sources / ports per kind ...
    distinct: dict[str, list[pl.DataFrame]]
    # ... (key, candidate, bin, n, srcs, top) of every candidate
    bins: dict[str, list[pl.DataFrame]]
    http: list[pl.DataFrame]  # (dst, src, second, requests, sessions, syns, ...): per client
    slow: list[pl.DataFrame]  # (src, sport, dst, dport, trickles, answered, server_sizes, largest)
    config: AnalysisConfig = field(default=DEFAULT)
    bin_ns: int = SECOND
    first_s: int | None = None
    last_s: int | None = None
    # the first and last packet (ns), and the whole seconds of silences the capture did not
    # cover (``baseline_gap_s``): left out of every baseline
    first_ns: int | None = None
    last_ns: int | None = None
    silent_s: int = 0
    # windows whose per-bin counts are not taken yet: only the rate-judged pairs need them, so
    # ``verdicts`` counts those alone (from a window's kept candidates, over a dataset: ``pack``)
    pending: list[pl.LazyFrame] = field(default_factory=list)

    @classmethod
    def empty(cls, config: AnalysisConfig = DEFAULT, bin_ns: int = SECOND) -> Evidence:
        return cls({k: [] for k in KEYS}, {k: [] for k in KEYS}, {k: [] for k in KEYS}, [], [],
                   config, bin_ns)  # fmt: skip

    def add(self, frame: pl.DataFrame, cand: pl.DataFrame) -> None:
        """Take a window's share (``cand``: its ``candidates``)."""
        if frame.height == 0:
            return
        ts = frame["ts"].cast(pl.Int64)
        times = ts if ts.is_sorted() else ts.sort()
        lo, hi = int(times[0]) // SECOND, int(times[-1]) // SECOND
        self.first_s = lo if self.first_s is None else min(self.first_s, lo)
        self.last_s = hi if self.last_s is None else max(self.last_s, hi)
        gap_ns = _gap_ns(self.config)
        for a, z in silences(times, gap_ns, self.last_ns):
            self.silent_s += _silent_seconds(a, z)
        self.first_ns = int(times[0]) if self.first_ns is None else self.first_ns
        self.last_ns = int(times[-1])
        counted = _counted(cand.lazy(), self.config, self.bin_ns)
        cap = _distinct_cap(self.config)
        per_host, values = _per_host(cand, cap, self.config)
        for key in KEYS:
            pair = [key, "candidate"]
            self.stats[key].append(
                per_host.drop("dst_net") if key == "dst" else per_host.group_by(pair).agg(totals())
            )  # fmt: skip
            # flat rows (a filter copies): a list aggregate would keep every distinct value alive
            kinds = {column: values[column].select(*pair, "value") for column in values}
            if key == "dst_net":  # how many hosts of the prefix it hits: a host whose
                # answers it all asked for (its own lookups) is no host a reflection hits
                kinds["dst"] = per_host.filter(~asked_all()).select(*pair, value=pl.col("dst"))
            for column, frame_ in kinds.items():
                self.distinct[key].append(
                    frame_.unique()
                    .with_columns(kind=pl.lit(column))
                    .filter(pl.int_range(pl.len()).over(pair) < cap)
                )
        self.pending.append(counted)
        self.http.append(http_clients(cand, self.config))
        self.slow.append(connection_figures(frame, self.config))

    def pack(self, kept: str | Path | None = None) -> Evidence:
        """Keep the gathered frames as Arrow IPC bytes until ``verdicts``: small frames kept
        alive across windows would pin the allocator's pages of each window's big computation
        (resident memory grew ~35 MB per window; packed, it stays flat).

        ``kept``: where the window's candidates were written (``windows.window_evidence``, for
        pass 2): its per-bin counts are then taken from that file when judged, for the
        rate-judged pairs alone; without it, every pair's are counted now."""
        if kept is not None:
            self.pending = [_counted(pl.scan_ipc(kept), self.config, self.bin_ns)]
            to_count = []
        else:
            to_count, self.pending = self.pending, []
        for counted in to_count:  # every pair's: which are judged by their rate, the whole
            # capture tells (a reflection from few reflectors is: ``verdicts._whole_test``)
            for key in KEYS:
                self.bins[key].append(_per_bin(counted, key, few=self.config.min_sources_flood - 1))
        for table in (self.stats, self.distinct, self.bins):
            for key in KEYS:
                table[key] = [packed(f) for f in table[key]]
        self.http = [packed(f) for f in self.http]
        self.slow = [packed(f) for f in self.slow]
        return self

    def merge(self, other: Evidence) -> None:
        """Take another part's evidence (windows of the same capture, gathered apart)."""
        for mine, theirs in ((self.stats, other.stats), (self.distinct, other.distinct), (self.bins, other.bins)):  # fmt: skip
            for key in KEYS:
                mine[key].extend(theirs[key])
        self.http.extend(other.http)
        self.slow.extend(other.slow)
        self.pending.extend(other.pending)
        gap_ns = _gap_ns(self.config)
        if self.last_ns is not None and other.first_ns is not None:  # the silence between them
            if other.first_ns - self.last_ns > gap_ns:
                self.silent_s += _silent_seconds(self.last_ns, other.first_ns)
        self.silent_s += other.silent_s
        self.first_ns = self.first_ns if self.first_ns is not None else other.first_ns
        self.last_ns = other.last_ns if other.last_ns is not None else self.last_ns
        for name, pick in (("first_s", min), ("last_s", max)):
            values = [v for v in (getattr(self, name), getattr(other, name)) if v is not None]
            setattr(self, name, pick(values) if values else None)
        if len(self.stats[KEYS[0]]) >= COMPACT_EVERY:
            self.compact()

    def compact(self) -> Evidence:
        """Fold the windows gathered so far into one frame per table: packet counts summed,
        distinct values kept up to ``DISTINCT_CAP`` per (target, vector, kind), which is all the
        thresholds ask. Memory then stays bounded by the targets, not by the windows (the
        per-bin rates are kept: a median needs them all)."""
        cap = _distinct_cap(self.config)
        for key in KEYS:
            pair = [key, "candidate"]
            stats = concat([unpacked(f) for f in self.stats[key]])
            if not stats.is_empty():
                stats = stats.group_by(pair).agg(totals())
            self.stats[key] = [packed(stats)]
            distinct = concat([unpacked(f) for f in self.distinct[key]])
            if not distinct.is_empty():
                distinct = (
                    distinct.unique()
                    .sort(*pair, "kind", "value")
                    .filter(pl.int_range(pl.len()).over(*pair, "kind") < cap)
                )
            self.distinct[key] = [packed(distinct)]
        return self

    def verdicts(self) -> Verdicts:
        """Judge every (target, vector) pair on everything gathered."""
        for table in (self.stats, self.distinct, self.bins):
            for key in KEYS:
                table[key] = [unpacked(f) for f in table[key]]
        self.http = [unpacked(f) for f in self.http]
        self.slow = [unpacked(f) for f in self.slow]
        cfg = self.config
        span_bins = 1
        if self.first_s is not None:
            covered = self.last_s - self.first_s + 1 - self.silent_s  # seconds
            span_bins = (covered * SECOND) // self.bin_ns
        slow = slow_connections(concat(self.slow), cfg)
        # a slow client's pieces of requests are no HTTP flood's requests (a slowloris opening
        # its connections, each with a partial request, and over HTTPS a handshake's records)
        http = concat(self.http)
        if not slow.is_empty() and not http.is_empty():
            http = http.join(slow.select("dst", "src").unique(), on=["dst", "src"], how="anti")
        # first to last packet, less the silences the capture did not cover
        span_s = None
        if self.first_ns is not None:
            span_s = (self.last_ns - self.first_ns) / SECOND - self.silent_s
        out = Verdicts({}, {}, None, solo_http(http, cfg, span_s), slow, self.bin_ns)
        per_host = pl.DataFrame()
        for key in KEYS:
            merged = merged_stats(self.stats[key], self.distinct[key], key)
            if key == "dst":
                per_host = merged
            elif not merged.is_empty():  # how many packets its hosts take each
                merged = merged.join(
                    host_packets(per_host), on=["dst_net", "candidate"], how="left"
                )
            stats = confirmed(merged, cfg, key, span_s)
            if key == "dst":
                out.veto = stats.filter(pl.col("contra")).select(
                    "dst", "candidate", pl.lit(True).alias("_veto")
                )
            out.whole[key] = stats.filter(pl.col("ok") & ~pl.col("rate_based")).select(
                key, "candidate", pl.lit(True).alias(f"_whole_{key}")
            )
            rate_pairs = stats.filter(pl.col("ok") & pl.col("rate_based"))
            pairs = rate_pairs.select(key, "candidate")
            # the windows not counted yet, in one query (a bin never spans two windows)
            pending = [pl.concat(self.pending)] if self.pending else []
            few = cfg.min_sources_flood - 1
            per_bin = concat(self.bins[key] + [_per_bin(c, key, pairs, few) for c in pending])
            if not per_bin.is_empty():
                per_bin = per_bin.join(
                    rate_pairs.select(key, "candidate", "flood_rate", "jump_min"),
                    on=[key, "candidate"],
                )
            hot = hot_bins(per_bin, key, span_bins, self.bin_ns, cfg)
            for counted in pending:  # bursts shorter than the capture's bins
                hot = concat([hot, burst_bins(counted, per_bin, hot, key, self.bin_ns, cfg)])
            hot, thin = enough_in_hot_bins(hot, per_bin, key, cfg)
            out.hot[key] = persistent_http(hot, http, key, cfg).with_columns(
                pl.lit(True).alias(f"_hot_{key}")
            )
            if key == "dst":
                out.held_back = held_back(stats, per_bin, hot, out.hot[key], self.bin_ns, cfg, thin)
        return out


def _gap_ns(config: AnalysisConfig) -> int:
    """``baseline_gap_s`` in ns (at most a century: any longer is never)."""
    return int(min(max(config.baseline_gap_s, 0.0), 3.2e9) * SECOND)


def _silent_seconds(before: int, after: int) -> int:
    """Whole seconds strictly between the second of ``before`` and that of ``after`` (ns)."""
    return max(0, after // SECOND - before // SECOND - 1)


# what a rate's count reads of the candidates (``_counted``, then ``_per_bin``)
COUNT_READS = ("ts", "src", "dst", "candidate", "_dg_piece", "_request", "_asked", "_answered", "_query", "_retry")  # fmt: skip


def _counted(cand: pl.LazyFrame, config: AnalysisConfig, bin_ns: int) -> pl.LazyFrame:
    """The candidates a rate counts, with their ``bin``: HTTP floods count requests (the client
    segments that start one, ``_request``), ICMP floods what the target did not ask for
    (not the echo replies to its own pings), UDP floods the flows it never answers. Lazy: each
    count reads the rows it keeps (a filtered copy would be the whole window)."""
    c = pl.col("candidate")
    return cand.filter(
        is_candidate() & (~c.is_in(HTTP_RATE) | pl.col("_request")) & ~asked_for()
    ).with_columns(rate_bin(bin_ns))


def _per_bin(counted: pl.LazyFrame, key: str, pairs: pl.DataFrame | None = None, few: int = 0) -> pl.DataFrame:  # fmt: skip
    """(key, candidate, bin, n, sends, srcs, top) of a window's counted candidates (``sends``:
    the packets less the middle fragments of whole datagrams, ``rates.sends``; ``top``: the
    packets of the bin's busiest source); of the (key, candidate) ``pairs`` only, when given.
    At the prefix key, ``top_few`` too: the packets of its ``few`` busiest sources."""
    counted = with_key(counted, key)
    if pairs is not None:
        counted = counted.join(pairs.lazy(), on=[key, "candidate"], how="semi")
    bin_ = [key, "candidate", "bin"]
    k = pl.col("k")
    busiest = [k.top_k(max(few, 1)).sum().cast(pl.UInt32).alias("top_few")] if key == "dst_net" else []  # fmt: skip
    return collect(  # streamed: faster for a plain count over many groups
        counted.group_by(*bin_, "src")
        .agg(pl.len().alias("k"), sends().alias("s"))
        .group_by(bin_)
        .agg(
            k.sum().cast(pl.UInt32).alias("n"),
            pl.col("s").sum().cast(pl.UInt32).alias("sends"),
            pl.len().alias("srcs"),
            k.max().alias("top"),
            *busiest,
        )
    )


def _pair_key() -> pl.Expr:
    """A 64-bit key of a candidate's (host, candidate) pair (``_first_distinct`` checks that
    no two pairs share one)."""
    # a row that is no candidate (null) keys as the first: ``_first_distinct`` skips it
    return address_key("dst", pl.col("candidate").to_physical().fill_null(0), seed=PAIR_SEED)


def _per_host(
    cand: pl.DataFrame, cap: int, config: AnalysisConfig = DEFAULT
) -> tuple[pl.DataFrame, dict[str, pl.DataFrame]]:
    """A window's sums per (host, prefix, candidate), and up to ``cap`` distinct values of each
    of ``DISTINCT_OF`` per host (flat rows: host, prefix, candidate, value).

    Per host first; a prefix's sums are its hosts' sums (dst_net is a function of dst).
    Distinct values: the thresholds ask "at least N" (N <= cap), so up to cap distinct values
    are taken from a host's first packets; only a big host whose first packets repeat a few
    values is counted in full.
    """
    host = ["dst", "dst_net", "candidate"]
    # grouped by host and candidate only: the prefix is the host's (a function of it); the sums
    # streamed (a plain aggregate over many groups runs faster there)
    pair = ["dst", "candidate"]
    sums = collect(cand.lazy().filter(is_candidate()).group_by(pair).agg(
        pl.len().alias("packets"),
        pl.col("_asked").sum().alias("asked"),
        pl.col("_done").sum().alias("done"),
        (pl.col("_reset") & ~pl.col("_done")).sum().alias("resets"),
        pl.col("_open").sum().alias("open"),
        pl.col("_answered").sum().alias("answered"),
        pl.col("orphan_fragment").sum().alias("orphans"),
        served(config).sum().alias("served"),
        ((pl.col("eff_sport") == 0) | (pl.col("eff_dport") == 0)).sum().alias("port_zero"),
        pl.col("payload_len").cast(pl.Int64).sum().alias("payload"),
        pl.col("dport").is_in(list(COLLECTOR_PORTS)).sum().alias("collected"),
        pl.col("_talks").sum().alias("talks"),
        pl.col("_query").sum().alias("queries"),
        amplified_size(config).sum().alias("large"),
        pl.col("link_group").sum().alias("link_group"),
        neighbor_discovery().sum().alias("neighbors"),
        # distinct ports, exact per window (summed over windows and hosts: an upper bound)
        pl.col("eff_dport").n_unique().alias("ports"),
        pl.col("eff_dport").null_count().alias("_port_nulls"),
        # distinct IP protocols, exact per window (a random protocol field's dozens)
        pl.col("proto").n_unique().cast(pl.UInt32).alias("protocols"),
    ))  # fmt: skip
    per_host = with_key(sums.lazy(), "dst_net").collect()  # a function of the host
    values = {}
    for column, first in _first_distinct(cand, sums.height, cap).items():
        found = first.group_by(pair).agg(pl.len().alias("_n"))  # a null port counts (a value)
        sampled = per_host.select(*pair, "packets", "ports", "_port_nulls").join(found, on=pair)
        complete = pl.lit(False)
        if column == "eff_dport":  # the sample holds every port when it holds as many as counted
            complete = (pl.col("ports") == pl.col("_n")) & (pl.col("_port_nulls") == 0)
        big = pl.col("packets") > DISTINCT_SAMPLE_ROWS
        short = sampled.filter(big & (pl.col("_n") < cap) & ~complete)
        flat = (
            with_key(first.lazy().drop_nulls("value"), "dst_net").select(*host, "value").collect()
        )
        if short.height:  # counted in full, these hosts only
            full = collect(  # streamed: faster for a join and a unique over millions of rows
                cand.lazy()
                .join(short.lazy().select(pair), on=pair, how="semi")
                .select(*pair, value=pl.col(column))
                .unique()
            )
            # the prefix computed for the values found, not for every packet before the join
            full = with_key(full.lazy(), "dst_net").select(*host, "value").collect()
            flat = pl.concat([flat, full], how="vertical_relaxed")
        values[column] = flat.with_columns(pl.col("value").cast(pl.UInt128))
    return per_host.select(*host, *SUMS, *MAXES), values


def _first_distinct(cand: pl.DataFrame, pairs: int, cap: int) -> dict[str, pl.DataFrame]:
    """(dst, candidate, value) for each of ``DISTINCT_OF``: the first ``cap`` distinct values of
    each of the ``pairs`` (host, candidate) pairs in its first ``DISTINCT_SAMPLE_ROWS`` packets
    (an unknown port, a fragment's, is one: null). Numbered by one 64-bit key of the pair:
    hashing a 128-bit address and an Enum per packet costs twice as much, and the key is exact
    when it makes as many groups as the pair does (two pairs on one key, 2^-64 a pair: then
    numbered by the pair itself)."""
    pair = ["dst", "candidate"]
    # the rows that are no candidate (a capture that is mostly attack keeps every row) skipped
    live = None
    if cand["candidate"].has_nulls():
        live = cand.select(is_candidate()).to_series().to_numpy()
    keys = cand.select(_pair_key()).to_series().to_numpy()
    ranked = first_rows(keys, DISTINCT_SAMPLE_ROWS, pairs, live)
    if ranked is None:
        number = pl.struct(pair).rank("dense").cast(pl.UInt64)
        keys = cand.select(number).to_series().to_numpy()
        ranked = first_rows(keys, DISTINCT_SAMPLE_ROWS, pairs, live)
    slot, keep = ranked
    rows = cand.select(*pair, *DISTINCT_OF).filter(pl.Series(keep))
    slot = slot[keep]
    ports = rows["eff_dport"].cast(pl.UInt32).fill_null(NO_PORT).to_numpy().astype(np.uint64)
    numbers = {"src": halves(rows["src"]), "eff_dport": (np.zeros_like(ports), ports)}
    return {
        column: rows.filter(pl.Series(first_values(slot, hi, lo, cap, pairs))).select(
            *pair, value=pl.col(column)
        )
        for column, (hi, lo) in numbers.items()
    }
