"""The candidates held back, when a capture gives no attack: the (host, vector) pairs whose
packets had a candidate vector, the most packets first, each with what held it back (a setting
of ``wb.AnalysisConfig``, or a test), its own figure and the threshold it missed, in words
(``vectors.verdicts.held_back`` finds them). "No attack traffic found" then says what was
looked at and why it was not an attack: what an analyst who knows better could relax."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.vector_table import RULES
from workbench.analysis.vectors.kinds import (
    DNS_QUERIES,
    FRAGMENTS,
    GRE,
    HTTP_RATE,
    ICMP,
    OTHER_PROTOCOLS,
)


def _asked(vector: str) -> str:
    """Why none of a rate-judged vector's packets counts (``evidence._counted``), by its kind."""
    if vector in GRE:
        return "each is GRE from a host the target sends GRE to (its tunnel's far end)"
    if vector in OTHER_PROTOCOLS:
        return "each comes from a host the target sends the same protocol to (an IPsec tunnel's far end)"
    if vector in ICMP or vector in FRAGMENTS:
        return "each is an answer the target asked for (replies to its pings, fragments of a flow it answers)"
    if vector in HTTP_RATE:
        return "none is a full request (each a trickle of a few bytes)"
    return "each is on a flow the target answers, or a traceroute's probe"


_pct, _rate, _count = fmt.percent, fmt.packet_rate, fmt.count  # short in the sentences below


def _one_host(cfg: AnalysisConfig, vector: str) -> float:
    """The least rate of one host's jump over a target's own rate (``rates.hot_bins``)."""
    return cfg.single_source_dns_jump_pps if vector in DNS_QUERIES else cfg.single_source_flood_pps


def _reflectors(figure: Any, threshold: Any, cfg: AnalysisConfig, vector: str, *, one_way: bool = False) -> str:  # fmt: skip
    """Too few reflectors: from a port no table names; or from a named one to a host never seen
    sending (``one_way``: at a host seen sending, fewer are judged by their rate)."""
    to, there = (" to a host never seen sending", " there (one way, a few servers' answers may be a session it opened)") if one_way else ("", "")  # fmt: skip
    return f"from {fmt.plural(int(figure), 'reflector')}{to}: a reflection needs {_count(threshold)} or more{there}"


