"""Attack vectors, table-driven: each packet gets a candidate vector from its headers,
then a candidate is confirmed per target by what a real attack of that kind looks like
(unsolicited answers from many reflectors, handshakes that never complete, floods of
orphan segments, rates far above the target's own baseline).

Adding a vector is adding a row to ``VECTORS`` (and a test).
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from workbench.analysis.lazy import packed, unpacked
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST


@dataclass(frozen=True)
class VectorRule:
    """One row of the vector table."""

    name: str
    proto: tuple[int, ...]
    sport: tuple[int, ...] = ()  # reflector (source) ports; () = any
    dport: tuple[int, ...] = ()  # service (destination) ports; () = any
    min_payload: int = 0  # L4 payload bytes of the datagram (answer size), at least
    flags_mask: int = 0  # TCP flags: (tcp_flags & mask) == value
    flags_value: int = 0
    icmp_types: tuple[int, ...] = ()
    confirm: str = "count"  # how a target's candidates are confirmed (see CONFIRMATIONS)
    evidence: str = ""


AMP = "unsolicited"
VECTORS: list[VectorRule] = [
    VectorRule("dns_amplification", (17,), sport=(53,), confirm=AMP,
               evidence="large DNS answers (UDP source port 53) no one at the target asked for, from many resolvers"),
    VectorRule("ntp_amplification", (17,), sport=(123,), confirm=AMP,
               evidence="NTP answers (source port 123; monlist-sized) not requested by the target"),
    VectorRule("ssdp_amplification", (17,), sport=(1900,), confirm=AMP,
               evidence="SSDP/UPnP answers (source port 1900) from many devices, unsolicited"),
    VectorRule("memcached_amplification", (17,), sport=(11211,), confirm=AMP,
               evidence="memcached UDP answers (source port 11211), unsolicited"),
    VectorRule("chargen_amplification", (17,), sport=(19,), confirm=AMP,
               evidence="chargen answers (source port 19), unsolicited"),
    VectorRule("cldap_amplification", (17,), sport=(389,), confirm=AMP,
               evidence="CLDAP answers (UDP source port 389), unsolicited"),
    VectorRule("snmp_amplification", (17,), sport=(161,), confirm=AMP,
               evidence="SNMP answers (source port 161) to requests the target never sent"),
    VectorRule("ws_discovery_amplification", (17,), sport=(3702,), confirm=AMP,
               evidence="WS-Discovery answers (source port 3702), unsolicited"),
    VectorRule("other_udp_reflection", (17,), sport=(500, 4500, 5353, 27015, 3283, 10001, 10074, 1434, 520, 111, 137, 5683, 6881, 7001, 17185, 3478),
               min_payload=100, confirm=AMP,
               evidence="answers from a known UDP reflector port (IKE, mDNS, game, DVR, ...), unsolicited"),
    VectorRule("synack_reflection", (6,), flags_mask=0x16, flags_value=0x12, confirm="unsolicited_synack",
               evidence="SYN-ACKs from many servers to a target that never sent them a SYN"),
    VectorRule("syn_flood", (6,), flags_mask=0x17, flags_value=0x02, confirm="incomplete_handshakes",
               evidence="SYNs from many sources whose handshakes never complete"),
    VectorRule("rst_flood", (6,), flags_mask=0x04, flags_value=0x04, confirm="orphan_segments",
               evidence="RST segments on connections that do not exist"),
    VectorRule("ack_flood", (6,), flags_mask=0x3F, flags_value=0x10, confirm="orphan_segments",
               evidence="bare ACKs on connections that never opened"),
    VectorRule("tcp_other_flood", (6,), confirm="orphan_segments",
               evidence="TCP segments with odd flag combinations on connections that do not exist"),
    VectorRule("http_flood", (6,), dport=(80, 443, 8080, 8000, 8443), confirm="session_rate",
               evidence="HTTP requests (client segments with payload to a web port) far above the target's own baseline rate"),
    VectorRule("dns_water_torture", (17,), dport=(53,), confirm="query_rate",
               evidence="DNS queries to one server far above its baseline rate, from many sources"),
    VectorRule("icmp_flood", (1, 58), icmp_types=(8, 128, 0, 129, 13, 17), confirm="rate",
               evidence="ICMP echo/timestamp traffic at flood rates"),
    VectorRule("gre_flood", (47,), confirm="rate", evidence="GRE packets at flood rates toward a host that runs no tunnel"),
    VectorRule("ip_fragment_flood", (), confirm="fragments",
               evidence="IP fragments that belong to no datagram seen starting (no first fragment)"),
    VectorRule("udp_flood", (17,), confirm="random_ports", evidence="UDP packets from client ports to many random destination ports"),
]  # fmt: skip
RULES = {r.name: r for r in VECTORS}
AMPLIFICATION = tuple(r.name for r in VECTORS if r.confirm == AMP)
SPOOFED_REQUEST_SIDE = (*AMPLIFICATION, "synack_reflection")

# confirmation thresholds (recorded in the report's parameters)
THRESHOLDS = {
    "min_packets": 20,  # per target and vector, in the whole capture
    "min_sources_reflection": 5,  # distinct reflectors per target
    "unsolicited_share": 0.8,  # of answers without a matching request from the target
    "handshake_completion_max": 0.2,  # SYN floods: completed handshakes / SYNs
    "min_sources_flood": 20,  # distinct sources for SYN/orphan floods
    "rate_factor": 8.0,  # rate-confirmed vectors: seconds above factor x baseline median
    "min_rate_pps": 20.0,  # ... and above this many packets per second
    "min_rate_http_rps": 5.0,  # HTTP floods: requests per second
    "orphan_tuple_max_packets": 3,  # spoofed floods: each 4-tuple carries very few segments
    "http_rps_per_source": 20,
    "rate_min_sources": 3,  # rate-confirmed vectors: distinct sources in a hot second
    "rate_min_seconds": 3,  # ... and at least this many hot seconds
    "rate_gap_fill_s": 3,  # quieter seconds between hot ones, up to this many, count as hot  # one client sending this many requests per second floods alone
    "random_ports_min": 30,  # UDP flood: distinct destination ports per target
}


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


def _candidate_expr() -> pl.Expr:
    """First matching row of the vector table, per packet (null when none)."""
    out = pl.lit(None, dtype=pl.String)
    for rule in reversed(VECTORS):
        cond = pl.col("ip_ver") > 0
        if rule.name == "ip_fragment_flood":
            cond = cond & pl.col("orphan_fragment")
        else:
            cond = cond & ~pl.col("orphan_fragment")
            if rule.proto:
                cond = cond & pl.col("proto").is_in(list(rule.proto))
            if rule.sport:
                cond = cond & pl.col("eff_sport").is_in(list(rule.sport))
            if rule.dport:
                cond = cond & pl.col("eff_dport").is_in(list(rule.dport))
            if rule.min_payload:
                cond = cond & (pl.col("eff_payload") >= rule.min_payload)
            if rule.flags_mask:
                cond = cond & ((pl.col("tcp_flags") & rule.flags_mask) == rule.flags_value)
            if rule.icmp_types:
                cond = cond & pl.col("icmp_type").is_in(list(rule.icmp_types))
            if rule.name == "tcp_other_flood":  # flags no normal segment carries
                flags = pl.col("tcp_flags") & 0x3F
                # flags 0 is evidence only when the snaplen kept the TCP header (else they are unknown)
                header_kept = (pl.col("cap_len") >= pl.col("wire_len")) | (
                    pl.col("cap_len") >= pl.when(pl.col("ip_ver") == 6).then(76).otherwise(56)
                )
                cond = cond & (
                    ((flags == 0) & header_kept)
                    | ((flags & 0x03) == 0x03)
                    | ((flags & 0x29) == 0x29)
                    | ((flags & 0x06) == 0x06)
                )
            if rule.name == "http_flood":  # the client side of web sessions
                cond = cond & (pl.col("tcp_flags") & 0x04 == 0)
            if rule.name == "udp_flood":  # answers from service ports are not a flood's
                cond = cond & (pl.col("eff_sport") >= 1024)
        out = pl.when(cond).then(pl.lit(rule.name)).otherwise(out)
    return out


ORPHAN_KINDS = ("ack_flood", "rst_flood", "tcp_other_flood")
TUPLE4 = ["src", "sport", "dst", "dport"]
# what the confirmation tests read of a candidate packet (fewer columns: less memory per window)
CAND_COLUMNS = ("_row", "ts", *TUPLE4, "payload_len", "eff_sport", "eff_dport", "candidate")


def _candidates(frame: pl.LazyFrame) -> pl.DataFrame:
    """Candidate rows only (``_row`` keeps their place): the rest of the capture is never attack."""
    return (
        _with_datagram_ports(frame)
        .with_columns(candidate=_candidate_expr())
        .filter(pl.col("candidate").is_not_null())
        .select(*CAND_COLUMNS, dst_net=pl.col("dst").ip.network(24, 48))
        .collect()
    )


def _flags(frame: pl.DataFrame, cand: pl.DataFrame) -> pl.DataFrame:
    """Per candidate packet, the context its test needs, looked up once for both target keys:
    ``_asked`` (the target sent the matching request / SYN), ``_done`` (the SYN's handshake
    completed), ``_open`` (the segment's connection was ever opened), ``_tuple_n`` (packets
    on its 4-tuple)."""
    amp_ports = sorted({p for r in VECTORS if r.confirm == AMP for p in r.sport})
    requests = (
        frame.filter((pl.col("proto") == 17) & pl.col("dport").is_in(amp_ports))
        .select(dst="src", src="dst", eff_sport="dport")
        .unique()
        .with_columns(_asked=pl.lit(True))
    )
    tcp = frame.filter(pl.col("proto") == 6)
    syns = tcp.filter(pl.col("tcp_flags") & 0x12 == 0x02)
    synack_asked = (
        syns.select(dst="src", src="dst", sport="dport")
        .unique()
        .with_columns(_asked_syn=pl.lit(True))
    )
    syn_tuples = cand.filter(pl.col("candidate") == "syn_flood").select(TUPLE4).unique()
    completed = (
        tcp.filter((pl.col("tcp_flags") & 0x10 > 0) & (pl.col("tcp_flags") & 0x02 == 0))
        .join(syn_tuples, on=TUPLE4, how="semi")
        .select(TUPLE4)
        .unique()
        .with_columns(_done=pl.lit(True))
    )
    orphan_tuples = cand.filter(pl.col("candidate").is_in(ORPHAN_KINDS)).select(TUPLE4).unique()
    opened = (
        pl.concat(
            [
                syns.select(TUPLE4),
                tcp.filter(pl.col("tcp_flags") & 0x12 == 0x12).select(
                    src="dst", sport="dport", dst="src", dport="sport"
                ),
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
        .join(requests.lazy(), on=["dst", "src", "eff_sport"], how="left")
        .join(synack_asked.lazy(), on=["dst", "src", "sport"], how="left")
        .join(completed.lazy(), on=TUPLE4, how="left")
        .join(opened.lazy(), on=TUPLE4, how="left")
        .join(tuple_n.lazy(), on=TUPLE4, how="left")
    )
    c = pl.col("candidate")
    return (
        out.with_columns(
            _asked=pl.when(c == "synack_reflection")
            .then(pl.col("_asked_syn"))
            .otherwise(pl.col("_asked"))
            .fill_null(False),
            _done=pl.col("_done").fill_null(False),
            _open=pl.col("_open").fill_null(False),
        )
        .filter(  # segments of busy connections are never orphan-flood packets
            ~c.is_in(ORPHAN_KINDS)
            | (pl.col("_tuple_n").fill_null(0) <= THRESHOLDS["orphan_tuple_max_packets"])
        )
        .drop("_asked_syn", "_tuple_n")
        .collect()
    )


KEYS = ("dst", "dst_net")
RATE_BASED = tuple(r.name for r in VECTORS if r.confirm in ("session_rate", "query_rate", "rate"))
DISTINCT_CAP = 64  # distinct sources / ports kept per (target, vector): enough for every threshold
COMPACT_EVERY = 8  # windows of evidence folded together (``Evidence.compact``)


def _distinct_cap() -> int:
    """Distinct values kept per (target, vector, kind): at least every threshold that counts them."""
    th = THRESHOLDS
    return max(
        DISTINCT_CAP, th["min_sources_reflection"], th["min_sources_flood"], th["random_ports_min"]
    )


@dataclass
class Verdicts:
    """Which (target, vector) pairs, and which of their seconds, are attack."""

    whole: dict[str, pl.DataFrame]  # key -> (key, candidate, _whole_<key>)
    hot: dict[str, pl.DataFrame]  # key -> (key, candidate, second, _hot_<key>)
    veto: pl.DataFrame | None  # (dst, candidate, _veto)
    solo: pl.DataFrame  # (dst, src, second, _solo)


@dataclass
class Evidence:
    """What the confirmation tests need, summed over one or more windows of a capture.

    Windows hold whole seconds, so per-second figures combine exactly; distinct sources and
    ports are kept up to ``DISTINCT_CAP`` per target and vector (the thresholds only ask
    "at least N"), so memory does not grow with a spoofed flood's millions of addresses.
    """

    # per target key: (key, candidate, packets, asked, done, open) ...
    stats: dict[str, list[pl.DataFrame]]
    # ... (key, candidate, value, kind): up to DISTINCT_CAP sources / ports per kind ...
    distinct: dict[str, list[pl.DataFrame]]
    # ... (key, candidate, second, n, srcs) of the rate-based candidates
    seconds: dict[str, list[pl.DataFrame]]
    solo: list[pl.DataFrame]  # (dst, src, second, _solo): one client's HTTP flood
    first_s: int | None = None
    last_s: int | None = None

    @classmethod
    def empty(cls) -> Evidence:
        return cls({k: [] for k in KEYS}, {k: [] for k in KEYS}, {k: [] for k in KEYS}, [])

    def add(self, frame: pl.DataFrame, cand: pl.DataFrame) -> None:
        """Take a window's share (``cand``: its ``candidates``)."""
        if frame.height == 0:
            return
        seconds = frame["ts"].cast(pl.Int64) // 1_000_000_000
        lo, hi = int(seconds.min()), int(seconds.max())
        self.first_s = lo if self.first_s is None else min(self.first_s, lo)
        self.last_s = hi if self.last_s is None else max(self.last_s, hi)
        # HTTP floods count requests (client segments carrying payload); others count packets
        counted = cand.filter(
            pl.col("candidate").is_in(list(RATE_BASED))
            & ((pl.col("candidate") != "http_flood") | (pl.col("payload_len") > 0))
        )
        for key in KEYS:
            pair = [key, "candidate"]
            self.stats[key].append(
                cand.group_by(pair).agg(
                    pl.len().alias("packets"),
                    pl.col("_asked").sum().alias("asked"),
                    pl.col("_done").sum().alias("done"),
                    pl.col("_open").sum().alias("open"),
                )
            )
            # flat rows (a filter copies): a list aggregate would keep every distinct value alive
            for column in ("src", "eff_dport"):
                self.distinct[key].append(
                    cand.select(
                        *pair, pl.col(column).cast(pl.UInt128).alias("value"), kind=pl.lit(column)
                    )
                    .unique()
                    .filter(pl.int_range(pl.len()).over(pair) < _distinct_cap())
                )
            self.seconds[key].append(
                counted.group_by(key, "candidate", "second").agg(
                    pl.len().alias("n"), pl.col("src").n_unique().alias("srcs")
                )
            )
        self.solo.append(_single_source_http(cand))

    def pack(self) -> Evidence:
        """Keep the gathered frames as Arrow IPC bytes until ``verdicts``: small frames kept
        alive across windows would pin the allocator's pages of each window's big computation
        (resident memory grew ~35 MB per window; packed, it stays flat)."""
        for table in (self.stats, self.distinct, self.seconds):
            for key in KEYS:
                table[key] = [packed(f) for f in table[key]]
        self.solo = [packed(f) for f in self.solo]
        return self

    def merge(self, other: Evidence) -> None:
        """Take another part's evidence (windows of the same capture, gathered apart)."""
        for mine, theirs in ((self.stats, other.stats), (self.distinct, other.distinct), (self.seconds, other.seconds)):  # fmt: skip
            for key in KEYS:
                mine[key].extend(theirs[key])
        self.solo.extend(other.solo)
        for name, pick in (("first_s", min), ("last_s", max)):
            values = [v for v in (getattr(self, name), getattr(other, name)) if v is not None]
            setattr(self, name, pick(values) if values else None)
        if len(self.stats[KEYS[0]]) >= COMPACT_EVERY:
            self.compact()

    def compact(self) -> Evidence:
        """Fold the windows gathered so far into one frame per table: packet counts summed,
        distinct values kept up to ``DISTINCT_CAP`` per (target, vector, kind), which is all the
        thresholds ask. Memory then stays bounded by the targets, not by the windows (the
        per-second rates are kept: a median needs them all)."""
        for key in KEYS:
            pair = [key, "candidate"]
            stats = _concat([unpacked(f) for f in self.stats[key]])
            if not stats.is_empty():
                stats = stats.group_by(pair).agg(pl.col("packets", "asked", "done", "open").sum())
            self.stats[key] = [packed(stats)]
            distinct = _concat([unpacked(f) for f in self.distinct[key]])
            if not distinct.is_empty():
                distinct = (
                    distinct.unique()
                    .sort(*pair, "kind", "value")
                    .filter(pl.int_range(pl.len()).over(*pair, "kind") < _distinct_cap())
                )
            self.distinct[key] = [packed(distinct)]
        return self

    def verdicts(self) -> Verdicts:
        """Judge every (target, vector) pair on everything gathered."""
        for table in (self.stats, self.distinct, self.seconds):
            for key in KEYS:
                table[key] = [unpacked(f) for f in table[key]]
        self.solo = [unpacked(f) for f in self.solo]
        span_s = (self.last_s - self.first_s + 1) if self.first_s is not None else 1
        out = Verdicts({}, {}, None, _concat(self.solo))
        for key in KEYS:
            stats = _confirmed(_merged_stats(self.stats[key], self.distinct[key], key), key)
            if key == "dst":
                out.veto = stats.filter(pl.col("contra")).select(
                    "dst", "candidate", pl.lit(True).alias("_veto")
                )
            out.whole[key] = stats.filter(pl.col("ok") & ~pl.col("rate_based")).select(
                key, "candidate", pl.lit(True).alias(f"_whole_{key}")
            )
            rate_pairs = stats.filter(pl.col("ok") & pl.col("rate_based"))
            per_second = _concat(self.seconds[key])
            if not per_second.is_empty():
                per_second = per_second.join(
                    rate_pairs.select(key, "candidate"), on=[key, "candidate"], how="semi"
                )
            out.hot[key] = _rate_seconds(per_second, key, span_s).with_columns(
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
    sums = whole.group_by(pair).agg(pl.col("packets", "asked", "done", "open").sum())
    values = (
        _concat(distinct)
        .group_by(pair)
        .agg(
            pl.col("value").filter(pl.col("kind") == "src").n_unique().alias("sources"),
            pl.col("value").filter(pl.col("kind") == "eff_dport").n_unique().alias("dst_ports"),
        )
    )
    return sums.join(values, on=pair, how="left")


def _confirmed(merged: pl.DataFrame, key: str = "dst") -> pl.DataFrame:
    """(target ``key``, candidate) pairs that pass their test (rate-based ones: see ``_rate_seconds``).

    ``key`` is ``dst`` (one host) or ``dst_net`` (its /24 or /48: carpet bombing spreads a
    flood so thin that no single host passes, while the prefix does).
    """
    th = THRESHOLDS
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
    )
    reflected = c.is_in(list(AMPLIFICATION)) | (c == "synack_reflection")
    stats = stats.with_columns(
        unsolicited=pl.when(reflected).then(pl.col("unsolicited")),
        completion=pl.when(c == "syn_flood").then(pl.col("completion")),
        orphan_share=pl.when(c.is_in(ORPHAN_KINDS)).then(pl.col("orphan_share")),
    )
    ok = (
        pl.when(reflected)
        .then(
            (pl.col("sources") >= th["min_sources_reflection"])
            & (pl.col("unsolicited") >= th["unsolicited_share"])
        )
        .when(c == "syn_flood")
        .then(
            (pl.col("sources") >= th["min_sources_flood"])
            & (pl.col("completion") <= th["handshake_completion_max"])
        )
        .when(c.is_in(ORPHAN_KINDS))
        .then((pl.col("sources") >= th["min_sources_flood"]) & (pl.col("orphan_share") >= 0.8))
        .when(c == "udp_flood")
        .then(pl.col("dst_ports") >= th["random_ports_min"])
        .when(c == "ip_fragment_flood")
        .then(pl.lit(True))
        .otherwise(pl.lit(None, dtype=pl.Boolean))  # rate-confirmed: decided per second below
    )
    enough = pl.col("packets") >= th["min_packets"]
    # a ratio that speaks against the vector at this key (vetoes a prefix-level verdict)
    contra = (
        (pl.col("completion") > th["handshake_completion_max"]).fill_null(False)
        | (pl.col("unsolicited") < th["unsolicited_share"]).fill_null(False)
        | (pl.col("orphan_share") < 0.8).fill_null(False)
    ) & (pl.col("packets") >= 5)
    return stats.with_columns(
        ok=(ok.fill_null(True)) & enough, rate_based=ok.is_null(), contra=contra
    )


