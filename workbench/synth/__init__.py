"""Labelled attack scenarios written as pcap/pcapng, with their ground truth.

from workbench import synth
truth = synth.write("mailprovider-2015", "mp.pcapng", seed=1)
# beside it: mp.truth.json (phases, vectors, targets) and mp.labels.parquet (one row per packet)
"""

from __future__ import annotations

import ipaddress
import itertools
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import polars as pl
from numba import njit

from workbench.capture.schema import PROTO_TCP
from workbench.formatting import iso
from workbench.synth import attacks, benign_traffic, frames, sessions, sources
from workbench.synth.builder import Builder, Pools
from workbench.synth.scenarios import SCENARIOS, Attack, Scenario
from workbench.synth.vectors import VECTOR_SPECS

VOCABULARY: list[str] = list(VECTOR_SPECS)
BUFFER_NS = 50_000_000  # the bottleneck queue holds 50 ms of traffic
RETRANSMIT_NS = 200_000_000

__all__ = [
    "SCENARIOS",
    "VOCABULARY",
    "generate",
    "labels_path",
    "list_scenarios",
    "truth_path",
    "write",
]


def list_scenarios() -> dict[str, str]:
    """Scenario name -> one-line description."""
    return {name: s.description for name, s in SCENARIOS.items()}


def _targets(attack: Attack) -> np.ndarray | tuple[np.ndarray, np.ndarray]:
    """IPv4 targets as integers; IPv6 ones as (hi, lo) arrays."""
    if attack.ipv6:
        pairs = [sources.parse(t) for t in attack.targets]
        return (
            np.array([hi for hi, _ in pairs], dtype=np.uint64),
            np.array([lo for _, lo in pairs], dtype=np.uint64),
        )
    if len(attack.targets) == 1 and "/" in attack.targets[0]:
        net = ipaddress.ip_network(attack.targets[0])
        return np.array([int(h) for h in net.hosts()], dtype=np.int64)
    return np.array([int(ipaddress.IPv4Address(t)) for t in attack.targets], dtype=np.int64)


@njit(cache=True)
def _fifo(ts: np.ndarray, size: np.ndarray, ns_per_byte: float, buffer_ns: int):
    """A drop-tail FIFO in front of the capture point: departure times and the keep-mask."""
    keep = np.ones(ts.shape[0], dtype=np.bool_)
    depart = ts.copy()
    free = ts[0] if ts.shape[0] else 0
    for i in range(ts.shape[0]):
        start = max(ts[i], free)
        if start - ts[i] > buffer_ns:
            keep[i] = False
            continue
        depart[i] = start
        free = start + np.int64(size[i] * ns_per_byte)
    return depart, keep


