"""The story of a report in a few lines, read from its JSON (so a report loaded from
``report.json`` tells it too): the headline strip the HTML report, ``Report.summary()`` and the
notebook show first, and the Markdown a notebook displays for a Report."""

from __future__ import annotations

from pathlib import Path

from workbench import formatting as fmt
from workbench.analysis.targets import target_labels
from workbench.analysis.vector_table import RULES, in_words
from workbench.capture.linktypes import KIND_UNKNOWN, kind_of, name_of

# timestamps this coarse or coarser are named: the report's finest peaks (1 ms) and its
# 100 ms series need them finer (pcap's own is 1 µs, pcapng's 1 µs or 1 ns)
COARSE_STAMPS_NS = 1_000_000


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def vector_titles(vectors: list[str]) -> str:
    """Vectors in words: ``DNS amplification, NTP amplification``."""
    return ", ".join(RULES[v].title if v in RULES else v for v in vectors)


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (fmt.to_ns(end) - fmt.to_ns(start)) / 1e9


def headline(data: dict) -> dict:
    """The figures of the headline strip, read from the report JSON (so a report loaded from
    ``report.json`` has it too): files, window, traffic, the busiest second against the link,
    attack and mitigated phases, targets (carpet-bombed prefixes apart), data-quality problems."""
    cap = data.get("capture") or {}
    sat = data.get("saturation") or {}
    params = data.get("parameters") or {}
    peaks = {p["bin_ms"]: p for p in sat.get("peaks", [])}
    peak = peaks.get(1000) or peaks.get(sat.get("bin_ms")) or {}
    phases = data.get("phases") or []
    targets = data.get("targets") or []
    files = cap.get("files") or [{"path": p} for p in cap.get("paths", [])]
    drops = (
        cap.get("drops")
        if cap.get("drops") is not None
        else (sat.get("drops") or {}).get("capture_drops")
    )
    gaps = (sat.get("drops") or {}).get("gaps") or []
    tshark = cap.get("engine") == "tshark"
    # a file read up to a fault (tshark says no offset: each of its problems is one); its other
    # warnings (frames inside a mirror encapsulation, mostly not IP) say nothing is missing
    cut = [
        {"file": Path(f["path"]).name, "offset": f.get("fault_offset"), "why": _without_path(f["path"], f["warnings"][-1]) if f.get("warnings") else None}
        for f in files
        if f.get("fault_offset") is not None or (tshark and f.get("warnings"))
    ]  # fmt: skip
    undecoded = [
        {"file": Path(f["path"]).name, "link_types": [name_of(t) for t in f.get("link_types") or [] if kind_of(t) == KIND_UNKNOWN]}
        for f in files
    ] if not tshark else []  # fmt: skip
    cut_headers = sum(f.get("cut_headers") or 0 for f in files)
    packets = cap.get("packets") or 0
    return {
        "files": [Path(f["path"]).name for f in files if f.get("path")],
        "start": cap.get("start"),
        "end": cap.get("end"),
        "seconds": _seconds(cap.get("start"), cap.get("end")),
        "packets": packets,
        "bytes": cap.get("bytes") or 0,
        "peak_bin_ms": peak.get("bin_ms"),
        "peak_bps": peak.get("peak_bps"),
        "peak_pps": peak.get("peak_pps"),
        "peak_utilization": peak.get("peak_utilization"),
        "capacity_bps": sat.get("capacity_bps") or params.get("link_capacity_bps"),
        "saturation_bin_ms": sat.get("bin_ms"),
        "saturation_peak_utilization": sat.get("peak_utilization"),
        "episodes": len(sat.get("episodes") or []),
        "attack_phases": sum(1 for p in phases if p["kind"] == "attack"),
        "mitigated_phases": sum(1 for p in phases if p["kind"] == "mitigated"),
        "first_attack": next((p["start"] for p in phases if p["kind"] != "baseline"), None),
        "last_attack": next((p["end"] for p in reversed(phases) if p["kind"] != "baseline"), None),
        "vectors": [v["vector"] for v in data.get("vectors") or []],
        "targets": target_labels(targets),
        "carpet": [t["prefix"] for t in targets if t.get("prefix")],
        "drops": drops,
        "drop_share": drops / (packets + drops) if drops else None,
        "gaps": len(gaps),
        "longest_gap_s": max((g["seconds"] for g in gaps), default=None),
        "cut": cut,
        "undecoded": [u for u in undecoded if u["link_types"]],
        "cut_headers": cut_headers,
        "resolution_ns": cap.get("timestamp_resolution_ns"),
        "cut_header_share": cut_headers / packets if packets else None,
    }


def _without_path(path: str, warning: str) -> str:
    """A file's warning without the path it begins with (the headline names the file)."""
    return warning.removeprefix(f"{path}: ")


