"""The HTML report: one self-contained file that renders fully offline (charts as inline SVG)."""

from __future__ import annotations

from pathlib import Path

import vl_convert

from workbench.export.atomic import write_text
from workbench.export.escaping import clip, html_text, json_text
from workbench.export.evidence import as_dict, evidence_block

CSS = """
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;color:#222}
h1{margin-bottom:.2em} h2{border-bottom:2px solid #ddd;padding-bottom:.2em;margin-top:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0} th,td{border:1px solid #ddd;padding:4px 6px;text-align:left;vertical-align:top}
th{background:#f4f4f4} .attack{background:#fbe3e0} .mitigated{background:#fdf2d9} .baseline{background:#eef6ea}
.chart{margin:1em 0} .small{color:#666;font-size:12px} code{font-size:12px;word-break:break-all}
.verdict{font-weight:600}
"""


class Escaped(str):
    """Text already escaped for HTML (``_table`` leaves it as it is)."""


def _e(value) -> str:
    """Every value shown in the report goes through the one HTML policy (``escaping.html_text``)."""
    return value if isinstance(value, Escaped) else html_text(value)


def _svg(chart) -> str:
    """An Altair chart as inline SVG (no script, no network)."""
    return f'<div class="chart">{vl_convert.vegalite_to_svg(chart.to_json())}</div>'


