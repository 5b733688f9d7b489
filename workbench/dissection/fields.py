"""Wireshark fields and how their columns are named.

Which fields are worth reading for a vector is the vector table's ``dissect`` column
(``workbench.analysis.vector_table``): dissection knows no vectors, so the caller passes
that column in as ``fields_per_vector`` (``wb.dissect`` does it for you). Names are
Wireshark display-filter fields; ``dissect`` returns them as columns named after the
right-hand side (``dns.qry.name`` -> ``dns_qry_name``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

COMMON = ["frame.protocols"]
# TLS server names for encrypted floods: read whenever no vector narrows the fields
TLS = ["tls.handshake.extensions_server_name", "tls.handshake.type"]


def column(field: str) -> str:
    """Column name of a Wireshark field in the returned frame."""
    return field.replace(".", "_")


def fields_for(
    vectors: Iterable[str] | None, fields_per_vector: Mapping[str, Sequence[str]] | None
) -> list[str]:
    """The union of fields for some vectors (in the mapping's order, no duplicates), after
    ``COMMON``; ``vectors`` None (packets without a vector): every field of the mapping and TLS's.

        fields_for(["dns_amplification"], {"dns_amplification": ["dns.qry.name"]})
    """
    per_vector = dict(fields_per_vector or {})
    names = list(per_vector) if vectors is None else list(vectors)
    groups = [per_vector.get(v, ()) for v in names]
    if vectors is None:
        groups.append(TLS)
    out: list[str] = list(COMMON)
    for group in groups:
        for field in group:
            if field not in out:
                out.append(field)
    return out
