"""Negatives: benign traffic only (the truth has no vector), busy enough to look like an attack:
a flash crowd, a browser's burst, sessions already open, asymmetric routing, a resolver's surge,
a backup filling the link, two traces merged (years apart; a DNS server's days), a busy DNS server,
video over QUIC captured one way, IPTV channels multicast, a collector's syslog and NetFlow, browsing captured one way, a monitoring host's pings, a busy game server, a resolver captured one way,
a GRE tunnel, NFS reads over UDP in fragments, a VXLAN overlay, downloads through VPN tunnels
(both ways, and one way), a DNS forwarder asking two upstream resolvers, an IPsec tunnel and a
scan of a host's IP protocols, a 2 s snippet of a browser loading a page, a UDP port scan, the
internet's background scanning of a server, and more (a site tunnel, metrics, cameras, a time
server, a workstation's bursts of DNS lookups, a monitor pinging every address of a /24)."""

from __future__ import annotations

from dataclasses import replace

from workbench.synth.scenarios.model import (
    APP_CROWD,
    CLIENT_DNS_BURSTS,
    COLLECTOR_FLUSHES,
    ESP_TUNNEL,
    GAME_PLAYERS,
    GRE_TUNNEL,
    LAN_NAME_QUERIES,
    LARGE_PINGS,
    LINK_RESTART,
    MAIL,
    MTU_TESTS,
    NEWS_SITE,
    NFS_READS,
    NTP_SYNC,
    PAGE_HOSTS,
    PAGE_VIEWS,
    RESOLVER,
    RESOLVER_SURGE,
    SITE_TUNNEL,
    SSDP_DISCOVERY,
    TRACEROUTES,
    VIDEO_CALL,
    VXLAN_OVERLAY,
    WORKSTATION_HTTPS,
    WORKSTATION_TRACES,
    Scenario,
    Traffic,
)

