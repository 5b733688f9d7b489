"""Attack vectors as packet tables: one block per vector (its habits from ``vectors.py``),
variants a scenario asks for (sources, ports, TTLs, IPv6, fragments), HTTP floods and DNS water
torture, and the fragmentation of datagrams larger than one frame."""

from __future__ import annotations

import ipaddress
import struct

import numpy as np

from workbench.synth import conversations, payloads, sources
from workbench.synth.builder import Builder, Pools, ephemeral, times
from workbench.synth.sessions import HTTP_FLOOD_SCRIPT, sessions
from workbench.synth.vectors import VectorSpec

MAX_UDP_IN_FIRST = 1472  # 1500-byte MTU minus IPv4 and UDP headers
FRAGMENT_DATA = 1480
HTTP_FLOOD_BOTS = 40


def gre_inner(
    size: int,
    src: bytes = bytes([10, 0, 0, 1]),
    dst: bytes = bytes([10, 0, 0, 2]),
    sport: int = 40000,
    dport: int = 40001,
) -> bytes:
    """An IPv4/UDP packet of ``size`` bytes as carried inside GRE or VXLAN (valid checksum)."""
    payload = b"\0" * max(0, size - 28)
    udp = struct.pack("!HHHH", sport, dport, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0, src, dst)
    words = sum(struct.unpack("!10H", header))
    while words >> 16:
        words = (words & 0xFFFF) + (words >> 16)
    header = header[:10] + struct.pack("!H", ~words & 0xFFFF) + header[12:]
    return header + udp


def make_template(kind: str, size: int) -> bytes:
    if kind == "gre_inner":
        return gre_inner(size)
    return payloads.TEMPLATES[kind](size)


