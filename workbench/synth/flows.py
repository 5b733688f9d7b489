"""TCP conversations of any shape (slowloris, sessions already open, bulk transfers) and the
benign traffic blocks of the negative scenarios, as packet tables.

A conversation is a set of events (connection, time, direction, flags, payload); sequence and
acknowledgement numbers follow from them, vectorised: an event's ``seq`` counts what its side
sent before it, its ``ack`` what the other side had sent by the time this side could have seen
it (the capture point sits at the provider's edge: provider hosts see a remote packet ~50 µs
after it passes, a remote host one round trip later).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from workbench.synth import payloads, sources
from workbench.synth.traffic import (
    _QUIET_PORTS,
    NS,
    USER_AGENTS,
    Builder,
    Pools,
    _ephemeral,
    sessions,
)

SYN, FIN, RST, PSH, ACK = 0x02, 0x01, 0x04, 0x08, 0x10
NEAR_LAG_NS = 50_000  # a provider host sees a packet 50 µs after the capture point does
_KEY = 1 << 40  # time span (ns) one connection may cover in the event keys: ~18 minutes


@dataclass
class Peers:
    """Both ends of ``n`` connections (client = direction 0, server = direction 1)."""

    c_hi: np.ndarray
    c_lo: np.ndarray
    s_hi: np.ndarray
    s_lo: np.ndarray
    c_port: np.ndarray
    s_port: np.ndarray
    c_ttl: np.ndarray
    s_ttl: np.ndarray
    ver: np.ndarray
    isn: np.ndarray  # (n, 2)
    lag: (
        np.ndarray
    )  # (n, 2) ns: how long after the capture point each side sees the other's packets


def _u64(x, n: int) -> np.ndarray:
    return np.broadcast_to(np.asarray(x, dtype=np.uint64), (n,)).copy()


def peers(rng: np.random.Generator, *, client: tuple, server: tuple, c_ttl, s_port, rtt_ms: np.ndarray,
          client_near: bool = False, c_port: np.ndarray | None = None, s_ttl=64) -> Peers:  # fmt: skip
    """Connections from ``client`` (hi, lo arrays) to ``server`` (hi, lo arrays) on ``s_port``."""
    n = len(rtt_ms)
    c_hi, c_lo = _u64(client[0], n), _u64(client[1], n)
    s_hi, s_lo = _u64(server[0], n), _u64(server[1], n)
    v4 = (c_hi == 0) & ((c_lo >> np.uint64(32)) == np.uint64(0xFFFF))
    far = (rtt_ms * 0.99 * 1e6).astype(np.int64)
    near = np.full(n, NEAR_LAG_NS, np.int64)
    lag = np.stack([near, far] if client_near else [far, near], axis=1)
    return Peers(
        c_hi, c_lo, s_hi, s_lo,
        c_port if c_port is not None else _ephemeral(rng, n),
        np.broadcast_to(np.asarray(s_port, np.int64), (n,)).copy(),
        np.broadcast_to(np.asarray(c_ttl, np.int64), (n,)).copy(),
        np.broadcast_to(np.asarray(s_ttl, np.int64), (n,)).copy(),
        np.where(v4, 4, 6), rng.integers(0, 1 << 32, (n, 2)), lag,
    )  # fmt: skip


def conversation(b: Builder, p: Peers, *, conn: np.ndarray, ts: np.ndarray, direction: np.ndarray,
                 flags: np.ndarray, tpl: np.ndarray, label: int) -> None:  # fmt: skip
    """Write the events of connections ``p`` with their sequence and acknowledgement numbers."""
    m = len(ts)
    if m == 0:
        return
    ts = ts.astype(np.int64)
    conn = conn.astype(np.int64)
    direction = direction.astype(np.int64)
    flags = np.broadcast_to(np.asarray(flags, np.int64), (m,))
    tpl = np.broadcast_to(np.asarray(tpl, np.int64), (m,))
    plen = b.tpl_len(tpl)
    consume = plen + ((flags & (SYN | FIN)) > 0)
    t_min = int(ts.min()) - (1 << 36)
    if int(ts.max()) - t_min >= _KEY:
        raise ValueError("a conversation longer than ~18 minutes")
    rel = ts - t_min
    seq_rel = np.zeros(m, np.int64)
    sent = []  # per direction: (sorted keys, cumulative consumption with a leading 0)
    for d in (0, 1):
        idx = np.flatnonzero(direction == d)
        key = conn[idx] * _KEY + rel[idx]
        order = np.argsort(key, kind="stable")
        idx, key = idx[order], key[order]
        cum = np.concatenate([[0], np.cumsum(consume[idx])])
        first = np.searchsorted(key, conn[idx] * _KEY, side="left")
        seq_rel[idx] = cum[np.arange(len(idx))] - cum[first]
        sent.append((key, cum))
    ack_rel = np.zeros(m, np.int64)
    for d in (0, 1):
        idx = np.flatnonzero(direction == d)
        key, cum = sent[1 - d]
        seen = np.maximum(rel[idx] - p.lag[conn[idx], d], 0)
        lo = np.searchsorted(key, conn[idx] * _KEY, side="left")
        hi = np.maximum(np.searchsorted(key, conn[idx] * _KEY + seen, side="right"), lo)
        ack_rel[idx] = cum[hi] - cum[lo]
    seq = (p.isn[conn, direction] + seq_rel) % (1 << 32)
    ack = np.where(flags & ACK, (p.isn[conn, 1 - direction] + ack_rel) % (1 << 32), 0)
    fwd = direction == 0
    b.add(
        ts=ts, ver=p.ver[conn],
        src_hi=np.where(fwd, p.c_hi[conn], p.s_hi[conn]), src_lo=np.where(fwd, p.c_lo[conn], p.s_lo[conn]),
        dst_hi=np.where(fwd, p.s_hi[conn], p.c_hi[conn]), dst_lo=np.where(fwd, p.s_lo[conn], p.c_lo[conn]),
        proto=6, sport=np.where(fwd, p.c_port[conn], p.s_port[conn]),
        dport=np.where(fwd, p.s_port[conn], p.c_port[conn]), ttl=np.where(fwd, p.c_ttl[conn], p.s_ttl[conn]),
        tcp_flags=flags, seq=seq, ack=ack, tpl=tpl, plen=plen, label=label, df=1,
    )  # fmt: skip


class Events:
    """Accumulates conversation events, then writes them at once."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {k: [] for k in ("conn", "ts", "direction", "flags", "tpl")}

    def add(self, conn, ts, direction, flags, tpl=0) -> None:
        n = len(conn)
        for k, v in zip(self.cols, (conn, ts, direction, flags, tpl), strict=True):
            self.cols[k].append(np.broadcast_to(np.asarray(v, np.int64), (n,)))

    def write(self, b: Builder, p: Peers, label: int) -> None:
        cols = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in self.cols.items()}
        conversation(b, p, **cols, label=label)


