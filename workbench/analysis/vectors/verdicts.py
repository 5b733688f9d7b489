"""Verdicts: which (target, vector) pairs pass the test the table names for them, judged on
the evidence of a whole capture. A pair is attack as a whole (reflection, a crowd, random
ports or port 0, orphan fragments, random protocols), or only in the bins where its rate is
hot (``rates.py``)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from workbench.analysis.config import AnalysisConfig
from workbench.analysis.vector_table import ORPHAN_KINDS, REFLECTION
from workbench.analysis.vectors.kinds import (
    CANDIDATE,
    DNS_QUERIES,
    FRAGMENTS,
    GRE,
    HANDSHAKES,
    OTHER_PROTOCOLS,
    SECOND,
    SIZED_ANSWERS,
    SYNACKS,
    TUNNELLED,
    UDP,
    UNANSWERED_UDP,
    UNLISTED,
    with_key,
)
from workbench.analysis.vectors.matching import is_group_address
from workbench.analysis.vectors.rates import flood_pps

# summed over windows
SUMS = ("packets", "asked", "done", "resets", "open", "answered", "orphans", "served", "collected", "talks", "large", "link_group", "neighbors", "ports", "port_zero", "payload", "queries")  # fmt: skip
# the largest over windows: distinct values exact in a window, whose sum would count each again
MAXES = ("protocols",)


def totals() -> list[pl.Expr]:
    """Windows' (or hosts') figures taken together: ``SUMS`` summed, ``MAXES`` their largest."""
    return [pl.col(list(SUMS)).sum(), pl.col(list(MAXES)).max()]


CONTRA_MIN_PACKETS = 5  # a ratio over fewer packets says nothing against a prefix's verdict


@dataclass
class Verdicts:
    """Which (target, vector) pairs, and which of their bins, are attack."""

    whole: dict[str, pl.DataFrame]  # key -> (key, candidate, _whole_<key>)
    hot: dict[str, pl.DataFrame]  # key -> (key, candidate, bin, _hot_<key>)
    veto: pl.DataFrame | None  # (dst, candidate, _veto)
    solo: pl.DataFrame  # (dst, src, second, _solo): one client's HTTP flood
    slow: pl.DataFrame  # (src, dst, dport): connections of a slow HTTP attack
    bin_ns: int = SECOND
    # the candidate (host, vector) pairs with the most packets that are no attack (``held_back``)
    held_back: pl.DataFrame | None = None


def concat(frames: list[pl.DataFrame]) -> pl.DataFrame:
    """The frames gathered window by window, as one (the empty ones left out)."""
    frames = [f for f in frames if f.width]
    return pl.concat(frames, how="vertical_relaxed") if frames else pl.DataFrame()


def merged_stats(stats: list[pl.DataFrame], distinct: list[pl.DataFrame], key: str) -> pl.DataFrame:
    """Per (target ``key``, candidate): the window sums, and the distinct sources, ports, hosts."""
    whole = concat(stats)
    if whole.is_empty():
        return whole
    pair = [key, "candidate"]
    sums = whole.group_by(pair).agg(totals())
    values = (
        concat(distinct)
        .group_by(pair)
        .agg(
            pl.col("value").filter(pl.col("kind") == "src").n_unique().alias("sources"),
            pl.col("value").filter(pl.col("kind") == "eff_dport").n_unique().alias("dst_ports"),
            pl.col("value").filter(pl.col("kind") == "dst").n_unique().alias("hosts"),
        )
    )
    return sums.join(values, on=pair, how="left")


def asked_all() -> pl.Expr:
    """A (host, candidate) row of per-host sums whose answers the host all asked for (its own
    lookups): no host a reflection hits, so no host of a prefix it spreads over."""
    return pl.col("candidate").is_in(list(REFLECTION)) & (pl.col("asked") >= pl.col("packets"))


def host_packets(per_host: pl.DataFrame) -> pl.DataFrame:
    """(dst_net, candidate, ``host_packets``): the packets of that kind each host of the prefix
    takes, the median host's, from ``per_host`` (``merged_stats`` of key ``dst``). The hosts
    counted are those ``hosts`` counts: not one whose answers it all asked for (its own
    lookups), which no reflection hits."""
    schema = {"dst_net": pl.UInt128, "candidate": CANDIDATE, "host_packets": pl.Float64}
    if per_host.is_empty():
        return pl.DataFrame(schema=schema)
    return (
        with_key(per_host.lazy().filter(~asked_all()), "dst_net")
        .group_by("dst_net", "candidate")
        .agg(pl.col("packets").median().alias("host_packets"))
        .collect()
        .cast(schema)
    )


def _ratios(merged: pl.DataFrame, key: str, cfg: AnalysisConfig) -> pl.DataFrame:
    """The shares each test reads, null for the vectors another test judges."""
    c = pl.col("candidate")
    n = pl.col("packets")
    stats = merged.with_columns(
        unsolicited=1 - pl.col("asked") / n,
        completion=pl.col("done") / n,
        # SYNs their senders reset unanswered (half-open monitors): they hold no connection
        reset_half_open=pl.col("resets") / n >= cfg.handshake_reset_share_max,
        orphan_share=1 - pl.col("open") / n,
        answered_share=pl.col("answered") / n,
        orphan_fragments=pl.col("orphans") / n,
        port_zero_share=pl.col("port_zero") / n,
        # a server's streams to a target the capture never sees sending: one way, not a flood
        stream=(pl.col("talks") == 0)
        & (pl.col("served") / n >= cfg.one_way_share_min)
        & (pl.col("sources") < cfg.min_sources_flood)
        & (pl.col("dst_ports") < cfg.random_ports_min),
        # a tunnel's protocol (GRE, ESP, 6in4) from a few peers to a target the capture never
        # sees sending: the far end of its tunnels (a scrubbing service's GRE delivering the
        # clean traffic back), one way; a GRE flood comes from a botnet
        # (a tunnel carries one protocol or two: a flood of random ones is no tunnel's)
        tunnel_end=(pl.col("talks") == 0)
        & (pl.col("sources") < cfg.min_sources_flood)
        & (pl.col("protocols").fill_null(1) < cfg.random_protocols_min),
        # telemetry to a collector (syslog, NetFlow, ...): judged by its own rate
        collector=pl.col("collected") / n >= cfg.one_way_share_min,
        # most of what its rate counts (the UDP it never answers, and requests it answers, each
        # on a flow of its own; not its conversations) are requests: a server's queries
        query_load=pl.col("queries") / (n - pl.col("answered") + pl.col("queries")).clip(1)
        >= cfg.one_way_share_min,
        # DNS answers to a target the capture never sees sending, most of them small: a
        # resolver's inbound side (its queries out of sight), not amplification
        resolver=(pl.col("talks") == 0) & (pl.col("large") / n < cfg.one_way_amplified_share_min),
        # most of its frames go to a link-layer broadcast or multicast destination
        link_group=pl.col("link_group") / n >= cfg.link_group_share_min,
        # most of it is its link's neighbor discovery: a LAN's housekeeping
        neighbors=pl.col("neighbors") / n >= cfg.link_group_share_min,
    )
    # a flood from random source ports puts 1/64,000 of itself on every port, a service's
    # among them: a reflection is a real share of the UDP its target receives
    udp = c.is_in(UDP)
    stats = stats.with_columns(udp_share=n / pl.col("packets").filter(udp).sum().over(key).clip(1))
    return stats.with_columns(
        unsolicited=pl.when(c.is_in(list(REFLECTION))).then(pl.col("unsolicited")),
        completion=pl.when(c.is_in(HANDSHAKES)).then(pl.col("completion")),
        reset_half_open=c.is_in(HANDSHAKES) & pl.col("reset_half_open"),
        orphan_share=pl.when(c.is_in(ORPHAN_KINDS)).then(pl.col("orphan_share")),
        answered_share=pl.when(c.is_in(UNANSWERED_UDP)).then(pl.col("answered_share")),
        port_zero_share=pl.when(c.is_in(UNANSWERED_UDP)).then(pl.col("port_zero_share")),
        stream=pl.when(c.is_in(UNANSWERED_UDP))
        .then(pl.col("stream"))
        .when(c.is_in(TUNNELLED))
        .then(pl.col("tunnel_end")),
        collector=c.is_in(UNANSWERED_UDP) & pl.col("collector"),
        resolver=c.is_in(SIZED_ANSWERS) & pl.col("resolver"),
    )


@dataclass(frozen=True)
class Check:
    """One condition of a vector's test: ``name``, the setting (or the test) that holds a pair
    back when it fails; ``figure``, the pair's own value it reads, against ``threshold``."""

    name: str
    passes: pl.Expr
    figure: pl.Expr | None = None
    threshold: pl.Expr | None = None


