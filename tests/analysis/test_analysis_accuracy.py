"""Accuracy against ground truth: every synthesizer scenario, several seeds."""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pytest

import workbench as wb
from workbench import synth

SEEDS = (11, 12)
# packets labelled as the truth says; a vector counts only inside a phase that carries it, so
# the seconds a smoothed phase edge misses cost a few per cent (README: accuracy)
ACCURACY_MIN = 0.95
SCENARIOS = [s for s in synth.SCENARIOS if s != "saturation"]  # saturation: test_saturation.py


def _seconds(text: str) -> float:
    head = text.rstrip("Z")
    return datetime.fromisoformat(head[:26]).timestamp()


def _match(found: list[dict], truth_phase: dict) -> dict | None:
    """The found phase overlapping the true one most."""
    a, z = _seconds(truth_phase["start"]), _seconds(truth_phase["end"])
    best, overlap = None, 0.0
    for p in found:
        o = min(z, _seconds(p["end"])) - max(a, _seconds(p["start"]))
        if o > overlap:
            best, overlap = p, o
    return best


@pytest.fixture(scope="module")
def results(tmp_path_factory) -> list[tuple]:
    folder = tmp_path_factory.mktemp("accuracy")
    out = []
    for name in SCENARIOS:
        for seed in SEEDS:
            path = folder / f"{name}-{seed}.pcap"
            truth = synth.write(
                name, path, seed=seed, scale=0.2 if name != "mailprovider-2015" else 0.4
            )
            report = wb.analyze(wb.load(path))
            labels = pl.read_parquet(synth.labels_path(path))["label"]
            _remove(path)
            out.append((name, seed, truth, report, labels))
    return out


def _remove(capture) -> None:
    """A written scenario's files, once read: 90 of them would hold gigabytes of disk."""
    for path in (capture, synth.labels_path(capture), synth.truth_path(capture)):
        path.unlink(missing_ok=True)


def test_phases_vectors_and_targets_match_the_truth(results) -> None:
    lines = [f"{'scenario':<22} seed  phase kind       start-err end-err  vectors"]
    failures = []
    for name, seed, truth, report, _ in results:
        found = report.phases
        true_attack = [p for p in truth["phases"] if p["kind"] != "baseline"]
        spurious = len([p for p in found if p["kind"] != "baseline"]) - len(true_attack)
        if spurious > 1:
            failures.append(f"{name}/{seed}: {spurious} spurious phases")
        for tp in true_attack:
            fp = _match(found, tp)
            if fp is None:
                failures.append(f"{name}/{seed}: phase {tp['index']} not found")
                continue
            ds = abs(_seconds(fp["start"]) - _seconds(tp["start"]))
            de = abs(_seconds(fp["end"]) - _seconds(tp["end"]))
            ok_vectors = set(fp["vectors"]) == set(tp["vectors"])
            ok_targets = set(tp["targets"]) <= set(fp["targets"])
            ok_kind = fp["kind"] == tp["kind"]
            lines.append(
                f"{name:<22} {seed:<5} {tp['index']:<5} {fp['kind']:<10} {ds:7.1f} {de:7.1f}  {'ok' if ok_vectors else fp['vectors']}"
            )
            if ds > 5 or de > 5:
                failures.append(
                    f"{name}/{seed} phase {tp['index']}: boundaries off by {ds:.1f}/{de:.1f} s"
                )
            if not (ok_vectors and ok_targets and ok_kind):
                failures.append(
                    f"{name}/{seed} phase {tp['index']}: found {fp['kind']} {fp['vectors']} {fp['targets']} vs {tp}"
                )
    print("\n".join(lines))
    assert not failures, "\n".join(failures)


def test_packet_level_accuracy(results) -> None:
    """Per packet, the vector found equals the synthesizer's label for at least 97 % of packets."""
    lines = []
    for name, seed, truth, report, labels in results:
        found = report.packets["vector"].fill_null("legit")
        accuracy = float((found == labels).mean())
        lines.append(f"{name:<22} {seed:<4} {accuracy:.4f}")
        assert accuracy >= ACCURACY_MIN, (name, seed, accuracy)
        assert {v["vector"] for v in report.vectors} == {v["vector"] for v in truth["vectors"]}, (
            name,
            seed,
        )
    print("\n".join(lines))
