"""``analyze``: from the packet frame to the story of the attack, as one Report."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import polars as pl

from workbench import formatting as fmt
from workbench._version import __version__
from workbench.analysis import phases as phases_mod
from workbench.analysis import saturation as saturation_mod
from workbench.analysis import spoofing
from workbench.analysis.capacity import parse_links, resolve_links
from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.lazy import Frame, collect, source_parts
from workbench.analysis.saturation import link_label
from workbench.analysis.series import covered_span, eligible_for_peak, rollup
from workbench.analysis.targets import rank_targets, target_labels
from workbench.analysis.vector_table import RULES, in_words
from workbench.analysis.vectors import classify
from workbench.analysis.windows import WINDOW_PACKETS, Partials, classify_windows
from workbench.capture.schema import empty_frame
from workbench.errors import expect, expect_paths


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
    # the packet frame with `vector` (lazy over labelled Parquet parts for a dataset)
    packets: pl.DataFrame | pl.LazyFrame | None = field(default=None, repr=False)

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
        if path is not None:  # whole or not at all, as every export
            from workbench.atomic import write_text

            write_text(path, text)
        return text

    def to_html(self, path: str | Path) -> Path:
        """Write the offline HTML report."""
        from workbench.export import html

        return html(self, path)

    def headline(self) -> list[tuple[str, str]]:
        """The story in a few lines (``headline_items``): capture, window, traffic, peak,
        phases, targets, data quality."""
        return headline_items(self.data)

    def summary(self) -> str:
        """A few plain sentences: what the capture holds and what happened, numbers for people.

        print(rep.summary())
        """
        return summary_text(self.data)

    def _repr_markdown_(self) -> str:
        strip = "\n".join(f"- **{label}**: {_md(text)}" for label, text in self.headline())
        rows = "\n".join(
            f"| {p['index']} | {p['kind']} | {fmt.clock(p['start'])} | {fmt.clock(p['end'])} "
            f"| {_md(vector_titles(p['vectors'])) or '–'} | {_md(', '.join(p['targets'][:3])) or '–'} "
            f"| {fmt.bit_rate(p['peak_bps'])} | {fmt.packet_rate(p['peak_pps'])} |"
            for p in self.phases
        )
        table = (
            "| phase | kind | start (UTC) | end (UTC) | vectors | targets | peak | peak pps |\n"
            "|---|---|---|---|---|---|---|---|\n" + rows
        )
        return f"{strip}\n\n{table}" if self.phases else strip


def _md(text: str) -> str:
    """Text safe inside a Markdown table cell."""
    return str(text).replace("|", "\\|")


def vector_titles(vectors: list[str]) -> str:
    """Vectors in words: ``DNS amplification, NTP amplification``."""
    return ", ".join(RULES[v].title if v in RULES else v for v in vectors)


def _seconds(start: str | None, end: str | None) -> float | None:
    if not start or not end:
        return None
    return (fmt._ns(end) - fmt._ns(start)) / 1e9


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
    cut = [
        {"file": Path(f["path"]).name, "offset": f.get("fault_offset"), "warnings": f.get("warnings") or []}
        for f in files
        if f.get("fault_offset") is not None or f.get("warnings")
    ]  # fmt: skip
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
    }


def headline_items(data: dict, *, max_targets: int = 12) -> list[tuple[str, str]]:
    """The headline strip as (label, text) pairs, numbers for people: what the HTML report,
    ``Report.summary()`` and the notebook show first. "Data quality" only when the capture
    dropped packets, has gaps or is cut short."""
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
        text += f", {fmt.clock(h['first_attack'])} – {fmt.clock(h['last_attack'])} UTC"
        if h["vectors"]:
            text += f": {vector_titles(h['vectors'])}"
        items.append(("Attack", text))
    else:
        items.append(("Attack", "no attack traffic found"))
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
        why = f" ({cut['warnings'][0]})" if cut["warnings"] else ""
        quality.append(
            f"{cut['file']} is cut short or damaged{where}{why}: what follows is missing"
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


def _vector_entries(classified: Frame, series: pl.DataFrame, config: AnalysisConfig,
                    span: tuple[int, int] | None = None) -> list[dict]:  # fmt: skip
    attack = classified.lazy().filter(pl.col("vector").is_not_null())
    stats = collect(
        attack.group_by("vector").agg(
            # as integers: a Python datetime would cut the nanoseconds pcapng records
            pl.col("ts").cast(pl.Int64).min().alias("start"),
            pl.col("ts").cast(pl.Int64).max().alias("end"),
            pl.len().alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.col("dst").n_unique().alias("dsts"),
            pl.col("payload_len").cast(pl.Int64).mean().alias("payload"),
            (pl.col("frag") & 3 > 0).sum().alias("fragments"),
            pl.col("dport").n_unique().alias("dports"),
        )
    )
    sources = (
        pl.concat(
            collect(part.lazy().group_by("vector").agg(pl.col("src").n_unique().alias("sources")))
            for part in source_parts(attack)
        )
        .group_by("vector")
        .agg(pl.col("sources").sum())
    )
    stats = stats.join(sources, on="vector", how="left")
    # the busiest second, a partial one (the capture's edges) rated over what the capture covers;
    # a sliver of a second at an edge only when the vector has nothing else
    ok = eligible_for_peak(1000, span)
    per_s = (
        rollup(series, 1000, by="vector", span=span)
        .group_by("vector")
        .agg(
            pl.col("bps").filter(ok).max().fill_null(pl.col("bps").max()),
            pl.col("pps").filter(ok).max().fill_null(pl.col("pps").max()),
        )
    )
    peaks = {r["vector"]: r for r in per_s.iter_rows(named=True)}
    ports = {
        column: collect(attack.group_by("vector", column).len()).sort(
            "vector", "len", column, descending=[False, True, False]
        )
        for column in ("sport", "dport")
    }
    targets = rank_targets(classified, limit=10, by="vector")
    out = []
    for row in stats.iter_rows(named=True):
        vector, packets = row["vector"], row["packets"]
        src_ports, dst_ports = (
            ports[c].filter(pl.col("vector") == vector).head(5) for c in ("sport", "dport")
        )
        rule = RULES[vector]
        sources_n = row["sources"] or 0
        top_sport = src_ports["sport"].head(1).to_list()
        out.append({
            "vector": vector,
            "start": _iso(row["start"]),
            "end": _iso(row["end"]),
            "packets": packets,
            "bytes": row["bytes"],
            "peak_bps": float(peaks[vector]["bps"]),
            "peak_pps": float(peaks[vector]["pps"]),
            "unique_sources": row["sources"],
            # a DoS from one or a few hosts, or a DDoS from a crowd (reflectors are a crowd)
            "distributed": bool(sources_n >= config.min_sources_flood
                                or (rule.family == "reflection" and sources_n > 1)),
            "service": rule.service or (f"udp/{top_sport[0]}" if rule.match == "shared_source_port" and top_sport else None),
            "targets": target_labels(targets.get(vector, [])),
            "src_ports": src_ports["sport"].to_list(),
            "dst_ports": dst_ports["dport"].to_list(),
            "evidence": {
                "rule": rule.evidence,
                "packets": packets,
                "unique_sources": row["sources"],
                "unique_targets": row["dsts"],
                "mean_payload_bytes": round(float(row["payload"] or 0), 1),
                "fragments": row["fragments"],
                "top_src_port_share": round(float(src_ports["len"].head(1).sum() / packets), 4),
                "distinct_dst_ports": row["dports"],
            },
        })  # fmt: skip
    return sorted(out, key=lambda v: v["start"])


def _sources(classified: Frame) -> dict:
    from workbench.analysis.geography import source_geography
    from workbench.enrich import attribution

    attack = classified.lazy().filter(pl.col("vector").is_not_null())
    spoof = spoofing.assess(classified)
    spoofed = {
        p["vector"] for p in spoof["per_vector"] if p["verdict"] in ("spoofed", "likely spoofed")
    }
    reflected = {p["vector"] for p in spoof["per_vector"] if p["verdict"] == "reflected"}
    # per source: a hash part of the sources at a time (a spoofed flood has millions)
    tops, counts = [], {"attack": 0, "all": 0}
    for part in source_parts(classified):
        part = part.lazy()
        tops.append(collect(
            part.filter(pl.col("vector").is_not_null())
            .group_by("src")
            .agg(pl.len().alias("packets"), pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
                 pl.col("vector").unique().alias("vectors"))
            .sort("bytes", "src", descending=[True, False])
            .head(20)
        ))  # fmt: skip
        row = collect(
            part.select(
                pl.col("src").filter(pl.col("vector").is_not_null()).n_unique().alias("attack"),
                pl.col("src").n_unique().alias("all"),
            )
        ).row(0, named=True)
        counts = {k: counts[k] + row[k] for k in counts}
    top = (
        pl.concat(tops)
        .sort("bytes", "src", descending=[True, False])
        .head(20)
        .with_columns(pl.col("vectors").list.sort(), address=pl.col("src").ip.to_text())
    )
    return {
        "unique": counts["attack"],
        "unique_all": counts["all"],
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


def _check_arguments(
    capture, bin_ms, dissect, window_packets, workdir, workers, scheduler, config
) -> None:
    """Wrong types named before any reading (``ArgumentTypeError``)."""
    where = "wb.analyze"
    if isinstance(capture, (list, tuple)):
        expect_paths(capture, "capture", where)
    elif not hasattr(capture, "packets"):
        expect(capture, (pl.DataFrame, pl.LazyFrame, str, os.PathLike), "capture", where,
               "a Capture (wb.load), a packet frame, a capture or dataset path, or a list of paths")  # fmt: skip
    expect(bin_ms, int, "bin_ms", where, "a bin width in milliseconds (an integer)")
    expect(dissect, (bool, int), "dissect", where, "a number of packets per vector, or True/False")
    for name, value in (("window_packets", window_packets), ("workers", workers)):
        if value is not None:
            expect(value, int, name, where, "a positive integer or None")
    if workdir is not None:
        expect(workdir, (str, os.PathLike), "workdir", where, "a folder path or None")
    if scheduler is not None:
        expect(scheduler, str, "scheduler", where, "a Dask scheduler address or None")
    expect(config, AnalysisConfig, "config", where, "a wb.AnalysisConfig")


def analyze(
    capture,
    link_capacity=None,
    *,
    pps_limit: float | None = None,
    bin_ms: int = 100,
    dissect: int | bool = False,
    window_packets: int | None = None,
    workdir: str | Path | None = None,
    progress: bool | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    config: AnalysisConfig = DEFAULT,
) -> Report:
    """Phases, vectors, targets, sources and link saturation of a capture.

    ``capture``: a ``Capture`` (``wb.load``), a packet frame, or, for captures larger than
    memory, a Parquet dataset (the folder ``wb.ingest`` wrote, or the LazyFrame of ``wb.scan``):
    that is classified in windows of at most ``window_packets`` packets whose labelled parts go
    to ``workdir`` (default: a temporary folder in the cache, removed with the Report), and every
    figure is a streaming query over them. ``workers`` / ``scheduler``: each window of each pass
    is then a Dask task, on a ``LocalCluster`` of that many processes (whose windows are
    ``window_packets`` divided among them and this process, default 2,000,000) or on an existing cluster that sees
    the dataset and ``workdir``; the report is the same as in one process. ``dissect``: read that many packets per vector
    (True: 200) with tshark and add what their application layer says (DNS names, HTTP
    requests, NTP request codes) to each vector's evidence.

    rep = wb.analyze(cap, link_capacity="10G")
    rep.phases[0]["kind"], rep.vectors[0]["vector"]
    rep = wb.analyze("dataset/", link_capacity="10G")    # after `workbench ingest ... -o dataset/`
    """
    _check_arguments(capture, bin_ms, dissect, window_packets, workdir, workers, scheduler, config)
    scratch = None
    links = parse_links(link_capacity)  # a mistyped capacity fails before any reading
    several = isinstance(capture, (list, tuple)) and all(
        isinstance(p, (str, Path)) for p in capture
    )
    if several or (isinstance(capture, (str, Path)) and Path(capture).is_file()):
        from workbench.capture.reader import load

        capture = load(list(capture) if several else capture, progress=progress)
    if isinstance(capture, (pl.LazyFrame, str, Path)):
        lazy, meta = _dataset(capture)
        links = resolve_links(links, meta.get("interfaces", []))
        if workdir is None:
            scratch = workdir = _scratch()
        with ExitStack() as stack:
            cluster = None
            if workers is not None or scheduler is not None:
                from workbench.capture.cluster import dask_cluster

                cluster = stack.enter_context(dask_cluster(workers, scheduler))
            if window_packets is None:  # local workers and this process share one machine's memory
                window_packets = (
                    cluster.share(WINDOW_PACKETS, with_client=True) if cluster else WINDOW_PACKETS
                )
            classified, partials = classify_windows(
                lazy,
                workdir,
                window_packets=window_packets,
                progress=progress,
                cluster=cluster,
                config=config,
            )
    else:
        frame, meta = _in_memory(capture)
        links = resolve_links(links, meta.get("interfaces", []))
        classified = classify(frame, config=config)
        partials = Partials()
        partials.add(classified)
    span = (0, 0)
    if partials.packets:
        bounds = collect(classified.lazy().select(pl.col("ts").min().alias("a"), pl.col("ts").max().alias("z")))  # fmt: skip
        meta.setdefault("start", _iso(bounds["a"][0]))
        meta.setdefault("end", _iso(bounds["z"][0]))
        span = tuple(int(v) for v in bounds.select(pl.all().cast(pl.Int64)).row(0))
    cover = covered_span(*span, partials.packets)  # partial bins are rated over what it covers
    series = partials.fine_series()
    phases = phases_mod.segment(classified, series, span, config) if partials.packets else []
    # one story: a vector counts only inside a phase that carries it
    classified = phases_mod.confine(classified, phases)
    series = phases_mod.confine_series(series, phases)
    phase_bin = phases_mod.phase_bin_ns(span[1] - span[0], config) if partials.packets else 10**9
    overall = [rate for kind, _, rate in links if kind == "all"]
    capacity = overall[0] if overall else (sum(rate for *_, rate in links) if links else None)
    data = {
        "workbench_version": __version__,
        "generated": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "capture": meta,
        "parameters": {
            "link_capacity_bps": capacity,
            "link_capacity": str(link_capacity) if link_capacity is not None else None,
            "links": [{"link": link_label(k, i), "capacity_bps": r} for k, i, r in links],
            "pps_limit": pps_limit,
            "saturation_bin_ms": bin_ms,
            "series_bin_ms": 100,
            "analysis": config.to_dict(),
            "rate_bin_ms": config.rate_bin_ms(span[1] - span[0]) if partials.packets else None,
            "phases": phases_mod.parameters(config, phase_bin),
            "analysis_windows": partials.windows,
            "window_packets": window_packets if partials.windows > 1 else None,
            "dask": ({"workers": workers} if workers else {"scheduler": scheduler})
            if workers or scheduler
            else None,
        },
        "phases": phases,
        "vectors": _vector_entries(classified, series, config, cover) if partials.packets else [],
        "targets": rank_targets(classified),
        "sources": _sources(classified),
        "saturation": saturation_mod.assess(
            classified,
            capacity,
            pps_limit=pps_limit,
            drops=meta.get("drops"),
            bin_ms=bin_ms,
            partials=partials,
            config=config,
        ),
    }
    if dissect and partials.packets and hasattr(capture, "meta") and capture.meta.files:
        _application_evidence(data, capture, classified, 200 if dissect is True else int(dissect))
    elif dissect and partials.packets:
        import warnings

        warnings.warn(
            "dissection reads the capture files themselves: analyse the files (not a dataset or a"
            " frame) to add what their payloads say",
            stacklevel=2,
        )
    targets = [t.get("prefix") or t["address"] for t in data["targets"]]
    if targets:
        data["saturation"]["directions"] = saturation_mod.assess_directions(
            classified, capacity, targets, bin_ms=bin_ms, span=cover
        )
    if any(kind != "all" for kind, *_ in links):
        data["saturation"]["links"] = saturation_mod.assess_links(
            classified, links, bin_ms=bin_ms, span=cover, config=config
        )
    _phase_countries(data, classified)
    report = Report(data, series, classified)
    if scratch is not None:  # the labelled parts live as long as the report that reads them
        weakref.finalize(report, shutil.rmtree, scratch, True)
    return report


def _in_memory(capture) -> tuple[pl.DataFrame, dict]:
    if isinstance(capture, pl.DataFrame):
        return capture, {"paths": [], "sha256": {}, "packets": capture.height,
                         "bytes": int(capture["wire_len"].cast(pl.Int64).sum() or 0) if capture.height else 0}  # fmt: skip
    if capture is None:
        return empty_frame(), {"paths": [], "sha256": {}, "packets": 0, "bytes": 0}
    return capture.packets, capture.meta.to_dict()


def _dataset(source) -> tuple[pl.LazyFrame, dict]:
    """A Parquet dataset (folder written by ``ingest``) or a LazyFrame, with its capture metadata."""
    if isinstance(source, pl.LazyFrame):
        counts = collect(source.select(pl.len(), pl.col("wire_len").cast(pl.Int64).sum()))
        meta = {"paths": [], "sha256": {}, "packets": int(counts[0, 0]), "bytes": int(counts[0, 1] or 0),
                "note": "a LazyFrame without its capture metadata: analyse the dataset folder to keep the hashes"}  # fmt: skip
        return source, meta
    from workbench.capture.scan import open_dataset

    lazy, capture_meta = open_dataset(source)
    return lazy, capture_meta.to_dict()


def _scratch() -> Path:
    from workbench.capture.scan import cache_root

    root = cache_root() / "analysis"
    root.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix="labelled-", dir=root))


def _application_evidence(data: dict, capture, classified: pl.DataFrame, per_vector: int) -> None:
    """Read a sample of each vector's packets with tshark and add what their payloads say."""
    from workbench.dissection import application_evidence, dissect, select_packets

    chosen = select_packets(classified, sample_per_vector=per_vector)
    facts = application_evidence(dissect(capture, chosen, progress=False))
    for entry in data["vectors"]:
        if entry["vector"] in facts:
            entry["evidence"]["application"] = facts[entry["vector"]]
    data["parameters"]["dissected_per_vector"] = per_vector


def _phase_countries(data: dict, classified: Frame) -> None:
    """Each attack phase's top source countries (spoofed sources apart), to see the mix change."""
    from workbench.analysis.geography import countries_by

    verdicts = data["sources"]["spoofing"]["per_vector"]
    spoofed = {p["vector"] for p in verdicts if p["verdict"] in ("spoofed", "likely spoofed")}
    reflected = {p["vector"] for p in verdicts if p["verdict"] == "reflected"}
    phases = data["phases"]
    if not phases:
        return
    bounds = phases_mod.phase_bounds(phases)
    present = [p["vectors"] if p["kind"] != "baseline" else [] for p in phases]
    found = countries_by(
        phases_mod.own_traffic(classified, bounds, present), spoofed, reflected, "phase"
    )
    for index, phase in enumerate(phases):
        if phase["kind"] != "baseline":
            phase["top_countries"] = found.get(index, [])
