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


def format_rate(bps: float) -> str:
    """The way analysts write a rate: ``format_rate(3e6) == "3M"``, ``format_rate(2.5e9) == "2.5G"``."""
    for prefix, factor in (("T", 1e12), ("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if bps >= factor:
            return f"{bps / factor:.6g}{prefix}"
    return f"{bps:.6g}"


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


Link = tuple[str, object, float]  # (kind, id, bits/s)
_MAC = re.compile(r"^[0-9a-f]{2}([:-]?)[0-9a-f]{2}(\1[0-9a-f]{2}){4}$", re.I)


def parse_mac(text: str) -> int:
    """``00:1b:21:aa:00:01`` (or ``00-1b-...``, ``001b21aa0001``) as a 48-bit integer."""
    if not _MAC.match(text.strip()):
        raise ParameterError(
            f"cannot read the MAC address {text!r}: write it like 00:1b:21:aa:00:01"
        )
    return int(re.sub(r"[:-]", "", text.strip()), 16)


def parse_links(specs: list[str] | str | float | int | None) -> list[Link]:
    """Link capacities per link: ``["10G"]`` (all traffic) or a mapping per link.

    Returns (kind, id, bits/s): ``all``; ``iface`` (pcapng interface number, ``iface:0=10G``);
    ``ifname`` (its name, ``eth0=10G``, resolved against the capture by ``resolve_links``);
    ``vlan`` (``vlan:100=1G``); ``mac`` (the upstream router's MAC, ``mac:00:1b:21:aa:00:01=10G``:
    frames from it and to it, each direction against the capacity, links being full duplex).

        parse_links(["vlan:100=1G", "mac:00:1b:21:aa:00:01=10G", "eth0=10G"])
    """
    if specs is None:
        return []
    if isinstance(specs, (str, int, float)):
        specs = [specs]
    links: list[Link] = []
    for spec in specs:
        try:
            links.append(_parse_link(spec))
        except ParameterError as error:
            raise ParameterError(f"--link {spec}: {error}") from None
    return links


def _parse_link(spec: str | float | int) -> Link:
    text = str(spec)
    if "=" not in text:
        return ("all", None, parse_rate(spec))
    key, _, rate = text.rpartition("=")
    kind, colon, ident = key.partition(":")
    if kind in ("iface", "vlan") and ident.isdigit():
        return (kind, int(ident), parse_rate(rate))
    if kind == "mac" and ident:
        return ("mac", parse_mac(ident), parse_rate(rate))
    if not colon and key.strip():
        return ("ifname", key.strip(), parse_rate(rate))
    raise ParameterError(
        "cannot read this link: write eth0=10G (interface name), iface:N=10G "
        "(pcapng interface number), vlan:N=1G or mac:00:1b:21:aa:00:01=10G (upstream router)"
    )


def resolve_links(links: list[Link], interfaces: list[dict]) -> list[Link]:
    """Interface names (``eth0=10G``) to the interface ids that carry that name in the capture
    (``capture["interfaces"]``); a name the capture does not have is an error that lists those it has."""
    out: list[Link] = []
    for kind, ident, rate in links:
        if kind != "ifname":
            out.append((kind, ident, rate))
            continue
        ids = tuple(sorted({i["iface"] for i in interfaces if i.get("name") == ident}))
        if not ids:
            named = sorted({i["name"] for i in interfaces if i.get("name")})
            have = (
                "its interfaces are named " + ", ".join(named)
                if named
                else "its interfaces have no names (pcap files have one interface: iface:0)"
            )
            raise ParameterError(
                f"--link {ident}=...: no interface of this capture is named {ident!r}: {have}; "
                "or write iface:N=10G, vlan:N=1G, mac:00:1b:21:aa:00:01=10G"
            )
        out.append(("ifname", (ident, ids), rate))
    return out
