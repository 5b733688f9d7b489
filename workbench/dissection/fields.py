"""Application fields worth reading per vector: a table, one row per vector family.

Names are Wireshark display-filter fields; ``dissect`` returns them as columns named
after the right-hand side (``dns.qry.name`` -> ``dns_qry_name``).
"""

from __future__ import annotations

COMMON = ["frame.protocols"]
DNS = [
    "dns.qry.name",
    "dns.qry.type",
    "dns.flags.response",
    "dns.flags.rcode",
    "dns.count.answers",
    "dns.resp.len",
]
HTTP = [
    "http.request.method",
    "http.host",
    "http.request.uri",
    "http.user_agent",
    "http.response.code",
]
FIELDS: dict[str, list[str]] = {
    "dns_amplification": DNS,
    "dns_water_torture": DNS,
    "ntp_amplification": ["ntp.flags.mode", "ntp.priv.reqcode", "ntp.priv.numitems"],
    "ssdp_amplification": ["ssdp", "http.response.code", "http.server"],
    "memcached_amplification": ["memcache.command", "memcache.key", "memcache.value"],
    "cldap_amplification": ["ldap.protocolOp", "ldap.objectName"],
    "snmp_amplification": ["snmp.community", "snmp.data", "snmp.name"],
    "ws_discovery_amplification": ["xml.tag"],
    "chargen_amplification": ["data.len"],
    "http_flood": HTTP,
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
