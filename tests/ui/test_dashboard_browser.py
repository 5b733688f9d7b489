"""The dashboard in a real browser: Voilà serves the quick-start notebook, headless Chromium drives it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]  # fmt: skip

pytestmark = pytest.mark.browser


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def voila(tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip("chromium is not installed")
    if shutil.which("voila", path=str(Path(sys.executable).parent)) is None:
        pytest.skip("voila is not installed")
    port = _free_port()
    env = {**os.environ, "WORKBENCH_SAMPLE": str(REPO / "sample_pcaps" / "mailprovider_2015.pcapng.gz"),
           "JUPYTER_CONFIG_DIR": str(tmp_path / "cfg"), "JUPYTER_RUNTIME_DIR": str(tmp_path / "rt")}  # fmt: skip
    log = (tmp_path / "voila.log").open("w")
    proc = subprocess.Popen(
        [str(Path(sys.executable).parent / "voila"), str(REPO / "notebooks" / "01_quick_start.ipynb"), f"--port={port}",
         "--no-browser", "--Voila.ip=127.0.0.1", "--VoilaConfiguration.show_tracebacks=True"],
        cwd=REPO / "notebooks", env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:
        for _ in range(100):
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                time.sleep(0.3)
        yield f"http://127.0.0.1:{port}/"
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()


def test_dashboard_renders_and_a_control_changes_the_chart(voila, artifacts) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page(viewport={"width": 1300, "height": 2200})
            page.goto(voila, timeout=180_000)
            dropdown = page.locator(
                ".widget-dropdown", has=page.locator("label", has_text="vector")
            ).locator("select")
            dropdown.wait_for(timeout=240_000)
            charts = page.locator(".vega-embed")
            page.wait_for_function(
                "document.querySelectorAll('.vega-embed canvas, .vega-embed svg').length >= 3",
                timeout=120_000,
            )
            detail = charts.nth(charts.count() - 1)
            before = detail.screenshot()
            page.screenshot(path=str(artifacts / "dashboard_before.png"))
            dropdown.select_option(label="ssdp_amplification")
            page.wait_for_function(
                "[...document.querySelectorAll('table.wb-packets td')].filter(td => td.textContent === 'ssdp_amplification').length >= 10",
                timeout=60_000,
            )
            time.sleep(1.5)  # let Vega redraw the detail chart
            after = detail.screenshot()
            page.screenshot(path=str(artifacts / "dashboard_after.png"))
            assert before != after, "the detail chart did not change after picking a vector"
            assert "Error loading script" not in page.content()  # everything renders offline
        finally:
            browser.close()