def _many_reflectors(cfg: AnalysisConfig) -> pl.Expr:
    """Enough reflectors to be a reflection as a whole: ``min_sources_reflection`` for a named
    port (fewer are judged by their rate), its own crowd for an unlisted one (its check)."""
    return pl.col("candidate").is_in(UNLISTED) | (pl.col("sources") >= cfg.min_sources_reflection)


def _kind_checks(cfg: AnalysisConfig, key: str) -> list[tuple[list[str], list[Check]]]:
    """What this attack looks like whatever its rate: per kind of vector, its conditions in the
    order they are told (the first one a pair fails is what held it back)."""
    c = pl.col("candidate")
    n = pl.col("packets")
    sources = pl.col("sources")
    crowd = sources >= cfg.min_sources_flood
    # a target of reflection is one unicast host; answers to a group address are LAN chatter
    # (by its IP address, or by the Ethernet broadcast its frames go to: a LAN's broadcast
    # address, whose mask no header gives)
    unicast = ~is_group_address(key) & ~pl.col("link_group") if key == "dst" else pl.lit(True)
    unlisted = c.is_in(UNLISTED)
    per_port = n / pl.col("ports").clip(1)
    # seen one way, from fewer peers than a flood's: the far end of the target's tunnels
    tunnel_end = Check("min_sources_flood", ~pl.col("stream").fill_null(False), sources,
                       pl.lit(cfg.min_sources_flood))  # fmt: skip
    return [
        (list(REFLECTION), [
            Check("unicast_target", unicast),
            Check("one_way_amplified_share_min", ~pl.col("resolver"),
                  pl.col("large") / n, pl.lit(cfg.one_way_amplified_share_min)),
            # fewer reflectors are judged by their rate, at a target seen sending only
            Check("min_sources_reflection", _many_reflectors(cfg) | (pl.col("talks") > 0),
                  sources, pl.lit(cfg.min_sources_reflection)),
            Check("min_sources_unlisted_reflection",
                  ~unlisted | (sources >= cfg.min_sources_unlisted_reflection),
                  sources, pl.lit(cfg.min_sources_unlisted_reflection)),
            Check("unsolicited_share", pl.col("unsolicited") >= cfg.unsolicited_share,
                  pl.col("unsolicited"), pl.lit(cfg.unsolicited_share)),
            Check("reflection_min_udp_share",
                  c.is_in(SYNACKS) | (pl.col("udp_share") >= cfg.reflection_min_udp_share),
                  pl.col("udp_share"), pl.lit(cfg.reflection_min_udp_share)),
        ]),
        (HANDSHAKES, [
            Check("handshake_completion_max", pl.col("completion") <= cfg.handshake_completion_max,
                  pl.col("completion"), pl.lit(cfg.handshake_completion_max)),
            # a port scan touches many ports once each: not a flood
            Check("scan_syns_per_port_max", crowd | (per_port > cfg.scan_syns_per_port_max),
                  per_port, pl.lit(cfg.scan_syns_per_port_max)),
        ]),
        (list(ORPHAN_KINDS), [
            Check("orphan_share_min", pl.col("orphan_share") >= cfg.orphan_share_min,
                  pl.col("orphan_share"), pl.lit(cfg.orphan_share_min)),
        ]),
        (GRE, [tunnel_end]),
        (OTHER_PROTOCOLS, [
            # a protocol scan (nmap -sO) sends each protocol once or twice, however fast
            Check("scan_probes_per_protocol_max",
                  n > cfg.scan_probes_per_protocol_max * pl.col("protocols"),
                  n / pl.col("protocols").clip(1), pl.lit(cfg.scan_probes_per_protocol_max)),
            tunnel_end,
        ]),
        (UNANSWERED_UDP, [
            Check("one_way_share_min", ~pl.col("stream")),
            # a group address is one-way by design (IPTV, market data: one sender, thousands
            # of datagrams a second, no receiver answers): a flood there sprays random ports
            Check("random_ports_min", unicast | (pl.col("dst_ports") >= cfg.random_ports_min),
                  pl.col("dst_ports"), pl.lit(cfg.random_ports_min)),
        ]),
    ]  # fmt: skip


