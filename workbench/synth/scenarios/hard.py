"""Scenarios that break the analysis's habits (positives): one-host floods, IPv6, slow attacks,
snippets (water torture among them), water torture after a day's jump, a sub-second burst, unlisted reflection, every TCP flag
flood, a scrubbing path, spoofing variants, a one-host flood from a server's port to a client's, a flood on a multicast group, a flood on a collector's syslog port, SYN-ACK reflection on a host browsing, captured one way,
a botnet's echo replies at a monitoring host, one host flooding a game server amid its players,
DNS amplification at a resolver captured one way, a GRE flood on a router's tunnel endpoint,
a fragment flood at a host reading over UDP in fragments, a flood on a VXLAN endpoint's port,
a lab-sized amplification from one to three reflectors, a flood of a mail server's port 53, one
host's HTTP flood on one keep-alive connection, floods of IP protocols no other row names (a
random protocol field; ESP, on a VPN gateway whose tunnel carries ESP too), a UDP null flood, a
2 s snippet of one host's HULK flood."""

from __future__ import annotations

from dataclasses import replace

from workbench.synth.scenarios.model import (
    APP_CROWD,
    CLIENT_DNS_BURSTS,
    COLLECTOR_FLUSHES,
    DNS6,
    ESP_TUNNEL,
    GAME_PLAYERS,
    GRE_TUNNEL,
    LAN_NAME_QUERIES,
    LARGE_PINGS,
    LINK_RESTART,
    MAIL,
    MAIL6,
    MTU_TESTS,
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
    WEB6,
    WORKSTATION_HTTPS,
    WORKSTATION_TRACES,
    Attack,
    Scenario,
    Traffic,
)

