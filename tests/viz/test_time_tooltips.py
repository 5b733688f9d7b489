"""A chart's tooltip times, read in Chromium set to New York time: UTC, as titled."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import polars as pl
import pytest
import vl_convert

from workbench import viz

CHROMIUM = "/usr/bin/chromium"
pytestmark = pytest.mark.browser


def test_a_rate_tooltip_reads_utc_in_new_york(tmp_path: Path) -> None:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    start = datetime(2015, 11, 4, 7, 55, 0, 123_000, tzinfo=UTC)
    series = pl.DataFrame(
        {"ts": [start + k * timedelta(seconds=1) for k in range(5)], "vector": ["syn_flood"] * 5,
         "packets": [100] * 5, "bytes": [100_000] * 5},
        schema={"ts": pl.Datetime("ns", "UTC"), "vector": pl.String, "packets": pl.Int64,
                "bytes": pl.Int64},
    )  # fmt: skip
    page_file = tmp_path / "chart.html"
    chart = viz.rate_chart(series, bin_ms=1000, width=300, height=100)
    page_file.write_text(vl_convert.vegalite_to_html(chart.to_json(), bundle=True))
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            page = browser.new_context(timezone_id="America/New_York").new_page()
            page.goto(page_file.as_uri())
            area = page.locator(".mark-area path").first
            area.wait_for()
            box = area.bounding_box()
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            tip = page.locator("#vg-tooltip-element")
            tip.wait_for()
            text = tip.inner_text()
        finally:
            browser.close()
    assert "07:55:0" in text and "02:55" not in text, text
