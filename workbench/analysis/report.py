"""``analyze``: from the packet frame to the story of the attack, as one typed ``Report``.

This module runs the analysis in order (read, classify, segment into phases, rate the vectors,
rank targets, assess sources and saturation) and assembles the findings into the model of
``workbench.analysis.model``; ``workbench.analysis.report_json`` writes them as the report JSON.
"""

from __future__ import annotations

import dataclasses
import gc
import shutil
import time
import warnings
import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import polars as pl

from workbench._version import __version__
from workbench.analysis import phases as phases_mod
from workbench.analysis import saturation as saturation_mod
from workbench.analysis import spoofing
from workbench.analysis.capacity import parse_links, resolve_links
from workbench.analysis.config import DEFAULT, AnalysisConfig
from workbench.analysis.headline import headline, headline_items, summary_text, vector_titles
from workbench.analysis.held_back import held_back
from workbench.analysis.inputs import Inputs, check_arguments, windowed
from workbench.analysis.model import (
    Capture,
    Evidence,
    HeldBack,
    Parameters,
    Phase,
    Report,
    Saturation,
    Sources,
    Spoofing,
    Target,
    VectorFinding,
)
from workbench.analysis.per_source import SourceTable
from workbench.analysis.progress import analysis_bar
from workbench.analysis.queries import Frame, collect, collect_all
from workbench.analysis.report_json import ABSENT, from_data
from workbench.analysis.saturation import link_label, utilization_series
from workbench.analysis.series import covered_span, eligible_for_peak, rollup
from workbench.analysis.steps import step
from workbench.analysis.targets import ranked, session_reply, target_labels, target_table
from workbench.analysis.vector_table import RULES
from workbench.analysis.vectors.kinds import CANDIDATE, OTHER_PROTOCOLS
from workbench.analysis.vectors.labels import as_text
from workbench.analysis.vectors.slow_http import evidence_text
from workbench.capture.schema import FRAG_MORE, FRAG_NONFIRST, PORT_PROTOCOLS

# the story told from the report JSON lives in ``headline``; these names stay importable here
__all__ = ["Report", "analyze", "headline", "headline_items", "summary_text", "vector_titles"]


def _vector_stats(attack: pl.LazyFrame, series: pl.DataFrame, span: tuple[int, int] | None,
                  table: SourceTable, hit: pl.DataFrame) -> tuple[pl.DataFrame, dict, dict]:  # fmt: skip
    """Per vector: first and last packet, counts, sources, targets; its busiest second; its
    ports. ``attack``: the labelled packets, whose payloads are read from those toward the
    targets (an HTTP flood's server answering its clients sends from the service port to
    theirs: ``targets.session_reply``), and ports from those of them that carry ports.
    ``hit``: the target table (``targets.target_table``) of the same packets."""
    text = pl.col("vector").cast(pl.String)
    # the packets that carry ports: ICMP, GRE and a datagram's non-first fragments have none
    # (their 0 is no port: a fragmented DNS amplification's top source port was "0", at 55 %)
    carries = pl.col("proto").is_in(PORT_PROTOCOLS) & (pl.col("frag") & FRAG_NONFIRST == 0)
    attack = attack.with_columns(
        pl.col("vector").cast(CANDIDATE),  # grouped as a number
        _toward=~session_reply(),
    ).with_columns(_ported=pl.col("_toward") & carries)
    toward, ported = pl.col("_toward"), pl.col("_ported")
    stats_query = (
        attack.group_by("vector").agg(
            # as integers: a Python datetime would cut the nanoseconds pcapng records
            pl.col("ts").cast(pl.Int64).min().alias("start"),
            pl.col("ts").cast(pl.Int64).max().alias("end"),
            pl.len().alias("packets"),
            pl.col("wire_len").cast(pl.Int64).sum().alias("bytes"),
            pl.when(toward).then(pl.col("payload_len")).cast(pl.Int64).mean().alias("payload"),
            ported.sum().alias("ported"),
            (pl.col("frag") & (FRAG_MORE | FRAG_NONFIRST) > 0).sum().alias("fragments"),
        )
    ).with_columns(text)
    # one streamed pass over the attack packets for the figures and both port tables
    stats, sports, dports = collect_all(
        [
            stats_query,
            *(
                attack.filter(ported).group_by("vector", c).len().with_columns(text)
                for c in ("sport", "dport")
            ),
        ]
    )
    # distinct destinations: a vector's target hosts, from the target table
    dsts = hit.group_by("vector").agg(pl.col("dst").n_unique().cast(pl.UInt32).alias("dsts"))
    stats = stats.join(dsts, on="vector", how="left")
    sources = table.vector_sources().with_columns(text)
    # distinct destination ports: the rows of the port table (none for a vector without ports)
    dport_counts = dports.group_by("vector").agg(pl.len().alias("dports"))
    stats = (
        stats.join(dport_counts, on="vector", how="left")
        .with_columns(pl.col("dports").fill_null(0))
        .join(sources, on="vector", how="left")
    )
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
        column: table.sort("vector", "len", column, descending=[False, True, False])
        for column, table in (("sport", sports), ("dport", dports))
    }
    return stats, peaks, ports