def _kind_test(cfg: AnalysisConfig, key: str) -> pl.Expr:
    """Whether a pair passes every condition of its kind (``_kind_checks``)."""
    test = pl.when(pl.lit(False)).then(pl.lit(True))
    for kinds, checks in _kind_checks(cfg, key):
        passes = pl.all_horizontal(check.passes for check in checks)
        test = test.when(pl.col("candidate").is_in(kinds)).then(passes)
    return test.otherwise(pl.lit(True))


def first_failed(cfg: AnalysisConfig, key: str = "dst") -> list[pl.Expr]:
    """``test``, ``figure``, ``threshold``: the first condition of its kind a pair fails
    (``min_packets`` first), null when it fails none."""
    enough = Check("min_packets", pl.col("packets") >= cfg.min_packets, pl.col("packets"),
                   pl.lit(cfg.min_packets))  # fmt: skip
    out = []
    for part in ("name", "figure", "threshold"):
        expr = pl.when(~enough.passes).then(_part(enough, part))
        for kinds, checks in _kind_checks(cfg, key):
            for check in checks:
                kind = pl.col("candidate").is_in(kinds)
                expr = expr.when(kind & ~check.passes.fill_null(False)).then(_part(check, part))
        alias = "test" if part == "name" else part
        out.append(expr.otherwise(None).alias(alias))
    return out