def _ns(seconds) -> np.ndarray:
    return (np.asarray(seconds) * NS).astype(np.int64)


def handshake(
    ev: Events, conn: np.ndarray, at: np.ndarray, rtt_ns: np.ndarray, *, client_near: bool
) -> np.ndarray:
    """SYN, SYN-ACK, ACK of connections opened at ``at`` (ns); returns when the client's ACK passes."""
    if client_near:  # the server answers one round trip later, the client right away
        synack = at + rtt_ns + 1_000
        done = synack + NEAR_LAG_NS + 20_000
    else:
        synack = at + 150_000
        done = synack + rtt_ns + 20_000
    ev.add(conn, at, 0, SYN)
    ev.add(conn, synack, 1, SYN | ACK)
    ev.add(conn, done, 0, ACK)
    return done


# ---------------------------------------------------------------- slowloris (attack: slow_http)


def slowloris(b: Builder, pools: Pools, spec, attack, *, t0: float, t1: float, targets, start_ns: int,
              label: int, scale: float) -> None:  # fmt: skip
    """Slowloris: connections that send a partial request, then one tiny header line every few
    seconds and never finish it; the server only acknowledges. Every packet of them is labelled."""
    rng = b.rng
    v6 = isinstance(targets, tuple)
    single = (attack.sources or spec.sources) == "single"
    n = max(2, round((attack.connections or 300) * scale))
    n_src = 1 if single else max(1, min(n, round((attack.bots or 300) * scale)))
    hosts = pools.hosts(("slowloris", attack.start, v6, n_src, single), n_src, v6=v6,
                        ttl_values=attack.ttl_values)  # fmt: skip
    who = rng.permutation(n) % n_src
    if v6:
        k = rng.integers(0, len(targets[0]), n)
        server = (targets[0][k], targets[1][k])
    else:
        server = sources.v4(rng.choice(targets, n))
    rtt_ns = _ns(rng.uniform(0.02, 0.2, n))
    p = peers(rng, client=(hosts[0][who], hosts[1][who]), server=server, c_ttl=hosts[2][who],
              s_port=attack.dport or spec.dport, rtt_ms=rtt_ns / 1e6,
              c_port=rng.choice(_QUIET_PORTS, n, replace=False))  # fmt: skip
    conn = np.arange(n)
    lo, hi = attack.interval
    get = np.array([b.template(("slow_get", k), lambda k=k: (
        f"GET /?{k * 7919 % 2011} HTTP/1.1\r\nHost: {'x' if k % 2 else 'www.mailprovider.example'}\r\n"
        f"User-Agent: {USER_AGENTS[0]}\r\nAccept-language: en-US,en,q=0.5\r\n").encode())
        for k in range(32)])  # fmt: skip
    line = np.array([b.template(("slow_line", k), lambda k=k: f"X-a: {k * 37 % 5000}\r\n".encode())
                     for k in range(16)])  # fmt: skip
    ev = Events()
    t0_ns, t1_ns = start_ns + _ns(t0), start_ns + _ns(t1)
    if attack.preopened:
        # open long before the capture: the last header went out up to one interval before t0
        base = t0_ns - _ns(rng.uniform(0, hi, n))
        end = np.full(n, t1_ns - _ns(0.1))
    else:
        ramp = min(2.0 if single else 6.0, (t1 - t0) / 10)
        opened = t0_ns + _ns(np.sort(rng.uniform(0, ramp, n)))
        done = handshake(ev, conn, opened, rtt_ns, client_near=False)
        base = done + 500_000
        ev.add(conn, base, 0, PSH | ACK, rng.choice(get, n))
        ev.add(conn, base + _ns(rng.uniform(0.03, 0.045, n)), 1, ACK)  # delayed ACK
        end = t1_ns - _ns(rng.uniform(0.3, 1.0, n))
    steps = int(np.ceil((t1 - t0 + hi) / lo)) + 1
    at = base[:, None] + np.cumsum(_ns(rng.uniform(lo, hi, (n, steps))), axis=1)
    keep = (at >= t0_ns) & (at < (end - _ns(0.1))[:, None])
    rows = np.broadcast_to(conn[:, None], at.shape)[keep]
    when = at[keep]
    ev.add(rows, when, 0, PSH | ACK, rng.choice(line, len(rows)))
    ev.add(rows, when + _ns(rng.uniform(0.03, 0.045, len(rows))), 1, ACK)
    if not attack.preopened:  # the tool stops: the client closes each connection
        ev.add(conn, end, 0, FIN | ACK)
        ev.add(conn, end + 150_000, 1, FIN | ACK)
        ev.add(conn, end + 150_000 + rtt_ns + 20_000, 0, ACK)
    ev.write(b, p, label)
    b.fact(
        connections=n,
        source_hosts=n_src,
        dst_ports=[int(p.s_port[0])],
        preopened=bool(attack.preopened),
    )
    if single:
        b.fact(source=_text(hosts[0][0], hosts[1][0]))


