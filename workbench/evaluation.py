"""How right the analysis is: every real capture of an ``expected.tsv`` and every synthesized
scenario (attacks and benign traffic, several seeds), judged against what each must give.

An attack passes when a vector whose name holds one of its expected fragments is reported
on its target and an attack phase carries it; a benign capture (or a negative scenario)
passes when the report has no vector and no attack phase. Every report must also tell one
story (``invariant_failures``). Each real benign capture is judged twice: whole, and one way
(only the traffic toward its busiest host, as a receive-only tap or asymmetric routing holds it).
Each real capture is judged again another way (``evaluation_variants``): every other packet, in
IPv6 (an IPv4 capture), an attack amid the traffic of the two busiest benign captures, and a UDP
reflection with its service moved to a port no table names (then a ``reflection`` of it).

    .venv/bin/python -m workbench.evaluation            # or: make evaluate
"""

from __future__ import annotations

import argparse
import csv
import ipaddress
import multiprocessing
import os
import sys
import tempfile
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

SEEDS = (11, 12)
SCENARIO_SCALE = 0.2  # the synthesized scenarios at a fifth of their rates: seconds each
NOT_EVALUATED = (
    "saturation",
)  # a link-capacity test case, judged by tests/analysis/test_saturation


@dataclass
class Row:
    """One evaluated capture."""

    name: str
    kind: str  # "attack" | "benign"
    expected: str  # what it must give, as text
    found: str = ""  # vectors with targets, attack phases
    ok: bool = False
    problems: list[str] = field(default_factory=list)
    one_way: bool = False  # judged on the traffic toward the capture's busiest host only
    # judged on the capture another way (``evaluation_variants``): ("every other packet",),
    # ("in IPv6",), ("amid", path of a benign capture) or ("port moved", the expected vectors)
    variant: tuple = ()


def toward_busiest(packets):
    """The packets toward the host that talks with the most peers (the capture's client or
    server), none from it: one direction of its link, what a receive-only tap or asymmetric
    routing captures. Benign traffic stays benign seen this way."""
    import polars as pl

    peers = packets.group_by("src").agg(pl.col("dst").n_unique().alias("peers"))
    host = peers.sort(["peers", "src"], descending=[True, False])["src"][0]
    # an IPv6 host is a number of up to 128 bits (fe80:: is above 2^127): compared in the
    # column's own type
    return packets.filter(pl.col("src") != pl.lit(host, dtype=packets.schema["src"])), host


def _address_in(target: str, labels: Iterable[str]) -> bool:
    """``target`` (an address or a prefix) is among the report's target labels, as an address
    or inside a reported prefix (carpet bombing)."""
    want = ipaddress.ip_network(target, strict=False)
    for label in labels:
        try:
            net = ipaddress.ip_network(label, strict=False)
        except ValueError:
            continue
        if net.version == want.version and (want.subnet_of(net) or net.subnet_of(want)):
            return True
    return False


def _carried(report, vector: str) -> bool:
    return any(p["kind"] != "baseline" and vector in p["vectors"] for p in report.phases)


def _found_text(report) -> str:
    vectors = "; ".join(
        f"{v['vector']}->{','.join(v['targets'][:2]) or '?'}" for v in report.vectors
    )
    phases = sum(1 for p in report.phases if p["kind"] != "baseline")
    return f"{vectors or 'no vector'}; {phases} attack phase(s)"


def invariant_failures(report) -> list[str]:
    """The report's story must hold together (DESIGN.md): each vector carried by an attack
    phase that overlaps it, phase attack packets adding up to the labelled packets, no
    baseline phase with attack packets, every threshold used in ``parameters``."""
    out = []
    for v in report.vectors:
        if not any(
            p["kind"] != "baseline"
            and v["vector"] in p["vectors"]
            and p["start"] <= v["end"]
            and v["start"] <= p["end"]
            for p in report.phases
        ):
            out.append(f"vector {v['vector']} ({v['start']}..{v['end']}) has no attack phase")
    for p in report.phases:
        if p["kind"] == "baseline" and p.get("attack_packets", 0):
            out.append(f"baseline phase {p['index']} holds {p['attack_packets']} attack packets")
    labelled = sum(v["packets"] for v in report.vectors)
    in_phases = sum(p.get("attack_packets", 0) for p in report.phases)
    if labelled != in_phases:
        out.append(f"phases hold {in_phases} attack packets, vectors {labelled}")
    if "analysis" not in report.parameters:
        out.append("the analysis configuration is missing from parameters")
    return out


