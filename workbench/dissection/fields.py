"""Application fields worth reading per vector (the vector table's ``dissect`` column).

Names are Wireshark display-filter fields; ``dissect`` returns them as columns named
after the right-hand side (``dns.qry.name`` -> ``dns_qry_name``).
"""

from __future__ import annotations

from workbench.analysis.vector_table import VECTORS

COMMON = ["frame.protocols"]
# per vector, from the vector table; TLS server names for encrypted floods
FIELDS: dict[str, list[str]] = {
    **{rule.name: list(rule.dissect) for rule in VECTORS if rule.dissect},
    "tls": ["tls.handshake.extensions_server_name", "tls.handshake.type"],
}


def column(field: str) -> str:
    """Column name of a Wireshark field in the returned frame."""
    return field.replace(".", "_")


def fields_for(vectors: list[str]) -> list[str]:
    """The union of fields for some vectors (in table order, no duplicates)."""
    out: list[str] = list(COMMON)
    for vector in vectors:
        for field in FIELDS.get(vector, []):
            if field not in out:
                out.append(field)
    return out
