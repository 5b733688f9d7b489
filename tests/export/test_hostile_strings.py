"""Strings an attacker chooses (DNS names, HTTP URIs, user agents, file names) through every export.

A synthesized attack whose DNS query names, HTTP URIs and user agents carry ``<script>``,
``=HYPERLINK(...)``, bidi overrides, NUL and a 40 KB URI is analysed with deep dissection
(tshark); on top of what tshark hands over, the exact hostile values (a 64 KB DNS name, raw
U+202E, NUL) are set in the evidence, as another dissector might deliver them. Then: the CSV
has no formula and nothing invisible, the HTML no element or script of the attacker's, JSON
outputs parse and keep every value exactly.
"""

from __future__ import annotations

import csv
import io
import json
import re
import struct
from html.parser import HTMLParser

import pytest

import workbench as wb
from workbench.export import escaping

LABELS = ['<script>alert(1)</script>', '=HYPERLINK("http:evil","x")', "\u202eexe.txt", "nul\x00byte",
          "+cmd|calc", "@SUM(1)", "-2+3", "\tTAB"]  # fmt: skip
URI = '/<script>alert("uri")</script>?q=\u202egnp.exe&x=' + "A" * 40_000
AGENT = '=HYPERLINK("http://evil.example/","click") \u2066bidi\u2069 <img src=x onerror=alert(2)>'
LONG_NAME = "a" * 65_536 + ".example"
EXACT = {  # what a dissector could hand over: every hostile kind at once
    LONG_NAME: 0.25,
    "\u202e<script>alert(3)</script>": 0.25,
    '=HYPERLINK("http://evil.example/","x")': 0.25,
    "nul\x00\u2067name\r\n": 0.25,
}
HOSTILE_FILE = "=cmd|calc <b>x \u202e.pcap"  # the evidence's own name is attacker-chosen too


def _dns_query(qname: str, qtype: int = 255, txid: int = 0x1234) -> bytes:
    first, *rest = qname.split(".")
    labels = [LABELS[txid % len(LABELS)].encode(), first.encode(), *[r.encode() for r in rest]]
    name = b"".join(bytes([len(label)]) + label for label in labels) + b"\0"
    return struct.pack("!HHHHHH", txid, 0x0100, 1, 0, 0, 0) + name + struct.pack("!HH", qtype, 1)


@pytest.fixture(scope="module")
def hostile(tmp_path_factory, tshark):
    from workbench.synth import payloads

    folder = tmp_path_factory.mktemp("hostile")
    path = folder / HOSTILE_FILE
    plain_get = payloads.http_get
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(payloads, "dns_query", _dns_query)
        patch.setattr(
            payloads, "http_get", lambda host, uri, agent: plain_get(host, URI + uri[1:], AGENT)
        )
        wb.synth.write("application-layer", path, scale=0.2)
    capture = wb.load(path)
    report = wb.analyze(capture, dissect=40)
    vectors = {v["vector"]: v for v in report.vectors}
    assert {"http_flood", "dns_water_torture"} <= set(vectors)
    # what tshark handed over reached the report (bidi bytes it shows as U+FFFD, NUL as \000)
    app = vectors["http_flood"]["evidence"]["application"]
    assert any("<script>" in uri for uri in app["http_uri"])
    assert any(agent.startswith("=HYPERLINK") for agent in app["http_user_agent"])
    names = vectors["dns_water_torture"]["evidence"]["application"]["dns_query_name"]
    assert any(
        n.startswith(("<script>", "=", "+", "-", "@", "\\", "\t", "\u202e", "nul")) for n in names
    )
    # the typed report is frozen: the exact hostile values go in through its JSON
    data = report.to_dict()
    for entry in data["vectors"]:
        if entry["vector"] == "dns_water_torture":
            entry["evidence"]["application"]["dns_query_name"].update(EXACT)
        if entry["vector"] == "http_flood":
            entry["evidence"]["application"]["http_user_agent"].update(EXACT)
    report = wb.Report.from_dict(
        data, series=report.series, packets=report.packets, utilization=report.utilization
    )
    return folder, capture, report


