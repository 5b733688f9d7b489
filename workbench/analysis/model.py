"""The typed report: frozen dataclasses for the findings of one analysis.

``Report`` holds the ``Capture`` read, the ``Parameters`` used, the ``Phase`` list, the
``VectorFinding`` list (each with its ``Evidence``), the ``Target`` list, the ``Sources``
(with the ``Spoofing`` assessment) and the ``Saturation``. Times are nanoseconds since the
epoch (``int``), a phase's kind a ``PhaseKind``; lists are tuples. Each field is a key of the
report JSON (DESIGN.md), in its order; ``report_json`` writes and reads them, so
``Report.from_json(rep.to_json()) == rep`` and writes the same text.

Dict-style access stays, as a documented view: every entry is also a read-only ``Mapping`` of
its JSON, so ``rep.phases[0]["kind"] == "attack"`` and ``rep.phases[0]["start"]`` is the ISO
text of the JSON, while ``rep.phases[0].start`` is the nanosecond integer. A view's values are
fresh JSON (dicts, lists, text): changing them changes nothing in the report. ``rep.to_dict()``
is the whole JSON as a dict.

    rep = wb.analyze(cap, link_capacity="10G")
    rep.phases[0].kind, rep.vectors[0].start, rep.vectors[0]["start"]
    saved = wb.Report.from_json("report.json")   # no packets, no series: exports that need none
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from enum import StrEnum
from pathlib import Path
from typing import Any

import polars as pl

from workbench.analysis import report_json as codec
from workbench.analysis.headline import headline_items, markdown, summary_text
from workbench.analysis.report_json import (
    ABSENT,
    JsonView,
    choice,
    listed,
    nested,
    optional,
    time_field,
)

_model = dataclass(frozen=True, kw_only=True)


def _extra() -> Any:
    """Keys of a newer report this workbench does not know: kept, and written back last."""
    return field(default_factory=dict, repr=False)


@_model
class Entry(JsonView):
    """An entry of the report: its fields, and the keys it does not know (``extra``)."""

    extra: dict = _extra()


class PhaseKind(StrEnum):
    """What a phase is: no attack, an attack, or an attack's residue once mitigated."""

    BASELINE = "baseline"
    ATTACK = "attack"
    MITIGATED = "mitigated"


@_model
class CaptureFile(Entry):
    """One input file: where it is, its SHA-256, what it holds and what was wrong with it."""

    path: str
    sha256: str = optional()
    size: int = optional()
    format: str = optional()
    compression: str | None = optional()
    link_types: tuple[int, ...] = listed(optional=True)
    interfaces: int = optional()
    packets: int = optional()
    bytes: int = optional()
    start: int | None = time_field(optional=True)
    end: int | None = time_field(optional=True)
    snaplen: int | None = optional()
    drops: int | None = optional()
    interface_names: tuple[str | None, ...] = listed(optional=True)
    warnings: tuple[str, ...] = listed(optional=True)
    fault_offset: int | None = optional()
    cut_headers: int | None = optional()


@_model
class Capture(Entry):
    """What was read: paths, hashes, files, formats, packets, bytes, first and last packet."""

    paths: tuple[str, ...] = listed()
    sha256: dict = optional()
    files: tuple[CaptureFile, ...] = nested(CaptureFile, many=True, optional=True)
    format: str = optional()
    link_types: tuple[int, ...] = listed(optional=True)
    interfaces: list = optional()
    engine: str = optional()
    packets: int = 0
    bytes: int = 0
    note: str = optional()
    start: int | None = time_field(optional=True)
    end: int | None = time_field(optional=True)
    drops: int | None = optional()
    warnings: tuple[str, ...] = listed(optional=True)
    # the timestamps' tick, a power of ten of ns (1,000: to the microsecond; 10^9: to the second)
    timestamp_resolution_ns: int = optional()


@_model
class Parameters(Entry):
    """Every setting the analysis used: link capacities, bins, the whole ``AnalysisConfig``."""

    link_capacity_bps: float | None = None
    link_capacity: str | None = None
    links: list = optional()
    pps_limit: float | None = None
    saturation_bin_ms: int = optional()
    series_bin_ms: int = optional()
    analysis: dict = optional()
    rate_bin_ms: int | None = optional()
    phases: dict = optional()
    analysis_windows: int = optional()
    window_packets: int | None = optional()
    dask: dict | None = optional()
    dissected_per_vector: int = optional()


