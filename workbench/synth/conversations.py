"""TCP conversations of any shape (slowloris, sessions already open, bulk transfers) as packet
tables; the benign blocks that use them are in ``benign_traffic.py``.

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
from workbench.synth.builder import NS, QUIET_PORTS, Builder, Pools, ephemeral
from workbench.synth.frames import TCP_WINDOW

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
        c_port if c_port is not None else ephemeral(rng, n),
        np.broadcast_to(np.asarray(s_port, np.int64), (n,)).copy(),
        np.broadcast_to(np.asarray(c_ttl, np.int64), (n,)).copy(),
        np.broadcast_to(np.asarray(s_ttl, np.int64), (n,)).copy(),
        np.where(v4, 4, 6), rng.integers(0, 1 << 32, (n, 2)), lag,
    )  # fmt: skip


def conversation(b: Builder, p: Peers, *, conn: np.ndarray, ts: np.ndarray, direction: np.ndarray,
                 flags: np.ndarray, tpl: np.ndarray, label: int, win: np.ndarray | int = TCP_WINDOW) -> None:  # fmt: skip
    """Write the events of connections ``p`` with their sequence and acknowledgement numbers
    (``win``: the receive window each advertises)."""
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
        win=np.broadcast_to(np.asarray(win, np.int64), (m,)),
    )  # fmt: skip


class Events:
    """Accumulates conversation events, then writes them at once."""

    def __init__(self) -> None:
        self.cols: dict[str, list] = {
            k: [] for k in ("conn", "ts", "direction", "flags", "tpl", "win")
        }

    def add(self, conn, ts, direction, flags, tpl=0, win=TCP_WINDOW) -> None:
        n = len(conn)
        for k, v in zip(self.cols, (conn, ts, direction, flags, tpl, win), strict=True):
            self.cols[k].append(np.broadcast_to(np.asarray(v, np.int64), (n,)))

    def write(self, b: Builder, p: Peers, label: int) -> None:
        cols = {k: np.concatenate(v) if v else np.zeros(0, np.int64) for k, v in self.cols.items()}
        conversation(b, p, **cols, label=label)


def to_ns(seconds) -> np.ndarray:
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


def _client_ports(rng: np.random.Generator, who: np.ndarray) -> np.ndarray:
    """A quiet source port per connection (``who``: its client), distinct among each client's
    connections: drawn without repeats over all of them while there are enough quiet ports
    (28,000), else each client's connections numbered from a random port of its own."""
    n = who.shape[0]
    if n <= QUIET_PORTS.shape[0]:
        return rng.choice(QUIET_PORTS, n, replace=False)
    order = np.argsort(who, kind="stable")
    starts = np.r_[0, np.flatnonzero(np.diff(who[order])) + 1]
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))
    base = rng.integers(0, QUIET_PORTS.shape[0], who.max() + 1)
    ports = np.empty(n, QUIET_PORTS.dtype)
    ports[order] = QUIET_PORTS[(base[who[order]] + rank) % QUIET_PORTS.shape[0]]
    return ports


def _held(b: Builder, pools: Pools, spec, attack, targets, scale: float, kind: str):
    """The connections a slow HTTP attack holds open (``attack.connections`` at scale 1, from
    ``attack.bots`` or one host to ``targets``): (peers, round trips in ns, the client hosts,
    whether one host sends them all)."""
    rng = b.rng
    v6 = isinstance(targets, tuple)
    single = (attack.sources or spec.sources) == "single"
    n = max(2, round((attack.connections or 300) * scale))
    n_src = 1 if single else max(1, min(n, round((attack.bots or 300) * scale)))
    hosts = pools.hosts((kind, attack.start, v6, n_src, single), n_src, v6=v6,
                        ttl_values=attack.ttl_values)  # fmt: skip
    who = rng.permutation(n) % n_src
    if v6:
        k = rng.integers(0, len(targets[0]), n)
        server = (targets[0][k], targets[1][k])
    else:
        server = sources.v4(rng.choice(targets, n))
    rtt_ns = to_ns(rng.uniform(0.02, 0.2, n))
    p = peers(rng, client=(hosts[0][who], hosts[1][who]), server=server, c_ttl=hosts[2][who],
              s_port=attack.dport or spec.dport, rtt_ms=rtt_ns / 1e6,
              c_port=_client_ports(rng, who))  # fmt: skip
    return p, rtt_ns, hosts, single


