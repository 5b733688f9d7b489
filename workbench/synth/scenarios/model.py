"""What a scenario is made of: attacks, benign traffic blocks, the scenario's timeline; and the
addresses of the provider side (documentation ranges: 203.0.113.0/24 the provider's datacenter,
198.51.100.0/24 its upstream ISP's routers; 2001:db8:40::/48 its IPv6 hosts)."""

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
    src_prefix: str | None = None  # spoofed sources drawn uniformly inside it (single: its host)
    ttl_values: int | None = None  # the senders' TTLs take this many distinct values (1-64)
    bots: int | None = None  # botnet size (default 600, shared by the scenario's botnet vectors)
    sport: int | None = None  # fixed source port (0: random ephemeral)
    dport: int | None = None  # fixed destination port (0: random)
    sport_step: bool = False  # the source port increments per packet (hping-style single host)
    # source ports drawn from [lo, hi] (old Windows: 1025-5000)
    sport_range: tuple[int, int] | None = None
    ephemeral_share: float = 0.0  # share of reflectors answering from a random high port
    first_fragments: float = (
        0.0  # fragment flood: share of first fragments (offset 0, MF, L4 header)
    )
    connections: int = (
        0  # slow_http: concurrent connections at scale 1; http_flood: keep-alive ones per client
    )
    preopened: bool = False  # slow_http: connections already open when the capture starts
    interval: tuple[float, float] = (5.0, 15.0)  # slow_http: seconds between header lines
    # slow_http: the clients read the answer slowly (slowhttptest -X; ``interval``: seconds
    # between the windows they open) instead of trickling their request
    slow_read: bool = False
    tls: bool = False  # slow_http: over HTTPS (a TLS 1.3 handshake first, each piece a record)
    tcp_flags: int | None = None  # override the vector's TCP flags (PSH-ACK, FIN, ...)
    sizes: tuple[int, ...] | None = None  # override the vector's L4 payload sizes
    icmp_type: int | None = None  # override the vector's ICMP type (0: echo replies, a smurf's)
    protocols: tuple[int, ...] | None = None  # override the vector's IP protocols (one each)
    port_zero: bool = False  # from and to port 0, as a UDP null flood sends
    template: str | None = None  # override the vector's payload (``payloads.TEMPLATES``)
    # the target answers each datagram with this payload, from the port it came to (a server
    # answering a flood of its queries); the answers are legitimate traffic
    answer: str | None = None
    # http_flood on keep-alive connections: the server no longer answers (it acknowledges each
    # request and sends nothing: the script keeps sending on each connection)
    unanswered: bool = False
    # every packet's TTL (IPv6: hop limit), where the senders' own would be wrong: 255 for
    # neighbor discovery, which its receivers require
    ttl: int | None = None
    # syn_flood: the target answers each SYN with a SYN-ACK, which its sender resets (bots whose
    # own kernels reset what they never opened: a flood sent from real addresses, no firewall
    # rule dropping the SYN-ACKs); both are legitimate traffic, the SYNs the flood
    reset: bool = False

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
    resolver ``client`` querying ``count`` authoritative servers: ``rate`` queries/s steady plus
    a surge of ``peak`` queries/s decaying with ``tau``), bulk (one TCP transfer paced at
    ``link_share`` of the scenario's capacity), gre_tunnel (``rate`` GRE packets/s each way
    between ``client`` and ``server``; esp_tunnel: IPsec's ESP; wireguard_tunnel: ``rate``
    WireGuard datagrams/s from ``server`` to ``client``, both on ``port``), protocol_scan
    (``client`` scans ``server``'s IP protocols, nmap -sO: 256 probes in each of ``count``
    rounds, ``rate`` a second; udp_scan: ``count`` of its UDP ports, nmap -sU; ntp_server:
    ``server`` answers ``rate`` NTP requests/s from ``count`` clients; rtp_cameras: ``count``
    cameras' RTP video to ``server``), scanners (the internet's background scanning of
    ``server``: ``count`` scanners, ``rate`` SYNs and UDP questions a second, its open ``ports``
    answer), udp_reads (``rate`` UDP reads/s from ``client`` to
    ``server``:``port``, each answered with 8 KB in fragments), vxlan_overlay (``count`` inner
    flows, ``rate`` packets/s each way between two VXLAN endpoints), traceroutes (``client``
    traces the path to each of ``servers`` ``rate`` times a second, UDP probes),
    lan_name_queries (``count`` LAN hosts broadcast NetBIOS name queries, ``rate`` a minute
    each), ssdp_discovery (``client`` sends an SSDP M-SEARCH ``rate`` times a second; ``count``
    LAN devices answer), ntp_sync (``client`` starts ntpd with ``count`` servers), dns_bursts
    (``client`` loads ``count`` pages, each a burst of ``rate`` DNS queries/s to its resolver
    ``server`` for ``tau`` s), reverse_lookups (``client`` asks ``server`` the names of
    ``count`` addresses, ``rate`` a second), ping_rounds (``client`` pings ``count`` consecutive
    addresses from ``server`` in rounds every ``tau`` s: ``peak`` pings to each, ``rate`` a
    second), https_upload (``client`` uploads to ``server``:``port`` over one HTTPS connection,
    ``rate`` full segments a second), tcp_call (a call's media over one TCP connection from
    ``client`` to ``server``:``port``, ``rate`` segments a second each way), keepalive_fetches
    (``client`` fetches ``rate`` files a second from ``server``:``port`` over ``count`` keep-alive
    connections), batch_posts (``client`` posts ``rate`` batches a second of 640 B to 40 KB each to
    ``server``:``port`` over ``count`` keep-alive connections, each answered alike), metric_flushes (``count`` hosts send collector ``server``:``port`` ``peak``
    datagrams each every ``tau`` seconds, on the same tick), membership_reports (router
    ``client`` queries every ``tau`` s; ``count`` hosts of its /24 answer with ``peak`` IGMPv3
    reports each within 10 s), all_nodes_pings (fe80::1 pings ff02::1 once a second; ``count``
    hosts of the link answer each), message_streams (``count`` hosts each send ``server``:``port``
    a Graphite line every ``tau`` s on a connection opened before the capture), keepalive_probes
    (``count`` clients' idle connections to ``server``:``port``, opened before the capture, each
    probed by a one-octet TCP keep-alive every ``tau`` s). Rates and counts
    are at scale 1. reconnect_storm: ``count`` devices retry ``server``:``port`` while it is down
    for ``tau`` s from ``start`` (each SYN refused), then connect and publish every 5 s;
    restart_resets: ``count`` clients' next message on connections ``server`` lost in a restart
    (within ``tau`` s) is answered by a RST, and each reconnects; idle_resets: ``count`` clients
    each reset one idle connection to ``server``:``port`` (a bare RST); half_open_monitors:
    ``count`` sites check ``server``:``port`` every ``tau`` s each (SYN, SYN-ACK, RST);
    neighbor_discovery: a link
    of ``count`` IPv6 hosts comes back at ``start`` (each checks its address and solicits its
    router fe80::1 twice, answered), the router advertising itself every 10 s.
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
    one_way_share: float = 0.0  # udp_sessions: share of sessions the server never answers
    size: int = 56  # pings: data bytes of each echo (ping's default; larger ones are fragmented)
    # ssdp_discovery: a search this many seconds before ``start`` too, out of the capture (its
    # answers arrive in the capture's first seconds)
    before: float = 0.0


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


