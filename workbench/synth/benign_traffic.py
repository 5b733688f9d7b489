"""The benign traffic blocks of the negative scenarios (``scenarios.Traffic``): a flash crowd's
HTTP sessions, a browser's burst of parallel sessions, sessions already open, a bulk transfer
filling the link, a recursive resolver's surge of queries, video streamed over QUIC, IPTV channels
multicast by a head-end, telemetry to a collector (syslog, NetFlow), a monitoring host's pings, a game server's players."""

from __future__ import annotations

import numpy as np

from workbench.synth import payloads, sources
from workbench.synth.attacks import gre_inner
from workbench.synth.builder import NS, Builder, ephemeral
from workbench.synth.conversations import (
    ACK,
    FIN,
    PSH,
    RST,
    SYN,
    Events,
    handshake,
    peers,
    tls_handshake,
    to_ns,
)
from workbench.synth.sessions import sessions


def http_response(body: int, *, status: str = "200 OK", kind: str = "text/html") -> bytes:
    head = f"HTTP/1.1 {status}\r\nContent-Type: {kind}\r\nContent-Length: {body}\r\nCache-Control: max-age=60\r\n\r\n"
    return head.encode() + payloads.pattern(body, 0x61)


FLASH_SCRIPT = [
    (0, SYN, None, 0.0), (1, SYN | ACK, None, 0.5), (0, ACK, None, 0.5), (0, PSH | ACK, "get", 0.01),
    (1, ACK, None, 0.5), (1, PSH | ACK, "resp", 0.1), (0, ACK, None, 0.5), (0, FIN | ACK, None, 0.3),
    (1, FIN | ACK, None, 0.5), (0, ACK, None, 0.5),
]  # fmt: skip


def http_sessions(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """Complete HTTP/1.1 sessions (handshake, GET, 200, FIN) from a pool of real clients; with a
    ramp the rate rises and falls linearly over ``ramp`` seconds at both ends."""
    rng = b.rng
    n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
    if n == 0:
        return
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1 - blk.ramp, n) + rng.uniform(0, blk.ramp, n)))
    # a crowd scaled up is more visitors, not the same ones coming back more often (each loads
    # a page or two and leaves, whatever the scale); scaled down, the pool stays as it is
    crowd = max(blk.clients, round(blk.clients * scale))
    clients = sources.public_pool(rng, crowd)
    ttl = sources.stable_ttls(rng, crowd)
    pick = rng.integers(0, crowd, n)
    host = "www.mailprovider.example"
    gets = [b.template(("flash_get", k), lambda k=k: payloads.http_get(host, f"/news/{k}", payloads.USER_AGENTS[0]))
            for k in range(16)]  # fmt: skip
    resp = [b.template(("flash_resp", s), lambda s=s: http_response(s)) for s in (420, 900, 1300)]
    sessions(b, ts=ts, client=clients[pick], client_ttl=ttl[pick], dport=blk.port, script=FLASH_SCRIPT,
             server=np.full(n, sources.parse_v4(blk.server)), payload_keys={"get": gets, "resp": resp},
             label=-1)  # fmt: skip