def tls_handshake(b: Builder, ev: Events, conn: np.ndarray, done: np.ndarray, rtt_ns: np.ndarray) -> np.ndarray:  # fmt: skip
    """A TLS 1.3 handshake after the TCP one (``done``): a ClientHello, the server's hello and
    certificate (two records), the client's Finished, two session tickets. Returns when the last
    ticket passes the capture point."""
    hello, cert, more, fin, ticket = (
        b.template(("tls_hs", size, kind), lambda size=size, kind=kind: payloads.tls_record(size, size, kind))
        for size, kind in ((310, 22), (1448, 22), (1100, 22), (80, 23), (255, 23))
    )  # fmt: skip
    ev.add(conn, done + 300_000, 0, PSH | ACK, hello)
    flight = done + 300_000 + 150_000 + 3_000_000
    ev.add(conn, flight, 1, ACK, cert)
    ev.add(conn, flight + 20_000, 1, PSH | ACK, more)
    finished = flight + rtt_ns + 40_000
    ev.add(conn, finished, 0, PSH | ACK, fin)
    ev.add(conn, finished + 150_000, 1, PSH | ACK, ticket)
    ev.add(conn, finished + 170_000, 1, PSH | ACK, ticket)
    return finished + 170_000


def slowloris(b: Builder, pools: Pools, spec, attack, *, t0: float, t1: float, targets, start_ns: int,
              label: int, scale: float) -> None:  # fmt: skip
    """Slowloris: connections that send a partial request, then one tiny header line every few
    seconds and never finish it; the server only acknowledges. Every packet of them is labelled."""
    rng = b.rng
    p, rtt_ns, hosts, single = _held(b, pools, spec, attack, targets, scale, "slowloris")
    n = len(rtt_ns)
    conn = np.arange(n)
    lo, hi = attack.interval
    get = np.array([b.template(("slow_get", k), lambda k=k: (
        f"GET /?{k * 7919 % 2011} HTTP/1.1\r\nHost: {'x' if k % 2 else 'www.mailprovider.example'}\r\n"
        f"User-Agent: {payloads.USER_AGENTS[0]}\r\nAccept-language: en-US,en,q=0.5\r\n").encode())
        for k in range(32)])  # fmt: skip
    line = np.array([b.template(("slow_line", k), lambda k=k: f"X-a: {k * 37 % 5000}\r\n".encode())
                     for k in range(16)])  # fmt: skip
    if attack.tls:  # each piece in a TLS record of its own: 22 bytes more (header, type, tag)
        get, line = (np.array([b.template(("slow_tls", int(t)), lambda t=t: payloads.tls_record(
            b.tpl_len(np.array([t]))[0] + 22, int(t))) for t in ids]) for ids in (get, line))  # fmt: skip
    ev = Events()
    t0_ns, t1_ns = start_ns + to_ns(t0), start_ns + to_ns(t1)
    if attack.preopened:
        # open long before the capture: the last header went out up to one interval before t0
        base = t0_ns - to_ns(rng.uniform(0, hi, n))
        end = np.full(n, t1_ns - to_ns(0.1))
    else:
        ramp = min(2.0 if single else 6.0, (t1 - t0) / 10)
        opened = t0_ns + to_ns(np.sort(rng.uniform(0, ramp, n)))
        done = handshake(ev, conn, opened, rtt_ns, client_near=False)
        if attack.tls:
            done = tls_handshake(b, ev, conn, done, rtt_ns)
        base = done + 500_000
        ev.add(conn, base, 0, PSH | ACK, rng.choice(get, n))
        ev.add(conn, base + to_ns(rng.uniform(0.03, 0.045, n)), 1, ACK)  # delayed ACK
        end = t1_ns - to_ns(rng.uniform(0.3, 1.0, n))
    steps = int(np.ceil((t1 - t0 + hi) / lo)) + 1
    at = base[:, None] + np.cumsum(to_ns(rng.uniform(lo, hi, (n, steps))), axis=1)
    keep = (at >= t0_ns) & (at < (end - to_ns(0.1))[:, None])
    rows = np.broadcast_to(conn[:, None], at.shape)[keep]
    when = at[keep]
    ev.add(rows, when, 0, PSH | ACK, rng.choice(line, len(rows)))
    ev.add(rows, when + to_ns(rng.uniform(0.03, 0.045, len(rows))), 1, ACK)
    if not attack.preopened:  # the tool stops: the client closes each connection
        ev.add(conn, end, 0, FIN | ACK)
        ev.add(conn, end + 150_000, 1, FIN | ACK)
        ev.add(conn, end + 150_000 + rtt_ns + 20_000, 0, ACK)
    ev.write(b, p, label)
    b.fact(
        connections=n,
        source_hosts=len(hosts[0]),
        dst_ports=[int(p.s_port[0])],
        preopened=bool(attack.preopened),
    )
    if single:
        b.fact(source=_text(hosts[0][0], hosts[1][0]))


