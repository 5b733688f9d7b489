"""The vector table: one row per attack vector, what its packets look like and how a
target's candidates are confirmed. Adding a vector is adding a row (and a test); the
confirmations are named in ``CONFIRMATIONS`` (``vectors/verdicts.py`` builds them).

UDP reflection services come from ``REFLECTION_SERVICES`` (port -> service): a known port
names the vector ``<service>_amplification``; answers from any other port shared by a crowd
of sources are ``udp_reflection``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from workbench.capture.schema import (
    PROTO_GRE,
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    PROTO_UDP,
    TCP_ACK,
    TCP_FIN,
    TCP_RST,
    TCP_SYN,
)

UDP, TCP = (PROTO_UDP,), (PROTO_TCP,)
SYN_RST_ACK_FIN = TCP_SYN | TCP_RST | TCP_ACK | TCP_FIN  # a SYN or an ACK, whatever PSH or URG

# UDP services abused for reflection/amplification (the US-CERT TA14-017A table, Shadowserver
# scans and the NLADC dissector's port list), source port -> service name
REFLECTION_SERVICES: dict[int, str] = {
    17: "qotd", 19: "chargen", 53: "dns", 69: "tftp", 111: "portmap", 123: "ntp",
    137: "netbios", 161: "snmp", 177: "xdmcp", 389: "cldap", 427: "slp", 500: "isakmp",
    4500: "isakmp", 520: "ripv1", 623: "ipmi", 1194: "openvpn", 1434: "mssql", 1604: "citrix",
    1900: "ssdp", 3283: "ard", 3389: "rdp", 3478: "stun", 3702: "ws_discovery",
    5093: "sentinel", 5351: "nat_pmp", 5353: "mdns", 5683: "coap", 6881: "bittorrent",
    9987: "teamspeak", 10001: "ubiquiti", 10074: "mitel", 11211: "memcached",
    17185: "vxworks", 27015: "steam", 27960: "quake", 30718: "lantronix", 32414: "plex",
    33848: "jenkins", 37810: "dhdiscover", 41794: "crestron", 47808: "bacnet",
    53413: "netis",
}  # fmt: skip

# UDP services that never answer, by design: telemetry a collector receives (syslog, RFC 5426;
# SNMP traps, RFC 3416; NetFlow v5/v9, RFC 3954, on its customary ports; IPFIX, RFC 7011;
# sFlow v5) and the metrics and logs a monitoring host receives on its tools' default ports
# (StatsD and DogStatsD 8125, Ganglia's gmond 8649, Graylog's GELF input 12201, collectd's
# network plugin 25826, InfluxDB's UDP listener 8089, where Telegraf sends line protocol),
# destination port -> service. Unanswered says nothing of them, and a
# crowd of senders on one of these ports (syslog from 514 to 514) is no reflection
COLLECTOR_PORTS: dict[int, str] = {
    162: "snmptrap", 514: "syslog", 2055: "netflow", 9995: "netflow", 9996: "netflow",
    4739: "ipfix", 6343: "sflow", 8089: "influxdb", 8125: "statsd", 8649: "ganglia", 12201: "gelf",
    25826: "collectd",
}  # fmt: skip

# how fingerprints name a service (the rest: its name in capitals)
SERVICE_LABELS = {"ws_discovery": "WS-Discovery", "memcached": "Memcached", "chargen": "Chargen",
                  "portmap": "Portmap", "netbios": "NetBIOS", "nat_pmp": "NAT-PMP", "mdns": "mDNS",
                  "bittorrent": "BitTorrent", "teamspeak": "TeamSpeak", "ubiquiti": "Ubiquiti",
                  "mitel": "Mitel", "vxworks": "VxWorks", "steam": "Steam", "quake": "Quake",
                  "lantronix": "Lantronix", "plex": "Plex", "jenkins": "Jenkins",
                  "dhdiscover": "DHDiscover", "crestron": "Crestron", "bacnet": "BACnet",
                  "netis": "Netis", "sentinel": "Sentinel", "citrix": "Citrix"}  # fmt: skip
DNS_FIELDS = ("dns.qry.name", "dns.qry.type", "dns.flags.response", "dns.flags.rcode",
              "dns.count.answers", "dns.resp.len")  # fmt: skip
HTTP_FIELDS = ("http.request.method", "http.host", "http.request.uri", "http.user_agent",
               "http.response.code")  # fmt: skip
# Wireshark fields worth reading of a reflection service's answers
SERVICE_FIELDS = {
    "dns": DNS_FIELDS,
    "ntp": ("ntp.flags.mode", "ntp.priv.reqcode", "ntp.priv.numitems"),
    "ssdp": ("ssdp", "http.response.code", "http.server"),
    "memcached": ("memcache.command", "memcache.key", "memcache.value"),
    "cldap": ("ldap.protocolOp", "ldap.objectName"),
    "snmp": ("snmp.community", "snmp.data", "snmp.name"),
    "ws_discovery": ("xml.tag",),
    "chargen": ("data.len",),
}


@dataclass(frozen=True)
class VectorRule:
    """One row of the vector table."""

    name: str
    proto: tuple[int, ...]  # IP protocols (after IPv6 extension headers); () = any
    family: str  # reflection | tcp_state | udp | rate | fragment | http | slow_http
    confirm: str  # the named confirmation (``CONFIRMATIONS``)
    sport: tuple[int, ...] = ()  # reflector (source) ports; () = any
    dport: tuple[int, ...] = ()  # service (destination) ports; () = any
    flags_mask: int = 0  # TCP flags: (tcp_flags & mask) == value
    flags_value: int = 0
    service: str | None = None  # the abused or attacked service, when one is named
    match: str = ""  # a named packet predicate beyond the fields (``vectors.rule_kernel.MATCHES``)
    evidence: str = ""
    # what the exports and dissection read of it:
    label: str = ""  # the service as the DDoS Clearing House fingerprint names it
    tag: str = ""  # the fingerprint's attack tag
    capec: str = ""  # CAPEC attack pattern (STIX attack-pattern external reference)
    dissect: tuple[str, ...] = ()  # Wireshark fields worth reading of its packets

    @property
    def title(self) -> str:
        """Its name in words, for people: ``NTP amplification``, ``SYN flood``, ``Slow HTTP``."""
        if self.family == "reflection" and self.service:
            return f"{SERVICE_LABELS.get(self.service, self.service.upper())} amplification"
        words = [_WORDS.get(w, w) for w in self.name.split("_")]
        return " ".join(words)[:1].upper() + " ".join(words)[1:]

    @property
    def protocols(self) -> tuple[str, ...]:
        """Its IP protocols by name (STIX network-traffic, fingerprints); () = any."""
        return tuple(PROTOCOL_NAMES[p] for p in self.proto)


_WORDS = {"syn": "SYN", "synack": "SYN-ACK", "ack": "ACK", "rst": "RST", "udp": "UDP", "tcp": "TCP",
          "http": "HTTP", "icmp": "ICMP", "ip": "IP", "ipv6": "IPv6", "dns": "DNS", "gre": "GRE",
          "other": "other-flag"}  # fmt: skip

PROTOCOL_NAMES = {PROTO_ICMP: "icmp", PROTO_TCP: "tcp", PROTO_UDP: "udp", PROTO_GRE: "gre",
                  PROTO_ICMPV6: "ipv6-icmp"}  # fmt: skip


# HTTP's ports: the standard ones (80, 443, 8080, 8443) and those web applications listen on
# out of the box, where labs and small deployments are flooded (Flask 5000, Node/Express and
# Rails 3000, Django 8000, Jupyter and proxies 8888, 8001, 8008, 8081)
WEB_PORTS = (80, 443, 8080, 8000, 8443, 3000, 5000, 8001, 8008, 8081, 8888)

# How a target's candidates are confirmed (the test each builds in ``vectors.verdicts.confirmed``)
CONFIRMATIONS = {
    "unsolicited": "answers from many sources that the target never asked for",
    "unsolicited_synack": "SYN-ACKs to a target that sent those servers no SYN",
    "incomplete_handshakes": "SYNs whose handshakes never complete, from a crowd or at flood rate",
    "orphan_segments": "segments on connections never opened and never answered, from a crowd or at flood rate",
    "unanswered_udp": "UDP the target never answers, to many ports or at flood rate",
    "rate": "a rate far above the target's own baseline, or above any benign rate",
    "fragments": "fragments at flood rate, or belonging to no datagram seen starting",
    "http_rate": "HTTP requests sustained far above the target's rate, or one client flooding alone",
    "slow_connections": "many connections holding requests open with a trickle of tiny segments, or reading the answers through a shut window",
}

_AMP = [
    VectorRule(f"{svc}_amplification", UDP, "reflection", "unsolicited", service=svc,
               label=SERVICE_LABELS.get(svc, svc.upper()), tag="Amplification attack", capec="CAPEC-490",
               dissect=SERVICE_FIELDS.get(svc, ()),
               sport=tuple(p for p, s in REFLECTION_SERVICES.items() if s == svc),
               evidence=f"{svc.upper().replace('_', '-')} answers (UDP source port "
                        f"{'/'.join(str(p) for p, s in REFLECTION_SERVICES.items() if s == svc)}) "
                        "from many reflectors, to a target that never asked")
    for svc in dict.fromkeys(REFLECTION_SERVICES.values())
]  # fmt: skip

# In priority order: a packet takes the first row it matches. Reflection services come first
# (a fragmented DNS answer is DNS amplification), and a reflection of a service no table names
# (its fragments take their datagram's port: a fragmented answer from the crowd's port is the
# reflection's), then fragments, then the rest.
VECTORS: list[VectorRule] = [
    *_AMP,
    VectorRule("udp_reflection", UDP, "reflection", "unsolicited", match="shared_source_port", label="Unknown service", tag="Amplification attack", capec="CAPEC-490",
               evidence="UDP answers from one source port shared by a crowd of reflectors, unsolicited (a service no table names: the port is in the evidence)"),
    VectorRule("ip_fragment_flood", (), "fragment", "fragments", match="fragment", label="Fragmented IP packets", tag="Fragmentation attack", capec="CAPEC-486",
               evidence="IP fragments at flood rate, or belonging to no datagram seen starting (no first fragment)"),
    VectorRule("ipv6_extension_header_flood", (), "rate", "rate", match="ipv6_extension_headers", tag="IPv6 extension header flood", capec="CAPEC-486",
               evidence="IPv6 packets (not ICMPv6: those are ICMP floods) carrying extension headers (hop-by-hop, routing, destination options) at flood rates"),
    VectorRule("dns_water_torture", UDP, "rate", "rate", dport=(53,), service="dns", label="DNS", tag="DNS water torture", capec="CAPEC-486", dissect=DNS_FIELDS,
               evidence="DNS queries to one server far above its baseline rate"),
    VectorRule("udp_flood", UDP, "udp", "unanswered_udp", tag="UDP flood", capec="CAPEC-486",
               evidence="UDP datagrams the target never answers, to many ports or at flood rate"),
    VectorRule("synack_reflection", TCP, "reflection", "unsolicited_synack", flags_mask=TCP_SYN | TCP_RST | TCP_ACK, flags_value=TCP_SYN | TCP_ACK, tag="TCP SYN-ACK reflection", capec="CAPEC-490",
               evidence="SYN-ACKs from many servers to a target that never sent them a SYN"),
    VectorRule("syn_flood", TCP, "tcp_state", "incomplete_handshakes", flags_mask=SYN_RST_ACK_FIN, flags_value=TCP_SYN, tag="TCP SYN flag attack", capec="CAPEC-482",
               evidence="SYNs whose handshakes never complete, from many sources or at flood rate"),
    VectorRule("rst_flood", TCP, "tcp_state", "orphan_segments", flags_mask=TCP_RST, flags_value=TCP_RST, tag="TCP RST flag attack", capec="CAPEC-482",
               evidence="RST segments on connections that do not exist"),
    VectorRule("http_flood", TCP, "http", "http_rate", dport=WEB_PORTS, service="http", match="client_payload", label="HTTP", tag="HTTP flood", capec="CAPEC-488", dissect=HTTP_FIELDS,
               evidence="HTTP requests (client segments with payload to a web port) sustained far above the target's own rate, or one client opening connections and requesting at flood rate"),
    VectorRule("ack_flood", TCP, "tcp_state", "orphan_segments", flags_mask=SYN_RST_ACK_FIN, flags_value=TCP_ACK, tag="TCP ACK flag attack", capec="CAPEC-482",
               evidence="ACK segments (bare, with PSH, with payload) on connections never opened and never answered"),
    VectorRule("tcp_other_flood", TCP, "tcp_state", "orphan_segments", match="known_flags", tag="TCP flag attack", capec="CAPEC-482",
               evidence="TCP segments of any other flag combination (FIN, FIN-ACK, URG, none, XMAS, ...) on connections never opened and never answered"),
    VectorRule("icmp_flood", (PROTO_ICMP, PROTO_ICMPV6), "rate", "rate", tag="ICMP flood", capec="CAPEC-487",
               evidence="ICMP/ICMPv6 at flood rates (echo, unreachable, time exceeded, ...)"),
    VectorRule("gre_flood", (PROTO_GRE,), "rate", "rate", tag="GRE flood", capec="CAPEC-486", evidence="GRE packets at flood rates toward a host that runs no tunnel"),
    # the protocols no row above names (ESP, AH, SCTP, IGMP, unassigned numbers): a flood of
    # one of them (a host's ESP at its VPN gateway), or of many at once (a random protocol field)
    VectorRule("ip_protocol_flood", (), "rate", "rate", match="other_protocol", tag="IP protocol flood", capec="CAPEC-486",
               evidence="IP packets of a protocol other than TCP, UDP, ICMP and GRE (ESP, unassigned numbers, a random protocol field) at flood rates, or of many protocols at once"),
    # judged per connection, not per packet (``vectors/slow_http.py``): no packet predicate
    VectorRule("slow_http", TCP, "slow_http", "slow_connections", service="http", match="connection", label="HTTP", tag="Slow HTTP attack", capec="CAPEC-469", dissect=HTTP_FIELDS,
               evidence="many connections to one service each holding a request open with a trickle of tiny segments the server never answers"),
]  # fmt: skip

RULES = {r.name: r for r in VECTORS}
REFLECTION = tuple(r.name for r in VECTORS if r.family == "reflection")
AMPLIFICATION = tuple(r.name for r in VECTORS if r.confirm == "unsolicited")
ORPHAN_KINDS = tuple(r.name for r in VECTORS if r.confirm == "orphan_segments")


_CODE_NAMES = re.compile(
    r"\b(" + "|".join(sorted(map(re.escape, RULES), key=len, reverse=True)) + r")\b"
)


def in_words(text: str) -> str:
    """Vector code names in a sentence written in words (``syn_flood`` -> ``SYN flood``)."""
    return _CODE_NAMES.sub(lambda m: RULES[m.group()].title, str(text))
