"""Attack vectors, table-driven (``vector_table.VECTORS``): each packet gets a candidate vector
from its headers, then a candidate is confirmed per target by what a real attack of that kind
looks like (unsolicited answers from many reflectors, handshakes that never complete, segments
on connections that never opened, UDP the target never answers, rates far above the target's
own baseline or above any benign rate, connections held open with a trickle of bytes).

Every threshold comes from one ``AnalysisConfig`` (``config.py``). A flood from one source is
an attack like any other: the crowd of sources is evidence for "distributed", not a condition.
Rates are judged in bins whose width fits the capture (1 ms for a snippet, 1 s for hours).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.lazy import packed, unpacked
from workbench.analysis.vector_table import (
    AMPLIFICATION,
    ORPHAN_KINDS,
    REFLECTION,
    REFLECTION_SERVICES,
    RULES,
    VECTORS,
    WEB_PORTS,
    VectorRule,
)
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST


def _confirmed_by(confirm: str) -> list[str]:
    """The vectors the table confirms with ``confirm`` (tests are keyed by confirmation, not name)."""
    return [r.name for r in VECTORS if r.confirm == confirm]


HANDSHAKES = _confirmed_by("incomplete_handshakes")
UNANSWERED_UDP = _confirmed_by("unanswered_udp")
FRAGMENTS = _confirmed_by("fragments")
HTTP_RATE = _confirmed_by("http_rate")
SYNACKS = _confirmed_by("unsolicited_synack")
UNLISTED = [r.name for r in VECTORS if r.match == "shared_source_port"]
ICMP = [r.name for r in VECTORS if r.proto and set(r.proto) <= {1, 58}]
TCP = [r.name for r in VECTORS if r.proto == (6,)]

__all__ = ["RULES", "VECTORS", "Evidence", "VectorRule", "Verdicts", "candidates", "classify"]


def _with_datagram_ports(frame: pl.LazyFrame) -> pl.LazyFrame:
    """Non-first fragments take the source port and size of their datagram's first fragment.

    Fragments of one datagram share (src, dst, ip_id, proto); a fragmented DNS answer is
    then counted as DNS amplification, not as a fragment flood. When the first fragment was
    lost (a full link drops it), a fragment from a reflector that sends first fragments from
    one service port to the same target still belongs to that reflection.
    """
    key = ["src", "dst", "ip_id", "proto"]
    firsts = frame.filter((pl.col("frag") & FRAG_MORE > 0) & (pl.col("frag") & FRAG_NONFIRST == 0))
    first = firsts.group_by(key).agg(
        pl.col("sport").first().alias("_dg_sport"),
        pl.col("dport").first().alias("_dg_dport"),
        pl.col("payload_len").first().alias("_dg_payload"),
    )
    pair = firsts.group_by("src", "dst", "proto").agg(
        pl.col("sport").mode().min().alias("_pair_sport"),
        pl.col("payload_len").max().alias("_pair_payload"),
    )
    nonfirst = pl.col("frag") & FRAG_NONFIRST > 0
    out = frame.join(first, on=key, how="left", maintain_order="left").join(
        pair, on=["src", "dst", "proto"], how="left", maintain_order="left"
    )
    sport = pl.coalesce("_dg_sport", "_pair_sport")
    return out.with_columns(
        eff_sport=pl.when(nonfirst).then(sport).otherwise(pl.col("sport")),
        eff_dport=pl.when(nonfirst).then(pl.col("_dg_dport")).otherwise(pl.col("dport")),
        eff_payload=pl.when(nonfirst)
        .then(pl.coalesce("_dg_payload", "_pair_payload"))
        .otherwise(pl.col("payload_len")),
        orphan_fragment=nonfirst & sport.is_null(),
    ).drop("_dg_sport", "_dg_dport", "_dg_payload", "_pair_sport", "_pair_payload")


def _ext_header_bytes() -> pl.Expr:
    """IPv6 extension header bytes between the fixed header and the upper layer (from the
    payload length and the upper layer's header size; TCP's is taken at its largest, 60)."""
    proto = pl.col("proto")
    l4 = (
        pl.when(proto.is_in([1, 17, 58])).then(8).when(proto == 47).then(4)
        .when(proto == 6).then(60).when(proto == 59).then(0)
    )  # fmt: skip
    plain_v6 = (pl.col("ip_ver") == 6) & (pl.col("frag") & 3 == 0)
    extra = pl.col("ip_len").cast(pl.Int32) - pl.col("payload_len").cast(pl.Int32) - l4
    return pl.when(plain_v6).then(extra).otherwise(0).fill_null(0)


def _known_flags() -> pl.Expr:
    """TCP flags that were captured: any combination, but no flags at all only when the
    snaplen kept the flags byte (a cut header reads as flags 0, which would be a null flood)."""
    flags = pl.col("tcp_flags") & 0x3F
    # measured at the IP layer, whatever the link header (Ethernet, VLAN, cooked, raw IP)
    v6 = pl.col("ip_ver") == 6
    ip_total = pl.col("ip_len").cast(pl.Int64) + pl.when(v6).then(40).otherwise(0)
    link_bytes = pl.col("wire_len").cast(pl.Int64) - ip_total
    captured_ip = pl.col("cap_len").cast(pl.Int64) - link_bytes
    header_kept = (pl.col("cap_len") >= pl.col("wire_len")) | (
        captured_ip >= pl.when(v6).then(40 + 14).otherwise(20 + 14)
    )
    return (flags != 0) | header_kept


# the named packet predicates rows of the table may ask for (beyond proto/ports/flags)
MATCHES = {
    "fragment": lambda: pl.col("frag") & (FRAG_MORE | FRAG_NONFIRST) > 0,
    "shared_source_port": lambda: pl.col("_shared_port"),
    "known_flags": _known_flags,
    "client_payload": lambda: (pl.col("payload_len") > 0) & (pl.col("tcp_flags") & 0x04 == 0),
    "ipv6_extension_headers": lambda: (_ext_header_bytes() >= 8) & ~pl.col("proto").is_in([1, 58]),
    "connection": lambda: pl.lit(False),  # judged per connection (slow_http.py)
}


def _rule_condition(rule: VectorRule) -> pl.Expr:
    cond = pl.lit(True)
    if rule.proto:
        cond = cond & pl.col("proto").is_in(list(rule.proto))
    if rule.sport:
        cond = cond & pl.col("eff_sport").is_in(list(rule.sport))
    if rule.dport:
        cond = cond & pl.col("eff_dport").is_in(list(rule.dport))
    if rule.flags_mask:
        cond = cond & ((pl.col("tcp_flags") & rule.flags_mask) == rule.flags_value)
    if rule.match:
        cond = cond & MATCHES[rule.match]()
    return cond


def _candidate_expr() -> pl.Expr:
    """First matching row of the vector table, per packet (null when none). The reflection
    services are one lookup of the datagram's source port, not a test per service."""
    service_port = {p: f"{s}_amplification" for p, s in REFLECTION_SERVICES.items()}
    named = [r for r in VECTORS if r.confirm == "unsolicited" and r.sport]
    assert all(r.name in service_port.values() for r in named)
    amp = pl.col("eff_sport").replace_strict(service_port, default=None, return_dtype=pl.String)
    out = pl.lit(None, dtype=pl.String)
    for rule in reversed([r for r in VECTORS if r not in named]):
        out = pl.when(_rule_condition(rule)).then(pl.lit(rule.name)).otherwise(out)
    udp_answer = (pl.col("proto") == 17) & ~pl.col("orphan_fragment")
    return (
        pl.when(pl.col("ip_ver") == 0)
        .then(pl.lit(None, dtype=pl.String))
        .when(udp_answer & amp.is_not_null())
        .then(amp)
        .otherwise(out)
    )