def tail_drop(
    table: dict[str, np.ndarray], capacity_bps: float
) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Send the packets through a link of ``capacity_bps`` with a 50 ms drop-tail queue.

    The capture point sees what leaves the queue: departure times, never above capacity
    (by more than the one packet being serialised), and the packets the full queue dropped.
    """
    wire = frames.frame_lengths(table)
    depart, keep = _fifo(table["ts"], wire, 8e9 / capacity_bps, BUFFER_NS)
    out = {k: v[keep] for k, v in table.items()}
    out["ts"] = depart[keep]
    return out, keep


def _take(table: dict[str, np.ndarray], mask: np.ndarray) -> dict[str, np.ndarray]:
    return {k: v[mask] for k, v in table.items()}


def _concat_sorted(a: dict, b: dict) -> dict:
    table = {k: np.concatenate([a[k], b[k]]) for k in a}
    order = np.argsort(table["ts"], kind="stable")
    return {k: v[order] for k, v in table.items()}


def generate(name: str, *, seed: int = 0, scale: float = 1.0, duration: float | None = None):
    """Build a scenario in memory: (packet table, templates, truth)."""
    if name not in SCENARIOS:
        raise KeyError(f"unknown scenario {name!r}; have {sorted(SCENARIOS)}")
    sc: Scenario = SCENARIOS[name]
    stretch = (duration / sc.duration) if duration else 1.0
    rng = np.random.default_rng(seed)
    start_ns = (
        int(datetime.fromisoformat(sc.start.replace("Z", "+00:00")).timestamp()) * 1_000_000_000
    )
    b = Builder(rng)
    pools = Pools(rng)
    from workbench.synth.scenarios import RESOLVER, SERVICES, WEB_V6

    # the ordinary baseline: one piece per part of a merged trace, so no session spans a time jump
    cuts = [0.0, *(at for at, _ in sc.time_jumps), sc.duration]
    for a, z in itertools.pairwise(cuts):
        sessions.baseline(b, t0=a * stretch, t1=z * stretch, start_ns=start_ns, sessions_per_s=sc.sessions_per_s * scale,
                         dns_per_s=sc.dns_per_s * scale, services=SERVICES, resolver=RESOLVER, web_v6=WEB_V6)  # fmt: skip
    for index, attack in enumerate(sc.attacks):
        b.current = ("attack", index)
        attacks.vector_block(b, pools, VECTOR_SPECS[attack.vector], t0=attack.start * stretch, t1=attack.end * stretch,
                             pps=attack.pps * scale, targets=_targets(attack), start_ns=start_ns,
                             label=VOCABULARY.index(attack.vector), reflectors=attack.reflectors,
                             attack=attack, scale=scale)  # fmt: skip
    for index, blk in enumerate(sc.traffic):
        b.current = ("traffic", index)
        span = dict(t0=blk.start * stretch, t1=blk.end * stretch, start_ns=start_ns)
        if blk.kind == "bulk":
            benign_traffic.bulk(b, blk, **span, capacity_bps=sc.capacity_bps * scale)
        else:
            benign_traffic.BLOCKS[blk.kind](b, blk, **span, scale=scale)
    table = attacks.fragment(b.table(), relabel=(VOCABULARY.index("icmp_flood"), VOCABULARY.index("ip_fragment_flood")))  # fmt: skip
    if sc.one_way:  # asymmetric routing: the provider's answers leave by another path
        table = _take(table, ~frames.provider_side(table["src_hi"], table["src_lo"]))
    if sc.mitigation:
        at, residue = sc.mitigation
        scrubbed = (table["label"] >= 0) & (table["ts"] >= start_ns + int(at * stretch * 1e9))
        table = _take(table, ~scrubbed | (rng.random(len(scrubbed)) < residue))
        if sc.scrubbing_hops:  # the residue comes the longer way, through the scrubbing center
            late = (table["label"] >= 0) & (table["ts"] >= start_ns + int(at * stretch * 1e9))
            table["ttl"] = np.where(
                late, np.maximum(table["ttl"] - sc.scrubbing_hops, 1), table["ttl"]
            )
    drops = None
    if sc.capacity_bps:
        capacity = sc.capacity_bps * scale
        kept, keep = tail_drop(table, capacity)
        lost = _take(table, ~keep)
        retrans = _take(lost, (lost["label"] < 0) & (lost["proto"] == PROTO_TCP))
        retrans["ts"] = (
            retrans["ts"] + RETRANSMIT_NS + rng.integers(0, 50_000_000, len(retrans["ts"]))
        )
        table, keep_again = tail_drop(_concat_sorted(kept, retrans), capacity)
        drops = int((~keep).sum() + (~keep_again).sum())
    jumps = _jumps(sc, stretch)
    if jumps:
        rel = table["ts"] - start_ns
        for at, by in jumps:
            table["ts"] = table["ts"] + np.where(rel >= at, by, 0)
    phase_edges = np.array([start_ns + _shift(int(p[0] * stretch * 1e9), jumps) for p in sc.phases])
    table["phase"] = np.clip(
        np.searchsorted(phase_edges, table["ts"], side="right") - 1, 0, len(sc.phases) - 1
    )
    truth = _truth(
        sc, seed=seed, scale=scale, stretch=stretch, start_ns=start_ns, drops=drops, table=table,
        facts=b.facts,
    )  # fmt: skip
    return table, b.templates, truth


def _jumps(sc: Scenario, stretch: float) -> list[tuple[int, int]]:
    """(at, by) in ns of the scenario's time jumps: packets from ``at`` on move ``by`` forward."""
    return [(int(at * stretch * 1e9), int(by * 1e9)) for at, by in sc.time_jumps]


def _shift(rel_ns: int, jumps: list[tuple[int, int]], *, end: bool = False) -> int:
    """A scenario time (ns from its start) on the capture's clock; a jump's instant itself ends
    the part before it (``end``) or starts the part after it."""
    return rel_ns + sum(by for at, by in jumps if rel_ns > at or (rel_ns == at and not end))


def _vectors_of(x: Attack) -> list[str]:
    """The vectors an attack's packets are labelled with: an IPv4 ICMP flood of echoes larger
    than a frame also sends the fragments of each (``attacks.fragment``)."""
    sizes = x.sizes or VECTOR_SPECS[x.vector].sizes
    cut = x.vector == "icmp_flood" and not x.ipv6 and max(sizes) > attacks.MAX_UDP_IN_FIRST
    return [x.vector, "ip_fragment_flood"] if cut else [x.vector]


def _vector_truth(x: Attack, facts: dict) -> dict:
    spec = VECTOR_SPECS[x.vector]
    kind = x.sources or spec.sources
    sport = spec.sport if x.sport is None else x.sport
    dport = spec.dport if x.dport is None else x.dport
    out = {"spoofed": kind == "spoofed", "sources": kind, "src_ports": [sport] if sport else [],
           "dst_ports": [dport] if dport else []}  # fmt: skip
    # the variants, only where an attack uses them (the truth of the classic scenarios is unchanged)
    if x.ipv6:
        out["ip_version"] = 6
    if x.src_prefix:
        out["src_prefix"] = x.src_prefix
    if x.ttl_values:
        out["ttl_values"] = x.ttl_values
    if x.sport_step:
        out["src_port_step"] = 1
    if x.ephemeral_share:
        out["ephemeral_src_share"] = x.ephemeral_share
    if x.first_fragments:
        out["first_fragment_share"] = x.first_fragments
    if spec.ext_headers:
        out["ext_headers"] = ["hop_by_hop", "destination_options"]
    if x.sources or x.bots:
        out["distributed"] = kind != "single"
    out.update(facts)
    return out