# ---------------------------------------------------------------- slow read (attack: slow_http)

PERSIST_FIRST_S = 0.2  # the sender's first zero-window probe (Linux: its RTO, 200 ms at least)
PERSIST_MAX_S = 120.0  # ... doubling each time up to TCP_RTO_MAX


def _probes(rng: np.random.Generator, zero: np.ndarray, until: np.ndarray) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(index, time) of the persist timer's probes after each zero window at ``zero`` (ns),
    backing off from 0.2 s, before ``until``."""
    rows, times = [], []
    wait = np.full(zero.shape, to_ns(PERSIST_FIRST_S))
    at = zero + wait
    live = at < until
    while live.any():
        idx = np.flatnonzero(live)
        rows.append(idx)
        times.append(at[idx] + to_ns(rng.uniform(0, 0.002, idx.size)))
        wait = np.minimum(wait * 2, to_ns(PERSIST_MAX_S))
        at = at + wait
        live = live & (at < until)
    if not rows:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    return np.concatenate(rows), np.concatenate(times)


def slow_read(b: Builder, pools: Pools, spec, attack, *, t0: float, t1: float, targets, start_ns: int,
              label: int, scale: float) -> None:  # fmt: skip
    """Slow read (slowhttptest -X): connections that send a whole request for a page, then read
    its answer a few bytes at a time from a receive buffer of a few hundred bytes to 2 KB (no
    window scaling). The client advertises a zero window as soon as the buffer is full; the
    server's persist timer probes it (0.2 s, doubling), each probe answered with a zero window;
    when the client has read half its buffer it opens the window by that much and the server
    sends that much. Every ``interval`` (the time to read half the buffer: 5 bytes a second by
    default) one such cycle. The connections stay open to the end. Every packet is labelled."""
    rng = b.rng
    p, rtt_ns, hosts, single = _held(b, pools, spec, attack, targets, scale, "slow_read")
    n = len(rtt_ns)
    conn = np.arange(n)
    buffer = rng.integers(512, 2049, n)  # the receive window while the buffer is empty
    half = buffer // 2
    get = np.array([b.template(("slow_read_get", k), lambda k=k: payloads.http_get(
        "www.mailprovider.example", f"/static/video{k}.mp4", payloads.USER_AGENTS[k % 3]))
        for k in range(8)])  # fmt: skip
    head = b"HTTP/1.1 200 OK\r\nContent-Type: video/mp4\r\nContent-Length: 73400320\r\n\r\n"
    first = {int(size): b.template(("slow_read_head", int(size)), lambda size=size: (
        head + bytes(range(256)) * 8)[: int(size)]) for size in np.unique(buffer)}  # fmt: skip
    more = {int(size): b.template(("slow_read_body", int(size)), lambda size=size: (
        bytes(range(256)) * 4)[: int(size)]) for size in np.unique(half)}  # fmt: skip
    ev = Events()
    t0_ns, t1_ns = start_ns + to_ns(t0), start_ns + to_ns(t1)
    ramp = min(2.0 if single else 6.0, (t1 - t0) / 10)
    opened = t0_ns + to_ns(np.sort(rng.uniform(0, ramp, n)))
    back = rtt_ns + 20_000  # the client's answer passes the capture point a round trip later
    done = handshake(ev, conn, opened, rtt_ns, client_near=False)
    asked = done + 500_000
    ev.add(conn, asked, 0, PSH | ACK, rng.choice(get, n), win=buffer)
    # the server fills the buffer at once; the client's ACK says it is full
    sent = asked + 150_000 + to_ns(rng.uniform(0.002, 0.01, n))
    ev.add(conn, sent, 1, PSH | ACK, [first[int(x)] for x in buffer])
    zero = sent + back
    ev.add(conn, zero, 0, ACK, win=0)
    period = to_ns(rng.uniform(*attack.interval, n))
    cycles = int(np.ceil((t1 - t0) / attack.interval[0])) + 1
    starts = zero[:, None] + period[:, None] * np.arange(cycles + 1)[None, :]
    end = t1_ns - to_ns(0.05)
    for k in range(cycles):  # each cycle: probes while the window is shut, then half a buffer
        until = np.minimum(starts[:, k + 1], end)
        rows, at = _probes(rng, starts[:, k], until)
        ev.add(rows, at, 1, ACK)
        ev.add(rows, at + back[rows], 0, ACK, win=0)
        live = np.flatnonzero(starts[:, k + 1] + 2 * back < end)
        opens = starts[live, k + 1]
        ev.add(live, opens, 0, ACK, win=half[live])  # the window update
        ev.add(live, opens + 150_000, 1, PSH | ACK, [more[int(x)] for x in half[live]])
        ev.add(live, opens + 150_000 + back[live], 0, ACK, win=0)
    ev.write(b, p, label)
    b.fact(
        connections=n,
        source_hosts=len(hosts[0]),
        dst_ports=[int(p.s_port[0])],
        slow_read=True,
    )
    if single:
        b.fact(source=_text(hosts[0][0], hosts[1][0]))


# ---------------------------------------------------------------- keep-alive HTTP flood


def keepalive_http_flood(b: Builder, pools: Pools, ts: np.ndarray, dst: np.ndarray, label: int, *,
                         clients: int, port: int, connections: int, answered: bool = True) -> None:  # fmt: skip
    """An HTTP GET flood whose requests (at ``ts``, ns) ride ``connections`` keep-alive
    connections per client (a script's session loop: python ``requests.Session``): each opened
    just before its first request, each request answered on it (half a round trip after it
    passes the capture point; without ``answered``, only acknowledged: a server that no longer
    answers), each closed after its last. Every packet of them is labelled."""
    rng = b.rng
    pool, ttls = pools.botnet()
    n_clients = max(1, min(len(pool), clients))
    n = n_clients * max(1, connections)
    who = np.arange(n) % n_clients
    server = sources.v4(rng.choice(np.unique(dst), n))
    rtt_ns = to_ns(rng.uniform(0.001, 0.004, n))  # a lab's LAN
    p = peers(rng, client=sources.v4(pool[who]), server=server, c_ttl=ttls[who], s_port=port,
              rtt_ms=rtt_ns / 1e6, c_port=_client_ports(rng, who))  # fmt: skip
    conn = rng.integers(0, n, len(ts))
    used = np.unique(conn)
    first = np.full(n, np.iinfo(np.int64).max)
    last = np.zeros(n, np.int64)
    np.minimum.at(first, conn, ts)
    np.maximum.at(last, conn, ts)
    get = np.array([b.template(("keepalive_get", k), lambda k=k: payloads.http_get(
        "www.mailprovider.example", f"/?{k:05x}", payloads.USER_AGENTS[0])) for k in range(24)])  # fmt: skip
    resp = b.template(
        ("keepalive_resp", 0), lambda: b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"
    )
    ev = Events()
    handshake(ev, used, first[used] - rtt_ns[used] - 400_000, rtt_ns[used], client_near=False)
    ev.add(conn, ts, 0, PSH | ACK, rng.choice(get, len(ts)))
    if answered:
        ev.add(conn, ts + 150_000 + rtt_ns[conn] // 2, 1, PSH | ACK, resp)
    else:
        ev.add(conn, ts + 150_000 + rtt_ns[conn] // 2, 1, ACK)
    end = last[used] + rtt_ns[used] + 1_000_000
    ev.add(used, end, 0, FIN | ACK)
    ev.add(used, end + 150_000, 1, FIN | ACK)
    ev.add(used, end + 150_000 + rtt_ns[used] + 20_000, 0, ACK)
    ev.write(b, p, label)
    b.fact(connections=int(used.size), source_hosts=n_clients)


def _text(hi, lo) -> str:
    import ipaddress

    value = (int(hi) << 64) | int(lo)
    addr = ipaddress.IPv6Address(value)
    return str(addr.ipv4_mapped or addr)