def _rate_seconds(per_second: pl.DataFrame, key: str, span_s: int) -> pl.DataFrame:
    """Seconds where a rate-confirmed candidate runs far above the target's own baseline.

    ``per_second``: (key, candidate, second, n, srcs) of the pairs to judge. The baseline is
    the median per-second count over the whole capture, quiet seconds included. A capture
    that is attack from end to end has no baseline; there a single source sending HTTP
    requests far faster than any client does is the flood.
    """
    th = THRESHOLDS
    if per_second.is_empty():
        return pl.DataFrame(
            schema={key: pl.UInt128, "candidate": pl.String, "second": pl.Datetime("ns", "UTC")}
        )
    active = pl.len().cast(pl.Int64)  # u32 would wrap below zero
    middle = pl.lit(span_s // 2, dtype=pl.Int64) - (pl.lit(span_s, dtype=pl.Int64) - active)
    baseline = per_second.group_by(key, "candidate").agg(
        pl.when(middle < 0)
        .then(0)
        .otherwise(pl.col("n").sort().get(middle.clip(0, None)))
        .alias("median")
    )
    floor = (
        pl.when(pl.col("candidate") == "http_flood")
        .then(th["min_rate_http_rps"])
        .otherwise(th["min_rate_pps"])
    )
    # a crowd, not one busy client: single-source floods are judged by _single_source_http
    crowd = pl.col("srcs") >= th["rate_min_sources"]
    hot = per_second.join(baseline, on=[key, "candidate"]).filter(
        (pl.col("n") >= floor) & (pl.col("n") >= th["rate_factor"] * pl.col("median")) & crowd
    )
    # one busy second is a burst, not a flood
    hot = hot.filter(pl.len().over(key, "candidate") >= th["rate_min_seconds"])
    # a flood dips below the floor now and then: short gaps between hot seconds stay hot
    gap = th["rate_gap_fill_s"]
    sec = pl.col("second").cast(pl.Int64) // 1_000_000_000
    filled = (
        hot.sort(key, "candidate", "second")
        .with_columns(s=sec, nxt=sec.shift(-1).over(key, "candidate"))
        .with_columns(
            upto=pl.when((pl.col("nxt") - pl.col("s")) <= gap + 1)
            .then(pl.col("nxt"))
            .otherwise(pl.col("s") + 1)
        )
        .with_columns(
            s=pl.int_ranges(pl.col("s"), pl.max_horizontal(pl.col("upto"), pl.col("s") + 1))
        )
        .explode("s")
        .select(
            key, "candidate", second=(pl.col("s") * 1_000_000_000).cast(pl.Datetime("ns", "UTC"))
        )
        .unique()
    )
    return filled


def _single_source_http(cand: pl.DataFrame) -> pl.DataFrame:
    """(dst, src, second) where one client alone sends HTTP requests at flood rate."""
    requests = cand.filter((pl.col("candidate") == "http_flood") & (pl.col("payload_len") > 0))
    return (
        requests.group_by("dst", "src", "second")
        .agg(pl.len().alias("n"), pl.col("sport").n_unique().alias("sessions"))
        # many requests over several connections: a bulk transfer on one connection is not a flood
        .filter((pl.col("n") >= THRESHOLDS["http_rps_per_source"]) & (pl.col("sessions") >= 3))
        .select("dst", "src", "second", pl.lit(True).alias("_solo"))
    )


def candidates(frame: pl.DataFrame) -> pl.DataFrame:
    """The candidate packets of a frame (``_row``: their place) with the context their tests need."""
    indexed = frame.with_row_index("_row")
    cand = _candidates(indexed.lazy())
    return _flags(indexed, cand).with_columns(second=pl.col("ts").dt.truncate("1s"))


def classify(frame: pl.DataFrame, verdicts: Verdicts | None = None) -> pl.DataFrame:
    """Add a ``vector`` column: the attack vector of each packet (null: not attack traffic).

    ``verdicts``: judged over a whole capture (``Evidence.verdicts``) when ``frame`` is one
    window of it; judged on ``frame`` alone when not given.

    frame = wb.analysis.classify(cap.packets)
    frame.group_by("vector").len()
    """
    if frame.height == 0:
        return frame.with_columns(vector=pl.lit(None, dtype=pl.String))
    cand = candidates(frame)
    if verdicts is None:
        evidence = Evidence.empty()
        evidence.add(frame, cand)
        verdicts = evidence.verdicts()
    return _label(frame, cand, verdicts)


def _label(frame: pl.DataFrame, cand: pl.DataFrame, verdicts: Verdicts) -> pl.DataFrame:
    """The ``vector`` of each packet of ``frame`` from its candidates and the verdicts."""
    marked = cand.lazy()
    if verdicts.veto is not None:
        marked = marked.join(verdicts.veto.lazy(), on=["dst", "candidate"], how="left")
    for key in KEYS:
        marked = marked.join(verdicts.whole[key].lazy(), on=[key, "candidate"], how="left").join(
            verdicts.hot[key].lazy(), on=[key, "candidate", "second"], how="left"
        )
    if verdicts.solo.width:
        marked = marked.join(verdicts.solo.lazy(), on=["dst", "src", "second"], how="left")
    names = marked.collect_schema().names()
    flag = lambda name: pl.col(name).fill_null(False) if name in names else pl.lit(False)  # noqa: E731
    host = (
        flag("_whole_dst")
        | flag("_hot_dst")
        | (flag("_solo") & (pl.col("candidate") == "http_flood"))
    )
    net = (flag("_whole_dst_net") | flag("_hot_dst_net")) & ~flag("_veto")
    hits = marked.filter(host | net).select("_row", pl.col("candidate").alias("vector")).collect()
    vector = (
        pl.repeat(None, frame.height, dtype=pl.String, eager=True)
        .alias("vector")
        .scatter(hits["_row"].to_numpy(), hits["vector"])
    )
    out = frame.with_columns(vector)
    # an http flood is whole sessions: every segment of them, the server's answers too
    flood = out.filter(pl.col("vector") == "http_flood").select(TUPLE4).unique()
    if flood.height:
        swapped = flood.select(src="dst", sport="dport", dst="src", dport="sport")
        sessions = pl.concat([flood, swapped]).unique().with_columns(_session=pl.lit("http_flood"))
        out = (
            out.join(sessions, on=TUPLE4, how="left", maintain_order="left")
            .with_columns(
                vector=pl.coalesce("vector", pl.when(pl.col("proto") == 6).then(pl.col("_session")))
            )
            .drop("_session")
        )
    out = _ephemeral_reflector_answers(out)
    return out.select(*frame.columns, "vector")


def _ephemeral_reflector_answers(out: pl.DataFrame) -> pl.DataFrame:
    """Some reflectors (SSDP devices above all) answer from an ephemeral port: unclassified UDP
    into the very target port a confirmed amplification converges on joins that vector."""
    amp = out.filter(pl.col("vector").is_in(list(AMPLIFICATION)))
    if amp.height == 0:
        return out
    ports = (
        amp.group_by("dst", "vector", "dport")
        .agg(pl.len().alias("n"))
        .with_columns(share=pl.col("n") / pl.col("n").sum().over("dst", "vector"))
    )
    focused = ports.filter(pl.col("share") >= 0.5).select(
        "dst", "dport", pl.col("vector").alias("_sibling")
    )
    joined = out.join(focused, on=["dst", "dport"], how="left", maintain_order="left")
    sibling = pl.col("vector").is_null() & (pl.col("proto") == 17) & (pl.col("sport") >= 1024)
    return joined.with_columns(
        vector=pl.when(sibling).then(pl.col("_sibling")).otherwise(pl.col("vector"))
    ).drop("_sibling")
