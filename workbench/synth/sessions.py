"""Complete TCP sessions following a script, and the ordinary baseline every scenario carries
(mail and web sessions, some over IPv6, mail on a VLAN, and DNS lookups)."""

from __future__ import annotations

import ipaddress

import numpy as np

from workbench.capture.schema import PROTO_TCP, PROTO_UDP, TCP_ACK, TCP_FIN, TCP_PSH, TCP_SYN
from workbench.synth import payloads, sources
from workbench.synth.builder import Builder, ephemeral, times

# TCP session scripts: (direction 0 client->server / 1 server->client, flags, payload key, delay ms)
Script = list[tuple[int, int, str | None, float]]


def sessions(b: Builder, *, ts: np.ndarray, client: np.ndarray, client_ttl: np.ndarray, server: np.ndarray,
             dport: np.ndarray | int, script: Script, payload_keys: dict[str, list[int]], label: int,
             server_ttl: int = 64, vlan: int = 0, ver: int = 4, client_v6: np.ndarray | None = None,
             server_v6: tuple[int, int] | None = None, rtt_ms: np.ndarray | None = None) -> None:  # fmt: skip
    """Complete TCP sessions following ``script``, one per start time in ``ts``."""
    rng = b.rng
    n = len(ts)
    sport = ephemeral(rng, n)
    isn = rng.integers(0, 1 << 31, (n, 2))
    rtt = rtt_ms if rtt_ms is not None else rng.uniform(10, 120, n)
    # choose the payload template of each keyed step per session
    chosen = {key: rng.choice(np.array(ids), n) for key, ids in payload_keys.items()}
    lengths = {key: b.tpl_len(ids) for key, ids in chosen.items()}
    seq_rel = np.zeros((n, 2), np.int64)
    clock = ts.astype(np.int64).copy()
    for (
        direction,
        flags,
        key,
        delay,
    ) in script:
        tpl = chosen[key] if key else np.zeros(n, np.int64)
        plen = lengths[key] if key else np.zeros(n, np.int64)
        clock = clock + ((delay * rtt) * 1_000_000).astype(np.int64)
        seq = (isn[:, direction] + seq_rel[:, direction]) % (1 << 32)
        ack = (
            (isn[:, 1 - direction] + seq_rel[:, 1 - direction]) % (1 << 32)
            if flags & TCP_ACK
            else np.zeros(n, np.int64)
        )
        if direction == 0:
            s_hi, s_lo = client_v6 if ver == 6 else sources.v4(client)
            d_hi, d_lo = (
                (np.full(n, server_v6[0], np.uint64), np.full(n, server_v6[1], np.uint64))
                if ver == 6
                else sources.v4(server)
            )
            sp, dp, ttl = sport, dport, client_ttl
        else:
            s_hi, s_lo = (
                (np.full(n, server_v6[0], np.uint64), np.full(n, server_v6[1], np.uint64))
                if ver == 6
                else sources.v4(server)
            )
            d_hi, d_lo = client_v6 if ver == 6 else sources.v4(client)
            sp, dp, ttl = dport, sport, server_ttl
        b.add(ts=clock, ver=ver, src_hi=s_hi, src_lo=s_lo, dst_hi=d_hi, dst_lo=d_lo, proto=PROTO_TCP, sport=sp, dport=dp,
              ttl=ttl, tcp_flags=flags, seq=seq, ack=ack, tpl=tpl, plen=plen, label=label, vlan=vlan, df=1)  # fmt: skip
        seq_rel[:, direction] += plen + (1 if flags & (TCP_SYN | TCP_FIN) else 0)


SYN, ACK, SYN_ACK, PSH_ACK, FIN_ACK = (
    TCP_SYN,
    TCP_ACK,
    TCP_SYN | TCP_ACK,
    TCP_PSH | TCP_ACK,
    TCP_FIN | TCP_ACK,
)
HTTP_FLOOD_SCRIPT: Script = [
    (0, SYN, None, 0.0), (1, SYN_ACK, None, 0.5), (0, ACK, None, 0.5), (0, PSH_ACK, "get", 0.01),
    (1, PSH_ACK, "resp", 0.6), (0, FIN_ACK, None, 0.5), (1, FIN_ACK, None, 0.1), (0, ACK, None, 0.5),
]  # fmt: skip
LEGIT_SCRIPT: Script = [
    (0, SYN, None, 0.0), (1, SYN_ACK, None, 0.5), (0, ACK, None, 0.5), (0, PSH_ACK, "req", 0.05),
    (1, ACK, None, 0.5), (1, PSH_ACK, "data", 0.2), (1, PSH_ACK, "data", 0.05), (0, ACK, None, 0.5),
    (1, PSH_ACK, "data", 0.3), (0, FIN_ACK, None, 0.6), (1, FIN_ACK, None, 0.5), (0, ACK, None, 0.5),
]  # fmt: skip