def _text(hi, lo) -> str:
    import ipaddress

    value = (int(hi) << 64) | int(lo)
    addr = ipaddress.IPv6Address(value)
    return str(addr.ipv4_mapped or addr)


# ---------------------------------------------------------------- benign blocks


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
    ts = start_ns + np.sort(_ns(rng.uniform(t0, t1 - blk.ramp, n) + rng.uniform(0, blk.ramp, n)))
    clients = sources.public_pool(rng, blk.clients)
    ttl = sources.stable_ttls(rng, blk.clients)
    pick = rng.integers(0, blk.clients, n)
    host = "www.mailprovider.example"
    gets = [b.template(("flash_get", k), lambda k=k: payloads.http_get(host, f"/news/{k}", USER_AGENTS[0]))
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
    ts = start_ns + np.sort(_ns(rng.uniform(t0, t1, n)))
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
                       USER_AGENTS[0])) for k in range(8)]  # fmt: skip
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
    rtt_ns = _ns(rng.uniform(0.02, 0.18, n))
    p = peers(rng, client=sources.v4(clients), server=sources.v4(server), c_ttl=ttl, s_port=port,
              rtt_ms=rtt_ns / 1e6)  # fmt: skip
    data = {
        0: np.array([b.template(("est_c", s), lambda s=s: payloads.pattern(s, 0x43)) for s in (37, 64, 120, 310)]),
        1: np.array([b.template(("est_s", s), lambda s=s: payloads.pattern(s, 0x53)) for s in (90, 536, 1200, 1448)]),
    }  # fmt: skip
    ev = Events()
    t0_ns, t1_ns = start_ns + _ns(t0), start_ns + _ns(t1)
    for d, (lo, hi) in ((0, (0.2, 1.0)), (1, (0.5, 2.5))):
        counts = rng.poisson(rng.uniform(lo, hi, n) * (t1 - t0))
        conn = np.repeat(np.arange(n), counts)
        at = t0_ns + _ns(rng.uniform(0, t1 - t0, len(conn)))
        ev.add(conn, at, d, PSH | ACK, rng.choice(data[d], len(conn)))
        # the receiver's bare ACK: the far client one round trip later, the near server at once
        delay = _ns(rng.uniform(0.0, 0.04, len(conn))) + (
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
    t0_ns = start_ns + _ns(t0)
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
    ts = start_ns + _ns(at)
    sport = _ephemeral(rng, n)
    c_hi, c_lo = sources.v4(np.full(n, sources.parse_v4(blk.client)))
    s_hi, s_lo = sources.v4(auth[server])
    b.add(ts=ts, src_hi=c_hi, src_lo=c_lo, dst_hi=s_hi, dst_lo=s_lo, proto=17, sport=sport, dport=53, ttl=64,
          tpl=q[which])  # fmt: skip
    answered = rng.random(n) < 0.98
    rtt = _ns(rng.uniform(0.005, 0.15, n))
    b.add(ts=(ts + rtt)[answered], src_hi=s_hi[answered], src_lo=s_lo[answered], dst_hi=c_hi[answered],
          dst_lo=c_lo[answered], proto=17, sport=53, dport=sport[answered], ttl=auth_ttl[server][answered],
          tpl=r[which][answered])  # fmt: skip
    b.fact(queries=n, answered=int(answered.sum()), servers=blk.count)


BLOCKS = {
    "http_sessions": http_sessions,
    "browser_burst": browser_burst,
    "established": established,
    "resolver": resolver,
}
