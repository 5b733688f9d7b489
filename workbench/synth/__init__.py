"""Labelled attack scenarios written as pcap/pcapng, with their ground truth.

from workbench import synth
truth = synth.write("mailprovider-2015", "mp.pcapng", seed=1)
# beside it: mp.truth.json (phases, vectors, targets) and mp.labels.parquet (one row per packet)
"""

from __future__ import annotations

import ipaddress
import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
from numba import njit

from workbench.synth import frames, traffic
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


def _iso(ns: int) -> str:
    sec, rest = divmod(int(ns), 1_000_000_000)
    return datetime.fromtimestamp(sec, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{rest:09d}Z"


def _targets(attack: Attack) -> np.ndarray:
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
    b = traffic.Builder(rng)
    pools = traffic.Pools(rng)
    from workbench.synth.scenarios import RESOLVER, SERVICES, WEB_V6

    traffic.baseline(b, t0=0, t1=sc.duration * stretch, start_ns=start_ns, sessions_per_s=sc.sessions_per_s * scale,
                     dns_per_s=sc.dns_per_s * scale, services=SERVICES, resolver=RESOLVER, web_v6=WEB_V6)  # fmt: skip
    for attack in sc.attacks:
        traffic.vector_block(b, pools, VECTOR_SPECS[attack.vector], t0=attack.start * stretch, t1=attack.end * stretch,
                             pps=attack.pps * scale, targets=_targets(attack), start_ns=start_ns,
                             label=VOCABULARY.index(attack.vector), reflectors=attack.reflectors)  # fmt: skip
    table = traffic.fragment(b.table())
    if sc.mitigation:
        at, residue = sc.mitigation
        scrubbed = (table["label"] >= 0) & (table["ts"] >= start_ns + int(at * stretch * 1e9))
        table = _take(table, ~scrubbed | (rng.random(len(scrubbed)) < residue))
    drops = None
    if sc.capacity_bps:
        capacity = sc.capacity_bps * scale
        kept, keep = tail_drop(table, capacity)
        lost = _take(table, ~keep)
        retrans = _take(lost, (lost["label"] < 0) & (lost["proto"] == 6))
        retrans["ts"] = (
            retrans["ts"] + RETRANSMIT_NS + rng.integers(0, 50_000_000, len(retrans["ts"]))
        )
        table, keep_again = tail_drop(_concat_sorted(kept, retrans), capacity)
        drops = int((~keep).sum() + (~keep_again).sum())
    phase_edges = np.array([start_ns + int(p[0] * stretch * 1e9) for p in sc.phases])
    table["phase"] = np.clip(
        np.searchsorted(phase_edges, table["ts"], side="right") - 1, 0, len(sc.phases) - 1
    )
    truth = _truth(
        sc, seed=seed, scale=scale, stretch=stretch, start_ns=start_ns, drops=drops, table=table
    )
    return table, b.templates, truth


def _truth(sc: Scenario, *, seed, scale, stretch, start_ns, drops, table) -> dict:
    def t(sec: float) -> str:
        return _iso(start_ns + int(sec * stretch * 1e9))

    phases = []
    for index, (a, z, kind) in enumerate(sc.phases):
        active = [x for x in sc.attacks if x.start < z and x.end > a] if kind != "baseline" else []
        phases.append({
            "index": index, "start": t(a), "end": t(z), "kind": kind,
            "vectors": sorted({x.vector for x in active}),
            "targets": sorted({tg for x in active for tg in x.targets}),
        })  # fmt: skip
    vectors = []
    for x in sc.attacks:
        spec = VECTOR_SPECS[x.vector]
        vectors.append({
            "vector": x.vector, "start": t(x.start), "end": t(x.end), "targets": list(x.targets),
            "spoofed": spec.sources == "spoofed", "sources": spec.sources,
            "src_ports": [spec.sport] if spec.sport else [], "dst_ports": [spec.dport] if spec.dport else [],
        })  # fmt: skip
    counts = np.bincount(table["label"] + 1, minlength=len(VOCABULARY) + 1)
    return {
        "scenario": sc.name,
        "description": sc.description,
        "seed": seed,
        "scale": scale,
        "format": sc.fmt,
        "time_compression": sc.time_compression,
        "notes": sc.notes,
        "start": t(0),
        "end": t(sc.duration),
        "capacity_bps": sc.capacity_bps * scale if sc.capacity_bps else None,
        "spoofed": {x.vector: VECTOR_SPECS[x.vector].sources == "spoofed" for x in sc.attacks},
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
    }


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