def headline_items(data: dict, *, max_targets: int = 12) -> list[tuple[str, str]]:
    """The headline strip as (label, text) pairs, numbers for people: what the HTML report,
    ``Report.summary()`` and the notebook show first. "Data quality" only when the capture
    dropped packets, has gaps, is cut short, holds packets whose transport header the snaplen
    cut, or holds a link type the fast reader does not decode."""
    h = headline(data)
    items: list[tuple[str, str]] = []
    files = h["files"]
    if files:
        more = f" and {fmt.plural(len(files) - 3, 'more file')}" if len(files) > 3 else ""
        items.append(("Capture", ", ".join(files[:3]) + more))
    if h["start"] and h["end"]:
        items.append(
            ("Window", f"{fmt.window(h['start'], h['end'])} ({fmt.duration(h['seconds'])})")
        )
    items.append(("Traffic", f"{fmt.plural(h['packets'], 'packet')}, {fmt.size(h['bytes'])}"))
    if h["peak_bps"] is not None:
        scale = "busiest second" if h["peak_bin_ms"] == 1000 else f"busiest {h['peak_bin_ms']} ms"
        text = f"{fmt.bit_rate(h['peak_bps'])}, {fmt.packet_rate(h['peak_pps'])} ({scale})"
        if h["capacity_bps"]:
            text += f": {fmt.percent(h['peak_utilization'])} of the {fmt.bit_rate(h['capacity_bps'])} link"
            if (
                h["saturation_bin_ms"] != h["peak_bin_ms"]
                and h["saturation_peak_utilization"] is not None
            ):
                text += f" ({fmt.percent(h['saturation_peak_utilization'])} in {h['saturation_bin_ms']} ms bins)"
            if h["episodes"]:
                text += f"; saturated in {fmt.plural(h['episodes'], 'episode')}"
        items.append(("Peak", text))
    if h["attack_phases"] or h["mitigated_phases"]:
        text = fmt.plural(h["attack_phases"], "attack phase")
        if h["mitigated_phases"]:
            text += f" and {fmt.plural(h['mitigated_phases'], 'mitigated tail')}"
        if fmt.over_days(h):  # the times of day alone would not say which
            text += f", {fmt.window(h['first_attack'], h['last_attack'])}"
        else:
            text += f", {fmt.clock(h['first_attack'])} – {fmt.clock(h['last_attack'])} UTC"
        if h["vectors"]:
            text += f": {vector_titles(h['vectors'])}"
        items.append(("Attack", text))
    else:
        items.append(("Attack", "no attack traffic found"))
        held = data.get("held_back") or []
        if held:  # the biggest candidate, and what held it back
            more = f" ({fmt.plural(len(held) - 1, 'more')} in the report)" if len(held) > 1 else ""
            items.append(("Biggest candidate", held[0]["reason"] + more))
    if h["targets"]:
        if h["carpet"]:
            text = (
                f"{fmt.plural(len(h['targets']), 'target')}, {', '.join(h['carpet'])} carpet-bombed"
            )
        else:
            shown = h["targets"][:max_targets]
            rest = len(h["targets"]) - len(shown)
            text = ", ".join(shown) + (f" and {fmt.count(rest)} more" if rest > 0 else "")
        items.append(("Targets", text))
    quality = []
    if h["drops"]:
        seen = h["packets"] + h["drops"]
        quality.append(f"{fmt.plural(h['drops'], 'packet')} dropped by the capture"
                       f" ({fmt.percent(h['drop_share'])} of {fmt.count(seen)}): rates and counts are low by as much")  # fmt: skip
    if h["gaps"]:
        quality.append(f"{fmt.plural(h['gaps'], 'gap')} in busy traffic (longest {fmt.duration(h['longest_gap_s'])}): possible capture loss")  # fmt: skip
    for cut in h["cut"]:
        where = f" at byte {fmt.count(cut['offset'])}" if cut["offset"] is not None else ""
        why = f" ({cut['why']})" if cut["why"] else ""
        quality.append(
            f"{cut['file']} is cut short or damaged{where}{why}: what follows is missing"
        )
    if h["resolution_ns"] and h["resolution_ns"] >= COARSE_STAMPS_NS:
        tick = fmt.tick(h["resolution_ns"])
        quality.append(
            f"timestamps only to {tick}: every packet of a {tick} tick shares its stamp, so rates"
            f" over bins shorter than {tick} overstate, and the order within a tick is the file's"
        )
    if h["cut_headers"]:
        quality.append(
            f"{fmt.plural(h['cut_headers'], 'packet')} ({fmt.percent(h['cut_header_share'])})"
            " with the transport header cut by the snaplen: their TCP flags, ports or"
            " ICMP type are unknown, and the analysis cannot tell their kind (a larger snaplen"
            " keeps them)"
        )
    for file in h["undecoded"]:
        quality.append(
            f"{file['file']}: the fast reader does not decode its"
            f" {', '.join(file['link_types'])}, so its frames are not analysed"
            " (engine='tshark' decodes them)"
        )
    if quality:
        items.append(("Data quality", "; ".join(quality)))
    return items


def summary_text(data: dict) -> str:
    """The headline as plain sentences, then the spoofing verdict."""
    lines = [f"{label}: {text}." for label, text in headline_items(data)]
    verdict = ((data.get("sources") or {}).get("spoofing") or {}).get("verdict")
    if verdict and any(p["kind"] != "baseline" for p in data.get("phases") or []):
        lines.append(f"Spoofing: {in_words(verdict)}.")
    return "\n".join(lines)


def markdown(data: dict) -> str:
    """The headline strip, then one table row per phase: a Report as a notebook shows it."""
    strip = "\n".join(f"- **{label}**: {_md(text)}" for label, text in headline_items(data))
    phases = data.get("phases") or []
    days = fmt.over_days(data.get("capture"))
    rows = "\n".join(
        f"| {p['index']} | {p['kind']} | {fmt.stamp(p['start'], days)} | {fmt.stamp(p['end'], days)} "
        f"| {_md(vector_titles(p['vectors'])) or '–'} | {_md(', '.join(p['targets'][:3])) or '–'} "
        f"| {fmt.bit_rate(p['peak_bps'])} | {fmt.packet_rate(p['peak_pps'])} |"
        for p in phases
    )
    table = (
        "| phase | kind | start (UTC) | end (UTC) | vectors | targets | peak | peak pps |\n"
        "|---|---|---|---|---|---|---|---|\n" + rows
    )
    return f"{strip}\n\n{table}" if phases else strip
