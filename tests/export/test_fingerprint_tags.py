"""Fingerprint tags come from the vector table: SYN-ACK reflection was once tagged "Amplification
attack" because a name test (``endswith("reflection")``) matched before its own entry."""

from __future__ import annotations

import json
from pathlib import Path

import workbench as wb
from workbench.analysis.vector_table import RULES

SAMPLES = Path(__file__).resolve().parents[2] / "sample_pcaps"


def test_synack_reflection_is_tagged_as_itself(tmp_path) -> None:
    report = wb.analyze(wb.load(SAMPLES / "tcp_state_floods.pcap", progress=False))
    doc = json.loads(wb.export.fingerprint(report, tmp_path / "fp.json").read_text())
    by_vectors = {tuple(sorted(v["workbench_vector"] for v in fp["attack_vectors"])): fp for fp in doc["fingerprints"]}  # fmt: skip
    synack = next(fp for vectors, fp in by_vectors.items() if vectors == ("synack_reflection",))
    assert synack["tags"] == ["TCP SYN-ACK reflection"]
    for vectors, fp in by_vectors.items():
        assert set(fp["tags"]) - {"Multi-vector attack"} == {RULES[v].tag for v in vectors}
