"""Named attack scenarios: a timeline of building blocks, with the truth they imply.

Times are seconds from the scenario's start. Rates are packets/s at ``scale=1``
(``scale`` multiplies every rate and the link capacity). Addresses of the
provider side are documentation ranges: 203.0.113.0/24 the provider's
datacenter, 198.51.100.0/24 its upstream ISP's routers.
"""

from __future__ import annotations

from dataclasses import dataclass, field

MAIL = ["203.0.113.10", "203.0.113.11", "203.0.113.12", "203.0.113.13"]
WEB = "203.0.113.80"
WEB_V6 = "2001:db8:40::80"
RESOLVER = "203.0.113.53"
UPSTREAM = ["198.51.100.1", "198.51.100.2", "198.51.100.5"]
DATACENTER = "203.0.113.0/24"
SERVICES = {
    "mail": [(ip, port, 10) for ip in MAIL for port in (25, 465, 587, 993)],
    "web": [(WEB, 443, 0), (WEB, 80, 0)],
}


@dataclass(frozen=True)
class Attack:
    """One vector between ``start`` and ``end`` (seconds) at ``pps`` toward ``targets``.

    The fields after ``reflectors`` are variants of the vector's habits (``VectorSpec``); their
    defaults keep the vector as it is. Targets given as IPv6 text make the attack IPv6 (sources too).
    """

    vector: str
    start: float
    end: float
    pps: float
    targets: tuple[str, ...]  # addresses (IPv4 or IPv6), or one IPv4 prefix for carpet bombing
    reflectors: int = 1500
    sources: str | None = None  # override the vector's: single | bots | spoofed | reflectors
    src_prefix: str | None = None  # spoofed sources drawn uniformly inside this prefix
    ttl_values: int | None = None  # the senders' TTLs take this many distinct values (1-64)
    bots: int | None = None  # botnet size (default 600, shared by the scenario's botnet vectors)
    sport: int | None = None  # fixed source port (0: random ephemeral)
    dport: int | None = None  # fixed destination port (0: random)
    sport_step: bool = False  # the source port increments per packet (hping-style single host)
    ephemeral_share: float = 0.0  # share of reflectors answering from a random high port
    first_fragments: float = (
        0.0  # fragment flood: share of first fragments (offset 0, MF, L4 header)
    )
    connections: int = 0  # slow_http: concurrent connections at scale 1
    preopened: bool = False  # slow_http: connections already open when the capture starts
    interval: tuple[float, float] = (5.0, 15.0)  # slow_http: seconds between header lines
    tcp_flags: int | None = None  # override the vector's TCP flags (PSH-ACK, FIN, ...)
    sizes: tuple[int, ...] | None = None  # override the vector's L4 payload sizes

    @property
    def ipv6(self) -> bool:
        return ":" in self.targets[0]


@dataclass(frozen=True)
class Traffic:
    """A block of benign traffic (label legit) beyond the scenario's ordinary baseline.

    ``kind``: http_sessions (complete HTTP/1.1 GETs to ``server``:``port`` from a pool of
    ``clients``; ``rate`` sessions/s, ``ramp`` seconds of linear rise and fall), browser_burst
    (``count`` parallel page-asset sessions from one ``client`` to ``servers``), established
    (``count`` long-lived sessions already open before the capture), resolver (a recursive
    resolver ``client`` querying ``count`` authoritative servers: ``rate`` queries/s steady plus a
    surge of ``peak`` queries/s decaying with ``tau``), bulk (one TCP transfer paced at
    ``link_share`` of the scenario's capacity). Rates and counts are at scale 1.
    """

    kind: str
    start: float
    end: float
    rate: float = 0.0
    count: int = 0
    server: str = ""
    servers: tuple[str, ...] = ()
    port: int = 80
    ports: tuple[int, ...] = ()
    client: str = ""
    clients: int = 2000
    ramp: float = 0.0
    peak: float = 0.0
    tau: float = 8.0
    link_share: float = 0.96


@dataclass(frozen=True)
class Scenario:
    name: str
    description: str
    start: str  # ISO-8601 UTC of t=0
    duration: float
    phases: tuple[tuple[float, float, str], ...]
    attacks: tuple[Attack, ...]
    capacity_bps: float | None = None
    mitigation: tuple[float, float] | None = None  # (start, residue share kept)
    # the residue arrives through a scrubbing center: this many more hops (its TTLs drop)
    scrubbing_hops: int = 0
    attack_uplink: int | None = None  # the attack arrives through this upstream router only
    sessions_per_s: float = 6.0
    dns_per_s: float = 10.0
    snaplen: int = 262144
    fmt: str = "pcap"
    time_compression: float = 1.0
    notes: str = ""
    extra: dict = field(default_factory=dict)
    traffic: tuple[Traffic, ...] = ()  # benign blocks beyond the ordinary baseline
    one_way: bool = False  # asymmetric routing: only packets toward the provider are captured
    time_jumps: tuple[tuple[float, float], ...] = ()  # (at, seconds): later packets jump forward
    negative: bool = False  # benign only: the truth has no vector


