"""Link capacities and packet-rate limits as analysts write them: ``10G``, ``2.5M``, ``10Gbit/s``."""

from __future__ import annotations

import re

from workbench.errors import ParameterError

_PREFIX = {"": 1.0, "k": 1e3, "m": 1e6, "g": 1e9, "t": 1e12}
_RATE = re.compile(
    r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgt]?)\s*(b|bit|bits|bps|bit/s|bits/s|be|gbe)?\s*$",
    re.I,
)
_PPS = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:e[+-]?[0-9]+)?)\s*([kmgt]?)\s*(pps|p/s)?\s*$", re.I)


def parse_rate(value: str | float | int) -> float:
    """Bits per second from ``"10G"``, ``"10Gbit/s"``, ``"2.5M"``, ``"100 Mbps"``, ``"1e9"`` or a number.

    parse_rate("10G") == 10e9
    """
    if isinstance(value, (int, float)):
        if value <= 0:
            raise ParameterError(f"link capacity must be positive, got {value!r}")
        return float(value)
    match = _RATE.match(str(value).replace("GbE", "G").replace("gbe", "g"))
    if not match:
        raise ParameterError(
            f"cannot read the link capacity {value!r}: write it like 10G, 2.5M, 10Gbit/s, 100Mbps or 1e9"
        )
    rate = float(match.group(1)) * _PREFIX[match.group(2).lower()]
    if rate <= 0:
        raise ParameterError(f"link capacity must be positive, got {value!r}")
    return rate


def parse_pps(value: str | float | int) -> float:
    """Packets per second from ``"1.5Mpps"``, ``"200k"`` or a number."""
    if isinstance(value, (int, float)):
        return float(value)
    match = _PPS.match(str(value))
    if not match:
        raise ParameterError(
            f"cannot read the packet-rate limit {value!r}: write it like 1.5Mpps or 200k"
        )
    return float(match.group(1)) * _PREFIX[match.group(2).lower()]


def parse_links(specs: list[str] | str | float | int | None) -> list[tuple[str, int | None, float]]:
    """Link capacities per link: ``["10G"]`` (all traffic), ``["iface:0=10G", "vlan:100=1G"]``.

    Returns (kind, id, bits/s) with kind ``all``, ``iface`` or ``vlan``.

        parse_links(["vlan:100=1G", "vlan:200=10G"])
    """
    if specs is None:
        return []
    if isinstance(specs, (str, int, float)):
        specs = [specs]
    links = []
    for spec in specs:
        text = str(spec)
        if "=" not in text:
            links.append(("all", None, parse_rate(spec)))
            continue
        key, _, rate = text.partition("=")
        kind, _, ident = key.partition(":")
        if kind not in ("iface", "vlan") or not ident.isdigit():
            raise ParameterError(
                f"cannot read the link {text!r}: write iface:N=10G (pcapng interface number) or vlan:N=1G"
            )
        links.append((kind, int(ident), parse_rate(rate)))
    return links
