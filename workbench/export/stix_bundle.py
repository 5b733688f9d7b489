"""A STIX 2.1 bundle for threat-intel platforms: the attack patterns, whom they targeted, the
infrastructure they abused, what was observed."""

from __future__ import annotations

import json
from pathlib import Path

import stix2

from workbench.analysis.vector_table import RULES
from workbench.atomic import check_destination, write_text
from workbench.export.evidence import as_dict, evidence_block

MAX_INDICATED = 200


def _ts(text: str) -> str:
    """ISO-8601 with nanoseconds -> microseconds (what STIX timestamps carry)."""
    head, _, frac = text.rstrip("Z").partition(".")
    return f"{head}.{(frac + '000000')[:6]}Z"


def _address(text: str):
    """An IPv4 or IPv6 address (or CIDR prefix) as its STIX cyber-observable."""
    return stix2.IPv6Address(value=text) if ":" in text else stix2.IPv4Address(value=text)


def bundle(report) -> stix2.Bundle:
    """The attack in STIX 2.1 terms: one ``attack-pattern`` per vector (with its CAPEC
    reference) that ``targets`` each victim (an ``identity`` per attacked host or carpet-bombed
    prefix, never an indicator: the victim is not malicious); the reflectors of a reflection
    vector as abused ``infrastructure`` (type amplification) that the pattern ``uses``;
    ``observed-data`` with the packet counts over ``network-traffic`` whose protocols come from
    the vector table; a note with the summary and the evidence block."""
    data = as_dict(report)
    analyst = stix2.Identity(name="ddos-workbench analyst", identity_class="individual")
    objects: list = [analyst]
    by = {"created_by_ref": analyst.id}
    victims: dict[str, stix2.Identity] = {}
    for t in data.get("targets", []):
        label = t.get("prefix") or t["address"]
        kind = f"prefix of {t['hosts']} hosts (carpet bombing)" if "prefix" in t else "host"
        victims[label] = stix2.Identity(
            name=f"Target {label}", identity_class="system", description=f"Attacked {kind}: "
            f"{t['packets']:,} packets, {t['bytes']:,} bytes of {', '.join(t['vectors'])}", **by,
        )  # fmt: skip
    objects += victims.values()
    spoof = {
        p["vector"]: p["verdict"]
        for p in data.get("sources", {}).get("spoofing", {}).get("per_vector", [])
    }
    top_sources = data.get("sources", {}).get("top", [])
    for v in data.get("vectors", []):
        rule = RULES[v["vector"]]
        pattern = stix2.AttackPattern(
            name=v["vector"], description=rule.evidence,
            external_references=[{"source_name": "capec", "external_id": rule.capec,
                                  "url": f"https://capec.mitre.org/data/definitions/{rule.capec.split('-')[1]}.html"}],
            allow_custom=True, x_workbench_vector=v["vector"], **by,
        )  # fmt: skip
        objects.append(pattern)
        for label in v["targets"]:
            if label in victims:
                objects.append(stix2.Relationship(pattern, "targets", victims[label], **by))
        hosts = v["targets"][:20]
        addresses = [_address(t) for t in hosts]
        family = "ipv6" if hosts and ":" in hosts[0] else "ipv4"
        refs: list = list(addresses)
        if addresses:
            refs.append(stix2.NetworkTraffic(
                protocols=[family, *rule.protocols],  # from the vector table
                dst_ref=addresses[0].id, src_port=v["src_ports"][0] if v["src_ports"] else None,
                allow_custom=True, x_workbench_vector=v["vector"],
            ))  # fmt: skip
            objects += refs
            objects.append(stix2.ObservedData(
                first_observed=_ts(v["start"]), last_observed=_ts(v["end"]),
                number_observed=max(v["packets"], 1), object_refs=[o.id for o in refs],
                allow_custom=True, x_workbench_vector=v["vector"], x_workbench_evidence=v["evidence"], **by,
            ))  # fmt: skip
        if spoof.get(v["vector"]) == "reflected":
            abused = [_address(s["address"]) for s in top_sources if v["vector"] in s["vectors"]]
            abused = abused[:MAX_INDICATED]
            infrastructure = stix2.Infrastructure(
                name=f"Reflectors abused for {v['vector']}", infrastructure_types=["amplification"],
                description=f"{v['unique_sources']:,} servers answered requests forged with the victim's"
                " address; they are abused, not the attackers", **by,
            )  # fmt: skip
            objects += [infrastructure, *abused]
            objects += [stix2.Relationship(infrastructure, "consists-of", a, **by) for a in abused]
            objects.append(stix2.Relationship(pattern, "uses", infrastructure, **by))
    summary = report.summary() if hasattr(report, "summary") else "DDoS analysis"
    refs = [o.id for o in objects if o.type in ("attack-pattern", "identity")][1:] or [analyst.id]
    objects.append(stix2.Note(content=summary, abstract="DDoS forensic summary", object_refs=refs,
                              allow_custom=True, x_workbench_evidence=evidence_block(report), **by))  # fmt: skip
    return stix2.Bundle(objects=objects, allow_custom=True)


def stix(report, path: str | Path) -> Path:
    """Write the STIX 2.1 bundle as JSON."""
    check_destination(path)
    text = bundle(report).serialize(pretty=True)
    json.loads(text)  # valid JSON before it replaces anything
    return write_text(path, text)
