"""The forensic timeline: one event per finding, ordered, for Timesketch (JSONL) or a spreadsheet (CSV).

Messages are for people and read as the rest of the report does (vectors in words, rates
unit-scaled, times in UTC to the millisecond: ``workbench.formatting``); the attributes beside
them (``vector``, ``target``, ``bps``, ``pps``, ``sources``, ``evidence``) keep the code names and
exact values for machines.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

from workbench import formatting as fmt
from workbench.analysis.headline import vector_titles
from workbench.atomic import check_destination, open_atomic, write_text
from workbench.export.escaping import MAX_CHARS, clip_strings, csv_cell, json_text
from workbench.export.evidence import as_dict, evidence_block

COLUMNS = ["datetime", "timestamp", "timestamp_desc", "message", "event_type", "phase", "vector", "target",
           "bps", "pps", "sources", "evidence"]  # fmt: skip


def _peak(bps: float | None, pps: float | None) -> str:
    """``3.0 Mbit/s, 518 pps``."""
    return f"{fmt.bit_rate(bps or 0)}, {fmt.packet_rate(pps or 0)}"


def events(report) -> pl.DataFrame:
    """The timeline as a frame, ordered by time (COLUMNS)."""
    data = as_dict(report)
    cap = data.get("capture", {})
    rows: list[dict] = []

    def add(when, desc, message, event_type, **attrs) -> None:
        if when:
            rows.append(
                {
                    "datetime": when,
                    "timestamp_desc": desc,
                    "message": message,
                    "event_type": event_type,
                    **attrs,
                }
            )

    _capture_events(add, cap)
    _phase_events(add, data)
    _vector_events(add, data)
    _saturation_events(add, data.get("saturation") or {}, cap)
    frame = pl.DataFrame(rows, schema_overrides={"bps": pl.Float64, "pps": pl.Float64, "sources": pl.Int64, "phase": pl.Int64},
                         infer_schema_length=None) if rows else pl.DataFrame(schema={c: pl.String for c in COLUMNS})  # fmt: skip
    for col in COLUMNS:
        if col not in frame.columns:
            frame = frame.with_columns(pl.lit(None).alias(col))
    parsed = pl.col("datetime").str.to_datetime(time_unit="ns", time_zone="UTC")
    frame = frame.with_columns(timestamp=(parsed.cast(pl.Int64) // 1000)).sort(
        "timestamp", maintain_order=True
    )
    return frame.select(COLUMNS)


def _capture_events(add, cap: dict) -> None:
    """The capture's start and end."""
    files = ", ".join(Path(p).name for p in cap.get("paths", [])) or "capture"
    packets = fmt.plural(cap.get("packets") or 0, "packet")
    add(cap.get("start"), "Capture start", f"Capture starts ({files}, {packets})", "capture_start")
    add(cap.get("end"), "Capture end", f"Capture ends ({files})", "capture_end")


def _phase_events(add, data: dict) -> None:
    """Each phase's start and end, and the onset of mitigation."""
    first_mitigated = True
    for p in data.get("phases", []):
        what = vector_titles(p["vectors"]) or "no attack traffic"
        against = ", ".join(p["targets"][:5])
        target_text = f" against {against}" if against else ""
        common = {"phase": p["index"], "vector": ";".join(p["vectors"]), "target": ";".join(p["targets"]),
                  "bps": p.get("peak_bps"), "pps": p.get("peak_pps"), "sources": p.get("unique_sources")}  # fmt: skip
        add(p["start"], "Phase start", f"Phase {p['index']} ({p['kind']}) starts: {what}{target_text}; "
            f"peak {_peak(p.get('peak_bps'), p.get('peak_pps'))}", "phase_start", **common)  # fmt: skip
        add(p["end"], "Phase end", f"Phase {p['index']} ({p['kind']}) ends", "phase_end", **common)
        if p["kind"] == "mitigated" and first_mitigated:
            first_mitigated = False
            add(
                p["start"],
                "Mitigation onset",
                f"Attack traffic falls to a residue ({what}): mitigation in effect",
                "mitigation",
                **common,
            )


def _vector_events(add, data: dict) -> None:
    """Each vector's onset and end."""
    for v in data.get("vectors", []):
        title = vector_titles([v["vector"]])
        common = {"vector": v["vector"], "target": ";".join(v["targets"]), "bps": v["peak_bps"], "pps": v["peak_pps"],
                  "sources": v["unique_sources"], "evidence": json_text(v.get("evidence"))}  # fmt: skip
        add(v["start"], "Vector onset", f"{title} begins against {', '.join(v['targets'][:5])} "
            f"({fmt.plural(v['unique_sources'], 'source')}, peak {_peak(v['peak_bps'], v['peak_pps'])})",
            "vector_start", **common)  # fmt: skip
        add(v["end"], "Vector end", f"{title} ends ({fmt.plural(v['packets'], 'packet')}, {fmt.size(v['bytes'])})",
            "vector_end", **common)  # fmt: skip


