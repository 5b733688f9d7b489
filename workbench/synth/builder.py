"""The packet table builder every block writes into, the address pools blocks share, and the
times and ports they draw.

Every block returns NumPy columns (``frames.COLUMNS``) for all its packets at once;
nothing loops per packet in Python.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from workbench.synth import sources
from workbench.synth.frames import COLUMNS, TCP_WINDOW

NS = 1_000_000_000


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
            "win": TCP_WINDOW,
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


def times(rng: np.random.Generator, t0: float, t1: float, n: int, start_ns: int) -> np.ndarray:
    return start_ns + np.sort(rng.uniform(t0, t1, n) * NS).astype(np.int64)


# ports in the dynamic range that Wireshark dissects by number (tshark -G decodes): never drawn,
# so random ports do not make tshark parse a flood's bytes as some unrelated protocol
_DISSECTED = np.array([34962, 34980, 37008, 41170, 44321, 44322, 44818, 45564, 47000, 47808, 48049, 48898,
                       49999, 54328, 56000, 56001, 56500, 56501, 57000, 57001, 57032, 57033, 57500, 57501,
                       57532, 57533, 59000, 59001, 59032, 59033, 59500, 59501, 59532, 59533, 60001])  # fmt: skip
QUIET_PORTS = np.setdiff1d(np.arange(32768, 61000), _DISSECTED)


def ephemeral(rng: np.random.Generator, n: int) -> np.ndarray:
    """Client/ephemeral ports (the Linux range), skipping ports Wireshark decodes by number."""
    return rng.choice(QUIET_PORTS, n)


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
