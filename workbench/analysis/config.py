"""Every threshold of the analysis, in one frozen config (policy apart from mechanism, as
Zeek's ``&redef`` options are). Each is a claim about real traffic; the comment beside it says
which. The whole config is recorded in the report's ``parameters.analysis``.

    cfg = wb.AnalysisConfig(min_sources_reflection=10)
    rep = wb.analyze(cap, config=cfg)
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, fields, replace

from workbench.errors import expect


@dataclass(frozen=True)
class AnalysisConfig:
    """Thresholds of the vector tests, the rate judgement and the phases."""

    # --- every vector ---
    # a (target, vector) pair needs this many packets in the whole capture: fewer is noise
    # (a handful of stray SYN-ACKs, a few unanswered datagrams), never an attack to report.
    # 100 full-size packets are 150 KB, less than one web page: they deny nobody's service,
    # however fast they come. A crafted test capture (a decoder or evasion test written with
    # scapy, as suricata-verify's are) puts tens of pings, SYNs or fragments within a few
    # milliseconds, which a snippet's 1 ms bins read as thousands a second (at 20, six of nine
    # such shapes were floods); a real attack's snippet holds hundreds to thousands (the
    # expected vectors of the real captures, 542 SYN-ACKs and more; the smallest vector of the
    # evaluation's scenarios, 294 ARD answers)
    min_packets: int = 100

    # a flood spread over this many hosts of one /24 (/48) is carpet bombing: judged, and
    # reported, as the prefix (a flood on one host leaves its neighbours' traffic alone)
    carpet_min_hosts: int = 8
    # ... its median host taking more than this many packets of the flood's kind: a sweep
    # (nmap -sn, masscan, zmap, an internet scanner's DNS, NTP, SNMP and SSDP probes) sends
    # each address one probe of a kind, two or three with retries (nmap's), however fast it
    # goes and however many /24s it crosses, while a carpet bombing hits every address
    # again and again for as long as it lasts (16-79 packets each in the carpet-bombing
    # scenario). The price: a carpet bombing seen for so short a time that its hosts took
    # three packets each or fewer
    carpet_min_packets_per_host: float = 3.0

    # --- reflection (answers the target never asked for) ---
    # distinct reflectors answering one target from a known service port; the low-rate SYN-ACK
    # reflection in the StopDDoS collection uses 60, real amplification thousands. Fewer (a
    # lab's amplification from one to four: memcached in containers, one open resolver) are
    # judged by their rate, as a flood from few hosts is, at a target the capture sees sending
    # only: seen one way, a few servers' answers are not told from a session the target opened
    # (a VPN over 1194 or 4500, a remote desktop over 3389, a download from peers on 6881)
    min_sources_reflection: int = 5
    # ... from a port no table knows: only a crowd of servers answering from one port is a
    # reflection (a few peers on one port is a P2P or game session)
    min_sources_unlisted_reflection: int = 20
    # share of answers without a matching request from the target (its own lookups are asked)
    unsolicited_share: float = 0.8
    # a target most of whose frames (this share) go to an Ethernet broadcast or multicast
    # destination is a group, not a host: a LAN's broadcast address (NetBIOS name queries from
    # port 137 to port 137 of 192.168.1.255 read as answers from a crowd of reflectors)
    # The same share of a target's packets of one kind makes it a LAN's neighbor discovery
    # (ICMPv6 RS, RA, NS, NA, redirect at hop limit 255): judged as a group's, at its kind's
    # flood rate only
    link_group_share_min: float = 0.5
    # share of the target's UDP a reflection carries at least: a flood from random source ports
    # puts 1/64,000 (0.0016 %) on each port, so a service port it happens to hit is no reflection
    reflection_min_udp_share: float = 0.001

    # a search the target sends to a group (an SSDP M-SEARCH to 239.255.255.250, a NetBIOS or
    # mDNS query, a WS-Discovery Probe) asks every device's answer on that port, but only for a
    # few seconds: SSDP devices answer within the MX seconds the search names (1-5, UPnP 1.1),
    # WS-Discovery within 500 ms, NetBIOS and mDNS at once. Answers later than this after the
    # target's last search on that port are no answers to it (a Windows host searching for
    # devices now and then is no shield for an SSDP reflection on it all day)
    group_answer_window_s: float = 10.0
    # echo replies from its LAN to a host that pinged a group (``ping6 ff02::1``: every host of
    # the link answers each ping, 40 replies a second from nothing) are its answers, when it
    # pinged at no more than this many a second: ping's pace (one a second; 0.2 s apart is the
    # fastest an unprivileged user may ask), where a smurf's trigger floods the group with them
    group_ping_max_pps: float = 10.0
    # a host never seen sending asked its LAN out of sight: UDP its LAN peers send to a port
    # their discovery answers (SSDP, mDNS, NetBIOS) come to is answers too, from a peer's own
    # port (two in five SSDP devices), when those answers are at least this share of the LAN's
    # UDP to that port. A LAN host flooding one port while sweeping its source ports hits the
    # 42 ports the reflection table names with 0.06 % of its datagrams: one flood, not answers
    peer_answer_share_min: float = 0.1

    # reflectors answering from an ephemeral port (SSDP devices do) join the amplification on
    # the same target when their answers converge on the target port that carries at least
    # this share of it, or have a payload size that makes up at least this share of it
    ephemeral_port_share: float = 0.5
    ephemeral_size_share: float = 0.05
    # a target the capture never sees sending (one direction of a link, asymmetric routing) has
    # its queries out of sight, so "unsolicited" says nothing of its DNS answers: a recursive
    # resolver's inbound side is thousands of answers from hundreds of authoritative servers.
    # They are amplification only when they look amplified: at least this share of them (and
    # of their fragments) carry this many bytes or more. 512 is DNS's classic limit for an
    # answer over UDP (RFC 1035): amplification asks for answers past it on purpose (ANY,
    # DNSSEC records, EDNS0 up to 4,096 bytes, cut into 1,480-byte fragments), while most of
    # a resolver's answers fit in it (the resolver scenario: a quarter do not)
    dns_amplified_payload_min: int = 512
    one_way_amplified_share_min: float = 0.5
    # the same for NTP: a time answer (mode 4) is 48 bytes (68 with a MAC), while amplification
    # asks for monlist (mode 7: 8 bytes and up to six 72-byte entries a packet, 440 bytes; most
    # packets carry six, the last of an answer fewer: 224 bytes with three) or for the system
    # variables (mode 6, 400-500 bytes): an NTP client syncing with a pool of servers, its
    # requests out of sight, is no amplification (``ntpd`` iburst: 8 answers from each of 5 or
    # more servers). NTS-protected time answers carry cookies (200 bytes and more): a client
    # using NTS, captured one way, still reads as amplification
    ntp_amplified_payload_min: int = 200
    # ... and of such a target's answers, only a reflector's are labelled with an amplification
    # found on it: a server whose answers pass the same test, unless it sent more than
    # ``varied_answers_min`` - 1 and nearly each at a size of its own (more distinct sizes than
    # ``varied_answers_share`` of its packets). A reflector sends the same answer again and again
    # (cut into fragments, three sizes each time); an authoritative server answers each of a
    # resolver's questions at its own size (the resolver's surge: a few of its 400 servers
    # sent mostly large answers by chance, and started an attack phase 11 s early)
    varied_answers_min: int = 4
    varied_answers_share: float = 0.8

    # --- TCP state floods ---
    # completed handshakes / SYNs: a busy server completes most of its handshakes
    handshake_completion_max: float = 0.2
    # SYNs whose sender resets them (a RST on the 4-tuple, the handshake never completed) hold
    # no half-open connection: at this share or more, a crowd's SYNs are judged by their rate,
    # not as a flood whatever their rate. A load balancer's or a GSLB's half-open monitors
    # (SYN, SYN-ACK, RST from each of 24 sites every 5 s: 576 SYNs in 2 minutes) reset all of
    # theirs and were a SYN flood; a spoofed flood's sources reset none (the spoofed flood of
    # the StopDDoS collection: 0 of 37,669), or the few live hosts among them (a fifth in a
    # probe with live spoofed addresses). A flood from bots whose own kernels reset the SYN-ACKs
    # still floods at a flood's rate
    handshake_reset_share_max: float = 0.5
    # sources that make a flood "distributed" (fewer: a DoS from few hosts, judged by rate).
    # Fewer peers sending a tunnel's protocol (GRE, ESP, 6in4) to a target the capture never
    # sees sending are the far end of its tunnels, seen one way (a scrubbing service delivers
    # clean traffic back over GRE from one or a few endpoints), where a GRE flood comes from a
    # botnet (Mirai's greip and greeth)
    min_sources_flood: int = 20
    # ACK/RST/odd-flag segments on connections never seen to open and never answered
    orphan_share_min: float = 0.8
    # a 4-tuple carrying more segments than this, or one the target talks back on, is a real
    # connection (established before the capture, or seen from one side): not an orphan
    orphan_tuple_max_packets: int = 3
    # ... and so is one whose segments carry more than this many combinations of flags: a
    # connection's life seen in the middle (a request then an ACK, a FIN-ACK then the ACK of the
    # server's FIN, as keep-alive connections open before a capture of one direction close),
    # where a flood repeats one kind on a tuple, or sends one segment on each (spoofed, or its
    # source port counting up). A web server's inbound traffic caught as 300 such connections
    # closed was a crowd's FIN and ACK floods
    orphan_tuple_max_flag_kinds: int = 1
    # a port scan sends each port a SYN or two (nmap retries once, then a third time at most):
    # SYNs from a few sources at no more than this many per port are a scan, not a flood; from a
    # crowd, the internet's scanners (masscan, zmap, search engines, botnets), judged by their
    # rate (a real DNS amplification capture's 290 scanner SYNs: 141 hosts, 2.8 a port)
    scan_syns_per_port_max: float = 3.0

    # --- fragments ---
    # share of fragments whose datagram was never seen starting: then they are a flood as a
    # whole (fragment floods that include first fragments are judged by rate)
    orphan_fragment_share_min: float = 0.8
    # a datagram's middle fragments are no sends of their own (``fragments._whole_datagrams``)
    # only as a host cuts it to fit a link's MTU: they carry this many bytes or more. No link in use
    # has an MTU under 576 bytes (RFC 1191's plateaus below it are SLIP and X.25 relics; RFC 791
    # asks every host to take 576), which leaves 552 bytes of data in a piece (a multiple of
    # 8); Ethernet's 1,500 leave 1,480. Tiny pieces are a reassembly test's or an evasion's
    # (RFC 1858's tiny fragments, overlapping pieces of 24 bytes): each counts
    fragment_piece_min_bytes: int = 552

    # --- IP protocols no other row names ---
    # a flood whose protocol field is random (every number from 0 to 255: a booter's "IP"
    # method, a spoofing tool's raw mode) puts dozens of protocols on its target, where a host
    # receives a handful at most (a VPN gateway's ESP and AH, a router's OSPF, VRRP, PIM and
    # IGMP, SCTP): at least this many distinct ones, other than TCP, UDP, ICMP and GRE, are a
    # flood as a whole, whatever their rate ...
    random_protocols_min: int = 16
    # ... unless each comes no more than this many times: nmap's protocol scan (-sO) sends
    # each of the 256 numbers once and retries those left unanswered, a third time at most
    scan_probes_per_protocol_max: float = 3.0

    # --- UDP ---
    # distinct destination ports per target that make a UDP flood from random ports
    random_ports_min: int = 30
    # ... unless they come from fewer than ``min_sources_flood`` hosts at no more than this many
    # datagrams a port: a UDP port scan (nmap -sU probes each port once, and again those left
    # unanswered), judged by its rate as any flood from few hosts is (a slow scan of 1,000 ports
    # was a random-port flood as a whole; hping3 sweeping ports at flood rate is found by it)
    scan_datagrams_per_port_max: float = 3.0
    # ... and from a crowd of hosts, datagrams this small on average (payload bytes) at no more
    # than that many a port are the internet's scanners looking for services (a DNS or NTP
    # question, an SNMP get, an SSDP search, a memcached stats: 1-130 bytes, most of them empty
    # or tens of bytes), judged by their rate too, where a crowd's flood carries bulk (a
    # botnet's UDP flood: 512 bytes, Mirai's default)
    scan_probe_payload_max: float = 150.0
    # UDP from or to port 0, reserved (RFC 6335) and no service's: no host sends it in the
    # course of anything (firewalls drop it as an anomaly); a target's unanswered UDP that is at
    # least this share port 0 is crafted, a flood as a whole whatever its rate (a "UDP null"
    # flood from and to port 0; hping3 --udp without -p)
    port_zero_share_min: float = 0.5
    # share of UDP packets whose flow the target answers: above it, a target in conversations
    # (QUIC, VoIP, games) takes no random-port flood as a whole (a media server answers flows
    # on thousands of ports). The flows it never answers are judged by their rate all the same,
    # apart from the answered ones: a host flooding a game server's port amid 100 players'
    # answered traffic is a flood (their share hid it)
    udp_answered_max: float = 0.2
    # ... but a flow of this many datagrams or fewer that the target answers is a request, not a
    # conversation: a question and its retry (DNS, NTP, a game server's status query, a SIP
    # INVITE), each on a flow of its own, where a call, a game or a QUIC connection goes on for
    # hundreds. Requests count toward a flood's rate, answered or not: a flood of queries a
    # server answers ("TSource Engine Query" to a game server's 27015 at 3,000-5,000 a second
    # from one host, 300 bots or spoofed sources, amid 20 players) was asked for, and missed
    query_flow_max_datagrams: int = 2
    # ... and a target whose counted UDP (what it never answers, and such requests) is mostly
    # requests (``one_way_share_min``) is a server answering them: busy as a DNS server is (an NTP pool server answers thousands
    # a second), its requests are a flood above this rate without a baseline, and, as a jump
    # over its own rate, only from this rate (a logon storm's Kerberos and LDAP pings, a game
    # server listed anew, a burst of a few hundred a second, are none)
    flood_pps_queries: float = 20000.0
    query_jump_min_pps: float = 1000.0
    # ... unless the capture never sees the target send at all (one direction of a link, or
    # asymmetric routing: its answers leave by another path): then UDP from a server's port
    # (below the ephemeral ranges, 1-32767: QUIC on 443, OpenVPN on 1194, a video call's media
    # on 8801 or 3478) to a client's port (32768 and up: the ephemeral ranges of Linux,
    # 32768-60999, and of Windows and macOS, 49152-65535) is the server's side of streams the
    # target opened (a video, a download, a call: 1,000-8,000 packets/s from one server), not
    # a flood, when it makes up this share of the target's unanswered UDP and
    # comes from fewer than ``min_sources_flood`` servers to fewer than ``random_ports_min``
    # of its ports. A flood shaped like that on a target seen sending is judged as any other.
    # The same share makes a target a collector of telemetry (``COLLECTOR_PORTS``)
    one_way_share_min: float = 0.8
    stream_server_port_max: int = 32767
    stream_client_port_min: int = 32768
    # ... or UDP between two peers on the one port both ends use, this one or above (no system
    # port's: those are services, reflected or flooded, RFC 6335): a tunnel between two sites
    # (WireGuard's 51820 at both ends, GTP-U's 2152 between a cell site and the core, L2TP's
    # 1701): a backup through one at 2,000-3,000 packets/s, seen one way, was a UDP flood
    stream_peer_port_min: int = 1024
    # ... and, flow by flow, so a flood on such a target does not make its streams a flood:
    # one 4-tuple of that shape carrying this many datagrams or more, from fewer than
    # ``min_sources_flood`` sources sending such flows, is a stream (a video call at 50-1,500
    # datagrams/s on one flow; a flood from random source ports puts one or two on each tuple,
    # and a crowd of bots each on one socket is a crowd)
    stream_flow_min_packets: int = 100

    # --- path probes (traceroute) ---
    # UDP one host sends one destination at ``probe_min_ttls`` or more TTLs of at most
    # ``probe_ttl_max`` is a traceroute's probes (Linux and macOS traceroute, mtr -u: three
    # probes a TTL from 1 up, each to a port of its own from 33434), which routers answer with
    # ICMP time exceeded and the destination with port unreachable: those packets are the
    # answered kind, never a random-port flood (a trace of 15 hops is 48 probes on 48 ports).
    # 30 is the default maximum hop count of traceroute, mtr and tracert; a flood arrives with
    # what is left of a 64, 128 or 255 start (34 and up after 30 hops), and one whose TTLs are
    # drawn at random puts an eighth of its packets this low
    probe_ttl_max: int = 30
    probe_min_ttls: int = 3

    # --- rates: judged in bins whose width fits the capture ---
    # bins per capture: a 20 ms snippet is judged in 1 ms bins, a day in 1 s bins
    rate_bins_per_capture: int = 20
    rate_bin_min_ms: int = 1
    rate_bin_max_ms: int = 1000
    # a bin is hot when its rate is at least this factor above the pair's own median bin
    # (quiet bins included) ...
    rate_factor: float = 8.0
    # ... and at least this many packets/s: a few packets a second is nobody's flood
    min_rate_pps: float = 20.0
    # ... from a crowd of at least this many sources, or from fewer at this rate: one host
    # sending 150 packets/s of one kind to one target, 8x above what that target usually
    # gets, is flooding it (a ping is 1/s, a monitoring probe a few). Above what one host
    # sends benignly at a steady pace: `ping -i 0.01`, an admin's quick test of a link, sends
    # 100/s (at 100/s a capture of it alone, whose baseline is nil, was an ICMP flood), a
    # 128-tick game server 128/s to each player
    rate_min_sources: int = 3
    single_source_flood_pps: float = 150.0
    # ... or, whatever the baseline (a capture that is all attack has none), above this
    # rate, one no benign host receives of that kind: ICMP echo 500/s (monitoring pings a
    # host a few times a second; an interval ping at most 100/s), unanswered UDP,
    # GRE or IPv6 extension headers 1,000/s
    flood_pps_icmp: float = 500.0
    flood_pps_other: float = 1000.0
    # SYNs whose handshakes never complete, to a few ports of one host (the test a pair passes
    # before its rate is read: completion at most ``handshake_completion_max``, more than
    # ``scan_syns_per_port_max`` a port), come from no client at this rate: a client retrying
    # a service that is down backs off (Linux resends a SYN 1, 2, 4 s apart), and a pool of
    # 100 connections reconnecting once a second sends 100/s. A flood scripted on one host
    # runs at a few hundred a second (scapy's send() in a loop; hping3 -i u2000: 500/s), which
    # the 1,000/s of other kinds missed in a capture that is all attack
    flood_pps_syn: float = 250.0
    # a host that completes a handshake with the target, having sent it at most this many SYNs
    # and segments on no connection for each it completed, is a client retrying it: Linux
    # resends a SYN up to 6 times (1, 2, 4, 8, 16, 32 s), and an application reconnects with
    # backoff while its service is down (40 devices retrying an MQTT broker through a 15 s
    # restart, each SYN answered by a RST, were a SYN flood at 22 a second); after a restart,
    # each client's next segment on its old connection is answered by a RST before it
    # reconnects (150 clients' were an ACK flood at 26 a second). Those are no flood's; a bot's
    # raw SYNs or ACKs run to hundreds for any connection it opens
    client_syn_retries_max: int = 8
    # DNS queries to one server are the exception: answering thousands a second is a DNS
    # server's ordinary day (a popular zone's authoritative server, an ISP's resolver), so
    # 1,000/s cried wolf on a busy server's steady, answered load. Without a baseline (a
    # capture that is all attack) queries are a flood only above 20,000/s, FastNetMon's
    # default per-host threshold; a jump over the server's own rate (``rate_factor``) is
    # caught at any rate
    flood_pps_dns: float = 20000.0
    # ... but from fewer than ``rate_min_sources`` hosts, above this rate: a resolver or a
    # forwarder asks one server a few thousand a second at most (a site of 10,000 users forwards
    # 1,000-2,000; the dns-forwarder scenario, 1,500 to each of two upstreams), while one host's
    # query flood (dnsperf, a flood script, a lab's attack on its DNS server, answered or not)
    # runs at 5,000-100,000 a second and, in a capture that is all attack, was missed under
    # the 20,000 of a server's crowd of resolvers
    flood_pps_dns_few_sources: float = 5000.0
    # ... and a jump over a DNS server's own rate from fewer than ``rate_min_sources`` hosts is
    # a flood only from this rate (not ``single_source_flood_pps``): one client asks its
    # resolver a few hundred names a second in a burst (a browser resolving a page's 50-100
    # hosts, A, AAAA and HTTPS each; nmap's reverse lookups of a /24, 256 at once; a mail
    # server's blocklist checks), 8x its usual rate for a second or two, while a server answers
    # tens of thousands a second and one host's query flood runs at 5,000 and up
    single_source_dns_jump_pps: float = 1000.0
    # ... for a DNS server: a host the capture sees sending that sends DNS answers (UDP from port
    # 53) for under this share of the queries it receives runs none (an overloaded server still answers some; a host without
    # one answers none, or an ICMP port unreachable now and then), and datagrams flooding its
    # port 53 (``hping3 --udp -p 53``: 5,000-10,000 a second from one host, missed at 20,000/s)
    # are UDP it never answers, judged as such (``flood_pps_other``)
    dns_answered_min: float = 0.01
    # so are a collector's: syslog from every server, NetFlow, IPFIX and sFlow from every
    # router, SNMP traps, and metrics from every application server (StatsD, collectd) are
    # never answered, by design, and a large network's collector takes thousands a second
    # steadily (40 servers logging 50 lines/s; a router exporting a flow record per ~20
    # packets it forwards; 40 application servers sending 150 StatsD datagrams/s each). A
    # target whose unanswered UDP is mostly to those
    # ports (``one_way_share_min``) is judged by its own rate, and without a baseline above
    # FastNetMon's default as DNS is
    flood_pps_collector: float = 20000.0
    # ... and a jump over a collector's own rate is a flood only from this rate: its senders
    # flush at once (collectd and Telegraf send each interval's metrics on the same tick of
    # clocks NTP keeps in step: 20 hosts' 140 datagrams in a tenth of a second every 10 s), and
    # one server in trouble logs hundreds of lines a second for a few seconds; a flood at a
    # collector runs at thousands a second and up
    collector_jump_min_pps: float = 1000.0
    # a bin's rate is measured from at least this many packets: one packet in a 10 ms bin is
    # not "100 packets/s" of anything
    rate_min_bin_packets: int = 5
    # hot bins needed: one busy bin is a burst, not a flood
    rate_min_bins: int = 3
    # quieter bins between hot ones, up to this many, count as hot (a flood dips now and then)
    rate_gap_fill_bins: int = 3
    # a silence this long, not one packet of anything, is time the capture did not cover (files
    # of different days merged, a capture stopped and restarted), not a quiet target: it is not
    # part of any baseline (a three-year jump made every median zero, and 30 DNS queries/s a
    # flood)
    baseline_gap_s: float = 60.0

    # --- HTTP ---
    # requests/s to one target (bots' HTTP GETs); below this no web server notices
    min_rate_http_rps: float = 5.0
    # a request is a client segment that starts a turn of its connection: its first, or the
    # first after the server sent data on it. What follows without an answer between is the
    # same message going on (an upload's body: 400-1,500 segments a second on one HTTPS
    # connection, each counted as a request, was an HTTP flood; so was a call's media over
    # TCP 443, 110 segments a second each way). While the server has sent nothing on the
    # connection for this long (a server that answers does within a round trip and its work),
    # it no longer answers: a segment shorter than a full one after another such is then a
    # request of its own (a flood pipelined at it). A request fits in one segment, where a
    # message longer than one is sent as full ones (1,220-1,460 bytes on Ethernet, IPv6 and
    # tunnels; more where the sender's NIC segments) and ends with a shorter piece
    http_answer_max_s: float = 1.0
    full_segment_min_bytes: int = 1200
    # an HTTP flood lasts: a browser loads a news site (40 connections, 100 requests) in 2 s,
    # a flood goes on for minutes
    http_flood_min_s: float = 5.0
    # one client alone floods with this many requests per second over several connections ...
    http_rps_per_source: int = 20
    http_sessions_per_source: int = 3
    # ... each of them kept busy with this many a second: a flood tool sends its next request
    # as soon as an answer comes (AnonymousDoS: 221 a second over 4 connections, 55 each),
    # where a browser's or a package manager's connections spend their time fetching what it
    # asked for (a page's 19-40 requests a second over 5-17 connections in the real benign
    # captures; a map's tiles or npm's packages, 25-49 a second over 6-16 connections, kept
    # up for 15-25 s: 2-7 each, which was a flood)
    http_requests_per_connection: float = 10.0
    # ... or on any number of connections at any pace on each, where its requests are one
    # request again and again, answered alike: at least this share of them answered, and of
    # those this share of one size and with answers of one size (a flood tool's loop:
    # AnonymousDoS sent 2,064 requests of 372 bytes, 89 % of them answered by the same bytes;
    # the browsers of the real benign captures at most 70 % of one size and 31 % answered
    # alike, a map's tiles or a photo app's thumbnails one size of request but answers of
    # many). A flood on a server that answers slowly goes at its pace: AnonymousDoS four times
    # slower, 55 a second over 2 or 3 connections, was missed
    http_same_share: float = 0.8
    # ... or with this many on any number of connections (a script's loop on one keep-alive
    # connection: python requests.Session, 250 a second on a LAN): five times one browser's
    # busiest second in the real benign captures (19-40 requests over 5-17 connections; their
    # fifth busiest at most 22), and sustained as long (``http_flood_min_s``), which no page
    # load is. A proxy in front of its origin server requests that fast too: it reads as one.
    # A capture shorter than ``http_flood_min_s`` asks this rate over all of it instead
    http_rps_any_connections: float = 100.0
    # ... or with new connections this fast, sustained (HULK opens one every ~150 ms)
    http_connections_per_source_rate: float = 3.0
    # a capture shorter than ``http_flood_min_s`` (a snippet of a flood) holds no such run: in
    # one, a client that opened this many connections a second to one web server over all of
    # it (and as many at least) floods it. Six times the most any browser opened to one server
    # in a second in the real benign captures (17, a Reddit session; 8 as a news site's page
    # loaded in 2 s), and no browser opens more than 6 at once to one HTTP/1.1 server; HULK
    # opens 95-600 a second
    http_burst_connections_per_s: float = 100.0
    # hot seconds at most this far apart are one flood (a flood dips for a second now and then;
    # its ``http_flood_min_s`` hot seconds must come in one such run): a visitor's page views are
    # seconds apart, and each opens a few connections at once (up to 6 to one HTTP/1.1 server,
    # anew when the server closed the idle ones: five views 8-10 s apart were a flood)
    http_flood_max_gap_s: float = 2.0
    # a crowd's HTTP flood is bots that keep requesting through it: the median client of the
    # hot seconds sends at least this many requests, over at least this share of them. A flash
    # crowd is visitors who load a page and leave (one or two requests, seconds each)
    http_bot_min_requests: int = 3
    http_bot_min_span_share: float = 0.3

    # --- slow HTTP (slowloris, slow headers, slow body) ---
    # a client segment of at most this many bytes after the first is a trickled header line
    slow_segment_max_bytes: int = 64
    # ... and of at least this many: a TCP keep-alive probe carries one garbage octet (RFC 1122
    # 4.2.3.6; Windows sends it), acknowledged with nothing more. 30 idle pooled connections
    # probed every 10 s were slow HTTP; a header line is a few bytes and its CRLF
    slow_segment_min_bytes: int = 2
    # ... and arrives this long after the previous client segment of its connection
    slow_gap_min_s: float = 1.0
    # once a slow request dribbles, no piece of it is longer than this: a header line of up to
    # 64 bytes in a TLS record (29 bytes more: TLS 1.2's header, nonce and tag). A stream of
    # messages goes on with longer ones among its small ones (Graphite's plaintext lines of
    # 50-230 bytes from 25 hosts, the server never answering, was slow HTTP)
    slow_dribble_max_bytes: int = 128
    # connections to one service holding a request open this way, at once: a server's worker
    # pool is exhausted by hundreds (Apache's default is 150); one idle keep-alive is nothing
    slow_min_connections: int = 20
    # a slow client never sends a segment larger than this: its request dribbles in (a partial
    # request line of 20-200 bytes, then header lines; a slow POST's whole head, 370-450 bytes
    # from slowhttptest -B); a bulk upload is not slow HTTP, nor a browser's TLS session (its
    # ClientHello is padded to 512 bytes or more, RFC 7685, 517 on the wire)
    slow_request_max_bytes: int = 512
    # a tiny segment the client's own FIN or RST goes with or follows within this long is its
    # goodbye, not a trickle: a TLS close_notify (24-31 bytes) and the FIN after it leave
    # together, after a keep-alive's idle seconds (seen one way, nothing answers them); a
    # slowloris holds its connections open
    slow_goodbye_s: float = 1.0
    # slow read (slowhttptest -X): a client that asks for a page, then reads it a few bytes at a
    # time from a tiny buffer. It advertises a zero window this many times on one connection
    # (the server's persist timer probes it at 0.2 s, 0.6 s, 1.4 s, ..., each probe answered
    # with a zero window: a slow read shows several in its first seconds) ...
    slow_read_zero_windows_min: int = 3
    # ... while the server gets no more than this many bytes a second through to it over the
    # connection's life (slowhttptest reads 5 bytes a second by default, 1 KB at the fastest
    # its documentation shows; a video player whose buffer is full shuts its window too, but
    # between its stops it takes tens or hundreds of KB a second)
    slow_read_max_bytes_per_s: float = 2048.0
    # ... and at least this share of its bare ACKs shut the window: a slow reader answers each
    # of the server's probes with a zero window and opens it now and then (one in two at the
    # least, reading every second: an update, then a zero window); a video player acknowledges
    # every other segment of a chunk (tens to hundreds) before its few zero windows (a quarter
    # at 8 KB/s, a few % at 1 Mbit/s). The test that stands when the server's data is not
    # captured (one direction only)
    slow_read_zero_window_share_min: float = 0.4

    # --- DNS ---
    # water torture is queries to one server far above its own rate (rate rules above)

    # --- mitigation seen in the path ---
    # a scrubbing center in the path: senders' TTLs fall by at least this many hops at once
    # (a diversion adds several routers; one extra hop is a routine route change)
    scrubbing_ttl_drop_min: int = 2
    # ... for at least this many real senders, this share of those sending across the switch,
    # all within this many seconds of each other (a diversion is one routing change)
    scrubbing_min_senders: int = 20
    scrubbing_sender_share: float = 0.6
    scrubbing_switch_spread_s: float = 10.0

    # --- saturation ---
    # a link at or above the saturation threshold (95 %) this long is an episode, not a blip
    # (Grafana's "for 5 s"): router buffers (tens to hundreds of ms at line rate) and TCP's fast
    # retransmit absorb shorter spells, while a link full for 5 s makes legitimate connections
    # time out and back off (TCP's retransmission timeout starts at 1 s and doubles, RFC 6298),
    # calls drop and pages stall: what users of a flooded link report
    saturation_episode_min_s: float = 5.0
    # ... and dips below the threshold shorter than this do not end one: a flood filling the
    # link wobbles around capacity from one 100 ms bin to the next (senders' bursts, queues
    # draining), while users feel a break only after a second or more
    saturation_episode_gap_s: float = 1.0

    # --- phases ---
    heavy_share_of_peak: float = 0.3
    residual_share_of_peak: float = 0.004
    residual_min_pps: float = 0.2
    min_phase_bins: int = 5
    # a phase edge goes where the unsmoothed traffic changes; a vector's bins under this share
    # of its peak (a legitimate SYN now and then, labelled with a flood on the same host) are
    # its background, not where it starts or ends
    phase_edge_share_of_peak: float = 0.05
    min_vector_packets: int = 20

    def __post_init__(self) -> None:
        """Every threshold a number of its default's kind (an int where a count is meant)."""
        for item in fields(self):
            value, default = getattr(self, item.name), item.default
            kinds = (int,) if isinstance(default, int) else (int, float)
            expect(value, kinds, item.name, "AnalysisConfig", f"a number like {default!r}")

    def rate_bin_ms(self, span_ns: int) -> int:
        """The bin (a power of ten of ms, dividing a second) in which rates are judged for a
        capture spanning ``span_ns``: about ``rate_bins_per_capture`` bins or more."""
        want = max(span_ns / 1e6 / self.rate_bins_per_capture, self.rate_bin_min_ms)
        power = 10 ** math.floor(math.log10(want))
        return int(min(max(power, self.rate_bin_min_ms), self.rate_bin_max_ms))

    def to_dict(self) -> dict:
        return asdict(self)

    def replace(self, **changes) -> AnalysisConfig:
        return replace(self, **changes)


DEFAULT = AnalysisConfig()