def _part(check: Check, part: str) -> pl.Expr:
    if part == "name":
        return pl.lit(check.name)
    value = getattr(check, part)
    return pl.lit(None, dtype=pl.Float64) if value is None else value.cast(pl.Float64)


def _whole_test(cfg: AnalysisConfig, span_s: float | None = None) -> pl.Expr:
    """Attack as a whole (no rate needed): reflection from enough reflectors, crowds, random
    ports or port 0, orphan fragments, random protocols. A reflection from fewer is judged by
    its rate, as a flood from few hosts is: a lab's amplification from one to four reflectors
    (memcached in containers, one open resolver) is the same attack, while a few servers'
    answers at their own pace are not. A crowd's segments on no connection are one as a whole
    only at ``min_rate_pps`` or more over the capture (``span_s``, its covered seconds): a
    server's idle clients each resetting a connection (150-400 RSTs in a minute) are a crowd at
    a trickle, and stray segments cost a server nothing; under that they are judged by their
    rate, which finds a flood in a long capture by its hot bins. A crowd's SYNs stay one at any
    rate: each holds a half-open connection for a minute, and 6 a second fill a backlog; unless
    their senders reset most of them (``handshake_reset_share_max``: half-open monitors), which
    frees what they held."""
    c = pl.col("candidate")
    per_port = pl.col("packets") / pl.col("ports").clip(1)
    steady = pl.lit(True) if span_s is None else pl.col("packets") >= cfg.min_rate_pps * span_s
    return (
        pl.when(c.is_in(list(REFLECTION)))
        .then(_many_reflectors(cfg))
        .when(c.is_in(HANDSHAKES))
        .then(
            (pl.col("sources") >= cfg.min_sources_flood)
            # SYNs their senders reset hold no half-open connection: judged by their rate
            & ~pl.col("reset_half_open")
            # the internet's scanners (masscan, zmap, search engines' crawlers) probe each port
            # of a host once or twice: a crowd of them spreads its SYNs over many ports at a few
            # a port, and is judged by its rate, where a flood aims at a service or comes fast
            & (per_port > cfg.scan_syns_per_port_max)
        )
        .when(c.is_in(ORPHAN_KINDS))
        .then((pl.col("sources") >= cfg.min_sources_flood) & steady)
        .when(c.is_in(UNANSWERED_UDP))
        .then(
            (pl.col("dst_ports") >= cfg.random_ports_min)
            & (pl.col("answered_share") <= cfg.udp_answered_max)
            # a UDP scan probes each port once or a few times: from a few hosts (nmap -sU), or
            # from a crowd with a service's question in each (the internet's scanners looking
            # for DNS, NTP, SNMP, SSDP), it is judged by its rate, as a flood from few hosts is
            & (
                (
                    (pl.col("sources") >= cfg.min_sources_flood)
                    & (pl.col("payload") > cfg.scan_probe_payload_max * pl.col("packets"))
                )
                | (per_port > cfg.scan_datagrams_per_port_max)
            )
            # from or to port 0, which no service uses: crafted, a null flood
            | (pl.col("port_zero_share") >= cfg.port_zero_share_min)
        )
        # fragments of datagrams never seen starting: no host sends those
        .when(c.is_in(FRAGMENTS))
        .then(pl.col("orphan_fragments") >= cfg.orphan_fragment_share_min)
        # a random protocol field: many protocols (each many times: the kind's check)
        .when(c.is_in(OTHER_PROTOCOLS))
        .then(pl.col("protocols") >= cfg.random_protocols_min)
        .otherwise(pl.lit(False))
    )