def _truth(sc: Scenario, *, seed, scale, stretch, start_ns, drops, table, facts=None) -> dict:
    facts = facts or {}
    jumps = _jumps(sc, stretch)

    def t(sec: float, end: bool = False) -> str:
        return iso(start_ns + _shift(int(sec * stretch * 1e9), jumps, end=end))

    phases = []
    for index, (a, z, kind) in enumerate(sc.phases):
        active = [x for x in sc.attacks if x.start < z and x.end > a] if kind != "baseline" else []
        phases.append({
            "index": index, "start": t(a), "end": t(z, True), "kind": kind,
            "vectors": sorted({v for x in active for v in _vectors_of(x)}),
            "targets": sorted({tg for x in active for tg in x.targets}),
        })  # fmt: skip
    vectors = []
    for index, x in enumerate(sc.attacks):
        for vector in _vectors_of(x):
            vectors.append({
                "vector": vector, "start": t(x.start), "end": t(x.end, True), "targets": list(x.targets),
                **_vector_truth(x, facts.get(("attack", index), {})),
            } | ({"fragments_of": x.vector} if vector != x.vector else {}))  # fmt: skip
    counts = np.bincount(table["label"] + 1, minlength=len(VOCABULARY) + 1)
    extra = {}
    if sc.traffic:
        extra["traffic"] = [
            {"kind": blk.kind, "start": t(blk.start), "end": t(blk.end, True),
             **facts.get(("traffic", index), {})}
            for index, blk in enumerate(sc.traffic)
        ]  # fmt: skip
    if sc.time_jumps:
        extra["time_jumps"] = [
            {"at": t(at, True), "resumes": t(at), "seconds": by} for at, by in sc.time_jumps
        ]
    if sc.one_way:
        extra["one_way"] = True
    return {
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "scale": scale,
        "format": sc.fmt,
        "time_compression": sc.time_compression,
        "notes": sc.notes,
        "start": t(0),
        "end": t(sc.duration, True),
        "capacity_bps": sc.capacity_bps * scale if sc.capacity_bps else None,
        "spoofed": {
            x.vector: (x.sources or VECTOR_SPECS[x.vector].sources) == "spoofed" for x in sc.attacks
        },
        "phases": phases,
        "vectors": vectors,
        "targets": sorted({tg for x in sc.attacks for tg in x.targets}),
        "mitigation_start": t(sc.mitigation[0]) if sc.mitigation else None,
        "drops": drops,
        "uplinks": [
            {"mac": _mac_text(mac), "attack": sc.attack_uplink in (None, k)}
            for k, mac in enumerate(frames.UPLINK_MACS)
        ],
        "edge_mac": _mac_text(frames.EDGE_MAC),
        "packets": len(table["ts"]),
        "packets_by_label": {
            ("legit" if k == 0 else VOCABULARY[k - 1]): int(c) for k, c in enumerate(counts) if c
        },
    } | extra


def _mac_text(mac: int) -> str:
    raw = f"{mac:012x}"
    return ":".join(raw[i : i + 2] for i in range(0, 12, 2))


def _stem(path: Path) -> Path:
    name = path.name
    for suffix in (".gz", ".zst", ".pcapng", ".pcap"):
        if name.endswith(suffix):
            name = name[: -len(suffix)]
    return path.with_name(name)


def truth_path(capture: str | Path) -> Path:
    """Where the truth JSON of a written capture lives."""
    return _stem(Path(capture)).with_suffix(".truth.json")


def labels_path(capture: str | Path) -> Path:
    """Where the per-packet labels (Parquet) of a written capture live."""
    return _stem(Path(capture)).with_suffix(".labels.parquet")


def write(scenario: str, path: str | Path, *, seed: int = 0, scale: float = 1.0, fmt: str | None = None,
          duration: float | None = None, snaplen: int | None = None) -> dict:  # fmt: skip
    """Write a scenario as pcap/pcapng plus ``<stem>.truth.json`` and ``<stem>.labels.parquet``; return the truth."""
    path = Path(path)
    table, templates, truth = generate(scenario, seed=seed, scale=scale, duration=duration)
    sc = SCENARIOS[scenario]
    fmt = fmt or ("pcapng" if ".pcapng" in path.name else "pcap")
    truth["format"] = fmt
    truth["snaplen"] = snaplen or sc.snaplen
    frames.write_capture(path, table, templates, fmt=fmt, snaplen=snaplen or sc.snaplen,
                         drops=truth["drops"] if fmt == "pcapng" else None, comment=sc.description,
                         attack_uplink=sc.attack_uplink)  # fmt: skip
    truth["file"] = path.name
    truth_path(path).write_text(json.dumps(truth, indent=2))
    names = np.array(["legit", *VOCABULARY])
    pl.DataFrame({
        "packet": np.arange(len(table["ts"]), dtype=np.int64),
        "label": names[table["label"] + 1],
        "phase": table["phase"].astype(np.int16),
    }).write_parquet(labels_path(path))  # fmt: skip
    return truth
