"""Attack fingerprints in the DDoS Clearing House dissector's format (see FINGERPRINT.md)."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import polars as pl

from workbench.analysis.vector_table import RULES
from workbench.atomic import check_destination, write_text
from workbench.errors import expect
from workbench.export.escaping import json_text
from workbench.export.evidence import as_dict, evidence_block

PROTOCOL = {1: "ICMP", 6: "TCP", 17: "UDP", 47: "GRE", 58: "ICMPv6"}
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
        "protocol": PROTOCOL.get(int(proto), str(proto)),
        "fraction_of_attack": round(part.height / total, 4) if rule.family != "fragment" else None,
        # reflectors answer from their service's port; a flood's source ports are its own
        "source_port": int(sport) if rule.family == "reflection" else "random",
        "destination_ports": _fractions(headed["dport"].cast(pl.Int64).rename("dport")),
        "tcp_flags": _fractions(
            part["tcp_flags"].map_elements(_flags, return_dtype=pl.String).rename("flags")
        )
        if proto == 6
        else None,
        "nr_packets": part.height,
        "nr_megabytes": round(int(part["wire_len"].cast(pl.Int64).sum()) / 1e6, 3),
        "time_start": str(part["ts"].min()),
        "duration_seconds": round((part["ts"].max() - part["ts"].min()).total_seconds(), 3),
        "source_ips": part.select(pl.col("src").unique().ip.to_text())["src"].sort().to_list(),
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


def _with_application(entry: dict, data: dict, vector: str) -> dict:
    facts = next(
        (
            v["evidence"].get("application", {})
            for v in data.get("vectors", [])
            if v["vector"] == vector
        ),
        {},
    )
    entry.update({k: facts[k] for k in APPLICATION_FIELDS if k in facts})
    return entry


def fingerprints(report, capture=None) -> list[dict]:
    """One fingerprint per attack phase (DDoS Clearing House field names where the meaning is the same)."""
    data = as_dict(report)
    frame = getattr(report, "packets", None)
    if frame is None and capture is not None:
        from workbench.analysis import classify

        frame = classify(capture.packets if hasattr(capture, "packets") else capture)
    out = []
    spoof = {
        p["vector"]: p for p in data.get("sources", {}).get("spoofing", {}).get("per_vector", [])
    }
    for phase in data.get("phases", []):
        if phase["kind"] == "baseline":
            continue
        fp: dict = {
            "target": ", ".join(phase["targets"][:3]),
            "tags": sorted(
                {RULES[v].tag for v in phase["vectors"]}
                | ({"Multi-vector attack"} if len(phase["vectors"]) > 1 else set())
            ),
            "time_start": phase["start"],
            "time_end": phase["end"],
            "phase": phase["index"],
            "phase_kind": phase["kind"],
            "spoofing": {v: spoof[v]["verdict"] for v in phase["vectors"] if v in spoof},
        }
        if frame is not None:
            ts = pl.col("ts")
            lo = pl.Series([phase["start"]]).str.to_datetime(time_unit="ns", time_zone="UTC")[0]
            hi = pl.Series([phase["end"]]).str.to_datetime(time_unit="ns", time_zone="UTC")[0]
            part = frame.filter((ts >= lo) & (ts < hi) & pl.col("vector").is_in(phase["vectors"]))
            if isinstance(part, pl.LazyFrame):  # a dataset's report: this phase's attack packets
                part = part.collect(engine="streaming")
            seconds = max((hi - lo).total_seconds(), 1e-9)
            total = max(part.height, 1)
            fp.update({
                "duration_seconds": round(seconds, 3),
                "total_megabytes": round(int(part["wire_len"].cast(pl.Int64).sum() or 0) / 1e6, 3),
                "total_packets": part.height,
                "total_ips": part["src"].n_unique(),
                "avg_bps": int((part["wire_len"].cast(pl.Int64).sum() or 0) * 8 / seconds),
                "avg_pps": int(part.height / seconds),
                "avg_Bpp": int((part["wire_len"].cast(pl.Int64).sum() or 0) / total),
                "ethernet_type": {"IPv4": round(float((part["ip_ver"] == 4).mean() or 0), 4), "IPv6": round(float((part["ip_ver"] == 6).mean() or 0), 4)},
                "attack_vectors": [_with_application(_vector_fp(one, v, total), data, v) for v in phase["vectors"]
                                   if (one := part.filter(pl.col("vector") == v)).height],
            })  # fmt: skip
        else:
            fp["attack_vectors"] = [{"workbench_vector": v} for v in phase["vectors"]]
            fp["note"] = "sizes, TTLs and source lists need the packet frame: pass capture="
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
