"""The HTML report: one self-contained file that renders fully offline (charts as inline SVG)."""

from __future__ import annotations

from pathlib import Path

from workbench import formatting as fmt
from workbench.analysis.headline import headline_items
from workbench.analysis.vector_table import in_words
from workbench.atomic import write_text
from workbench.export.escaping import clip, html_text, json_text
from workbench.export.evidence import as_dict, evidence_block
from workbench.export.html_parts import CSS, Escaped, Long, Num, Time, vector_cell, vectors_cell
from workbench.export.html_parts import escape as _e
from workbench.export.html_parts import svg as _svg
from workbench.export.html_parts import table as _table
from workbench.formatting import VALUE_NAMES


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


def _headline(data: dict) -> str:
    """The strip of facts the report opens with; the data-quality box only when needed."""
    facts = []
    for label, text in headline_items(data):
        cls = "fact quality" if label == "Data quality" else "fact"
        facts.append(
            f"<div class='{cls}'><span class='label'>{_e(label)}</span>"
            f"<span class='value'>{_e(text)}</span></div>"
        )
    return f"<section class='headline' id='headline'>{''.join(facts)}</section>"


def _saturation(report, data: dict) -> str:
    from workbench import viz

    sat = data.get("saturation") or {}
    cap = sat.get("capacity_bps")
    out = []
    if not cap:
        out.append(
            "<p>No link capacity was given, so utilisation is not computed (peaks below).</p>"
        )
    else:
        over = ", ".join(
            f"{fmt.duration(s['seconds'])} at or above {fmt.percent(s['threshold'], 0)}"
            for s in sat.get("seconds_over", [])
        )
        peak = sat.get("peak_utilization")
        out.append(
            f"<p>Link capacity {_e(fmt.bit_rate(cap))}; peak utilisation {_e(fmt.percent(peak))} in"
            f" {_e(sat.get('bin_ms'))} ms bins; {_e(over)}.</p>"
        )
        # the analysis computed the link's 1 s utilisation; a saved report has its peaks only
        util = getattr(report, "utilization", None)
        if util is not None and not util.is_empty():
            out.append(_svg(viz.utilization_chart(util, cap) | viz.multiscale_chart(sat["peaks"])))
        elif sat.get("peaks"):
            out.append(_svg(viz.multiscale_chart(sat["peaks"])))
        out += _episodes(sat, data)
    out.append(_peaks(sat))
    return "".join(out)


def _episodes(sat: dict, data: dict) -> list[str]:
    """Saturation episodes, micro-bursts counted apart, legitimate traffic around them."""
    days = fmt.over_days(data.get("capture"))
    out = []
    threshold = sat.get("saturated_threshold", 0.95)
    params = (data.get("parameters") or {}).get("analysis") or {}
    min_s = params.get("saturation_episode_min_s")
    episodes = sat.get("episodes") or []
    out.append(
        f"<h3>Saturation episodes (at or above {_e(fmt.percent(threshold, 0))} of capacity"
        + (f" for {_e(fmt.duration(min_s))} or longer" if min_s else "")
        + ")</h3>"
    )
    rows = [
        [
            fmt.moment(e["start"]),
            Time(fmt.stamp(e["end"], days)),
            Num(fmt.duration(e["seconds"])),
            Num(fmt.percent(e["peak_utilization"])),
            Num(fmt.percent(e["mean_utilization"])),
        ]
        for e in episodes[:50]
    ]
    out.append(
        _table(["start", "end (UTC)", "duration", "peak", "mean"], rows)
        if rows
        else "<p>None: the link was never full for that long.</p>"
    )
    blips = sat.get("micro_bursts") or {}
    if blips.get("count"):
        out.append(
            f"<p>Micro-bursts, counted apart: {_e(fmt.plural(blips['count'], 'shorter spell'))}"
            f" at or above {_e(fmt.percent(threshold, 0))} ({_e(fmt.duration(blips['seconds']))} in all,"
            f" peak {_e(fmt.percent(blips['peak_utilization']))}) between"
            f" {_e(fmt.stamp(blips['first'], days))} and {_e(fmt.stamp(blips['last'], days))} UTC.</p>"
        )
    legit = sat.get("legitimate")
    if legit:
        out.append("<h3>Legitimate traffic around the saturation</h3>")
        out.append(
            _table(
                ["when", "duration", "legitimate rate", "legitimate share"],
                [
                    [
                        k,
                        Num(fmt.duration(v["seconds"])),
                        Num(fmt.bit_rate(v["legit_bps"])),
                        Num(fmt.percent(v["legit_share"])),
                    ]
                    for k, v in legit.items()
                ],
            )
        )
    return out


