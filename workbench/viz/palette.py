"""One colour per vector, the same in every chart, the dashboard, the HTML report and the
notebooks; legitimate traffic in neutral grey (drawn at the bottom of each stack).

    colour("ntp_amplification") == "#4e79a7"
    alt.Color("vector:N", scale=vector_scale(["syn_flood", "legitimate"]))
"""

from __future__ import annotations

import altair as alt

from workbench.analysis.vector_table import VECTORS

LEGITIMATE = "legitimate"
GREY = "#b8b8b8"

# Tableau 20 without its greys (grey is legitimate traffic): distinct hues first, light pairs after
_HUES = ("#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
         "#9c755f", "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf",
         "#bcbd22", "#a0cbe8", "#ffbe7d", "#8cd17d", "#f1ce63", "#86bcb6", "#d4a6c8", "#fabfd2",
         "#d7b5a6", "#aec7e8", "#ffbb78", "#98df8a", "#ff9896", "#c5b0d5", "#c49c94", "#f7b6d2",
         "#dbdb8d", "#9edae5", "#393b79", "#637939", "#8c6d31", "#843c39", "#7b4173", "#3182bd",
         "#e6550d", "#31a354", "#756bb1", "#636363", "#6baed6", "#fd8d3c", "#74c476", "#9e9ac8",
         "#5254a3", "#8ca252", "#bd9e39", "#ad494a", "#a55194", "#9ecae1", "#fdae6b", "#a1d99b",
         "#bcbddc", "#cedb9c")  # fmt: skip

# The vectors seen most in real attacks take the most distinct hues (the first ten); the rest
# follow in the table's order, so a vector's colour never depends on what else a report holds.
_COMMON = ("ntp_amplification", "dns_amplification", "syn_flood", "udp_flood",
           "ssdp_amplification", "memcached_amplification", "ip_fragment_flood", "cldap_amplification",
           "ack_flood", "http_flood", "chargen_amplification", "icmp_flood", "udp_reflection",
           "snmp_amplification", "synack_reflection", "rst_flood", "slow_http", "dns_water_torture",
           "tcp_other_flood", "gre_flood", "ipv6_extension_header_flood")  # fmt: skip
_ORDER = list(dict.fromkeys([*_COMMON, *(r.name for r in VECTORS)]))
COLOURS: dict[str, str] = {name: _HUES[i % len(_HUES)] for i, name in enumerate(_ORDER)}
COLOURS[LEGITIMATE] = GREY


def colour(vector: str | None) -> str:
    """The colour of a vector (``None`` or ``"legitimate"``: grey)."""
    return COLOURS.get(vector or LEGITIMATE, GREY)


def vector_scale(vectors: list[str | None]) -> alt.Scale:
    """An Altair scale giving each of ``vectors`` its fixed colour."""
    names = [v or LEGITIMATE for v in dict.fromkeys(vectors)]
    return alt.Scale(domain=names, range=[colour(v) for v in names])


def stack_order(vectors: list[str | None]) -> list[str]:
    """Legitimate first (the bottom of a stack), then the vectors in table order."""
    rank = {name: i for i, name in enumerate(r.name for r in VECTORS)}
    names = [v or LEGITIMATE for v in dict.fromkeys(vectors)]
    return sorted(names, key=lambda v: (v != LEGITIMATE, rank.get(v, len(rank)), v))