WEB6 = "2001:db8:40::80"
DNS6 = "2001:db8:40::53"
MAIL6 = "2001:db8:40::25"
NEWS_SITE = ("151.101.1.67", "151.101.65.67", "151.101.129.67", "151.101.193.67")
# a page of today: its assets from two dozen hosts (CDNs, fonts, analytics, ads)
PAGE_HOSTS = tuple(f"{a}.{b}.{c}.{d}" for a, b, c, d in (
    (151, 101, 1, 67), (151, 101, 65, 67), (104, 16, 132, 229), (104, 16, 133, 229),
    (172, 217, 16, 195), (142, 250, 74, 10), (142, 250, 74, 42), (142, 250, 185, 3),
    (13, 32, 99, 14), (13, 32, 99, 61), (18, 66, 122, 9), (23, 45, 1, 96), (23, 45, 1, 99),
    (31, 13, 72, 36), (31, 13, 72, 52), (52, 84, 150, 39), (54, 230, 8, 113), (69, 171, 250, 15),
    (93, 184, 220, 29), (99, 86, 4, 35), (185, 199, 108, 153), (192, 229, 211, 108),
    (199, 232, 38, 231), (208, 80, 154, 224),
))  # fmt: skip


# a game server's 150 players (UDP port 27015), 30 datagrams a second each way; 5 % of them
# it never answers (their NAT moved them to a new port)
# the provider's recursive resolver after a cache flush: a steady 40 questions a second, then a
# surge of 1,500 a second decaying over 8 s, to 400 authoritative servers (answers 100-1,450 bytes)
RESOLVER_SURGE = Traffic("resolver", 15, 90, rate=40, peak=1500, tau=8, count=400, client=RESOLVER)
# the provider's border router's site-to-site GRE tunnel to a partner: 8,000 packets a second each way
GRE_TUNNEL = Traffic("gre_tunnel", 0, 60, rate=8000, client="203.0.113.1", server="198.51.100.77")
# the provider's VPN gateway's IPsec tunnel to a branch office: 8,000 ESP packets a second each way
ESP_TUNNEL = Traffic("esp_tunnel", 0, 90, rate=8000, client="203.0.113.2", server="198.51.100.78")
# a provider host reading files from a partner's NFS server over UDP: 1,000 reads a second, each
# answered with 8 KB (six fragments)
NFS_READS = Traffic(
    "udp_reads", 0, 60, rate=1000, client="203.0.113.45", server="198.51.100.20", port=2049
)
# two hypervisors' VXLAN tunnel endpoints in the provider's datacenter: 300 inner flows, 8,000
# packets a second each way to port 4789
VXLAN_OVERLAY = Traffic(
    "vxlan_overlay", 0, 60, rate=8000, count=300, client="203.0.113.21", server="203.0.113.22"
)
# the provider's monitoring host traces the path to 24 hosts every 10 s (UDP traceroute: three
# probes a TTL, each to a port of its own from 33434 up), four of them the provider's own
TRACED = ("203.0.113.80", "203.0.113.81", "203.0.113.82", "203.0.113.83", *PAGE_HOSTS[:20])
TRACEROUTES = Traffic("traceroutes", 0, 60, rate=0.1, client="203.0.113.60", servers=TRACED)
# a visitor views seven pages of the provider's HTTP/1.1 web server, 8 s apart: each view opens
# 6 connections within 0.8 s (a browser's most to one server; the server closed the idle ones)
PAGE_VIEWS = tuple(
    Traffic(
        "browser_burst", at, at + 0.8, count=6, client="198.51.100.150", servers=("203.0.113.80",)
    )
    for at in range(4, 60, 8)
)
# 40 Windows hosts of the provider LAN look names up by NetBIOS broadcast, 6 times a minute each
LAN_NAME_QUERIES = Traffic("lan_name_queries", 0, 60, rate=6, count=40)
# a provider host on a video call from 20 s: the conferencing server's media from its port 8801
# to the host's ephemeral port, 1,500 datagrams/s (video and a shared screen)
VIDEO_CALL = Traffic(
    "quic_streams", 20, 90, rate=1500, count=1, client="203.0.113.150", ports=(8801,)
)
# a branch office's WireGuard tunnel to a provider host (51820 at both ends) carries a backup
# for 25 s: 2,500 datagrams/s from the branch, the tunnel idle before and after
SITE_TUNNEL = Traffic(
    "wireguard_tunnel", 30, 55, rate=2500, client="203.0.113.150", server="192.0.2.77", port=51820
)
# a workstation loads four pages in 30 s, each time resolving the page's hosts at once (240 queries
# in 0.8 s to the provider's resolver), and an admin's nmap resolves the names of a /22 it swept
# (1,024 PTR queries, 350 a second, from 14 s)
# a workstation's day on the web, toward servers elsewhere: a backup uploaded over HTTPS (1,500
# full segments a second for 35 s on one connection), a call that fell back to TCP 443 (110 media
# segments a second each way), an npm install (40 packages a second over 16 keep-alive
# connections for 25 s) and a map's tiles (30 a second over 6 for 15 s)
WORKSTATION_HTTPS = (
    Traffic("https_upload", 5, 40, rate=1500, client="203.0.113.160", server="142.250.74.42", port=443),
    Traffic("tcp_call", 0, 60, rate=110, client="203.0.113.161", server="52.112.120.9", port=443),
    Traffic("keepalive_fetches", 10, 35, rate=40, count=16, client="203.0.113.162",
            server="104.16.20.35", port=443),
    Traffic("keepalive_fetches", 40, 55, rate=30, count=6, client="203.0.113.163",
            server="151.101.1.67", port=80),
)  # fmt: skip
# a collector's day: 20 hosts flush collectd's metrics on the same tick every 10 s (7 datagrams
# each within a tenth of a second), 30 servers log to it, and one of them, in trouble, logs 300
# lines a second for 4 s
COLLECTOR_FLUSHES = (
    Traffic("metric_flushes", 0, 60, count=20, peak=7, tau=10.0, server="203.0.113.64", port=25826),
    Traffic("telemetry", 0, 60, rate=1, count=30, server="203.0.113.64", port=514),
    Traffic("telemetry", 31, 35, rate=300, count=1, server="203.0.113.64", port=514),
)  # fmt: skip
# an admin's workstation traces the path to four hosts now and then (Linux traceroute, 16
# probes at a time: each trace's 30-60 answers come back within a tenth of a second)
# a link of 150 IPv6 hosts back after its switch restarted at 20 s
LINK_RESTART = Traffic("neighbor_discovery", 20, 60, count=150)
WORKSTATION_TRACES = Traffic(
    "traceroutes", 5, 58, rate=1 / 15, client="203.0.113.170", servers=PAGE_HOSTS[:4]
)
CLIENT_DNS_BURSTS = (
    Traffic("dns_bursts", 0, 30, rate=300, tau=0.8, count=4, client="203.0.113.140", server=RESOLVER),
    Traffic("reverse_lookups", 14, 30, rate=350, count=1024, client="203.0.113.141", server=RESOLVER),
)  # fmt: skip
# a media player looks for UPnP devices every 10 s; 40 devices of its LAN answer, 3-8 times each
SSDP_DISCOVERY = Traffic("ssdp_discovery", 0, 60, rate=0.1, count=40, client="203.0.113.150")
# the provider's time server restarts ntpd with 16 servers (four pool entries, four servers each)
# and iburst: 8 answers from each
NTP_SYNC = Traffic("ntp_sync", 0, 60, count=16, client="203.0.113.123")
# a web application's own port (a Flask service on 5000): 2,000 visitors' complete sessions, 5 a
# second, rising twentyfold for 30 s (a flash crowd, 5 s ramps)
APP_CROWD = (
    Traffic("http_sessions", 0, 117, rate=5, server="203.0.113.70", port=5000, clients=2000),
    Traffic(
        "http_sessions", 40, 75, rate=95, server="203.0.113.70", port=5000, clients=2000, ramp=5
    ),
)
GAME_PLAYERS = Traffic("udp_sessions", 0, 60, rate=30, count=150, server="203.0.113.90", port=27015,
                       one_way_share=0.05)  # fmt: skip
# a monitoring host tests 200 customers' links with 8,000-byte pings, 10 a second each (fping -b
# 8000 -p 100): every echo and reply comes in six fragments, 10,000 fragments a second back
LARGE_PINGS = Traffic("pings", 0, 60, rate=10, count=200, client="203.0.113.72", size=8000)
# an admin tests the path MTU to three customers' hosts with the largest pings (ping -i 0.2 -s
# 65000): each echo and reply is 44 fragments within a millisecond, five times a second
MTU_TESTS = Traffic("pings", 2, 16, rate=5, count=3, client="203.0.113.9", size=65000)
