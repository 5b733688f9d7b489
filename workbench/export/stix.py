"""A STIX 2.1 bundle for threat-intel platforms: who reported, what was observed, what to watch for."""

from __future__ import annotations

import json
from pathlib import Path

import stix2

from workbench.analysis.vector_table import RULES
from workbench.export.atomic import check_destination, write_text
from workbench.export.evidence import as_dict, evidence_block

MAX_INDICATED = 200


def _ts(text: str) -> str:
    """ISO-8601 with nanoseconds -> microseconds (what STIX timestamps carry)."""
    head, _, frac = text.rstrip("Z").partition(".")
    return f"{head}.{(frac + '000000')[:6]}Z"


def bundle(report) -> stix2.Bundle:
    """Identity, observed-data per attack vector, indicators for reflectors and carpet-bombed prefixes, a note."""
    data = as_dict(report)
    identity = stix2.Identity(name="ddos-workbench analyst", identity_class="individual")
    objects: list = [identity]
    for v in data.get("vectors", []):
        hosts = [t for t in v["targets"] if "/" not in t][:20]
        targets = [
            stix2.IPv6Address(value=t) if ":" in t else stix2.IPv4Address(value=t) for t in hosts
        ]
        rule = RULES[v["vector"]]
        family = "ipv6" if hosts and ":" in hosts[0] else "ipv4"
        traffic = stix2.NetworkTraffic(
            protocols=[family, *rule.protocols],  # from the vector table
            dst_ref=targets[0].id if targets else None,
            src_port=v["src_ports"][0] if v["src_ports"] else None,
            allow_custom=True,
            x_workbench_vector=v["vector"],
        ) if targets else None  # fmt: skip
        refs = [o for o in [*targets, traffic] if o is not None]
        if refs:
            objects += refs
            objects.append(stix2.ObservedData(
                first_observed=_ts(v["start"]), last_observed=_ts(v["end"]), number_observed=max(v["packets"], 1),
                object_refs=[o.id for o in refs], created_by_ref=identity.id,
                allow_custom=True, x_workbench_vector=v["vector"], x_workbench_evidence=v["evidence"],
            ))  # fmt: skip
    spoof = {
        p["vector"]: p["verdict"]
        for p in data.get("sources", {}).get("spoofing", {}).get("per_vector", [])
    }
    reflectors = [
        s
        for s in data.get("sources", {}).get("top", [])
        if any(spoof.get(v) == "reflected" for v in s["vectors"])
    ]
    for s in reflectors[:MAX_INDICATED]:
        kind = "ipv4-addr" if "." in s["address"] else "ipv6-addr"
        objects.append(stix2.Indicator(
            name=f"Abused reflector {s['address']}", pattern_type="stix",
            pattern=f"[{kind}:value = '{s['address']}']", indicator_types=["compromised"],
            description=f"Reflector in {', '.join(s['vectors'])}: {s['packets']:,} packets to the victim", created_by_ref=identity.id,
        ))  # fmt: skip
    for t in data.get("targets", []):
        if "prefix" in t:
            objects.append(stix2.Indicator(
                name=f"Carpet-bombed prefix {t['prefix']}", pattern_type="stix",
                pattern=f"[ipv4-addr:value ISSUBSET '{t['prefix']}']", indicator_types=["attribution"],
                description=f"{t['hosts']} hosts hit by {', '.join(t['vectors'])}", created_by_ref=identity.id,
            ))  # fmt: skip
    summary = report.summary() if hasattr(report, "summary") else "DDoS analysis"
    objects.append(stix2.Note(content=summary, abstract="DDoS forensic summary", object_refs=[objects[-1].id] if len(objects) > 1 else [identity.id],
                              created_by_ref=identity.id, allow_custom=True, x_workbench_evidence=evidence_block(report)))  # fmt: skip
    return stix2.Bundle(objects=objects, allow_custom=True)


def stix(report, path: str | Path) -> Path:
    """Write the STIX 2.1 bundle as JSON."""
    check_destination(path)
    text = bundle(report).serialize(pretty=True)
    json.loads(text)  # valid JSON before it replaces anything
    return write_text(path, text)