SCENARIOS: dict[str, Scenario] = {}


def _add(s: Scenario) -> None:
    SCENARIOS[s.name] = s


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

# ------------------------------------------------------------------------------------------------
# Scenarios that break the analysis's habits: one-host floods, IPv6, slow attacks, snippets,
# unlisted reflection, spoofing variants (positives), and benign traffic that looks busy (negatives).

WEB6 = "2001:db8:40::80"
DNS6 = "2001:db8:40::53"
MAIL6 = "2001:db8:40::25"
NEWS_SITE = ("151.101.1.67", "151.101.65.67", "151.101.129.67", "151.101.193.67")

_add(
    Scenario(
        name="single-source-floods",
        description=(
            "One real host per flood: a UDP flood to one port, a quiet gap, an ICMP echo flood, then an"
            " unspoofed SYN flood with incrementing source ports and one TTL"
        ),
        start="2023-03-02T09:00:00Z",
        duration=62,
        phases=(
            (0, 10, "baseline"),
            (10, 20, "attack"),
            (20, 28, "baseline"),
            (28, 38, "attack"),
            (38, 42, "baseline"),
            (42, 52, "attack"),
            (52, 62, "baseline"),
        ),
        attacks=(
            Attack("udp_flood", 10, 20, 2000, ("203.0.113.80",), sources="single", dport=27015),
            Attack("icmp_flood", 28, 38, 1500, ("203.0.113.10",), sources="single"),
            Attack("syn_flood", 42, 52, 1500, ("203.0.113.80",), sources="single", sport_step=True),
        ),
    )
)
_add(
    Scenario(
        name="ipv6-floods",
        description=(
            "IPv6 only attacks on IPv6 hosts: ICMPv6 echo flood from one host, UDP flood from a botnet,"
            " fragment flood, hop-by-hop/destination-options header flood, spoofed SYN flood"
        ),
        start="2023-06-20T18:30:00Z",
        duration=110,
        phases=(
            (0, 15, "baseline"),
            (15, 30, "attack"),
            (30, 35, "baseline"),
            (35, 50, "attack"),
            (50, 55, "baseline"),
            (55, 70, "attack"),
            (70, 75, "baseline"),
            (75, 90, "attack"),
            (90, 95, "baseline"),
            (95, 110, "attack"),
        ),
        attacks=(
            Attack("icmp_flood", 15, 30, 1200, (WEB6,), sources="single"),
            Attack("udp_flood", 35, 50, 1000, (DNS6,), sources="bots", bots=400),
            Attack("ip_fragment_flood", 55, 70, 800, (MAIL6,), first_fragments=0.2),
            Attack("ipv6_extension_header_flood", 75, 90, 1000, (WEB6,)),
            Attack("syn_flood", 95, 110, 1200, (WEB6,)),
        ),
        sessions_per_s=8,
    )
)
_add(
    Scenario(
        name="slow-http",
        description=(
            "Slowloris: 300 bots hold ~600 connections to port 8080 for 2 minutes, one tiny header line"
            " every 5-15 s each, among normal web sessions on the same port; then one host with 200 on port 5000"
        ),
        start="2022-08-11T13:00:00Z",
        duration=240,
        phases=(
            (0, 20, "baseline"),
            (20, 140, "attack"),
            (140, 150, "baseline"),
            (150, 230, "attack"),
            (230, 240, "baseline"),
        ),
        attacks=(
            Attack(
                "slow_http", 20, 140, 0, ("203.0.113.80",), connections=600, bots=300, dport=8080
            ),
            Attack(
                "slow_http",
                150,
                230,
                0,
                ("203.0.113.81",),
                connections=200,
                sources="single",
                dport=5000,
            ),
        ),
        traffic=(
            Traffic("http_sessions", 0, 240, rate=3, server="203.0.113.80", port=8080, clients=800),
        ),
    )
)
_add(
    Scenario(
        name="slow-http-preopened",
        description=(
            "Slowloris already running when the capture starts: no handshake in it, 500 connections from"
            " 250 bots trickling a header line every 5-15 s to port 8080 for the whole capture"
        ),
        start="2022-08-12T02:10:00Z",
        duration=120,
        phases=((0, 120, "attack"),),
        attacks=(
            Attack(
                "slow_http",
                0,
                120,
                0,
                ("203.0.113.80",),
                connections=500,
                bots=250,
                dport=8080,
                preopened=True,
            ),
        ),
    )
)
_add(
    Scenario(
        name="snippet-reflection",
        description="A 50 ms snippet of SNMP reflection from 2000 reflectors: all attack, no baseline",
        start="2024-01-05T22:14:03Z",
        duration=0.05,
        phases=((0, 0.05, "attack"),),
        attacks=(Attack("snmp_amplification", 0, 0.05, 60000, ("203.0.113.12",), reflectors=2000),),
        sessions_per_s=0,
        dns_per_s=0,
    )
)
_add(
    Scenario(
        name="snippet-ntp",
        description="A 0.4 s snippet: NTP reflection on a mail server amid DNS lookups",
        start="2024-01-06T08:00:00Z",
        duration=0.4,
        phases=((0, 0.4, "attack"),),
        attacks=(Attack("ntp_amplification", 0, 0.4, 20000, ("203.0.113.11",), reflectors=800),),
        sessions_per_s=0,
        dns_per_s=300,
    )
)
_add(
    Scenario(
        name="subsecond-burst",
        description="30 s of ordinary traffic with a 0.6 s spoofed SYN flood burst (20 kpps) in the middle",
        start="2023-11-30T11:11:00Z",
        duration=30,
        phases=((0, 14.7, "baseline"), (14.7, 15.3, "attack"), (15.3, 30, "baseline")),
        attacks=(Attack("syn_flood", 14.7, 15.3, 20000, ("203.0.113.80",)),),
        sessions_per_s=10,
    )
)
_add(
    Scenario(
        name="unlisted-reflection",
        description=(
            "UDP reflection from 1500 reflectors all answering from port 40123 (no list knows it), then SSDP"
            " where 40% of the reflectors answer from ephemeral ports, partly scrubbed (15% residue)"
        ),
        start="2023-09-09T04:20:00Z",
        duration=110,
        phases=(
            (0, 15, "baseline"),
            (15, 55, "attack"),
            (55, 65, "baseline"),
            (65, 95, "attack"),
            (95, 110, "mitigated"),
        ),
        attacks=(
            Attack("udp_reflection", 15, 55, 1500, ("203.0.113.10",), reflectors=1500),
            Attack(
                "ssdp_amplification",
                65,
                110,
                1200,
                ("203.0.113.53",),
                reflectors=1800,
                ephemeral_share=0.4,
            ),
        ),
        mitigation=(95, 0.15),
    )
)
_add(
    Scenario(
        name="tcp-flag-floods",
        description=(
            "TCP floods of other flag combinations: PSH-ACK with payload to SSH from spoofed sources, FIN"
            " to HTTPS from spoofed sources, then PSH-ACK from one host to RDP"
        ),
        start="2023-02-02T02:00:00Z",
        duration=120,
        phases=(
            (0, 15, "baseline"),
            (15, 45, "attack"),
            (45, 55, "baseline"),
            (55, 85, "attack"),
            (85, 95, "baseline"),
            (95, 120, "attack"),
        ),
        attacks=(
            Attack(
                "ack_flood",
                15,
                45,
                1500,
                ("203.0.113.10",),
                dport=22,
                tcp_flags=0x18,
                sizes=(64, 512, 1200),
            ),
            Attack("tcp_other_flood", 55, 85, 1500, ("203.0.113.80",), dport=443, tcp_flags=0x01),
            Attack(
                "ack_flood",
                95,
                120,
                1200,
                ("203.0.113.11",),
                sources="single",
                dport=3389,
                tcp_flags=0x18,
                sizes=(100,),
                sport_step=True,
            ),
        ),
    )
)
_add(
    Scenario(
        name="scrubbing-path",
        description=(
            "NTP amplification diverted to a scrubbing center that lets 60 % through: the rate hardly"
            " drops, but the residue arrives four hops further away (its TTLs fall by 4)"
        ),
        start="2023-03-03T03:00:00Z",
        duration=120,
        phases=((0, 15, "baseline"), (15, 60, "attack"), (60, 120, "mitigated")),
        attacks=(Attack("ntp_amplification", 15, 120, 1500, ("203.0.113.10",), reflectors=900),),
        mitigation=(60, 0.6),
        scrubbing_hops=4,
    )
)
_add(
    Scenario(
        name="spoofing-variants",
        description=(
            "Spoofing that is not uniform: a SYN flood spoofed within one /16, a UDP flood from a botnet"
            " with 40 distinct TTLs, a fragment flood with first fragments, then scrubbing leaving 25%"
        ),
        start="2023-05-17T16:00:00Z",
        duration=150,
        phases=(
            (0, 15, "baseline"),
            (15, 40, "attack"),
            (40, 50, "baseline"),
            (50, 75, "attack"),
            (75, 85, "baseline"),
            (85, 115, "attack"),
            (115, 150, "mitigated"),
        ),
        attacks=(
            Attack("syn_flood", 15, 40, 1500, ("203.0.113.80",), src_prefix="45.12.0.0/16"),
            Attack(
                "udp_flood",
                50,
                75,
                1000,
                ("203.0.113.53",),
                sources="bots",
                bots=800,
                ttl_values=40,
            ),
            Attack("ip_fragment_flood", 85, 150, 800, ("203.0.113.10",), first_fragments=0.3),
        ),
        mitigation=(115, 0.25),
    )
)
# negatives: benign traffic only, the truth has no vector
_add(
    Scenario(
        name="flash-crowd",
        description=(
            "Benign flash crowd: 2000 real clients doing complete HTTP sessions on one web server, the"
            " session rate rising twentyfold for 30 s"
        ),
        start="2022-11-25T07:59:00Z",
        duration=120,
        phases=((0, 120, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("http_sessions", 0, 117, rate=5, server="203.0.113.80", port=80, clients=2000),
            Traffic(
                "http_sessions",
                40,
                75,
                rate=95,
                server="203.0.113.80",
                port=80,
                clients=2000,
                ramp=5,
            ),
        ),
        negative=True,
        notes="The surge: about 100 sessions/s from 40 s to 75 s (5 s ramps), against 5 before and after.",
    )
)
_add(
    Scenario(
        name="browser-burst",
        description="Benign: one browser opens 40 parallel HTTP connections to a news site's servers within 2 s",
        start="2022-04-04T12:30:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("browser_burst", 20, 22, count=40, client="203.0.113.150", servers=NEWS_SITE),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="established-sessions",
        description=(
            "Benign: 30 long-lived IMAPS/SMTPS sessions already open before the capture (no handshake),"
            " data and bare ACKs both ways for 120 s"
        ),
        start="2022-02-14T10:00:00Z",
        duration=120,
        phases=((0, 120, "baseline"),),
        attacks=(),
        traffic=(Traffic("established", 0, 120, count=30, servers=tuple(MAIL), ports=(993, 465)),),
        sessions_per_s=0,
        dns_per_s=4,
        negative=True,
    )
)
_add(
    Scenario(
        name="asymmetric-routing",
        description=(
            "Benign, one direction only: the provider's answers leave by another path, so the capture holds"
            " SYNs, ACKs and requests of ordinary sessions and DNS queries without answers"
        ),
        start="2022-06-01T06:45:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        sessions_per_s=25,
        dns_per_s=40,
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="dns-resolver-surge",
        description=(
            "Benign: the provider's recursive resolver after a cache flush asks 400 authoritative servers"
            " thousands of questions and gets the answers (port 53, 100-1450 bytes): solicited, not amplification"
        ),
        start="2022-09-19T03:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("resolver", 15, 90, rate=40, peak=1500, tau=8, count=400, client=RESOLVER),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="backup-transfer",
        description="Benign: one TCP bulk transfer (an off-site backup) fills a 20 Mbit/s link for 45 s",
        start="2022-12-03T01:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "bulk",
                8,
                53,
                client="203.0.113.30",
                server="80.241.60.20",
                port=873,
                link_share=0.96,
            ),
        ),
        capacity_bps=20e6,
        sessions_per_s=4,
        fmt="pcapng",
        snaplen=128,
        negative=True,
    )
)
_add(
    Scenario(
        name="merged-traces",
        description=(
            "Benign: two captures merged into one file: ordinary traffic, then the clock jumps ~3 years"
            " forward and ordinary traffic continues"
        ),
        start="2019-03-11T15:00:00Z",
        duration=120,
        phases=((0, 60, "baseline"), (60, 120, "baseline")),
        attacks=(),
        time_jumps=((60, 3 * 365 * 86400 + 17 * 86400 + 5 * 3600 + 1234.5),),
        negative=True,
    )
)