def _table(headers: list[str], rows: list[list], row_class: list[str] | None = None) -> str:
    head = "".join(f"<th>{_e(h)}</th>" for h in headers)
    body = []
    for k, row in enumerate(rows):
        cls = f' class="{_e(row_class[k])}"' if row_class else ""
        body.append(f"<tr{cls}>" + "".join(f"<td>{_e(c)}</td>" for c in row) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def _charts(report, data: dict) -> str:
    from workbench import viz

    parts = []
    series = getattr(report, "series", None)
    if series is not None and not series.is_empty():
        parts.append(_svg(viz.timeline_chart(series, data["phases"])))
        parts.append(_svg(viz.timeline_chart(series, data["phases"], metric="pps")))
    if data["vectors"]:
        parts.append(
            _svg(viz.vector_bar_chart(data["vectors"]) | viz.target_bar_chart(data["targets"]))
        )
    return "".join(parts)


def _saturation(report, data: dict) -> str:
    from workbench import viz
    from workbench.analysis.saturation import utilization_series

    sat = data.get("saturation") or {}
    cap = sat.get("capacity_bps")
    out = []
    if not cap:
        out.append(
            "<p>No link capacity was given, so utilisation is not computed (peaks in bits/s below).</p>"
        )
    else:
        over = ", ".join(
            f"{s['seconds']:.1f} s over {s['threshold']:.0%}" for s in sat.get("seconds_over", [])
        )
        out.append(f"<p>Capacity {cap / 1e6:,.1f} Mbit/s; peak utilisation {sat.get('peak_utilization', 0):.0%} at "
                   f"{sat.get('bin_ms')} ms bins; {_e(over)}.</p>")  # fmt: skip
        packets = getattr(report, "packets", None)
        if packets is not None and (not hasattr(packets, "height") or packets.height):
            util = utilization_series(packets, cap, 1000)
            out.append(_svg(viz.utilization_chart(util, cap) | viz.multiscale_chart(sat["peaks"])))
        rows = [[i["start"], i["end"], f"{i['seconds']:.1f}", f"{i['peak_utilization']:.0%}", f"{i['mean_utilization']:.0%}"]
                for i in sat.get("intervals", [])[:50]]  # fmt: skip
        if rows:
            out.append(
                "<h3>Intervals at or above {:.0%} of capacity</h3>".format(
                    sat.get("saturated_threshold", 0.95)
                )
            )
            out.append(_table(["start", "end", "seconds", "peak", "mean"], rows))
        legit = sat.get("legitimate")
        if legit:
            out.append("<h3>Legitimate traffic around the saturation</h3>")
            out.append(_table(["when", "seconds", "legit bits/s", "legit share"],
                              [[k, v["seconds"], f"{v['legit_bps']:,.0f}", "-" if v["legit_share"] is None else f"{v['legit_share']:.1%}"]
                               for k, v in legit.items()]))  # fmt: skip
    peaks = [[p["bin_ms"], f"{p['peak_bps']:,.0f}", f"{p['peak_pps']:,.0f}", p["at"],
              "-" if p.get("peak_utilization") is None else f"{p['peak_utilization']:.0%}"] for p in sat.get("peaks", [])]  # fmt: skip
    out.append(_table(["bin (ms)", "peak bits/s", "peak packets/s", "at", "utilisation"], peaks))
    drops = sat.get("drops") or {}
    out.append(f"<p>Capture drops reported by the capture interface: {_e(drops.get('capture_drops'))}; "
               f"timestamp gaps in busy traffic: {len(drops.get('gaps', []))}.</p>")  # fmt: skip
    return "".join(out)


def _fact(value) -> str:
    """One application-layer fact: packet strings (DNS names, URIs, user agents) each clipped."""
    if isinstance(value, dict):
        return ", ".join(
            f"{clip(str(k))} ({v:.0%})" if isinstance(v, float) else f"{clip(str(k))}: {_fact(v)}"
            for k, v in value.items()
        )
    return clip(str(value))


def _evidence_text(evidence: dict) -> Escaped:
    """The rule in words, then the figures (application-layer facts last)."""
    figures = "; ".join(
        f"{k.replace('_', ' ')}: {v}"
        for k, v in evidence.items()
        if k not in ("rule", "application")
    )
    text = f"{evidence.get('rule', '')}. {figures}"
    app = evidence.get("application")
    if app:
        text += ". Payloads: " + "; ".join(
            f"{k.replace('_', ' ')}: {_fact(v)}" for k, v in app.items() if k != "dissected_packets"
        )
    return Escaped(html_text(text, limit=None))  # its packet strings are clipped one by one


def _map(data: dict) -> str:
    from workbench.enrich import attribution
    from workbench.viz.geo import asn_bar_chart, country_bar_chart, source_map

    sources = data.get("sources", {})
    if not sources.get("countries"):
        return ""
    return _svg(source_map(sources["countries"], attribution=attribution()["text"])) + _svg(
        country_bar_chart(sources["countries"]) | asn_bar_chart(sources.get("asns", []))
    )


def render(report) -> str:
    """The report as one HTML document (string)."""
    data = as_dict(report)
    summary = report.summary() if hasattr(report, "summary") else ""
    phases = data.get("phases", [])
    vectors = data.get("vectors", [])
    spoof = data.get("sources", {}).get("spoofing", {})
    block = evidence_block(report)
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<title>DDoS forensic report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>DDoS forensic report</h1>",
        f"<p class='small'>workbench {_e(block['workbench_version'])} &middot; analysed {_e(block['analysed_at'])}</p>",
        f"<h2>Summary</h2><p>{_e(summary)}</p>",
        _charts(report, data),
        "<h2>Phases</h2>",
        _table(
            [
                "#",
                "kind",
                "start",
                "end",
                "vectors",
                "targets",
                "peak bits/s",
                "peak pps",
                "sources",
            ],
            [
                [
                    p["index"],
                    p["kind"] + (f" ({p['mitigation']['reason']})" if p.get("mitigation") else ""),
                    p["start"],
                    p["end"],
                    ", ".join(p["vectors"]) or "-",
                    ", ".join(p["targets"][:6]) or "-",
                    f"{p['peak_bps']:,.0f}",
                    f"{p['peak_pps']:,.0f}",
                    p["unique_sources"],
                ]
                for p in phases
            ],
            [p["kind"] for p in phases],
        ),
        "<h2>Vectors and the evidence for each</h2>",
        _table(
            ["vector", "start", "end", "packets", "peak bits/s", "sources", "targets", "evidence"],
            [
                [
                    v["vector"],
                    v["start"],
                    v["end"],
                    f"{v['packets']:,}",
                    f"{v['peak_bps']:,.0f}",
                    v["unique_sources"],
                    ", ".join(v["targets"][:4]),
                    _evidence_text(v["evidence"]),
                ]
                for v in vectors
            ],
        ),
        "<h2>Targets</h2>",
        _table(
            ["target", "hosts", "packets", "bytes", "vectors"],
            [
                [
                    t.get("prefix") or t["address"],
                    t.get("hosts", 1),
                    f"{t['packets']:,}",
                    f"{t['bytes']:,}",
                    ", ".join(t["vectors"]),
                ]
                for t in data.get("targets", [])
            ],
        ),
        "<h2>Sources and spoofing</h2>",
        f"<p class='verdict'>{_e(spoof.get('verdict', ''))}</p>",
        _table(
            ["vector", "verdict", "evidence"],
            [[p["vector"], p["verdict"], p["evidence"]] for p in spoof.get("per_vector", [])],
        ),
        "<h3>Where the sources are</h3>",
        _map(data),
        _table(
            ["country", "role", "unique sources", "packets", "bytes"],
            [
                [
                    c["country"],
                    c.get("role", ""),
                    c["unique_sources"],
                    f"{c['packets']:,}",
                    f"{c['bytes']:,}",
                ]
                for c in data.get("sources", {}).get("countries", [])
            ],
        ),
        _table(
            ["ASN", "organisation", "country", "unique sources", "bytes"],
            [
                [
                    a["asn"],
                    a.get("as_org"),
                    a.get("country"),
                    a["unique_sources"],
                    f"{a['bytes']:,}",
                ]
                for a in data.get("sources", {}).get("asns", [])[:10]
            ],
        ),
        f"<p class='small'>{_e(data.get('sources', {}).get('geography_note', ''))}. Sources of spoofed vectors are counted"
        " apart: their addresses are forged.</p>",
        "<h2>Link saturation</h2>",
        _saturation(report, data),
        "<h2>Evidence</h2>",
        _table(
            ["file", "SHA-256", "bytes", "format", "packets", "first packet", "last packet"],
            [
                [
                    i["path"],
                    i["sha256"],
                    i.get("size"),
                    i.get("format"),
                    i.get("packets"),
                    i.get("start"),
                    i.get("end"),
                ]
                for i in block["inputs"]
            ],
        ),
        f"<p class='small'>Parameters: <code>{html_text(json_text(block['parameters']), limit=None)}</code></p>",
        "</body></html>",
    ]
    return "".join(parts)


def html(report, path: str | Path) -> Path:
    """Write the offline HTML report to ``path``.

    wb.export.html(rep, "report.html")
    """
    return write_text(path, render(report))