def judge(report, kind: str, expected: list[tuple[str, str]]) -> tuple[bool, list[str]]:
    """``expected``: (vector name fragments separated by ``|``, target) pairs an attack must
    show; a benign capture must show nothing."""
    problems = invariant_failures(report)
    if kind == "benign":
        if report.vectors:
            problems.append("false alarm: " + ", ".join(v["vector"] for v in report.vectors))
        if any(p["kind"] != "baseline" for p in report.phases):
            problems.append("false alarm: an attack phase")
        return not problems, problems
    for fragments, target in expected:
        names = fragments.split("|")
        hits = [v for v in report.vectors if any(f in v["vector"] for f in names)]
        on_target = [v for v in hits if _address_in(target, v["targets"])]
        if not hits:
            problems.append(f"missed {fragments}")
        elif not on_target:
            problems.append(f"{fragments} not on {target}")
        elif not any(_carried(report, v["vector"]) for v in on_target):
            problems.append(f"{fragments} carried by no attack phase")
    return not problems, problems


def real_rows(folder: Path) -> Iterator[tuple[Row, Path, list[tuple[str, str]]]]:
    """The captures ``folder/expected.tsv`` lists, each whole, then another way or two."""
    with (folder / "expected.tsv").open(newline="") as f:
        records = [
            {k: (v or "").strip() for k, v in rec.items()}
            for rec in csv.DictReader(f, delimiter="\t")
        ]
    # the benign captures with the most bytes: the traffic an attack is put amid
    benign = [r["file"] for r in records if r["class"] == "benign"]
    busiest = sorted(benign, key=lambda name: (-(folder / name).stat().st_size, name))[:2]
    for rec in records:
        kind, path = rec["class"], folder / rec["file"]
        expected = [(rec["expect"], rec["target"])] if kind == "attack" else []
        text = f"{rec['expect']} on {rec['target']}" if kind == "attack" else "nothing"
        yield Row(rec["file"], kind, text), path, expected
        if kind == "benign":
            name = f"{rec['file']} (one way)"
            yield Row(name, kind, text, one_way=True), path, expected
        yield from _variant_rows(rec, path, folder, busiest)


def _variant_rows(rec: dict, path: Path, folder: Path, busiest: list[str]) -> Iterator[tuple[Row, Path, list[tuple[str, str]]]]:  # fmt: skip
    """One real capture another way (``evaluation_variants``): the same attack must be found
    on the same target (in IPv6, on the target's IPv6 address), benign traffic stay benign."""
    from workbench.evaluation_variants import UNLISTED_PORT, ipv6_address

    kind, target, expect = rec["class"], rec["target"], rec["expect"]

    def row(label: str, variant: tuple, fragments: str = expect, on: str = target):
        expected = [(fragments, on)] if kind == "attack" else []
        text = f"{fragments} on {on}" if kind == "attack" else "nothing"
        return Row(f"{rec['file']} ({label})", kind, text, variant=variant), path, expected

    yield row("every other packet", ("every other packet",))
    if kind == "benign" or ":" not in target:
        yield row("in IPv6", ("in IPv6",), on=ipv6_address(target) if kind == "attack" else target)
    if kind != "attack":
        return
    for name in busiest:
        yield row(f"amid {name}", ("amid", str(folder / name)))
    if any(f.endswith("amplification") or f in ("reflection", "udp_reflection") for f in expect.split("|")):  # fmt: skip
        # a UDP reflection's service moved to a port no table names: a reflection still (a
        # SYN-ACK reflection's port is any server's: nothing to move)
        yield row(f"its service on port {UNLISTED_PORT}", ("port moved", expect), "reflection")


def _scenario_row(folder: Path, name: str, seed: int, scale: float) -> tuple[Row, Path, list[tuple[str, str]]]:  # fmt: skip
    """One synthesized scenario written to ``folder``, with what it must give."""
    from workbench import synth

    path = folder / f"{name}-{seed}.pcap"
    truth = synth.write(name, path, seed=seed, scale=scale)
    expected = [(v["vector"], t) for v in truth["vectors"] for t in v["targets"]]
    kind = "attack" if expected else "benign"
    text = ", ".join(sorted({v["vector"] for v in truth["vectors"]})) or "nothing"
    return Row(f"synth:{name}/{seed}", kind, text), path, expected


def _scenarios(seeds: Iterable[int]) -> list[tuple[str, int]]:
    from workbench import synth

    return [(name, seed) for name in synth.SCENARIOS if name not in NOT_EVALUATED for seed in seeds]


def scenario_rows(
    folder: Path, seeds: Iterable[int] = SEEDS, scale: float = SCENARIO_SCALE
) -> Iterator[tuple[Row, Path, list[tuple[str, str]]]]:
    """Every synthesized scenario, written to ``folder`` for each seed."""
    for name, seed in _scenarios(seeds):
        yield _scenario_row(folder, name, seed, scale)


