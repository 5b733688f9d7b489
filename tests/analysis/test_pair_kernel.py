"""Which candidates a verdict names (``pair_kernel``), against the rule written out with Python
sets and ``ipaddress``: a verdict on the host's (target, vector) pair, whole or in the bin; or
on its /24 (IPv4) or /48 (IPv6), whole or in the bin, unless the host's pair is vetoed."""

from __future__ import annotations

import ipaddress
import random

import numpy as np
import polars as pl

from workbench.analysis.vectors.kinds import CANDIDATE
from workbench.analysis.vectors.pair_kernel import named_pairs, pair_table
from workbench.capture.addresses import parse

VECTORS = ["syn_flood", "udp_flood", "dns_amplification", "icmp_flood"]
BINS = [0, 1_000_000_000, 2_000_000_000]


def _addresses(rng: random.Random) -> list[int]:
    """Hosts that share prefixes and low bits: IPv4 in two /24s, IPv6 in two /48s whose hosts
    share their low 64 bits (and one whose high half differs only in the bits the /48 clears)."""
    v4 = [parse(f"198.51.100.{i}") for i in (1, 2, 255)] + [parse(f"203.0.113.{i}") for i in (7, 9)]
    v6 = [
        parse(t) for t in ("2001:db8:1::5", "2001:db8:1:ffff::5", "2001:db8:2::5", "2001:db8:1::6")
    ]
    return v4 + v6 + [parse("::ffff:0:0"), parse("::1"), (1 << 128) - 1, rng.getrandbits(128)]


def _prefix(address: int) -> int:
    ip = ipaddress.IPv6Address(address)
    if ip.ipv4_mapped is not None:
        return parse(
            str(ipaddress.ip_network(f"{ip.ipv4_mapped}/24", strict=False).network_address)
        )
    return int(ipaddress.ip_network(f"{ip}/48", strict=False).network_address)


def _frame(rows: list[tuple], columns: list[str]) -> pl.DataFrame:
    schema = {"dst": pl.UInt128, "dst_net": pl.UInt128, "candidate": CANDIDATE, "bin": pl.Int64}
    return pl.DataFrame(rows, schema={c: schema[c] for c in columns}, orient="row")


def test_named_as_the_sets_say() -> None:
    rng = random.Random(7)
    hosts = _addresses(rng)
    nets = sorted({_prefix(h) for h in hosts})
    pick = lambda items, n: rng.sample(items, min(n, len(items)))  # noqa: E731
    whole = {(h, v) for h in pick(hosts, 5) for v in pick(VECTORS, 2)}
    hot = {(h, v, b) for h in pick(hosts, 5) for v in pick(VECTORS, 2) for b in pick(BINS, 2)}
    veto = {(h, v) for h in pick(hosts, 6) for v in pick(VECTORS, 3)}
    whole_net = {(n, v) for n in pick(nets, 2) for v in pick(VECTORS, 2)}
    hot_net = {(n, v, b) for n in pick(nets, 2) for v in pick(VECTORS, 2) for b in pick(BINS, 1)}
    cand = _frame(
        [(h, v, b) for h in hosts for v in VECTORS for b in BINS for _ in range(2)],
        ["dst", "candidate", "bin"],
    )
    got = named_pairs(
        cand,
        pair_table(_frame(sorted(whole), ["dst", "candidate"]), "dst"),
        pair_table(_frame(sorted(hot), ["dst", "candidate", "bin"]), "dst"),
        pair_table(_frame(sorted(veto), ["dst", "candidate"]), "dst"),
        pair_table(_frame(sorted(whole_net), ["dst_net", "candidate"]), "dst_net"),
        pair_table(_frame(sorted(hot_net), ["dst_net", "candidate", "bin"]), "dst_net"),
    )
    want = []
    for h, v, b in cand.iter_rows():
        host = (h, v) in whole or (h, v, b) in hot
        net = ((_prefix(h), v) in whole_net or (_prefix(h), v, b) in hot_net) and (h, v) not in veto
        want.append(host or net)
    assert got.tolist() == want
    assert 0 < sum(want) < len(want)


def test_only_flagged_rows_make_a_table_and_none_is_empty() -> None:
    host = parse("192.0.2.1")
    cand = _frame([(host, "syn_flood", 0)], ["dst", "candidate", "bin"])
    flagged = pl.DataFrame(
        {"dst": [host], "candidate": ["syn_flood"], "_whole_dst": [False]},
        schema={"dst": pl.UInt128, "candidate": CANDIDATE, "_whole_dst": pl.Boolean},
    )
    empty = pair_table(None, "dst")
    assert not named_pairs(cand, pair_table(flagged, "dst", "_whole_dst"), *[empty] * 4)[0]
    on = flagged.with_columns(_whole_dst=pl.lit(True))
    assert named_pairs(cand, pair_table(on, "dst", "_whole_dst"), *[empty] * 4)[0]


def test_many_keys_probe_past_their_slots() -> None:
    # a table of thousands of keys (a hot bin per second of a long flood): every key found,
    # and none of the keys one bin later
    rng = np.random.default_rng(3)
    hosts = [parse(f"10.0.{i // 256}.{i % 256}") for i in rng.choice(60_000, 3_000, replace=False)]
    hot = _frame([(h, "udp_flood", 1_000_000_000 * k) for k, h in enumerate(hosts)], ["dst", "candidate", "bin"])  # fmt: skip
    later = hot.with_columns(pl.col("bin") + 1_000_000_000)
    empty = pair_table(None, "dst")
    table = pair_table(hot, "dst")
    assert named_pairs(hot, empty, table, *[empty] * 3).all()
    assert not named_pairs(later, empty, table, *[empty] * 3).any()