def confirmed(merged: pl.DataFrame, cfg: AnalysisConfig, key: str = "dst",
              span_s: float | None = None) -> pl.DataFrame:  # fmt: skip
    """(target ``key``, candidate) pairs that pass their test: ``ok`` with ``rate_based`` false
    are attack as a whole; ``rate_based`` ones are attack in their hot bins (``hot_bins``).

    ``key`` is ``dst`` (one host) or ``dst_net`` (its /24 or /48: carpet bombing spreads a
    flood so thin that no single host passes, while the prefix does).
    """
    if merged.is_empty():
        return pl.DataFrame(
            schema={key: pl.UInt128, "candidate": CANDIDATE, "ok": pl.Boolean,
                    "rate_based": pl.Boolean, "contra": pl.Boolean, "flood_rate": pl.Float64,
                    "jump_min": pl.Float64}
        )  # fmt: skip
    n = pl.col("packets")
    stats = _ratios(merged, key, cfg)
    enough = n >= cfg.min_packets
    if key == "dst_net":  # a prefix is the target only when the attack spreads over its hosts,
        # hitting each again and again (a sweep's probes touch each once: ``host_packets``)
        enough = enough & (pl.col("hosts") >= cfg.carpet_min_hosts)
        enough = enough & (pl.col("host_packets") > cfg.carpet_min_packets_per_host)
    # a ratio that speaks against the vector at this key (vetoes a prefix-level verdict)
    contra = (
        (pl.col("completion") > cfg.handshake_completion_max).fill_null(False)
        | (pl.col("unsolicited") < cfg.unsolicited_share).fill_null(False)
        | (pl.col("orphan_share") < cfg.orphan_share_min).fill_null(False)
        | (pl.col("answered_share") > cfg.udp_answered_max).fill_null(False)
        | pl.col("stream").fill_null(False)
        | pl.col("resolver")
        # a scan of the host's protocols (a sweep of a /24 with nmap -sO is none of its hosts'
        # floods: the prefix's packets add up, its distinct protocols do not)
        | (
            pl.col("candidate").is_in(OTHER_PROTOCOLS)
            & (n <= cfg.scan_probes_per_protocol_max * pl.col("protocols"))
        )
    ) & (n >= CONTRA_MIN_PACKETS)
    # a group address (or a LAN's broadcast one) is no host: its members answer a router's query
    # or a search at once (150 hosts' membership reports after a general query, 30 a second to
    # 224.0.0.22 or ff02::16), and only a flood's rate makes a flood of that
    group = (is_group_address(key) | pl.col("link_group")) if key == "dst" else pl.lit(False)
    # ... and so is its link's neighbor discovery: after a switch or a router restarts, every
    # host of the LAN solicits its router and its neighbors at once (150 hosts' NUD probes
    # within 3 s: 105 to fe80::1 in the busiest second, from nothing in between)
    neighbors = pl.col("neighbors") if key == "dst" else pl.lit(False)
    return stats.with_columns(
        ok=_kind_test(cfg, key).fill_null(False) & enough,
        rate_based=~_whole_test(cfg, span_s).fill_null(False),
        contra=contra,
        flood_rate=_flood_rate(cfg),
        group=group,
        neighbors=neighbors,
        # the least rate a jump over its own is a flood at: a server's queries, or a collector's
        # telemetry, only at a rate no burst of its clients (its senders' flushes) reaches; a
        # group's, and a link's neighbor discovery, only at its kind's flood rate
        jump_min=pl.when(pl.col("query_load").fill_null(False))
        .then(pl.lit(cfg.query_jump_min_pps))
        .when(pl.col("collector").fill_null(False))
        .then(pl.lit(cfg.collector_jump_min_pps))
        .when(group | neighbors)
        .then(_flood_rate(cfg))
        .otherwise(pl.lit(cfg.min_rate_pps)),
    )