def _shared_ports(frame: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """(dst, eff_sport) pairs where a crowd of UDP sources answers one target from one port
    below the dynamic range (49152): reflection of a service no table names."""
    udp = frame.filter(pl.col("proto") == 17)
    return (
        udp.group_by("dst", "eff_sport")
        .agg(pl.col("src").n_unique().alias("n"), pl.len().alias("packets"))
        # one port the target's UDP converges on, not one of a random-port flood's 64,000
        .with_columns(share=pl.col("packets") / pl.col("packets").sum().over("dst"))
        .filter(
            (pl.col("n") >= config.min_sources_unlisted_reflection)
            & (pl.col("share") >= config.reflection_min_udp_share)
            & (pl.col("eff_sport") < 49152)
        )
        .select("dst", "eff_sport", pl.lit(True).alias("_shared_port"))
    )


TUPLE4 = ["src", "sport", "dst", "dport"]
# what the confirmation tests read of a candidate packet (fewer columns: less memory per window)
CAND_COLUMNS = ("_row", "ts", *TUPLE4, "payload_len", "eff_sport", "eff_dport", "orphan_fragment", "candidate")  # fmt: skip


def _candidates(frame: pl.LazyFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Candidate rows only (``_row`` keeps their place): the rest of the capture is never attack."""
    with_ports = _with_datagram_ports(frame)
    return (
        with_ports.join(_shared_ports(with_ports, config), on=["dst", "eff_sport"], how="left")
        .with_columns(pl.col("_shared_port").fill_null(False))
        .with_columns(candidate=_candidate_expr())
        .filter(pl.col("candidate").is_not_null())
        .select(*CAND_COLUMNS, dst_net=pl.col("dst").ip.network(24, 48))
        .collect()
    )


def _is_group_address(column: str) -> pl.Expr:
    """Multicast or limited-broadcast destinations (IPv4 mapped, and IPv6)."""
    col = pl.col(column)
    return (
        col.ip.in_network("224.0.0.0/4")
        | col.ip.in_network("ff00::/8")
        | col.ip.in_network("255.255.255.255/32")
    )


def _flags(frame: pl.DataFrame, cand: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Per candidate packet, the context its test needs, looked up once for both target keys:
    ``_asked`` (the target sent the matching request / SYN), ``_done`` (the SYN's handshake
    completed), ``_open`` (the segment's connection was opened, or the target talks back on
    it), ``_answered`` (the target sends UDP back on the flow), ``_tuple_n`` (packets on its
    4-tuple)."""
    udp = frame.lazy().filter(pl.col("proto") == 17)
    tcp = frame.lazy().filter(pl.col("proto") == 6)
    kinds = cand.lazy()
    c = pl.col("candidate")
    # every lookup is limited to the candidates that need it (a semi join probes the capture
    # once; a unique over all of a flood's packets would hash millions of keys)
    refl = ["dst", "src", "eff_sport"]
    refl_keys = kinds.filter(c.is_in(list(AMPLIFICATION))).select(refl).unique()
    # what the target sent: a request to the reflector's port, or to a group address on that
    # port (an SSDP M-SEARCH to 239.255.255.250 asks every device on the LAN)
    requests = (
        udp.select(dst="src", src="dst", eff_sport="dport")
        .join(refl_keys, on=refl, how="semi")
        .unique()
        .with_columns(_asked=pl.lit(True))
    )
    group_requests = (
        udp.filter(_is_group_address("dst"))
        .select(dst="src", eff_sport="dport")
        .unique()
        .with_columns(_asked_group=pl.lit(True))
    )
    reverse = dict(src="dst", sport="dport", dst="src", dport="sport")
    flood_tuples = kinds.filter(c.is_in(UNANSWERED_UDP)).select(TUPLE4).unique()
    answered = (
        udp.select(**reverse)
        .join(flood_tuples, on=TUPLE4, how="semi")
        .unique()
        .with_columns(_answered=pl.lit(True))
    )
    syns = tcp.filter(pl.col("tcp_flags") & 0x12 == 0x02)
    synack_keys = kinds.filter(c.is_in(SYNACKS)).select("dst", "src", "sport").unique()
    synack_asked = (
        syns.select(dst="src", src="dst", sport="dport")
        .join(synack_keys, on=["dst", "src", "sport"], how="semi")
        .unique()
        .with_columns(_asked_syn=pl.lit(True))
    )
    syn_tuples = kinds.filter(c.is_in(HANDSHAKES)).select(TUPLE4).unique()
    completed = (
        tcp.filter((pl.col("tcp_flags") & 0x10 > 0) & (pl.col("tcp_flags") & 0x02 == 0))
        .join(syn_tuples, on=TUPLE4, how="semi")
        .select(TUPLE4)
        .unique()
        .with_columns(_done=pl.lit(True))
    )
    orphan_tuples = kinds.filter(c.is_in(ORPHAN_KINDS)).select(TUPLE4).unique()
    opened = (
        pl.concat(
            [
                syns.select(TUPLE4),
                # the target talks back on it, not with a RST (its SYN-ACK, or its data and ACKs
                # on a connection established before the capture began)
                tcp.filter(pl.col("tcp_flags") & 0x04 == 0).select(**reverse),
            ]
        )
        .join(orphan_tuples, on=TUPLE4, how="semi")
        .unique()
        .with_columns(_open=pl.lit(True))
    )
    tuple_n = (
        tcp.join(orphan_tuples, on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(pl.len().alias("_tuple_n"))
    )
    out = (
        cand.lazy()
        .join(requests, on=["dst", "src", "eff_sport"], how="left")
        .join(group_requests, on=["dst", "eff_sport"], how="left")
        .join(synack_asked, on=["dst", "src", "sport"], how="left")
        .join(completed, on=TUPLE4, how="left")
        .join(opened, on=TUPLE4, how="left")
        .join(tuple_n, on=TUPLE4, how="left")
        .join(answered, on=TUPLE4, how="left")
    )
    c = pl.col("candidate")
    return (
        out.with_columns(
            _asked=pl.when(c.is_in(SYNACKS))
            .then(pl.col("_asked_syn"))
            .otherwise(pl.col("_asked") | pl.col("_asked_group").fill_null(False))
            .fill_null(False),
            _done=pl.col("_done").fill_null(False),
            _open=pl.col("_open").fill_null(False),
            _answered=pl.col("_answered").fill_null(False),
        )
        .filter(  # segments of busy connections are never orphan-flood packets
            ~c.is_in(ORPHAN_KINDS)
            | (pl.col("_tuple_n").fill_null(0) <= config.orphan_tuple_max_packets)
        )
        .drop("_asked_syn", "_asked_group", "_tuple_n")
        .collect()
    )


KEYS = ("dst", "dst_net")
DISTINCT_CAP = 64  # distinct sources / ports kept per (target, vector): enough for every threshold
DISTINCT_SAMPLE_ROWS = 4096  # a host's first packets, where its first distinct values are sought
DISTINCT_OF = ("src", "eff_dport")
SUMS = ("packets", "asked", "done", "open", "answered", "orphans", "ports")  # summed over windows
COMPACT_EVERY = 8  # windows of evidence folded together (``Evidence.compact``)
SECOND = 1_000_000_000


def _distinct_cap(config: AnalysisConfig) -> int:
    """Distinct values kept per (target, vector, kind): at least every threshold that counts them."""
    return max(
        DISTINCT_CAP,
        config.min_sources_reflection,
        config.min_sources_flood,
        config.random_ports_min,
    )


@dataclass
class Verdicts:
    """Which (target, vector) pairs, and which of their bins, are attack."""

    whole: dict[str, pl.DataFrame]  # key -> (key, candidate, _whole_<key>)
    hot: dict[str, pl.DataFrame]  # key -> (key, candidate, bin, _hot_<key>)
    veto: pl.DataFrame | None  # (dst, candidate, _veto)
    solo: pl.DataFrame  # (dst, src, second, _solo): one client's HTTP flood
    slow: pl.DataFrame  # (src, dst, dport): connections of a slow HTTP attack
    bin_ns: int = SECOND


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
    # ... (key, candidate, bin, n, srcs) of every candidate
    bins: dict[str, list[pl.DataFrame]]
    http: list[pl.DataFrame]  # (dst, src, second, requests, sessions, syns): per client
    slow: list[pl.DataFrame]  # (src, sport, dst, dport, trickles, server_segments, first_ns)
    config: AnalysisConfig = field(default=DEFAULT)
    bin_ns: int = SECOND
    first_s: int | None = None
    last_s: int | None = None

    @classmethod
    def empty(cls, config: AnalysisConfig = DEFAULT, bin_ns: int = SECOND) -> Evidence:
        return cls({k: [] for k in KEYS}, {k: [] for k in KEYS}, {k: [] for k in KEYS}, [], [],
                   config, bin_ns)  # fmt: skip

    def add(self, frame: pl.DataFrame, cand: pl.DataFrame) -> None:
        """Take a window's share (``cand``: its ``candidates``)."""
        from workbench.analysis.slow_http import connection_figures

        if frame.height == 0:
            return
        seconds = frame["ts"].cast(pl.Int64) // SECOND
        lo, hi = int(seconds.min()), int(seconds.max())
        self.first_s = lo if self.first_s is None else min(self.first_s, lo)
        self.last_s = hi if self.last_s is None else max(self.last_s, hi)
        # HTTP floods count requests (client segments larger than a trickled header line)
        counted = cand.filter(
            ~pl.col("candidate").is_in(HTTP_RATE)
            | (pl.col("payload_len") > self.config.slow_segment_max_bytes)
        ).with_columns(bin=pl.col("ts").cast(pl.Int64) // self.bin_ns * self.bin_ns)
        cap = _distinct_cap(self.config)
        host = ["dst", "dst_net", "candidate"]
        sums = list(SUMS)
        # per host first; a prefix's sums are its hosts' sums (dst_net is a function of dst).
        # Distinct values: the thresholds ask "at least N" (N <= cap), so up to cap distinct
        # values are taken from a host's first packets; only a big host whose first packets
        # repeat a few values is counted in full
        head = pl.col("_row").len() > DISTINCT_SAMPLE_ROWS
        per_host = cand.group_by(host).agg(
            pl.len().alias("packets"),
            pl.col("_asked").sum().alias("asked"),
            pl.col("_done").sum().alias("done"),
            pl.col("_open").sum().alias("open"),
            pl.col("_answered").sum().alias("answered"),
            pl.col("orphan_fragment").sum().alias("orphans"),
            # distinct ports, exact per window (summed over windows and hosts: an upper bound)
            pl.col("eff_dport").n_unique().alias("ports"),
            *[pl.col(c).head(DISTINCT_SAMPLE_ROWS).unique().head(cap).alias(f"_{c}") for c in DISTINCT_OF],
            head.alias("_big"),
        )  # fmt: skip
        values = {}
        for column in DISTINCT_OF:
            sampled = per_host.select(*host, pl.col(f"_{column}").alias("value"), "_big")
            short = sampled.filter(pl.col("_big") & (pl.col("value").list.len() < cap))
            flat = sampled.select(*host, "value").explode("value").drop_nulls("value")
            if short.height:  # counted in full, these hosts only
                full = cand.join(short.select(host), on=host, how="semi").select(
                    *host, value=pl.col(column)
                )
                flat = pl.concat([flat, full.unique()], how="vertical_relaxed")
            values[column] = flat.with_columns(pl.col("value").cast(pl.UInt128))
        per_host = per_host.select(*host, *sums)
        for key in KEYS:
            pair = [key, "candidate"]
            self.stats[key].append(
                per_host.drop("dst_net") if key == "dst" else per_host.group_by(pair).agg(pl.col(sums).sum())
            )  # fmt: skip
            # flat rows (a filter copies): a list aggregate would keep every distinct value alive
            kinds = {column: values[column].select(*pair, "value") for column in values}
            if key == "dst_net":  # how many hosts of the prefix it hits
                kinds["dst"] = per_host.select(*pair, value=pl.col("dst"))
            for column, frame_ in kinds.items():
                self.distinct[key].append(
                    frame_.unique()
                    .with_columns(kind=pl.lit(column))
                    .filter(pl.int_range(pl.len()).over(pair) < cap)
                )
            self.bins[key].append(
                counted.group_by(key, "candidate", "bin").agg(
                    pl.len().alias("n"), pl.col("src").n_unique().alias("srcs")
                )
            )
        self.http.append(_http_clients(cand, self.config))
        self.slow.append(connection_figures(frame, self.config))

    def pack(self) -> Evidence:
        """Keep the gathered frames as Arrow IPC bytes until ``verdicts``: small frames kept
        alive across windows would pin the allocator's pages of each window's big computation
        (resident memory grew ~35 MB per window; packed, it stays flat)."""
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
            stats = _concat([unpacked(f) for f in self.stats[key]])
            if not stats.is_empty():
                stats = stats.group_by(pair).agg(pl.col(list(SUMS)).sum())
            self.stats[key] = [packed(stats)]
            distinct = _concat([unpacked(f) for f in self.distinct[key]])
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
        from workbench.analysis.slow_http import slow_connections

        for table in (self.stats, self.distinct, self.bins):
            for key in KEYS:
                table[key] = [unpacked(f) for f in table[key]]
        self.http = [unpacked(f) for f in self.http]
        self.slow = [unpacked(f) for f in self.slow]
        cfg = self.config
        span_bins = 1
        if self.first_s is not None:
            span_bins = ((self.last_s - self.first_s + 1) * SECOND) // self.bin_ns
        out = Verdicts({}, {}, None, _solo_http(_concat(self.http), cfg),
                       slow_connections(_concat(self.slow), cfg), self.bin_ns)  # fmt: skip
        for key in KEYS:
            stats = _confirmed(_merged_stats(self.stats[key], self.distinct[key], key), cfg, key)
            if key == "dst":
                out.veto = stats.filter(pl.col("contra")).select(
                    "dst", "candidate", pl.lit(True).alias("_veto")
                )
            out.whole[key] = stats.filter(pl.col("ok") & ~pl.col("rate_based")).select(
                key, "candidate", pl.lit(True).alias(f"_whole_{key}")
            )
            rate_pairs = stats.filter(pl.col("ok") & pl.col("rate_based"))
            per_bin = _concat(self.bins[key])
            if not per_bin.is_empty():
                per_bin = per_bin.join(
                    rate_pairs.select(key, "candidate"), on=[key, "candidate"], how="semi"
                )
            hot = _hot_bins(per_bin, key, span_bins, self.bin_ns, cfg)
            out.hot[key] = _persistent_http(hot, _concat(self.http), key, cfg).with_columns(
                pl.lit(True).alias(f"_hot_{key}")
            )
        return out


def _concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    frames = [f for f in frames if f.width]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def _merged_stats(
    stats: list[pl.DataFrame], distinct: list[pl.DataFrame], key: str
) -> pl.DataFrame:
    whole = _concat(stats)
    if whole.is_empty():
        return whole
    pair = [key, "candidate"]
    sums = whole.group_by(pair).agg(pl.col(list(SUMS)).sum())
    values = (
        _concat(distinct)
        .group_by(pair)
        .agg(
            pl.col("value").filter(pl.col("kind") == "src").n_unique().alias("sources"),
            pl.col("value").filter(pl.col("kind") == "eff_dport").n_unique().alias("dst_ports"),
            pl.col("value").filter(pl.col("kind") == "dst").n_unique().alias("hosts"),
        )
    )
    return sums.join(values, on=pair, how="left")


def _confirmed(merged: pl.DataFrame, cfg: AnalysisConfig, key: str = "dst") -> pl.DataFrame:
    """(target ``key``, candidate) pairs that pass their test: ``ok`` with ``rate_based`` false
    are attack as a whole; ``rate_based`` ones are attack in their hot bins (``_hot_bins``).

    ``key`` is ``dst`` (one host) or ``dst_net`` (its /24 or /48: carpet bombing spreads a
    flood so thin that no single host passes, while the prefix does).
    """
    c = pl.col("candidate")
    if merged.is_empty():
        return pl.DataFrame(
            schema={key: pl.UInt128, "candidate": pl.String, "ok": pl.Boolean,
                    "rate_based": pl.Boolean, "contra": pl.Boolean}
        )  # fmt: skip
    n = pl.col("packets")
    stats = merged.with_columns(
        unsolicited=1 - pl.col("asked") / n,
        completion=pl.col("done") / n,
        orphan_share=1 - pl.col("open") / n,
        answered_share=pl.col("answered") / n,
        orphan_fragments=pl.col("orphans") / n,
    )
    reflected = c.is_in(list(REFLECTION))
    unlisted = c.is_in(UNLISTED)
    # a flood from random source ports puts 1/64,000 of itself on every port, a service's
    # among them: a reflection is a real share of the UDP its target receives
    udp = c.is_in([r.name for r in VECTORS if r.proto == (17,)])
    stats = stats.with_columns(udp_share=n / pl.col("packets").filter(udp).sum().over(key).clip(1))
    stats = stats.with_columns(
        unsolicited=pl.when(reflected).then(pl.col("unsolicited")),
        completion=pl.when(c.is_in(HANDSHAKES)).then(pl.col("completion")),
        orphan_share=pl.when(c.is_in(ORPHAN_KINDS)).then(pl.col("orphan_share")),
        answered_share=pl.when(c.is_in(UNANSWERED_UDP)).then(pl.col("answered_share")),
    )
    crowd = pl.col("sources") >= cfg.min_sources_flood
    # a target of reflection is one unicast host; answers to a group address are LAN chatter
    unicast = ~_is_group_address(key) if key == "dst" else pl.lit(True)
    # the kind test: what this attack looks like whatever its rate
    kind = (
        pl.when(reflected)
        .then(
            (
                pl.col("sources")
                >= pl.when(unlisted)
                .then(cfg.min_sources_unlisted_reflection)
                .otherwise(cfg.min_sources_reflection)
            )
            & (pl.col("unsolicited") >= cfg.unsolicited_share)
            & (c.is_in(SYNACKS) | (pl.col("udp_share") >= cfg.reflection_min_udp_share))
            & unicast
        )
        .when(c.is_in(HANDSHAKES))
        .then(
            (pl.col("completion") <= cfg.handshake_completion_max)
            # a port scan touches many ports once each: not a flood
            & (crowd | (n / pl.col("ports").clip(1) > cfg.scan_syns_per_port_max))
        )
        .when(c.is_in(ORPHAN_KINDS))
        .then(pl.col("orphan_share") >= cfg.orphan_share_min)
        .when(c.is_in(UNANSWERED_UDP))
        .then(pl.col("answered_share") <= cfg.udp_answered_max)
        .otherwise(pl.lit(True))
    )
    # attack as a whole (no rate needed): reflection, crowds, random ports, orphan fragments
    whole = (
        pl.when(reflected)
        .then(pl.lit(True))
        .when(c.is_in([*HANDSHAKES, *ORPHAN_KINDS]))
        .then(crowd)
        .when(c.is_in(UNANSWERED_UDP))
        .then(pl.col("dst_ports") >= cfg.random_ports_min)
        # fragments of datagrams never seen starting: no host sends those
        .when(c.is_in(FRAGMENTS))
        .then(pl.col("orphan_fragments") >= cfg.orphan_fragment_share_min)
        .otherwise(pl.lit(False))
    )
    enough = n >= cfg.min_packets
    if key == "dst_net":  # a prefix is the target only when the attack spreads over its hosts
        enough = enough & (pl.col("hosts") >= cfg.carpet_min_hosts)
    # a ratio that speaks against the vector at this key (vetoes a prefix-level verdict)
    contra = (
        (pl.col("completion") > cfg.handshake_completion_max).fill_null(False)
        | (pl.col("unsolicited") < cfg.unsolicited_share).fill_null(False)
        | (pl.col("orphan_share") < cfg.orphan_share_min).fill_null(False)
        | (pl.col("answered_share") > cfg.udp_answered_max).fill_null(False)
    ) & (n >= 5)
    return stats.with_columns(
        ok=kind.fill_null(False) & enough,
        rate_based=~whole.fill_null(False),
        contra=contra,
    )


def flood_pps(candidate: pl.Expr, cfg: AnalysisConfig) -> pl.Expr:
    """The rate above which no benign host receives traffic of this kind, whatever its baseline."""
    return (
        pl.when(candidate.is_in(ICMP))
        .then(cfg.flood_pps_icmp)
        .when(candidate.is_in(HTTP_RATE))
        .then(float("inf"))  # HTTP: judged against the target's own rate and per client
        .otherwise(cfg.flood_pps_other)
    )


def _hot_bins(
    per_bin: pl.DataFrame, key: str, span_bins: int, bin_ns: int, cfg: AnalysisConfig
) -> pl.DataFrame:
    """Bins where a rate-judged candidate runs far above the target's own baseline (a crowd
    of at least three sources), or above any benign rate (from any number of sources).

    ``per_bin``: (key, candidate, bin, n, srcs) of the pairs to judge. The baseline is the
    median per-bin count over the whole capture, quiet bins included. HTTP floods are judged
    in seconds and must last ``http_flood_min_s``.
    """
    schema = {key: pl.UInt128, "candidate": pl.String, "bin": pl.Int64}
    if per_bin.is_empty():
        return pl.DataFrame(schema=schema)
    http = pl.col("candidate").is_in(HTTP_RATE)
    # HTTP in whole seconds: requests arrive a few per second even in a flood
    width = pl.when(http).then(SECOND).otherwise(bin_ns)
    rebinned = (
        per_bin.with_columns(width=width)
        .with_columns(bin=pl.col("bin") // pl.col("width") * pl.col("width"))
        .group_by(key, "candidate", "bin", "width")
        .agg(pl.col("n").sum(), pl.col("srcs").max())
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
    rate = pl.col("n") / seconds
    floor = pl.when(http).then(cfg.min_rate_http_rps).otherwise(cfg.min_rate_pps)
    relative = (pl.col("n") >= cfg.rate_factor * pl.col("median")) & (
        (pl.col("srcs") >= cfg.rate_min_sources) | (rate >= cfg.single_source_flood_pps)
    )
    absolute = rate >= flood_pps(pl.col("candidate"), cfg)
    hot = rebinned.join(baseline, on=[key, "candidate"]).filter(
        (rate >= floor) & (relative | absolute) & (pl.col("n") >= cfg.rate_min_bin_packets)
    )
    # one busy bin is a burst, not a flood; an HTTP flood lasts
    need = pl.when(http).then(int(cfg.http_flood_min_s)).otherwise(cfg.rate_min_bins)
    hot = hot.filter(pl.len().over(key, "candidate") >= need)
    if hot.is_empty():
        return pl.DataFrame(schema=schema)
    # a flood dips below the floor now and then: short gaps between hot bins stay hot
    gap = cfg.rate_gap_fill_bins
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
    # HTTP seconds are labelled as the bins they hold (labels are per bin)
    return (
        filled.with_columns(
            bin=pl.int_ranges(pl.col("bin"), pl.col("bin") + pl.col("width"), bin_ns)
        )
        .explode("bin")
        .select(key, "candidate", "bin")
        .unique()
    )


def _persistent_http(
    hot: pl.DataFrame, per_client: pl.DataFrame, key: str, cfg: AnalysisConfig
) -> pl.DataFrame:
    """Keep a crowd's HTTP flood only where its clients keep requesting through the hot
    seconds (bots); a flash crowd's visitors load a page and leave."""
    http = pl.col("candidate").is_in(HTTP_RATE)
    flood = hot.filter(http)
    if flood.is_empty() or key != "dst" or per_client.is_empty():
        return hot.filter(~http) if key != "dst" else hot
    seconds = flood.select("dst", second=pl.col("bin") // SECOND).unique()
    window = seconds.group_by("dst").agg(
        pl.col("second").min().alias("a"), pl.col("second").max().alias("z")
    )
    clients = (
        per_client.filter(pl.col("requests") > 0)
        .join(seconds, on=["dst", "second"], how="semi")
        .group_by("dst", "src")
        .agg(
            pl.col("requests").sum().alias("requests"),
            (pl.col("second").max() - pl.col("second").min() + 1).alias("span"),
        )
        .join(window, on="dst")
        .with_columns(share=pl.col("span") / (pl.col("z") - pl.col("a") + 1))
        .group_by("dst")
        .agg(pl.col("requests").median(), pl.col("share").median())
    )
    bots = clients.filter(
        (pl.col("requests") >= cfg.http_bot_min_requests)
        & (pl.col("share") >= cfg.http_bot_min_span_share)
    )
    return pl.concat([hot.filter(~http), flood.join(bots.select("dst"), on="dst", how="semi")])


def _http_clients(cand: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(dst, src, second): one client's HTTP requests, connections used and connections opened."""
    web = cand.filter(  # both candidates are TCP
        pl.col("candidate").is_in([*HTTP_RATE, *HANDSHAKES])
        & pl.col("eff_dport").is_in(list(WEB_PORTS))
    )
    requests = web.filter(
        pl.col("candidate").is_in(HTTP_RATE) & (pl.col("payload_len") > cfg.slow_segment_max_bytes)
    )
    # connections opened by the clients that request (a spoofed SYN flood's millions of
    # sources never do: counting their SYNs per second would only cost)
    syns = web.filter(pl.col("candidate").is_in(HANDSHAKES)).join(
        requests.select("dst", "src").unique(), on=["dst", "src"], how="semi"
    )
    sec = (pl.col("ts").cast(pl.Int64) // SECOND).alias("second")
    return pl.concat(
        [
            requests.group_by("dst", "src", sec).agg(
                pl.len().alias("requests"), pl.col("sport").n_unique().alias("sessions"),
                pl.lit(0, dtype=pl.UInt32).alias("syns"),
            ),
            syns.group_by("dst", "src", sec).agg(
                pl.lit(0, dtype=pl.UInt32).alias("requests"),
                pl.lit(0, dtype=pl.UInt32).alias("sessions"),
                pl.len().alias("syns"),
            ),
        ],
        how="vertical_relaxed",
    )  # fmt: skip


def _solo_http(per_client: pl.DataFrame, cfg: AnalysisConfig) -> pl.DataFrame:
    """(dst, src, second, _solo): the seconds where one client alone floods a web server with
    requests over several connections, or with new connections, for ``http_flood_min_s``."""
    schema = {"dst": pl.UInt128, "src": pl.UInt128, "second": pl.Int64, "_solo": pl.Boolean}
    if per_client.is_empty():
        return pl.DataFrame(schema=schema)
    seconds = per_client.group_by("dst", "src", "second").agg(
        pl.col("requests", "sessions", "syns").sum()
    )
    hot = seconds.filter(
        ((pl.col("requests") >= cfg.http_rps_per_source) & (pl.col("sessions") >= cfg.http_sessions_per_source))
        | (pl.col("syns") >= cfg.http_connections_per_source_rate)
    )  # fmt: skip
    hot = hot.filter(pl.len().over("dst", "src") >= cfg.http_flood_min_s)
    if hot.is_empty():
        return pl.DataFrame(schema=schema)
    # from the first hot second to the last, gaps of a few seconds included
    span = hot.group_by("dst", "src").agg(
        pl.col("second").min().alias("a"), pl.col("second").max().alias("z")
    )
    return (
        span.with_columns(second=pl.int_ranges("a", pl.col("z") + 1))
        .explode("second")
        .select("dst", "src", "second", pl.lit(True).alias("_solo"))
    )


def candidates(
    frame: pl.DataFrame, config: AnalysisConfig = DEFAULT, bin_ns: int = SECOND
) -> pl.DataFrame:
    """The candidate packets of a frame (``_row``: their place) with the context their tests need."""
    indexed = frame.with_row_index("_row")
    cand = _candidates(indexed.lazy(), config)
    ts = pl.col("ts").cast(pl.Int64)
    return _flags(indexed, cand, config).with_columns(bin=ts // bin_ns * bin_ns)


def span_ns(frame: pl.DataFrame | pl.LazyFrame) -> int:
    """First to last packet, in ns."""
    row = frame.lazy().select(pl.col("ts").cast(pl.Int64).min().alias("a"), pl.col("ts").cast(pl.Int64).max().alias("z")).collect()  # fmt: skip
    a, z = row["a"][0], row["z"][0]
    return 0 if a is None else int(z - a)


def classify(
    frame: pl.DataFrame, verdicts: Verdicts | None = None, config: AnalysisConfig = DEFAULT
) -> pl.DataFrame:
    """Add a ``vector`` column: the attack vector of each packet (null: not attack traffic).

    ``verdicts``: judged over a whole capture (``Evidence.verdicts``) when ``frame`` is one
    window of it; judged on ``frame`` alone when not given.

    frame = wb.analysis.classify(cap.packets)
    frame.group_by("vector").len()
    """
    if frame.height == 0:
        return frame.with_columns(vector=pl.lit(None, dtype=pl.String))
    if verdicts is None:
        bin_ns = config.rate_bin_ms(span_ns(frame)) * 1_000_000
        cand = candidates(frame, config, bin_ns)
        evidence = Evidence.empty(config, bin_ns)
        evidence.add(frame, cand)
        verdicts = evidence.verdicts()
    else:
        cand = candidates(frame, config, verdicts.bin_ns)
    return _label(frame, cand, verdicts, config)


def _label(
    frame: pl.DataFrame, cand: pl.DataFrame, verdicts: Verdicts, config: AnalysisConfig = DEFAULT
) -> pl.DataFrame:
    """The ``vector`` of each packet of ``frame`` from its candidates and the verdicts."""
    marked = cand.lazy()
    if verdicts.veto is not None:
        marked = marked.join(verdicts.veto.lazy(), on=["dst", "candidate"], how="left")
    for key in KEYS:
        marked = marked.join(verdicts.whole[key].lazy(), on=[key, "candidate"], how="left").join(
            verdicts.hot[key].lazy(), on=[key, "candidate", "bin"], how="left"
        )
    if verdicts.solo.height:
        marked = marked.with_columns(second=pl.col("ts").cast(pl.Int64) // SECOND).join(
            verdicts.solo.lazy(), on=["dst", "src", "second"], how="left"
        )
    names = marked.collect_schema().names()
    flag = lambda name: pl.col(name).fill_null(False) if name in names else pl.lit(False)  # noqa: E731
    host = (
        flag("_whole_dst")
        | flag("_hot_dst")
        | (flag("_solo") & pl.col("candidate").is_in(HTTP_RATE))
    )
    net = (flag("_whole_dst_net") | flag("_hot_dst_net")) & ~flag("_veto")
    c = pl.col("candidate")
    # a packet whose own context shows it legitimate is not the attack's, whatever its pair's
    # verdict: a SYN whose handshake completed, a segment of an open connection, an answer
    # the target asked for, UDP on a flow the target answers
    legitimate = (
        (c.is_in(HANDSHAKES) & pl.col("_done"))
        | (c.is_in(list(ORPHAN_KINDS)) & pl.col("_open"))
        | (c.is_in(list(REFLECTION)) & pl.col("_asked"))
        | (c.is_in(UNANSWERED_UDP) & pl.col("_answered"))
    )
    hits = (
        marked.filter((host | net) & ~legitimate)
        .select("_row", pl.col("candidate").alias("vector"))
        .collect()
    )
    vector = (
        pl.repeat(None, frame.height, dtype=pl.String, eager=True)
        .alias("vector")
        .scatter(hits["_row"].to_numpy(), hits["vector"])
    )
    out = frame.with_columns(vector)
    out = _slow_connections(out, verdicts.slow)
    # an http flood is whole sessions: every segment of them, the server's answers too
    flood = out.filter(pl.col("vector").is_in(HTTP_RATE)).select(*TUPLE4, "vector").unique(TUPLE4)
    if flood.height:
        swapped = flood.select(
            src="dst", sport="dport", dst="src", dport="sport", _session="vector"
        )
        sessions = pl.concat([flood.rename({"vector": "_session"}), swapped]).unique(TUPLE4)
        out = (
            out.join(sessions, on=TUPLE4, how="left", maintain_order="left")
            .with_columns(
                vector=pl.coalesce("vector", pl.when(pl.col("proto") == 6).then(pl.col("_session")))
            )
            .drop("_session")
        )
    out = _ephemeral_reflector_answers(out, config)
    return out.select(*frame.columns, "vector")


def _slow_connections(out: pl.DataFrame, slow: pl.DataFrame) -> pl.DataFrame:
    """Every TCP segment between a slow client and the service it holds open, both ways."""
    if slow.is_empty():
        return out
    keys = slow.select("src", "dst", "dport").unique()
    fwd = keys.with_columns(_slow=pl.lit(True))
    back = keys.select(src="dst", dst="src", sport="dport").with_columns(_slow_back=pl.lit(True))
    marked = out.join(fwd, on=["src", "dst", "dport"], how="left", maintain_order="left").join(
        back, on=["src", "dst", "sport"], how="left", maintain_order="left"
    )
    is_slow = (pl.col("proto") == 6) & (
        pl.col("_slow").fill_null(False) | pl.col("_slow_back").fill_null(False)
    )
    keep = pl.col("vector").is_null() | pl.col("vector").is_in(TCP)
    slow_name = next(r.name for r in VECTORS if r.confirm == "slow_connections")
    return marked.with_columns(
        vector=pl.when(is_slow & keep).then(pl.lit(slow_name)).otherwise(pl.col("vector"))
    ).drop("_slow", "_slow_back")


def _ephemeral_reflector_answers(out: pl.DataFrame, config: AnalysisConfig) -> pl.DataFrame:
    """Some reflectors (SSDP devices above all) answer from an ephemeral port. UDP from a high
    port (unclassified, or a UDP flood by its rate alone) joins a confirmed amplification on the
    same target, while it runs, when it converges on the very target port the amplification
    does, or carries the same answers (the payload sizes that make up most of it)."""
    amp = out.filter(pl.col("vector").is_in(list(AMPLIFICATION)))
    if amp.height == 0:
        return out
    ports = (
        amp.group_by("dst", "vector", "dport")
        .agg(pl.len().alias("n"))
        .with_columns(share=pl.col("n") / pl.col("n").sum().over("dst", "vector"))
    )
    by_port = ports.filter(pl.col("share") >= config.ephemeral_port_share).select(
        "dst", "dport", pl.col("vector").alias("_by_port")
    )
    sizes = (
        amp.group_by("dst", "vector", "payload_len")
        .agg(pl.len().alias("n"))
        .with_columns(share=pl.col("n") / pl.col("n").sum().over("dst", "vector"))
        .filter(pl.col("share") >= config.ephemeral_size_share)
    )
    spans = amp.group_by("dst", "vector").agg(
        pl.col("ts").min().alias("_a"), pl.col("ts").max().alias("_z")
    )
    by_size = (
        sizes.join(spans, on=["dst", "vector"])
        .select("dst", "payload_len", "_a", "_z", pl.col("vector").alias("_by_size"))
        # one amplification per (target, size): the one with most of those answers
        .unique(["dst", "payload_len"], keep="first", maintain_order=True)
    )
    loose = pl.col("vector").is_null() | pl.col("vector").is_in(UNANSWERED_UDP)
    # only the rows that could join (unclassified or flood UDP from a high port) are looked up
    rows = (
        out.lazy()
        .with_row_index("_i")
        .filter(loose & (pl.col("proto") == 17) & (pl.col("sport") >= 1024))
    )
    joined = rows.join(by_port.lazy(), on=["dst", "dport"], how="left").join(
        by_size.lazy(), on=["dst", "payload_len"], how="left"
    )
    in_span = pl.col("ts").is_between(pl.col("_a"), pl.col("_z"))
    sibling = pl.coalesce(pl.col("_by_port"), pl.when(in_span).then(pl.col("_by_size")))
    hits = (
        joined.select("_i", sibling.alias("_sibling"))
        .drop_nulls("_sibling")
        .unique("_i", keep="first")
        .collect()
    )
    if hits.height == 0:
        return out
    return out.with_columns(out["vector"].scatter(hits["_i"], hits["_sibling"]))
