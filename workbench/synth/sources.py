"""Address populations that behave like their kind.

Reflectors and bots live in public blocks of many regions (so geolocation shows a
plausible spread); each keeps a stable TTL. Spoofed sources are uniform over the
whole IPv4 space with the narrow TTL set of the few machines that send them.
"""

from __future__ import annotations

import numpy as np

# /8s allocated by different RIRs (ARIN, RIPE, APNIC, LACNIC, AFRINIC): public, routed space
PUBLIC_SLASH8 = np.array(
    [24, 50, 63, 66, 67, 68, 71, 73, 98, 108,  # North America (ARIN)
     2, 5, 31, 37, 46, 62, 77, 78, 80, 81, 82, 85, 87, 88, 89, 90, 91, 93, 94, 95, 176, 178, 185, 188, 212, 213, 217,  # Europe (RIPE)
     1, 14, 27, 36, 39, 42, 49, 58, 59, 60, 61, 101, 103, 106, 110, 112, 113, 114, 115, 116, 117, 118, 119, 120, 121, 122, 123, 124, 125, 175, 180, 182, 183, 202, 210, 211, 218, 219, 220, 221, 222, 223,  # Asia-Pacific (APNIC)
     177, 179, 181, 186, 187, 189, 190, 191, 200, 201,  # Latin America (LACNIC)
     41, 102, 105, 154, 196, 197],  # Africa (AFRINIC)
    dtype=np.int64,
)  # fmt: skip
V4_MAPPED = np.uint64(0xFFFF00000000)


def v4(addresses: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(hi, lo) halves of IPv4 integers in the frame's IPv4-mapped encoding."""
    return np.zeros(len(addresses), np.uint64), V4_MAPPED | addresses.astype(np.uint64)


def parse_v4(text: str) -> int:
    a, b, c, d = (int(x) for x in text.split("."))
    return (a << 24) | (b << 16) | (c << 8) | d


def public_pool(rng: np.random.Generator, n: int, slash8: np.ndarray = PUBLIC_SLASH8) -> np.ndarray:
    """``n`` distinct public-looking IPv4 addresses spread over many regions."""
    first = rng.choice(slash8, size=n * 2)
    rest = rng.integers(1 << 8, (1 << 24) - 1, size=n * 2)
    hosts = np.unique((first << 24) | rest)
    rng.shuffle(hosts)
    return hosts[:n]


def stable_ttls(rng: np.random.Generator, n: int) -> np.ndarray:
    """One TTL per host, as observed after a path of 5-25 hops from a 64/128/255 start."""
    start = rng.choice(np.array([64, 128, 255]), size=n, p=[0.55, 0.35, 0.10])
    return start - rng.integers(5, 26, size=n)


def spoofed(rng: np.random.Generator, n: int) -> np.ndarray:
    """Uniformly random IPv4 sources (what spoofing bots send)."""
    return rng.integers(0, 1 << 32, size=n, dtype=np.int64)


def bot_ttls(rng: np.random.Generator, n: int, bots: int = 4) -> np.ndarray:
    """The narrow TTL set of a few spoofing machines."""
    ttl_set = stable_ttls(rng, bots)
    return rng.choice(ttl_set, size=n)


# IPv6: global unicast /12s of the five RIRs (APNIC, ARIN, LACNIC, RIPE, AFRINIC), as the top 16 bits
PUBLIC_V6_TOP16 = np.array([0x2400, 0x2600, 0x2800, 0x2A00, 0x2C00], dtype=np.uint64)
_MASK64 = (1 << 64) - 1


def parse(text: str) -> tuple[int, int]:
    """(hi, lo) of an IPv4 (IPv4-mapped) or IPv6 address in text."""
    import ipaddress

    addr = ipaddress.ip_address(text)
    if addr.version == 4:
        return 0, int(V4_MAPPED) | int(addr)
    return int(addr) >> 64, int(addr) & _MASK64


def public_pool_v6(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` distinct public-looking IPv6 hosts spread over the RIRs' /12s."""
    top = rng.choice(PUBLIC_V6_TOP16, n)
    hi = (top << np.uint64(48)) | rng.integers(0, 1 << 52, n).astype(np.uint64)
    lo = rng.integers(1, 1 << 63, n).astype(np.uint64)
    return hi, lo


def spoofed_v6(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniformly random sources in 2000::/3, as a spoofing IPv6 flooder draws them."""
    hi = np.uint64(0x2000 << 48) | rng.integers(0, 1 << 61, n).astype(np.uint64)
    lo = rng.integers(0, 1 << 63, n).astype(np.uint64) << np.uint64(1)
    return hi, lo | rng.integers(0, 2, n).astype(np.uint64)


def in_prefix(rng: np.random.Generator, n: int, prefix: str) -> tuple[np.ndarray, np.ndarray]:
    """Uniformly random (hi, lo) addresses inside one IPv4 or IPv6 prefix."""
    import ipaddress

    net = ipaddress.ip_network(prefix)
    free = net.max_prefixlen - net.prefixlen
    if net.version == 4:
        base = int(net.network_address)
        return v4(base + rng.integers(0, 1 << free, n, dtype=np.int64))
    base = int(net.network_address)
    lo_bits = min(free, 63)
    hi_bits = max(0, free - 64)
    lo = np.uint64(base & _MASK64) | rng.integers(0, 1 << lo_bits, n).astype(np.uint64)
    hi = np.uint64(base >> 64) | (
        rng.integers(0, 1 << hi_bits, n).astype(np.uint64) if hi_bits else np.uint64(0)
    )
    return np.broadcast_to(hi, (n,)).astype(np.uint64), lo


def ttl_set(rng: np.random.Generator, k: int) -> np.ndarray:
    """``k`` distinct observed TTLs (1-90), each a 64/128/255 start minus 1-30 hops."""
    if not 1 <= k <= 90:
        raise ValueError(f"a botnet's distinct TTLs must be 1-90, not {k}")
    candidates = np.concatenate([start - np.arange(1, 31) for start in (64, 128, 255)])
    return rng.choice(candidates, k, replace=False)
