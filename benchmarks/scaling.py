"""How the cost of ``wb.analyze`` grows: with packets (1, 3 and 10 M), with phases (10 vs
10,000 at a fixed packet count) and with sources (1 vs 1 M at a fixed packet count), each step
timed (``analysis.steps``).

    python benchmarks/scaling.py                          # every row, each analysed twice
    python benchmarks/scaling.py --axes phases --repeat 3
    python benchmarks/scaling.py --packets 1e6,3e6        # a shorter packet axis
    python benchmarks/scaling.py --phases 10,100,1000     # the shape of the phase axis

Every row is a capture the synthesizer writes (pcap, 64-byte snaplen) into a temporary folder,
read by ``wb.load`` and then analysed ``--repeat`` times (once when the first analysis took
``--repeat-under`` seconds or more); the folder goes after the row.

- packets: the mailprovider-2015 scenario scaled to each packet count (the same story: its 6
  phases and vectors, more packets per second; its spoofed floods bring about 0.4 M distinct
  attack sources per million packets, so this axis grows the sources too).
- phases: one SYN flood from a botnet of 600 against one web server, switched on and off over
  22 hours (80,000 s) of light ordinary traffic: 5 bursts of 6,000 s (10 phases: quiet, attack,
  quiet, ...) or 5,000 bursts of 6 s with 10 s of quiet before each (10,000 phases; phases are
  judged in 1 s bins and need 5 of them, so 16 s is about the shortest cycle that stays two
  phases). Same packets, same sources, same attack duty (6 s in 16), only the switching differs.
- sources: a 200 s SYN flood of 1 M packets against one web server, from 1 host or from
  spoofed sources uniform over the IPv4 space (about 1 M distinct), in 400 s of ordinary
  traffic.

The two custom scenarios are registered in the synthesizer's table for this process only.
Times are the best of the runs per step (the machine may be shared; CPU seconds, all threads
of the process, move less than wall seconds when another process competes for the cores).
Each row says what the report found (phases, attack sources) beside what the row was built
to hold, so a row that does not contain what it claims shows it.
"""

from __future__ import annotations

import argparse
import gc
import itertools
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
LINK_BPS = 100e6  # the custom rows' link: a nominal 100 Mbit/s, so saturation has work to do

# the phase axis: one SYN flood switched on and off, at a fixed packet count
PHASE_SPAN_S = 80_000.0
PHASE_DUTY = 6 / 16  # attack share of each cycle
PHASE_FLOOD_PPS = 50.0  # while on: 1.5 M attack packets over the 30,000 s it is on
# the source axis: one SYN flood of a fixed packet count from 1 or ~1 M sources
SOURCE_SPAN_S, SOURCE_FLOOD = 400.0, (100.0, 300.0)
SOURCE_FLOOD_PPS = 5_000.0


@dataclass
class Row:
    """One capture of one axis and what it is built to hold."""

    axis: str
    label: str
    scenario: str
    scale: float = 1.0
    expect_phases: int | None = None
    expect_sources: str = ""
    runs: list[dict] = field(default_factory=list)
    found: dict = field(default_factory=dict)


def _on_off_scenario(bursts: int):
    """A SYN flood from 600 bots on one web server, ``bursts`` times on and off over
    ``PHASE_SPAN_S``: each cycle is quiet, then the flood (quiet first, so 2 x bursts phases)."""
    from workbench.synth.scenarios import WEB, Attack, Scenario

    period = PHASE_SPAN_S / bursts
    on = period * PHASE_DUTY
    attacks = tuple(
        Attack("syn_flood", k * period + period - on, (k + 1) * period, PHASE_FLOOD_PPS, (WEB,),
               sources="bots", bots=600)
        for k in range(bursts)
    )  # fmt: skip
    phases = []
    for attack in attacks:
        phases += [(attack.start - (period - on), attack.start, "baseline"),
                   (attack.start, attack.end, "attack")]  # fmt: skip
    return Scenario(
        name=f"scaling-{2 * bursts}-phases",
        description=f"a SYN flood from 600 bots switched on {bursts:,} times (scaling benchmark)",
        start="2024-03-01T00:00:00Z",
        duration=PHASE_SPAN_S,
        phases=tuple(phases),
        attacks=attacks,
        sessions_per_s=0.2,  # light ordinary traffic all along: the quiet is not silence
        dns_per_s=0.5,
        snaplen=64,
    )