def _saturation_events(add, sat: dict, cap: dict) -> None:
    """Peak traffic, saturation episodes (not every 100 ms blip: those are one summary event),
    capture drops and gaps."""
    for peak in sat.get("peaks", []):
        if peak.get("bin_ms") == 1000:
            add(peak["at"], "Peak traffic", f"Peak traffic: {_peak(peak['peak_bps'], peak['peak_pps'])} (1 s bins)",
                "peak", bps=peak["peak_bps"], pps=peak["peak_pps"])  # fmt: skip
    # sustained episodes, not every 100 ms blip; the blips as one summary event
    threshold = fmt.percent(sat.get("saturated_threshold", 0.95), 0)
    capacity = fmt.bit_rate(sat.get("capacity_bps") or 0)
    for k, episode in enumerate(sat.get("episodes", [])):
        desc = "Link saturated" if k else "First saturation"
        add(episode["start"], desc, f"Link at or above {threshold} of capacity for {fmt.duration(episode['seconds'])}"
            f" (peak {fmt.percent(episode['peak_utilization'])}, mean {fmt.percent(episode['mean_utilization'])}"
            f" of the {capacity} link)", "saturation", evidence=json_text(episode))  # fmt: skip
        add(
            episode["end"],
            "Saturation end",
            f"Link below {threshold} of capacity again",
            "saturation_end",
        )
    blips = sat.get("micro_bursts") or {}
    if blips.get("count"):
        add(blips["first"], "Micro-bursts", f"{fmt.plural(blips['count'], 'micro-burst')} at or above {threshold} of"
            f" capacity until {fmt.stamp(blips['last'], fmt.over_days(cap))} UTC"
            f" ({fmt.duration(blips['seconds'])} in all,"
            f" peak {fmt.percent(blips['peak_utilization'])}), each too short to be an episode", "micro_bursts",
            evidence=json_text(blips))  # fmt: skip
    drops = sat.get("drops") or {}
    if drops.get("capture_drops"):
        add(cap.get("end"), "Capture drops",
            f"The capture lost {fmt.plural(drops['capture_drops'], 'packet')} (interface statistics)", "capture_drops")  # fmt: skip
    for gap in drops.get("gaps", []):
        add(gap["start"], "Capture gap",
            f"No packet for {fmt.duration(gap['seconds'])} while traffic was busy: possible capture loss", "capture_gap")  # fmt: skip


def _evidence_cell(text: str | None) -> str:
    """The evidence JSON with each string clipped (a cell stays readable and valid JSON)."""
    return json_text(clip_strings(json.loads(text))) if text else ""


def csv_frame(frame: pl.DataFrame) -> pl.DataFrame:
    """The timeline as spreadsheet cells (``escaping.csv_cell``: no formula, nothing invisible)."""
    cells = frame.with_columns(
        pl.col("evidence")
        .cast(pl.String)
        .map_elements(_evidence_cell, return_dtype=pl.String)
        .fill_null("")
    )
    return cells.with_columns(
        pl.col(name).map_elements(
            lambda v, name=name: csv_cell(v, None if name == "evidence" else MAX_CHARS),
            return_dtype=pl.String,
        )
        for name, dtype in cells.schema.items()
        if dtype == pl.String
    )


def timeline(report, path: str | Path, fmt: str | None = None) -> Path:
    """Write the timeline: ``.jsonl`` (Timesketch) or ``.csv`` (same columns); the evidence block goes
    in a first event (JSONL) or a ``<path>.evidence.json`` sidecar (CSV).

        wb.export.timeline(rep, "timeline.jsonl")
    """
    path = check_destination(path)
    fmt = fmt or ("csv" if path.suffix.lower() == ".csv" else "jsonl")
    frame = events(report)
    block = evidence_block(report)
    if fmt == "csv":
        write_text(path.with_name(path.name + ".evidence.json"), json_text(block, indent=2))
        write_text(path, csv_frame(frame).write_csv())
    else:
        with open_atomic(path) as out:
            first = frame["datetime"][0] if frame.height else None
            out.write(json.dumps({"datetime": first, "timestamp": frame["timestamp"][0] if frame.height else None,
                                  "timestamp_desc": "Evidence", "message": "Inputs, hashes, workbench version and parameters",
                                  "event_type": "evidence", "evidence": json.dumps(block, default=str)}) + "\n")  # fmt: skip
            for row in frame.iter_rows(named=True):
                out.write(
                    json.dumps({k: v for k, v in row.items() if v is not None}, default=str) + "\n"
                )
    return path