@_model
class Phase(Entry):
    """A stretch of the capture with one mix of vectors: its kind, traffic and top countries."""

    index: int
    start: int = time_field()
    end: int = time_field()
    kind: PhaseKind = choice(PhaseKind)
    vectors: tuple[str, ...] = listed()
    targets: tuple[str, ...] = listed()
    packets: int
    bytes: int
    attack_packets: int = optional()
    peak_bps: float
    peak_pps: float
    mean_bps: float
    unique_sources: int
    top_countries: list = optional()
    scrubbing: dict = optional()
    mitigation: dict = optional()


@_model
class Evidence(Entry):
    """The figures that made a vector's call, and what dissected payloads said (``application``)."""

    rule: str
    packets: int
    unique_sources: int
    unique_targets: int
    mean_payload_bytes: float
    fragments: int
    # of the packets toward the targets that carry ports (not ICMP, GRE, nor a datagram's
    # non-first fragments: 0.0 and 0 for a vector of none), the share from the busiest source
    # port, and the destination ports
    top_src_port_share: float
    distinct_dst_ports: int
    # of a flood of IP protocols no other row names: how many, and the busiest (up to five)
    distinct_protocols: int = optional()
    top_protocols: tuple[int, ...] = listed(optional=True)
    application: dict = optional()


@_model
class VectorFinding(Entry):
    """One attack vector: when, how much, from how many sources, on which targets, and why."""

    vector: str
    start: int = time_field()
    end: int = time_field()
    packets: int
    bytes: int
    peak_bps: float
    peak_pps: float
    unique_sources: int
    distributed: bool
    service: str | None
    targets: tuple[str, ...] = listed()
    # the busiest five, of the packets toward the targets that carry ports (none for ICMP)
    src_ports: tuple[int, ...] = listed()
    dst_ports: tuple[int, ...] = listed()
    evidence: Evidence = nested(Evidence)


@_model
class HeldBack(Entry):
    """A candidate (host, vector) pair that was no attack, with what held it back (a setting of
    ``wb.AnalysisConfig``, or a test), its own figure and the threshold it missed: when a
    capture gives no attack, its biggest candidates say why (and what could be relaxed)."""

    target: str
    vector: str
    packets: int
    unique_sources: int
    held_back_by: str
    figure: float | None
    threshold: float | None
    reason: str


@_model
class Target(Entry):
    """An attacked address, or a prefix when the attack was spread over its hosts (carpet bombing)."""

    prefix: str = optional()
    address: str = optional()
    hosts: int = optional()
    packets: int
    bytes: int
    vectors: tuple[str, ...] = listed()

    @property
    def label(self) -> str:
        """The prefix of a carpet-bombed network, else the address."""
        return self.prefix if self.prefix is not ABSENT else self.address


@_model
class VectorSpoofing(Entry):
    """One vector's spoofing verdict and the source figures behind it (TTLs, bogons, spread)."""

    vector: str
    verdict: str
    evidence: str = optional()
    unique_sources: int = optional()
    packets: int = optional()
    seen_once_share: float = optional()
    single_ttl_source_share: float = optional()
    distinct_ttls: int = optional()
    top4_ttl_share: float = optional()
    bogon_source_share: float = optional()
    slash8_coverage: float = optional()
    distinct_prefixes: int = optional()
    top_prefix_source_share: float = optional()


SPOOFED_VERDICTS = ("spoofed", "likely spoofed")


@_model
class Spoofing(Entry):
    """The spoofing assessment: one verdict over the capture, one per vector."""

    verdict: str | None
    per_vector: tuple[VectorSpoofing, ...] = nested(VectorSpoofing, many=True)

    def spoofed(self) -> frozenset[str]:
        """Vectors whose sources are forged (their geography means nothing)."""
        return frozenset(p.vector for p in self.per_vector if p.verdict in SPOOFED_VERDICTS)

    def reflected(self) -> frozenset[str]:
        """Vectors whose sources are reflectors (abused servers, not the attacker)."""
        return frozenset(p.vector for p in self.per_vector if p.verdict == "reflected")


@_model
class Sources(Entry):
    """Who sent the attack: counts, spoofing, countries, ASNs and the top senders."""

    unique: int
    unique_all: int = optional()
    spoofing: Spoofing = nested(Spoofing)
    countries: list = optional()
    asns: list = optional()
    geography_note: str = optional()
    top: list = optional()


@_model
class Interval(Entry):
    """A stretch of time: a saturation interval or episode, or a gap in the capture."""

    start: int = time_field()
    end: int = time_field()
    seconds: float
    seconds_over: float = optional()
    peak_utilization: float = optional()
    mean_utilization: float = optional()
    note: str = optional()


@_model
class Peak(Entry):
    """The busiest bin at one time scale."""

    bin_ms: int
    peak_bps: float
    peak_pps: float
    at: int | None = time_field()
    peak_utilization: float | None = optional()
    note: str = optional()


