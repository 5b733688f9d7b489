"""Time axes as drawn (vl-convert's SVG, the renderer of the HTML report): labels in UTC, at
the resolution of the span they cover, and the last bin of a rate drawn."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import polars as pl
import pytest
import vl_convert

from workbench import viz


def _series(start: datetime, bins: int, step: timedelta) -> pl.DataFrame:
    """A rate series of ``bins`` bins of one vector, 100 packets of 1,000 bytes each."""
    return pl.DataFrame(
        {
            "ts": [start + k * step for k in range(bins)],
            "vector": ["syn_flood"] * bins,
            "packets": [100] * bins,
            "bytes": [100_000] * bins,
        },
        schema={"ts": pl.Datetime("ns", "UTC"), "vector": pl.String, "packets": pl.Int64,
                "bytes": pl.Int64},
    )  # fmt: skip


def _x_labels(svg: str) -> list[str]:
    start = svg.index('aria-label="X-axis')
    group = svg[start : svg.index("role-axis-title", start)]
    return re.findall(r">([^<]+)</text>", group)


@pytest.mark.parametrize(
    ("bins", "step", "shape"),
    [
        (3, timedelta(milliseconds=100), r"^07:55:00\.\d{3}$"),  # a snippet: milliseconds
        (60, timedelta(seconds=10), r"^0[78]:\d\d:\d\d$"),  # ten minutes: the time of day
        (30, timedelta(days=40), r"^20\d\d-\d\d-\d\d 00:00$"),  # merged traces: dates
    ],
)
def test_labels_fit_the_span_and_read_utc(bins: int, step: timedelta, shape: str) -> None:
    start = datetime(2015, 11, 4, 7, 55, tzinfo=UTC)
    svg = vl_convert.vegalite_to_svg(
        viz.rate_chart(_series(start, bins, step), bin_ms=100).to_json()
    )
    labels = _x_labels(svg)
    assert labels, svg  # (Vega draws one tick on an axis under a second or so)
    assert all(re.match(shape, label) for label in labels), labels
    assert "utc scale" in svg


def test_the_last_bin_is_drawn() -> None:
    """A step area draws each bin to the next point: one bin alone (a 23 ms snippet) drew
    nothing; it now spans its bin, the whole plot."""
    one = _series(datetime(2015, 11, 4, 7, 55, tzinfo=UTC), 1, timedelta(milliseconds=100))
    svg = vl_convert.vegalite_to_svg(viz.rate_chart(one, bin_ms=100, width=400).to_json())
    [path] = re.findall(r'<path[^>]*aria-roledescription="area mark"[^>]*d="([^"]+)"', svg) or [
        re.search(r'class="mark-area[^"]*"[^>]*>\s*<path[^>]* d="([^"]+)"', svg).group(1)
    ]
    xs = [float(x) for x in re.findall(r"([-\d.]+),[-\d.]+", path)]
    assert max(xs) - min(xs) >= 399, path
