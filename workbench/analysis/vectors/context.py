"""Context: what the rest of the capture says about each candidate packet, looked up once for both
target keys. ``_asked``: the target sent the matching request (or SYN), or searched a group on
that port within ``group_answer_window_s`` before (an SSDP M-SEARCH); ``_done``: the SYN's
handshake completed; ``_reset``: its sender reset it (a RST on its 4-tuple); ``_open``: the
segment's connection was opened, or the target talks back on it; ``_answered``: the target sends
UDP back on the flow (or on a fragment's datagram's flow), or to the peer's same port (an
overlay: VXLAN), or GRE (or ESP, or another protocol no row names) to the far end of its tunnel;
or the datagram comes to the port the target asked a group from (an SSDP search), is a
traceroute's probe (answered by ICMP), or is on a stream's flow to a target never seen sending;
``_talks``: the target of unanswered UDP or of answers (a reflection's candidates) sends
anything at all (in this window, over a dataset); an echo reply's ``_asked``: its target pinged
that host, or pinged a group at a ping's pace and the host is on its LAN; an ICMP error's: its
target traces paths. DNS queries to a host seen sending that answers almost none of them are UDP
it never answers: their candidate becomes ``udp_flood`` (``unserved_queries``).

Every lookup is limited to the candidates that need it: a semi join probes the capture once,
where a unique over all of a flood's packets would hash millions of keys. A flood's tuples are
taken as they come (a semi join keeps a row once whatever it matches; nearly all are distinct);
reflectors' keys are made unique first (thousands, from millions of packets: a small table).
"""

from __future__ import annotations

import polars as pl

from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.queries import collect, probed, time_bounds
from workbench.analysis.steps import step
from workbench.analysis.vector_table import AMPLIFICATION, ORPHAN_KINDS, REFLECTION
from workbench.analysis.vectors.http_floods import request_starts
from workbench.analysis.vectors.kinds import (
    CANDIDATE,
    DNS_QUERIES,
    ECHO_REPLIES,
    ECHO_REQUESTS,
    FRAGMENTS,
    HANDSHAKES,
    ICMP,
    ICMP_ERRORS,
    ICMPV6_ERRORS,
    NTP_ANSWERS,
    REVERSE,
    SECOND,
    SIZED_ANSWERS,
    SYNACKS,
    TUNNELLED,
    TUPLE4,
    UNANSWERED_UDP,
    is_candidate,
)
from workbench.analysis.vectors.lan_kernel import lan_peers
from workbench.analysis.vectors.matching import candidate_rows, is_group_address, link_group
from workbench.capture.schema import (
    PROTO_ICMP,
    PROTO_ICMPV6,
    PROTO_TCP,
    PROTO_UDP,
    TCP_ACK,
    TCP_RST,
    TCP_SYN,
)

# the candidates whose test asks whether their target is ever seen sending (``_talks``): of
# unanswered UDP, of DNS or NTP answers, of a reflection from few reflectors, and of a tunnel's
# protocol (GRE, ESP, 6in4) from few peers
SILENT_JUDGED = [*UNANSWERED_UDP, *REFLECTION, *TUNNELLED]
[UDP_FLOOD] = UNANSWERED_UDP
DNS_PORT = 53  # a DNS server answers from it (RFC 1035)
# ... and those whose target's silence lets its LAN peers' answers pass for asked (``_asked``)
PEER_ANSWERED = list(AMPLIFICATION)


# what a lookup reads of the packets a candidate's target sent (``with_context``)
SENT_COLUMNS = ["_row", "ts", "src", "sport", "dst", "dport", "proto", "tcp_flags", "icmp_type", "dst_mac",
                "payload_len", "ttl"]  # fmt: skip


def _is(names) -> pl.Expr:
    return pl.col("candidate").is_in(list(names))


def _sent_by(packets: pl.LazyFrame, targets: pl.Series) -> pl.LazyFrame:
    """The packets the ``targets`` sent: only they can ask for an answer or give one (a test of
    one address per packet before a join on three or four columns)."""
    return packets.filter(pl.col("src").is_in(targets.unique().implode()))


def _sent_back(sent: pl.LazyFrame, keys: pl.LazyFrame, reverse: dict[str, str], flag: str) -> pl.LazyFrame:  # fmt: skip
    """The ``keys`` (a candidate's columns, its target ``dst`` among them) their target sends
    back on, once each, flagged ``flag``: its packets in ``sent``, their columns named as the
    candidate's by ``reverse`` (the packet's destination is the candidate's source, ...)."""
    on = list(reverse)
    targets = keys.select("dst").unique().collect()["dst"]
    if targets.is_empty():  # nothing to look up: no pass over the packets
        return keys.select(on).clear().with_columns(pl.lit(True).alias(flag))
    return (
        _sent_by(sent, targets)
        .select(**reverse)
        .join(keys, on=on, how="semi")
        .unique()
        .with_columns(pl.lit(True).alias(flag))
    )


