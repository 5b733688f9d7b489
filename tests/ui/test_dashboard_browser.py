"""The dashboard app in a real browser: Voilà serves notebooks/app.ipynb, Debian's Chromium drives it.

One Voilà session for the module. The test picks a vector, then a phase, then a source country,
and after each step reads every panel from the page (the charts are SVG: their legends and
area colours are in the DOM) and checks it against figures computed here from the packets.
"""

from __future__ import annotations

import itertools
import os
import re
import shutil
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path

import polars as pl
import pytest

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.browser

# every chart of the page: its vector legend (label -> swatch), its area colours, its title
READ_CHARTS = """() => Object.fromEntries(['overview', 'detail', 'map'].map(name => {
  const root = document.querySelector('.wb-' + name);
  if (!root) return [name, null];
  const labels = [...root.querySelectorAll('.role-legend-label text')].map(t => t.textContent);
  const swatches = [...root.querySelectorAll('.role-legend-symbol path')].map(p => p.getAttribute('fill'));
  return [name, {
    legend: labels.map((l, i) => [l, swatches[i] || null]),
    areas: [...new Set([...root.querySelectorAll('.mark-area path')].map(p => p.getAttribute('fill')))],
    title: [...root.querySelectorAll('.role-title-text text')].map(t => t.textContent).join(' '),
    text: [...root.querySelectorAll('.mark-text text')].map(t => t.textContent).join(' '),
  }];
}))"""
# the time labels Vega shows on a chart's x axis (a label it drops for overlap is transparent):
# their text and left and right edges on the screen
READ_TIME_LABELS = """selector => [...document.querySelectorAll(
    selector + ' g.role-axis[aria-label^="X-axis"] g.role-axis-label text')]
  .filter(t => getComputedStyle(t).opacity !== '0')
  .map(t => { const r = t.getBoundingClientRect(); return [t.textContent, r.left, r.right]; })"""