SCENARIOS: list[Scenario] = []  # in the order they are listed
_add = SCENARIOS.append


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
        traffic=(RESOLVER_SURGE,),
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
_add(
    Scenario(
        name="busy-dns-server",
        description=(
            "Benign: the provider's DNS server answers 10,000 queries/s from 3,000 resolvers for the"
            " whole capture, steadily: a popular zone's ordinary day, every query answered"
        ),
        start="2022-10-03T09:00:00Z",
        duration=40,
        phases=((0, 40, "baseline"),),
        attacks=(),
        dns_per_s=10000,
        negative=True,
    )
)
_add(
    Scenario(
        name="merged-days",
        description=(
            "Benign: two captures of the provider's DNS server, a day apart, merged into one file:"
            " 150 queries/s answered in both, not one packet in between"
        ),
        start="2022-10-04T09:00:00Z",
        duration=90,
        phases=((0, 45, "baseline"), (45, 90, "baseline")),
        attacks=(),
        time_jumps=((45, 86400.0),),
        dns_per_s=150,
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-api-clients",
        description=(
            "Benign, one direction only: an HTTPS API takes 10 sessions a second from 2,000 clients"
            " (ClientHellos of 220-400 bytes, one request each); each idles 1-12 s, then closes with"
            " a 24-byte close_notify and its FIN; the server's answers leave by another path"
        ),
        start="2022-07-15T08:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("tls_sessions", 0, 90, rate=10, clients=2000, server="203.0.113.80", port=443),
        ),
        one_way=True,
        negative=True,
    )
)
# 60 players' progressive downloads from the provider's web server (both video scenarios')
VIDEO_DOWNLOADS = Traffic(
    "video_downloads", 0, 90, rate=40_000, count=60, server="203.0.113.80", port=80
)
_add(
    Scenario(
        name="video-viewers",
        description=(
            "Benign: 60 viewers each play a video from the provider's web server as one progressive"
            " download (40 KB/s of video in 5 s chunks at line rate); between chunks each player's"
            " buffer is full and its client advertises a zero window, probed by the server"
        ),
        start="2022-07-14T19:30:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(VIDEO_DOWNLOADS,),
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-video-viewers",
        description=(
            "Benign, one direction only: the video viewers' ACKs and zero windows reach the server;"
            " its video leaves by another path (60 progressive downloads, 40 KB/s in 5 s chunks)"
        ),
        start="2022-07-14T21:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(VIDEO_DOWNLOADS,),
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-quic-video",
        description=(
            "Benign, one direction only: a provider host downloads a file and watches a video over"
            " QUIC (UDP from port 443 of two CDN servers to its ephemeral ports, 1,500 packets/s"
            " steady and 2,000/s in 4 s segments); its acknowledgements leave by another path"
        ),
        start="2022-07-12T20:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("quic_streams", 20, 80, rate=1500, count=1, client="203.0.113.150"),
            Traffic("quic_streams", 30, 85, rate=2000, count=1, client="203.0.113.150", tau=4.0),
        ),
        sessions_per_s=15,
        dns_per_s=20,
        one_way=True,
        negative=True,
        notes="The client's QUIC acknowledgements and all of the provider's answers are not captured.",
    )
)
_add(
    Scenario(
        name="iptv-multicast",
        description=(
            "Benign: the provider's IPTV head-end multicasts three channels (750, 1,500 and 2,250"
            " packets/s of MPEG-TS to 239.1.1.x) for the whole capture, and a fourth from 40 s on"
            " when a viewer tunes in; no receiver answers a multicast stream"
        ),
        start="2022-03-05T19:30:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("multicast_streams", 0, 90, rate=1500, count=3, server="203.0.113.200", port=0),
            Traffic(
                "multicast_streams", 40, 90, rate=1500, count=1, server="203.0.113.200", port=3
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="telemetry-collector",
        description=(
            "Benign: the provider's collector takes syslog from 40 servers (50 lines/s each, port 514"
            " to 514) and NetFlow v9 from 12 routers (250 exports/s each, port 2055), steadily;"
            " none of it is ever answered"
        ),
        start="2022-08-30T03:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("telemetry", 0, 90, rate=50, count=40, server="203.0.113.60", port=514),
            Traffic("telemetry", 0, 90, rate=250, count=12, server="203.0.113.60", port=2055),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-browsing",
        description=(
            "Benign, one direction only: a provider host loads three pages of 60 assets each from 24"
            " hosts; the capture holds the servers' SYN-ACKs, data and FINs, never the host's SYNs"
        ),
        start="2022-05-17T14:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=tuple(
            Traffic(
                "browser_burst", at, at + 3, count=60, client="203.0.113.150", servers=PAGE_HOSTS
            )
            for at in (10, 40, 70)
        ),
        sessions_per_s=10,
        dns_per_s=10,
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="network-monitoring",
        description=(
            "Benign: the provider's monitoring host pings 5,000 hosts once a second each (an ISP"
            " watching its customers' routers) and takes their 4,900 echo replies a second"
        ),
        start="2022-11-08T10:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("pings", 0, 60, rate=1, count=5000, client="203.0.113.70"),),
        negative=True,
    )
)
_add(
    Scenario(
        name="game-server",
        description=(
            "Benign: the provider's game server (UDP port 27015) with 150 players, 30 datagrams a"
            " second each way; about 5 % of them it never answers (their NAT moved them to a new port)"
        ),
        start="2022-12-20T21:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(GAME_PLAYERS,),
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-resolver",
        description=(
            "Benign, one direction only: the provider's recursive resolver after a cache flush,"
            " captured inbound: thousands of answers from 400 authoritative servers (100-1,450"
            " bytes, most under 512), its questions out of sight"
        ),
        start="2022-09-20T03:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(RESOLVER_SURGE,),
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="gre-tunnel",
        description=(
            "Benign: the provider's border router and a partner's exchange 8,000 GRE packets a"
            " second each way through their site-to-site tunnel, for the whole capture"
        ),
        start="2022-10-04T11:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(GRE_TUNNEL,),
        negative=True,
    )
)
_add(
    Scenario(
        name="nfs-over-udp",
        description=(
            "Benign: a provider host reads files from a partner's NFS server over UDP, 1,000 reads a"
            " second, each answered with 8 KB cut into six IP fragments (6,000 fragments/s)"
        ),
        start="2022-10-11T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(NFS_READS,),
        negative=True,
    )
)
_add(
    Scenario(
        name="vxlan-overlay",
        description=(
            "Benign: two hypervisors in the provider's datacenter carry their virtual machines'"
            " 300 flows over VXLAN, 8,000 packets a second each way to port 4789, each flow from a"
            " source port of its own"
        ),
        start="2022-10-18T14:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(VXLAN_OVERLAY,),
        negative=True,
    )
)
_add(
    Scenario(
        name="traceroute-monitoring",
        description=(
            "Benign: the provider's monitoring host traces the path to 24 hosts every 10 s (UDP"
            " traceroute: some 30-60 probes a trace, each to a port of its own from 33434 up,"
            " answered by routers' ICMP time exceeded and the destination's port unreachable)"
        ),
        start="2022-10-25T08:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(TRACEROUTES,),
        negative=True,
    )
)
_add(
    Scenario(
        name="http11-page-views",
        description=(
            "Benign: a visitor views seven pages of the provider's HTTP/1.1 web server, 8 s apart,"
            " each view opening 6 connections within 0.8 s"
        ),
        start="2022-11-01T10:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=PAGE_VIEWS,
        negative=True,
    )
)
_add(
    Scenario(
        name="lan-name-queries",
        description=(
            "Benign: 40 Windows hosts of the provider LAN look names up by NetBIOS broadcast (UDP"
            " 137 to port 137 of 203.0.113.255, each query three times), 6 lookups a minute each"
        ),
        start="2022-11-08T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(LAN_NAME_QUERIES,),
        negative=True,
    )
)
_add(
    Scenario(
        name="ssdp-discovery",
        description=(
            "Benign: a media player looks for UPnP devices every 10 s (an SSDP M-SEARCH to"
            " 239.255.255.250:1900); 40 devices of its LAN answer within 2 s, 3-8 times each,"
            " two in five from an ephemeral port of their own"
        ),
        start="2022-11-15T19:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(SSDP_DISCOVERY,),
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-ntp-sync",
        description=(
            "Benign, one direction only: the provider's time server restarts ntpd with 16"
            " servers and iburst, captured inbound: 8 time answers (48 bytes) from each, its"
            " requests out of sight"
        ),
        start="2022-11-22T06:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(NTP_SYNC,),
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="one-way-video-call",
        description=(
            "Benign, one direction only: a provider host joins a video call 20 s into the capture"
            " (UDP from port 8801 of the conferencing server to its ephemeral port, 1,500"
            " packets/s of video and a shared screen); its own media leave by another path"
        ),
        start="2022-11-29T15:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(VIDEO_CALL,),
        sessions_per_s=15,
        dns_per_s=20,
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="app-port-flash-crowd",
        description=(
            "Benign flash crowd on a web application's own port (a Flask service on 5000): 2000"
            " real clients doing complete HTTP sessions, the session rate rising twentyfold for 30 s"
        ),
        start="2022-12-06T07:59:00Z",
        duration=120,
        phases=((0, 120, "baseline"),),
        attacks=(),
        traffic=APP_CROWD,
        negative=True,
    )
)
_add(
    Scenario(
        name="large-ping-monitoring",
        description=(
            "Benign: the provider's monitoring host tests 200 customers' links with 8,000-byte"
            " pings, 10 a second each (fping -b 8000 -p 100): every echo and every reply comes in"
            " six fragments, 10,000 fragments a second back to the monitor"
        ),
        start="2023-12-13T02:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(LARGE_PINGS,),
        negative=True,
    )
)
# two provider hosts download through VPN tunnels: one over OpenVPN (the server's UDP from port
# 1194, 3,000 packets/s), one over IPsec with NAT traversal (ESP in UDP from port 4500, 1,500/s):
# one server each, answering from a port the reflection table names, as fast as an amplification
VPN_DOWNLOADS = (
    Traffic("quic_streams", 5, 55, rate=3000, count=1, client="203.0.113.151", ports=(1194,)),
    Traffic("quic_streams", 10, 50, rate=1500, count=1, client="203.0.113.152", ports=(4500,)),
)
for _one_way in (False, True):
    _add(
        Scenario(
            name="one-way-vpn-downloads" if _one_way else "vpn-downloads",
            description=(
                ("Benign, one direction only: " if _one_way else "Benign: ")
                + "two provider hosts download through VPN tunnels, over OpenVPN (UDP from the"
                " server's port 1194, 3,000 packets/s) and over IPsec with NAT traversal (ESP in"
                " UDP from port 4500, 1,500/s): one server each, from a port the reflection table"
                " names" + (", the hosts' own packets out of sight" if _one_way else "")
            ),
            start="2023-01-10T09:00:00Z",
            duration=60,
            phases=((0, 60, "baseline"),),
            attacks=(),
            traffic=VPN_DOWNLOADS,
            one_way=_one_way,
            negative=True,
        )
    )