def _judged(job: tuple) -> Row:
    """One row analysed and judged: ``("capture", (row, path, expected))``, or
    ``("scenario", (folder, name, seed, scale))``, written first."""
    import workbench as wb

    what, args = job
    row, path, expected = _scenario_row(*args) if what == "scenario" else args
    capture = wb.load(path, progress=False)
    if row.one_way:
        capture = toward_busiest(capture.packets)[0]
    if row.variant:
        capture = _another_way(capture.packets, row.variant, expected)
    report = wb.analyze(capture, progress=False)
    row.ok, row.problems = judge(report, row.kind, expected)
    row.found = _found_text(report)
    return row


def _another_way(packets, variant: tuple, expected: list[tuple[str, str]]):
    """``packets`` as ``variant`` says (``Row.variant``)."""
    import workbench as wb
    from workbench import evaluation_variants as variants

    how = variant[0]
    if how == "every other packet":
        return variants.every_other(packets)
    if how == "in IPv6":
        return variants.in_ipv6(packets)
    if how == "amid":
        return variants.amid(packets, wb.load(variant[1], progress=False).packets)
    if how == "port moved":
        # the named service's ports (the vector table's), else the port most of the target's
        # UDP comes from
        from workbench.analysis.vector_table import VECTORS

        names = set(variant[1].split("|"))
        ports = [p for rule in VECTORS if rule.name in names for p in rule.sport]
        if not ports:
            ports = [p for p in [variants.service_port(packets, expected[0][1])] if p is not None]
        for port in ports:
            packets = variants.service_moved(packets, port)
        return packets
    raise ValueError(f"unknown variant {variant!r}")


def evaluate(
    captures: Path | None,
    *,
    synthesized: bool = True,
    seeds: Iterable[int] = SEEDS,
    workers: int = 1,
) -> list[Row]:
    """Analyse and judge every capture; one ``Row`` each, in order. ``workers`` processes
    judge rows side by side (each capture is small: one analysis uses a core poorly)."""
    with tempfile.TemporaryDirectory(prefix="wb-evaluate-") as tmp:
        jobs: list[tuple] = []
        if captures is not None and (captures / "expected.tsv").is_file():
            jobs += [("capture", row) for row in real_rows(captures)]
        if synthesized:
            jobs += [("scenario", (Path(tmp), name, seed, SCENARIO_SCALE))
                     for name, seed in _scenarios(seeds)]  # fmt: skip
        if workers <= 1:
            return [_judged(job) for job in jobs]
        context = multiprocessing.get_context("spawn")  # no forked Polars thread pool
        with ProcessPoolExecutor(workers, mp_context=context) as pool:
            return list(pool.map(_judged, jobs))


def _is_miss(problem: str) -> bool:
    return problem.startswith("missed") or " not on " in problem or "carried by no" in problem


def default_captures() -> Path:
    """``$WORKBENCH_SHARED_CAPTURES``, else ``shared/captures`` beside the repository."""
    if os.environ.get("WORKBENCH_SHARED_CAPTURES"):
        return Path(os.environ["WORKBENCH_SHARED_CAPTURES"])
    return Path(__file__).resolve().parents[2] / "shared" / "captures"


def table(rows: list[Row]) -> str:
    """The evaluation as a Markdown table, then recall and false alarms."""
    lines = ["| capture | expected | found | result |", "|---|---|---|---|"]
    for r in rows:
        verdict = "pass" if r.ok else "FAIL: " + "; ".join(r.problems)
        cells = (r.name, r.expected, r.found, verdict)
        lines.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    attacks = [r for r in rows if r.kind == "attack"]
    benign = [r for r in rows if r.kind == "benign"]
    named = sum(1 for r in attacks if not any(_is_miss(p) for p in r.problems))
    alarms = sum(1 for r in benign if any(p.startswith("false alarm") for p in r.problems))
    lines += [
        "",
        f"recall: {named}/{len(attacks)} attacks named with their target and an attack phase",
        f"false alarms: {alarms}/{len(benign)} benign captures or negative scenarios",
        f"rows passing: {sum(r.ok for r in rows)}/{len(rows)}",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="workbench-evaluate", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--captures", type=Path, default=None,
                        help="folder holding expected.tsv and the captures (default: ../shared/captures)")  # fmt: skip
    parser.add_argument("--no-synth", action="store_true", help="real captures only")
    parser.add_argument("--seeds", type=int, nargs="+", default=list(SEEDS))
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes judging rows side by side (default: one per core)")  # fmt: skip
    args = parser.parse_args(argv)
    folder = args.captures or default_captures()
    if not (folder / "expected.tsv").is_file():
        print(f"no expected.tsv in {folder}: evaluating the synthesized scenarios only", file=sys.stderr)  # fmt: skip
    rows = evaluate(folder, synthesized=not args.no_synth, seeds=args.seeds, workers=args.workers)
    print(table(rows))
    return 0 if all(r.ok for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