def _peaks(sat: dict) -> str:
    """The busiest bin at every time scale."""
    out = ["<h3>Peaks at every time scale</h3>"]
    peaks = [
        [
            Num(f"{fmt.count(p['bin_ms'])} ms"),
            Num(fmt.bit_rate(p["peak_bps"])),
            Num(fmt.packet_rate(p["peak_pps"])),
            fmt.moment(p["at"]),
            Num(fmt.percent(p.get("peak_utilization"))),
            Escaped(f"<span class='note'>{_e(p['note'])}</span>") if p.get("note") else "",
        ]
        for p in sat.get("peaks", [])
    ]
    out.append(_table(["bin", "peak rate", "peak packets", "at", "utilisation", "note"], peaks))
    out.append(
        "<p class='small'>A bin the capture covers only in part (its first and last) is rated over"
        " the part it covers.</p>"
    )
    return "".join(out)


def _figure(key: str, value) -> str:
    """One evidence figure for people: shares as percentages, counts with separators,
    protocol values named, nothing as a Python repr."""
    if value is None:
        return "–"
    if isinstance(value, dict):
        names = VALUE_NAMES.get(key, {})
        return (
            ", ".join(
                f"{fmt.named(clip(str(k)), names)} {fmt.percent(v)}"
                if isinstance(v, float) and 0 <= v <= 1
                else f"{clip(str(k)).replace('_', ' ')} {_figure(str(k), v)}"
                for k, v in value.items()
            )
            or "–"
        )
    if isinstance(value, (list, tuple)):
        if key in VALUE_NAMES:  # protocol values with their names: ``ESP (50)``
            return ", ".join(fmt.named(v, VALUE_NAMES[key]) for v in value) or "–"
        return ", ".join(_figure(key, v) for v in value) or "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        if "share" in key or (key.endswith("_ratio") and value <= 1):
            return fmt.percent(value)
        return fmt.number(value)
    return clip(str(value))


def _evidence_text(evidence: dict) -> Escaped:
    """The rule in words, then the figures (application-layer facts last)."""
    figures = "; ".join(
        f"{k.replace('_', ' ')}: {_figure(k, v)}"
        for k, v in evidence.items()
        if k not in ("rule", "application")
    )
    text = f"{evidence.get('rule', '')}. {figures}"
    app = evidence.get("application")
    if app and any(k != "dissected_packets" for k in app):
        text += ". Payloads: " + "; ".join(
            f"{k.replace('_', ' ')}: {_figure(k, v)}"
            for k, v in app.items()
            if k != "dissected_packets"
        )
        if app.get("dissected_packets"):
            text += f" (of {fmt.plural(app['dissected_packets'], 'packet')} dissected)"
    return Long(html_text(text, limit=None))  # its packet strings are clipped one by one


def _map(data: dict) -> str:
    from workbench.enrich import attribution
    from workbench.viz.geo import asn_bar_chart, country_bar_chart, source_map

    sources = data.get("sources", {})
    if not sources.get("countries"):
        return ""
    return _svg(source_map(sources["countries"], attribution=attribution()["text"])) + _svg(
        country_bar_chart(sources["countries"]) | asn_bar_chart(sources.get("asns", []))
    )


def _phase_kind(p: dict) -> str:
    kind = p["kind"]
    return f"{kind} ({p['mitigation']['reason']})" if p.get("mitigation") else kind


def _sources(sources: dict, spoof: dict) -> str:
    """Spoofing verdicts per vector, then where the sources are: map, countries, ASNs."""
    parts = [
        "<h2>Sources and spoofing</h2>",
        _table(
            ["vector", "verdict", "evidence"],
            [
                [
                    vector_cell(p["vector"], code=False),
                    p["verdict"],
                    Long(_e(in_words(p["evidence"]))),
                ]
                for p in spoof.get("per_vector", [])
            ],
        ),
        "<h3>Where the sources are</h3>",
        _map({"sources": sources}),
        _table(
            ["country", "role", "unique sources", "packets", "bytes"],
            [
                [
                    c["country"],
                    c.get("role") or "–",
                    Num(fmt.count(c["unique_sources"])),
                    Num(fmt.count(c["packets"])),
                    Num(fmt.size(c["bytes"])),
                ]
                for c in sources.get("countries", [])
            ],
        ),
        _table(
            ["ASN", "organisation", "country", "unique sources", "bytes"],
            [
                [
                    f"AS{a['asn']}" if a.get("asn") is not None else "–",
                    a.get("as_org") or "–",
                    a.get("country") or "–",
                    Num(fmt.count(a["unique_sources"])),
                    Num(fmt.size(a["bytes"])),
                ]
                for a in sources.get("asns", [])[:10]
            ],
        ),
        f"<p class='small'>{_e(sources.get('geography_note', ''))}. Sources of spoofed vectors are"
        " counted apart: their addresses are forged.</p>",
    ]
    return "".join(parts)