def _vector_findings(classified: Frame, series: pl.DataFrame, config: AnalysisConfig,
                     span: tuple[int, int] | None, table: SourceTable,
                     hit: pl.DataFrame) -> tuple[VectorFinding, ...]:  # fmt: skip
    """Each vector with its figures and the evidence that made the call, by first packet."""
    stats, peaks, ports = _vector_stats(
        classified.lazy().filter(pl.col("vector").is_not_null()), series, span, table, hit
    )
    targets = ranked(hit, limit=10, by="vector", config=config)
    out = []
    for row in stats.iter_rows(named=True):
        vector, packets = row["vector"], row["packets"]
        src_ports, dst_ports = (
            ports[c].filter(pl.col("vector") == vector).head(5) for c in ("sport", "dport")
        )
        rule = RULES[vector]
        rule_text = rule.evidence
        if rule.family == "slow_http":  # a slow read's zero windows named
            rule_text = evidence_text(rule.evidence, classified.lazy(), vector)
        sources_n = row["sources"] or 0
        top_sport = src_ports["sport"].head(1).to_list()
        service = rule.service or (f"udp/{top_sport[0]}" if rule.match == "shared_source_port" and top_sport else None)  # fmt: skip
        protocols = {}
        if vector in OTHER_PROTOCOLS:  # no ports: the protocol is what names it
            service, protocols = _protocols(classified, vector, packets)
            src_ports, dst_ports = src_ports.clear(), dst_ports.clear()
        out.append(VectorFinding(
            vector=vector,
            start=row["start"],
            end=row["end"],
            packets=packets,
            bytes=row["bytes"],
            peak_bps=float(peaks[vector]["bps"]),
            peak_pps=float(peaks[vector]["pps"]),
            unique_sources=row["sources"],
            # a DoS from one or a few hosts, or a DDoS from a crowd (reflectors are a crowd)
            distributed=bool(sources_n >= config.min_sources_flood
                             or (rule.family == "reflection" and sources_n > 1)),
            service=service,
            targets=tuple(target_labels(targets.get(vector, []))),
            src_ports=tuple(src_ports["sport"].to_list()),
            dst_ports=tuple(dst_ports["dport"].to_list()),
            evidence=Evidence(
                rule=rule_text,
                packets=packets,
                unique_sources=row["sources"],
                unique_targets=row["dsts"],
                mean_payload_bytes=round(float(row["payload"] or 0), 1),
                fragments=row["fragments"],
                top_src_port_share=round(float(src_ports["len"].head(1).sum() / max(row["ported"], 1)), 4),
                distinct_dst_ports=row["dports"],
                **protocols,
            ),
        ))  # fmt: skip
    return tuple(sorted(out, key=lambda v: v.start))


# a protocol that carries this share of a vector's packets names it (``ip/50``: ESP); fewer, and
# its packets are of many protocols: a random protocol field (``ip/random``)
PROTOCOL_SHARE = 0.5