def _flood_rate(cfg: AnalysisConfig, *, setting: bool = False) -> pl.Expr:
    """The rate above which a pair is a flood whatever its baseline: a collector's for
    telemetry, DNS queries' from few hosts for theirs, else its kind's (``rates.flood_pps``);
    ``setting``: that setting's name."""
    few = pl.col("candidate").is_in(DNS_QUERIES) & (pl.col("sources") < cfg.rate_min_sources)
    return (
        pl.when(pl.col("collector").fill_null(False))
        .then(pl.lit("flood_pps_collector") if setting else pl.lit(cfg.flood_pps_collector))
        .when(pl.col("query_load").fill_null(False))
        .then(pl.lit("flood_pps_queries") if setting else pl.lit(cfg.flood_pps_queries))
        # DNS queries from one or two hosts: no crowd of resolvers
        .when(few)
        .then(
            pl.lit("flood_pps_dns_few_sources")
            if setting
            else pl.lit(cfg.flood_pps_dns_few_sources)
        )
        .otherwise(flood_pps(pl.col("candidate"), cfg, setting=setting))
    )


HELD_BACK_PAIRS = 3  # the pairs ``held_back`` keeps: the most packets first


def held_back(stats: pl.DataFrame, per_bin: pl.DataFrame, hot: pl.DataFrame, kept: pl.DataFrame,
            bin_ns: int, cfg: AnalysisConfig, thin: pl.DataFrame | None = None) -> pl.DataFrame:  # fmt: skip
    """The (host, vector) pairs with the most packets that are no attack (those under
    ``min_packets`` only when there are no others, and then the biggest), and what held each
    back (``test``, the pair's ``figure`` and the ``threshold`` it missed): the first condition
    of its kind it fails (``first_failed``); else, judged by its rate, ``rate_factor`` and its
    flood rate's setting (its busiest bin in packets/s, under its ``flood_rate`` and never a
    jump over its own median), ``rate_min_bins`` (at its flood rate in too few bins, and no
    burst in finer ones: ``rates.burst_bins``; the figure is those bins), ``asked_for`` (none of
    its packets counts toward a rate), ``http_bot_min_requests`` (an HTTP crowd whose
    clients do not keep requesting), or ``min_packets, hot bins`` (``thin``: hot bins holding
    fewer than ``min_packets`` of its packets, ``rates.enough_in_hot_bins``).

    ``stats``: ``confirmed`` for key ``dst``; ``per_bin``: the rate-judged pairs' bins;
    ``hot``: their hot bins, ``kept``: those left once HTTP crowds were judged."""
    schema = {"dst": pl.UInt128, "candidate": CANDIDATE, "packets": pl.UInt32,
              "sources": pl.UInt32, "test": pl.String, "figure": pl.Float64,
              "threshold": pl.Float64}  # fmt: skip
    if stats.is_empty():
        return pl.DataFrame(schema=schema)
    pair = ["dst", "candidate"]
    attack = pl.concat(
        [stats.filter(pl.col("ok") & ~pl.col("rate_based")).select(pair), kept.select(pair)]
    )
    rest = stats.join(attack, on=pair, how="anti").with_columns(first_failed(cfg, "dst"))
    peaks = pl.DataFrame(
        schema={**{k: schema[k] for k in pair}, "_peak": pl.Float64, "_busy": pl.UInt32}
    )
    if not per_bin.is_empty():
        rate = pl.col("n").cast(pl.Float64) * (SECOND / bin_ns)
        peaks = per_bin.group_by(pair).agg(
            rate.max().alias("_peak"),
            # bins at its flood rate or above: too few, and no burst in finer ones either
            (rate >= pl.col("flood_rate")).sum().cast(pl.UInt32).alias("_busy"),
        )
    crowd = hot.select(pair).unique().with_columns(_crowd=pl.lit(True))
    if thin is None:
        thin = pl.DataFrame(schema={**{k: schema[k] for k in pair}, "in_hot": pl.UInt32})
    by_rate = pl.col("test").is_null() & pl.col("ok") & pl.col("rate_based")
    few = by_rate & pl.col("in_hot").is_not_null()
    dropped = by_rate & ~few & pl.col("_crowd").fill_null(False)
    # no bin at all: none of its packets counts toward a rate (``evidence._counted``)
    uncounted = by_rate & ~few & ~dropped & pl.col("_peak").is_null()
    flood = pl.col("flood_rate")
    # at its flood rate, but in too few bins (``rate_min_bins``), and as no burst
    brief = by_rate & ~few & ~dropped & ~uncounted & (pl.col("_busy").fill_null(0) > 0)
    return (
        rest.join(peaks, on=pair, how="left")
        .join(crowd, on=pair, how="left")
        .join(thin.select(*pair, "in_hot"), on=pair, how="left")
        .with_columns(
            # a rate's settings: the jump over its own rate, and the rate no host receives
            test=pl.when(few)
            .then(pl.lit("min_packets, hot bins"))
            .when(dropped)
            .then(pl.lit("http_bot_min_requests"))
            .when(uncounted)
            .then(pl.lit("asked_for"))
            .when(brief)
            .then(pl.lit("rate_min_bins"))
            .when(by_rate & pl.col("group").fill_null(False))
            .then(pl.lit("rate_factor, group"))
            .when(by_rate & pl.col("neighbors").fill_null(False))
            .then(pl.lit("rate_factor, neighbor_discovery"))
            .when(by_rate & pl.col("reset_half_open").fill_null(False))
            .then(pl.lit("rate_factor, handshake_reset_share_max"))
            .when(by_rate)
            .then(pl.concat_str(pl.lit("rate_factor, "), _flood_rate(cfg, setting=True)))
            .otherwise("test"),
            figure=pl.when(few)
            .then(pl.col("in_hot").cast(pl.Float64))
            .when(brief)
            .then(pl.col("_busy").cast(pl.Float64))
            .when(by_rate & ~dropped)
            .then("_peak")
            .otherwise("figure"),
            threshold=pl.when(few)
            .then(pl.lit(float(cfg.min_packets)))
            .when(brief)
            .then(pl.lit(float(cfg.rate_min_bins)))
            .when(by_rate & ~dropped & ~uncounted)
            .then(pl.when(flood.is_finite()).then(flood))
            .otherwise("threshold"),
        )
        .filter(pl.col("test").is_not_null())
        # the pairs judged at all (``min_packets``) first; the biggest of the others only when
        # none was: a capture of small talk says what little there was
        .sort(
            [pl.col("test") == "min_packets", "packets", "dst", "candidate"],
            descending=[False, True, False, False],
        )
        .filter((pl.col("test") != "min_packets") | (pl.int_range(pl.len()) == 0))
        .head(HELD_BACK_PAIRS)
        .select(*schema)
        .cast(schema)
    )