def _sources_scenario(kind: str):
    """A SYN flood of ``SOURCE_FLOOD_PPS`` from one host (``single``) or from spoofed sources."""
    from workbench.synth.scenarios import WEB, Attack, Scenario

    start, end = SOURCE_FLOOD
    return Scenario(
        name=f"scaling-sources-{kind}",
        description=f"a SYN flood from {kind} sources (scaling benchmark)",
        start="2024-03-01T00:00:00Z",
        duration=SOURCE_SPAN_S,
        phases=((0, start, "baseline"), (start, end, "attack"), (end, SOURCE_SPAN_S, "baseline")),
        attacks=(Attack("syn_flood", start, end, SOURCE_FLOOD_PPS, (WEB,), sources=kind),),
        snaplen=64,
    )


def _rows(axes: list[str], packet_counts: list[int], phase_counts: list[int]) -> list[Row]:
    from workbench import synth
    from workbench.synth.scenarios import SCENARIOS

    rows: list[Row] = []
    if "packets" in axes:
        sample = synth.generate("mailprovider-2015", seed=1, scale=0.1)[2]
        per_scale = sample["packets"] / 0.1
        for n in packet_counts:
            rows.append(Row("packets", f"{n / 1e6:g} M packets", "mailprovider-2015",
                            scale=n / per_scale, expect_phases=len(sample["phases"]),
                            expect_sources="spoofed floods: grows with packets"))  # fmt: skip
    if "phases" in axes:
        for phases in phase_counts:
            bursts = max(phases // 2, 1)
            scenario = _on_off_scenario(bursts)
            SCENARIOS[scenario.name] = scenario
            rows.append(Row("phases", f"{2 * bursts:,} phases", scenario.name,
                            expect_phases=2 * bursts, expect_sources="600"))  # fmt: skip
    if "sources" in axes:
        for kind, expected in (("single", "1 source"), ("spoofed", "~1 M sources")):
            scenario = _sources_scenario(kind)
            SCENARIOS[scenario.name] = scenario
            rows.append(Row("sources", expected, scenario.name, expect_phases=3,
                            expect_sources=expected))  # fmt: skip
    return rows


def _analyse(row: Row, repeat: int, repeat_under: float) -> None:
    """Write the row's capture, load it, analyse it ``repeat`` times (once when the first
    analysis took ``repeat_under`` seconds or more); keep the times and what the last report
    found."""
    import polars as pl

    import workbench as wb
    from workbench import synth
    from workbench.analysis import steps

    folder = Path(tempfile.mkdtemp(prefix="wb-scaling-"))
    try:
        path = folder / "capture.pcap"
        started = time.perf_counter()
        truth = synth.write(row.scenario, path, seed=1, scale=row.scale, snaplen=64, fmt="pcap")
        written = time.perf_counter() - started
        cap = wb.load(path, progress=False)
        labels = pl.read_parquet(synth.labels_path(path))
        attack = cap.packets.select("src").filter(labels["label"] != "legit")
        built_sources = attack["src"].n_unique()
        del attack, labels
        capacity = truth["capacity_bps"] or LINK_BPS
        print(f"  {row.label}: {truth['packets']:,} packets written in {written:.0f} s "
              f"({path.stat().st_size / 1e6:,.0f} MB); analysing", end="", flush=True)  # fmt: skip
        for _ in range(repeat):
            gc.collect()
            with steps.recorded() as times:
                wall, cpu = time.perf_counter(), time.process_time()
                report = wb.analyze(cap, link_capacity=capacity, progress=False)
                wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            row.runs.append({"wall": wall, "cpu": cpu, "steps": dict(times)})
            print(f" {wall:.1f} s", end="", flush=True)
            kinds = [p["kind"] for p in report.phases]
            row.found = {
                "packets": cap.packets.height,
                "phases": len(report.phases),
                "attack_phases": kinds.count("attack"),
                "baseline_phases": kinds.count("baseline"),
                "alternating": all(a != b for a, b in itertools.pairwise(kinds)),
                "vectors": sorted({v.vector for v in report.vectors}),
                "attack_sources": report.sources.unique,
                "all_sources": report.sources.unique_all,
                "built_attack_sources": built_sources,
                "built_phases": len(truth["phases"]),
            }
            del report
            if wall >= repeat_under:
                print(" (not repeated: over --repeat-under)", end="")
                break
        print()
        del cap
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _best(row: Row, name: str) -> float:
    return min(run["steps"].get(name, 0.0) for run in row.runs)


def _seconds(value: float) -> str:
    return f"{value:.2f}" if value < 10 else f"{value:.1f}"


def _step_names(rows: list[Row], parent: str = "") -> list[str]:
    """The steps the runs recorded (top level, or the parts of ``parent``), in the order they
    began: the analysis may gain or lose steps, the table follows."""
    names: dict[str, None] = {}
    for row in rows:
        for run in row.runs:
            for key in run["steps"]:
                head, _, _ = key.rpartition("/")
                if head == parent:
                    names[key] = None
    return list(names)


def _print_tables(rows: list[Row]) -> None:
    steps = _step_names(rows)
    parts = _step_names(rows, "classify")
    head = ["row", "packets", "phases", "attack sources", *steps, "total wall", "CPU",
            "packets/s"]  # fmt: skip
    print("| " + " | ".join(head) + " |")
    print("|" + "|".join(["---"] + ["--:"] * (len(head) - 1)) + "|")
    for row in rows:
        walls = sorted(run["wall"] for run in row.runs)
        cpus = sorted(run["cpu"] for run in row.runs)
        found = row.found
        cells = [row.label, f"{found['packets'] / 1e6:.2f} M", f"{found['phases']:,}",
                 f"{found['attack_sources']:,}", *(_seconds(_best(row, s)) for s in steps),
                 f"{_seconds(walls[0])}-{_seconds(walls[-1])}", f"{_seconds(cpus[0])}-{_seconds(cpus[-1])}",
                 f"{found['packets'] / walls[0] / 1e3:,.0f} k"]  # fmt: skip
        print("| " + " | ".join(cells) + " |")
    print("\nclassify, its parts (best of the runs, seconds):\n")
    print("| row | " + " | ".join(p.split("/")[-1] for p in parts) + " |")
    print("|---|" + "--:|" * len(parts))
    for row in rows:
        cells = [_seconds(_best(row, part)) for part in parts]
        print(f"| {row.label} | " + " | ".join(cells) + " |")


def _print_growth(rows: list[Row]) -> None:
    """Per axis, each step's time at the largest row over its time at the smallest, against
    the packets ratio (packet axis: 1.0 is linear) or against 1 (phases, sources: flat)."""
    print("\ngrowth per step (best times; packets: time ratio / packet ratio, 1.0 = linear;"
          " phases and sources: time ratio at the same packet count, 1.0 = flat):\n")  # fmt: skip
    names = [*_step_names(rows), "total"]
    print("| axis | " + " | ".join(names) + " |")
    print("|---|" + "--:|" * len(names))
    for axis in ("packets", "phases", "sources"):
        pair = [r for r in rows if r.axis == axis and r.runs]
        if len(pair) < 2:
            continue
        low, high = pair[0], pair[-1]
        per_packet = high.found["packets"] / low.found["packets"] if axis == "packets" else 1.0

        def ratio(name: str, low=low, high=high, per_packet=per_packet) -> str:
            if name == "total":
                a, b = min(r["wall"] for r in low.runs), min(r["wall"] for r in high.runs)
            else:
                a, b = _best(low, name), _best(high, name)
            return f"{b / a / per_packet:.1f}" if a > 0.005 else "-"

        label = f"{axis} ({low.label} to {high.label})"
        print(f"| {label} | " + " | ".join(ratio(n) for n in names) + " |")


def _print_checks(rows: list[Row]) -> None:
    print("\nwhat each row held (report's findings beside what it was built with):")
    for row in rows:
        f = row.found
        if not f:
            continue
        # the phase axis claims quiet and attack in turn; the others only a count
        turns = row.axis != "phases" or f["alternating"]
        phases_ok = f["phases"] == row.expect_phases and turns
        order = "" if row.axis != "phases" else (", in turn" if turns else ", NOT in turn")
        print(
            f"  {row.label}: {f['packets']:,} packets; phases found {f['phases']:,}"
            f" ({f['attack_phases']:,} attack, {f['baseline_phases']:,} baseline{order};"
            f" built {f['built_phases']:,})"
            f" {'OK' if phases_ok else 'DIFFERS'}; vectors {', '.join(f['vectors']) or 'none'};"
            f" attack sources {f['attack_sources']:,} (built {f['built_attack_sources']:,},"
            f" claimed {row.expect_sources}); all sources {f['all_sources']:,}"
        )


def _git(*args: str) -> str:
    try:
        done = subprocess.run(["git", "-C", str(REPO), *args], capture_output=True, text=True,
                              check=True)  # fmt: skip
    except (OSError, subprocess.CalledProcessError):
        return ""
    return done.stdout.strip()


def _code() -> str:
    """The commit measured, and whether the analysis had uncommitted changes."""
    commit = _git("rev-parse", "--short", "HEAD") or "unknown commit"
    dirty = _git("status", "--porcelain", "--", "workbench")
    return commit + (" + uncommitted changes in workbench/" if dirty else "")


def _load() -> str:
    return ", ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--axes", default="packets,phases,sources",
                        help="comma-separated: packets, phases, sources")  # fmt: skip
    parser.add_argument("--packets", default="1e6,3e6,1e7",
                        help="packet counts of the packet axis")  # fmt: skip
    parser.add_argument(
        "--phases",
        default="10,10000",
        help="phase counts of the phase axis (even: quiet and attack alternate)",
    )
    parser.add_argument("--repeat", type=int, default=2, help="analyses per row")
    parser.add_argument(
        "--repeat-under",
        type=float,
        default=300.0,
        help="repeat only rows whose first analysis took less (seconds)",
    )
    args = parser.parse_args()
    axes = [a.strip() for a in args.axes.split(",") if a.strip()]
    unknown = set(axes) - {"packets", "phases", "sources"}
    if unknown or args.repeat < 1:
        parser.error(f"unknown axes {sorted(unknown)}" if unknown else "--repeat must be 1 or more")
    packet_counts = [int(float(x)) for x in args.packets.split(",") if x.strip()]
    phase_counts = [int(float(x)) for x in args.phases.split(",") if x.strip()]

    import workbench as wb
    from workbench import synth

    code, started, load = _code(), datetime.now(UTC), _load()
    print(f"{started:%Y-%m-%d %H:%M} UTC, {code}, {os.cpu_count()} cores, load average {load}")
    # JIT, imports and the geography database once, outside every row's times
    warm = Path(tempfile.mkdtemp(prefix="wb-scaling-warm-"))
    try:
        truth = synth.write("mailprovider-2015", warm / "w.pcap", seed=1, scale=0.05, snaplen=64,
                            fmt="pcap")  # fmt: skip
        wb.analyze(wb.load(warm / "w.pcap", progress=False), link_capacity=truth["capacity_bps"])
    finally:
        shutil.rmtree(warm, ignore_errors=True)

    rows = _rows(axes, packet_counts, phase_counts)
    for row in rows:
        _analyse(row, args.repeat, args.repeat_under)
    print(f"\nmeasured {started:%Y-%m-%d %H:%M} UTC on {code} ({os.cpu_count()} cores); load"
          f" average {load} at the start, {_load()} at the end")  # fmt: skip
    if _code() != code:  # modules were imported at the start: that code was measured
        print(f"(the tree moved to {_code()} during the run)")
    print(f"wall and CPU seconds: best-worst of {args.repeat} analyses (1 where a row took"
          f" {args.repeat_under:.0f} s or more); steps: best of them; packets/s: over the best"
          " wall time\n")  # fmt: skip
    _print_tables(rows)
    _print_growth(rows)
    _print_checks(rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