def _protocols(classified: Frame, vector: str, packets: int) -> tuple[str, dict]:
    """A flood of IP protocols no other row names: its service, the protocol it is of
    (``ip/50``) or ``ip/random`` when none carries ``PROTOCOL_SHARE`` of its packets; and its
    evidence's ``distinct_protocols`` and ``top_protocols`` (the busiest five)."""
    counts = collect(
        classified.lazy()
        .filter(pl.col("vector") == vector)
        .group_by("proto")
        .len()
        .sort("len", "proto", descending=[True, False])
    )
    figures = {
        "distinct_protocols": counts.height,
        "top_protocols": tuple(int(p) for p in counts["proto"].head(5)),
    }
    if counts.is_empty() or counts["len"][0] < PROTOCOL_SHARE * packets:
        return "ip/random", figures
    return f"ip/{counts['proto'][0]}", figures


def _sources(classified: Frame, table: SourceTable) -> Sources:
    """Who sent the attack: spoofing verdicts, geography (spoofed sources apart), top senders."""
    from workbench.analysis.geography import source_geography
    from workbench.enrich import attribution

    with step("spoofing"):
        spoof = from_data(Spoofing, spoofing.assess(classified, table))
    with step("sources"):  # per source: a hash part of them at a time (a spoof brings millions)
        top, counts = _top_sources(table)
    with step("geography"):
        geography = source_geography(table, set(spoof.spoofed()), set(spoof.reflected()), top=60)
    return Sources(
        unique=counts["attack"],
        unique_all=counts["all"],
        spoofing=spoof,
        countries=geography["countries"],
        asns=geography["asns"],
        geography_note=attribution()["text"],
        top=[
            {k: r[k] for k in ("address", "packets", "bytes", "vectors")}
            for r in top.iter_rows(named=True)
        ],
        extra={k: v for k, v in geography.items() if k not in ("countries", "asns")},
    )