READ_TABLE = """() => {
  const rows = [...document.querySelectorAll('.wb-packets table.wb-packets tbody tr')];
  const head = [...document.querySelectorAll('.wb-packets table.wb-packets thead th')].map(t => t.textContent.replace(/ [▲▼]$/, ''));
  return rows.map(r => Object.fromEntries([...r.children].map((td, i) => [head[i], td.textContent])));
}"""


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _serve(command: list[str], tmp: Path, url: str):
    """Run a server from the repository's root (where ``voila.json`` is, as on Binder) with a
    private Jupyter config and runtime folder; yield ``url`` once it listens."""
    port = int(url.split(":")[2].split("/")[0])
    env = {**os.environ, "WORKBENCH_SAMPLE": str(SAMPLE),
           "JUPYTER_CONFIG_DIR": str(tmp / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp / "rt")}  # fmt: skip
    log = (tmp / "server.log").open("w")
    proc = subprocess.Popen(command, cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def _needs(program: str) -> str:
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    path = shutil.which(program, path=str(Path(sys.executable).parent))
    if path is None:
        pytest.skip(f"{program} is not installed")
    return path


@pytest.fixture(scope="module")
def voila(tmp_path_factory):
    """``voila notebooks/app.ipynb``, from the repository's root."""
    port = _free_port()
    command = [_needs("voila"), "notebooks/app.ipynb", f"--port={port}", "--no-browser",
               "--Voila.ip=127.0.0.1", "--VoilaConfiguration.show_tracebacks=True"]  # fmt: skip
    yield from _serve(command, tmp_path_factory.mktemp("voila"), f"http://127.0.0.1:{port}/")


@pytest.fixture(scope="module")
def binder(tmp_path_factory):
    """The app as the README's Binder badge opens it: a Jupyter server started in the repository
    (repo2docker's working folder), Voilà as its extension, ``/voila/render/notebooks/app.ipynb``."""
    port = _free_port()
    command = [_needs("jupyter"), "server", f"--port={port}", "--no-browser", "--ServerApp.ip=127.0.0.1",
               "--IdentityProvider.token=", "--ServerApp.password=", "--allow-root"]  # fmt: skip
    yield from _serve(
        command,
        tmp_path_factory.mktemp("binder"),
        f"http://127.0.0.1:{port}/voila/render/notebooks/app.ipynb",
    )


# what the page shows while it opens: each text of our loading state, when it first showed and
# when the dashboard did (recorded from the first byte on, so no state passes unseen)
WATCH_LOADING = """(() => {
  const seen = window.__loading = {texts: [], loading_ms: null, dashboard_ms: null};
  const t0 = performance.now();
  new MutationObserver(() => {
    const loading = document.querySelector('.wb-loading');
    const dashboard = document.querySelector('.wb-dash');
    if (loading) {
      if (seen.loading_ms === null) seen.loading_ms = performance.now() - t0;
      const text = loading.innerText.trim().replace(/\\s+/g, ' ');
      if (text && !seen.texts.includes(text)) seen.texts.push(text);
    }
    if (dashboard && seen.dashboard_ms === null) seen.dashboard_ms = performance.now() - t0;
  }).observe(document, {subtree: true, childList: true, characterData: true, attributes: true});
})()"""


def _open_with_loading_state(page, url: str, artifacts: Path, name: str) -> dict:
    """Open the app: our loading state shows (label and progress bar) before the dashboard, says
    each step, and is gone once the dashboard is there. Screenshots of both."""
    page.add_init_script(WATCH_LOADING)
    page.goto(url, timeout=240_000, wait_until="commit")
    loading = page.locator(".wb-loading")
    loading.wait_for(state="visible", timeout=120_000)
    assert page.locator(".wb-dash").count() == 0
    assert loading.locator(".progress-bar").count() == 1 and loading.bounding_box()["height"] > 40
    assert re.search(
        r"Loading the capture mailprovider_2015\.pcapng\.gz|Analysing", loading.inner_text()
    )
    page.screenshot(path=str(artifacts / f"{name}_0_loading.png"))
    page.locator(".wb-dash").wait_for(state="visible", timeout=300_000)
    loading.wait_for(state="detached", timeout=30_000)
    seen = page.evaluate("window.__loading")
    assert seen["loading_ms"] is not None and seen["loading_ms"] < seen["dashboard_ms"], seen
    texts = seen["texts"]
    assert texts[0] == "DDoS workbench Loading the capture mailprovider_2015.pcapng.gz …", texts
    assert any(re.fullmatch(r"DDoS workbench Analysing 179,350 packets of mailprovider_2015\.pcapng\.gz …", t) for t in texts), texts  # fmt: skip
    return seen


@pytest.fixture(scope="module")
def truth():
    """Figures the page must show, computed from the packets (not by the dashboard's code)."""
    import workbench as wb
    from workbench.viz.palette import colour, title

    capture = wb.load(SAMPLE)
    report = wb.analyze(capture, link_capacity="3M")
    packets = report.packets
    phase = report.phases[4]
    assert phase["kind"] == "attack" and "ssdp_amplification" in phase["vectors"]
    start, end = pl.Series([phase["start"], phase["end"]]).str.to_datetime(
        time_unit="ns", time_zone="UTC"
    )
    ssdp = packets.filter(pl.col("vector") == "ssdp_amplification")
    in_phase = ssdp.filter((pl.col("ts") >= start) & (pl.col("ts") < end))
    located = wb.enrich.geolocate(in_phase["src"].unique()).select(
        pl.col("address").alias("src"), "country"
    )
    in_cn = in_phase.join(located.filter(pl.col("country") == "CN"), on="src", how="semi")
    names = [v for v in report.series["vector"].unique().to_list()]
    return {
        "all": packets.height,
        "ssdp": ssdp.height,
        "ssdp_shortest": ssdp["wire_len"].min(),
        "ssdp_longest": ssdp["wire_len"].max(),
        "ssdp_sources_located": wb.enrich.geolocate(ssdp["src"].unique())["country"]
        .drop_nulls()
        .len(),
        "phase": phase,
        "ssdp_in_phase": in_phase.height,
        "ssdp_in_phase_cn": in_cn.height,
        "ssdp_in_phase_cn_sources": in_cn["src"].n_unique(),
        "colours": {title(v): colour(v) for v in names},
        "ssdp_title": title("ssdp_amplification"),
        "titles": {title(v) for v in names},
    }


@contextmanager
def _dashboard(url: str, artifacts: Path, name: str, timeout: int = 300_000, **page_options):
    """The app opened in Chromium (1,440 x 900) through its loading state
    (``_open_with_loading_state``), once its overview has drawn; the browser closed after."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1440, "height": 900}, **page_options)
            _open_with_loading_state(page, url, artifacts, name)
            page.locator(".wb-overview .role-legend-label").first.wait_for(timeout=timeout)
            yield page
        finally:
            browser.close()


def _click_header(page, column: str, mark: str) -> list[dict]:
    """Click a header of the packet table, wait for it to show ``mark`` (▲ or ▼): the rows."""
    page.locator(f".wb-packets table.wb-packets th[data-sort='{column}']").click()
    page.locator(".wb-packets table.wb-packets th", has_text=f"{column} {mark}").wait_for(
        timeout=60_000
    )
    return page.evaluate(READ_TABLE)


def _lengths(rows: list[dict]) -> list[int]:
    return [_number(r["Length"]) for r in rows]


def _number(text: str) -> int:
    return int(re.sub(r"[^0-9]", "", text))


def _wait_total(page, expected: int) -> None:
    page.wait_for_function(
        "n => { const t = document.querySelector('.wb-packets-caption .wb-total');"
        " return t && Number(t.textContent.replace(/,/g, '')) === n; }",
        arg=expected,
        timeout=60_000,
    )
    time.sleep(1.5)  # let Vega draw the new charts


def _check_colours(charts: dict, truth: dict) -> None:
    """Each vector has one colour, the same in every chart (legends and areas)."""
    for name in ("overview", "detail"):
        chart = charts[name]
        for label, fill in chart["legend"]:
            assert fill == truth["colours"][label], (name, label, fill)
        legend_fills = {fill for _, fill in chart["legend"]}
        assert set(chart["areas"]) <= legend_fills, (name, chart["areas"], legend_fills)


def _select(page, label: str, option_label: str | None = None, starts: str | None = None) -> None:
    select = page.locator(
        ".widget-dropdown", has=page.locator("label", has_text=re.compile(f"^{label}$"))
    ).locator("select")
    if starts is not None:
        options = select.locator("option").all_text_contents()
        option_label = next(o for o in options if o.replace("\xa0", " ").startswith(starts))
    select.select_option(label=option_label)


def _filtered(page, artifacts, truth: dict, label: str, total: int, shot: str, **option) -> dict:
    """``label``'s option picked (``_select``), the packet table at ``total``, the page saved as
    ``shot``: the charts read, their colours checked."""
    _select(page, label, **option)
    _wait_total(page, total)
    page.screenshot(path=str(artifacts / f"{shot}.png"))
    charts = page.evaluate(READ_CHARTS)
    _check_colours(charts, truth)
    return charts


def test_every_panel_follows_a_vector_a_phase_and_a_country(voila, truth, artifacts) -> None:
    # an analyst's browser in New York: every time the page draws is still UTC
    with _dashboard(voila, artifacts, "app", timezone_id="America/New_York") as page:
        assert "Error loading script" not in page.content()
        _wait_total(page, truth["all"])
        page.screenshot(path=str(artifacts / "app_1_whole_capture.png"))
        page.screenshot(path=str(artifacts / "app_1_whole_capture_full.png"), full_page=True)
        # the pickers start at "all", the overview fits a 1,440 x 900 screen
        for label, text in (
            ("vector", "all vectors"),
            ("phase", "all phases"),
            ("country", "all countries"),
        ):
            select = page.locator(
                ".widget-dropdown", has=page.locator("label", has_text=re.compile(f"^{label}$"))
            ).locator("select")
            assert (
                select.evaluate("s => s.options[s.selectedIndex].textContent").replace("\xa0", " ")
                == text
            )
        assert (
            page.locator(".wb-overview").bounding_box()["y"]
            + page.locator(".wb-overview").bounding_box()["height"]
            <= 900
        )
        # readable: a space (4 px) at least between two time labels
        for chart in (".wb-overview", ".wb-detail"):
            shown = page.evaluate(READ_TIME_LABELS, chart)
            assert len(shown) >= 4, (chart, shown)
            for (a, _, a_right), (b, b_left, _) in itertools.pairwise(shown):
                assert b_left - a_right >= 4, f"{chart}: {a} runs into {b} ({shown})"
            # in UTC, as titled: the sample runs 07:55:00.105-08:02:59.991 UTC
            assert all("07:55:00" <= t <= "08:03:00" for t, *_ in shown), (chart, shown)
        # the selection chart right under the overview, whatever the map beside them takes
        over, detail = (page.locator(c).bounding_box() for c in (".wb-overview", ".wb-detail"))
        assert 0 <= detail["y"] - (over["y"] + over["height"]) <= 24, (over, detail)
        # every toggle shows its whole label (none cut to "packet…")
        cut = page.locator(".widget-toggle-button").evaluate_all(
            "bs => bs.filter(b => b.scrollWidth > b.clientWidth).map(b => b.textContent)"
        )
        assert page.locator(".widget-toggle-button").count() >= 2 and not cut, cut
        before = page.evaluate(READ_CHARTS)
        _check_colours(before, truth)
        assert {label for label, _ in before["detail"]["legend"]} == truth["titles"]
        totals_before = page.locator(".wb-totals").inner_text()

        # 1. a vector
        charts = _filtered(page, artifacts, truth, "vector", truth["ssdp"], "app_2_vector",
                           option_label=truth["ssdp_title"])  # fmt: skip
        ssdp_colour = truth["colours"][truth["ssdp_title"]]
        for name in ("overview", "detail"):
            assert [label for label, _ in charts[name]["legend"]] == [truth["ssdp_title"]], name
            assert charts[name]["areas"] == [ssdp_colour], name
        totals = page.locator(".wb-totals").inner_text()
        assert totals != totals_before and f"{truth['ssdp']:,} packets" in totals
        assert not (truth["titles"] - {truth["ssdp_title"]}) & set(
            re.findall(r"■ ([^:]+):", totals)
        )
        assert f"{truth['ssdp_sources_located']:,} located" in charts["map"]["title"]
        assert charts["map"]["title"] != before["map"]["title"]
        assert "SSDP amplification" in page.locator(".wb-spoofing").inner_text()
        assert "DNS amplification" not in page.locator(".wb-spoofing").inner_text()
        rows = page.evaluate(READ_TABLE)
        assert len(rows) == 20 and {r["Vector"] for r in rows} == {truth["ssdp_title"]}
        assert {r["Protocol"] for r in rows} == {"UDP"} and all(
            r["Info"].startswith("1900 →") for r in rows
        )
        assert all(re.fullmatch(r"\d\d:\d\d:\d\d\.\d{6}", r["Time"]) for r in rows)
        assert all(re.fullmatch(r"([0-9a-f]{2}:){5}[0-9a-f]{2}", r["Source MAC"]) for r in rows)
        assert "vector: SSDP amplification" in page.locator(".wb-tags").inner_text()

        # the packet table sorts by a click on a header, and reverses on a second click
        assert page.locator(".wb-packets th", has_text="No. ▲").count() == 1
        rows = _click_header(page, "Length", "▲")
        assert len(rows) == 20 and {r["Vector"] for r in rows} == {truth["ssdp_title"]}
        assert _lengths(rows) == sorted(_lengths(rows))
        assert _lengths(rows)[0] == truth["ssdp_shortest"]
        rows = _click_header(page, "Length", "▼")
        page.screenshot(path=str(artifacts / "app_2_vector_sorted_by_length.png"))
        assert {r["Vector"] for r in rows} == {truth["ssdp_title"]}
        assert _lengths(rows) == sorted(_lengths(rows), reverse=True)
        assert _lengths(rows)[0] == truth["ssdp_longest"]
        assert page.locator(".wb-packets th", has_text="No. ▲").count() == 0

        # 2. a phase (the filters add up: SSDP in phase 4)
        after_phase = _filtered(page, artifacts, truth, "phase", truth["ssdp_in_phase"],
                                "app_3_vector_and_phase", starts="4 · attack")  # fmt: skip
        assert after_phase["detail"]["areas"] == [ssdp_colour]
        assert (
            page.locator(".wb-overview .mark-rect path, .wb-overview [class*='brush']").count() >= 1
        )
        phase_totals = page.locator(".wb-totals").inner_text()
        assert phase_totals != totals and "SSDP amplification" in phase_totals
        # the series is binned (100 ms): its total may differ by a handful of edge packets
        assert abs(_number(phase_totals.split("packets")[0]) - truth["ssdp_in_phase"]) <= 10
        rows = page.evaluate(READ_TABLE)
        start, end = truth["phase"]["start"][11:19], truth["phase"]["end"][11:19]
        assert all(start <= r["Time"][:8] <= end for r in rows)
        # the order clicked stays with the new filter
        assert _lengths(rows) == sorted(_lengths(rows), reverse=True)
        assert page.locator(".wb-packets th", has_text="Length ▼").count() == 1
        assert after_phase["map"]["title"] != charts["map"]["title"]
        tags = page.locator(".wb-tags").inner_text()
        assert "phase 4 attack" in tags and "vector: SSDP amplification" in tags

        # 3. a source country
        after_country = _filtered(page, artifacts, truth, "country", truth["ssdp_in_phase_cn"],
                                  "app_4_vector_phase_country", starts="CN ")  # fmt: skip
        assert after_country["detail"]["areas"] == [ssdp_colour]
        assert (
            f"Sources in CN: {truth['ssdp_in_phase_cn_sources']:,} ({truth['ssdp_in_phase_cn']:,} packets)"
            in after_country["map"]["title"]
        )
        country_totals = page.locator(".wb-totals").inner_text()
        assert f"{truth['ssdp_in_phase_cn']:,} packets" in country_totals
        assert page.locator(".wb-map-caption").inner_text().startswith("Sources: CN")
        rows = page.evaluate(READ_TABLE)
        import workbench as wb

        found = wb.enrich.geolocate(
            wb.capture.addresses.from_text([r["Source"] for r in rows], "a")
        )
        assert set(found["country"].to_list()) == {"CN"}
        assert "source country: CN" in page.locator(".wb-tags").inner_text()

        # the selection's packets saved, and downloaded from the page: the same bytes
        page.locator("button", has_text="save packets").click()
        saved = page.locator(".wb-saved")
        saved.wait_for(timeout=60_000)
        assert f"wrote {truth['ssdp_in_phase_cn']:,} attack packets" in saved.inner_text()
        page.screenshot(path=str(artifacts / "app_4b_saved_packets.png"))
        written = REPO / "notebooks" / saved.inner_text().rsplit(" to ", 1)[1].strip()
        try:
            with page.expect_download() as download:
                page.locator("a.wb-download").click()
            fetched = Path(download.value.path()).read_bytes()
            assert fetched == written.read_bytes() and fetched[:4] == b"\n\r\r\n"
            assert wb.load(written).packets.height == truth["ssdp_in_phase_cn"]
        finally:
            written.unlink(missing_ok=True)

        # clear all: back to the whole capture
        page.locator(".wb-tags button", has_text="clear all").click()
        _wait_total(page, truth["all"])
        page.screenshot(path=str(artifacts / "app_5_cleared.png"))
        assert "No filters" in page.locator(".wb-tags").inner_text()


def test_the_binder_route_shows_the_loading_state_then_the_dashboard(binder, artifacts) -> None:
    """Through the Jupyter server extension, as the Binder badge opens it: the repository's
    voila.json (progressive rendering) is read there too."""
    with _dashboard(binder, artifacts, "binder_app", timeout=120_000) as page:
        page.screenshot(path=str(artifacts / "binder_app_1_dashboard.png"))
        assert page.locator(".wb-packets table.wb-packets tbody tr").count() == 20


def test_a_brush_follows_the_drag(voila, truth, artifacts) -> None:
    """Dragged across the overview in small steps, as a hand does, the brush and the window it
    filters follow the whole drag (the first event used to redraw the chart and end the drag a
    few pixels in)."""
    with _dashboard(voila, artifacts, "brush") as page:
        _wait_total(page, truth["all"])
        plot = page.locator(".wb-overview .mark-area path").first.bounding_box()
        x0, y = plot["x"] + plot["width"] * 0.30, plot["y"] - 40
        page.mouse.move(x0, y)
        page.mouse.down()
        for k in range(1, 21):  # 80 px in 20 steps, 30 ms apart
            page.mouse.move(x0 + 4 * k, y)
            page.wait_for_timeout(30)
        page.mouse.up()
        tag = page.locator(".wb-tag", has_text="time:")
        tag.wait_for()
        page.wait_for_timeout(1500)  # the last brush event through the kernel
        page.screenshot(path=str(artifacts / "app_6_brushed.png"))
        brush = page.locator(".wb-overview .mark-rect path").first.bounding_box()
        text = tag.inner_text()
    assert brush["width"] >= 70, brush  # the 80 px dragged, drawn
    # and filtered: 80 px of the 540 px plot are about 71 s of the sample's 8 min
    first, last = (datetime.strptime(t, "%H:%M:%S.%f")
                   for t in re.findall(r"\d\d:\d\d:\d\d\.\d+", text))  # fmt: skip
    assert (last - first).total_seconds() >= 60, text
