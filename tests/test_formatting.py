"""Numbers and times for people: the exact texts analysts read (issue #19)."""

import pytest

from workbench import formatting as f
from workbench.analysis.vector_table import RULES

T0 = 1446623758_000_000_000  # 2015-11-04 07:55:58 UTC


def test_times_in_utc_to_the_millisecond():
    assert f.clock(T0) == "07:55:58.000"
    assert f.clock(T0 + 123_456_789, digits=6) == "07:55:58.123456"
    assert f.clock("2015-11-04T07:55:58.999999999Z") == "07:55:58.999"  # cut, never rounded up
    assert f.moment(T0) == "2015-11-04 07:55:58.000 UTC"
    assert f.window(T0, T0 + 304_500_000_000) == "2015-11-04 07:55:58.000 – 08:01:02.500 UTC"
    assert f.window(T0, T0 + 86400 * 10**9).count("2015-11-0") == 2  # both dates across midnight


@pytest.mark.parametrize(
    ("fn", "value", "text"),
    [
        (f.bit_rate, 3.0e6, "3.0 Mbit/s"),
        (f.bit_rate, 950e3, "950 kbit/s"),
        (f.bit_rate, 10e9, "10.0 Gbit/s"),
        (f.bit_rate, 0, "0 bit/s"),
        (f.packet_rate, 26_700, "26.7 kpps"),
        (f.packet_rate, 40, "40 pps"),
        (f.packet_rate, 1.25e6, "1.2 Mpps"),
        (f.size, 955e6, "955 MB"),
        (f.count, 1234567, "1,234,567"),
        (f.count, None, "–"),
        (f.percent, 0.113, "11.3 %"),
        (f.percent, 0.00001, "<0.1 %"),
        (f.percent, 0, "0.0 %"),
        (f.duration, 0.41, "0.410 s"),
        (f.duration, 245, "4 min 05 s"),
        (f.duration, 7380, "2 h 03 min"),
    ],
)
def test_numbers_for_people(fn, value, text):
    assert fn(value) == text
    assert "e+" not in fn(value) and "None" not in fn(value)


def test_protocol_values_are_named():
    assert f.named(42, {42: "monlist"}) == "monlist (42)"
    assert f.named(255, {"255": "ANY"}) == "ANY (255)"
    assert f.named(7, {}) == "7"


def test_vectors_in_words():
    assert RULES["ntp_amplification"].title == "NTP amplification"
    assert RULES["ws_discovery_amplification"].title == "WS-Discovery amplification"
    assert RULES["syn_flood"].title == "SYN flood"
    assert RULES["synack_reflection"].title == "SYN-ACK reflection"
    assert RULES["ipv6_extension_header_flood"].title == "IPv6 extension header flood"
    assert all("_" not in r.title for r in RULES.values())


def test_iso_round_trips_to_the_nanosecond():
    for ns in (T0, T0 + 1, T0 + 999_999_999, 0, -1_000_000_001):
        assert f.to_ns(f.iso(ns)) == ns
    assert f.iso(T0 + 5) == "2015-11-04T07:55:58.000000005Z" and f.iso(None) is None


def test_iso_and_to_ns_follow_the_standard_library():
    # the report's time, read from its digits, against datetime's reading of the same instant:
    # random instants from year 1000 to 9999, and days whose dates are edge cases
    import random
    from datetime import UTC, datetime

    rng = random.Random(7)
    first, last = -30610224000, 253402300799  # 1000-01-01, 9999-12-31 23:59:59 (seconds)
    days = [951782400, 951868800, 4107542400, 0, -86400, 1483228799, 1483228800]  # leap days, ...
    for seconds in [rng.randrange(first, last) for _ in range(20_000)] + days + [first, last]:
        ns = seconds * 1_000_000_000 + rng.randrange(1_000_000_000)
        text = f.iso(ns)
        stamp = datetime.fromtimestamp(seconds, UTC)
        assert text == f"{stamp:%Y-%m-%dT%H:%M:%S}.{ns % 1_000_000_000:09d}Z"
        assert f.to_ns(text) == ns
        assert f.to_ns(text.replace("T", " ").replace("Z", "")) == ns  # read the general way


@pytest.mark.parametrize(
    "text",
    ["2015-02-30T07:55:58.000000000Z", "2015-11-04T24:00:00.000000000Z",
     "2016-12-31T23:59:60.000000000Z", "2015-13-04T07:55:58.000000000Z"],
)  # fmt: skip
def test_a_time_that_is_no_time_is_an_error(text):
    with pytest.raises(ValueError):
        f.to_ns(text)


def test_times_of_another_shape_read_as_before():
    # fewer or more digits, an offset, full-width digits: the general reading, not the report's
    assert f.to_ns("2015-11-04T07:55:58Z") == T0
    assert f.to_ns("2015-11-04T07:55:58.5") == T0 + 500_000_000
    assert f.to_ns("2015-11-04T07:55:58.1234567891Z") == T0 + 123_456_789
    assert f.to_ns("2015-11-04T07:55:58.000000001+00:00") == T0 + 1
    assert f.to_ns("2015-11-04T07:55:58.00000000\uff19Z") == T0 + 9
