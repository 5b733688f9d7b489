"""Numbers and times as analysts read them, for every human-facing output (summary, HTML
report, dashboard, command line): times in UTC to the millisecond, rates unit-scaled, one
thousands separator, shares as percentages. Machine outputs (report JSON, STIX, timelines)
keep exact values and never use these.

    clock(1446623758_000_000_000) == "07:55:58.000"
    bit_rate(3.0e6) == "3.0 Mbit/s";  packet_rate(26_700) == "26.7 kpps"
    count(1234567) == "1,234,567";  percent(0.113) == "11.3 %"

This module imports nothing of the workbench: every layer may use it.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from datetime import date as calendar_date  # ``date`` is this module's formatter
from functools import lru_cache

_NS = 1_000_000_000


def to_ns(value: int | float | str | datetime) -> int:
    """Nanoseconds since the epoch from nanoseconds, an ISO-8601 text (``...Z``: the inverse of
    ``iso``) or a datetime."""
    if isinstance(value, datetime):
        value = value if value.tzinfo else value.replace(tzinfo=UTC)
        return int(value.timestamp()) * _NS + value.microsecond * 1000
    if isinstance(value, str):
        exact = _iso_ns(value)
        if exact is not None:
            return exact
        text = value.strip().replace("Z", "")
        whole, _, fraction = text.partition(".")
        stamp = datetime.fromisoformat(whole.replace(" ", "T"))
        stamp = stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
        digits = "".join(c for c in fraction if c.isdigit())[:9].ljust(9, "0")
        return int(stamp.timestamp()) * _NS + int(digits)
    return int(value)


_DAY_S = 86_400
_EPOCH_DAY = calendar_date(1970, 1, 1).toordinal()
_LAST_DAY = calendar_date.max.toordinal()
# ``iso``'s text, digits ASCII only
_ISO_SHAPE = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z", re.ASCII)


def _iso_ns(text: str) -> int | None:
    """``to_ns`` of a text exactly in ``iso``'s shape (a report's times: a report of 10,000 phases
    reads 20,000), computed from its digits; None for any other text (read the general way)."""
    if _ISO_SHAPE.fullmatch(text) is None:
        return None
    hour, minute, second = int(text[11:13]), int(text[14:16]), int(text[17:19])
    if hour > 23 or minute > 59 or second > 59:
        return None
    days = _day_number(text[:10])
    if days is None:
        return None
    seconds = days * _DAY_S + hour * 3600 + minute * 60 + second
    return seconds * _NS + int(text[20:29])


@lru_cache(maxsize=4096)
def _day_number(text: str) -> int | None:
    """Days since 1970-01-01 of a ``YYYY-MM-DD`` date (None: no such date)."""
    try:
        return calendar_date.fromisoformat(text).toordinal() - _EPOCH_DAY
    except ValueError:
        return None


@lru_cache(maxsize=4096)
def _day_text(days: int) -> str:
    """The ``YYYY-MM-DD`` of a day number (days since 1970-01-01)."""
    return calendar_date.fromordinal(days + _EPOCH_DAY).strftime("%Y-%m-%d")


def iso(ns: int | None) -> str | None:
    """The report JSON's time: ISO-8601 UTC to the nanosecond, ``2015-11-04T07:55:58.000000000Z``
    (None for None). Machine outputs use this; people read ``moment``/``clock``."""
    if ns is None:
        return None
    seconds, rest = divmod(int(ns), _NS)
    days, second = divmod(seconds, _DAY_S)
    if not 0 < days + _EPOCH_DAY <= _LAST_DAY:  # no such date: the error the general way gives
        return f"{datetime.fromtimestamp(seconds, UTC).strftime('%Y-%m-%dT%H:%M:%S')}.{rest:09d}Z"
    hour, second = divmod(second, 3600)
    minute, second = divmod(second, 60)
    return f"{_day_text(days)}T{hour:02d}:{minute:02d}:{second:02d}.{rest:09d}Z"


def clock(value: int | float | str | datetime, digits: int = 3) -> str:
    """The time of day in UTC: ``07:55:58.000`` (``digits`` 0, 3 or 6 after the second)."""
    ns = to_ns(value)
    seconds, rest = divmod(ns, _NS)
    text = datetime.fromtimestamp(seconds, UTC).strftime("%H:%M:%S")
    return f"{text}.{rest // 10 ** (9 - digits):0{digits}d}" if digits else text


def date(value: int | float | str | datetime) -> str:
    """The UTC date: ``2015-11-04``."""
    return datetime.fromtimestamp(to_ns(value) // _NS, UTC).strftime("%Y-%m-%d")


def moment(value: int | float | str | datetime, digits: int = 3) -> str:
    """Date and time in UTC: ``2015-11-04 07:55:58.000 UTC``."""
    return f"{date(value)} {clock(value, digits)} UTC"


def over_days(capture) -> bool:
    """Whether a capture (a mapping with its first and last packet, ``start`` and ``end``: the
    report's ``capture``) runs over more than one UTC date: a time of day in it then needs its
    date (``stamp``)."""
    start, end = (capture.get("start"), capture.get("end")) if capture else (None, None)
    return bool(start) and bool(end) and date(start) != date(end)


def stamp(value: int | float | str | datetime, days: bool, digits: int = 3) -> str:
    """A time in a capture: the time of day (``clock``) when the capture is within one UTC date
    (``days`` False: its date is said once, beside), else with its date: ``2015-11-05
    07:56:00.000`` (``over_days``)."""
    return f"{date(value)} {clock(value, digits)}" if days else clock(value, digits)


def window(start: int | str, end: int | str) -> str:
    """A UTC interval with the date once: ``2015-11-04 07:55:58.000 – 08:01:02.500 UTC``
    (both dates when it crosses midnight)."""
    if date(start) == date(end):
        return f"{date(start)} {clock(start)} – {clock(end)} UTC"
    return f"{moment(start)} – {moment(end)}"


def duration(seconds: float) -> str:
    """``0.410 s``, ``12.3 s``, ``4 min 05 s``, ``2 h 03 min``, ``3 d 04 h``."""
    if seconds < 0:
        return "-" + duration(-seconds)
    if seconds < 10:
        return f"{seconds:.3f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    if whole < 3600:
        return f"{whole // 60} min {whole % 60:02d} s"
    if whole < 86400:
        return f"{whole // 3600} h {whole % 3600 // 60:02d} min"
    return f"{whole // 86400} d {whole % 86400 // 3600:02d} h"


def tick(ns: int) -> str:
    """A timestamp resolution, a power of ten of nanoseconds, in its unit: ``1 s``, ``10 ms``,
    ``1 µs``."""
    for unit, size in (("s", 1_000_000_000), ("ms", 1_000_000), ("µs", 1_000), ("ns", 1)):
        if ns >= size:
            return f"{ns // size:,} {unit}"
    return f"{ns} ns"


def count(n: int | float | None) -> str:
    """An integer with thousands separators: ``1,234,567``; ``–`` for none."""
    if n is None:
        return "–"
    return f"{round(n):,}"


def _scaled(value: float, unit: str, prefixes: tuple[str, ...], base: float = 1000.0) -> str:
    if value is None:
        return "–"
    magnitude, index = abs(float(value)), 0
    while magnitude >= base and index < len(prefixes) - 1:
        magnitude /= base
        index += 1
    sign = "-" if value < 0 else ""
    digits = 0 if index == 0 and magnitude == int(magnitude) else 1
    if magnitude >= 100 or (index == 0 and magnitude == int(magnitude)):
        digits = 0
    return f"{sign}{magnitude:,.{digits}f} {prefixes[index]}{unit}"


def bit_rate(bps: float) -> str:
    """``3.0 Mbit/s``, ``950 kbit/s``, ``10.0 Gbit/s``."""
    return _scaled(bps, "bit/s", ("", "k", "M", "G", "T"))


def packet_rate(pps: float) -> str:
    """``26.7 kpps``, ``1.2 Mpps``, ``40 pps``."""
    return _scaled(pps, "pps", ("", "k", "M", "G"))


def size(n_bytes: float) -> str:
    """Bytes in decimal units as capinfos prints them: ``955.0 MB``, ``12.4 kB``, ``512 B``."""
    return _scaled(n_bytes, "B", ("", "k", "M", "G", "T"))


def percent(share: float | None, digits: int = 1) -> str:
    """A share (0-1) as a percentage: ``11.3 %``; tiny non-zero shares as ``<0.1 %``."""
    if share is None:
        return "–"
    value = float(share) * 100
    floor = 10**-digits
    if 0 < value < floor:
        return f"<{floor:.{digits}f} %"
    return f"{value:.{digits}f} %"


def plural(n: int, word: str, words: str | None = None) -> str:
    """``1 attack phase``, ``3 attack phases``, ``1,204 sources`` (thousands separated)."""
    return f"{count(n)} {word if n == 1 else (words or word + 's')}"


def number(value: int | float | None, digits: int = 1) -> str:
    """Any figure for people: integers with separators, fractions to ``digits`` places (more
    for tiny values, never in exponent notation); ``–`` for none."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if float(value) == int(value) and abs(value) < 1e15:
        return count(value)
    magnitude = abs(float(value))
    places = (
        digits
        if magnitude >= 1 or magnitude == 0
        else min(9, digits - int(_floor_log10(magnitude)))
    )
    return f"{float(value):,.{places}f}"


def _floor_log10(value: float) -> int:
    exponent = 0
    while value < 1:
        value *= 10
        exponent -= 1
    return exponent


# Protocol values application evidence holds, by name (Wireshark's names)
DNS_TYPES = {1: "A", 2: "NS", 5: "CNAME", 6: "SOA", 12: "PTR", 13: "HINFO", 15: "MX", 16: "TXT",
             28: "AAAA", 33: "SRV", 35: "NAPTR", 41: "OPT", 43: "DS", 46: "RRSIG", 47: "NSEC",
             48: "DNSKEY", 50: "NSEC3", 52: "TLSA", 64: "SVCB", 65: "HTTPS", 99: "SPF",
             252: "AXFR", 255: "ANY", 257: "CAA"}  # fmt: skip
# NTP mode 7 (private) request codes, ntpd's ntp_request.h: 42 is the monlist of CVE-2013-5211
NTP_REQUEST_CODES = {0: "peer list", 1: "peer summary", 4: "sys info", 5: "sys stats",
                     20: "monlist (old)", 42: "monlist"}  # fmt: skip
# IP protocol numbers by their IANA keyword (the ones a capture shows most, and those an
# IP protocol flood's evidence may name)
IP_PROTOCOLS = {0: "HOPOPT", 1: "ICMP", 2: "IGMP", 4: "IPv4", 6: "TCP", 17: "UDP", 41: "IPv6",
                43: "IPv6-Route", 44: "IPv6-Frag", 47: "GRE", 50: "ESP", 51: "AH", 58: "ICMPv6",
                59: "IPv6-NoNxt", 60: "IPv6-Opts", 88: "EIGRP", 89: "OSPF", 97: "EtherIP",
                103: "PIM", 112: "VRRP", 115: "L2TP", 132: "SCTP", 136: "UDPLite"}  # fmt: skip
VALUE_NAMES = {"dns_query_type": DNS_TYPES, "ntp_requestcode": NTP_REQUEST_CODES,
               "top_protocols": IP_PROTOCOLS}  # fmt: skip


def named(value: int | str | None, names: dict) -> str:
    """A protocol value with its name: ``monlist (42)``, ``ANY (255)``; the bare value when
    unnamed."""
    if value is None:
        return "–"
    name = names.get(value, names.get(str(value)))
    if name is None and str(value).isdigit():
        name = names.get(int(value))
    return f"{name} ({value})" if name else str(value)
