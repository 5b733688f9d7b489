"""The HTML report in a real browser (Debian's Chromium): at 1,024 and 1,440 px nothing is wider
than the page, long explanations wrap, and the headline strip comes first."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

import workbench as wb

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"]

pytestmark = pytest.mark.browser

# every element whose right edge passes the page, and whether the document scrolls sideways
OVERFLOW = """() => {
  const width = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.width === 0 && box.height === 0) continue;
    if (box.right > width + 0.5 || box.left < -0.5)
      wide.push(`${el.tagName.toLowerCase()}.${el.className.baseVal ?? el.className} right=${Math.round(box.right)}`);
  }
  return {scroll: document.documentElement.scrollWidth, inner: window.innerWidth, width, wide};
}"""
# text cut with an ellipsis by CSS, instead of wrapping
CLIPPED = """() => [...document.querySelectorAll('body *')].filter(el => {
  const style = getComputedStyle(el);
  return style.textOverflow === 'ellipsis' && el.scrollWidth > el.clientWidth;
}).length"""

# per horizontal axis of every chart (its shown labels on one line): the least space between two
# neighbouring labels, and which two (a label Vega drops for overlap is transparent)
AXIS_GAPS = """() => [...document.querySelectorAll('g.role-axis-label')].map(g => {
  const boxes = [...g.querySelectorAll('text')]
    .filter(t => t.getAttribute('opacity') !== '0' && getComputedStyle(t).opacity !== '0')
    .map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right, r.top]; });
  const tops = boxes.map(b => b[3]);
  if (boxes.length < 2 || Math.max(...tops) - Math.min(...tops) > 1) return null;
  boxes.sort((a, b) => a[1] - b[1]);
  let least = [Infinity, null, null];
  for (let i = 1; i < boxes.length; i++) {
    const gap = boxes[i][1] - boxes[i - 1][2];
    if (gap < least[0]) least = [gap, boxes[i - 1][0], boxes[i][0]];
  }
  return least;
}).filter(x => x)"""

# chart text the chart's own box cuts off: the report's SVG is laid out with the renderer's font
# metrics, and a browser's font may be wider (a legend's title past the SVG's right edge)
CUT_TEXT = """() => [...document.querySelectorAll('.chart svg')].flatMap(svg => {
  if (getComputedStyle(svg).overflow === 'visible') return [];
  const box = svg.getBoundingClientRect();
  return [...svg.querySelectorAll('text')].filter(t => {
    const r = t.getBoundingClientRect();
    return r.width > 0 && (r.left < box.left - 0.5 || r.right > box.right + 0.5);
  }).map(t => t.textContent);
})"""


@pytest.fixture(scope="module")
def report_html(tmp_path_factory) -> Path:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    report = wb.analyze(wb.load(SAMPLE), link_capacity="3M")
    return wb.export.html(report, tmp_path_factory.mktemp("report") / "report.html")


@pytest.mark.parametrize("width", [1024, 1440])
def test_report_fits_the_page_with_the_headline_first(report_html, artifacts, width) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": 900})
            page.goto(report_html.as_uri())
            page.wait_for_load_state("load")
            page.screenshot(path=str(artifacts / f"report_{width}.png"))
            page.screenshot(path=str(artifacts / f"report_{width}_full.png"), full_page=True)
            found = page.evaluate(OVERFLOW)
            assert found["scroll"] <= found["inner"], found
            assert not found["wide"], found["wide"][:10]
            assert page.evaluate(CLIPPED) == 0
            assert page.evaluate(CUT_TEXT) == []
            # every chart's x labels readable: a space (4 px) at least between neighbours
            gaps = page.evaluate(AXIS_GAPS)
            assert len(gaps) >= 5, gaps
            assert all(gap >= 4 for gap, *_ in gaps), gaps
            strip = page.locator("#headline")
            assert strip.is_visible()
            labels = strip.locator(".label").all_inner_texts()
            assert [t.lower() for t in labels[:6]] == [
                "capture", "window", "traffic", "peak", "attack", "targets",
            ]  # fmt: skip
            assert "6 targets, 203.0.113.0/24 carpet-bombed" in strip.inner_text()
            assert "packets dropped by the capture" in strip.locator(".quality").inner_text()
            # the strip is the first thing after the title
            top = strip.bounding_box()["y"]
            assert top < page.locator("h2").first.bounding_box()["y"] and top < 300
        finally:
            browser.close()


def test_report_times_are_utc_on_a_machine_in_another_zone(tmp_path) -> None:
    """Written where the local time is New York's, every time label of every chart still
    reads UTC, as titled (the sample runs 07:55:00.105-08:02:59.991 UTC: its last bin ends at
    08:03:00)."""
    import re
    import subprocess
    import sys

    out = tmp_path / "report.html"
    code = (
        "import warnings; warnings.simplefilter('ignore'); import workbench as wb; "
        f"wb.export.html(wb.analyze(wb.load({str(SAMPLE)!r}), link_capacity='3M'), {str(out)!r})"
    )
    done = subprocess.run([sys.executable, "-c", code], env={**os.environ, "TZ": "America/New_York"},
                          capture_output=True, text=True, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    times = re.findall(r">(\d\d:\d\d(?::\d\d)?)</text>", out.read_text())
    assert len(times) >= 20, times
    assert all("07:55" <= t <= "08:03:00" for t in times), sorted(set(times))