def _requests(udp: pl.LazyFrame, kinds: pl.LazyFrame) -> list[tuple[pl.LazyFrame, list[str]]]:
    """What the target sent: a request to the reflector's port (a search to a group address
    on that port, which asks every device of the LAN for a few seconds, is ``_searches``'s);
    and the UDP it sends back on a flow, with how many datagrams came to it on that flow
    (``_flow_n``: a request's few, a conversation's many)."""
    refl = ["dst", "src", "eff_sport"]
    refl_keys = kinds.filter(_is(AMPLIFICATION)).select(refl).unique().collect()
    requests = _sent_back(udp, refl_keys.lazy(), dict(dst="src", src="dst", eff_sport="dport"), "_asked")  # fmt: skip
    flood_tuples = kinds.filter(_is(UNANSWERED_UDP)).select(TUPLE4)
    answered = _sent_back(udp, flood_tuples, REVERSE, "_answered")
    # counted for the answered flows only (a flood's millions of unanswered ones are not)
    sizes = (
        flood_tuples.join(answered.select(TUPLE4), on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(pl.len().cast(pl.UInt32).alias("_flow_n"))
    )
    return [(requests, refl), (answered.join(sizes, on=TUPLE4, how="left"), TUPLE4)]


def _rtcp_reports(udp: pl.LazyFrame, kinds: pl.LazyFrame) -> pl.LazyFrame:
    """The RTP flows (even ports at both ends, RFC 3550) whose target sends RTCP back on the
    next ports up (``_rtcp``): a receiver's reports on a stream it takes (40 cameras' video to a
    recorder, 8,000 datagrams a second it never answers on their own flows, was a UDP flood).
    No flood gets them: the target runs no session for a flood's flows."""
    sport, dport = pl.col("sport"), pl.col("dport")
    even = (sport % 2 == 0) & (dport % 2 == 0) & (sport > 0) & (dport > 0)
    keys = kinds.filter(_is(UNANSWERED_UDP) & even).select(TUPLE4)
    reports = udp.filter((sport % 2 == 1) & (dport % 2 == 1))
    up = {"src": pl.col("dst"), "sport": (dport - 1).cast(pl.UInt16), "dst": pl.col("src"),
          "dport": (sport - 1).cast(pl.UInt16)}  # fmt: skip
    return _sent_back(reports, keys, up, "_rtcp")


def _searches(udp: pl.LazyFrame) -> pl.LazyFrame:
    """When each target sent a search to a group (``udp``: its UDP), and from which port it
    asks answers: (dst, eff_sport, _searched): an SSDP M-SEARCH to 239.255.255.250, a NetBIOS
    name query to the LAN's broadcast address. Few packets: every one is kept, with its time."""
    return udp.filter(_to_a_group()).select(
        dst="src", eff_sport="dport", _searched=pl.col("ts").cast(pl.Int64)
    )


def _answered_searches(cand: pl.DataFrame, rows: pl.Expr, searches: pl.DataFrame, config: AnalysisConfig) -> dict[str, pl.Series]:  # fmt: skip
    """``_asked_group``: the ``rows`` of ``cand`` (a reflection's candidates) that come to a port
    their target searched a group from, within ``group_answer_window_s`` after its last search
    there (null for the other rows, as ``probed`` gives)."""
    out = pl.Series("_asked_group", [], dtype=pl.Boolean).extend_constant(None, cand.height)
    if searches.is_empty():
        return {"_asked_group": out}
    on = ["dst", "eff_sport"]
    keys = searches.select(on).unique()
    # only the answers to a host that searched are gathered (a reflection's millions to a
    # host that never did are not)
    searched = pl.col("dst").is_in(keys["dst"].unique().implode())
    places = cand.select(pl.arg_where(rows & searched)).to_series()
    asking = cand.select(*on, _t=pl.col("ts").cast(pl.Int64))[places].with_columns(_i=places)
    asking = asking.join(keys, on=on, how="semi")
    if asking.is_empty():
        return {"_asked_group": out}
    window = int(config.group_answer_window_s * SECOND)
    found = asking.sort("_t").join_asof(
        searches.sort("_searched"), left_on="_t", right_on="_searched", by=on,
        strategy="backward", tolerance=window, check_sortedness=False,  # both sorted by time
    ).filter(pl.col("_searched").is_not_null())  # fmt: skip
    if found.height:
        out = out.scatter(found["_i"], True)
    return {"_asked_group": out}


def served(config: AnalysisConfig = DEFAULT) -> pl.Expr:
    """A datagram from a server's port to a client's (``stream_server_port_max``,
    ``stream_client_port_min``): the server's side of a stream (QUIC, a call's media); or from
    a peer's port to the same port of the target (``stream_peer_port_min`` and up): the far end
    of a tunnel both run on that port (WireGuard between sites, GTP-U, L2TP)."""
    sport, dport = pl.col("sport"), pl.col("dport")
    server = sport.is_between(1, config.stream_server_port_max) & (
        dport >= config.stream_client_port_min
    )
    return server | ((sport == dport) & (sport >= config.stream_peer_port_min))


def _to_a_group() -> pl.Expr:
    """Sent to a group: a multicast or broadcast address, or an Ethernet broadcast or
    multicast destination (a LAN's broadcast address, whose mask no header gives)."""
    return is_group_address("dst") | link_group()


def _searching_ports(udp: pl.LazyFrame, kinds: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:  # fmt: skip
    """The (target, port) pairs the target asked a group from, a client's port
    (``stream_client_port_min`` and up): an SSDP M-SEARCH from an ephemeral port, which devices
    answer on that port, some from an ephemeral port of their own (``_group_socket``); a
    service's own port (mDNS 5353) is no such socket."""
    keys = kinds.filter(_is(UNANSWERED_UDP) & (pl.col("dport") >= config.stream_client_port_min))
    return _sent_back(
        udp.filter(_to_a_group()),
        keys.select("dst", "dport"),
        dict(dst="src", dport="sport"),
        "_group_socket",
    )


def _shared_service_ports(udp: pl.LazyFrame, kinds: pl.LazyFrame) -> pl.LazyFrame:
    """The (target, peer, port) where the target sends UDP to the peer's same port
    (``_same_port``): both ends of an overlay or tunnel send to one service port, each from
    source ports of its own (VXLAN on 4789, Geneve on 6081: a hash of each inner flow), so no
    datagram answers another's 4-tuple, yet each end is the other's peer on that port."""
    keys = kinds.filter(_is(UNANSWERED_UDP)).select("dst", "src", "dport")
    return _sent_back(udp, keys, dict(dst="src", src="dst", dport="dport"), "_same_port")


def _fragmented_answers(udp: pl.LazyFrame, kinds: pl.LazyFrame) -> pl.LazyFrame:
    """The fragments whose datagram is on a UDP flow the target sends back on
    (``_answered_datagram``): the large answers of a service it asks, cut into fragments (NFS
    reads over UDP, big DNS answers), not a fragment flood."""
    flows = kinds.filter(_is(FRAGMENTS)).select(
        "src", sport="eff_sport", dst="dst", dport="eff_dport"
    )
    answered = _sent_back(udp, flows, REVERSE, "_answered_datagram")
    return answered.rename({"sport": "eff_sport", "dport": "eff_dport"})


def _talkers(packets: pl.LazyFrame, targets: pl.Series) -> pl.LazyFrame:
    """The ``targets`` (of unanswered UDP, of UDP answers, of DNS queries) that send anything at
    all (``dst``; their candidates' ``_talks``): of one that never sends, the capture holds one
    direction only, and "unanswered" or "unsolicited" says nothing."""
    if targets.is_empty():  # nothing to look up: no pass over the packets
        return pl.LazyFrame(schema={"dst": pl.UInt128})
    return _sent_by(packets, targets).select(dst="src").unique()


def dns_service(packets: pl.LazyFrame, hosts: pl.Series | None = None) -> pl.DataFrame:
    """(dst, ``_dns_queries``, ``_dns_answers``): per host receiving UDP on port 53 (of
    ``hosts`` only, when given), the datagrams it received there and the DNS answers (UDP from
    port 53) it sent (``unserved_queries``). Over a dataset, read once over the whole capture
    before its windows: whether a host runs a DNS server is the capture's to say, and a window
    all flood, its server answering none of it, said it ran none."""
    if hosts is not None and hosts.is_empty():  # nothing to look up: no pass over the packets
        schema = {"dst": pl.UInt128, "_dns_queries": pl.UInt64, "_dns_answers": pl.UInt64}
        return pl.DataFrame(schema=schema)
    udp = packets.filter(pl.col("proto") == PROTO_UDP)
    if hosts is not None:
        udp = udp.filter(
            pl.col("dst").is_in(hosts.implode()) | pl.col("src").is_in(hosts.implode())
        )
    queries = (
        udp.filter(pl.col("dport") == DNS_PORT)
        .group_by("dst")
        .agg(pl.len().cast(pl.UInt64).alias("_dns_queries"))
    )
    answers = (
        udp.filter(pl.col("sport") == DNS_PORT)
        .join(queries.select("dst"), left_on="src", right_on="dst", how="semi")
        .group_by(dst="src")
        .agg(pl.len().cast(pl.UInt64).alias("_dns_answers"))
    )
    return collect(
        queries.join(answers, on="dst", how="left").with_columns(
            pl.col("_dns_answers").fill_null(0)
        )
    )


def _icmp() -> pl.Expr:
    """An ICMP or ICMPv6 packet (a fragment of an ICMP datagram too)."""
    return pl.col("proto").is_in([PROTO_ICMP, PROTO_ICMPV6])


def _echo_replies() -> pl.Expr:
    """Candidates that are echo replies, or fragments of an ICMP datagram (a large echo's reply
    comes in fragments: ``ping -s 8000``): a host's own pings ask for them (``_pings``)."""
    return (_is(ICMP) & pl.col("icmp_type").is_in(ECHO_REPLIES)) | (_is(FRAGMENTS) & _icmp())


def _pings(packets: pl.LazyFrame, kinds: pl.LazyFrame, config: AnalysisConfig) -> list[tuple[pl.LazyFrame, list[str]]]:  # fmt: skip
    """The hosts each ICMP target pinged (``_pinged``): their echo replies are its answers (a
    monitoring host pinging thousands of hosts a second takes thousands of replies); and the
    targets that pinged a group (``_group_pinged``): echo requests to a multicast or broadcast
    address (``ping6 ff02::1``, every host of its LAN answering), never more than
    ``group_ping_max_pps`` in a second (ping's pace; a smurf's trigger floods them)."""
    targets = kinds.filter(_echo_replies()).select("dst").unique().collect()["dst"]
    if targets.is_empty():  # no echo reply to look up (an echo request flood): no pass
        return [
            (pl.LazyFrame(schema={"dst": pl.UInt128, "src": pl.UInt128, "_pinged": pl.Boolean}),
             ["dst", "src"]),
            (pl.LazyFrame(schema={"dst": pl.UInt128, "_group_pinged": pl.Boolean}), ["dst"]),
        ]  # fmt: skip
    echoes = _sent_by(packets.filter(_icmp() & pl.col("icmp_type").is_in(ECHO_REQUESTS)), targets)
    pinged = echoes.select(dst="src", src="dst").unique().with_columns(_pinged=pl.lit(True))
    second = pl.col("ts").cast(pl.Int64) // SECOND
    group_pinged = (
        echoes.filter(_to_a_group())
        .group_by("src", second)
        .agg(pl.len().alias("n"))
        .group_by("src")
        .agg(pl.col("n").max())
        .filter(pl.col("n") <= config.group_ping_max_pps)
        .select(dst="src", _group_pinged=pl.lit(True))
    )
    return [(pinged, ["dst", "src"]), (group_pinged, ["dst"])]


def _icmp_errors() -> pl.Expr:
    """Candidates that are ICMP errors: destination unreachable and time exceeded (ICMP types 3
    and 11, RFC 792; ICMPv6 types 1 and 3, RFC 4443): what routers and hosts send back about a
    packet of the target's."""
    kind = pl.col("icmp_type")
    v4 = (pl.col("proto") == PROTO_ICMP) & kind.is_in(ICMP_ERRORS)
    v6 = (pl.col("proto") == PROTO_ICMPV6) & kind.is_in(ICMPV6_ERRORS)
    return _is(ICMP) & (v4 | v6)


def _traces(packets: pl.LazyFrame, kinds: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """The targets of ICMP errors that trace paths (``_traced``): that sent one destination
    packets at ``probe_min_ttls`` TTLs or more of at most ``probe_ttl_max`` (traceroute's UDP
    probes, Windows tracert's echoes, mtr's, a TCP traceroute's SYNs). The routers' time
    exceeded and the destination's unreachable answer them: a trace run 16 probes at a time
    brings 50 of them back within a tenth of a second, from as many routers."""
    targets = kinds.filter(_icmp_errors()).select("dst").unique().collect()["dst"]
    if targets.is_empty():  # no ICMP error to look up: no pass
        return pl.LazyFrame(schema={"dst": pl.UInt128, "_traced": pl.Boolean})
    return (
        _sent_by(packets.filter(pl.col("ttl") <= config.probe_ttl_max), targets)
        .group_by("src", "dst")
        .agg(pl.col("ttl").n_unique().alias("_ttls"))
        .filter(pl.col("_ttls") >= config.probe_min_ttls)
        .select(dst="src")
        .unique()
        .with_columns(_traced=pl.lit(True))
    )


def _tunnels(packets: pl.LazyFrame, kinds: pl.LazyFrame) -> pl.LazyFrame:
    """The peers each GRE target sends GRE to (``_tunnel``), and each target of another
    protocol no row names sends that protocol to (IPsec's ESP): the far end of a tunnel it
    runs, whose packets are its tunnel's, not a flood (a flood's bots get nothing back)."""
    pairs = kinds.filter(_is(TUNNELLED)).select("dst", "src", "proto").unique()
    carried = packets.filter(~pl.col("proto").is_in([PROTO_TCP, PROTO_UDP]) & ~_icmp())
    return _sent_back(carried, pairs, dict(dst="src", src="dst", proto="proto"), "_tunnel")


def _stream_flows(kinds: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """The 4-tuples of unanswered UDP from a server's port to a client's port carrying
    ``stream_flow_min_packets`` or more, at a target such flows come to from fewer than
    ``min_sources_flood`` sources (``_stream``): a stream's flows (read for a target never
    seen sending only)."""
    flows = (
        kinds.filter(_is(UNANSWERED_UDP) & served(config))
        .group_by(TUPLE4)
        .agg(pl.len().alias("_n"))
        .filter(pl.col("_n") >= config.stream_flow_min_packets)
    )
    few = pl.col("src").n_unique().over("dst") < config.min_sources_flood
    return flows.filter(few).select(*TUPLE4, _stream=pl.lit(True))


def _path_probes(kinds: pl.LazyFrame, config: AnalysisConfig) -> pl.LazyFrame:
    """The (source, target) pairs whose unanswered UDP comes at several low TTLs (``_probe``):
    a traceroute's probes, each TTL a hop further (``probe_ttl_max``, ``probe_min_ttls``).
    Read from the candidates alone: a probe is one of them."""
    low = _is(UNANSWERED_UDP) & (pl.col("ttl") <= config.probe_ttl_max)
    return (
        kinds.filter(low)
        .group_by("src", "dst")
        .agg(pl.col("ttl").n_unique().alias("_ttls"))
        .filter(pl.col("_ttls") >= config.probe_min_ttls)
        .select("src", "dst", _probe=pl.lit(True))
    )


def _handshakes(tcp: pl.LazyFrame, tcp_sent: pl.LazyFrame, kinds: pl.LazyFrame) -> list[tuple[pl.LazyFrame, list[str]]]:  # fmt: skip
    """The SYN a SYN-ACK answers (among the segments its target sent, ``tcp_sent``), and the
    ACK that completes a SYN's handshake."""
    flags = pl.col("tcp_flags")
    syns = tcp_sent.filter(flags & (TCP_SYN | TCP_ACK) == TCP_SYN)
    synack_keys = kinds.filter(_is(SYNACKS)).select("dst", "src", "sport").unique()
    synack_asked = (
        syns.select(dst="src", src="dst", sport="dport")
        .join(synack_keys, on=["dst", "src", "sport"], how="semi")
        .unique()
        .with_columns(_asked_syn=pl.lit(True))
    )
    # ... or that the server went on to send on the connection (its ACKs, its data: it had the
    # client's ACK), which a capture of one direction shows when the client's SYN is unseen;
    # a reflector never does (its SYN-ACK is retransmitted, then given up, or RST)
    synack_tuples = kinds.filter(_is(SYNACKS)).select(TUPLE4).collect()
    proceeded = (
        tcp.filter((flags & TCP_ACK > 0) & (flags & (TCP_SYN | TCP_RST) == 0))
        .select(TUPLE4)
        .join(synack_tuples.lazy(), on=TUPLE4, how="semi")
        .unique()
        .with_columns(_proceeded=pl.lit(True))
    )
    if synack_tuples.is_empty():  # no SYN-ACK to look up: no pass over the packets
        proceeded = proceeded.clear()
    syn_tuples = kinds.filter(_is(HANDSHAKES)).select(TUPLE4)
    # the ACK that completes a SYN's handshake (``_done``), or a RST its sender ends it with
    # (``_reset``: a half-open monitor's SYN, SYN-ACK, RST): either frees what the SYN held
    closing = (flags & TCP_ACK > 0) & (flags & TCP_SYN == 0)
    reset = (flags & TCP_RST > 0) & (flags & TCP_SYN == 0)
    completed = (
        tcp.filter(closing | reset)
        .join(syn_tuples, on=TUPLE4, how="semi")
        .group_by(TUPLE4)
        .agg(_done=closing.any(), _reset=reset.any())
    )
    return [(synack_asked, ["dst", "src", "sport"]), (proceeded, TUPLE4), (completed, TUPLE4)]


def _connections(tcp: pl.LazyFrame, kinds: pl.LazyFrame) -> list[tuple[pl.LazyFrame, list[str]]]:
    """Whether a segment's connection was opened, and how busy its 4-tuple is."""
    flags = pl.col("tcp_flags")
    syns = tcp.filter(flags & (TCP_SYN | TCP_ACK) == TCP_SYN)
    orphan_tuples = kinds.filter(_is(ORPHAN_KINDS)).select(TUPLE4)
    opened = (
        pl.concat(
            [
                syns.select(TUPLE4),
                # the target talks back on it, not with a RST (its SYN-ACK, or its data and ACKs
                # on a connection established before the capture began)
                tcp.filter(flags & TCP_RST == 0).select(**REVERSE),
            ]
        )
        .join(orphan_tuples, on=TUPLE4, how="semi")
        .unique()
        .with_columns(_open=pl.lit(True))
    )
    return [(opened, TUPLE4)]


def client_retries(cand: pl.DataFrame, config: AnalysisConfig = DEFAULT) -> pl.Series:
    """``_retry``: the SYNs and stray segments of a client of the target, false on every other
    row. A host that completes a handshake with the target, having sent it at most
    ``client_syn_retries_max`` SYNs and segments on no connection for each it completed, is a
    client: its SYNs while the service was down (answered by a RST, or by nothing) were
    retries, and its segments on a connection the server no longer knows (it restarted: each
    answered by a RST) were its old connection's. Read for the hosts that completed one only (a
    spoofed flood's millions of sources complete none)."""
    kinds = _is([*HANDSHAKES, *ORPHAN_KINDS])
    out = pl.repeat(False, cand.height, eager=True).alias("_retry")
    done = collect(
        cand.lazy()
        .filter(_is(HANDSHAKES) & pl.col("_done"))
        .group_by("dst", "src")
        .agg(_completed=pl.len())
    )
    if done.is_empty():
        return out
    clients = collect(
        cand.lazy()
        .filter(kinds & pl.col("src").is_in(done["src"].implode()))
        .join(done.lazy(), on=["dst", "src"])
        .group_by("dst", "src")
        .agg(pl.len().alias("_sent"), pl.col("_completed").first())
        .filter(pl.col("_sent") <= config.client_syn_retries_max * pl.col("_completed"))
        .select("dst", "src", _retry=pl.lit(True))
    )
    return probed(cand, kinds, [(clients, ["dst", "src"])])["_retry"].fill_null(False)


def with_context(frame: pl.DataFrame, cand: pl.DataFrame, config: AnalysisConfig = DEFAULT,
                 dns: pl.DataFrame | None = None) -> pl.DataFrame:  # fmt: skip
    """``cand`` with each candidate's context (``_asked``, ``_done``, ``_open``, ``_answered``),
    each looked up for the candidates whose test reads it (false for the others). ``dns``:
    ``dns_service`` of the whole capture when ``frame`` is a window of it."""
    tcp = frame.lazy().filter(pl.col("proto") == PROTO_TCP)
    kinds = cand.lazy()
    # every candidate's target; among them, those whose test asks whether they are seen
    # sending (``judged``: every reflection's, ``PEER_ANSWERED`` among them), and those of DNS
    # queries (``unserved_queries``): one pass over the candidates
    targets = collect(
        kinds.filter(is_candidate())
        .group_by("dst")
        .agg(_is(SILENT_JUDGED).any().alias("_judged"), _is(DNS_QUERIES).any().alias("_dns"))
    )
    # what the targets sent, gathered once: what a target asked, answered, tunnelled or
    # searched is among it (each lookup tested every packet's source for its own targets, a
    # 128-bit hash probe per packet, and read the capture again)
    sent = collect(
        frame.lazy().filter(pl.col("src").is_in(targets["dst"].implode())).select(SENT_COLUMNS)
    ).lazy()
    udp = sent.filter(pl.col("proto") == PROTO_UDP)
    judged = targets.filter("_judged").select("dst")
    talk_targets = targets.filter(pl.col("_judged") | pl.col("_dns"))["dst"]
    lookups = [*_requests(udp, kinds), (_searches(udp), ["dst", "eff_sport"]),
               *_handshakes(tcp, sent.filter(pl.col("proto") == PROTO_TCP), kinds),
               *_connections(tcp, kinds),
               (_talkers(sent, talk_targets), ["dst"]), *_pings(sent, kinds, config),
               (_traces(sent, kinds, config), ["dst"]),
               (_tunnels(sent, kinds), ["dst", "src", "proto"]),
               (_fragmented_answers(udp, kinds), ["src", "eff_sport", "dst", "eff_dport"]),
               (_shared_service_ports(udp, kinds), ["dst", "src", "dport"]),
               (_path_probes(kinds, config), ["src", "dst"]),
               (_searching_ports(udp, kinds, config), ["dst", "dport"]),
               (_stream_flows(kinds, config), TUPLE4), (_rtcp_reports(udp, kinds), TUPLE4)]  # fmt: skip
    # one at a time, streamed: their hash tables are not all held at once
    tables = [collect(table) for table, _ in lookups]
    (
        requests,
        answered,
        searches,
        synack_asked,
        proceeded,
        completed,
        opened,
        talks,
        pinged,
        group_pinged,
        traced,
        tunnels,
        fragmented,
        same_port,
        probes,
        searching,
        streams,
        rtcp,
    ) = ((table, on) for table, (_, on) in zip(tables, lookups, strict=True))
    answers = _is(k for k in REFLECTION if k not in SYNACKS)
    columns = {  # each looked up for the candidates whose test reads it
        **probed(cand, answers, [requests]),
        **_answered_searches(cand, answers, searches[0], config),
        **probed(cand, _is(SYNACKS), [synack_asked, proceeded]),
        **probed(cand, _is(HANDSHAKES), [completed]),
        **probed(cand, _is(ORPHAN_KINDS), [opened]),
        **probed(cand, _is(UNANSWERED_UDP), [answered, same_port, searching, streams, rtcp]),
        **probed(cand, _echo_replies(), [pinged, group_pinged]),
        **probed(cand, _icmp_errors(), [traced]),
        **probed(cand, _is(TUNNELLED), [tunnels]),
        **probed(cand, _is(FRAGMENTS), [fragmented]),
        **probed(cand, _is(UNANSWERED_UDP) & (pl.col("ttl") <= config.probe_ttl_max), [probes]),
    }
    c = pl.col("candidate")
    talkers = talks[0]["dst"].implode()
    talking = pl.col("dst").is_in(talkers)
    # UDP answers from its own LAN to a host never seen sending are its peers' answers to what
    # it asked out of sight (a search, a question to a group): reflectors are not on its LAN
    # (to a host seen sending, only those to a client's socket: ``_asked`` below).
    # The ports they come to are the sockets it asked from, which some peers answer from a
    # port of their own (SSDP devices): their datagrams there are answers too
    silent = judged.filter(~pl.col("dst").is_in(talkers))["dst"]
    silent_peer = pl.lit(False)
    lan = lan_peers(cand)  # from their own LAN: one pass, its mask read three times below
    if not silent.is_empty():  # a capture of both directions has none
        # a flood's silent targets take millions of packets, nearly none from their own LAN:
        # only those are looked up
        places = lan.arg_true()
        places = places.filter(cand["dst"].gather(places).is_in(silent.implode()))
        if not places.is_empty():
            mask = pl.repeat(False, cand.height, eager=True).scatter(places, True)
            silent_peer = pl.lit(mask)
            # a socket the LAN's answers come to, where they are a real share of its LAN UDP
            # (``peer_answer_share_min``): not a port one LAN host floods, sweeping its source
            # ports through a few a reflection table names (``hping3 --udp``)
            sockets = (
                cand.filter(mask & cand["candidate"].is_in([*PEER_ANSWERED, *UNANSWERED_UDP]))
                .group_by("dst", "dport")
                .agg(_is(PEER_ANSWERED).sum().alias("_answers"), pl.len().alias("_n"))
                .filter(
                    (pl.col("_answers") > 0)
                    & (pl.col("_answers") >= config.peer_answer_share_min * pl.col("_n"))
                )
                .select("dst", "dport", _peer_socket=pl.lit(True))
            )
            found = probed(cand, _is(UNANSWERED_UDP) & silent_peer, [(sockets, ["dst", "dport"])])
            columns.update(found)
    out = cand.with_columns(**columns).with_columns(
        _asked=pl.when(c.is_in(SYNACKS))
        .then(pl.col("_asked_syn") | pl.col("_proceeded"))
        .when(c.is_in(ICMP))
        .then(pl.col("_pinged") | pl.col("_traced") | (pl.col("_group_pinged") & pl.lit(lan)))
        # a frame to a link-layer broadcast is nobody's answer: reflectors answer a host
        .otherwise(
            pl.col("_asked")
            | pl.col("_asked_group").fill_null(False)
            | pl.col("link_group")
            # its LAN's answers, to a host never seen sending; or to a client's socket of a host
            # seen sending: a search it made before the capture began (a media player's
            # M-SEARCH a moment earlier: its devices answer in the capture's first seconds)
            | (
                c.is_in(PEER_ANSWERED)
                & (silent_peer | (pl.lit(lan) & (pl.col("dport") >= config.stream_client_port_min)))
            )
        )
        .fill_null(False),
        _done=pl.col("_done").fill_null(False),
        _reset=pl.col("_reset").fill_null(False),
        _open=pl.col("_open").fill_null(False),
        # UDP on a flow the target answers (or fragments of it), or reports on as RTP's receiver
        # (RTCP on the next ports), or from a peer it sends to on the same port, or to the port
        # it asked a group from (or its silent LAN's peers
        # answer on), or a traceroute's probes (answered by ICMP), or a stream's flow to a
        # target never seen sending; GRE (ESP, ...) from the far end of a tunnel it runs; ICMP
        # fragments from a host it pings
        _answered=pl.coalesce(
            "_answered",
            "_same_port",
            "_rtcp",
            "_tunnel",
            "_answered_datagram",
            "_probe",
            "_group_socket",
            *(["_peer_socket"] if "_peer_socket" in columns else []),
            pl.when(c.is_in(FRAGMENTS)).then(pl.col("_pinged")),
        ).fill_null(False)
        | (pl.col("_stream").fill_null(False) & ~talking),
        # one address per candidate against a handful of talkers: no join
        _talks=_is(SILENT_JUDGED) & talking,
        # a request the target answers on a flow of its own (``query_flow_max_datagrams``): a
        # query, counted toward a flood's rate as unanswered UDP is (``asked_for``)
        _query=(
            _is(UNANSWERED_UDP)
            & pl.col("_answered").fill_null(False)  # on its own flow, before the rest
            & (pl.col("_flow_n") <= config.query_flow_max_datagrams)
        ).fill_null(False),
    )
    if dns is None:  # the frame is the capture: its DNS queries' targets, looked up in it
        dns = dns_service(frame.lazy(), targets.filter("_dns")["dst"])
    out = unserved_queries(out, talks[0], dns, config)
    out = out.with_columns(request_starts(cand, sent, config))
    out = out.with_columns(client_retries(out, config))
    return out.select(
        *cand.columns, "_asked", "_done", "_reset", "_open", "_answered", "_talks", "_query",
        "_request", "_request_bytes", "_answer_bytes", "_retry",
    )  # fmt: skip


def unserved_queries(cand: pl.DataFrame, talkers: pl.DataFrame, dns: pl.DataFrame,
                     config: AnalysisConfig = DEFAULT) -> pl.DataFrame:  # fmt: skip
    """DNS queries to a host seen sending (``talkers``: ``dst``) that sent DNS answers for under
    ``dns_answered_min`` of the datagrams it received on port 53 (``dns``: ``dns_service``) are
    UDP it never answers (``udp_flood``): it runs no DNS server (datagrams flooding its port 53:
    ``hping3 --udp -p 53``), so a DNS server's ordinary thousands a second (``flood_pps_dns``)
    say nothing of them. A host never seen sending keeps them as queries."""
    c = pl.col("candidate")
    if dns.is_empty() or not cand.select(c.is_in(DNS_QUERIES).any()).item():
        return cand
    hosts = dns.join(talkers, on="dst", how="semi").filter(  # seen sending
        pl.col("_dns_answers") < config.dns_answered_min * pl.col("_dns_queries")
    )["dst"]
    if hosts.is_empty():
        return cand
    unserved = c.is_in(DNS_QUERIES) & pl.col("dst").is_in(hosts.implode())
    return cand.with_columns(
        candidate=pl.when(unserved).then(pl.lit(UDP_FLOOD, dtype=CANDIDATE)).otherwise(c),
        _talks=pl.col("_talks") | unserved,
    )


def asked_for() -> pl.Expr:
    """Candidates their target asked for, by their own context: echo replies to its pings, UDP
    on a flow it answers (fragments of it too; not a request on a flow of its own, ``_query``)
    and a traceroute's probes, GRE (ESP, ...) from the far end of its tunnel, a client's SYNs
    retrying it and segments on its lost connections (``_retry``). Neither attack nor counted
    in a flood's rate."""
    c = pl.col("candidate")
    return (
        (c.is_in(ICMP) & pl.col("_asked"))
        | (
            c.is_in([*UNANSWERED_UDP, *TUNNELLED, *FRAGMENTS])
            & pl.col("_answered")
            & ~pl.col("_query")
        )
        | (c.is_in([*HANDSHAKES, *ORPHAN_KINDS]) & pl.col("_retry"))
    )


def amplified_size(config: AnalysisConfig = DEFAULT) -> pl.Expr:
    """Whether a DNS or NTP answer is as large as an amplifier's (``dns_amplified_payload_min``,
    ``ntp_amplified_payload_min``)."""
    least = (
        pl.when(_is(NTP_ANSWERS))
        .then(config.ntp_amplified_payload_min)
        .otherwise(config.dns_amplified_payload_min)
    )
    return pl.col("payload_len") >= least


def unamplifying_servers(cand: pl.LazyFrame, config: AnalysisConfig = DEFAULT) -> pl.DataFrame:
    """(dst, src, candidate, ``_unamplified``): the DNS or NTP servers whose answers to a target
    never seen sending are not a reflector's: together they do not look amplified (under
    ``one_way_amplified_share_min`` of them, fragments included, ``amplified_size``), or nearly
    each comes at a size of its own (``varied_answers_min``, ``varied_answers_share``): an
    authoritative server answering a resolver's questions, a time server a client's, as far as
    one direction tells, where a reflector sends the same large answer again and again."""
    silent = pl.col("candidate").is_in(SIZED_ANSWERS) & ~pl.col("_talks")
    size = pl.col("payload_len")
    n = pl.col("_n")
    varied = (n >= config.varied_answers_min) & (pl.col("_sizes") > config.varied_answers_share * n)
    return collect(
        cand.filter(silent)
        .group_by("dst", "src", "candidate")
        .agg(
            amplified_size(config).mean().alias("_large"),
            size.n_unique().alias("_sizes"),
            pl.len().alias("_n"),
        )
        .filter((pl.col("_large") < config.one_way_amplified_share_min) | varied)
        .select("dst", "src", "candidate", _unamplified=pl.lit(True))
    )


def candidates(
    frame: pl.DataFrame, config: AnalysisConfig = DEFAULT, bin_ns: int = SECOND,
    dns: pl.DataFrame | None = None,
) -> pl.DataFrame:  # fmt: skip
    """The candidate packets of a frame (``_row``: their place) with the context their tests need.
    A frame that is mostly candidates keeps every packet, the others' ``candidate`` null
    (``kinds.is_candidate``: ``matching.candidate_rows``). ``dns``: ``dns_service`` of the
    whole capture when ``frame`` is a window of it."""
    indexed = frame.with_row_index("_row")
    with step("candidates"):
        cand = candidate_rows(indexed, config)
    with step("context"):
        return with_context(indexed, cand, config, dns).with_columns(rate_bin(bin_ns))


def rate_bin(bin_ns: int) -> pl.Expr:
    """``bin``: the start of the rate bin (``bin_ns`` wide) a packet's time falls in, in ns."""
    return (pl.col("ts").cast(pl.Int64) // bin_ns * bin_ns).alias("bin")


def span_ns(frame: pl.DataFrame | pl.LazyFrame) -> int:
    """First to last packet, in ns."""
    bounds = time_bounds(frame)
    return 0 if bounds is None else bounds[1] - bounds[0]
