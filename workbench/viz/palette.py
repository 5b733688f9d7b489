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
# the names traffic of no attack vector goes by: the report's series says "legit"
_LEGITIMATE_NAMES = (None, "", "legit", LEGITIMATE)

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


def is_legitimate(vector: str | None) -> bool:
    """Whether ``vector`` names traffic of no attack vector (``None``, ``"legit"``, ``"legitimate"``)."""
    return vector in _LEGITIMATE_NAMES


def colour(vector: str | None) -> str:
    """The colour of a vector (``None``, ``"legit"`` or ``"legitimate"``: grey)."""
    return GREY if is_legitimate(vector) else COLOURS.get(vector, GREY)


def title(vector: str | None) -> str:
    """A vector in words, as the legends and tables show it: ``NTP amplification``."""
    from workbench.analysis.vector_table import RULES

    if is_legitimate(vector):
        return "legitimate"
    rule = RULES.get(vector)
    return rule.title if rule else str(vector)


def vector_scale(vectors: list[str | None]) -> alt.Scale:
    """An Altair scale giving each of ``vectors`` its fixed colour (keeps the names as given, so
    a series' ``"legit"`` stays ``"legit"``, grey)."""
    names = [LEGITIMATE if v is None else v for v in dict.fromkeys(vectors)]
    return alt.Scale(domain=names, range=[colour(v) for v in names])


def stack_order(vectors: list[str | None]) -> list[str]:
    """Legitimate first (the bottom of a stack), then the vectors in table order."""
    rank = {name: i for i, name in enumerate(r.name for r in VECTORS)}
    names = [LEGITIMATE if v is None else v for v in dict.fromkeys(vectors)]
    return sorted(names, key=lambda v: (not is_legitimate(v), rank.get(v, len(rank)), v))


def legend_labels(vectors: list[str | None]) -> str:
    """A Vega expression writing each vector's name in words in a legend (``labelExpr``)."""
    expression = "datum.label"
    for name in reversed(stack_order(vectors)):
        words = title(name).replace("\\", "\\\\").replace("'", "\\'")
        code = name.replace("\\", "\\\\").replace("'", "\\'")
        expression = f"datum.label === '{code}' ? '{words}' : ({expression})"
    return expression


def vector_colour(
    vectors: list[str | None], field: str = "vector", legend_title: str = "vector"
) -> alt.Color:
    """The colour channel every vector chart uses: fixed colours, legitimate first, names in words."""
    order = stack_order(vectors)
    return alt.Color(
        f"{field}:N",
        title=legend_title,
        scale=vector_scale(order),
        sort=order,
        legend=alt.Legend(labelExpr=legend_labels(order), labelLimit=220),
    )