_add(
    Scenario(
        name="dns-forwarder",
        description=(
            "Benign: the provider's resolver forwards every question to two upstream resolvers,"
            " 3,000 a second: two servers answering it from port 53 as fast as an amplification"
        ),
        start="2023-01-17T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("resolver", 0, 60, rate=3000, count=2, client=RESOLVER),),
        negative=True,
    )
)
_add(
    Scenario(
        name="export-bursts",
        description=(
            "Benign: a router flushes its flow cache to the provider's NetFlow collector once a"
            " minute, 4,000 exports in 0.1 s (40,000 a second inside the flush, port 2055), never"
            " answered; and syslog from 20 servers to another collector, steadily"
        ),
        start="2023-01-24T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("telemetry", 0, 60, rate=50, count=20, server="203.0.113.61", port=514),
            Traffic("telemetry", 30, 30.1, rate=40000, count=1, server="203.0.113.60", port=2055),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="network-sweeps",
        description=(
            "Benign: an administrator's host sweeps its campus 10.40.0.0/22 for live hosts (a"
            " ping and an ACK to port 80 per address, as nmap -sn does) at 4,000 probes a second;"
            " later an internet scanner sweeps the provider's /24 with DNS, NTP, SNMP and SSDP"
            " probes at 2,000 a second: every address once of each kind, a tenth of them answering;"
            " 10 s of capture (judged in half-second bins, where a /24's probes of a kind fill one)"
        ),
        start="2023-03-14T10:00:00Z",
        duration=10,
        phases=((0, 10, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "sweeps",
                1,
                4,
                rate=4000,
                count=1024,
                client="10.40.9.9",
                server="10.40.0.0/22",
                ports=(0, 80),
            ),
            Traffic(
                "sweeps",
                5,
                9,
                rate=2000,
                count=254,
                client="192.0.2.77",
                server="203.0.113.1/24",
                ports=(53, 123, 161, 1900),
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="busy-dns-forwarder",
        description=(
            "Benign: the provider's resolver forwards every question of a large site to one"
            " upstream resolver, 4,000 a second steadily, each answered"
        ),
        start="2024-01-10T11:00:00Z",
        duration=30,
        phases=((0, 30, "baseline"),),
        attacks=(),
        traffic=(Traffic("resolver", 0, 30, rate=4000, count=1, client=RESOLVER),),
        negative=True,
    )
)
_add(
    Scenario(
        name="ipsec-tunnel",
        description=(
            "Benign: the provider's VPN gateway and a branch office exchange 8,000 ESP packets a"
            " second each way through their IPsec tunnel, and a host scans the mail server's IP"
            " protocols as nmap -sO does (256 probes, each protocol twice, 500 a second)"
        ),
        start="2024-01-23T10:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(ESP_TUNNEL, Traffic("protocol_scan", 20, 22, rate=500, count=2,
                                     client="198.51.100.9", server=MAIL[0])),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="page-load-snippet",
        description=(
            "Benign: two seconds of traffic in which one browser opens 40 parallel HTTP"
            " connections to a news site's servers"
        ),
        start="2024-01-30T10:00:00Z",
        duration=2,
        phases=((0, 2, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("browser_burst", 0, 2, count=40, client="203.0.113.150", servers=NEWS_SITE),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="udp-port-scan",
        description=(
            "Benign: amid the mail server's ordinary traffic, a host scans 1,000 of its UDP ports"
            " as nmap -sU does, 50 probes a second from one source port, and probes again the"
            " third left unanswered: 1,333 empty datagrams on 1,000 ports in 27 s"
        ),
        start="2024-02-06T10:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("udp_scan", 15, 45, rate=50, count=1000, client="198.51.100.9",
                         server=MAIL[0]),),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="internet-scanners",
        description=(
            "Benign: amid the mail server's ordinary traffic, the internet's background scanning:"
            " some 135 scanners probe its ports, 6 a second in all, half to the ports scanners favour"
            " (22, 23, 80, 445, 3389, ...; DNS, NTP, SNMP, SSDP, memcached, ...) and half to"
            " ports at random, a third of them retried. Two probes in three are a SYN: its open"
            " ports answer with a SYN-ACK the scanner resets, the others with a RST; the rest are"
            " UDP questions, each answered with an ICMP port unreachable. No handshake completes"
            " and no datagram is answered: some 300 SYNs and 150 datagrams in a minute"
        ),
        start="2024-02-13T10:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("scanners", 0, 55, rate=6, count=150, server=MAIL[0],
                         ports=(25, 80, 443, 587, 993)),),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="one-way-site-tunnel",
        description=(
            "Benign, one direction only: a branch office's WireGuard tunnel to a provider host, both"
            " ends on port 51820, carries a backup for 25 s (2,500 datagrams/s from the branch,"
            " idle before and after); the host's own packets leave by another path"
        ),
        start="2024-02-20T01:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(SITE_TUNNEL,),
        sessions_per_s=15,
        dns_per_s=20,
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="metrics-collector",
        description=(
            "Benign: the provider's monitoring host takes StatsD metrics from 40 application"
            " servers (150 datagrams/s each, to port 8125), steadily; none of it is ever answered"
        ),
        start="2024-02-27T03:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("telemetry", 0, 60, rate=150, count=40, server="203.0.113.62", port=8125),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="ntp-server",
        description=(
            "Benign: the provider's public time server (a pool member) answers 6,000 NTP requests a"
            " second from 5,000 clients, steadily, each request from a port of its own (chrony's,"
            " or ntpd's behind a NAT)"
        ),
        start="2024-03-05T03:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("ntp_server", 0, 60, rate=6000, count=5000, server="203.0.113.123"),),
        negative=True,
    )
)
_add(
    Scenario(
        name="camera-recorder",
        description=(
            "Benign: 40 IP cameras stream H.264 video to the provider's recorder over RTP, 200"
            " datagrams a second each (8,000 in all), each on a flow of its own that the recorder"
            " never answers; it reports on each stream with RTCP every 5 s, on the next ports up"
        ),
        start="2024-03-12T03:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("rtp_cameras", 0, 60, rate=200, count=40, server="203.0.113.64"),),
        negative=True,
    )
)
_add(
    Scenario(
        name="dns-client-bursts",
        description=(
            "Benign: a workstation loads four pages in 30 s, each time resolving the page's hosts at"
            " once (240 queries in 0.8 s to the provider's resolver), and an admin's nmap resolves"
            " the names of a /22 it swept (1,024 PTR queries, 350 a second), amid the other"
            " clients' usual queries; the resolver answers each"
        ),
        start="2024-03-19T09:00:00Z",
        duration=30,
        phases=((0, 30, "baseline"),),
        attacks=(),
        traffic=CLIENT_DNS_BURSTS,
        negative=True,
    )
)
_add(
    Scenario(
        name="prefix-monitoring",
        description=(
            "Benign: the provider's monitoring host measures the latency of every address of its"
            " datacenter's /24 as smokeping does with fping: every 60 s a round of 20 pings to each"
            " of 254 hosts, one a second to each (254 pings a second for 20 s), each answered"
        ),
        start="2024-03-26T09:00:00Z",
        duration=150,
        phases=((0, 150, "baseline"),),
        attacks=(),
        traffic=(Traffic("ping_rounds", 5, 150, rate=1, count=254, peak=20, tau=60,
                         client="203.0.113.70", server="203.0.113.1"),),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="prefix-monitoring-three-systems",
        description=(
            "Benign: three monitoring systems (as Zabbix, PRTG and LibreNMS do) each ping every"
            " address of the datacenter's /24 at the top of the minute, three pings to each, 100"
            " pings a second (fping -C 3 -i 10): 300 pings a second on the /24 from 3 sources for"
            " 8 s each minute, each answered"
        ),
        start="2024-03-26T10:00:00Z",
        duration=150,
        phases=((0, 150, "baseline"),),
        attacks=(),
        traffic=tuple(
            Traffic("ping_rounds", at, 150, rate=100 / 254, count=254, peak=3, tau=60,
                    client=client, server="203.0.113.1")
            for at, client in ((5.0, "203.0.113.70"), (5.2, "203.0.113.71"), (5.5, "203.0.113.72"))
        ),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="one-way-tunnels",
        description=(
            "Benign, one direction only: the provider's border router receives 8,000 GRE packets a"
            " second through its tunnel to a partner (as a scrubbing service's GRE delivers clean"
            " traffic back), and its VPN gateway 8,000 ESP packets a second from a branch office;"
            " the provider's own packets out of sight"
        ),
        start="2024-04-02T11:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        # the far ends outside the provider's space (198.51.100.0/24 is its upstream's)
        traffic=(
            replace(GRE_TUNNEL, server="192.0.2.78"),
            replace(ESP_TUNNEL, end=60, server="192.0.2.79"),
        ),
        one_way=True,
        negative=True,
    )
)
_add(
    Scenario(
        name="workstation-https",
        description=(
            "Benign: workstations of the provider at work on the web: a backup uploaded over HTTPS"
            " (1,500 full segments a second for 35 s on one connection), a call that fell back to"
            " TCP 443 (110 media segments a second each way), an npm install (40 packages a second"
            " over 16 keep-alive connections for 25 s) and a map's tiles (30 a second over 6)"
        ),
        start="2024-04-02T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=WORKSTATION_HTTPS,
        negative=True,
    )
)
_add(
    Scenario(
        name="collector-flushes",
        description=(
            "Benign: the provider's metrics collector takes 20 hosts' collectd flushes on the same"
            " tick every 10 s (140 datagrams within a tenth of a second) and 30 servers' syslog;"
            " one of them, in trouble, logs 300 lines a second for 4 s"
        ),
        start="2024-04-09T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=COLLECTOR_FLUSHES,
        negative=True,
    )
)
_add(
    Scenario(
        name="workstation-traceroutes",
        description=(
            "Benign: an admin's workstation traces the path to four hosts every 15 s or so (Linux"
            " traceroute, 16 probes at a time: each trace's 30-60 ICMP time exceeded and port"
            " unreachable come back within a tenth of a second), in a capture with no other ICMP"
        ),
        start="2024-04-16T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(WORKSTATION_TRACES,),
        negative=True,
    )
)
_add(
    Scenario(
        name="lan-membership-reports",
        description=(
            "Benign: a large LAN's multicast router asks its 150 hosts which groups they are in"
            " (an IGMPv3 general query every 60 s); each answers with two reports to 224.0.0.22"
            " within the query's 10 s (30 a second, from nothing in between)"
        ),
        start="2024-04-23T09:00:00Z",
        duration=90,
        phases=((0, 90, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "membership_reports", 0, 90, count=150, peak=2, tau=60.0, client="192.168.50.1"
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="all-nodes-pings",
        description=(
            "Benign: an admin looks for the IPv6 hosts of a link with ping6 ff02::1, once a second"
            " for 8 s: each of its 40 hosts answers every ping (40 echo replies a second to the"
            " admin's host, from nothing before)"
        ),
        start="2024-04-30T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("all_nodes_pings", 30, 38, count=40),),
        negative=True,
    )
)
_add(
    Scenario(
        name="ipv6-link-restart",
        description=(
            "Benign: a LAN of 150 IPv6 hosts comes back after its switch restarted: within 3 s"
            " each checks its address is unique and solicits its router twice, a second apart,"
            " which answers each (about 100 neighbor solicitations a second to fe80::1 at the"
            " busiest, from nothing before)"
        ),
        start="2024-05-07T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(LINK_RESTART,),
        negative=True,
    )
)
_add(
    Scenario(
        name="graphite-streams",
        description=(
            "Benign: 25 hosts keep a connection each open to the provider's Graphite collector"
            " (plaintext on 2003, opened before the capture) and send it a metric line of 40-260"
            " bytes every 10 s; it acknowledges each and never answers, as the protocol has it"
        ),
        start="2024-05-07T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("message_streams", 0, 60, count=25, tau=10.0, server="203.0.113.65", port=2003),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="ssdp-answers-at-capture-start",
        description=(
            "Benign: a media player searched for UPnP devices a third of a second before the"
            " capture began; its LAN's 40 devices answer in the capture's first 2 s (3-8 answers"
            " each, the search out of sight), while it looks two pages' names up"
        ),
        start="2024-05-14T09:00:00Z",
        duration=20,
        phases=((0, 20, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "ssdp_discovery", 0, 20, rate=1 / 1000, count=40, client="203.0.113.151", before=0.3
            ),
            Traffic(
                "dns_bursts",
                2,
                20,
                rate=60,
                tau=0.5,
                count=2,
                client="203.0.113.151",
                server=RESOLVER,
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="broker-restart",
        description=(
            "Benign: the provider's MQTT broker restarts; for 15 s its port is closed and its 80"
            " devices retry with backoff (a new socket 1, 2, 4, 8 s apart, each SYN answered by a"
            " RST: 30 SYNs a second), then connect and publish every 5 s; and a second broker,"
            " restarted as the capture begins, answers 150 clients' next messages on their lost"
            " connections with a RST, and each reconnects"
        ),
        start="2024-05-21T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("reconnect_storm", 5, 60, count=80, tau=15.0, server="203.0.113.66", port=1883),
            Traffic("restart_resets", 0, 60, count=150, tau=8.0, server="203.0.113.67", port=1883),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="half-open-monitors",
        description=(
            "Benign: a global load balancer checks the provider's web server from 24 sites every"
            " 5 s with half-open probes (SYN, SYN-ACK, then a RST: 576 SYNs in 2 minutes that"
            " never complete a handshake), amid the server's visitors"
        ),
        start="2024-06-04T09:00:00Z",
        duration=120,
        phases=((0, 120, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "half_open_monitors", 0, 120, count=24, tau=5.0, server="203.0.113.80", port=443
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="idle-client-resets",
        description=(
            "Benign: 300 clients of the provider's web server each reset one idle connection"
            " opened before the capture (a bare RST: a NAT's entry timed out) over 60 s, amid its"
            " visitors"
        ),
        start="2024-05-28T09:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(Traffic("idle_resets", 0, 60, count=300, server="203.0.113.80", port=443),),
        negative=True,
    )
)
_add(
    Scenario(
        name="keepalive-probed-connections",
        description=(
            "Benign: 30 application servers hold an idle pooled connection each to the provider's"
            " database (port 5432, opened before the capture), which their system keeps alive with"
            " a one-octet TCP keep-alive probe every 10 s; the database acknowledges each"
        ),
        start="2024-05-08T03:00:00Z",
        duration=60,
        phases=((0, 60, "baseline"),),
        attacks=(),
        traffic=(
            Traffic(
                "keepalive_probes", 0, 60, count=30, tau=10.0, server="203.0.113.66", port=5432
            ),
        ),
        negative=True,
    )
)
_add(
    Scenario(
        name="log-shipper-catching-up",
        description=(
            "Benign: a log shipper catching up on its backlog posts 45 batches a second of 640 B"
            " to 40 KB over 6 keep-alive connections for 25 s, each answered by the same 204, while"
            " a map loads its tiles (30 a second over 6: one size of GET, answers of many): no"
            " request repeated, though every answer is alike"
        ),
        start="2024-05-10T09:00:00Z",
        duration=40,
        phases=((0, 40, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("batch_posts", 5, 30, rate=45, count=6, client="203.0.113.164",
                    server="34.120.1.10", port=443),
            Traffic("keepalive_fetches", 10, 35, rate=30, count=6, client="203.0.113.163",
                    server="151.101.1.67", port=80),
        ),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="fetch-snippet",
        description=(
            "Benign: a 3 s capture of a package manager fetching 90 files a second from one mirror"
            " over 16 keep-alive connections (twice npm's busiest) while a browser loads a news"
            " page over 40 connections: no snippet of a flood"
        ),
        start="2024-05-09T14:00:00Z",
        duration=3,
        phases=((0, 3, "baseline"),),
        attacks=(),
        traffic=(
            Traffic("keepalive_fetches", 0, 3, rate=90, count=16, client="203.0.113.162",
                    server="104.16.20.35", port=443),
            Traffic("browser_burst", 0.5, 2.5, count=40, client="203.0.113.150", servers=NEWS_SITE),
        ),
        negative=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="mtu-tests",
        description=(
            "Benign: an admin tests the path MTU to three customers' hosts with 65,000-byte pings,"
            " five a second to each (ping -i 0.2 -s 65000) for 14 s: every echo and reply is 45"
            " fragments within a millisecond, 440 a second in a 0.1 s bin, yet one datagram"
        ),
        start="2023-12-13T04:00:00Z",
        duration=20,
        phases=((0, 20, "baseline"),),
        attacks=(),
        traffic=(MTU_TESTS,),
        negative=True,
    )
)
