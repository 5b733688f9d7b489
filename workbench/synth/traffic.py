"""Building blocks: attack vectors, TCP sessions and baseline traffic as packet tables.

Every block returns NumPy columns (``frames.COLUMNS``) for all its packets at once;
nothing loops per packet in Python.
"""

from __future__ import annotations

import ipaddress
import struct
from dataclasses import dataclass, field

import numpy as np

from workbench.synth import payloads, sources
from workbench.synth.frames import COLUMNS
from workbench.synth.vectors import VectorSpec

NS = 1_000_000_000
MAX_UDP_IN_FIRST = 1472  # 1500-byte MTU minus IPv4 and UDP headers
FRAGMENT_DATA = 1480


@dataclass
class Builder:
    """Collects packet tables and the payload templates they refer to."""

    rng: np.random.Generator
    templates: list[bytes] = field(default_factory=lambda: [b""])
    _index: dict = field(default_factory=dict)
    parts: list[dict[str, np.ndarray]] = field(default_factory=list)
    facts: dict = field(default_factory=dict)  # block key -> figures the truth reports
    current: object = None  # the key of the block being built

    def fact(self, **figures) -> None:
        """Record figures of the block being built (single attacker, connections...) for the truth."""
        self.facts.setdefault(self.current, {}).update(figures)

    def template(self, key, make) -> int:
        if key not in self._index:
            self._index[key] = len(self.templates)
            self.templates.append(make())
        return self._index[key]

    def tpl_len(self, ids: np.ndarray) -> np.ndarray:
        lengths = np.array([len(t) for t in self.templates], dtype=np.int64)
        return lengths[ids]

    def add(self, **cols) -> None:
        n = len(cols["ts"])
        defaults = {
            "ver": 4,
            "src_hi": 0,
            "dst_hi": 0,
            "ttl": 64,
            "l4": 1,
            "label": -1,
            "phase": -1,
        }
        table = {}
        for name in COLUMNS:
            value = cols.get(name, defaults.get(name, 0))
            arr = np.asarray(value)
            table[name] = np.broadcast_to(arr, (n,)).astype(
                np.uint64 if name.endswith(("_hi", "_lo")) else np.int64
            )
        if "ip_id" not in cols:
            table["ip_id"] = self.rng.integers(0, 65536, n)
        if "plen" not in cols:
            table["plen"] = self.tpl_len(table["tpl"])
        self.parts.append(table)

    def table(self) -> dict[str, np.ndarray]:
        if not self.parts:
            return {
                name: np.zeros(0, np.uint64 if name.endswith(("_hi", "_lo")) else np.int64)
                for name in COLUMNS
            }
        table = {name: np.concatenate([p[name] for p in self.parts]) for name in COLUMNS}
        order = np.argsort(table["ts"], kind="stable")
        return {name: col[order] for name, col in table.items()}


def _times(rng: np.random.Generator, t0: float, t1: float, n: int, start_ns: int) -> np.ndarray:
    return start_ns + np.sort(rng.uniform(t0, t1, n) * NS).astype(np.int64)


# ports in the dynamic range that Wireshark dissects by number (tshark -G decodes): never drawn,
# so random ports do not make tshark parse a flood's bytes as some unrelated protocol
_DISSECTED = np.array([34962, 34980, 37008, 41170, 44321, 44322, 44818, 45564, 47000, 47808, 48049, 48898,
                       49999, 54328, 56000, 56001, 56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501,
                       57532, 57533, 59000, 59001, 59032, 59033, 59500, 59501, 59532, 59533, 60001])  # fmt: skip
_QUIET_PORTS = np.setdiff1d(np.arange(32768, 61000), _DISSECTED)


def _ephemeral(rng: np.random.Generator, n: int) -> np.ndarray:
    """Client/ephemeral ports (the Linux range), skipping ports Wireshark decodes by number."""
    return rng.choice(_QUIET_PORTS, n)


