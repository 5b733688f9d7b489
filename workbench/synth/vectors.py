"""Attack vectors as data: one row per vector the synthesizer can write.

``sources``: reflectors (real servers answering spoofed requests), spoofed (uniform
random), bots (a botnet of real hosts) or single (one real host). ``sizes``: L4 payload
sizes in bytes (answers larger than one frame are sent as IP fragments, as real ones are).
A scenario's ``Attack`` may override the sources, ports and TTL habits of a vector.

The order of ``VECTOR_SPECS`` is the label index of a vector: new vectors go at the end.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class VectorSpec:
    name: str
    proto: int
    sources: str  # reflectors | spoofed | bots | single
    sport: int = 0  # 0: random ephemeral
    dport: int = 0  # 0: random
    template: str = "zeros"
    sizes: tuple[int, ...] = (0,)
    tcp_flags: int = 0
    icmp_type: int = 0
    nonfirst_fragments: bool = False
    # IPv6 hop-by-hop / destination-options headers before the upper layer
    ext_headers: bool = False
    # the IP protocol of each packet drawn from these (a random protocol field); () = ``proto``
    protocols: tuple[int, ...] = ()


# a random protocol field: every number but those the decoder reads as TCP, UDP, ICMP, ICMPv6,
# GRE or a tunnel to peel (IP-in-IP 4, IPv6-in-IPv4 41), whose zeros would read as other traffic
RANDOM_PROTOCOLS = tuple(p for p in range(256) if p not in (1, 4, 6, 17, 41, 47, 58))


VECTOR_SPECS: dict[str, VectorSpec] = {
    v.name: v
    for v in [
        VectorSpec(
            "dns_amplification",
            17,
            "reflectors",
            53,
            0,
            "dns_answer",
            (1232, 1800, 2600, 3200, 4000),
        ),
        VectorSpec(
            "ntp_amplification", 17, "reflectors", 123, 0, "ntp_monlist", (440, 440, 440, 224)
        ),
        VectorSpec("ssdp_amplification", 17, "reflectors", 1900, 0, "ssdp", (290, 320, 350)),
        VectorSpec(
            "memcached_amplification", 17, "reflectors", 11211, 0, "memcached", (1400, 1400, 1400)
        ),
        VectorSpec("chargen_amplification", 17, "reflectors", 19, 0, "chargen", (740, 1020, 1200)),
        VectorSpec("cldap_amplification", 17, "reflectors", 389, 0, "cldap", (1400, 2900, 3000)),
        VectorSpec("snmp_amplification", 17, "reflectors", 161, 0, "snmp", (420, 780, 1300)),
        VectorSpec(
            "ws_discovery_amplification",
            17,
            "reflectors",
            3702,
            0,
            "ws_discovery",
            (600, 1100, 1400),
        ),
        VectorSpec(
            "ard_amplification", 17, "reflectors", 3283, 0, "zeros", (300, 500)
        ),  # Apple Remote Desktop
        VectorSpec("udp_flood", 17, "spoofed", 0, 0, "zeros", (512, 1024, 1400)),
        VectorSpec("syn_flood", 6, "spoofed", 0, 443, tcp_flags=0x02),
        VectorSpec("ack_flood", 6, "spoofed", 0, 443, tcp_flags=0x10),
        VectorSpec("rst_flood", 6, "spoofed", 0, 443, tcp_flags=0x04),
        VectorSpec("synack_reflection", 6, "reflectors", 443, 0, tcp_flags=0x12),
        VectorSpec("tcp_other_flood", 6, "spoofed", 0, 80, tcp_flags=0x29),  # FIN|PSH|URG ("xmas")
        VectorSpec("icmp_flood", 1, "bots", template="zeros", sizes=(56, 1000, 1400), icmp_type=8),
        VectorSpec(
            "ip_fragment_flood",
            17,
            "spoofed",
            template="zeros",
            sizes=(1480,),
            nonfirst_fragments=True,
        ),
        VectorSpec("gre_flood", 47, "bots", template="gre_inner", sizes=(540, 1024)),
        VectorSpec("http_flood", 6, "bots", 0, 80),
        VectorSpec("dns_water_torture", 17, "bots", 0, 53),
        # reflection from one fixed source port that no service list knows
        VectorSpec("udp_reflection", 17, "reflectors", 40123, 0, "zeros", (400, 560, 720, 900)),
        # slowloris: long-lived connections trickling one tiny header line every 5-15 s
        VectorSpec("slow_http", 6, "bots", 0, 8080),
        VectorSpec(
            "ipv6_extension_header_flood",
            17,
            "spoofed",
            template="zeros",
            sizes=(32, 64, 512),
            ext_headers=True,
        ),
        # NetBIOS name service: node status answers (NBSTAT, ~230 bytes) from port 137
        VectorSpec("netbios_amplification", 17, "reflectors", 137, 0, "nbstat", (229, 265, 301)),
        # spoofed packets whose IP protocol field is random, carrying 0-64 bytes of zeros
        VectorSpec(
            "ip_protocol_flood", 253, "spoofed", sizes=(0, 20, 40, 64), protocols=RANDOM_PROTOCOLS
        ),
    ]
}
