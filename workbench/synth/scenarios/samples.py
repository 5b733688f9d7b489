"""The reference story (the November 2015 attack on an encrypted-mail provider) and the six
scenarios the bundled samples are written from (``scripts/make_samples.py``)."""

from __future__ import annotations

from workbench.synth.scenarios.model import (
    DATACENTER,
    MAIL,
    UPSTREAM,
    Attack,
    Scenario,
)

SCENARIOS: list[Scenario] = []  # in the order they are listed
_add = SCENARIOS.append


_add(
    Scenario(
        name="mailprovider-2015",
        description=(
            "Nov 2015 encrypted-mail provider: amplification on the mail servers, a pause, carpet bombing "
            "of the datacenter, waves on the upstream ISP routers, then scrubbing"
        ),
        start="2015-11-04T07:55:00Z",
        duration=480,
        phases=(
            (0, 60, "baseline"),
            (60, 170, "attack"),  # the mail servers: ~15 min in the account, compressed
            (170, 220, "baseline"),  # the pause
            (220, 310, "attack"),  # carpet bombing of the datacenter prefix
            (310, 400, "attack"),  # the upstream ISP's routers
            (400, 480, "mitigated"),  # scrubbing in front: a residue gets through
        ),
        attacks=(
            Attack("dns_amplification", 60, 170, 170, tuple(MAIL[:2]), reflectors=2500),
            Attack("ntp_amplification", 60, 170, 360, tuple(MAIL[:2]), reflectors=1200),
            Attack("syn_flood", 220, 310, 560, (DATACENTER,)),
            Attack("udp_flood", 220, 310, 280, (DATACENTER,)),
            Attack("ssdp_amplification", 310, 480, 680, tuple(UPSTREAM), reflectors=1800),
            Attack("ip_fragment_flood", 310, 480, 200, tuple(UPSTREAM)),
        ),
        capacity_bps=4e6,
        mitigation=(400, 0.04),
        sessions_per_s=3,
        dns_per_s=8,
        snaplen=128,
        fmt="pcapng",
        time_compression=7.5,
        notes=(
            "Rates are scaled down ~2500x (the 4 Mbit/s link stands for a 10 Gbit/s uplink) and the"
            " 15-minute first wave is compressed to 110 s, so the sample stays a few MB."
        ),
    )
)
_add(
    Scenario(
        name="reflection-mix",
        description="Amplification families in turn: DNS, then NTP + memcached, then CLDAP + SNMP + WS-Discovery + chargen + ARD (Apple Remote Desktop)",
        start="2021-05-15T14:00:00Z",
        duration=150,
        phases=(
            (0, 20, "baseline"),
            (20, 55, "attack"),
            (55, 70, "baseline"),
            (70, 105, "attack"),
            (105, 115, "baseline"),
            (115, 150, "attack"),
        ),
        attacks=(
            Attack("dns_amplification", 20, 55, 150, ("203.0.113.10",)),
            Attack("ntp_amplification", 70, 105, 150, ("203.0.113.11",)),
            Attack("memcached_amplification", 70, 105, 60, ("203.0.113.11",)),
            Attack("cldap_amplification", 115, 150, 50, ("203.0.113.12",)),
            Attack("snmp_amplification", 115, 150, 60, ("203.0.113.12",)),
            Attack("ws_discovery_amplification", 115, 150, 50, ("203.0.113.12",)),
            Attack("chargen_amplification", 115, 150, 50, ("203.0.113.12",)),
            Attack("ard_amplification", 115, 150, 40, ("203.0.113.12",)),
        ),
    )
)
_add(
    Scenario(
        name="tcp-state-floods",
        description="SYN flood (spoofed), ACK + RST floods, SYN-ACK reflection, then a FIN/PSH/URG flood",
        start="2021-04-28T10:30:00Z",
        duration=160,
        phases=(
            (0, 20, "baseline"),
            (20, 55, "attack"),
            (55, 90, "attack"),
            (90, 125, "attack"),
            (125, 160, "attack"),
        ),
        attacks=(
            Attack("syn_flood", 20, 55, 600, ("203.0.113.80",)),
            Attack("ack_flood", 55, 90, 400, ("203.0.113.80",)),
            Attack("rst_flood", 55, 90, 200, ("203.0.113.80",)),
            Attack("synack_reflection", 90, 125, 500, ("203.0.113.10",), reflectors=3000),
            Attack("tcp_other_flood", 125, 160, 400, ("203.0.113.80",)),
        ),
    )
)
_add(
    Scenario(
        name="fragments",
        description="IP fragment flood, GRE flood from a botnet, then ICMP + UDP floods",
        start="2021-09-21T15:45:00Z",
        duration=130,
        phases=(
            (0, 20, "baseline"),
            (20, 55, "attack"),
            (55, 65, "baseline"),
            (65, 95, "attack"),
            (95, 130, "attack"),
        ),
        attacks=(
            Attack("ip_fragment_flood", 20, 55, 300, ("203.0.113.53",)),
            Attack("gre_flood", 65, 95, 300, ("203.0.113.53",)),
            Attack("icmp_flood", 95, 130, 300, ("203.0.113.80",)),
            Attack("udp_flood", 95, 130, 200, ("203.0.113.80",)),
        ),
    )
)
_add(
    Scenario(
        name="application-layer",
        description="HTTP GET flood from a botnet over real TCP sessions, then DNS water torture of the provider's zone",
        start="2015-10-14T14:27:00Z",
        duration=120,
        phases=((0, 20, "baseline"), (20, 60, "attack"), (60, 75, "baseline"), (75, 120, "attack")),
        attacks=(
            Attack("http_flood", 20, 60, 40, ("203.0.113.80",)),
            Attack("dns_water_torture", 75, 120, 400, ("203.0.113.53",)),
        ),
    )
)
_add(
    Scenario(
        name="carpet-bombing",
        description="UDP flood and NTP amplification spread across every address of one /24",
        start="2020-02-12T09:00:00Z",
        duration=110,
        phases=((0, 20, "baseline"), (20, 60, "attack"), (60, 110, "attack")),
        attacks=(
            Attack("udp_flood", 20, 60, 500, (DATACENTER,)),
            Attack("ntp_amplification", 60, 110, 400, (DATACENTER,), reflectors=900),
        ),
    )
)
_add(
    Scenario(
        name="saturation",
        description="A 20 Mbit/s link filled by NTP amplification bursts: tail drops, retransmissions, ISB drop counters",
        start="2022-01-10T12:00:00Z",
        duration=90,
        phases=((0, 20, "baseline"), (20, 60, "attack"), (60, 90, "mitigated")),
        attacks=(Attack("ntp_amplification", 20, 90, 9000, ("203.0.113.10",), reflectors=1000),),
        capacity_bps=20e6,
        mitigation=(60, 0.05),
        attack_uplink=1,
        sessions_per_s=10,
        snaplen=128,
        fmt="pcapng",
    )
)