def gre_inner(size: int) -> bytes:
    """An IPv4/UDP packet of ``size`` bytes as carried inside GRE (valid checksum)."""
    payload = b"\0" * max(0, size - 28)
    udp = struct.pack("!HHHH", 40000, 40001, 8 + len(payload), 0) + payload
    header = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(udp), 1, 0, 64, 17, 0,
                         bytes([10, 0, 0, 1]), bytes([10, 0, 0, 2]))  # fmt: skip
    words = sum(struct.unpack("!10H", header))
    while words >> 16:
        words = (words & 0xFFFF) + (words >> 16)
    header = header[:10] + struct.pack("!H", ~words & 0xFFFF) + header[12:]
    return header + udp


def make_template(kind: str, size: int) -> bytes:
    if kind == "gre_inner":
        return gre_inner(size)
    return payloads.TEMPLATES[kind](size)


@dataclass
class Pools:
    """Address populations shared across a scenario's blocks (stable per seed)."""

    rng: np.random.Generator
    reflectors: dict = field(default_factory=dict)
    bots: tuple[np.ndarray, np.ndarray] | None = None
    variants: dict = field(default_factory=dict)

    def reflector_pool(self, vector: str, n: int) -> tuple[np.ndarray, np.ndarray]:
        if vector not in self.reflectors:
            self.reflectors[vector] = (
                sources.public_pool(self.rng, n),
                sources.stable_ttls(self.rng, n),
            )
        return self.reflectors[vector]

    def botnet(self, n: int = 600) -> tuple[np.ndarray, np.ndarray]:
        if self.bots is None:
            self.bots = (sources.public_pool(self.rng, n), sources.stable_ttls(self.rng, n))
        return self.bots

    def hosts(self, key: tuple, n: int, *, v6: bool, ttl_values: int | None = None) -> tuple:
        """A population of ``n`` real hosts (hi, lo, ttl), one per ``key``: bots of a variant
        botnet, an IPv6 reflector pool, a single flooding host. With ``ttl_values`` the hosts'
        TTLs take exactly that many distinct values (every value held by some host)."""
        if key not in self.variants:
            rng = self.rng
            hi, lo = (
                sources.public_pool_v6(rng, n) if v6 else sources.v4(sources.public_pool(rng, n))
            )
            if ttl_values:
                values = sources.ttl_set(rng, ttl_values)
                ttl = values[rng.permutation(n) % ttl_values] if n >= ttl_values else values[:n]
            else:
                ttl = sources.stable_ttls(rng, n)
            self.variants[key] = (hi, lo, ttl)
        return self.variants[key]


