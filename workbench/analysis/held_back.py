"""The candidates held back, when a capture gives no attack: the (host, vector) pairs whose
packets had a candidate vector, the most packets first, each with what held it back (a setting
of ``wb.AnalysisConfig``, or a test), its own figure and the threshold it missed, in words
(``vectors.verdicts.held_back`` finds them). "No attack traffic found" then says what was
looked at and why it was not an attack: what an analyst who knows better could relax."""

from __future__ import annotations

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.vector_table import RULES
from workbench.analysis.vectors.kinds import FRAGMENTS, GRE, HTTP_RATE, ICMP


def _asked(vector: str) -> str:
    """Why none of a rate-judged vector's packets counts (``evidence._counted``), by its kind."""
    if vector in GRE:
        return "each is GRE from a host the target sends GRE to (its tunnel's far end)"
    if vector in ICMP or vector in FRAGMENTS:
        return "each is an answer the target asked for (replies to its pings, fragments of a flow it answers)"
    if vector in HTTP_RATE:
        return "none is a full request (each a trickle of a few bytes)"
    return "each is on a flow the target answers, or a traceroute's probe"


def _reason(test: str, figure: float | None, threshold: float | None, cfg: AnalysisConfig,
            vector: str = "") -> str:  # fmt: skip
    """What held a pair back, in words, naming the setting (or the test)."""
    pct, rate = fmt.percent, fmt.packet_rate
    if test == "min_packets":
        text = f"{fmt.plural(int(figure), 'packet')}: a pair is judged on {fmt.count(threshold)} or more"
    elif test == "unicast_target":
        text = "sent to a group address or a link-layer broadcast: a LAN's chatter, not one host's reflection"
    elif test == "one_way_amplified_share_min":
        text = (
            f"answers to a host never seen sending, {pct(figure)} of them as large as an "
            f"amplifier's ({pct(threshold)} needed): its own lookups' answers, as far as one "
            "direction shows"
        )
    elif test in ("min_sources_reflection", "min_sources_unlisted_reflection"):
        text = f"from {fmt.plural(int(figure), 'reflector')}: a reflection needs {fmt.count(threshold)} or more"
    elif test == "unsolicited_share":
        text = (
            f"{pct(1 - figure)} of the answers were to the target's own requests: a "
            f"reflection's are at least {pct(threshold)} unasked"
        )
    elif test == "reflection_min_udp_share":
        text = f"{pct(figure)} of the target's UDP: a reflection carries at least {pct(threshold)}"
    elif test == "handshake_completion_max":
        text = (
            f"{pct(figure)} of its handshakes completed: a SYN flood's complete at most "
            f"{pct(threshold)}"
        )
    elif test == "scan_syns_per_port_max":
        text = (
            f"{figure:.1f} SYNs a port from fewer than {cfg.min_sources_flood} sources: a "
            f"scan (a flood sends more than {threshold:g} a port)"
        )
    elif test == "orphan_share_min":
        text = (
            f"{pct(1 - figure)} of its segments were on connections that were opened: a "
            f"flood's are at least {pct(threshold)} on none"
        )
    elif test == "one_way_share_min":
        text = (
            "the server's side of streams the target opened (a video, a download, a call), "
            "as far as one direction shows"
        )
    elif test == "random_ports_min":
        text = (
            f"to a group address, on {fmt.plural(int(figure), 'port')}: one-way by design "
            f"unless a flood sprays {fmt.count(threshold)} or more"
        )
    elif test.startswith("rate_factor") and threshold is None:  # HTTP: the server's own rate
        text = (
            f"its busiest bin ran at {fmt.number(figure)} requests a second: HTTP requests are a "
            f"flood {cfg.rate_factor:g}x above the server's usual rate, or from one client at "
            f"{cfg.http_rps_per_source} a second over {cfg.http_sessions_per_source} "
            f"connections, for {cfg.http_flood_min_s:g} s or more"
        )
    elif test.startswith("rate_factor"):
        text = (
            f"its busiest bin ran at {rate(figure)}, under the {rate(threshold)} no benign "
            f"host receives of its kind, and never {cfg.rate_factor:g}x its usual rate for "
            f"{cfg.rate_min_bins} bins or more"
        )
    elif test == "asked_for":
        text = f"none of its packets counts toward a flood: {_asked(vector)}"
    elif test == "http_bot_min_requests":
        text = (
            "its clients did not keep requesting through the busy seconds: a flash crowd's "
            "visitors, not bots"
        )
    else:
        text = "held back"
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
