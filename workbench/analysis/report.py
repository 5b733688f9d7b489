"""``analyze``: from the packet frame to the story of the attack, as one Report."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from workbench._version import __version__
from workbench.analysis import phases as phases_mod
from workbench.analysis import saturation as saturation_mod
from workbench.analysis import spoofing
from workbench.analysis.capacity import parse_links
from workbench.analysis.series import fine_series, rate_series
from workbench.analysis.targets import rank_targets, target_labels
from workbench.analysis.vectors import RULES, THRESHOLDS, classify
from workbench.capture.schema import empty_frame


def _iso(value) -> str | None:
    if value is None:
        return None
    return (
        pl.Series([value]).cast(pl.Datetime("ns", "UTC")).dt.strftime("%Y-%m-%dT%H:%M:%S%.9fZ")[0]
    )


@dataclass
class Report:
    """Findings of one analysis: the DESIGN report JSON plus the frames the dashboard needs."""

    data: dict
    series: pl.DataFrame = field(repr=False)  # 100 ms bins per vector
    packets: pl.DataFrame | None = field(default=None, repr=False)  # the packet frame with `vector`

    phases = property(lambda self: self.data["phases"])
    vectors = property(lambda self: self.data["vectors"])
    targets = property(lambda self: self.data["targets"])
    sources = property(lambda self: self.data["sources"])
    saturation = property(lambda self: self.data["saturation"])
    capture = property(lambda self: self.data["capture"])
    parameters = property(lambda self: self.data["parameters"])

    def to_dict(self) -> dict:
        """The report JSON (DESIGN.md) as a dict."""
        return self.data

    def to_json(self, path: str | Path | None = None) -> str:
        """The report as JSON text; written to ``path`` when given."""
        text = json.dumps(self.data, indent=2, default=str)
        if path is not None:
            Path(path).write_text(text)
        return text

    def to_html(self, path: str | Path) -> Path:
        """Write the offline HTML report."""
        from workbench.export import html

        return html(self, path)

    def summary(self) -> str:
        """A few plain sentences: what happened."""
        attacks = [p for p in self.phases if p["kind"] != "baseline"]
        if not attacks:
            return "No attack traffic found."
        first, last = attacks[0], attacks[-1]
        vectors = ", ".join(v["vector"] for v in self.vectors)
        targets = ", ".join(target_labels(self.targets[:5]))
        return (
            f"{len(attacks)} attack phase(s) from {first['start']} to {last['end']}: {vectors} against {targets}. "
            f"Spoofing: {self.sources['spoofing']['verdict']}."
        )

    def _repr_markdown_(self) -> str:
        rows = "\n".join(
            f"| {p['index']} | {p['kind']} | {p['start'][11:19]} | {p['end'][11:19]} | {', '.join(p['vectors']) or '-'} | {', '.join(p['targets'][:3]) or '-'} |"
            for p in self.phases
        )
        return f"**{self.summary()}**\n\n| phase | kind | start | end | vectors | targets |\n|---|---|---|---|---|---|\n{rows}"


def _vector_entries(classified: pl.DataFrame) -> list[dict]:
    attack = classified.filter(pl.col("vector").is_not_null())
    out = []
    groups = attack.partition_by("vector", as_dict=True) if attack.height else {}
    for (vector,), part in groups.items():
        per_s = rate_series(part, 1000)
        targets = rank_targets(part, limit=10)
        sizes = part["payload_len"].cast(pl.Int64)
        src_ports = part.group_by("sport").len().sort("len", descending=True).head(5)
        dst_ports = part.group_by("dport").len().sort("len", descending=True).head(5)
        fragments = int((part["frag"] & 3 > 0).sum())
        rule = RULES[vector]
        out.append({
            "vector": vector,
            "start": _iso(part["ts"].min()),
            "end": _iso(part["ts"].max()),
            "packets": part.height,
            "bytes": int(part["wire_len"].cast(pl.Int64).sum()),
            "peak_bps": float(per_s["bps"].max()),
            "peak_pps": float(per_s["pps"].max()),
            "unique_sources": part["src"].n_unique(),
            "targets": target_labels(targets),
            "src_ports": src_ports["sport"].to_list(),
            "dst_ports": dst_ports["dport"].to_list(),
            "evidence": {
                "rule": rule.evidence,
                "packets": part.height,
                "unique_sources": part["src"].n_unique(),
                "unique_targets": part["dst"].n_unique(),
                "mean_payload_bytes": round(float(sizes.mean() or 0), 1),
                "fragments": fragments,
                "top_src_port_share": round(float(src_ports["len"].head(1).sum() / part.height), 4),
                "distinct_dst_ports": part["dport"].n_unique(),
            },
        })  # fmt: skip
    return sorted(out, key=lambda v: v["start"])


def _sources(classified: pl.DataFrame) -> dict:
    from workbench.analysis.geography import source_geography
    from workbench.enrich import attribution

    attack = classified.filter(pl.col("vector").is_not_null())
    spoof = spoofing.assess(classified)
    spoofed = {
        p["vector"] for p in spoof["per_vector"] if p["verdict"] in ("spoofed", "likely spoofed")
    }
    reflected = {p["vector"] for p in spoof["per_vector"] if p["verdict"] == "reflected"}
    top = (
        attack.group_by("src")
        .agg(
            pl.len().alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("vector").unique().sort().alias("vectors"),
        )
        .sort("bytes", descending=True)
        .head(20)
        .with_columns(address=pl.col("src").ip.to_text())
    )
    return {
        "unique": attack["src"].n_unique(),
        "unique_all": classified["src"].n_unique(),
        "spoofing": spoof,
        **source_geography(attack, spoofed, reflected, top=60),
        "geography_note": attribution()["text"],
        "top": [
            {
                "address": r["address"],
                "packets": r["packets"],
                "bytes": r["bytes"],
                "vectors": r["vectors"],
            }
            for r in top.iter_rows(named=True)
        ],
    }


def analyze(
    capture,
    link_capacity=None,
    *,
    pps_limit: float | None = None,
    bin_ms: int = 100,
    dissect: int | bool = False,
) -> Report:
    """Phases, vectors, targets, sources and link saturation of a capture.

    ``dissect``: read that many packets per vector (True: 200) with tshark and add what their
    application layer says (DNS names, HTTP requests, NTP request codes) to each vector's evidence.

    rep = wb.analyze(cap, link_capacity="10G")
    rep.phases[0]["kind"], rep.vectors[0]["vector"]
    """
    if isinstance(capture, pl.DataFrame):
        frame, meta = capture, {"paths": [], "sha256": {}, "packets": capture.height,
                                "bytes": int(capture["wire_len"].cast(pl.Int64).sum() or 0) if capture.height else 0}  # fmt: skip
    elif capture is None:
        frame, meta = empty_frame(), {"paths": [], "sha256": {}, "packets": 0, "bytes": 0}
    else:
        frame, meta = capture.packets, capture.meta.to_dict()
    if frame.height:
        meta.setdefault("start", _iso(frame["ts"].min()))
        meta.setdefault("end", _iso(frame["ts"].max()))
    links = parse_links(link_capacity)
    overall = [rate for kind, _, rate in links if kind == "all"]
    capacity = overall[0] if overall else (sum(rate for *_, rate in links) if links else None)
    classified = classify(frame)
    vectors = _vector_entries(classified)
    data = {
        "workbench_version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "capture": meta,
        "parameters": {
            "link_capacity_bps": capacity,
            "link_capacity": str(link_capacity) if link_capacity is not None else None,
            "links": [
                {"link": "all" if k == "all" else f"{k}:{i}", "capacity_bps": r}
                for k, i, r in links
            ],
            "pps_limit": pps_limit,
            "saturation_bin_ms": bin_ms,
            "series_bin_ms": 100,
            "vector_thresholds": THRESHOLDS,
            "phases": phases_mod.PARAMETERS,
            "carpet_min_hosts": 8,
        },
        "phases": phases_mod.segment(classified),
        "vectors": vectors,
        "targets": rank_targets(classified),
        "sources": _sources(classified),
        "saturation": saturation_mod.assess(
            classified, capacity, pps_limit=pps_limit, drops=meta.get("drops"), bin_ms=bin_ms
        ),
    }
    if dissect and frame.height and hasattr(capture, "meta") and len(capture.meta.files) == 1:
        _application_evidence(data, capture, classified, 200 if dissect is True else int(dissect))
    targets = [t.get("prefix") or t["address"] for t in data["targets"]]
    if targets and frame.height:
        data["saturation"]["directions"] = saturation_mod.assess_directions(
            classified, capacity, targets, bin_ms=bin_ms
        )
    if any(kind != "all" for kind, *_ in links):
        data["saturation"]["links"] = saturation_mod.assess_links(classified, links, bin_ms=bin_ms)
    _phase_countries(data, classified)
    return Report(data, fine_series(classified) if frame.height else pl.DataFrame(), classified)


def _application_evidence(data: dict, capture, classified: pl.DataFrame, per_vector: int) -> None:
    """Read a sample of each vector's packets with tshark and add what their payloads say."""
    from workbench.dissection import application_evidence, dissect, select_packets

    chosen = select_packets(classified, sample_per_vector=per_vector)
    facts = application_evidence(dissect(capture, chosen, progress=False))
    for entry in data["vectors"]:
        if entry["vector"] in facts:
            entry["evidence"]["application"] = facts[entry["vector"]]
    data["parameters"]["dissected_per_vector"] = per_vector


def _phase_countries(data: dict, classified: pl.DataFrame) -> None:
    """Each attack phase's top source countries (spoofed sources apart), to see the mix change."""
    from workbench.analysis.geography import source_geography

    verdicts = data["sources"]["spoofing"]["per_vector"]
    spoofed = {p["vector"] for p in verdicts if p["verdict"] in ("spoofed", "likely spoofed")}
    reflected = {p["vector"] for p in verdicts if p["verdict"] == "reflected"}
    for phase in data["phases"]:
        if phase["kind"] == "baseline":
            continue
        lo, hi = pl.Series([phase["start"], phase["end"]]).str.to_datetime(
            time_unit="ns", time_zone="UTC"
        )
        part = classified.filter(
            (pl.col("ts") >= lo) & (pl.col("ts") < hi) & pl.col("vector").is_in(phase["vectors"])
        )
        countries = source_geography(part, spoofed, reflected, top=5)["countries"]
        phase["top_countries"] = [
            {
                "country": c["country"],
                "packets": c["packets"],
                "unique_sources": c["unique_sources"],
            }
            for c in countries
        ]