def fragment(table: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Split IPv4 UDP datagrams larger than one 1500-byte frame into fragments."""
    big = (
        (table["proto"] == 17)
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
    ts = _times(rng, t0, t1, n, start_ns)
    dst = rng.choice(targets, n)
    if spec.name == "http_flood":
        _http_flood(b, pools, ts, dst, label)
        return
    if spec.name == "dns_water_torture":
        _water_torture(b, pools, ts, dst, label)
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
    cols["sport"] = spec.sport if spec.sport else _ephemeral(rng, n)
    cols["dport"] = spec.dport if spec.dport else _ephemeral(rng, n)
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
    "dport",
    "tcp_flags",
    "sizes",
)


def _is_variant(spec: VectorSpec, attack, targets) -> bool:
    """Whether ``attack`` asks for anything the historical block above does not write."""
    return (
        _v6_targets(targets)
        or spec.ext_headers
        or spec.name == "slow_http"
        or any(getattr(attack, f) is not None for f in _VARIANT_FIELDS)
        or attack.sport_step
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
        from workbench.synth import flows

        flows.slowloris(b, pools, spec, attack, t0=t0, t1=t1, targets=targets, start_ns=start_ns,
                        label=label, scale=scale)  # fmt: skip
        return
    if spec.name in ("http_flood", "dns_water_torture"):
        raise ValueError(f"{spec.name} takes no variants here")
    if spec.ext_headers and not v6:
        raise ValueError(f"{spec.name} needs IPv6 targets")
    n = int(rng.poisson(pps * (t1 - t0)))
    if n == 0:
        return
    ts = _times(rng, t0, t1, n, start_ns)
    if v6:
        k = rng.integers(0, len(targets[0]), n)
        dst_hi, dst_lo = targets[0][k], targets[1][k]
    else:
        dst_hi, dst_lo = sources.v4(rng.choice(targets, n))
    src_hi, src_lo, ttl, who = senders(b, pools, spec, attack, n, v6=v6, reflectors=reflectors)
    sizes = attack.sizes or spec.sizes
    sizes = tuple(min(s, 1400) for s in sizes) if v6 else sizes
    flags = spec.tcp_flags if attack.tcp_flags is None else attack.tcp_flags
    tpl_ids = np.array([b.template((spec.template, s), lambda s=s: make_template(spec.template, s))
                        for s in sizes])  # fmt: skip
    tpl = rng.choice(tpl_ids, n)
    proto, icmp_type = spec.proto, spec.icmp_type
    if v6 and proto == 1:
        proto, icmp_type = 58, 128  # ICMPv6 echo request
    cols = dict(ts=ts, ver=6 if v6 else 4, src_hi=src_hi, src_lo=src_lo, dst_hi=dst_hi, dst_lo=dst_lo,
                proto=proto, ttl=ttl, tpl=tpl, label=label, tcp_flags=flags, icmp_type=icmp_type)  # fmt: skip
    sport = spec.sport if attack.sport is None else attack.sport
    dport = spec.dport if attack.dport is None else attack.dport
    single = (attack.sources or spec.sources) == "single"
    if attack.sport_step:
        cols["sport"] = 1024 + (int(rng.integers(0, 64512)) + np.arange(n)) % 64512
    else:
        cols["sport"] = sport if sport else _ephemeral(rng, n)
    cols["dport"] = dport if dport else _ephemeral(rng, n)
    if attack.ephemeral_share > 0:
        # some reflectors answer from a random high port instead of the service's port
        size = int(who.max()) + 1 if (who >= 0).any() else 1
        moved = (rng.random(max(size, reflectors)) < attack.ephemeral_share)[np.maximum(who, 0)]
        cols["sport"] = np.where(moved, _ephemeral(rng, n), cols["sport"])
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
    if single:
        import ipaddress

        addr = ipaddress.IPv6Address((int(src_hi[0]) << 64) | int(src_lo[0]))
        b.fact(source=str(addr.ipv4_mapped or addr), ttl=int(ttl[0]))
    if attack.ttl_values:
        b.fact(ttl_values=int(np.unique(ttl).size))


# TCP session scripts: (direction 0 client->server / 1 server->client, flags, payload key, delay ms)
Script = list[tuple[int, int, str | None, float]]


def sessions(b: Builder, *, ts: np.ndarray, client: np.ndarray, client_ttl: np.ndarray, server: np.ndarray,
             dport: np.ndarray | int, script: Script, payload_keys: dict[str, list[int]], label: int,
             server_ttl: int = 64, vlan: int = 0, ver: int = 4, client_v6: np.ndarray | None = None,
             server_v6: tuple[int, int] | None = None, rtt_ms: np.ndarray | None = None) -> None:  # fmt: skip
    """Complete TCP sessions following ``script``, one per start time in ``ts``."""
    rng = b.rng
    n = len(ts)
    sport = _ephemeral(rng, n)
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
            if flags & 0x10
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
        b.add(ts=clock, ver=ver, src_hi=s_hi, src_lo=s_lo, dst_hi=d_hi, dst_lo=d_lo, proto=6, sport=sp, dport=dp,
              ttl=ttl, tcp_flags=flags, seq=seq, ack=ack, tpl=tpl, plen=plen, label=label, vlan=vlan, df=1)  # fmt: skip
        seq_rel[:, direction] += plen + (1 if flags & 0x03 else 0)


HTTP_FLOOD_SCRIPT: Script = [
    (0, 0x02, None, 0.0), (1, 0x12, None, 0.5), (0, 0x10, None, 0.5), (0, 0x18, "get", 0.01),
    (1, 0x18, "resp", 0.6), (0, 0x11, None, 0.5), (1, 0x11, None, 0.1), (0, 0x10, None, 0.5),
]  # fmt: skip
LEGIT_SCRIPT: Script = [
    (0, 0x02, None, 0.0), (1, 0x12, None, 0.5), (0, 0x10, None, 0.5), (0, 0x18, "req", 0.05),
    (1, 0x10, None, 0.5), (1, 0x18, "data", 0.2), (1, 0x18, "data", 0.05), (0, 0x10, None, 0.5),
    (1, 0x18, "data", 0.3), (0, 0x11, None, 0.6), (1, 0x11, None, 0.5), (0, 0x10, None, 0.5),
]  # fmt: skip
USER_AGENTS = [
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/46.0",
    "Mozilla/5.0 (compatible; AnonymousDoS)",
    "Wget/1.16",
]


HTTP_FLOOD_BOTS = 40


def _http_flood(b: Builder, pools: Pools, ts: np.ndarray, dst: np.ndarray, label: int) -> None:
    rng = b.rng
    pool, ttls = pools.botnet()
    # an HTTP flood's bots keep requesting through it (each sends tens of requests a minute),
    # unlike a flash crowd's visitors who load a page and leave
    pick = rng.integers(0, min(len(pool), HTTP_FLOOD_BOTS), len(ts))
    gets = [b.template(("get", k), lambda k=k: payloads.http_get("www.mailprovider.example", f"/?{k:05x}", USER_AGENTS[k % 3]))
            for k in range(24)]  # fmt: skip
    resp = [
        b.template(
            ("resp", 0), lambda: b"HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\n\r\n"
        )
    ]
    sessions(b, ts=ts, client=pool[pick], client_ttl=ttls[pick], server=dst, dport=80, script=HTTP_FLOOD_SCRIPT,
             payload_keys={"get": gets, "resp": resp}, label=label)  # fmt: skip


def _water_torture(b: Builder, pools: Pools, ts: np.ndarray, dst: np.ndarray, label: int) -> None:
    rng = b.rng
    pool, ttls = pools.botnet()
    pick = rng.integers(0, len(pool), len(ts))
    names = rng.integers(0, 36, (512, 12))
    alphabet = np.array(list("abcdefghijklmnopqrstuvwxyz0123456789"))
    tpls = [b.template(("wt", k), lambda k=k: payloads.dns_query("".join(alphabet[names[k]]) + "." + payloads.ZONE, 1, k))
            for k in range(512)]  # fmt: skip
    tpl = rng.choice(np.array(tpls), len(ts))
    src_hi, src_lo = sources.v4(pool[pick])
    dst_hi, dst_lo = sources.v4(dst)
    b.add(ts=ts, src_hi=src_hi, src_lo=src_lo, dst_hi=dst_hi, dst_lo=dst_lo, proto=17, sport=_ephemeral(rng, len(ts)),
          dport=53, ttl=ttls[pick], tpl=tpl, label=label)  # fmt: skip


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
        starts = _times(rng, t0, max(t0, t1 - 3), n, start_ns)
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
        ts = _times(rng, t0, t1, m, start_ns)
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
        sport = _ephemeral(rng, m)
        c_hi, c_lo = sources.v4(clients[pick])
        s_hi, s_lo = sources.v4(np.full(m, sources.parse_v4(resolver)))
        b.add(ts=ts, src_hi=c_hi, src_lo=c_lo, dst_hi=s_hi, dst_lo=s_lo, proto=17, sport=sport, dport=53,
              ttl=client_ttl[pick], tpl=np.array(q)[which])  # fmt: skip
        b.add(ts=ts + 300_000, src_hi=s_hi, src_lo=s_lo, dst_hi=c_hi, dst_lo=c_lo, proto=17, sport=53, dport=sport,
              ttl=64, tpl=np.array(r)[which])  # fmt: skip
