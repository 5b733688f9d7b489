"""A fragmented answer from the port a crowd of reflectors shares is the reflection's, as a
fragmented DNS answer is DNS amplification: the vector table tries ``udp_reflection`` before
``ip_fragment_flood``, and a non-first fragment takes its datagram's port. The real DNS
amplification of the validation set, its port 53 moved to one no table names (40001), was an
IP fragment flood; 300 reflectors' fragmented answers of 2.8-4.4 KB from port 40123 were
nothing."""

from __future__ import annotations

from scenario_windows import in_memory
from scenario_windows import vectors as _vectors

from workbench.analysis.vector_table import VECTORS


def test_unlisted_reflection_is_tried_before_fragments() -> None:
    names = [rule.name for rule in VECTORS]
    assert names.index("udp_reflection") < names.index("ip_fragment_flood")


def test_fragmented_answers_of_an_unlisted_reflection(tmp_path) -> None:
    report, recall, precision = in_memory(
        tmp_path, "fragmented-unlisted-reflection", "udp_reflection"
    )
    assert _vectors(report) == [("udp_reflection", ["203.0.113.10"])]
    assert recall >= 0.95 and precision >= 0.95


def test_fragment_floods_stay_fragment_floods(tmp_path) -> None:
    # fragments whose datagrams no crowd answers from one port: a fragment flood, every
    # fragment labelled so, as before the order changed
    for name, target in (("fragments", "203.0.113.53"), ("spoofing-variants", "203.0.113.10")):
        report, recall, precision = in_memory(tmp_path, name, "ip_fragment_flood")
        assert ("ip_fragment_flood", [target]) in _vectors(report)
        assert recall >= 0.95 and precision >= 0.95