def browser_burst(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """One browser fetching a page: ``count`` parallel connections to a few servers within
    ``t1 - t0`` seconds, each a complete HTTP session with a multi-segment answer."""
    rng = b.rng
    n = blk.count  # one browser opens its connections whatever the scale
    client = sources.parse_v4(blk.client)
    servers = np.array([sources.parse_v4(s) for s in blk.servers])
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
    server = servers[rng.integers(0, len(servers), n)]
    group = rng.integers(0, 3, n)
    host = "news.example"
    for g, total in enumerate((1448 + 700, 2 * 1448 + 1100, 4 * 1448 + 300)):
        mask = group == g
        if not mask.any():
            continue
        body = total - len(http_response(0)) + 1
        body = total - len(http_response(body)) + body
        whole = http_response(body)
        parts = [whole[i : i + 1448] for i in range(0, len(whole), 1448)]
        keys = {
            f"r{k}": [b.template(("burst", g, k), lambda part=part: part)]
            for k, part in enumerate(parts)
        }
        keys["get"] = [b.template(("burst_get", g, k), lambda g=g, k=k: payloads.http_get(host, f"/assets/{g}-{k}.js",
                       payloads.USER_AGENTS[0])) for k in range(8)]  # fmt: skip
        script = [
            (0, SYN, None, 0.0),
            (1, SYN | ACK, None, 0.5),
            (0, ACK, None, 0.5),
            (0, PSH | ACK, "get", 0.01),
        ]
        for k in range(len(parts)):
            script.append(
                (1, ACK if k < len(parts) - 1 else PSH | ACK, f"r{k}", 0.5 if k == 0 else 0.01)
            )
            if k % 2 == 1 or k == len(parts) - 1:
                script.append((0, ACK, None, 0.5))
        script += [(1, FIN | ACK, None, 15.0), (0, FIN | ACK, None, 0.5), (1, ACK, None, 0.5)]
        m = int(mask.sum())
        sessions(b, ts=ts[mask], client=np.full(m, client), client_ttl=64, server=server[mask], dport=blk.port,
                 script=script, payload_keys=keys, label=-1, rtt_ms=np.full(m, 25.0))  # fmt: skip
    b.fact(client=blk.client, connections=n)


def established(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float,
                label: int = -1) -> None:  # fmt: skip
    """``count`` sessions already open before the capture (no handshake in it): both sides send
    data now and then, each segment acknowledged by a bare ACK."""
    rng = b.rng
    n = max(1, round(blk.count * scale))
    clients = sources.public_pool(rng, n)
    ttl = sources.stable_ttls(rng, n)
    servers = np.array([sources.parse_v4(s) for s in blk.servers])
    server = servers[rng.integers(0, len(servers), n)]
    port = np.array(blk.ports or (blk.port,))[rng.integers(0, len(blk.ports or (blk.port,)), n)]
    rtt_ns = to_ns(rng.uniform(0.02, 0.18, n))
    p = peers(rng, client=sources.v4(clients), server=sources.v4(server), c_ttl=ttl, s_port=port,
              rtt_ms=rtt_ns / 1e6)  # fmt: skip
    data = {
        0: np.array([b.template(("est_c", s), lambda s=s: payloads.pattern(s, 0x43)) for s in (37, 64, 120, 310)]),
        1: np.array([b.template(("est_s", s), lambda s=s: payloads.pattern(s, 0x53)) for s in (90, 536, 1200, 1448)]),
    }  # fmt: skip
    ev = Events()
    t0_ns, t1_ns = start_ns + to_ns(t0), start_ns + to_ns(t1)
    for d, (lo, hi) in ((0, (0.2, 1.0)), (1, (0.5, 2.5))):
        counts = rng.poisson(rng.uniform(lo, hi, n) * (t1 - t0))
        conn = np.repeat(np.arange(n), counts)
        at = t0_ns + to_ns(rng.uniform(0, t1 - t0, len(conn)))
        ev.add(conn, at, d, PSH | ACK, rng.choice(data[d], len(conn)))
        # the receiver's bare ACK: the far client one round trip later, the near server at once
        delay = to_ns(rng.uniform(0.0, 0.04, len(conn))) + (
            rtt_ns[conn] + 20_000 if d == 1 else 200_000
        )
        late = at + delay
        ok = late < t1_ns
        ev.add(conn[ok], late[ok], 1 - d, ACK)
    ev.write(b, p, label)
    b.fact(sessions=n)


def bulk(b: Builder, blk, *, t0: float, t1: float, start_ns: int, capacity_bps: float) -> None:
    """One TCP transfer from a provider host to a remote server, paced at ``link_share`` of the
    link: handshake, full-size segments, an ACK every second segment, FIN."""
    rng = b.rng
    rate = blk.link_share * capacity_bps
    seg = 1448
    wire = seg + 20 + 20 + 14
    rtt_ns = np.array([int(0.018 * NS)])
    client = sources.v4(np.array([sources.parse_v4(blk.client)]))
    server = sources.v4(np.array([sources.parse_v4(blk.server)]))
    p = peers(rng, client=client, server=server, c_ttl=64, s_port=blk.port, rtt_ms=rtt_ns / 1e6,
              client_near=True, s_ttl=52)  # fmt: skip
    ev = Events()
    t0_ns = start_ns + to_ns(t0)
    done = handshake(ev, np.zeros(1, np.int64), np.array([t0_ns]), rtt_ns, client_near=True)
    first = int(done[0]) + 100_000
    count = int((t1 - t0 - 0.5) * rate / (8 * wire))
    gap = 8 * wire / rate * NS
    at = (
        first
        + (np.arange(count) * gap).astype(np.int64)
        + rng.integers(0, int(gap * 0.2) + 1, count)
    )
    tpl = b.template(("bulk", seg), lambda: payloads.pattern(seg, 0x5A))
    zero = np.zeros(count, np.int64)
    ev.add(zero, at, 0, ACK, tpl)
    acked = at[1::2] + rtt_ns[0] + 30_000
    ev.add(np.zeros(len(acked), np.int64), acked, 1, ACK)
    end = int(at[-1]) + 1_000_000 if count else first
    ev.add(np.zeros(1, np.int64), [end], 0, FIN | ACK)
    ev.add(np.zeros(1, np.int64), [end + rtt_ns[0] + 30_000], 1, FIN | ACK)
    ev.add(np.zeros(1, np.int64), [end + rtt_ns[0] + 80_000], 0, ACK)
    ev.write(b, p, -1)
    b.fact(segments=count, rate_bps=rate)


def resolver(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A recursive resolver (``client``) asking ``count`` authoritative servers: a steady ``rate``
    of queries plus a surge (cache flushed at ``t0``) of ``peak`` queries/s decaying with ``tau``;
    the servers answer from port 53, 100-1450 bytes, one round trip later (a few never answer)."""
    rng = b.rng
    steady = int(rng.poisson(blk.rate * scale * (t1 - t0)))
    surge = int(rng.poisson(blk.peak * scale * blk.tau))
    at = np.concatenate([rng.uniform(t0, t1, steady), t0 + rng.exponential(blk.tau, surge)])
    at = np.sort(at[at < t1 - 0.5])
    n = len(at)
    if n == 0:
        return
    auth = sources.public_pool(rng, blk.count)
    auth_ttl = sources.stable_ttls(rng, blk.count)
    names = 256
    size = np.where(rng.random(names) < 0.7, rng.integers(100, 300, names),
                    np.where(rng.random(names) < 0.66, rng.integers(300, 900, names), rng.integers(900, 1450, names)))  # fmt: skip
    labels = ["www", "mail", "cdn", "api", "static", "img", "login", "news"]
    qname = [f"{labels[k % 8]}{k}.example{k % 37}.com" for k in range(names)]
    q = np.array(
        [
            b.template(("rq", k), lambda k=k: payloads.dns_query(qname[k], 1, 0x4000 + k))
            for k in range(names)
        ]
    )
    r = np.array([b.template(("ra", k), lambda k=k: payloads.dns_answer(int(size[k]), qname[k], 1, 0x4000 + k))
                  for k in range(names)])  # fmt: skip
    which = rng.integers(0, names, n)
    server = rng.integers(0, blk.count, n)
    ts = start_ns + to_ns(at)
    sport = ephemeral(rng, n)
    c_hi, c_lo = sources.v4(np.full(n, sources.parse_v4(blk.client)))
    s_hi, s_lo = sources.v4(auth[server])
    b.add(ts=ts, src_hi=c_hi, src_lo=c_lo, dst_hi=s_hi, dst_lo=s_lo, proto=17, sport=sport, dport=53, ttl=64,
          tpl=q[which])  # fmt: skip
    answered = rng.random(n) < 0.98
    rtt = to_ns(rng.uniform(0.005, 0.15, n))
    b.add(ts=(ts + rtt)[answered], src_hi=s_hi[answered], src_lo=s_lo[answered], dst_hi=c_hi[answered],
          dst_lo=c_lo[answered], proto=17, sport=53, dport=sport[answered], ttl=auth_ttl[server][answered],
          tpl=r[which][answered])  # fmt: skip
    b.fact(queries=n, answered=int(answered.sum()), servers=blk.count)


def quic_short(size: int, key: int) -> bytes:
    """A QUIC 1-RTT packet of ``size`` bytes (RFC 9000 short header: fixed bit, spin and key
    phase bits, an 8-byte connection ID), its protected payload a stand-in pattern."""
    head = bytes([0x40 | (key & 0x1F)]) + bytes((key * 37 + i) & 0xFF for i in range(8))
    return head + payloads.pattern(max(size - len(head), 0), 0x51)


def stream_packet(port: int, size: int, key: int) -> bytes:
    """A stream's datagram of ``size`` bytes as the server's ``port`` frames it: OpenVPN's data
    channel on 1194, ESP in UDP (IPsec NAT traversal) on 4500, QUIC's short header otherwise."""
    if port == 1194:
        return payloads.openvpn_data(size, key)
    if port == 4500:
        return payloads.esp_in_udp(size, 0xC0DE0000 + key)
    return quic_short(size, key)


def quic_streams(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` servers (a video CDN's) each stream to ``client`` over QUIC: UDP from port 443
    to one ephemeral port of the client, ``rate`` packets/s on average, mostly full-size; the
    client acknowledges every fourth packet (RFC 9000 asks for every second; ack-frequency
    lets a receiver stretch it). With ``tau`` the video comes in segments: every ``tau``
    seconds a burst of a quarter of it, as a DASH player fetches them; without it, one steady
    download. ``ports``: the servers' port (default 443; a video call's, 8801; a VPN's, 1194
    or 4500, whose datagrams are framed as that VPN's: ``stream_packet``)."""
    rng = b.rng
    n_streams = max(1, blk.count)
    server_port = blk.ports[0] if blk.ports else 443
    servers = sources.public_pool(rng, n_streams)
    s_ttl = sources.stable_ttls(rng, n_streams)
    client = sources.parse_v4(blk.client)
    ports = ephemeral(rng, n_streams)
    duty = 0.25 if blk.tau else 1.0

    def framed(size: int, key: int) -> int:
        return b.template(("stream", server_port, size, key), lambda: stream_packet(server_port, size, key))  # fmt: skip

    full = framed(1252, 1)
    small = np.array([framed(s, 2) for s in (48, 160, 420, 880)])
    ack = framed(44, 3)
    c_hi, c_lo = sources.v4(np.array([client]))
    for k in range(n_streams):
        total = int(rng.poisson(blk.rate * scale * (t1 - t0)))
        if blk.tau:  # segments: bursts of a quarter of each period
            starts = np.arange(t0, t1, blk.tau) + rng.uniform(
                0, blk.tau * (1 - duty), len(np.arange(t0, t1, blk.tau))
            )
            which = rng.integers(0, len(starts), total)
            at = starts[which] + rng.uniform(0, blk.tau * duty, total)
        else:
            at = rng.uniform(t0, t1, total)
        at = np.sort(at[at < t1])
        ts = start_ns + to_ns(at)
        tpl = np.where(rng.random(len(ts)) < 0.85, full, rng.choice(small, len(ts)))
        s_hi, s_lo = sources.v4(np.full(len(ts), servers[k]))
        b.add(ts=ts, src_hi=s_hi, src_lo=s_lo, dst_hi=c_hi[0], dst_lo=c_lo[0], proto=17,
              sport=server_port, dport=ports[k], ttl=s_ttl[k], tpl=tpl)  # fmt: skip
        acked = ts[3::4] + to_ns(rng.uniform(0.0005, 0.003, len(ts[3::4])))
        s_hi, s_lo = sources.v4(np.full(len(acked), servers[k]))
        b.add(ts=acked, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=s_hi, dst_lo=s_lo, proto=17,
              sport=ports[k], dport=server_port, ttl=64, tpl=ack)  # fmt: skip
    b.fact(client=blk.client, streams=n_streams)


def mpeg_ts(key: int, first: int) -> bytes:
    """One IPTV datagram: 7 MPEG transport stream packets of 188 bytes (sync byte 0x47, a PID
    of the channel's, a continuity counter that goes on from ``first``), 1,316 bytes in all
    (ETSI TS 102 034)."""
    pid = 0x100 + key
    packets = [bytes([0x47, pid >> 8, pid & 0xFF, 0x10 | (first + k) % 16]) + payloads.pattern(184, 0x20 + key)
               for k in range(7)]  # fmt: skip
    return b"".join(packets)


def multicast_streams(
    b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float
) -> None:
    """``count`` IPTV channels multicast by a head-end (``server``) to groups 239.1.1.(1 +
    ``port``), ...:
    UDP from port 5000 to port 5000 + channel, ``rate`` packets/s each (a channel's bit rate
    is its own: 0.5, 1 and 1.5 times ``rate`` in turn), paced evenly as an encoder sends; no
    receiver answers."""
    rng = b.rng
    server = sources.parse_v4(blk.server)
    s_hi, s_lo = sources.v4(np.array([server]))
    groups = []
    for k in range(max(1, blk.count)):
        name = f"239.1.1.{1 + k + blk.port}"
        group = sources.parse_v4(name)
        pps = blk.rate * scale * (0.5, 1.0, 1.5)[k % 3]
        n = int(pps * (t1 - t0))
        if n == 0:
            continue
        at = t0 + (np.arange(n) + rng.uniform(0, 0.3, n)) / pps
        # the counter runs on over the channel's datagrams: 7 a datagram, 16 datagrams a cycle
        cycle = np.array(
            [b.template(("mpeg_ts", k, j), lambda k=k, j=j: mpeg_ts(k, 7 * j)) for j in range(16)]
        )
        tpl = cycle[np.arange(n) % 16]
        g_hi, g_lo = sources.v4(np.array([group]))
        b.add(ts=start_ns + to_ns(at), src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=g_hi[0], dst_lo=g_lo[0],
              proto=17, sport=5000, dport=5000 + k, ttl=16, tpl=tpl)  # fmt: skip
        groups.append(name)
    b.fact(groups=groups)


def syslog_line(k: int) -> bytes:
    """A BSD syslog message (RFC 3164): priority, timestamp, host, tag, text; 90-260 bytes."""
    text = f"<134>Dec  2 03:14:{k % 60:02d} web{k % 40:02d} nginx[{1000 + k}]: " + "x" * (
        40 + 11 * (k % 16)
    )
    return text.encode()


def netflow_v9(k: int) -> bytes:
    """A NetFlow v9 export packet (RFC 3954): the 20-byte header (version 9, a record count,
    uptime, time, sequence, source id) and one data flowset of 30 records (1,224 bytes in all)."""
    header = (
        bytes([0, 9, 0, 30]) + (1000 + k).to_bytes(4, "big") + bytes(8) + (k).to_bytes(4, "big")
    )
    flowset = (256).to_bytes(2, "big") + (1204).to_bytes(2, "big") + payloads.pattern(1200, 0x0A)
    return header + flowset


def statsd_packet(k: int) -> bytes:
    """A StatsD datagram: an application server's metrics, one ``name:value|type`` line each
    (counters, timings, gauges), batched up to about 1,400 bytes as clients do (140-1,400)."""
    lines = [f"app.web{k % 40:02d}.{name}.{i}:{(k * 7 + i) % 500}|{kind}"
             for i in range(2 + 9 * (k % 8))
             for name, kind in (("requests", "c"), ("latency", "ms"), ("queue", "g"))]  # fmt: skip
    return "\n".join(lines).encode()[:1400]


def telemetry(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` senders (servers logging, routers exporting flows, applications reporting
    metrics) send ``server``, a collector, ``rate`` datagrams/s each to its ``port``, steadily:
    syslog (port 514, from 514 as RFC 5426 has it), or from one ephemeral port per sender StatsD
    (port 8125) or NetFlow v9 (any other port). Nothing is ever answered."""
    rng = b.rng
    n_senders = max(1, blk.count)
    senders = sources.public_pool(rng, n_senders)
    ttl = sources.stable_ttls(rng, n_senders)
    syslog = blk.port == 514
    sport = np.full(n_senders, 514) if syslog else ephemeral(rng, n_senders)
    make = {514: syslog_line, 8125: statsd_packet}.get(blk.port, netflow_v9)
    tpls = np.array(
        [b.template(("telemetry", blk.port, k), lambda k=k: make(k)) for k in range(16)]
    )
    total = int(rng.poisson(blk.rate * scale * n_senders * (t1 - t0)))
    who = rng.integers(0, n_senders, total)
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, total)))
    s_hi, s_lo = sources.v4(senders[who])
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    b.add(ts=ts, src_hi=s_hi, src_lo=s_lo, dst_hi=c_hi[0], dst_lo=c_lo[0], proto=17, sport=sport[who],
          dport=blk.port, ttl=ttl[who], tpl=rng.choice(tpls, total))  # fmt: skip
    b.fact(collector=blk.server, senders=n_senders, datagrams=total)


def collectd_packet(k: int) -> bytes:
    """A collectd network-plugin packet (binary protocol): the host, time and interval parts,
    then plugin, type and values parts (one gauge each) until a full buffer's 900-1,400 bytes."""

    def part(kind: int, body: bytes) -> bytes:
        return kind.to_bytes(2, "big") + (4 + len(body)).to_bytes(2, "big") + body

    def text(kind: int, value: str) -> bytes:
        return part(kind, value.encode() + b"\0")

    def number(kind: int, value: int) -> bytes:
        return part(kind, value.to_bytes(8, "big"))

    out = text(0, f"app{k % 40:02d}.example") + number(1, 1_700_000_000 << 30) + number(7, 10 << 30)
    size, i = 900 + 37 * (k % 14), 0
    while len(out) < size - 60:
        gauge = (1 + (k * 7 + i) % 500).to_bytes(8, "little")  # a double's bytes, any will do
        out += (
            text(2, "cpu")
            + text(4, f"percent{i}")
            + part(6, (1).to_bytes(2, "big") + b"\x01" + gauge)
        )
        i += 1
    return out


def metric_flushes(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` hosts send ``server``, a collector, their metrics every ``tau`` seconds on the
    same tick (collectd's and Telegraf's interval, clocks NTP keeps in step): ``peak`` datagrams
    each of 900-1,400 bytes, all within a tenth of a second, to ``port`` (collectd's 25826), from
    one ephemeral port per host. Nothing is ever answered. The hosts are not scaled."""
    rng = b.rng
    n = max(1, blk.count)
    hosts = sources.public_pool(rng, n)
    ttl = sources.stable_ttls(rng, n)
    sport = ephemeral(rng, n)
    ticks = np.arange(t0 + rng.uniform(0, blk.tau), t1, blk.tau)
    per = int(blk.peak)
    who = np.tile(np.repeat(np.arange(n), per), len(ticks))
    at = np.repeat(ticks, n * per) + rng.uniform(0, 0.1, len(who))
    tpls = np.array(
        [b.template(("collectd", k), lambda k=k: collectd_packet(k)) for k in range(14)]
    )
    s_hi, s_lo = sources.v4(hosts[who])
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    order = np.argsort(at, kind="stable")
    b.add(ts=start_ns + to_ns(at[order]), src_hi=s_hi[order], src_lo=s_lo[order], dst_hi=c_hi[0],
          dst_lo=c_lo[0], proto=17, sport=sport[who][order], dport=blk.port, ttl=ttl[who][order],
          tpl=rng.choice(tpls, len(who)))  # fmt: skip
    b.fact(collector=blk.server, hosts=n, flushes=len(ticks))


def _checksum(data: bytes) -> int:
    """The Internet checksum (RFC 1071) of ``data``."""
    data = data + b"\0" * (len(data) % 2)
    total = sum(int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2))
    while total >> 16:
        total = (total & 0xFFFF) + (total >> 16)
    return ~total & 0xFFFF


def igmp_report(group: int) -> bytes:
    """An IGMPv3 membership report (RFC 3376): one record, MODE_IS_EXCLUDE of ``group`` with no
    sources (a host's interest in the group), checksum included."""
    body = bytearray(b"\x22\x00\x00\x00\x00\x00\x00\x01\x02\x00\x00\x00" + group.to_bytes(4, "big"))
    body[2:4] = _checksum(bytes(body)).to_bytes(2, "big")
    return bytes(body)


def igmp_query() -> bytes:
    """An IGMPv3 general query (RFC 3376): max response time 10 s, no group, no sources."""
    body = bytearray(b"\x11\x64\x00\x00\x00\x00\x00\x00\x02\x7d\x00\x00")
    body[2:4] = _checksum(bytes(body)).to_bytes(2, "big")
    return bytes(body)


def membership_reports(
    b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float
) -> None:
    """A LAN's multicast router (``client``) sends an IGMPv3 general query to 224.0.0.1 every
    ``tau`` seconds; each of ``count`` hosts of its /24 answers it with ``peak`` reports to
    224.0.0.22 (RFC 3376: IP protocol 2, TTL 1) at random times within the query's 10 s maximum
    response time, one record each for a group it is in (mDNS, SSDP, LLMNR). The hosts are not
    scaled."""
    rng = b.rng
    router = sources.parse_v4(blk.client)
    hosts = (router & 0xFFFFFF00) + 2 + np.arange(blk.count) % 250
    groups = [0xE00000FB, 0xEFFFFFFA, 0xE00000FC]  # 224.0.0.251, 239.255.255.250, 224.0.0.252
    reports = np.array([b.template(("igmp_report", g), lambda g=g: igmp_report(g)) for g in groups])
    query = b.template(("igmp_query", 0), igmp_query)
    ticks = np.arange(t0 + rng.uniform(0, 1), t1, blk.tau)
    r_hi, r_lo = sources.v4(np.array([router]))
    q_hi, q_lo = sources.v4(np.array([0xE0000001]))
    b.add(ts=start_ns + to_ns(ticks), src_hi=r_hi[0], src_lo=r_lo[0], dst_hi=q_hi[0], dst_lo=q_lo[0],
          proto=2, ttl=1, l4=0, tpl=query)  # fmt: skip
    per = int(blk.peak)
    who = np.tile(np.repeat(np.arange(blk.count), per), len(ticks))
    at = np.repeat(ticks, blk.count * per) + rng.uniform(0.01, 10.0, len(who))
    keep = at < t1
    who, at = who[keep], at[keep]
    h_hi, h_lo = sources.v4(hosts[who])
    d_hi, d_lo = sources.v4(np.array([0xE0000016]))  # 224.0.0.22: IGMPv3's reports
    b.add(ts=start_ns + to_ns(at), src_hi=h_hi, src_lo=h_lo, dst_hi=d_hi[0], dst_lo=d_lo[0], proto=2,
          ttl=1, l4=0, tpl=rng.choice(reports, len(who)))  # fmt: skip
    b.fact(router=blk.client, hosts=int(blk.count), queries=len(ticks))


def all_nodes_pings(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """An admin's host (``client``'s link-local address, fe80::1) pings all the nodes of its
    link (``ping6 ff02::1``) once a second from ``t0`` to ``t1``; each of ``count`` hosts of the
    link (fe80::2 and up) answers every ping within a few ms. The hosts are not scaled."""
    rng = b.rng
    link_local = 0xFE80 << 48
    seconds = np.arange(t0, t1, 1.0)
    data = b.template(("ping6", 56), lambda: payloads.pattern(56, 0x50))
    b.add(ts=start_ns + to_ns(seconds), ver=6, src_hi=link_local, src_lo=1, dst_hi=0xFF02 << 48,
          dst_lo=1, proto=58, ttl=1, icmp_type=128, sport=0x1D1, dport=np.arange(len(seconds)),
          tpl=data)  # fmt: skip
    who = np.tile(np.arange(blk.count), len(seconds))
    seq = np.repeat(np.arange(len(seconds)), blk.count)
    at = seconds[seq] + rng.uniform(0.0005, 0.008, len(who))
    b.add(ts=start_ns + to_ns(at), ver=6, src_hi=link_local, src_lo=2 + who, dst_hi=link_local,
          dst_lo=1, proto=58, ttl=64, icmp_type=129, sport=0x1D1, dport=seq, tpl=data)  # fmt: skip
    b.fact(pinger="fe80::1", hosts=int(blk.count), pings=len(seconds))


def neighbor_discovery(
    b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float
) -> None:
    """A link of ``count`` IPv6 hosts comes back at ``t0`` (a switch restarted): within 3 s each
    host checks its link-local address is unique (a neighbor solicitation from :: to its
    solicited-node group), then solicits its router's address (fe80::1) twice, a second apart,
    and the router answers each with a neighbor advertisement; the router advertises itself to
    every node (ff02::1) every 10 s from the capture's start to ``t1``. Every message at the hop
    limit of 255 RFC 4861 requires. The hosts are not scaled."""
    rng = b.rng
    link_local, router = 0xFE80 << 48, 1
    hosts = 0x100 + np.arange(blk.count)

    def target(lo: int) -> int:  # the target address field (a template per address)
        return b.template(("nd_target", lo), lambda: ((link_local << 64) | lo).to_bytes(16, "big"))

    at = t0 + rng.uniform(0, 3.0, blk.count)
    b.add(ts=start_ns + to_ns(at), ver=6, src_hi=0, src_lo=0, dst_hi=0xFF02 << 48,
          dst_lo=0x1FF000000 | (hosts & 0xFFFFFF), proto=58, ttl=255, icmp_type=135,
          tpl=np.array([target(int(h)) for h in hosts]))  # fmt: skip
    who = np.tile(np.arange(blk.count), 2)
    asked = at[who] + 0.5 + np.repeat([0.0, 1.0], blk.count)
    b.add(ts=start_ns + to_ns(asked), ver=6, src_hi=link_local, src_lo=hosts[who], dst_hi=link_local,
          dst_lo=router, proto=58, ttl=255, icmp_type=135, tpl=target(router))  # fmt: skip
    # solicited, override (and router): the flags in the first of the 4 bytes after the checksum
    b.add(ts=start_ns + to_ns(asked + rng.uniform(0.0002, 0.002, len(who))), ver=6, src_hi=link_local,
          src_lo=router, dst_hi=link_local, dst_lo=hosts[who], proto=58, ttl=255, icmp_type=136,
          sport=0xE000, tpl=target(router))  # fmt: skip
    ticks = np.arange(0.0, t1, 10.0) + rng.uniform(0, 1)
    ticks = ticks[ticks < t1]
    # current hop limit 64, no flags, router lifetime 1,800 s; reachable time and retransmit
    # timer unspecified (8 zero bytes)
    zero8 = b.template(("ra_timers", 8), lambda: bytes(8))
    b.add(ts=start_ns + to_ns(ticks), ver=6, src_hi=link_local, src_lo=router, dst_hi=0xFF02 << 48,
          dst_lo=1, proto=58, ttl=255, icmp_type=134, sport=0x4000, dport=1800, tpl=zero8)  # fmt: skip
    b.fact(router="fe80::1", hosts=int(blk.count), solicitations=len(who))


def graphite_line(k: int) -> bytes:
    """A Graphite plaintext line (``path value timestamp``): one metric, 40-100 bytes, and one in
    four with a deep hierarchy's longer path (230-260)."""
    depth = ".".join(["disk", "sda", "io", "time", "weighted"][: 1 + k % 5])
    pad = k * 37 % 150 + 60 if k % 4 == 0 else k * 37 % 50
    line = f"servers.app{k % 25:02d}.{depth}{'.m' * (pad // 2)} {k % 997}.{k % 10} 1700000000\n"
    return line.encode()


def _ticking(b: Builder, blk, t0: float, t1: float, start_ns: int, rtt_s: tuple[float, float],
             flags: int, payload) -> int:  # fmt: skip
    """``count`` hosts each hold one TCP connection to ``server``:``port``, opened before the
    capture (no handshake in it), and send on it once every ``tau`` seconds (``payload(m)``: the
    ``m`` segments' payloads), each acknowledged by the server with a bare ACK one round trip
    (``rtt_s``) later. How many segments they sent."""
    rng = b.rng
    n = max(1, blk.count)
    hosts = sources.public_pool(rng, n)
    ttl = sources.stable_ttls(rng, n)
    rtt_ns = to_ns(rng.uniform(*rtt_s, n))
    p = peers(rng, client=sources.v4(hosts), server=sources.v4(np.full(n, sources.parse_v4(blk.server))),
              c_ttl=ttl, s_port=blk.port, rtt_ms=rtt_ns / 1e6)  # fmt: skip
    ev = Events()
    ticks = np.arange(t0, t1, blk.tau)
    conn = np.tile(np.arange(n), len(ticks))
    at = start_ns + to_ns(np.repeat(ticks, n) + rng.uniform(0, blk.tau, len(conn)))
    keep = at < start_ns + to_ns(t1)
    conn, at = conn[keep], at[keep]
    ev.add(conn, at, 0, flags, payload(len(conn)))
    ev.add(conn, at + rtt_ns[conn] + 20_000, 1, ACK)
    ev.write(b, p, -1)
    return len(conn)


def message_streams(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` hosts each keep one TCP connection open to ``server``:``port`` (a Graphite
    collector's plaintext 2003; opened before the capture: no handshake in it) and send a
    metric line of 40-260 bytes every ``tau`` seconds; the server acknowledges each with a bare
    ACK and never answers (the protocol has no reply). The hosts are not scaled."""
    lines = np.array([b.template(("graphite", k), lambda k=k: graphite_line(k)) for k in range(40)])
    sent = _ticking(b, blk, t0, t1, start_ns, (0.001, 0.01), PSH | ACK,
                    lambda m: b.rng.choice(lines, m))  # fmt: skip
    b.fact(hosts=max(1, blk.count), lines=sent)


def keepalive_probes(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` clients each hold an idle connection to ``server``:``port`` (a database's
    pooled connections, opened before the capture: no handshake in it) that their system keeps
    alive: every ``tau`` seconds a TCP keep-alive probe, one garbage octet already sent before
    (RFC 1122 4.2.3.6; Windows sends the octet), that the server acknowledges with a bare ACK
    and nothing more. The clients are not scaled."""
    octet = np.array([b.template(("keepalive", 0), lambda: b"\x00")])
    sent = _ticking(b, blk, t0, t1, start_ns, (0.0005, 0.005), ACK,
                    lambda m: np.repeat(octet, m))  # fmt: skip
    b.fact(hosts=max(1, blk.count), probes=sent)


def mqtt_publish() -> bytes:
    """An MQTT 3.1.1 PUBLISH at QoS 0 (no answer): a sensor's JSON reading on its topic, 180
    bytes in all."""
    topic = b"site/plant-2/line-4/sensor-17/telemetry"
    body = b'{"t":21.5,"rh":40.2,"p":1013.1,"v":3.31,"seq":1}'
    body += b" " * (180 - 3 - 2 - len(topic) - len(body))
    rest = len(topic).to_bytes(2, "big") + topic + body
    # the remaining length as MQTT writes it: 7 bits a byte, the high bit set on all but the last
    return bytes([0x30, len(rest) % 128 | 0x80, len(rest) // 128]) + rest


def reconnect_storm(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` devices of ``server``:``port`` (an MQTT broker restarting) find it down from
    ``t0`` for ``tau`` seconds: each tries again with a new socket 1, 2, 4, then 8 s apart
    (jittered), each SYN answered by the kernel's RST-ACK (the port closed); when the service is
    back, each connects (a full handshake) and publishes a 180-byte JSON reading every 5 s,
    acknowledged. The devices are not scaled."""
    rng = b.rng
    n = max(1, blk.count)
    back_at = t0 + blk.tau
    attempts: list[tuple[int, float]] = []  # (device, time of its SYN)
    for d in range(n):
        at, wait = t0 + rng.uniform(0, 1.5), 1.0
        while at < back_at:
            attempts.append((d, at))
            at += wait * rng.uniform(0.8, 1.2)
            wait = min(wait * 2, 8.0)
        attempts.append((d, at))  # the one that gets through
    who = np.array([d for d, _ in attempts])
    when = np.array([t for _, t in attempts])
    devices = sources.public_pool(rng, n)
    rtt_ns = to_ns(rng.uniform(0.002, 0.02, len(who)))
    p = peers(rng, client=sources.v4(devices[who]), server=sources.v4(np.full(len(who), sources.parse_v4(blk.server))),
              c_ttl=64, s_port=blk.port, rtt_ms=rtt_ns / 1e6)  # fmt: skip
    ev = Events()
    conn = np.arange(len(who))
    at_ns = start_ns + to_ns(when)
    refused = when < back_at
    ev.add(conn[refused], at_ns[refused], 0, SYN)
    ev.add(conn[refused], at_ns[refused] + rtt_ns[refused], 1, RST | ACK)
    up = conn[~refused]
    done = handshake(ev, up, at_ns[up], rtt_ns[up], client_near=False)
    message = b.template(("mqtt_publish", 180), mqtt_publish)
    end = start_ns + to_ns(t1)
    for k in range(1, int((t1 - t0) / 5) + 1):
        send = done + to_ns(5.0 * k) + to_ns(rng.uniform(-0.2, 0.2, len(up)))
        ok = send < end
        ev.add(up[ok], send[ok], 0, PSH | ACK, message)
        ev.add(up[ok], send[ok] + rtt_ns[up][ok], 1, ACK)
    ev.write(b, p, -1)
    b.fact(devices=n, refused=int(refused.sum()))


def restart_resets(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` clients of ``server``:``port`` held connections opened before the capture; the
    server restarted just before ``t0`` and lost them: each client's next message on its old
    connection (within ``tau`` seconds) is answered by a RST, and it reconnects at once (a full
    handshake) and goes on, a 180-byte message every 5 s, acknowledged. The clients are not
    scaled."""
    rng = b.rng
    n = max(1, blk.count)
    clients = sources.public_pool(rng, n)
    rtt_ns = to_ns(rng.uniform(0.002, 0.02, 2 * n))
    who = np.r_[np.arange(n), np.arange(n)]  # connection k: the old one, n + k: the new one
    p = peers(rng, client=sources.v4(clients[who]), server=sources.v4(np.full(2 * n, sources.parse_v4(blk.server))),
              c_ttl=64, s_port=blk.port, rtt_ms=rtt_ns / 1e6)  # fmt: skip
    ev = Events()
    old, new = np.arange(n), n + np.arange(n)
    stale = start_ns + to_ns(t0 + rng.uniform(0, blk.tau, n))
    message = b.template(("mqtt_publish", 180), mqtt_publish)
    ev.add(old, stale, 0, PSH | ACK, message)
    ev.add(old, stale + rtt_ns[old], 1, RST)
    done = handshake(ev, new, stale + rtt_ns[old] + 1_000_000, rtt_ns[new], client_near=False)
    end = start_ns + to_ns(t1)
    for k in range(1, int((t1 - t0) / 5) + 1):
        send = done + to_ns(5.0 * k) + to_ns(rng.uniform(-0.2, 0.2, n))
        ok = send < end
        ev.add(new[ok], send[ok], 0, PSH | ACK, message)
        ev.add(new[ok], send[ok] + rtt_ns[new][ok], 1, ACK)
    ev.write(b, p, -1)
    b.fact(clients=n)


def idle_resets(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` clients of ``server``:``port`` each reset one idle connection opened before the
    capture (a bare RST at a random time from ``t0`` to ``t1``: a NAT's entry timed out, an app
    dropped its pool). The clients are not scaled."""
    rng = b.rng
    n = max(1, blk.count)
    clients = sources.public_pool(rng, n)
    rtt_ns = to_ns(rng.uniform(0.01, 0.1, n))
    p = peers(rng, client=sources.v4(clients), server=sources.v4(np.full(n, sources.parse_v4(blk.server))),
              c_ttl=sources.stable_ttls(rng, n), s_port=blk.port, rtt_ms=rtt_ns / 1e6)  # fmt: skip
    ev = Events()
    ev.add(np.arange(n), start_ns + to_ns(rng.uniform(t0, t1, n)), 0, RST)
    ev.write(b, p, -1)
    b.fact(clients=n)


def half_open_monitors(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:  # fmt: skip
    """``count`` sites of a load balancer (a GSLB) check ``server``:``port`` every ``tau``
    seconds each with a half-open probe: a SYN, the server's SYN-ACK, then a RST where the
    handshake's ACK would be (F5's and NetScaler's TCP half-open monitors). A monitor's
    configuration, whatever the scale."""
    rng = b.rng
    sites = sources.public_pool(rng, max(1, blk.count))
    ttl = sources.stable_ttls(rng, len(sites))
    rounds = np.arange(t0, t1, blk.tau)
    # each site on its own phase of the period
    at = (rounds[:, None] + rng.uniform(0, blk.tau, len(sites))[None, :]).ravel()
    who = np.tile(np.arange(len(sites)), len(rounds))
    at, who = at[at < t1], who[at < t1]
    n = len(at)
    if n == 0:
        return
    s_hi, s_lo = sources.v4(sites[who])
    v_hi, v_lo = sources.v4(np.full(n, sources.parse_v4(blk.server)))
    sport = rng.integers(32768, 61000, n)
    seq = rng.integers(0, 1 << 32, n)
    ts = start_ns + to_ns(at)
    rtt = to_ns(rng.uniform(0.005, 0.05, n))
    b.add(ts=ts, src_hi=s_hi, src_lo=s_lo, dst_hi=v_hi, dst_lo=v_lo, proto=6, sport=sport,
          dport=blk.port, ttl=ttl[who], tcp_flags=0x02, seq=seq)  # fmt: skip
    b.add(ts=ts + rtt // 2, src_hi=v_hi, src_lo=v_lo, dst_hi=s_hi, dst_lo=s_lo, proto=6,
          sport=blk.port, dport=sport, ttl=64, tcp_flags=0x12, seq=rng.integers(0, 1 << 32, n),
          ack=(seq + 1) % (1 << 32))  # fmt: skip
    b.add(ts=ts + rtt, src_hi=s_hi, src_lo=s_lo, dst_hi=v_hi, dst_lo=v_lo, proto=6, sport=sport,
          dport=blk.port, ttl=ttl[who], tcp_flags=0x04, seq=(seq + 1) % (1 << 32))  # fmt: skip
    b.fact(sites=len(sites), probes=n)


def pings(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A monitoring host (``client``) pings ``count`` hosts ``rate`` times a second each
    (spread evenly, as fping and Zabbix do), echo requests of ``size`` data bytes (ping's 56 by
    default; larger than a frame, both ways are fragmented); each host answers 1-30 ms later,
    but 2 % of them are down and never do."""
    rng = b.rng
    hosts = sources.public_pool(rng, max(1, blk.count))
    ttl = sources.stable_ttls(rng, len(hosts))
    up = rng.random(len(hosts)) >= 0.02
    per_s = blk.rate * scale * len(hosts)
    n = int(per_s * (t1 - t0))
    if n == 0:
        return
    at = t0 + (np.arange(n) + rng.uniform(0, 0.5, n)) / per_s
    who = np.arange(n) % len(hosts)
    m_hi, m_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    h_hi, h_lo = sources.v4(hosts[who])
    echo = b.template(("ping", blk.size), lambda: payloads.pattern(blk.size, 0x61))
    ts = start_ns + to_ns(at)
    b.add(ts=ts, src_hi=m_hi[0], src_lo=m_lo[0], dst_hi=h_hi, dst_lo=h_lo, proto=1, ttl=64,
          icmp_type=8, tpl=echo)  # fmt: skip
    answered = up[who]
    back = ts + to_ns(rng.uniform(0.001, 0.03, n))
    b.add(ts=back[answered], src_hi=h_hi[answered], src_lo=h_lo[answered], dst_hi=m_hi[0], dst_lo=m_lo[0],
          proto=1, ttl=ttl[who][answered], icmp_type=0, tpl=echo)  # fmt: skip
    b.fact(monitor=blk.client, hosts=len(hosts), requests=n, replies=int(answered.sum()))


def ping_rounds(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A monitoring host (``client``) measures the latency of ``count`` consecutive addresses from
    ``server`` as smokeping does with fping: every ``tau`` seconds a round of ``peak`` pings to
    each, ``rate`` a second to each (fping's period), the hosts interleaved; each answers 0.2-5 ms
    later (a datacenter's hosts). A monitor's configuration, whatever the scale."""
    rng = b.rng
    n_hosts = max(1, blk.count)
    hosts = np.arange(n_hosts) + sources.parse_v4(blk.server)
    rounds = np.arange(t0, t1 - blk.peak / blk.rate, blk.tau)
    k = np.arange(int(blk.peak))
    # (round, ping, host): the round's start, the ping's period, the host's place in it
    at = (rounds[:, None, None] + k[None, :, None] / blk.rate
          + np.arange(n_hosts)[None, None, :] / (blk.rate * n_hosts)).ravel()  # fmt: skip
    who = np.tile(np.arange(n_hosts), len(rounds) * len(k))
    m_hi, m_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    h_hi, h_lo = sources.v4(hosts[who])
    echo = b.template(("ping", 56), lambda: payloads.pattern(56, 0x61))
    ts = start_ns + to_ns(at)
    b.add(ts=ts, src_hi=m_hi[0], src_lo=m_lo[0], dst_hi=h_hi, dst_lo=h_lo, proto=1, ttl=64,
          icmp_type=8, tpl=echo)  # fmt: skip
    b.add(ts=ts + to_ns(rng.uniform(0.0002, 0.005, len(at))), src_hi=h_hi, src_lo=h_lo, dst_hi=m_hi[0],
          dst_lo=m_lo[0], proto=1, ttl=64, icmp_type=0, tpl=echo)  # fmt: skip
    b.fact(monitor=blk.client, hosts=n_hosts, rounds=len(rounds), requests=len(at))


def udp_sessions(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` players (a game server's: ``server``:``port``) each send ``rate`` small
    datagrams a second from one ephemeral port, and the server sends as many back, bigger (the
    world's state); a share (``one_way_share``) of them the server never answers (players whose
    NAT rebinding moved them to a new port). Scaled, it is more or fewer players, at least one
    of them unanswered when the share is not zero."""
    rng = b.rng
    n = max(1, round(blk.count * scale))
    players = sources.public_pool(rng, n)
    ttl = sources.stable_ttls(rng, n)
    ports = ephemeral(rng, n)
    answered = rng.random(n) >= blk.one_way_share
    if blk.one_way_share > 0 and answered.all():  # a few players: still one unanswered
        answered[rng.integers(0, n)] = False
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    ask = b.template(("game_in", 60), lambda: payloads.pattern(60, 0x67))
    state = b.template(("game_out", 220), lambda: payloads.pattern(220, 0x47))
    per = int(blk.rate * (t1 - t0))
    who = np.repeat(np.arange(n), per)
    at = t0 + (np.tile(np.arange(per), n) + rng.uniform(0, 1, n)[who]) / blk.rate
    ts = start_ns + to_ns(at)
    p_hi, p_lo = sources.v4(players[who])
    b.add(ts=ts, src_hi=p_hi, src_lo=p_lo, dst_hi=s_hi[0], dst_lo=s_lo[0], proto=17, sport=ports[who],
          dport=blk.port, ttl=ttl[who], tpl=ask)  # fmt: skip
    back = answered[who]
    b.add(ts=ts[back] + to_ns(rng.uniform(0.001, 0.01, int(back.sum()))), src_hi=s_hi[0], src_lo=s_lo[0],
          dst_hi=p_hi[back], dst_lo=p_lo[back], proto=17, sport=blk.port, dport=ports[who][back], ttl=64,
          tpl=state)  # fmt: skip
    b.fact(server=blk.server, players=n, unanswered=int((~answered).sum()))


def _tunnel(b: Builder, blk, tpls: np.ndarray, *, proto: int, ttl: int, t0: float, t1: float,
            start_ns: int, scale: float) -> None:  # fmt: skip
    """``rate`` packets of IP protocol ``proto`` a second each way between ``client`` and
    ``server`` for the whole block, their payloads drawn from ``tpls`` (five sizes, the small
    ones most)."""
    rng = b.rng
    ends = np.array([sources.parse_v4(blk.client), sources.parse_v4(blk.server)])
    hi, lo = sources.v4(ends)
    for way in (0, 1):
        n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
        ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
        b.add(ts=ts, src_hi=hi[way], src_lo=lo[way], dst_hi=hi[1 - way], dst_lo=lo[1 - way], proto=proto,
              ttl=ttl, tpl=rng.choice(tpls, n, p=(0.35, 0.15, 0.15, 0.1, 0.25)))  # fmt: skip
    b.fact(tunnel=[blk.client, blk.server], rate=blk.rate * scale)


def wireguard_tunnel(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A site-to-site WireGuard tunnel between ``client`` (the provider's gateway) and ``server``
    (a branch office's), both listening on ``port`` (51820, WireGuard's usual), so every
    datagram goes from that port to that port: a backup through it, ``rate`` transport-data
    messages a second from the branch (most of them full-size) and a quarter as many back (the
    inner transfer's acknowledgements), for the block's span; the tunnel idle before and after."""
    rng = b.rng
    ends = np.array([sources.parse_v4(blk.client), sources.parse_v4(blk.server)])
    hi, lo = sources.v4(ends)
    sizes = (96, 1456)  # an inner acknowledgement, an inner 1,420-byte packet: 32 + 16k bytes
    for way, share, mix, ttl in ((1, 1.0, (0.1, 0.9), 57), (0, 0.25, (0.95, 0.05), 64)):
        tpls = np.array([b.template(("wireguard", s, way), lambda s=s, w=way: payloads.wireguard_data(s, 0x5EED0 + w))
                         for s in sizes])  # fmt: skip
        n = int(rng.poisson(blk.rate * share * scale * (t1 - t0)))
        ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
        b.add(ts=ts, src_hi=hi[way], src_lo=lo[way], dst_hi=hi[1 - way], dst_lo=lo[1 - way], proto=17,
              sport=blk.port, dport=blk.port, ttl=ttl, tpl=rng.choice(tpls, n, p=mix))  # fmt: skip
    b.fact(tunnel=[blk.client, blk.server], port=blk.port, rate=blk.rate * scale)


def gre_tunnel(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A site-to-site GRE tunnel between ``client`` (the provider's router) and ``server`` (the
    far end): ``rate`` packets a second each way (a branch office's traffic, encapsulated; inner
    IPv4 packets of 80-1,200 bytes), for the whole block."""
    sizes = (80, 120, 400, 576, 1200)
    tpls = np.array([b.template(("gre_tunnel", s), lambda s=s: gre_inner(s)) for s in sizes])
    _tunnel(b, blk, tpls, proto=47, ttl=62, t0=t0, t1=t1, start_ns=start_ns, scale=scale)


def esp_tunnel(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A site-to-site IPsec tunnel between ``client`` (the provider's VPN gateway) and ``server``
    (a branch office's): ``rate`` ESP packets (IP protocol 50) a second each way, each an SPI,
    a sequence number and 80-1,200 bytes of ciphertext, for the whole block."""
    sizes = (88, 128, 408, 584, 1208)
    tpls = np.array([b.template(("esp", s), lambda s=s: payloads.pattern(s, 0xE5)) for s in sizes])
    _tunnel(b, blk, tpls, proto=50, ttl=60, t0=t0, t1=t1, start_ns=start_ns, scale=scale)


def _probes(b: Builder, blk, n: int, *, t0: float, start_ns: int, **cols) -> None:
    """A scan's ``n`` empty probes from ``client`` to ``server``, ``rate`` a second from ``t0``,
    from one source port (``cols``: what each probes, its protocol or port)."""
    rng = b.rng
    ts = start_ns + to_ns(t0 + np.arange(n) / blk.rate + rng.uniform(0, 0.2 / blk.rate, n))
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    empty = b.template(("zeros", 0), lambda: b"")
    b.add(ts=ts, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=s_hi[0], dst_lo=s_lo[0],
          sport=int(rng.integers(32768, 61000)), ttl=52, tpl=empty, **cols)  # fmt: skip
    b.fact(scanner=blk.client, target=blk.server, probes=n)


def protocol_scan(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` scans the IP protocols of ``server`` as nmap -sO does, ``rate`` probes a second
    from ``t0``: each of the 256 numbers once (empty, but for TCP, UDP and ICMP's headers), in
    ``count`` rounds (2 by default: nmap probes again each protocol left unanswered, and the
    capture holds no answer)."""
    protocols = np.tile(np.arange(256), max(1, blk.count or 2))
    _probes(b, blk, protocols.size, t0=t0, start_ns=start_ns, proto=protocols, dport=80,
            tcp_flags=0x02, icmp_type=8)  # fmt: skip


def udp_scan(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` scans ``count`` UDP ports of ``server`` as nmap -sU does, ``rate`` probes a
    second from ``t0``, from one source port: each port an empty probe, then again the third of
    them left unanswered (the capture holds no answer)."""
    ports = b.rng.choice(np.arange(1, 65536), blk.count, replace=False)
    ports = np.concatenate([ports, ports[: blk.count // 3]])
    _probes(b, blk, ports.size, t0=t0, start_ns=start_ns, proto=17, dport=ports)


def udp_reads(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` reads files from ``server`` over UDP (NFSv3 on port ``port``): ``rate`` read
    requests a second from one port below 1024, each answered 0.2-2 ms later with an 8 KB
    datagram, which the synthesizer cuts into six fragments."""
    rng = b.rng
    n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    read = b.template(("nfs_read", 124), lambda: payloads.pattern(124, 0x4E))
    data = b.template(("nfs_data", 8312), lambda: payloads.pattern(8312, 0x46))
    b.add(ts=ts, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=s_hi[0], dst_lo=s_lo[0], proto=17, sport=801,
          dport=blk.port, ttl=64, tpl=read)  # fmt: skip
    b.add(ts=ts + to_ns(rng.uniform(0.0002, 0.002, n)), src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=c_hi[0],
          dst_lo=c_lo[0], proto=17, sport=blk.port, dport=801, ttl=61, tpl=data)  # fmt: skip
    b.fact(client=blk.client, server=blk.server, reads=n)


def vxlan_inner(size: int, vni: int, flow: int, way: int) -> bytes:
    """A VXLAN header (RFC 7348: flags with the VNI bit, the 24-bit VNI) and an inner Ethernet
    frame carrying an IPv4/UDP packet of ``size`` bytes of inner flow ``flow``: its virtual
    machine on the first hypervisor (10.1.x.x, a port of its own) and its peer on the second
    (10.2.x.x, port 5201), from the first to the second (``way`` 0) or back (1)."""
    macs = [bytes.fromhex("020000000001"), bytes.fromhex("020000000002")]
    host = [flow // 250 % 256, 1 + flow % 250]
    vms = [bytes([10, 1, *host]), bytes([10, 2, *host])]
    ports = [30000 + flow, 5201]
    ethernet = macs[1 - way] + macs[way] + b"\x08\x00"
    inner = gre_inner(size, vms[way], vms[1 - way], ports[way], ports[1 - way])
    return bytes([0x08, 0, 0, 0]) + vni.to_bytes(3, "big") + b"\x00" + ethernet + inner


def vxlan_overlay(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """Two hypervisors' VXLAN tunnel endpoints, ``client`` and ``server``, carry ``count`` inner
    flows between their virtual machines: ``rate`` packets a second each way, all to port 4789,
    each from a source port of its own per inner flow and direction (a hash of the inner
    headers, 49152-65535, RFC 7348), so no packet answers another's 4-tuple. Each flow's
    packets go both ways between its two machines, inside the tunnel of their direction."""
    rng = b.rng
    ends = np.array([sources.parse_v4(blk.client), sources.parse_v4(blk.server)])
    hi, lo = sources.v4(ends)
    flows = max(1, blk.count)
    sizes = (60, 200, 520, 1300)
    for way in (0, 1):
        tpls = np.array([[b.template(("vxlan", s, f, way), lambda s=s, f=f, w=way: vxlan_inner(s, 5001, f, w))
                          for s in sizes] for f in range(flows)])  # fmt: skip
        sport = rng.integers(49152, 65536, flows)
        n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
        ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
        flow = rng.integers(0, flows, n)
        size = rng.choice(len(sizes), n, p=(0.4, 0.2, 0.1, 0.3))
        b.add(ts=ts, src_hi=hi[way], src_lo=lo[way], dst_hi=hi[1 - way], dst_lo=lo[1 - way], proto=17,
              sport=sport[flow], dport=4789, ttl=64, tpl=tpls[flow, size])  # fmt: skip
    b.fact(endpoints=[blk.client, blk.server], flows=flows, rate=blk.rate * scale)


def traceroutes(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A monitoring host (``client``) traces the path to each of ``servers`` every 1/``rate``
    seconds, as Linux ``traceroute`` does: UDP probes of 32 bytes from one ephemeral port per
    trace to ports 33434 and up (one port per probe), three per TTL from 1 to a hop past the
    destination (8-20 hops away), sent 16 at a time; each router answers a probe that expires
    on it with an ICMP time exceeded, the destination with a port unreachable. The capture is
    on the host's link: the probes carry the TTLs they are sent with."""
    rng = b.rng
    m_hi, m_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    probe = b.template(("traceroute", 32), lambda: payloads.pattern(32, 0x40))
    quoted = b.template(("icmp_quote", 36), lambda: payloads.pattern(36, 0x45))
    period = 1 / max(blk.rate, 1e-9)
    for server in blk.servers:
        d_hi, d_lo = sources.v4(np.array([sources.parse_v4(server)]))
        hops = int(rng.integers(8, 21))
        routers = sources.public_pool(rng, hops - 1)
        r_hi, r_lo = sources.v4(routers)
        ttl = np.repeat(np.arange(1, hops + 2), 3)  # three probes a TTL, one hop past the end
        k = len(ttl)
        for start in np.arange(t0 + rng.uniform(0, period), t1, period):
            sent = (
                start + (np.arange(k) // 16) * rng.uniform(0.005, 0.03) + rng.uniform(0, 0.001, k)
            )
            ts = start_ns + to_ns(np.sort(sent))
            sport = int(rng.integers(32768, 61000))
            b.add(ts=ts, src_hi=m_hi[0], src_lo=m_lo[0], dst_hi=d_hi[0], dst_lo=d_lo[0], proto=17,
                  sport=sport, dport=33434 + np.arange(k), ttl=ttl, tpl=probe)  # fmt: skip
            back = ts + to_ns(ttl * rng.uniform(0.001, 0.004, k))
            on_path = ttl < hops  # expires on the router at that hop
            hop = ttl[on_path] - 1
            b.add(ts=back[on_path], src_hi=r_hi[hop], src_lo=r_lo[hop], dst_hi=m_hi[0], dst_lo=m_lo[0],
                  proto=1, ttl=255 - ttl[on_path], icmp_type=11, tpl=quoted)  # fmt: skip
            end = ~on_path
            b.add(ts=back[end], src_hi=d_hi[0], src_lo=d_lo[0], dst_hi=m_hi[0], dst_lo=m_lo[0], proto=1,
                  ttl=64 - hops, icmp_type=3, icmp_code=3, tpl=quoted)  # fmt: skip
    b.fact(monitor=blk.client, traced=list(blk.servers))


def lan_name_queries(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` Windows hosts of the provider LAN (203.0.113.100 and up) look names up by
    NetBIOS broadcast, as Windows does when DNS has no answer: each, ``rate`` times a minute,
    a name query from port 137 to port 137 of the LAN's broadcast address (203.0.113.255),
    sent three times 750 ms apart; a fifth of them the name's owner answers, unicast, from
    port 137."""
    rng = b.rng
    n = max(1, blk.count)  # the LAN's hosts whatever the scale
    hosts = np.array([sources.parse_v4("203.0.113.100") + k for k in range(n)])
    lookups = rng.poisson(blk.rate / 60 * (t1 - t0), n)
    who = np.repeat(np.arange(n), lookups)
    at = rng.uniform(t0, max(t0, t1 - 1.6), len(who))
    query = b.template(("nbns_query", 50), lambda: payloads.nbns_query())
    answer = b.template(("nbns_answer", 62), lambda: payloads.nbns_answer())
    h_hi, h_lo = sources.v4(hosts[who])
    bc_hi, bc_lo = sources.v4(np.array([sources.parse_v4("203.0.113.255")]))
    for k in range(3):
        b.add(ts=start_ns + to_ns(at + 0.75 * k), src_hi=h_hi, src_lo=h_lo, dst_hi=bc_hi[0],
              dst_lo=bc_lo[0], proto=17, sport=137, dport=137, ttl=128, tpl=query)  # fmt: skip
    found = rng.random(len(who)) < 0.2
    owner = (
        hosts[(who[found] + rng.integers(1, n, int(found.sum()))) % n]
        if n > 1
        else hosts[who[found]]
    )
    o_hi, o_lo = sources.v4(owner)
    b.add(ts=start_ns + to_ns(at[found] + rng.uniform(0.0005, 0.003, int(found.sum()))), src_hi=o_hi,
          src_lo=o_lo, dst_hi=h_hi[found], dst_lo=h_lo[found], proto=17, sport=137, dport=137, ttl=128,
          tpl=answer)  # fmt: skip
    b.fact(hosts=n, lookups=int(lookups.sum()), answered=int(found.sum()))


def _lookups(b: Builder, blk, at: np.ndarray, names: list[str], qtypes: np.ndarray, *,
             start_ns: int, key: str) -> None:  # fmt: skip
    """``client`` asks its resolver ``server`` ``names[k]`` (of ``qtypes[k]``) at each of ``at``
    (seconds), each query from a port of its own, answered 1-40 ms later (cache hits and
    misses)."""
    rng = b.rng
    n = len(at)
    q = np.array([b.template((key, "q", k), lambda k=k: payloads.dns_query(names[k], int(qtypes[k]), k))
                  for k in range(n)])  # fmt: skip
    size = rng.integers(80, 260, n)
    r = np.array([b.template((key, "a", k, int(size[k])), lambda k=k: payloads.dns_answer(int(size[k]), names[k], int(qtypes[k]), k))
                  for k in range(n)])  # fmt: skip
    ts = start_ns + to_ns(at)
    port = ephemeral(rng, n)
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    b.add(ts=ts, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=s_hi[0], dst_lo=s_lo[0], proto=17,
          sport=port, dport=53, ttl=64, tpl=q)  # fmt: skip
    b.add(ts=ts + to_ns(rng.uniform(0.001, 0.04, n)), src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=c_hi[0],
          dst_lo=c_lo[0], proto=17, sport=53, dport=port, ttl=64, tpl=r)  # fmt: skip


def dns_bursts(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A workstation (``client``) loads ``count`` pages, evenly spread from ``t0`` to ``t1``:
    each time its browser resolves the page's hosts at once, A, AAAA and HTTPS for each (``rate``
    queries a second for ``tau`` seconds: 100-300 queries), to its resolver ``server``. A
    page's hosts whatever the scale."""
    rng = b.rng
    per = max(3, int(blk.rate * blk.tau))
    moments = t0 + (np.arange(blk.count) + 0.5) * (t1 - t0) / max(blk.count, 1)
    at = np.sort(np.concatenate([m + np.sort(rng.uniform(0, blk.tau, per)) for m in moments]))
    sites = ["news", "cdn", "img", "ads", "api", "fonts", "static", "metrics", "video", "login"]
    hosts = [f"{sites[k % 10]}{k // 10}.site{k % 7}.example" for k in range((len(at) + 2) // 3)]
    names = [hosts[k // 3] for k in range(len(at))]
    qtypes = np.array([(1, 28, 65)[k % 3] for k in range(len(at))])
    _lookups(b, blk, at, names, qtypes, start_ns=start_ns, key="page")
    b.fact(client=blk.client, pages=blk.count, queries=len(at))


def reverse_lookups(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` resolves the names of ``count`` addresses (nmap's reverse lookups after a
    sweep of a /22: a PTR query each, ``rate`` a second from ``t0``) with its resolver
    ``server``. The sweep's addresses whatever the scale."""
    n = max(1, blk.count)
    at = t0 + np.arange(n) / blk.rate + b.rng.uniform(0, 0.5 / blk.rate, n)
    names = [f"{k % 256}.{k // 256}.51.198.in-addr.arpa" for k in range(n)]
    _lookups(b, blk, at, names, np.full(n, 12), start_ns=start_ns, key="ptr")
    b.fact(client=blk.client, lookups=n)


def ssdp_discovery(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A host (``client``) looks for UPnP devices every 1/``rate`` seconds: an M-SEARCH for
    ``ssdp:all`` from an ephemeral port to 239.255.255.250:1900, which each of ``count``
    devices of its LAN (203.0.113.200 and up) answers, within the 2 s it allows, once per
    device and service it has (3-8 answers of 300-400 bytes), unicast to the searching port;
    two in five answer from an ephemeral port of their own instead of 1900 (as many TVs,
    speakers and media servers do). With ``before``, a search that long before ``t0`` too, out of
    the capture: only its answers are in it."""
    rng = b.rng
    n = max(1, blk.count)  # the LAN's devices whatever the scale
    devices = np.array([sources.parse_v4("203.0.113.200") + k for k in range(n)])
    ephemeral_device = rng.random(n) < 0.4
    device_port = np.where(ephemeral_device, rng.integers(32768, 61000, n), 1900)
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    g_hi, g_lo = sources.v4(np.array([sources.parse_v4("239.255.255.250")]))
    search = b.template(("ssdp_search", 0), payloads.ssdp_search)
    answers = np.array([b.template(("ssdp", size), lambda size=size: payloads.ssdp_response(size))
                        for size in (300, 340, 380)])  # fmt: skip
    period = 1 / max(blk.rate, 1e-9)
    searches = np.arange(t0 + rng.uniform(0, period), t1 - 2, period)
    if blk.before > 0:  # a search out of the capture, just before it: only its answers are in
        searches = np.r_[t0 - blk.before, searches]
    for at in searches:
        port = int(rng.integers(49152, 65536))
        if at >= t0:
            b.add(ts=start_ns + to_ns(np.array([at])), src_hi=c_hi, src_lo=c_lo, dst_hi=g_hi, dst_lo=g_lo,
                  proto=17, sport=port, dport=1900, ttl=2, tpl=search)  # fmt: skip
        each = rng.integers(3, 9, n)
        who = np.repeat(np.arange(n), each)
        when = at + rng.uniform(0.01, 2.0, len(who))
        who, when = who[when >= t0], when[when >= t0]
        d_hi, d_lo = sources.v4(devices[who])
        b.add(ts=start_ns + to_ns(when), src_hi=d_hi, src_lo=d_lo, dst_hi=c_hi[0], dst_lo=c_lo[0],
              proto=17, sport=device_port[who], dport=port, ttl=64, tpl=rng.choice(answers, len(who)))  # fmt: skip
    b.fact(client=blk.client, devices=n, ephemeral_devices=int(ephemeral_device.sum()))


def ntp_sync(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A host (``client``) starts ``ntpd`` with ``count`` pool servers and ``iburst``: eight
    requests to each, 2 s apart, then one every 64 s; each server answers 5-60 ms later with
    a 48-byte time packet."""
    rng = b.rng
    servers = sources.public_pool(rng, max(1, blk.count))
    ttl = sources.stable_ttls(rng, len(servers))
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    ask = b.template(("ntp_time", 3), lambda: payloads.ntp_time(3))
    answer = b.template(("ntp_time", 4), lambda: payloads.ntp_time(4))
    polls = np.concatenate([np.arange(8) * 2.0, np.arange(14 + 64, t1 - t0, 64)])
    at = t0 + rng.uniform(0, 1, len(servers))[:, None] + polls[None, :]
    who = np.repeat(np.arange(len(servers)), len(polls))
    at = at.ravel()
    keep = at < t1
    who, at = who[keep], at[keep]
    s_hi, s_lo = sources.v4(servers[who])
    port = int(rng.integers(32768, 61000))  # ntpd's own socket is 123; chrony's, ephemeral
    ts = start_ns + to_ns(at)
    b.add(ts=ts, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=s_hi, dst_lo=s_lo, proto=17, sport=port,
          dport=123, ttl=64, tpl=ask)  # fmt: skip
    b.add(ts=ts + to_ns(rng.uniform(0.005, 0.06, len(at))), src_hi=s_hi, src_lo=s_lo, dst_hi=c_hi[0],
          dst_lo=c_lo[0], proto=17, sport=123, dport=port, ttl=ttl[who], tpl=answer)  # fmt: skip
    b.fact(client=blk.client, servers=len(servers), requests=len(at))


def ntp_server(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A public time server (``server``, a pool member) answers ``rate`` requests a second from
    ``count`` clients, steadily: each a 48-byte NTP client request from a port of its own
    (chrony's, or ntpd's rewritten by the client's NAT, whose mapping expires between polls),
    answered 0.1-2 ms later from port 123."""
    rng = b.rng
    clients = sources.public_pool(rng, max(1, blk.count))
    ttl = sources.stable_ttls(rng, len(clients))
    ask = b.template(("ntp_time", 3), lambda: payloads.ntp_time(3))
    answer = b.template(("ntp_time", 4), lambda: payloads.ntp_time(4))
    n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
    who = rng.integers(0, len(clients), n)
    port = ephemeral(rng, n)
    c_hi, c_lo = sources.v4(clients[who])
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    b.add(ts=ts, src_hi=c_hi, src_lo=c_lo, dst_hi=s_hi[0], dst_lo=s_lo[0], proto=17, sport=port,
          dport=123, ttl=ttl[who], tpl=ask)  # fmt: skip
    b.add(ts=ts + to_ns(rng.uniform(0.0001, 0.002, n)), src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=c_hi,
          dst_lo=c_lo, proto=17, sport=123, dport=port, ttl=64, tpl=answer)  # fmt: skip
    b.fact(server=blk.server, clients=len(clients), requests=n)


def rtp_cameras(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` IP cameras stream H.264 video to ``server``, a recorder, over RTP: ``rate``
    datagrams a second each, from an even port of the camera's to an even port of the
    recorder's (RFC 3550), which never answers on the stream's flow; every 5 s the recorder
    sends each camera an RTCP receiver report and the camera a sender report, on the next ports
    up."""
    rng = b.rng
    cameras = sources.public_pool(rng, max(1, blk.count))
    ttl = sources.stable_ttls(rng, len(cameras))
    r_hi, r_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    for k, camera in enumerate(cameras):
        c_hi, c_lo = sources.v4(np.array([camera]))
        sport, dport = 44000 + 2 * k, 50000 + 2 * k  # even ports no dissector takes
        video = [b.template(("rtp", s, k), lambda s=s, k=k: payloads.rtp_video(s, 0xCA0000 + k)) for s in (600, 1398)]  # fmt: skip
        n = int(rng.poisson(blk.rate * scale * (t1 - t0)))
        ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1, n)))
        b.add(ts=ts, src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=r_hi[0], dst_lo=r_lo[0], proto=17, sport=sport,
              dport=dport, ttl=ttl[k], tpl=rng.choice(np.array(video), n, p=(0.1, 0.9)))  # fmt: skip
        at = start_ns + to_ns(np.arange(t0, t1, 5.0) + rng.uniform(0, 1))
        rr = b.template(
            ("rtcp", k, 0), lambda k=k: payloads.rtcp_report(0xCA0000 + k, sender=False)
        )
        sr = b.template(("rtcp", k, 1), lambda k=k: payloads.rtcp_report(0xCA0000 + k, sender=True))
        b.add(ts=at, src_hi=r_hi[0], src_lo=r_lo[0], dst_hi=c_hi[0], dst_lo=c_lo[0], proto=17,
              sport=dport + 1, dport=sport + 1, ttl=64, tpl=rr)  # fmt: skip
        b.add(ts=at + to_ns(0.01), src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=r_hi[0], dst_lo=r_lo[0], proto=17,
              sport=sport + 1, dport=dport + 1, ttl=ttl[k], tpl=sr)  # fmt: skip
    b.fact(recorder=blk.server, cameras=len(cameras), rate=blk.rate * scale)


# what a sweep probes each address with, by port (0: an ICMP echo; 80: a TCP ACK, as nmap -sn
# sends one there to find hosts behind a filter of pings; others: UDP, with the payload an
# internet scanner sends to that service)
SWEEP_PROBES = {
    53: lambda: payloads.dns_query("ip.scan.example", qtype=1),
    123: lambda: payloads.ntp_time(mode=3),
    161: lambda: bytes.fromhex(
        "302602010104067075626c6963a019020100020100020100300e300c06082b060102010101000500"
    ),
    1900: payloads.ssdp_search,
}
# ... and what a live address running that service answers
SWEEP_ANSWERS = {
    53: lambda: payloads.dns_answer(120, qname="ip.scan.example", qtype=1),
    123: lambda: payloads.ntp_time(mode=4),
    161: lambda: payloads.snmp_response(120),
    1900: lambda: payloads.ssdp_response(320),
}


def sweeps(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A scanner (``client``) sweeps the prefix ``server`` (``count`` addresses from its first)
    at ``rate`` probes a second, in a random order of the addresses, as masscan and zmap do:
    each address once with each probe of ``ports`` (``SWEEP_PROBES``), then the next address.
    A scanner keeps its own pace whatever the scale. A tenth of the addresses are live: they
    answer the ping, RST the ACK, and one in five of them runs the UDP service probed."""
    rng = b.rng
    base = sources.parse_v4(blk.server.split("/")[0])
    hosts = base + rng.permutation(max(1, blk.count))
    kinds = len(blk.ports)
    n = min(len(hosts) * kinds, int(blk.rate * (t1 - t0)))
    if n == 0:
        return
    who, probe = np.arange(n) // kinds, np.arange(n) % kinds
    at = t0 + (np.arange(n) + rng.uniform(0, 0.5, n)) / blk.rate
    ts = start_ns + to_ns(at)
    live = rng.random(len(hosts)) < 0.1
    served = live & (rng.random(len(hosts)) < 0.2)
    c_hi, c_lo = sources.v4(np.array([sources.parse_v4(blk.client)]))
    h_hi, h_lo = sources.v4(hosts[who])
    sport = int(rng.integers(40000, 61000))
    empty = b.template(("sweep", 0), lambda: b"")
    for k, port in enumerate(blk.ports):
        mine = probe == k
        back = mine & live[who]
        reply_at = ts[back] + to_ns(rng.uniform(0.001, 0.05, int(back.sum())))
        if port == 0:
            b.add(ts=ts[mine], src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=h_hi[mine], dst_lo=h_lo[mine],
                  proto=1, ttl=64, icmp_type=8, tpl=empty)  # fmt: skip
            b.add(ts=reply_at, src_hi=h_hi[back], src_lo=h_lo[back], dst_hi=c_hi[0], dst_lo=c_lo[0],
                  proto=1, ttl=64, icmp_type=0, tpl=empty)  # fmt: skip
        elif port == 80:
            b.add(ts=ts[mine], src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=h_hi[mine], dst_lo=h_lo[mine],
                  proto=6, sport=sport, dport=80, ttl=64, tcp_flags=ACK, tpl=empty)  # fmt: skip
            b.add(ts=reply_at, src_hi=h_hi[back], src_lo=h_lo[back], dst_hi=c_hi[0], dst_lo=c_lo[0],
                  proto=6, sport=80, dport=sport, ttl=64, tcp_flags=RST, tpl=empty)  # fmt: skip
        else:
            ask = b.template(("sweep", port), SWEEP_PROBES[port])
            b.add(ts=ts[mine], src_hi=c_hi[0], src_lo=c_lo[0], dst_hi=h_hi[mine], dst_lo=h_lo[mine],
                  proto=17, sport=sport, dport=port, ttl=64, tpl=ask)  # fmt: skip
            up = mine & served[who]
            answer = b.template(("sweep_answer", port), SWEEP_ANSWERS[port])
            b.add(ts=ts[up] + to_ns(rng.uniform(0.001, 0.05, int(up.sum()))), src_hi=h_hi[up],
                  src_lo=h_lo[up], dst_hi=c_hi[0], dst_lo=c_lo[0], proto=17, sport=port, dport=sport,
                  ttl=64, tpl=answer)  # fmt: skip
    b.fact(
        scanner=blk.client, prefix=blk.server, probes=n, addresses=int(min(len(hosts), who[-1] + 1))
    )


# the TCP ports the internet's scanners probe most (remote shells, the web, file sharing, remote
# desktops, databases, mail, VoIP, routers' management) and the UDP services they look for
# (resolvers, time servers, SNMP agents, UPnP devices, memcached, CLDAP, chargen, ...): half of
# their probes go there, the rest to ports drawn at random (masscan's and zmap's sweeps)
SCANNED_PORTS = np.array([22, 23, 80, 443, 445, 3389, 8080, 21, 25, 3306, 5900, 8443, 1433,
                          6379, 2323, 5060, 7547, 9200, 27017, 8888])  # fmt: skip
SCANNED_UDP = np.array([53, 123, 161, 1900, 11211, 389, 19, 5060, 137, 500, 3702, 27015, 5353,
                        10001, 111])  # fmt: skip
SCANNED_SHARE = 0.5
UDP_SCAN_SHARE = 1 / 3  # of the probes, UDP
# a scanner's question to a UDP service it looks for (any other port: an empty datagram)
SCAN_QUESTIONS = {
    **SWEEP_PROBES,
    11211: lambda: b"\x00\x01\x00\x00\x00\x01\x00\x00stats\r\n",
    # CLDAP: the rootDSE search amplification scanners send ("(objectclass=*)")
    389: lambda: bytes.fromhex(
        "30840000002d02010163840000002404000a01000a0100020100020100010100"
        "870b6f626a656374636c617373308400000000"
    ),
    19: lambda: b"\x01",
}


def scanners(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """The internet's background scanning of ``server`` (search engines' crawlers, masscan and
    zmap sweeps, botnets looking for shells and for reflectors): ``count`` scanners, each from
    an address of its own, probe ``rate`` ports a second in all over [t0, t1) (whatever the
    scale), each port once, and a third of them again 1-3 s later. Two probes in three are a
    SYN, from a port of the scanner's: the server answers its open ``ports`` with a SYN-ACK,
    which the scanner resets (a stateless scanner never completes a handshake), and every other
    port with a RST. The rest are UDP, the question of the service probed (``SCAN_QUESTIONS``),
    which the server, running none, answers with an ICMP port unreachable."""
    rng = b.rng
    n = int(rng.poisson(blk.rate * (t1 - t0)))
    if n == 0:
        return
    hosts = sources.public_pool(rng, max(1, blk.count))
    who = rng.integers(0, hosts.size, n)
    is_udp = rng.random(n) < UDP_SCAN_SHARE
    favoured = rng.random(n) < SCANNED_SHARE
    port = np.where(favoured, np.where(is_udp, rng.choice(SCANNED_UDP, n), rng.choice(SCANNED_PORTS, n)),
                    rng.integers(1, 65536, n))  # fmt: skip
    sport = rng.integers(32768, 61000, hosts.size)[who]
    at = rng.uniform(t0, t1, n)
    again = rng.random(n) < 1 / 3
    at = np.concatenate([at, at[again] + rng.uniform(1.0, 3.0, int(again.sum()))])
    who, port, sport, is_udp = (np.concatenate([x, x[again]]) for x in (who, port, sport, is_udp))
    ts = start_ns + to_ns(at)
    c_hi, c_lo = sources.v4(hosts[who])
    s_hi, s_lo = sources.v4(np.array([sources.parse_v4(blk.server)]))
    ttl = sources.stable_ttls(rng, hosts.size)[who]
    back = ts + to_ns(rng.uniform(0.00005, 0.0003, ts.size))  # the server's stack, at once
    empty = b.template(("zeros", 0), lambda: b"")
    syn = ~is_udp
    b.add(ts=ts[syn], src_hi=c_hi[syn], src_lo=c_lo[syn], dst_hi=s_hi[0], dst_lo=s_lo[0], proto=6,
          sport=sport[syn], dport=port[syn], ttl=ttl[syn], tcp_flags=SYN, tpl=empty)  # fmt: skip
    served = syn & np.isin(port, np.array(blk.ports or (blk.port,)))
    for mine, flags in ((served, SYN | ACK), (syn & ~served, RST | ACK)):
        b.add(ts=back[mine], src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=c_hi[mine], dst_lo=c_lo[mine],
              proto=6, sport=port[mine], dport=sport[mine], ttl=64, tcp_flags=flags, tpl=empty)  # fmt: skip
    # the scanner's RST a round trip after the SYN-ACK
    rtt = to_ns(rng.uniform(0.02, 0.2, int(served.sum())))
    b.add(ts=back[served] + rtt, src_hi=c_hi[served], src_lo=c_lo[served], dst_hi=s_hi[0],
          dst_lo=s_lo[0], proto=6, sport=sport[served], dport=port[served], ttl=ttl[served],
          tcp_flags=RST, tpl=empty)  # fmt: skip
    questions = np.array([b.template(("scan_question", int(p)), SCAN_QUESTIONS[int(p)])
                          if int(p) in SCAN_QUESTIONS else empty for p in port[is_udp]])  # fmt: skip
    b.add(ts=ts[is_udp], src_hi=c_hi[is_udp], src_lo=c_lo[is_udp], dst_hi=s_hi[0], dst_lo=s_lo[0],
          proto=17, sport=sport[is_udp], dport=port[is_udp], ttl=ttl[is_udp], tpl=questions)  # fmt: skip
    b.add(ts=back[is_udp], src_hi=s_hi[0], src_lo=s_lo[0], dst_hi=c_hi[is_udp], dst_lo=c_lo[is_udp],
          proto=1, ttl=64, icmp_type=3, icmp_code=3, tpl=empty)  # fmt: skip
    b.fact(scanners=int(np.unique(who).size), target=blk.server, syns=int(syn.sum()),
           datagrams=int(is_udp.sum()), ports=int(np.unique(port).size))  # fmt: skip


# an API client's HTTPS session: handshake, a request, its answer; then it idles until it closes,
# its close_notify (24 bytes) and FIN back to back (delays in round trips)
TLS_SCRIPT = [
    (0, SYN, None, 0.0), (1, SYN | ACK, None, 0.5), (0, ACK, None, 0.5), (0, PSH | ACK, "hello", 0.01),
    (1, ACK, None, 0.5), (1, PSH | ACK, "server_hello", 0.05), (0, ACK, None, 0.5),
    (0, PSH | ACK, "finished", 0.01), (0, PSH | ACK, "request", 0.01), (1, PSH | ACK, "answer", 0.6),
    (0, ACK, None, 0.5), (0, PSH | ACK, "close", 100.0), (0, FIN | ACK, None, 0.002),
    (1, PSH | ACK, "close", 0.5), (1, FIN | ACK, None, 0.002), (0, ACK, None, 0.5),
]  # fmt: skip


def tls_sessions(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """HTTPS sessions of API clients (``rate`` a second from ``clients``, to ``server``:``port``):
    ClientHellos of 220-400 bytes (curl, OkHttp, IoT devices: no padding to 512 as browsers
    do), one request, then an idle keep-alive of 1-12 s (100 round trips) before the client
    closes: a 24-byte close_notify and its FIN at once. Seen one way, each is a connection whose
    client sent a tiny segment after a silence that the server never answered."""
    rng = b.rng
    n = int(rng.poisson(blk.rate * scale * (t1 - t0 - 15)))
    if n == 0:
        return
    ts = start_ns + np.sort(to_ns(rng.uniform(t0, t1 - 15, n)))
    crowd = max(blk.clients, round(blk.clients * scale))
    clients = sources.public_pool(rng, crowd)
    ttl = sources.stable_ttls(rng, crowd)
    pick = rng.integers(0, crowd, n)
    keys = {
        "hello": [b.template(("tls_hello", s), lambda s=s: payloads.tls_record(s, s, 22)) for s in (220, 260, 310, 400)],
        "server_hello": [b.template(("tls_shello", 0), lambda: payloads.tls_record(1400, 1, 22))],
        "finished": [b.template(("tls_fin", 0), lambda: payloads.tls_record(80, 2))],
        "request": [b.template(("tls_req", s), lambda s=s: payloads.tls_record(s, s)) for s in (120, 180, 260)],
        "answer": [b.template(("tls_ans", s), lambda s=s: payloads.tls_record(s, s)) for s in (400, 900, 1300)],
        "close": [b.template(("tls_close", 0), lambda: payloads.tls_record(24, 3))],
    }  # fmt: skip
    sessions(b, ts=ts, client=clients[pick], client_ttl=ttl[pick], dport=blk.port, script=TLS_SCRIPT,
             server=np.full(n, sources.parse_v4(blk.server)), payload_keys=keys, label=-1,
             rtt_ms=rng.uniform(10, 120, n))  # fmt: skip
    b.fact(sessions=n)


def video_downloads(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``count`` viewers each playing a video from ``server``:``port`` as one progressive
    download (an HTML5 player on one HTTP connection, the capture at the server). The player
    takes a chunk, ``rate`` bytes a second of video every 4-6 s, at line rate; when its media
    buffer is full it stops reading, the socket's buffer fills and the client advertises a zero
    window: the server's persist timer probes it (0.2 s, 0.4 s, ...), each probe answered with a
    zero window, until the player drains its buffer and opens the window for the next chunk.
    Zero windows on every connection, a crowd of them on one server, all benign: the server
    moves tens of KB a second to each viewer. Rates are at scale 1 (the viewers are not
    scaled, the chunk sizes are)."""
    rng = b.rng
    n = max(1, blk.count)
    clients = sources.public_pool(rng, n)
    ttl = sources.stable_ttls(rng, n)
    server = sources.v4(np.array([sources.parse_v4(blk.server)] * n))
    rtt_ns = to_ns(rng.uniform(0.02, 0.12, n))
    p = peers(rng, client=sources.v4(clients), server=server, c_ttl=ttl, s_port=blk.port,
              rtt_ms=rtt_ns / 1e6)  # fmt: skip
    seg = 1448
    data = b.template(("video_seg", seg), lambda: payloads.pattern(seg, 0x56))
    get = b.template(("video_get", 0), lambda: payloads.http_get(
        "video.mailprovider.example", "/v/launch.mp4", payloads.USER_AGENTS[0]))  # fmt: skip
    head = b.template(("video_head", 0), lambda: http_response(seg - 80, kind="video/mp4"))
    conn = np.arange(n)
    ev = Events()
    t0_ns, t1_ns = start_ns + to_ns(t0), start_ns + to_ns(t1)
    opened = t0_ns + to_ns(rng.uniform(0, min(5.0, (t1 - t0) / 4), n))
    done = handshake(ev, conn, opened, rtt_ns, client_near=False)
    ev.add(conn, done + 300_000, 0, PSH | ACK, get, win=2053)
    back = rtt_ns + 20_000
    start = done + 300_000 + 150_000 + 5_000_000
    ev.add(conn, start, 1, PSH | ACK, head)
    end = t1_ns - to_ns(0.3)
    chunk = max(4, int(blk.rate * scale * 5 / seg))  # segments per chunk (5 s of video)
    gap = 120_000  # ns between segments at line rate (~100 Mbit/s)
    at = start + gap
    while True:
        live = np.flatnonzero(at + chunk * gap + back < end)
        if live.size == 0:
            break
        times = at[live, None] + gap * np.arange(chunk)[None, :]
        rows = np.broadcast_to(live[:, None], times.shape)
        ev.add(rows.ravel(), times.ravel(), 1, ACK, data)
        acks = times[:, 1::2] + back[live, None]  # an ACK every second segment
        ev.add(np.broadcast_to(live[:, None], acks.shape).ravel(), acks.ravel(), 0, ACK, win=2053)
        # the buffer is full: the last ACK shuts the window, the persist timer probes
        full = times[:, -1] + back[live] + 1_000
        ev.add(live, full, 0, ACK, win=0)
        drained = full + to_ns(rng.uniform(3.0, 5.0, live.size))
        for wait in (0.2, 0.6, 1.4, 3.0):
            probe = full + to_ns(wait)
            ok = probe + back[live] < np.minimum(drained, end)
            ev.add(live[ok], probe[ok], 1, ACK)
            ev.add(live[ok], probe[ok] + back[live][ok], 0, ACK, win=0)
        ev.add(live, drained, 0, ACK, win=2053)  # the window update: the next chunk
        at = at.copy()
        at[live] = drained + back[live]
        at[np.setdiff1d(conn, live)] = end  # a connection whose chunk would not fit is done
    ev.write(b, p, -1)
    b.fact(viewers=n, segments_per_chunk=chunk)


def _connection(b: Builder, blk, *, n: int, rtt_s: float, near: bool = True):
    """``n`` connections from ``client`` (the capture's workstation: near it) to ``server``:``port``."""
    rng = b.rng
    rtt_ns = np.full(n, to_ns(rtt_s))
    client = sources.v4(np.full(n, sources.parse_v4(blk.client)))
    server = sources.v4(np.full(n, sources.parse_v4(blk.server)))
    p = peers(rng, client=client, server=server, c_ttl=64, s_port=blk.port, rtt_ms=rtt_ns / 1e6,
              client_near=near, s_ttl=52)  # fmt: skip
    return p, rtt_ns


def _tls_opened(b: Builder, blk, at_ns: int, *, rtt_s: float):
    """One connection from ``client`` to ``server``:``port`` opened at ``at_ns``: the TCP and
    TLS handshakes. Returns (peers, round trip, its events, when the TLS handshake is done)."""
    p, rtt_ns = _connection(b, blk, n=1, rtt_s=rtt_s)
    ev = Events()
    zero = np.zeros(1, np.int64)
    done = handshake(ev, zero, np.array([at_ns]), rtt_ns, client_near=True)
    return p, rtt_ns, ev, int(tls_handshake(b, ev, zero, done, rtt_ns)[0]) + rtt_ns[0]


def https_upload(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` uploads a file to ``server``:``port`` over HTTPS (a cloud backup, a file shared
    by a browser): the TCP and TLS handshakes, then TLS records of 16 KB in full segments (each
    record's last piece shorter), ``rate`` segments a second, the server acknowledging every
    second one and answering once at the end. One connection; its rate is at scale 1."""
    rng = b.rng
    p, rtt_ns, ev, ready = _tls_opened(b, blk, start_ns + to_ns(t0), rtt_s=0.03)
    zero = np.zeros(1, np.int64)
    record = payloads.tls_record(16_413, 7)
    pieces = [record[i : i + 1448] for i in range(0, len(record), 1448)]
    tpls = np.array(
        [b.template(("upload", k), lambda part=part: part) for k, part in enumerate(pieces)]
    )
    count = int(blk.rate * (t1 - t0 - 1.0))
    gap = NS / blk.rate  # paced by the sender's congestion control, a little jitter
    at = (
        ready
        + (np.arange(1, count + 1) * gap).astype(np.int64)
        + rng.integers(0, int(gap * 0.2) + 1, count)
    )
    ev.add(np.zeros(count, np.int64), at, 0, PSH | ACK, tpls[np.arange(count) % len(tpls)])
    acked = at[1::2] + rtt_ns[0] + 30_000
    ev.add(np.zeros(len(acked), np.int64), acked, 1, ACK)
    end = int(at[-1]) + rtt_ns[0] + 200_000
    answer = b.template(("upload_answer", 0), lambda: payloads.tls_record(420, 9))
    ev.add(zero, [end], 1, PSH | ACK, answer)
    ev.add(zero, [end + 1_000_000], 0, FIN | ACK)
    ev.add(zero, [end + 1_000_000 + rtt_ns[0]], 1, FIN | ACK)
    ev.add(zero, [end + 1_100_000 + rtt_ns[0]], 0, ACK)
    ev.write(b, p, -1)
    b.fact(segments=count)


def tcp_call(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """A video call that fell back to TCP 443 (a firewall blocks its UDP: Teams, Zoom, WebRTC's
    TURN over TLS): after the handshakes, ``client`` and ``server`` each send ``rate`` media
    segments a second of 160-1,200 bytes, each side's at random times, acknowledged in the
    other's next segment. One connection; its rate is at scale 1."""
    rng = b.rng
    p, _, ev, ready = _tls_opened(b, blk, start_ns + to_ns(t0), rtt_s=0.04)
    tpls = np.array(
        [
            b.template(("call", s), lambda s=s: payloads.tls_record(s, s))
            for s in (160, 320, 640, 900, 1200)
        ]
    )
    for way in (0, 1):
        count = int(blk.rate * (t1 - t0 - 1.0))
        at = ready + np.cumsum(to_ns(rng.exponential(1 / blk.rate, count)))
        ev.add(np.zeros(count, np.int64), at, way, PSH | ACK, rng.choice(tpls, count))
    ev.write(b, p, -1)
    b.fact(segments_each_way=int(blk.rate * (t1 - t0 - 1.0)))


def _keepalive_turns(b: Builder, blk, *, t0: float, t1: float, start_ns: int, rtt_s: float,
                     turn) -> None:  # fmt: skip
    """``client``'s ``count`` keep-alive connections to ``server``:``port``: opened at ``t0``,
    then ``rate`` turns a second (at scale 1), each on the connection whose last turn ended
    first and no sooner; closed at ``t1``. ``turn(ev, c, ask, rtt_ns, k)`` writes the k-th turn
    on connection ``c`` from ``ask`` (ns) and returns when the connection is free again."""
    rng = b.rng
    n = blk.count
    p, rtt_ns = _connection(b, blk, n=n, rtt_s=rtt_s)
    ev = Events()
    conns = np.arange(n)
    opened = start_ns + to_ns(t0) + to_ns(rng.uniform(0, 0.3, n))
    free = handshake(ev, conns, opened, rtt_ns, client_near=True) + 100_000
    end = start_ns + to_ns(t1 - 0.5)
    at = start_ns + to_ns(t0) + 400_000_000
    step = to_ns(1 / blk.rate)
    k = 0
    while at < end:
        c = int(np.argmin(free))  # the connection whose last turn ended first
        free[c] = turn(ev, c, max(at, int(free[c])), rtt_ns[c], k)
        at += int(rng.exponential(step))
        k += 1
    closing = np.maximum(free, end) + 1_000_000
    ev.add(conns, closing, 0, FIN | ACK)
    ev.add(conns, closing + rtt_ns, 1, FIN | ACK)
    ev.add(conns, closing + rtt_ns + 100_000, 0, ACK)
    ev.write(b, p, -1)
    b.fact(requests=k, connections=n)


def keepalive_fetches(
    b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float
) -> None:
    """``client`` fetches ``rate`` files a second from ``server``:``port`` over ``count`` keep-alive
    connections (a package manager's install, a map's tiles): each request a GET of its own path
    (a TLS record on 443), answered with 2-40 full segments and a shorter last one, the client
    acknowledging every second one; a connection asks
    again only when its answer is in. Its rate is at scale 1."""
    tls = blk.port == 443  # HTTPS: each request a record, each answer records in pieces
    if tls:
        gets = np.array([b.template(("fetch_tls_get", k), lambda k=k: payloads.tls_record(180 + 4 * k, k))
                         for k in range(64)])  # fmt: skip
    else:
        gets = np.array([b.template(("fetch_get", k), lambda k=k: payloads.http_get(
            "tiles.example", f"/14/{8000 + k}/{5400 + k % 9}.png", payloads.USER_AGENTS[1]))
            for k in range(64)])  # fmt: skip
    answers = []  # each answer's pieces: 2 to 40 full segments and a shorter last one
    for size in (2_500, 14_000, 57_000):
        records = [16_000] * (size // 16_000) + [size % 16_000]  # at most 16 KB each
        whole = (
            b"".join(payloads.tls_record(r, 3) for r in records)
            if tls
            else http_response(size, kind="image/png")
        )
        pieces = [whole[i : i + 1448] for i in range(0, len(whole), 1448)]
        answers.append([b.template(("fetch_answer", tls, size, i), lambda part=part: part)
                        for i, part in enumerate(pieces)])  # fmt: skip

    def fetch(ev: Events, c: int, ask: int, rtt_ns: int, k: int) -> int:
        ev.add([c], [ask], 0, PSH | ACK, gets[k % len(gets)])
        answer = answers[int(b.rng.integers(0, len(answers)))]
        parts = len(answer)
        first = ask + rtt_ns + 2_000_000
        times = first + np.arange(parts) * 120_000
        ev.add(np.full(parts - 1, c), times[:-1], 1, ACK, answer[:-1])
        ev.add([c], [times[-1]], 1, PSH | ACK, answer[-1])
        ev.add(np.full(parts // 2, c), times[1::2] + 30_000, 0, ACK)
        return times[-1] + 50_000

    _keepalive_turns(b, blk, t0=t0, t1=t1, start_ns=start_ns, rtt_s=0.015, turn=fetch)


def batch_posts(b: Builder, blk, *, t0: float, t1: float, start_ns: int, scale: float) -> None:
    """``client`` posts batches to ``server``:``port`` over ``count`` keep-alive connections,
    ``rate`` a second (a log shipper or a metrics agent catching up on its backlog: Filebeat,
    Vector, Prometheus' remote write): each batch of its own size, 600 B to 40 KB in full
    segments and a shorter last one, each answered by the same short "204 No Content"; a
    connection posts again only when its answer is in. Its rate is at scale 1."""
    answer = b.template(("batch_answer", 0), lambda: b"HTTP/1.1 204 No Content\r\n\r\n")
    head = "POST /api/v1/push HTTP/1.1\r\nHost: {0}\r\nContent-Type: application/x-protobuf\r\n"

    def post(ev: Events, c: int, ask: int, rtt_ns: int, k: int) -> int:
        size = int(b.rng.integers(10, 625)) * 64  # 640 B to 40 KB
        body = (head.format(blk.server) + f"Content-Length: {size}\r\n\r\n").encode() + bytes(size)
        parts = [body[i : i + 1448] for i in range(0, len(body), 1448)]
        # the first piece (the head) and the last of each size; the ones between are zeros
        pieces = [b.template(("batch_first", size), lambda part=parts[0]: part)]
        pieces += [b.template(("batch_zeros",), lambda: bytes(1448))] * max(0, len(parts) - 2)
        if len(parts) > 1:
            pieces.append(b.template(("batch_last", len(parts[-1])), lambda part=parts[-1]: part))
        times = ask + np.arange(len(pieces)) * 120_000
        ev.add(np.full(len(pieces) - 1, c), times[:-1], 0, ACK, pieces[:-1])
        ev.add([c], [times[-1]], 0, PSH | ACK, pieces[-1])
        ev.add(np.full(len(pieces) // 2, c), times[1::2] + 30_000, 1, ACK)
        done = times[-1] + rtt_ns + 1_000_000
        ev.add([c], [done], 1, PSH | ACK, answer)
        return done + rtt_ns // 2 + 50_000

    _keepalive_turns(b, blk, t0=t0, t1=t1, start_ns=start_ns, rtt_s=0.004, turn=post)


BLOCKS = {
    "batch_posts": batch_posts,
    "https_upload": https_upload,
    "metric_flushes": metric_flushes,
    "membership_reports": membership_reports,
    "all_nodes_pings": all_nodes_pings,
    "neighbor_discovery": neighbor_discovery,
    "message_streams": message_streams,
    "keepalive_probes": keepalive_probes,
    "reconnect_storm": reconnect_storm,
    "restart_resets": restart_resets,
    "idle_resets": idle_resets,
    "half_open_monitors": half_open_monitors,
    "tcp_call": tcp_call,
    "keepalive_fetches": keepalive_fetches,
    "ping_rounds": ping_rounds,
    "dns_bursts": dns_bursts,
    "reverse_lookups": reverse_lookups,
    "tls_sessions": tls_sessions,
    "video_downloads": video_downloads,
    "sweeps": sweeps,
    "ntp_sync": ntp_sync,
    "ntp_server": ntp_server,
    "rtp_cameras": rtp_cameras,
    "ssdp_discovery": ssdp_discovery,
    "lan_name_queries": lan_name_queries,
    "traceroutes": traceroutes,
    "vxlan_overlay": vxlan_overlay,
    "udp_reads": udp_reads,
    "gre_tunnel": gre_tunnel,
    "wireguard_tunnel": wireguard_tunnel,
    "esp_tunnel": esp_tunnel,
    "protocol_scan": protocol_scan,
    "udp_scan": udp_scan,
    "scanners": scanners,
    "udp_sessions": udp_sessions,
    "pings": pings,
    "telemetry": telemetry,
    "multicast_streams": multicast_streams,
    "quic_streams": quic_streams,
    "http_sessions": http_sessions,
    "browser_burst": browser_burst,
    "established": established,
    "resolver": resolver,
}