def baseline(b: Builder, *, t0: float, t1: float, start_ns: int, sessions_per_s: float, dns_per_s: float,
             services: dict[str, list[tuple[str, int, int]]], resolver: str, web_v6: str) -> None:  # fmt: skip
    """Legitimate traffic: mail and web sessions (some IPv6, mail on a VLAN) and DNS lookups."""
    rng = b.rng
    clients = sources.public_pool(rng, 3000)
    client_ttl = sources.stable_ttls(rng, 3000)
    req = [b.template(("req", s), lambda s=s: payloads.pattern(s, 0x41)) for s in (80, 160, 320)]
    data = [
        b.template(("data", s), lambda s=s: payloads.pattern(s, 0x61)) for s in (536, 1200, 1448)
    ]
    flat = [(ip, port, vlan) for group in services.values() for ip, port, vlan in group]
    n = int(rng.poisson(sessions_per_s * (t1 - t0)))
    if n:
        starts = times(rng, t0, max(t0, t1 - 3), n, start_ns)
        which = rng.integers(0, len(flat), n)
        v6 = rng.random(n) < 0.1
        for k, (ip, port, vlan) in enumerate(flat):
            for is6 in (False, True):
                mask = (which == k) & (v6 == is6)
                if not mask.any():
                    continue
                pick = rng.integers(0, len(clients), int(mask.sum()))
                kw = dict(ts=starts[mask], client=clients[pick], client_ttl=client_ttl[pick], dport=port,
                          script=LEGIT_SCRIPT, payload_keys={"req": req, "data": data}, label=-1, vlan=vlan)  # fmt: skip
                if is6:
                    hi = np.full(len(pick), 0x2A02_0120_0000_0000, np.uint64) | rng.integers(
                        0, 1 << 32, len(pick)
                    ).astype(np.uint64)
                    lo = rng.integers(1, 1 << 62, len(pick)).astype(np.uint64)
                    server = int(ipaddress.IPv6Address(web_v6))
                    sessions(b, **kw, server=np.zeros(len(pick), np.int64), ver=6, client_v6=(hi, lo),
                             server_v6=(server >> 64, server & ((1 << 64) - 1)))  # fmt: skip
                else:
                    sessions(b, **kw, server=np.full(len(pick), sources.parse_v4(ip)))
    m = int(rng.poisson(dns_per_s * (t1 - t0)))
    if m:
        ts = times(rng, t0, t1, m, start_ns)
        pick = rng.integers(0, len(clients), m)
        names = ["mail", "www", "smtp", "imap", "autodiscover", "api"]
        q = [
            b.template(
                ("q", k), lambda k=k: payloads.dns_query(f"{names[k]}.{payloads.ZONE}", 1, k)
            )
            for k in range(6)
        ]
        r = [
            b.template(
                ("r", k),
                lambda k=k: payloads.dns_answer(90 + 12 * k, f"{names[k]}.{payloads.ZONE}"),
            )
            for k in range(6)
        ]
        which = rng.integers(0, 6, m)
        sport = ephemeral(rng, m)
        c_hi, c_lo = sources.v4(clients[pick])
        s_hi, s_lo = sources.v4(np.full(m, sources.parse_v4(resolver)))
        b.add(ts=ts, src_hi=c_hi, src_lo=c_lo, dst_hi=s_hi, dst_lo=s_lo, proto=PROTO_UDP, sport=sport, dport=53,
              ttl=client_ttl[pick], tpl=np.array(q)[which])  # fmt: skip
        b.add(ts=ts + 300_000, src_hi=s_hi, src_lo=s_lo, dst_hi=c_hi, dst_lo=c_lo, proto=PROTO_UDP, sport=53, dport=sport,
              ttl=64, tpl=np.array(r)[which])  # fmt: skip