SCENARIOS: list[Scenario] = []  # in the order they are listed
_add = SCENARIOS.append


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
        name="slow-https",
        description=(
            "Slowloris over HTTPS: 150 bots hold ~400 connections to port 443 for 2 minutes, each"
            " after a TLS 1.3 handshake, one header line every 5-15 s in a record of its own, among"
            " HTTPS clients' sessions on the same port"
        ),
        start="2022-08-13T11:05:00Z",
        duration=150,
        phases=((0, 20, "baseline"), (20, 140, "attack"), (140, 150, "baseline")),
        attacks=(
            Attack(
                "slow_http",
                20,
                140,
                0,
                ("203.0.113.80",),
                connections=400,
                bots=150,
                dport=443,
                tls=True,
            ),
        ),
        traffic=(
            Traffic("tls_sessions", 0, 150, rate=6, clients=1500, server="203.0.113.80", port=443),
        ),
    )
)
_add(
    Scenario(
        name="slow-read",
        description=(
            "Slow read (slowhttptest -X): one host opens 400 connections to port 80, asks each for a"
            " video and reads it a few bytes at a time from a 512-2048 byte buffer: zero windows,"
            " the server's persist probes, half a buffer every 5-40 s; among normal web sessions"
        ),
        start="2022-08-13T09:40:00Z",
        duration=150,
        phases=((0, 20, "baseline"), (20, 150, "attack")),
        attacks=(
            Attack(
                "slow_http",
                20,
                150,
                0,
                ("203.0.113.80",),
                connections=400,
                sources="single",
                dport=80,
                slow_read=True,
                interval=(5.0, 40.0),
            ),
        ),
        traffic=(
            Traffic("http_sessions", 0, 150, rate=3, server="203.0.113.80", port=80, clients=800),
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
        name="snippet-water-torture",
        description=(
            "A 0.2 s snippet of DNS water torture: 150,000 queries/s for random names from a botnet"
            " to one DNS server, all attack, no baseline"
        ),
        start="2024-01-07T03:30:00Z",
        duration=0.2,
        phases=((0, 0.2, "attack"),),
        attacks=(Attack("dns_water_torture", 0, 0.2, 150000, ("203.0.113.53",)),),
        sessions_per_s=0,
        dns_per_s=0,
    )
)
_add(
    Scenario(
        name="merged-water-torture",
        description=(
            "Two captures of the provider's DNS server a day apart, merged: 150 queries/s, then"
            " 30 s of water torture at 2,000/s from a botnet in the second"
        ),
        start="2022-10-05T09:00:00Z",
        duration=90,
        phases=((0, 45, "baseline"), (45, 60, "baseline"), (60, 90, "attack")),
        attacks=(Attack("dns_water_torture", 60, 90, 2000, ("203.0.113.53",)),),
        time_jumps=((45, 86400.0),),
        dns_per_s=150,
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
_add(
    Scenario(
        name="service-port-flood",
        description=(
            "A host watching a video over QUIC (answered) is flooded by one host sending UDP from"
            " port 443 to one of its ephemeral ports at 6,000 packets/s, shaped like a server's"
            " stream; the capture sees both directions"
        ),
        start="2023-06-20T21:00:00Z",
        duration=90,
        phases=((0, 40, "baseline"), (40, 70, "attack"), (70, 90, "baseline")),
        attacks=(
            Attack(
                "udp_flood",
                40,
                70,
                6000,
                ("203.0.113.150",),
                sources="single",
                sport=443,
                dport=50123,
                sizes=(1252,),
            ),
        ),
        traffic=(
            Traffic("quic_streams", 10, 85, rate=300, count=1, client="203.0.113.150", tau=4.0),
        ),
    )
)
_add(
    Scenario(
        name="multicast-flood",
        description=(
            "A spoofed UDP flood on random ports to the all-hosts group 224.0.0.1 (every host of"
            " the LAN takes it in), 5,000 packets/s, beside the provider's IPTV channels"
        ),
        start="2023-04-11T02:10:00Z",
        duration=80,
        phases=((0, 30, "baseline"), (30, 60, "attack"), (60, 80, "baseline")),
        attacks=(Attack("udp_flood", 30, 60, 5000, ("224.0.0.1",)),),
        traffic=(
            Traffic("multicast_streams", 0, 80, rate=1500, count=2, server="203.0.113.200", port=0),
        ),
    )
)
_add(
    Scenario(
        name="collector-flood",
        description=(
            "A smaller collector, steadily taking syslog from 20 servers and NetFlow from 4 routers"
            " (900 datagrams/s), is flooded on its syslog port 514 by a botnet at 50,000 packets/s"
        ),
        start="2023-08-14T04:40:00Z",
        duration=90,
        phases=((0, 30, "baseline"), (30, 60, "attack"), (60, 90, "baseline")),
        attacks=(
            # syslog-sized datagrams: a flood on a syslog port need not be big
            Attack(
                "udp_flood",
                30,
                60,
                50000,
                ("203.0.113.60",),
                sources="bots",
                dport=514,
                sizes=(200,),
            ),
        ),
        traffic=(
            Traffic("telemetry", 0, 90, rate=25, count=20, server="203.0.113.60", port=514),
            Traffic("telemetry", 0, 90, rate=100, count=4, server="203.0.113.60", port=2055),
        ),
        notes="The collector's own telemetry in the flood's seconds is labelled with it (one hot pair).",
    )
)
_add(
    Scenario(
        name="one-way-synack-reflection",
        description=(
            "One direction only: a provider host loads pages from 24 hosts while 60 web servers, sent"
            " SYNs spoofed from it, reflect SYN-ACKs at it (3,000/s); its own packets are not captured"
        ),
        start="2023-05-23T16:00:00Z",
        duration=90,
        phases=((0, 30, "baseline"), (30, 60, "attack"), (60, 90, "baseline")),
        attacks=(Attack("synack_reflection", 30, 60, 3000, ("203.0.113.150",), reflectors=60),),
        traffic=tuple(
            Traffic(
                "browser_burst", at, at + 3, count=60, client="203.0.113.150", servers=PAGE_HOSTS
            )
            for at in (10, 40, 70)
        ),
        one_way=True,
    )
)
_add(
    Scenario(
        name="echo-reply-flood",
        description=(
            "The provider's monitoring host, pinging 5,000 hosts a second, is flooded with echo"
            " replies it never asked for (8,000/s from a botnet: replies pass the filters that stop"
            " requests)"
        ),
        start="2023-10-02T13:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 45, "attack"), (45, 60, "baseline")),
        attacks=(
            Attack(
                "icmp_flood",
                20,
                45,
                8000,
                ("203.0.113.70",),
                sources="bots",
                bots=1500,
                icmp_type=0,
            ),
        ),
        traffic=(Traffic("pings", 0, 60, rate=1, count=5000, client="203.0.113.70"),),
    )
)
_add(
    Scenario(
        name="game-server-flood",
        description=(
            "One host floods the provider's game server on its port 27015 at 6,000 datagrams/s for"
            " half the capture, while 150 players exchange 30 a second each way with it"
        ),
        start="2023-12-22T22:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack("udp_flood", 20, 50, 6000, ("203.0.113.90",), sources="single", dport=27015),
        ),
        traffic=(GAME_PLAYERS,),
    )
)
_add(
    Scenario(
        name="one-way-dns-amplification",
        description=(
            "DNS amplification at the provider's recursive resolver (3,000 large, fragmented answers"
            " a second from 1,500 open resolvers) amid its own answers after a cache flush; only"
            " packets toward the provider are captured, so none of its questions is"
        ),
        start="2023-09-20T03:00:00Z",
        duration=90,
        phases=((0, 30, "baseline"), (30, 60, "attack"), (60, 90, "baseline")),
        attacks=(Attack("dns_amplification", 30, 60, 3000, (RESOLVER,)),),
        traffic=(RESOLVER_SURGE,),
        one_way=True,
    )
)
_add(
    Scenario(
        name="gre-flood-on-tunnel",
        description=(
            "A botnet floods the provider's border router with GRE (10,000 packets/s from 600 bots)"
            " for half the capture, while its site-to-site tunnel carries 8,000 a second each way"
        ),
        start="2023-10-04T11:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(Attack("gre_flood", 20, 50, 10000, ("203.0.113.1",)),),
        traffic=(GRE_TUNNEL,),
    )
)
_add(
    Scenario(
        name="fragment-flood-on-nfs-client",
        description=(
            "A botnet floods a provider host with IP fragments (8,000 packets/s, a third of them"
            " first fragments) for half the capture, while it reads files over UDP in fragments"
            " (6,000 fragments/s)"
        ),
        start="2023-10-11T09:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack("ip_fragment_flood", 20, 50, 8000, ("203.0.113.45",), first_fragments=0.3),
        ),
        traffic=(NFS_READS,),
    )
)
_add(
    Scenario(
        name="vxlan-port-flood",
        description=(
            "A botnet floods a hypervisor's VXLAN port 4789 (10,000 datagrams/s from 600 bots) for"
            " half the capture, while it carries 8,000 packets a second each way to its peer"
        ),
        start="2023-10-18T14:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack("udp_flood", 20, 50, 10000, ("203.0.113.21",), sources="bots", dport=4789),
        ),
        traffic=(VXLAN_OVERLAY,),
    )
)
_add(
    Scenario(
        name="udp-flood-on-traced-host",
        description=(
            "A botnet floods random ports of a provider host (4,000 datagrams/s from 600 bots, at"
            " 24 distinct TTLs) for half the capture, while the provider's monitoring host traces"
            " the path to it and to 23 other hosts every 10 s"
        ),
        start="2023-10-25T08:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack("udp_flood", 20, 50, 4000, ("203.0.113.80",), sources="bots", ttl_values=24),
        ),
        traffic=(TRACEROUTES,),
    )
)
_add(
    Scenario(
        name="solo-http-flood-amid-page-views",
        description=(
            "One host floods the provider's web server with a new connection and request every"
            " 40 ms (HULK-like; at the evaluation's scale 0.2, 5 a second: fewer than a browser"
            " opens to one server at once) for half the capture, while a visitor views a page"
            " every 8 s"
        ),
        start="2023-11-01T10:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(Attack("http_flood", 20, 50, 25, ("203.0.113.80",), bots=1),),
        traffic=PAGE_VIEWS,
    )
)
_add(
    Scenario(
        name="netbios-reflection-on-lan",
        description=(
            "NetBIOS reflection on a provider host (3,000 node status answers/s from 400"
            " reflectors, from port 137 to its port 137) for half the capture, while 40 hosts of"
            " its LAN look names up by NetBIOS broadcast"
        ),
        start="2023-11-08T09:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack(
                "netbios_amplification", 20, 50, 3000, ("203.0.113.40",), reflectors=400, dport=137
            ),
        ),
        traffic=(LAN_NAME_QUERIES,),
    )
)
_add(
    Scenario(
        name="udp-flood-on-searching-host",
        description=(
            "A botnet floods random ports of a host (3,000 datagrams/s from 600 bots) for half"
            " the capture, while it looks for UPnP devices every 10 s and 40 devices answer"
            " its searching port"
        ),
        start="2023-11-15T19:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(Attack("udp_flood", 20, 50, 3000, ("203.0.113.150",), sources="bots"),),
        traffic=(SSDP_DISCOVERY,),
    )
)
_add(
    Scenario(
        name="one-way-ntp-amplification",
        description=(
            "NTP amplification (monlist answers, 2,000 a second from 1,500 reflectors) on the"
            " provider's time server for half the capture, while it syncs with 16 servers;"
            " only packets toward the provider are captured, so none of its requests is"
        ),
        start="2023-11-22T06:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(Attack("ntp_amplification", 20, 50, 2000, ("203.0.113.123",)),),
        traffic=(NTP_SYNC,),
        one_way=True,
    )
)
_add(
    Scenario(
        name="one-way-flood-from-a-call-port",
        description=(
            "A botnet of old Windows hosts floods an ephemeral port of a provider host (3,000"
            " datagrams/s from 600 bots, from their ephemeral ports 1025-5000: shaped like a"
            " server's stream) for half the capture, while the host is on a video call; only"
            " packets toward the provider are captured"
        ),
        start="2023-11-29T15:00:00Z",
        duration=90,
        phases=((0, 30, "baseline"), (30, 60, "attack"), (60, 90, "baseline")),
        attacks=(
            Attack(
                "udp_flood",
                30,
                60,
                3000,
                ("203.0.113.150",),
                sources="bots",
                sport_range=(1025, 5000),
                dport=50123,
                sizes=(0,),  # hping3's default: no data (nor a port's protocol for tshark to read)
            ),
        ),
        traffic=(replace(VIDEO_CALL, start=10),),  # the call runs before the flood
        sessions_per_s=15,
        dns_per_s=20,
        one_way=True,
    )
)
_add(
    Scenario(
        name="hulk-on-app-port",
        description=(
            "One host floods a web application's own port (a Flask service on 5000) HULK-style, a"
            " new connection and request every 40 ms, for 30 s, amid its visitors and their flash"
            " crowd"
        ),
        start="2023-12-06T07:59:00Z",
        duration=120,
        phases=((0, 50, "baseline"), (50, 80, "attack"), (80, 120, "baseline")),
        attacks=(Attack("http_flood", 50, 80, 25, ("203.0.113.70",), bots=1, dport=5000),),
        traffic=APP_CROWD,
    )
)
_add(
    Scenario(
        name="large-echo-flood-on-a-pinging-host",
        description=(
            "A botnet floods the provider's monitoring host with 8,000-byte echo requests (1,500"
            " a second, six fragments each) for 25 s, while it tests 200 customers' links with"
            " pings of the same size and takes their fragmented replies"
        ),
        start="2023-12-13T03:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 45, "attack"), (45, 60, "baseline")),
        attacks=(
            Attack("icmp_flood", 20, 45, 1500, ("203.0.113.72",), sources="bots", sizes=(8000,)),
        ),
        traffic=(LARGE_PINGS,),
    )
)
_add(
    Scenario(
        name="few-reflector-amplification",
        description=(
            "A lab-sized amplification at two mail servers amid their ordinary traffic: memcached"
            " answers from 3 reflectors (2,000 a second) for 15 s, a quiet gap, then monlist"
            " answers from one NTP server (1,500 a second) for 12 s"
        ),
        start="2023-12-20T10:00:00Z",
        duration=60,
        phases=(
            (0, 15, "baseline"),
            (15, 30, "attack"),
            (30, 38, "baseline"),
            (38, 50, "attack"),
            (50, 60, "baseline"),
        ),
        attacks=(
            Attack("memcached_amplification", 15, 30, 2000, (MAIL[0],), reflectors=3),
            Attack("ntp_amplification", 38, 50, 1500, (MAIL[1],), reflectors=1),
        ),
    )
)
_add(
    Scenario(
        name="port-53-flood",
        description=(
            "One host floods port 53 of a mail server that runs no DNS server with empty datagrams"
            " (hping3 --udp -p 53: 8,000 a second, its source port counting up) for 15 s, amid the"
            " server's mail sessions"
        ),
        start="2023-12-27T14:00:00Z",
        duration=50,
        phases=((0, 20, "baseline"), (20, 35, "attack"), (35, 50, "baseline")),
        attacks=(
            Attack(
                "udp_flood",
                20,
                35,
                8000,
                (MAIL[2],),
                sources="single",
                dport=53,
                sport_step=True,
                sizes=(0,),
            ),
        ),
    )
)
_add(
    Scenario(
        name="keepalive-http-flood",
        description=(
            "One host floods the provider's HTTP/1.1 web server from a script's loop on one"
            " keep-alive connection (python requests.Session: 800 requests a second, each answered)"
            " for 20 s, amid a visitor's page views"
        ),
        start="2024-01-03T16:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 40, "attack"), (40, 60, "baseline")),
        attacks=(Attack("http_flood", 20, 40, 800, ("203.0.113.80",), bots=1, connections=1),),
        traffic=PAGE_VIEWS,
    )
)
_add(
    Scenario(
        name="burst-floods",
        description=(
            "A minute of ordinary traffic with floods of a fraction of a second from one host each:"
            " 10,000 UDP datagrams in 0.25 s at a mail server (hping3 --flood, stopped), 3,000 ICMP"
            " echoes in 0.1 s at another, then the UDP burst again at the first"
        ),
        start="2024-02-20T07:30:00Z",
        duration=60,
        phases=(
            (0, 15, "baseline"),
            (15, 15.25, "attack"),
            (15.25, 30, "baseline"),
            (30, 30.1, "attack"),
            (30.1, 45, "baseline"),
            (45, 45.25, "attack"),
            (45.25, 60, "baseline"),
        ),
        attacks=(
            Attack("udp_flood", 15, 15.25, 40000, (MAIL[0],), sources="single", dport=25000),
            Attack("icmp_flood", 30, 30.1, 30000, (MAIL[1],), sources="single"),
            Attack("udp_flood", 45, 45.25, 40000, (MAIL[0],), sources="single", dport=25000),
        ),
    )
)
_add(
    Scenario(
        name="ssdp-reflection-on-searching-host",
        description=(
            "SSDP reflection (2,000 answers a second from 1,500 reflectors) for 40 s on a host"
            " that looked for UPnP devices once, 15-25 s before, and whose 40 LAN devices answered"
            " that search within 2 s"
        ),
        start="2024-02-27T19:00:00Z",
        duration=80,
        phases=((0, 30, "baseline"), (30, 70, "attack"), (70, 80, "baseline")),
        attacks=(Attack("ssdp_amplification", 30, 70, 2000, ("203.0.113.150",)),),
        traffic=(Traffic("ssdp_discovery", 5, 17, rate=0.1, count=40, client="203.0.113.150"),),
    )
)
_add(
    Scenario(
        name="lan-flood-on-silent-host",
        description=(
            "A host of the provider's own /24 floods a port of a quiet host there (hping3 --udp,"
            " 10,000 empty datagrams a second for 15 s, its source port counting up through the"
            " ports a reflection table names); the quiet host is never seen sending, not even an"
            " ICMP error"
        ),
        start="2024-03-05T10:00:00Z",
        duration=45,
        phases=((0, 15, "baseline"), (15, 30, "attack"), (30, 45, "baseline")),
        attacks=(
            Attack(
                "udp_flood",
                15,
                30,
                10000,
                ("203.0.113.99",),
                sources="single",
                src_prefix="203.0.113.77/32",
                dport=9999,
                sport_step=True,
                sizes=(0,),  # hping3's default: no data
            ),
        ),
    )
)
_add(
    Scenario(
        name="one-host-dns-flood",
        description=(
            "One host floods the provider's DNS server with queries for random names (dnsperf, a"
            " flood script), 30,000 a second, for the whole 20 s of a capture of one direction"
            " (the server's answers leave by another path), the only host asking it anything:"
            " no quiet time to compare with; at a fifth of the rate (6,000 a second) under the"
            " 20,000 a server's crowd of resolvers may send"
        ),
        start="2024-01-09T11:00:00Z",
        duration=20,
        phases=((0, 20, "attack"),),
        attacks=(Attack("dns_water_torture", 0, 20, 30000, (RESOLVER,), sources="single"),),
        one_way=True,
        dns_per_s=0,
    )
)
_add(
    Scenario(
        name="psh-ack-floods-on-web-ports",
        description=(
            "PSH-ACK floods carrying data to the provider's web server, amid its visitors' HTTP"
            " sessions: from spoofed sources to port 443, then from one host to port 80, its"
            " source port counting up (hping3 -PA -d 120): each segment on a connection of its"
            " own that nobody opened, not a client's request"
        ),
        start="2024-01-16T15:00:00Z",
        duration=90,
        phases=((0, 20, "baseline"), (20, 45, "attack"), (45, 55, "baseline"), (55, 75, "attack"),
                (75, 90, "baseline")),
        attacks=(
            Attack("ack_flood", 20, 45, 2500, ("203.0.113.80",), dport=443, tcp_flags=0x18,
                   sizes=(64, 512, 1200)),
            Attack("ack_flood", 55, 75, 2000, ("203.0.113.80",), sources="single", dport=80,
                   tcp_flags=0x18, sizes=(120,), sport_step=True),
        ),
        traffic=(Traffic("http_sessions", 0, 90, rate=5, server="203.0.113.80", port=443, clients=500),),
    )
)  # fmt: skip
_add(
    Scenario(
        name="ip-protocol-floods",
        description=(
            "Floods of IP protocols that are none of TCP, UDP, ICMP or GRE: spoofed packets whose"
            " protocol field is random (3,000/s on the mail server), then ESP from a botnet"
            " (5,000/s) on the VPN gateway, whose IPsec tunnel to a branch carries 8,000 ESP"
            " packets a second each way throughout; then a UDP null flood, from and to port 0,"
            " from spoofed sources at 300/s (under any rate's threshold) on the web server"
        ),
        start="2024-01-23T10:00:00Z",
        duration=90,
        phases=((0, 10, "baseline"), (10, 25, "attack"), (25, 35, "baseline"), (35, 50, "attack"),
                (50, 60, "baseline"), (60, 75, "attack"), (75, 90, "baseline")),
        attacks=(
            Attack("ip_protocol_flood", 10, 25, 3000, (MAIL[0],)),
            Attack("ip_protocol_flood", 35, 50, 5000, ("203.0.113.2",), sources="bots",
                   protocols=(50,), sizes=(88, 408, 1208)),
            Attack("udp_flood", 60, 75, 300, ("203.0.113.80",), port_zero=True, sizes=(0, 64)),
        ),
        traffic=(ESP_TUNNEL,),
    )
)  # fmt: skip
_add(
    Scenario(
        name="hulk-snippet",
        description=(
            "Two seconds of one host's HULK flood on the provider's web server, a new connection"
            " and request every 1.3 ms (150 a second at the evaluation's scale 0.2): a snippet"
            " too short for the five hot seconds a flood is otherwise judged on"
        ),
        start="2024-01-30T10:00:00Z",
        duration=2,
        phases=((0, 2, "attack"),),
        attacks=(Attack("http_flood", 0, 2, 750, ("203.0.113.80",), bots=1),),
    )
)
_add(
    Scenario(
        name="flood-on-a-tunnel-gateway",
        description=(
            "A botnet floods a provider host's WireGuard port (3,000 datagrams/s from 600 bots for"
            " 30 s, each from port 51820 to port 51820: shaped like the far end of a tunnel) while"
            " a branch office's tunnel to it carries a backup; only packets toward the provider"
            " are captured"
        ),
        start="2024-02-20T02:00:00Z",
        duration=90,
        phases=((0, 40, "baseline"), (40, 70, "attack"), (70, 90, "baseline")),
        attacks=(
            Attack("udp_flood", 40, 70, 3000, ("203.0.113.150",), sources="bots",
                   sport_range=(51820, 51820), dport=51820),
        ),
        traffic=(SITE_TUNNEL,),
        sessions_per_s=15,
        dns_per_s=20,
        one_way=True,
    )
)  # fmt: skip
_add(
    Scenario(
        name="game-server-query-flood",
        description=(
            "Spoofed sources flood the provider's game server with Valve's server query (A2S_INFO,"
            " 15,000 a second for 30 s, each from a port of its own), which it answers, every one,"
            " while 150 players exchange 30 datagrams a second each way with it"
        ),
        start="2024-03-05T22:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(
            Attack("udp_flood", 20, 50, 15000, ("203.0.113.90",), sources="spoofed", dport=27015,
                   sizes=(25,), template="a2s_query", answer="a2s_info"),
        ),
        traffic=(GAME_PLAYERS,),
    )
)  # fmt: skip
_add(
    Scenario(
        name="dns-flood-amid-client-bursts",
        description=(
            "One host floods the provider's resolver with queries for random names (6,000 a second"
            " for 8 s), amid a workstation's bursts of lookups as it loads pages and an admin's"
            " nmap resolving a /22's names; at a fifth of the rate (1,200 a second) only a jump"
            " over the resolver's own rate shows it"
        ),
        start="2024-03-19T10:00:00Z",
        duration=30,
        phases=((0, 20, "baseline"), (20, 28, "attack"), (28, 30, "baseline")),
        attacks=(Attack("dns_water_torture", 20, 28, 6000, (RESOLVER,), sources="single"),),
        traffic=CLIENT_DNS_BURSTS,
    )
)
_add(
    Scenario(
        name="one-way-gre-flood",
        description=(
            "A botnet floods the provider's border router with GRE (10,000 packets/s from 600 bots),"
            " captured one way: the router never seen sending, as the far end of a tunnel is"
        ),
        start="2024-04-02T12:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 50, "attack"), (50, 60, "baseline")),
        attacks=(Attack("gre_flood", 20, 50, 10000, ("203.0.113.1",)),),
        one_way=True,
    )
)
_add(
    Scenario(
        name="keepalive-floods-amid-fetches",
        description=(
            "Two hosts flood web servers from keep-alive connections while workstations upload,"
            " call and fetch packages over HTTPS: one sends 200 requests a second over 3"
            " connections to the provider's web server, each answered; the other 300 a second over"
            " 3 to a server that no longer answers (each request only acknowledged). At a fifth of"
            " the rates, 13 and 20 requests a second on each connection"
        ),
        start="2024-04-02T10:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 45, "attack"), (45, 60, "baseline")),
        attacks=(
            Attack("http_flood", 20, 45, 200, ("203.0.113.80",), bots=1, connections=3),
            Attack(
                "http_flood", 20, 45, 300, ("203.0.113.81",), bots=1, connections=3, unanswered=True
            ),
        ),
        traffic=WORKSTATION_HTTPS,
    )
)
_add(
    Scenario(
        name="repeated-get-flood-amid-fetches",
        description=(
            "One host floods the provider's web server with one GET again and again, 125 a"
            " second over 2 keep-alive connections, each answered alike, while workstations"
            " upload, call and fetch packages and map tiles (one size of GET, answers of many). At"
            " a fifth of the rate, 25 a second: under the 100 a second one client needs on any"
            " number of connections, on fewer than the 3 a flood over several needs"
        ),
        start="2024-04-02T10:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 45, "attack"), (45, 60, "baseline")),
        attacks=(Attack("http_flood", 20, 45, 125, ("203.0.113.80",), bots=1, connections=2),),
        traffic=WORKSTATION_HTTPS,
    )
)
_add(
    Scenario(
        name="flood-on-a-flushing-collector",
        description=(
            "A botnet floods the provider's metrics collector on InfluxDB's UDP port (8089: 10,000"
            " datagrams a second for 20 s) while its hosts flush their metrics to collectd's on the"
            " same tick every 10 s and its servers log to it; at a fifth of the rate, 2,000 a"
            " second: over the 1,000 a second a jump at a collector needs"
        ),
        start="2024-04-09T10:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 40, "attack"), (40, 60, "baseline")),
        attacks=(
            Attack("udp_flood", 20, 40, 10000, ("203.0.113.64",), sources="bots", dport=8089),
        ),
        traffic=COLLECTOR_FLUSHES,
    )
)
_add(
    Scenario(
        name="unreachable-flood-amid-traceroutes",
        description=(
            "A botnet floods the provider's firewall with ICMP destination unreachable (as"
            " BlackNurse does: 20,000 a second for 20 s) while an admin's workstation traces paths;"
            " the workstation's own traces' answers are no flood, the firewall's are"
        ),
        start="2024-04-16T10:00:00Z",
        duration=60,
        phases=((0, 20, "baseline"), (20, 40, "attack"), (40, 60, "baseline")),
        # each unreachable quotes a UDP datagram, as an ICMP error does (the template GRE carries)
        attacks=(
            Attack(
                "icmp_flood", 20, 40, 20000, ("203.0.113.1",), icmp_type=3, template="gre_inner"
            ),
        ),
        traffic=(WORKSTATION_TRACES,),
    )
)
_add(
    Scenario(
        name="nd-flood-amid-link-restart",
        description=(
            "A host on the provider's LAN floods its router with neighbor solicitations from"
            " spoofed link-local addresses (THC's flood_solicitate6: 5,000 a second for 15 s) while"
            " the LAN's 150 hosts come back from a switch restart; theirs are no flood, the"
            " spoofed ones are"
        ),
        start="2024-05-08T09:00:00Z",
        duration=60,
        phases=((0, 30, "baseline"), (30, 45, "attack"), (45, 60, "baseline")),
        attacks=(
            Attack(
                "icmp_flood",
                30,
                45,
                5000,
                ("fe80::1",),
                sources="spoofed",
                src_prefix="fe80::/64",
                icmp_type=135,
                sizes=(16,),
                ttl=255,
            ),
        ),
        traffic=(LINK_RESTART,),
    )
)
_add(
    Scenario(
        name="resetting-bots-amid-half-open-monitors",
        description=(
            "Bots flood the provider's web server with SYNs (1,500 a second for 30 s) from their"
            " own addresses, each bot's kernel resetting the SYN-ACKs it never asked for, while a"
            " global load balancer checks the server from 24 sites every 5 s with half-open probes:"
            " both reset their SYNs, the bots' come at a flood's rate"
        ),
        start="2024-06-04T10:00:00Z",
        duration=120,
        phases=((0, 45, "baseline"), (45, 75, "attack"), (75, 120, "baseline")),
        attacks=(
            Attack(
                "syn_flood",
                45,
                75,
                1500,
                ("203.0.113.80",),
                sources="bots",
                bots=300,
                dport=443,
                reset=True,
            ),
        ),
        traffic=(
            Traffic(
                "half_open_monitors", 0, 120, count=24, tau=5.0, server="203.0.113.80", port=443
            ),
        ),
    )
)
_add(
    Scenario(
        name="syn-flood-amid-broker-restart",
        description=(
            "A botnet floods the provider's MQTT broker with SYNs (2,000 a second for 20 s) as it"
            " restarts and its 80 devices retry and reconnect: the devices' retries are a client's,"
            " the bots', which complete no handshake, a flood"
        ),
        start="2024-05-21T10:00:00Z",
        duration=60,
        phases=((0, 25, "baseline"), (25, 45, "attack"), (45, 60, "baseline")),
        attacks=(Attack("syn_flood", 25, 45, 2000, ("203.0.113.66",), dport=1883),),
        traffic=(
            Traffic("reconnect_storm", 5, 60, count=80, tau=15.0, server="203.0.113.66", port=1883),
        ),
    )
)
_add(
    Scenario(
        name="slow-http-caught-midway",
        description=(
            "Slowloris already holding its connections when a 12 s capture starts: 400 connections"
            " from 200 bots to port 80, each sending a header line every 10-20 s that the server"
            " acknowledges, so that few show two; among normal web sessions on the same port"
        ),
        start="2022-08-14T04:20:00Z",
        duration=12,
        phases=((0, 12, "attack"),),
        attacks=(
            Attack(
                "slow_http", 0, 12, 0, ("203.0.113.80",), connections=400, bots=200, dport=80,
                preopened=True, interval=(10.0, 20.0),
            ),
        ),
        traffic=(
            Traffic("http_sessions", 0, 12, rate=3, server="203.0.113.80", port=80, clients=800),
        ),
    )
)  # fmt: skip
_add(
    Scenario(
        name="keepalive-flood-snippet",
        description=(
            "Three seconds of one host's HTTP flood from keep-alive connections (AnonymousDoS):"
            " 1,500 requests a second over 4 connections to the provider's web server, each"
            " answered (300 a second at the evaluation's scale 0.2): a snippet too short for the"
            " five hot seconds a flood is otherwise judged on"
        ),
        start="2024-04-03T16:00:00Z",
        duration=3,
        phases=((0, 3, "attack"),),
        attacks=(Attack("http_flood", 0, 3, 1500, ("203.0.113.80",), bots=1, connections=4),),
    )
)
_add(
    Scenario(
        name="fragmented-unlisted-reflection",
        description=(
            "UDP reflection of a service no list knows, its answers of 2.8-4.4 KB fragmented: 300"
            " reflectors answer from port 40123, each answer a first fragment with the port and"
            " two or three more without it"
        ),
        start="2023-09-10T05:00:00Z",
        duration=60,
        phases=((0, 15, "baseline"), (15, 45, "attack"), (45, 60, "baseline")),
        attacks=(
            Attack("udp_reflection", 15, 45, 600, ("203.0.113.10",), reflectors=300,
                   sizes=(2800, 3600, 4400)),
        ),
    )
)  # fmt: skip
_add(
    Scenario(
        name="large-ping-flood-amid-mtu-tests",
        description=(
            "One host floods a mail server with 65,000-byte pings (ping -f -s 65000: 1,000 a"
            " second, 44 fragments each, 200 a second at the evaluation's scale 0.2) for 6 s,"
            " while an admin tests three customers' path MTU with pings of the same size"
        ),
        start="2023-12-13T04:30:00Z",
        duration=20,
        phases=((0, 8, "baseline"), (8, 14, "attack"), (14, 20, "baseline")),
        attacks=(
            Attack("icmp_flood", 8, 14, 1000, ("203.0.113.11",), sources="single", sizes=(65000,)),
        ),
        traffic=(MTU_TESTS,),
    )
)
