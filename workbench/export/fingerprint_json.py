"""Attack fingerprints in the DDoS Clearing House dissector's format (see FINGERPRINT.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from workbench.analysis.model import PhaseKind, Report, VectorFinding
from workbench.analysis.report_json import ABSENT
from workbench.analysis.targets import toward_targets
from workbench.analysis.vector_table import RULES
from workbench.atomic import check_destination, write_text
from workbench.capture.schema import PROTO_TCP
from workbench.errors import expect
from workbench.export.escaping import json_text
from workbench.export.evidence import as_dict, evidence_block
from workbench.formatting import IP_PROTOCOLS

FLAG_LETTERS = "FSRPAUEC"


def _fractions(series: pl.Series, top: int = 10, random_over: int = 50) -> dict | str:
    """Value -> fraction of traffic for outlier values, or "random" when spread over many values."""
    counts = series.value_counts(sort=True)
    if counts.height > random_over and counts["count"][0] / series.len() < 0.1:
        return "random"
    name = series.name
    return {
        str(r[name]): round(r["count"] / series.len(), 4)
        for r in counts.head(top).iter_rows(named=True)
    }


def _flags(value: int) -> str:
    return "".join(letter if value & (1 << k) else "." for k, letter in enumerate(FLAG_LETTERS))[
        ::-1
    ]


def _vector_fp(part: pl.DataFrame, vector: str, total: int) -> dict:
    rule = RULES[vector]
    proto = part["proto"].mode().to_list()[0] if part.height else 0
    headed = part.filter(pl.col("frag") & 2 == 0)  # non-first fragments carry no ports
    headed = headed if headed.height else part
    sport = headed["sport"].mode().to_list()[0] if headed.height else 0
    entry = {
        "service": rule.label or vector,
        "workbench_vector": vector,
        "protocol": IP_PROTOCOLS.get(int(proto), str(proto)),
        "fraction_of_attack": round(part.height / total, 4) if rule.family != "fragment" else None,
        # reflectors answer from their service's port; a flood's source ports are its own
        "source_port": int(sport) if rule.family == "reflection" else "random",
        "destination_ports": _fractions(headed["dport"].cast(pl.Int64).rename("dport")),
        "tcp_flags": _fractions(
            part["tcp_flags"].map_elements(_flags, return_dtype=pl.String).rename("flags")
        )
        if proto == PROTO_TCP
        else None,
        "nr_packets": part.height,
        "nr_megabytes": round(int(part["wire_len"].cast(pl.Int64).sum()) / 1e6, 3),
        "time_start": str(part["ts"].min()),
        "duration_seconds": round((part["ts"].max() - part["ts"].min()).total_seconds(), 3),
        "source_ips": part.select(pl.col("src").unique().ip.to_text().alias("src"))["src"]
        .sort()
        .to_list(),
        "frame_len": _fractions(part["wire_len"].cast(pl.Int64).rename("frame_len")),
        "fragmentation_offset": _fractions(
            (part["frag"] & 2 > 0).cast(pl.Int64).rename("non_first_fragment")
        ),
        "ttl": _fractions(part["ttl"].cast(pl.Int64).rename("ttl")),
    }
    if proto in (1, 58):
        entry["ICMP type"] = _fractions(part["icmp_type"].cast(pl.Int64).rename("icmp_type"))
    return entry


# dissector PCAP-only fields filled from deep dissection (analyze(..., dissect=True))
APPLICATION_FIELDS = (
    "dns_query_name",
    "dns_query_type",
    "http_uri",
    "http_method",
    "http_user_agent",
    "ntp_requestcode",
)


def _with_application(entry: dict, vector: VectorFinding | None) -> dict:
    facts = vector.evidence.application if vector is not None else ABSENT
    entry.update({k: facts[k] for k in APPLICATION_FIELDS if facts and k in facts})
    return entry


def _typed(report) -> Report:
    """The typed report of a Report or of its JSON read as a dict (a saved report)."""
    return report if isinstance(report, Report) else Report.from_dict(as_dict(report))


def _phase_figures(phase, frame, vectors: dict[str, VectorFinding]) -> dict:
    """Sizes, rates, sources and one entry per vector, from the phase's labelled packets toward
    its targets (``targets.toward_targets``: an HTTP flood's server answering the bots is none of
    its sources, and the bots' ephemeral ports are no destination ports)."""
    in_phase = (pl.col("ts") >= _at(phase.start)) & (pl.col("ts") < _at(phase.end))
    part = toward_targets(frame).filter(in_phase & pl.col("vector").is_in(list(phase.vectors)))
    part = part.collect(engine="streaming")  # this phase's attack packets
    seconds = max((phase.end - phase.start) / 1e9, 1e-9)
    total = max(part.height, 1)
    wire = int(part["wire_len"].cast(pl.Int64).sum() or 0)
    return {
        "duration_seconds": round(seconds, 3),
        "total_megabytes": round(wire / 1e6, 3),
        "total_packets": part.height,
        "total_ips": part["src"].n_unique(),
        "avg_bps": int(wire * 8 / seconds),
        "avg_pps": int(part.height / seconds),
        "avg_Bpp": int(wire / total),
        "ethernet_type": {"IPv4": round(float((part["ip_ver"] == 4).mean() or 0), 4),
                          "IPv6": round(float((part["ip_ver"] == 6).mean() or 0), 4)},
        "attack_vectors": [_with_application(_vector_fp(one, v, total), vectors.get(v))
                           for v in phase.vectors
                           if (one := part.filter(pl.col("vector") == v)).height],
    }  # fmt: skip


def _at(ns: int) -> pl.Expr:
    return pl.lit(ns, dtype=pl.Int64).cast(pl.Datetime("ns", "UTC"))


def fingerprints(report, capture=None) -> list[dict]:
    """One fingerprint per attack phase (DDoS Clearing House field names where the meaning is
    the same), read from the report and the labelled packets it carries (``rep.packets``): the
    export classifies nothing, so it can never disagree with the report. A saved report
    (``Report.from_json`` or its dict) has no packets: its fingerprints name the vectors without
    sizes, TTLs and source lists. ``capture`` is accepted for callers that pass it and not read:
    the packets are the report's own."""
    rep = _typed(report)
    frame = rep.packets
    spoof = {p.vector: p.verdict for p in rep.sources.spoofing.per_vector}
    vectors = {v.vector: v for v in rep.vectors}
    out = []
    for phase in rep.phases:
        if phase.kind == PhaseKind.BASELINE:
            continue
        fp: dict = {
            "target": ", ".join(phase.targets[:3]),
            "tags": sorted(
                {RULES[v].tag for v in phase.vectors}
                | ({"Multi-vector attack"} if len(phase.vectors) > 1 else set())
            ),
            "time_start": phase["start"],
            "time_end": phase["end"],
            "phase": phase.index,
            "phase_kind": str(phase.kind),
            "spoofing": {v: spoof[v] for v in phase.vectors if v in spoof},
        }
        if frame is not None:
            fp.update(_phase_figures(phase, frame, vectors))
        else:
            fp["attack_vectors"] = [{"workbench_vector": v} for v in phase.vectors]
            fp["note"] = (
                "sizes, TTLs and source lists need the labelled packets: fingerprint the Report"
                " wb.analyze returns, not a saved one"
            )
        fp["key"] = hashlib.md5(
            json.dumps(fp, sort_keys=True, default=str).encode(), usedforsecurity=False
        ).hexdigest()
        out.append(fp)
    return out


def fingerprint(report, path: str | Path, capture=None) -> Path:
    """Write the fingerprints (and the evidence block) as JSON."""
    check_destination(path)
    if capture is not None and not hasattr(capture, "packets"):
        expect(
            capture,
            pl.DataFrame,
            "capture",
            "wb.export.fingerprint",
            "a Capture (wb.load), a packet frame or None",
        )
    doc = {"fingerprints": fingerprints(report, capture), "evidence": evidence_block(report)}
    return write_text(path, json_text(doc, indent=2))