def _top_sources(table: SourceTable) -> tuple[pl.DataFrame, dict]:
    """The 20 sources that sent the most attack bytes; how many sent attack traffic, and any."""
    tops, counts = [], {"attack": 0, "all": 0}
    for part in table.parts():
        attack = part.filter(pl.col("vector").is_not_null())
        per_source = collect(
            attack.lazy().group_by("src").agg(pl.col("packets").sum(), pl.col("bytes").sum())
        )
        counts["attack"] += per_source.height
        counts["all"] += part["src"].n_unique()
        if per_source.height > 20:  # only the sources that can rank are sorted
            floor = per_source["bytes"].top_k(20).min()
            per_source = per_source.filter(pl.col("bytes") >= floor)
        best = per_source.sort("bytes", "src", descending=[True, False]).head(20)
        vectors = (
            attack.join(best.select("src"), on="src", how="semi")
            .group_by("src")
            .agg(pl.col("vector").cast(pl.String).unique().alias("vectors"))
        )
        tops.append(best.join(vectors, on="src", how="left"))
    top = (
        pl.concat(tops)
        .sort("bytes", "src", descending=[True, False])
        .head(20)
        .with_columns(pl.col("vectors").list.sort(), address=pl.col("src").ip.to_text())
    )
    return top, counts


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
    requests, NTP request codes) to each vector's evidence. ``progress``: a bar that follows
    the steps (True: at once; None: once the analysis has run 2 s; False: none).

    rep = wb.analyze(cap, link_capacity="10G")
    rep.phases[0]["kind"], rep.vectors[0]["vector"]
    rep = wb.analyze("dataset/", link_capacity="10G")    # after `workbench ingest ... -o dataset/`
    """
    check_arguments(capture, bin_ms, dissect, window_packets, workdir, workers, scheduler, config)
    links = parse_links(link_capacity)  # a mistyped capacity fails before any reading
    with analysis_bar(progress, windowed=windowed(capture)):
        return _analyze(capture, link_capacity, links, pps_limit, bin_ms, dissect, window_packets,
                        workdir, progress, workers, scheduler, config)  # fmt: skip


def _analyze(capture, link_capacity, links, pps_limit, bin_ms, dissect, window_packets, workdir,
             progress, workers, scheduler, config) -> Report:  # fmt: skip
    """``analyze``, its arguments checked."""
    run = Inputs(capture, config, window_packets, workdir, progress, workers, scheduler)
    # the findings: thousands of phases make as many small dicts (classified before, where a
    # Dask cluster may run in this process, the collector runs as usual)
    with _cycle_collection_paused():
        links = resolve_links(links, run.meta.get("interfaces", []))
        overall = [rate for kind, _, rate in links if kind == "all"]
        capacity = overall[0] if overall else (sum(rate for *_, rate in links) if links else None)
        classified, partials, series = run.classified, run.partials, run.series
        phases, span = [], (0, 0)
        if partials.packets:
            span = run.span()
            with step("phases"):
                phases = phases_mod.segment(
                    classified, series, span, config, partials.resolution_ns
                )
            with step("confine"):  # one story: a vector counts only inside a phase that carries it
                classified = phases_mod.confine(classified, phases)
                series = phases_mod.confine_series(series, phases, classified)
        # partial bins are rated over what it covers
        cover = covered_span(*span, partials.packets, partials.resolution_ns)
        with step("senders"):  # who sent what: built once, read by every figure about sources
            table = SourceTable(classified, phases)
        with step("targets"):  # per target host and vector, once: every ranking is read from it
            hit = target_table(
                classified.lazy().with_columns(
                    phase=phases_mod.phase_column(phases_mod.phase_bounds(phases))
                ),
                ("phase",),
            )
            if phases:
                quiet = [k for k, p in enumerate(phases) if p["kind"] == "baseline"]
                phases = phases_mod.add_senders_and_targets(
                    phases, table.phase_sources(quiet), ranked(hit, 8, by="phase", config=config)
                )
        with step("vectors"):
            vectors = (
                _vector_findings(classified, series, config, cover, table, hit)
                if partials.packets
                else ()
            )
        if dissect and partials.packets:
            with step("dissect"):
                vectors = _dissected(vectors, run, classified, dissect)
        sources = _sources(classified, table)
        with step("geography"):
            _phase_countries(phases, table, sources.spoofing)
        params = _parameters(link_capacity, links, capacity, pps_limit, bin_ms, config, span, run)
        if dissect and partials.packets and run.files:  # recorded only when it was done
            params = dataclasses.replace(params, dissected_per_vector=_per_vector(dissect))
        with step("targets"):
            targets = ranked(hit, config=config)
        with step("saturation"):
            saturation = _saturation(classified, capacity, links, targets, cover, run,
                                     pps_limit=pps_limit, bin_ms=bin_ms, config=config)  # fmt: skip
        with step("assembly"):
            # when nothing was found, the biggest candidates and what held each back
            held = () if vectors else held_back(run.held_back, config)
            return _assembled(run, params, phases, vectors, held, targets, sources, saturation,
                              series, classified, capacity)  # fmt: skip


@contextmanager
def _cycle_collection_paused() -> Iterator[None]:
    """Python's cycle collector paused while the findings are made: a report of 10,000 phases
    builds hundreds of thousands of small dicts and lists, and every full collection walks them
    all (the 10,000-phase benchmark's phases and assembly steps, 2 runs each: 1.18-1.22 s ->
    0.85-0.91 s). They make few reference cycles, collected when the analysis ends (with the
    collector paused for the whole analysis, the peak memory of the 10.96 M-packet capture and
    of the 43 M-packet dataset was the same)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _with_resolution(meta: dict, partials) -> dict:
    """The capture's metadata with its timestamps' tick (``stamp_resolution``), when it has
    packets."""
    if not partials.packets:
        return meta
    return {**meta, "timestamp_resolution_ns": partials.resolution_ns}


def _assembled(run, params, phases, vectors, held, targets, sources, saturation, series,
               classified, capacity) -> Report:  # fmt: skip
    """The findings as one Report (the labelled parts of a dataset live as long as it)."""
    report = Report(
        workbench_version=__version__,
        generated=time.time_ns(),
        capture=from_data(Capture, _with_resolution(run.meta, run.partials)),
        parameters=params,
        phases=tuple(from_data(Phase, p) for p in phases),
        vectors=vectors,
        held_back=tuple(from_data(HeldBack, h) for h in held) if held else ABSENT,
        targets=tuple(from_data(Target, t) for t in targets),
        sources=sources,
        saturation=saturation,
        series=series,
        packets=as_text(classified),  # the labels were an Enum while analysed
        # the link's 1 s utilisation, for the charts (rolled up from the 100 ms series)
        utilization=utilization_series(classified, capacity, 1000, series=series)
        if capacity and run.partials.packets
        else None,
    )
    if run.scratch is not None:  # the labelled parts live as long as the report that reads them
        weakref.finalize(report, shutil.rmtree, run.scratch, True)
    return report