def _evidence(block: dict) -> str:
    """The input files with their hashes, and every parameter of the analysis."""
    parts = [
        "<h2>Evidence</h2>",
        _table(
            ["file", "SHA-256", "size", "format", "packets", "first packet", "last packet"],
            [
                [
                    i["path"],
                    Escaped(f"<code>{_e(i['sha256'])}</code>"),
                    Num(fmt.size(i["size"])) if i.get("size") is not None else "–",
                    i.get("format") or "–",
                    Num(fmt.count(i.get("packets"))),
                    fmt.moment(i["start"]) if i.get("start") else "–",
                    fmt.moment(i["end"]) if i.get("end") else "–",
                ]
                for i in block["inputs"]
            ],
        ),
        "<details><summary class='small'>Parameters of this analysis</summary>"
        f"<pre class='json'>{html_text(json_text(block['parameters']), limit=None)}</pre></details>",
    ]
    return "".join(parts)


def _vectors_and_targets(vectors: list, targets: list, held: list, days: bool = False) -> str:
    """Each vector with its evidence, then the targets; when there is none, the biggest
    candidates and what held each back (``days``: the capture runs over several dates, and
    each time says its own)."""
    parts = [
        "<h2>Vectors and the evidence for each</h2>",
        _table(
            ["vector", "start", "end", "packets", "peak rate", "sources", "targets", "evidence"],
            [
                [
                    vector_cell(v["vector"]),
                    Time(fmt.stamp(v["start"], days)),
                    Time(fmt.stamp(v["end"], days)),
                    Num(fmt.count(v["packets"])),
                    Num(fmt.bit_rate(v["peak_bps"])),
                    Num(fmt.count(v["unique_sources"])),
                    ", ".join(v["targets"][:4]) or "–",
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
                    Num(fmt.count(t.get("hosts", 1))),
                    Num(fmt.count(t["packets"])),
                    Num(fmt.size(t["bytes"])),
                    vectors_cell(t["vectors"]),
                ]
                for t in targets
            ],
        )
        or "<p>No target: no attack traffic found.</p>",
    ]
    if held:
        parts += [
            "<h2>Candidates held back</h2>",
            "<p class='small'>No attack was found. The candidate (target, vector) pairs with "
            "the most packets, and what held each back: a setting of "
            "<code>wb.AnalysisConfig</code>, or a test.</p>",
            _table(
                ["target", "vector", "packets", "sources", "held back by", "why"],
                [
                    [
                        n["target"],
                        vector_cell(n["vector"]),
                        Num(fmt.count(n["packets"])),
                        Num(fmt.count(n["unique_sources"])),
                        n["held_back_by"],
                        n["reason"],
                    ]
                    for n in held
                ],
            ),
        ]
    return "".join(parts)


def render(report) -> str:
    """The report as one HTML document (string)."""
    data = as_dict(report)
    phases = data.get("phases", [])
    vectors = data.get("vectors", [])
    sources = data.get("sources", {})
    spoof = sources.get("spoofing", {})
    block = evidence_block(report)
    cap = data.get("capture") or {}
    days = fmt.over_days(cap)  # then every time says its date
    day = fmt.date(cap["start"]) if cap.get("start") and not days else ""
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        "<meta name='viewport' content='width=device-width, initial-scale=1'>",
        "<title>DDoS forensic report</title>",
        f"<style>{CSS}</style></head><body>",
        "<h1>DDoS forensic report</h1>",
        f"<p class='small'>workbench {_e(block['workbench_version'])} &middot; analysed"
        f" {_e(fmt.moment(block['analysed_at']) if block['analysed_at'] else '–')}</p>",
        _headline(data),
        f"<p class='verdict'>Spoofing: {_e(in_words(spoof['verdict']))}.</p>"
        if spoof.get("verdict") and vectors
        else "",
        _charts(report, data),
        f"<h2>Phases</h2><p class='small'>Times in UTC on {_e(day)}.</p>"
        if day
        else "<h2>Phases</h2><p class='small'>Times in UTC.</p>",
        _table(
            [
                "#",
                "kind",
                "start",
                "end",
                "vectors",
                "targets",
                "peak rate",
                "peak packets",
                "sources",
            ],
            [
                [
                    Num(p["index"]),
                    _phase_kind(p),
                    Time(fmt.stamp(p["start"], days)),
                    Time(fmt.stamp(p["end"], days)),
                    vectors_cell(p["vectors"]),
                    ", ".join(p["targets"][:6]) or "–",
                    Num(fmt.bit_rate(p["peak_bps"])),
                    Num(fmt.packet_rate(p["peak_pps"])),
                    Num(fmt.count(p["unique_sources"])),
                ]
                for p in phases
            ],
            [p["kind"] for p in phases],
        ),
        _vectors_and_targets(vectors, data.get("targets", []), data.get("held_back", []), days),
        _sources(sources, spoof),
        "<h2>Link saturation</h2>",
        _saturation(report, data),
        _evidence(block),
        "</body></html>",
    ]
    return "".join(parts)


def html(report, path: str | Path) -> Path:
    """Write the offline HTML report to ``path``.

    wb.export.html(rep, "report.html")
    """
    return write_text(path, render(report))