def fragment(table: dict[str, np.ndarray], relabel: tuple[int, int] | None = None) -> dict[str, np.ndarray]:  # fmt: skip
    """Split IPv4 UDP and ICMP datagrams larger than one 1500-byte frame into fragments (both
    have an 8-byte header). ``relabel`` (from, to): the non-first fragments of a datagram
    labelled ``from`` take the label ``to`` (tshark, not reassembling, calls the first fragment
    of an 8 KB echo an echo request and the others fragments: so does the truth)."""
    big = (
        np.isin(table["proto"], (1, 17))
        & (table["ver"] == 4)
        & (table["l4"] == 1)
        & (table["plen"] > MAX_UDP_IN_FIRST)
    )
    if not big.any():
        return table
    full = table["plen"]
    pieces = np.where(
        big, 1 + np.ceil((full - MAX_UDP_IN_FIRST) / FRAGMENT_DATA).astype(np.int64), 1
    )
    rows = np.repeat(np.arange(len(full)), pieces)
    k = np.arange(len(rows)) - np.repeat(np.cumsum(pieces) - pieces, pieces)  # piece index
    out = {name: col[rows] for name, col in table.items()}
    frag = big[rows]
    offset = np.where(k == 0, 0, MAX_UDP_IN_FIRST + (k - 1) * FRAGMENT_DATA)
    total = full[rows]
    out["tpl_off"] = np.where(frag, offset, out["tpl_off"])
    out["plen"] = np.where(
        frag,
        np.where(k == 0, MAX_UDP_IN_FIRST, np.minimum(FRAGMENT_DATA, total - offset)),
        out["plen"],
    )
    out["l4"] = np.where(frag & (k > 0), 0, out["l4"])
    out["frag_off"] = np.where(frag & (k > 0), (8 + offset) // 8, out["frag_off"])
    out["mf"] = np.where(frag, (k < pieces[rows] - 1).astype(np.int64), out["mf"])
    out["df"] = np.where(frag, 0, out["df"])
    out["ts"] = out["ts"] + k * 2_000  # fragments follow each other by a couple of µs
    if relabel is not None:
        was, now = relabel
        out["label"] = np.where(frag & (k > 0) & (out["label"] == was), now, out["label"])
    return out


def _v6_targets(targets) -> bool:
    return isinstance(targets, tuple)


def vector_block(b: Builder, pools: Pools, spec: VectorSpec, *, t0: float, t1: float, pps: float,
                 targets: np.ndarray | tuple[np.ndarray, np.ndarray], start_ns: int, label: int,
                 reflectors: int = 1500, attack=None, scale: float = 1.0) -> None:  # fmt: skip
    """All packets of one vector between t0 and t1 (seconds) at ``pps`` toward ``targets``.

    ``targets``: IPv4 integers, or (hi, lo) arrays for IPv6. ``attack``: the scenario's
    ``Attack`` when it overrides the vector's habits (sources, ports, TTLs, fragments).
    """
    if attack is not None and _is_variant(spec, attack, targets):
        _variant_block(b, pools, spec, t0=t0, t1=t1, pps=pps, targets=targets, start_ns=start_ns,
                       label=label, reflectors=reflectors, attack=attack, scale=scale)  # fmt: skip
        return
    rng = b.rng
    n = int(rng.poisson(pps * (t1 - t0)))
    if n == 0:
        return
    ts = times(rng, t0, t1, n, start_ns)
    dst = rng.choice(targets, n)
    if spec.name == "http_flood":
        clients = attack.bots if attack is not None and attack.bots else HTTP_FLOOD_BOTS
        port = attack.dport if attack is not None and attack.dport else 80
        if attack is not None and attack.connections:  # requests on keep-alive connections
            conversations.keepalive_http_flood(b, pools, ts, dst, label, clients=clients, port=port,
                                               connections=attack.connections,
                                               answered=not attack.unanswered)  # fmt: skip
        else:
            _http_flood(b, pools, ts, dst, label, clients, port)
        return
    if spec.name == "dns_water_torture":
        single = attack is not None and attack.sources == "single"
        _water_torture(b, pools, ts, dst, label, single=single)
        return
    if spec.sources == "reflectors":
        pool, ttls = pools.reflector_pool(spec.name, reflectors)
        weights = 1.0 / np.arange(1, len(pool) + 1) ** 0.6  # some reflectors answer far more
        pick = rng.choice(len(pool), n, p=weights / weights.sum())
        src, ttl = pool[pick], ttls[pick]
    elif spec.sources == "spoofed":
        src, ttl = sources.spoofed(rng, n), sources.bot_ttls(rng, n)
    else:
        pool, ttls = pools.botnet()
        pick = rng.integers(0, len(pool), n)
        src, ttl = pool[pick], ttls[pick]
    tpl_ids = np.array(
        [
            b.template((spec.template, s), lambda s=s: make_template(spec.template, s))
            for s in spec.sizes
        ]
    )
    tpl = rng.choice(tpl_ids, n)
    src_hi, src_lo = sources.v4(src)
    dst_hi, dst_lo = sources.v4(dst)
    cols = dict(ts=ts, src_hi=src_hi, src_lo=src_lo, dst_hi=dst_hi, dst_lo=dst_lo, proto=spec.proto, ttl=ttl,
                tpl=tpl, label=label, tcp_flags=spec.tcp_flags, icmp_type=spec.icmp_type)  # fmt: skip
    cols["sport"] = spec.sport if spec.sport else ephemeral(rng, n)
    cols["dport"] = spec.dport if spec.dport else ephemeral(rng, n)
    if spec.protocols:
        cols["proto"] = rng.choice(np.array(spec.protocols), n)
    if spec.proto == 6:
        cols["seq"] = rng.integers(0, 1 << 32, n)
        cols["ack"] = np.where(spec.tcp_flags & 0x10, rng.integers(0, 1 << 32, n), 0)
    if spec.proto == 1:
        cols["sport"] = rng.integers(0, 65536, n)  # ICMP echo identifier
        cols["dport"] = np.arange(n) % 65536  # echo sequence
    if spec.nonfirst_fragments:
        cols["l4"] = 0
        cols["frag_off"] = rng.integers(185, 7000, n)
        cols["mf"] = rng.integers(0, 2, n)
        cols["plen"] = b.tpl_len(tpl)
    b.add(**cols)


_VARIANT_FIELDS = (
    "sources",
    "src_prefix",
    "ttl_values",
    "bots",
    "sport",
    "sport_range",
    "dport",
    "tcp_flags",
    "sizes",
    "icmp_type",
    "protocols",
    "template",
    "answer",
    "ttl",
)


def _is_variant(spec: VectorSpec, attack, targets) -> bool:
    """Whether ``attack`` asks for anything the historical block above does not write."""
    return (
        _v6_targets(targets)
        or spec.ext_headers
        or spec.name == "slow_http"
        or any(
            getattr(attack, f) is not None
            for f in _VARIANT_FIELDS
            if not (f in ("bots", "dport") and spec.name == "http_flood")
            and not (f == "sources" and spec.name == "dns_water_torture")
        )  # its clients and port, water torture's one host: below
        or attack.sport_step
        or attack.reset
        or attack.port_zero
        or attack.ephemeral_share > 0
        or attack.first_fragments > 0
    )


def senders(b: Builder, pools: Pools, spec: VectorSpec, attack, n: int, *, v6: bool,
            reflectors: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:  # fmt: skip
    """(src_hi, src_lo, ttl, sender index) of ``n`` packets of ``attack``: the index names the
    reflector / bot of each packet (-1 for spoofed sources)."""
    rng = b.rng
    kind = attack.sources or spec.sources
    if kind == "reflectors":
        hi, lo, ttls = pools.hosts(("reflectors", spec.name, v6, reflectors, attack.ttl_values),
                                   reflectors, v6=v6, ttl_values=attack.ttl_values)  # fmt: skip
        weights = 1.0 / np.arange(1, len(hi) + 1) ** 0.6  # some reflectors answer far more
        pick = rng.choice(len(hi), n, p=weights / weights.sum())
        return hi[pick], lo[pick], ttls[pick], pick
    if kind == "spoofed":
        if attack.src_prefix:
            hi, lo = sources.in_prefix(rng, n, attack.src_prefix)
        elif v6:
            hi, lo = sources.spoofed_v6(rng, n)
        else:
            hi, lo = sources.v4(sources.spoofed(rng, n))
        if attack.ttl_values:
            values = sources.ttl_set(rng, attack.ttl_values)
            ttl = values[np.arange(n) % len(values)]
            ttl = ttl[rng.permutation(n)]
        else:
            ttl = sources.bot_ttls(rng, n)
        return hi, lo, ttl, np.full(n, -1)
    if kind == "single":
        if attack.src_prefix:  # the host at an address of its own (a neighbour on the LAN)
            hi, lo = sources.in_prefix(rng, 1, attack.src_prefix)
            ttls = sources.stable_ttls(rng, 1)
        else:
            hi, lo, ttls = pools.hosts(("single", spec.name, attack.start, v6), 1, v6=v6)
        return np.repeat(hi, n), np.repeat(lo, n), np.repeat(ttls, n), np.zeros(n, np.int64)
    size = attack.bots or 600
    hi, lo, ttls = pools.hosts(("bots", v6, size, attack.ttl_values), size, v6=v6,
                               ttl_values=attack.ttl_values)  # fmt: skip
    pick = rng.integers(0, size, n)
    return hi[pick], lo[pick], ttls[pick], pick


def _variant_block(b: Builder, pools: Pools, spec: VectorSpec, *, t0: float, t1: float, pps: float,
                   targets, start_ns: int, label: int, reflectors: int, attack, scale: float) -> None:  # fmt: skip
    rng = b.rng
    v6 = _v6_targets(targets)
    if spec.name == "slow_http":
        held = conversations.slow_read if attack.slow_read else conversations.slowloris
        held(b, pools, spec, attack, t0=t0, t1=t1, targets=targets,
                                start_ns=start_ns, label=label, scale=scale)  # fmt: skip
        return
    if spec.name in ("http_flood", "dns_water_torture"):
        raise ValueError(f"{spec.name} takes no variants here")
    if spec.ext_headers and not v6:
        raise ValueError(f"{spec.name} needs IPv6 targets")
    n = int(rng.poisson(pps * (t1 - t0)))
    if n == 0:
        return
    ts = times(rng, t0, t1, n, start_ns)
    if v6:
        k = rng.integers(0, len(targets[0]), n)
        dst_hi, dst_lo = targets[0][k], targets[1][k]
    else:
        dst_hi, dst_lo = sources.v4(rng.choice(targets, n))
    src_hi, src_lo, ttl, who = senders(b, pools, spec, attack, n, v6=v6, reflectors=reflectors)
    if attack.ttl is not None:
        ttl = np.full(n, attack.ttl)
    sizes = attack.sizes or spec.sizes
    sizes = tuple(min(s, 1400) for s in sizes) if v6 else sizes
    flags = spec.tcp_flags if attack.tcp_flags is None else attack.tcp_flags
    kind = attack.template or spec.template
    tpl_ids = np.array([b.template((kind, s), lambda s=s: make_template(kind, s))
                        for s in sizes])  # fmt: skip
    tpl = rng.choice(tpl_ids, n)
    proto = spec.proto
    icmp_type = spec.icmp_type if attack.icmp_type is None else attack.icmp_type
    if v6 and proto == 1:
        proto, icmp_type = 58, {8: 128, 0: 129}.get(icmp_type, icmp_type)  # ICMPv6 echo
    cols = dict(ts=ts, ver=6 if v6 else 4, src_hi=src_hi, src_lo=src_lo, dst_hi=dst_hi, dst_lo=dst_lo,
                proto=proto, ttl=ttl, tpl=tpl, label=label, tcp_flags=flags, icmp_type=icmp_type)  # fmt: skip
    protocols = spec.protocols if attack.protocols is None else attack.protocols
    if protocols:
        cols["proto"] = rng.choice(np.array(protocols), n)
    sport = spec.sport if attack.sport is None else attack.sport
    dport = spec.dport if attack.dport is None else attack.dport
    single = (attack.sources or spec.sources) == "single"
    if attack.sport_step:
        cols["sport"] = 1024 + (int(rng.integers(0, 64512)) + np.arange(n)) % 64512
    elif attack.sport_range:
        cols["sport"] = rng.integers(attack.sport_range[0], attack.sport_range[1] + 1, n)
    else:
        cols["sport"] = sport if sport else ephemeral(rng, n)
    cols["dport"] = dport if dport else ephemeral(rng, n)
    if attack.port_zero:
        cols["sport"] = cols["dport"] = 0
    if attack.ephemeral_share > 0:
        # some reflectors answer from a random high port instead of the service's port
        size = int(who.max()) + 1 if (who >= 0).any() else 1
        moved = (rng.random(max(size, reflectors)) < attack.ephemeral_share)[np.maximum(who, 0)]
        cols["sport"] = np.where(moved, ephemeral(rng, n), cols["sport"])
    if proto == 6:
        cols["seq"] = rng.integers(0, 1 << 32, n)
        cols["ack"] = np.where(flags & 0x10, rng.integers(0, 1 << 32, n), 0)
    if proto in (1, 58):
        # echo identifier: one per flooding process for a single host, random otherwise
        cols["sport"] = int(rng.integers(0, 65536)) if single else rng.integers(0, 65536, n)
        cols["dport"] = np.arange(n) % 65536  # echo sequence
    if spec.ext_headers:
        cols["ext"] = rng.choice(np.array([1, 2, 3]), n)  # hop-by-hop, dest-options, or both
    if v6:
        cols["ip_id"] = rng.integers(0, 1 << 32, n)  # the IPv6 fragment id is 32 bits
    if spec.nonfirst_fragments:
        size = int(sizes[0])
        cols["l4"] = 0
        cols["frag_off"] = rng.integers(185, 7000, n)
        cols["mf"] = rng.integers(0, 2, n)
        cols["plen"] = b.tpl_len(tpl)
        if attack.first_fragments > 0:
            # first fragments: offset 0, more-fragments, the L4 header of a datagram twice as big
            first = rng.random(n) < attack.first_fragments
            head = MAX_UDP_IN_FIRST if not v6 else size
            big = b.template((spec.template, 2 * head + 8),
                             lambda: make_template(spec.template, 2 * head + 8))  # fmt: skip
            cols["l4"] = np.where(first, 1, 0)
            cols["frag_off"] = np.where(first, 0, cols["frag_off"])
            cols["mf"] = np.where(first, 1, cols["mf"])
            cols["tpl"] = np.where(first, big, tpl)
            cols["plen"] = np.where(first, head, cols["plen"])
    b.add(**cols)
    if attack.answer:  # the target answers each, 0.1-1 ms later, from the port it came to
        reply = b.template((attack.answer, 0), lambda: make_template(attack.answer, 100))
        b.add(ts=cols["ts"] + rng.integers(100_000, 1_000_000, n), ver=cols["ver"], src_hi=dst_hi,
              src_lo=dst_lo, dst_hi=src_hi, dst_lo=src_lo, proto=proto, sport=cols["dport"],
              dport=cols["sport"], ttl=64, tpl=reply)  # fmt: skip
    if attack.reset and proto == 6:  # the target's SYN-ACK, and the sender's RST
        synack = cols["ts"] + rng.integers(100_000, 1_000_000, n)
        b.add(ts=synack, ver=cols["ver"], src_hi=dst_hi, src_lo=dst_lo, dst_hi=src_hi, dst_lo=src_lo,
              proto=6, sport=cols["dport"], dport=cols["sport"], ttl=64, tcp_flags=0x12,
              seq=rng.integers(0, 1 << 32, n), ack=(cols["seq"] + 1) % (1 << 32))  # fmt: skip
        b.add(ts=synack + rng.integers(100_000, 1_000_000, n), ver=cols["ver"], src_hi=src_hi,
              src_lo=src_lo, dst_hi=dst_hi, dst_lo=dst_lo, proto=6, sport=cols["sport"],
              dport=cols["dport"], ttl=ttl, tcp_flags=0x04, seq=(cols["seq"] + 1) % (1 << 32))  # fmt: skip
    if single:
        addr = ipaddress.IPv6Address((int(src_hi[0]) << 64) | int(src_lo[0]))
        b.fact(source=str(addr.ipv4_mapped or addr), ttl=int(ttl[0]))
    if attack.ttl_values:
        b.fact(ttl_values=int(np.unique(ttl).size))


def _http_flood(b: Builder, pools: Pools, ts: np.ndarray, dst: np.ndarray, label: int,
                clients: int = HTTP_FLOOD_BOTS, port: int = 80) -> None:  # fmt: skip
    rng = b.rng
    pool, ttls = pools.botnet()
    # an HTTP flood's bots keep requesting through it (each sends tens of requests a minute),
    # unlike a flash crowd's visitors who load a page and leave; ``clients`` of them (1: HULK
    # from one host, a connection per request)
    pick = rng.integers(0, min(len(pool), clients), len(ts))
    gets = [b.template(("get", k), lambda k=k: payloads.http_get("www.mailprovider.example", f"/?{k:05x}", payloads.USER_AGENTS[k % 3]))
            for k in range(24)]  # fmt: skip
    resp = [
        b.template(
            ("resp", 0), lambda: b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
        )
    ]
    sessions(b, ts=ts, client=pool[pick], client_ttl=ttls[pick], server=dst, dport=port, script=HTTP_FLOOD_SCRIPT,
             payload_keys={"get": gets, "resp": resp}, label=label)  # fmt: skip


def _water_torture(b: Builder, pools: Pools, ts: np.ndarray, dst: np.ndarray, label: int, *,
                   single: bool = False) -> None:  # fmt: skip
    """Queries for random names under the provider's zone, from the botnet (through its
    resolvers), or from one host (``single``: dnsperf, a flood script)."""
    rng = b.rng
    if single:
        hi, lo, ttls = pools.hosts(("single", "dns_water_torture", False), 1, v6=False)
        pick = np.zeros(len(ts), np.int64)
    else:
        pool, bot_ttls = pools.botnet()
        pick = rng.integers(0, len(pool), len(ts))
        (hi, lo), ttls = sources.v4(pool), bot_ttls
    names = rng.integers(0, 36, (512, 12))
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    tpls = [b.template(("wt", k), lambda k=k: payloads.dns_query("".join(alphabet[names[k]]) + "." + payloads.ZONE, 1, k))
            for k in range(512)]  # fmt: skip
    tpl = rng.choice(np.array(tpls), len(ts))
    dst_hi, dst_lo = sources.v4(dst)
    b.add(ts=ts, src_hi=hi[pick], src_lo=lo[pick], dst_hi=dst_hi, dst_lo=dst_lo, proto=17, sport=ephemeral(rng, len(ts)),
          dport=53, ttl=ttls[pick], tpl=tpl, label=label)  # fmt: skip