def _saturation(classified, capacity, links, targets, cover, run, *, pps_limit, bin_ms,
                config) -> Saturation:  # fmt: skip
    """The link: utilisation and peaks, toward and from the targets, and per link when given."""
    saturation = saturation_mod.assess(classified, capacity, pps_limit=pps_limit,
                                       drops=run.meta.get("drops"), bin_ms=bin_ms,
                                       partials=run.partials, config=config)  # fmt: skip
    labels = [t.get("prefix") or t["address"] for t in targets]
    if labels:
        saturation["directions"] = saturation_mod.assess_directions(
            classified, capacity, labels, bin_ms=bin_ms, span=cover
        )
    if any(kind != "all" for kind, *_ in links):
        saturation["links"] = saturation_mod.assess_links(
            classified, links, bin_ms=bin_ms, span=cover, config=config
        )
    return from_data(Saturation, saturation)


def _parameters(link_capacity, links, capacity, pps_limit, bin_ms, config, span, run) -> Parameters:
    """Every setting the analysis used, the whole config included."""
    packets = run.partials.packets
    phase_bin = phases_mod.phase_bin_ns(span[1] - span[0], config) if packets else 10**9
    return Parameters(
        link_capacity_bps=capacity,
        link_capacity=str(link_capacity) if link_capacity is not None else None,
        links=[{"link": link_label(k, i), "capacity_bps": r} for k, i, r in links],
        pps_limit=pps_limit,
        saturation_bin_ms=bin_ms,
        series_bin_ms=100,
        analysis=config.to_dict(),
        rate_bin_ms=config.rate_bin_ms(span[1] - span[0]) if packets else None,
        phases=phases_mod.parameters(config, phase_bin),
        analysis_windows=run.partials.windows,
        window_packets=run.window_packets if run.partials.windows > 1 else None,
        dask=run.dask,
    )


def _dissected(vectors, run, classified, dissect) -> tuple[VectorFinding, ...]:
    """The vectors with what tshark read in their payloads, when the files are at hand."""
    if run.files:
        return _application_evidence(vectors, run.capture, classified, _per_vector(dissect))
    warnings.warn(
        "dissection reads the capture files themselves: analyse the files (not a dataset or a"
        " frame) to add what their payloads say",
        stacklevel=3,  # the caller of wb.analyze
    )
    return vectors


def _per_vector(dissect: int | bool) -> int:
    return 200 if dissect is True else int(dissect)


def _application_evidence(vectors: tuple[VectorFinding, ...], capture, classified: pl.DataFrame,
                          per_vector: int) -> tuple[VectorFinding, ...]:  # fmt: skip
    """Read a sample of each vector's packets with tshark and add what their payloads say."""
    from workbench.dissection import application_evidence, dissect, select_packets

    chosen = select_packets(classified, sample_per_vector=per_vector)
    fields = {name: rule.dissect for name, rule in RULES.items()}  # dissection knows no vectors
    facts = application_evidence(dissect(capture, chosen, fields_per_vector=fields, progress=False))
    return tuple(
        dataclasses.replace(
            v, evidence=dataclasses.replace(v.evidence, application=facts[v.vector])
        )
        if v.vector in facts
        else v
        for v in vectors
    )


def _phase_countries(phases: list[dict], table: SourceTable, spoof: Spoofing) -> None:
    """Each attack phase's top source countries (spoofed sources apart), to see the mix change."""
    from workbench.analysis.geography import countries_by

    if not phases:
        return
    present = [p["vectors"] if p["kind"] != "baseline" else [] for p in phases]
    found = countries_by(table, set(spoof.spoofed()), present)
    for index, phase in enumerate(phases):
        if phase["kind"] != "baseline":
            phase["top_countries"] = found.get(index, [])