def _cells(path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_csv_timeline_has_no_formula_and_nothing_invisible(hostile) -> None:
    folder, _, report = hostile
    rows = _cells(wb.export.timeline(report, folder / "t.csv"))
    header, body = rows[0], rows[1:]
    evidence_col = header.index("evidence")
    seen_cut = False
    for row in body:
        for k, cell in enumerate(row):
            assert not cell.startswith(escaping.FORMULA_START), cell[:80]
            assert not escaping._INVISIBLE.search(cell), cell[:80]
            if k == evidence_col and cell:
                facts = json.loads(cell)  # still valid JSON, strings clipped inside
                seen_cut |= "more characters cut" in json.dumps(facts)
            else:
                assert len(cell) < escaping.MAX_CHARS + 100
    assert seen_cut  # the 64 KB name and the 40 KB URI were cut with a marker
    messages = [row[header.index("message")] for row in body]
    assert any(m.startswith("Capture starts (") and "'" not in m[:1] for m in messages)


def test_csv_cell_policy_one_by_one() -> None:
    for text in ["=1+1", "+1", "-1", "@x", "\tx", "\rx", "\uff1dHYPERLINK()"]:
        assert escaping.csv_cell(text).startswith(("'", "\\"))
    assert escaping.csv_cell("x\u202ey\x00") == "x\\u202ey\\x00"
    assert escaping.csv_cell(3.5) == 3.5 and escaping.csv_cell(None) is None
    assert escaping.csv_cell("b" * 5000).endswith("[3,976 more characters cut]")


class _Elements(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: set[str] = set()
        self.handlers: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        self.tags.add(tag)
        self.handlers += [name for name, _ in attrs if name.startswith("on") or name == "href"]

    def handle_data(self, data) -> None:
        self.text.append(data)


def test_html_report_escapes_every_packet_string(hostile) -> None:
    folder, _, report = hostile
    doc = wb.export.html(report, folder / "r.html").read_text(encoding="utf-8")
    parsed = _Elements()
    parsed.feed(doc)
    assert not parsed.tags & {"script", "img", "iframe", "object", "embed", "a", "b", "form"}
    assert not parsed.handlers and "javascript:" not in doc.lower()
    assert "&lt;script&gt;" in doc and "&lt;img src=x onerror=alert(2)&gt;" in doc
    text = "".join(parsed.text)
    assert not re.search("[\x00\u202a-\u202e\u2066-\u2069]", doc)  # made visible, not obeyed
    assert "\\u202e" in text and "\\x00" in text
    assert LONG_NAME not in doc and "more characters cut" in text
    assert len(doc) < 2_000_000


def test_json_outputs_stay_valid_and_exact(hostile) -> None:
    folder, _capture, report = hostile
    exact = set(EXACT)
    # report JSON
    data = json.loads(report.to_json())
    dns = next(v for v in data["vectors"] if v["vector"] == "dns_water_torture")
    assert exact <= set(dns["evidence"]["application"]["dns_query_name"])
    # Timesketch JSONL: every line parses, the vector's evidence keeps the exact names
    lines = wb.export.timeline(report, folder / "t.jsonl").read_text().splitlines()
    events = [json.loads(line) for line in lines]
    onsets = [
        e
        for e in events
        if e.get("event_type") == "vector_start" and e["vector"] == "dns_water_torture"
    ]
    assert exact <= set(json.loads(onsets[0]["evidence"])["application"]["dns_query_name"])
    # STIX
    bundle = json.loads(wb.export.stix(report, folder / "b.json").read_text())
    observed = [
        o
        for o in bundle["objects"]
        if o["type"] == "observed-data" and o.get("x_workbench_vector") == "dns_water_torture"
    ]
    assert exact <= set(observed[0]["x_workbench_evidence"]["application"]["dns_query_name"])
    # fingerprint
    doc = json.loads(wb.export.fingerprint(report, folder / "fp.json").read_text())
    vectors = [v for fp in doc["fingerprints"] for v in fp["attack_vectors"]]
    assert any(exact <= set(v.get("dns_query_name", {})) for v in vectors)
    assert any(exact <= set(v.get("http_user_agent", {})) for v in vectors)
    # the evidence's hostile file name is kept exactly where it is data
    assert doc["evidence"]["inputs"][0]["path"].endswith(HOSTILE_FILE)


def test_hostile_file_name_in_the_csv_and_html(hostile) -> None:
    folder, _, report = hostile
    html = wb.export.html(report, folder / "r2.html").read_text(encoding="utf-8")
    assert "=cmd|calc &lt;b&gt;x \\u202e.pcap" in html
    sidecar = json.loads(
        (wb.export.timeline(report, folder / "t2.csv").parent / "t2.csv.evidence.json").read_text()
    )
    assert sidecar["inputs"][0]["path"].endswith(HOSTILE_FILE)


BROWSER_CHECKS = """() => {
  const page = document.documentElement.clientWidth;
  const escaped = [];
  for (const cell of document.querySelectorAll('td, th')) {
    const box = cell.getBoundingClientRect();
    for (const inner of cell.querySelectorAll('*')) {
      const r = inner.getBoundingClientRect();
      if (r.width && (r.left < box.left - 1 || r.right > box.right + 1)) escaped.push(inner.outerHTML.slice(0, 80));
    }
  }
  const wide = [...document.querySelectorAll('body *')].filter(e => e.getBoundingClientRect().right > page + 1);
  return {
    scripts: document.querySelectorAll('script').length,
    handlers: [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length,
    links: [...document.querySelectorAll('a[href]')].map(a => a.getAttribute('href')).filter(h => !/^(https?:|#|mailto:)/i.test(h)),
    foreign: document.querySelectorAll('img, iframe, object, embed, form, b, marquee').length,
    escaped, wide: wide.map(e => e.tagName + ' ' + (e.className || '')).slice(0, 5),
    pageWidth: page, scrollWidth: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.browser
@pytest.mark.parametrize("width", [1024, 1440])
def test_html_report_in_chromium_runs_nothing_and_keeps_every_value_in_its_cell(
    hostile, artifacts, width
) -> None:
    from pathlib import Path

    if not Path("/usr/bin/chromium").exists():
        pytest.skip("chromium is not installed")
    from playwright.sync_api import sync_playwright

    folder, _, report = hostile
    page_path = wb.export.html(report, folder / "hostile.html")
    dialogs = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu"],
        )
        page = browser.new_page(viewport={"width": width, "height": 900})
        page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
        page.goto(page_path.resolve().as_uri())
        page.wait_for_timeout(500)
        found = page.evaluate(BROWSER_CHECKS)
        page.screenshot(path=str(artifacts / f"hostile_report_{width}.png"), full_page=False)
        text = page.inner_text("body")
        browser.close()
    assert dialogs == []  # no alert() of the attacker's ran
    assert found["scripts"] == 0 and found["handlers"] == 0 and found["foreign"] == 0, found
    assert found["links"] == [], found  # no javascript: (or any other scheme's) link
    assert found["escaped"] == [], found["escaped"][:3]
    assert found["scrollWidth"] <= found["pageWidth"] and found["wide"] == [], found
    # the values are shown, as text, with invisible characters made visible
    assert "<script>alert(1)</script>" in text or "<script>alert(3)</script>" in text
    assert "\u202e" not in text and "\x00" not in text