# what held a pair back, in words: per test, from its figure (f), the threshold (t), the config
# and the vector; a rate's test is named by its settings (``rate_factor, flood_pps_...``)
WORDS: dict[str, Callable[[Any, Any, AnalysisConfig, str], str]] = {
    "min_packets": lambda f, t, cfg, v: f"{fmt.plural(int(f), 'packet')}: a pair is judged on {_count(t)} or more",
    "min_packets, hot bins": lambda f, t, cfg, v: (
        f"{fmt.plural(int(f), 'packet')} in the bins where its rate ran at a flood's: a flood is "
        f"reported with {_count(t)} or more there"),
    "unicast_target": lambda f, t, cfg, v: "sent to a group address or a link-layer broadcast: a LAN's chatter, not one host's reflection",
    "one_way_amplified_share_min": lambda f, t, cfg, v: (
        f"answers to a host never seen sending, {_pct(f)} of them as large as an amplifier's "
        f"({_pct(t)} needed): its own lookups' answers, as far as one direction shows"),
    "min_sources_reflection": lambda f, t, cfg, v: _reflectors(f, t, cfg, v, one_way=True),
    "min_sources_unlisted_reflection": _reflectors,
    "unsolicited_share": lambda f, t, cfg, v: (
        f"{_pct(1 - f)} of the answers were to the target's own requests: a reflection's are at "
        f"least {_pct(t)} unasked"),
    "reflection_min_udp_share": lambda f, t, cfg, v: f"{_pct(f)} of the target's UDP: a reflection carries at least {_pct(t)}",
    "handshake_completion_max": lambda f, t, cfg, v: f"{_pct(f)} of its handshakes completed: a SYN flood's complete at most {_pct(t)}",
    "scan_syns_per_port_max": lambda f, t, cfg, v: (
        f"{f:.1f} SYNs a port from fewer than {cfg.min_sources_flood} sources: a scan (a flood "
        f"sends more than {t:g} a port)"),
    "scan_probes_per_protocol_max": lambda f, t, cfg, v: (
        f"{f:.1f} packets a protocol: a scan of the host's protocols (nmap -sO; a flood sends "
        f"more than {t:g} of each)"),
    "orphan_share_min": lambda f, t, cfg, v: (
        f"{_pct(1 - f)} of its segments were on connections that were opened: a flood's are at "
        f"least {_pct(t)} on none"),
    "one_way_share_min": lambda f, t, cfg, v: (
        "the server's side of streams the target opened (a video, a download, a call), or a "
        "tunnel's far end on the port both ends use, as far as one direction shows"),
    "min_sources_flood": lambda f, t, cfg, v: (
        f"from {fmt.plural(int(f), 'host')} to a host never seen sending: the far end of tunnels "
        f"it runs (GRE, IPsec, 6in4), as far as one direction shows; a flood comes from "
        f"{_count(t)} or more"),
    "random_ports_min": lambda f, t, cfg, v: (
        f"to a group address, on {fmt.plural(int(f), 'port')}: one-way by design unless a flood "
        f"sprays {_count(t)} or more"),
    "rate_factor": lambda f, t, cfg, v: (
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} no benign host receives of its "
        f"kind, and never {cfg.rate_factor:g}x its usual rate for {cfg.rate_min_bins} bins or more, "
        f"from a crowd (without its busiest source) or from one host at {_rate(_one_host(cfg, v))} "
        "or more"),
    "rate_factor, flood_pps_dns_few_sources": lambda f, t, cfg, v: (  # from one or two hosts
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} of queries that fewer than "
        f"{cfg.rate_min_sources} hosts send one server only in a flood (a forwarder's load is a "
        f"few thousand a second), and never {cfg.rate_factor:g}x its usual rate at "
        f"{_rate(_one_host(cfg, v))} or more (no client's burst) for {cfg.rate_min_bins} bins or "
        "more"),
    "rate_factor, flood_pps_queries": lambda f, t, cfg, v: (  # requests a server answers
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} of requests a server answering "
        f"them is a flood at, and never {cfg.rate_factor:g}x its usual rate at "
        f"{_rate(cfg.query_jump_min_pps)} or more for {cfg.rate_min_bins} bins"),
    "rate_factor, group": lambda f, t, cfg, v: (  # a group address: its members at once
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} of its kind a group address is "
        "flooded at: its members answer a router's query or a search at once"),
    "rate_factor, neighbor_discovery": lambda f, t, cfg, v: (  # a LAN's own housekeeping
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} of its kind it is flooded at: "
        "neighbor discovery on its own link (every host solicits its router at once when the "
        "LAN comes back)"),
    "rate_factor, handshake_reset_share_max": lambda f, t, cfg, v: (  # half-open monitors
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} of SYNs no client sends, and "
        f"never {cfg.rate_factor:g}x its usual rate for {cfg.rate_min_bins} bins or more: its "
        f"senders reset {_pct(cfg.handshake_reset_share_max)} or more of its SYNs (a load "
        "balancer's half-open monitors), which then hold no connection open"),
    "rate_factor, flood_pps_collector": lambda f, t, cfg, v: (  # telemetry to a collector
        f"its busiest bin ran at {_rate(f)}, under the {_rate(t)} a collector of telemetry is "
        f"flooded at, and never {cfg.rate_factor:g}x its usual rate at "
        f"{_rate(cfg.collector_jump_min_pps)} or more for {cfg.rate_min_bins} bins (its senders "
        "flush at once)"),
    "rate_factor, http_rps_per_source": lambda f, t, cfg, v: (  # HTTP: the server's own rate
        f"its busiest bin ran at {fmt.number(f)} requests a second: HTTP requests are a flood "
        f"{cfg.rate_factor:g}x above the server's usual rate, or from one client at "
        f"{cfg.http_rps_per_source} a second over {cfg.http_sessions_per_source} connections "
        f"or more, {cfg.http_requests_per_connection:g} on each ({cfg.http_rps_any_connections:g} "
        f"on any; {cfg.http_rps_per_source} on any when one request is repeated and answered "
        f"alike), for {cfg.http_flood_min_s:g} s or more"),
    "rate_min_bins": lambda f, t, cfg, v: (
        f"at the rate no benign host receives of its kind in {fmt.plural(int(f), 'bin')} of the "
        f"capture's, and in fewer than {_count(t)} finer ones as a burst: one busy bin is a burst, "
        f"not a flood ({_count(t)} needed)"),
    "asked_for": lambda f, t, cfg, v: f"none of its packets counts toward a flood: {_asked(v)}",
    "http_bot_min_requests": lambda f, t, cfg, v: (
        "its clients did not keep requesting through the busy seconds: a flash crowd's visitors, "
        "not bots"),
}  # fmt: skip


def _reason(test: str, figure: Any, threshold: Any, cfg: AnalysisConfig, vector: str) -> str:
    """What held a pair back, in words, naming the setting (or the test)."""
    words = WORDS.get(test) or (WORDS["rate_factor"] if test.startswith("rate_factor") else None)
    text = words(figure, threshold, cfg, vector) if words else "held back"
    return f"{text} ({test})"


def held_back(pairs: pl.DataFrame | None, cfg: AnalysisConfig) -> tuple[dict, ...]:
    """The report's ``held_back`` from ``verdicts.held_back``'s rows: target, vector, counts,
    what held each back, its figure and threshold, and the reason in words."""
    if pairs is None or pairs.is_empty():
        return ()
    rows = pairs.with_columns(
        target=pl.col("dst").ip.to_text(), vector=pl.col("candidate").cast(pl.String)
    )
    out = []
    for row in rows.iter_rows(named=True):
        figure, threshold = row["figure"], row["threshold"]
        title = RULES[row["vector"]].title if row["vector"] in RULES else row["vector"]
        out.append({
            "target": row["target"],
            "vector": row["vector"],
            "packets": int(row["packets"]),
            "unique_sources": int(row["sources"]),
            "held_back_by": row["test"],
            "figure": None if figure is None else round(float(figure), 4),
            "threshold": None if threshold is None else float(threshold),
            "reason": f"{title} on {row['target']}: {_reason(row['test'], figure, threshold, cfg, row['vector'])}",
        })  # fmt: skip
    return tuple(out)