@_model
class MicroBursts(Entry):
    """Spells at or above the saturation threshold too short to be episodes, counted apart."""

    count: int
    seconds: float
    peak_utilization: float | None
    first: int | None = time_field()
    last: int | None = time_field()


@_model
class Drops(Entry):
    """Packets the capture dropped, and gaps in busy traffic (possible loss)."""

    capture_drops: int | None
    gaps: tuple[Interval, ...] = nested(Interval, many=True)


@_model
class LinkSaturation(Entry):
    """The saturation of one link (a VLAN, interface or MAC) of its own capacity."""

    link: str
    capacity_bps: float = optional()
    packets: int = optional()
    peak_utilization: float | None = optional()
    seconds_over: list = optional()
    intervals: tuple[Interval, ...] = nested(Interval, many=True, optional=True)
    episodes: tuple[Interval, ...] = nested(Interval, many=True, optional=True)
    micro_bursts: MicroBursts = nested(MicroBursts, optional=True)


@_model
class Saturation(Entry):
    """What the attack did to the link: utilisation, peaks per scale, episodes, losses."""

    capacity_bps: float | None
    bin_ms: int
    pps_limit: float | None
    peak_utilization: float | None
    peak_bps: float = optional()
    peaks: tuple[Peak, ...] = nested(Peak, many=True)
    frame_time_ms: float | None = optional()
    seconds_over: list = optional()
    intervals: tuple[Interval, ...] = nested(Interval, many=True)
    saturated_threshold: float = optional()
    episodes: tuple[Interval, ...] = nested(Interval, many=True)
    micro_bursts: MicroBursts = nested(MicroBursts, optional=True)
    legitimate: dict | None = optional()
    pps: dict = optional()
    tcp_loss_signs: dict = optional()
    drops: Drops = nested(Drops, optional=True)
    directions: dict = optional()
    links: tuple[LinkSaturation, ...] = nested(LinkSaturation, many=True, optional=True)


@_model
class Report:
    """Findings of one analysis, and (from ``wb.analyze``) the frames behind them:
    ``series`` (100 ms bins per vector), ``packets`` (the packet frame with its ``vector``;
    lazy over labelled parts for a dataset) and ``utilization`` (1 s bins of the link).
    A report read back with ``from_json`` has the findings only."""

    workbench_version: str
    generated: int | None = time_field(optional=True)
    capture: Capture = nested(Capture)
    parameters: Parameters = nested(Parameters)
    phases: tuple[Phase, ...] = nested(Phase, many=True)
    vectors: tuple[VectorFinding, ...] = nested(VectorFinding, many=True)
    held_back: tuple[HeldBack, ...] = nested(HeldBack, many=True, optional=True)
    targets: tuple[Target, ...] = nested(Target, many=True)
    sources: Sources = nested(Sources)
    saturation: Saturation = nested(Saturation)
    extra: dict = _extra()
    series: pl.DataFrame | None = codec.frame()
    packets: pl.DataFrame | pl.LazyFrame | None = codec.frame()
    utilization: pl.DataFrame | None = codec.frame()

    @classmethod
    def from_dict(cls, data: dict, **frames) -> Report:
        """The typed report of a report JSON read as a dict (``frames``: ``series``,
        ``packets``, ``utilization`` when you have them)."""
        return dataclasses.replace(codec.from_data(cls, data), **frames)

    @classmethod
    def from_json(cls, source: str | os.PathLike) -> Report:
        """A saved report (the text ``to_json`` returns, or the path of its file).

        saved = wb.Report.from_json("report.json"); wb.export.html(saved, "report.html")
        """
        return cls.from_dict(codec.read_json(source))

    def to_dict(self) -> dict:
        """The report JSON (DESIGN.md) as a fresh dict."""
        return codec.to_data(self)

    def to_json(self, path: str | Path | None = None) -> str:
        """The report as JSON text; written to ``path`` when given (whole or not at all)."""
        text = codec.to_json_text(self.to_dict())
        if path is not None:
            from workbench.atomic import write_text

            write_text(path, text)
        return text

    def headline(self) -> list[tuple[str, str]]:
        """The story in a few lines (``headline_items``): capture, window, traffic, peak,
        phases, targets, data quality."""
        return headline_items(self.to_dict())

    def summary(self) -> str:
        """A few plain sentences: what the capture holds and what happened, numbers for people.

        print(rep.summary())
        """
        return summary_text(self.to_dict())

    def _repr_markdown_(self) -> str:
        return markdown(self.to_dict())
