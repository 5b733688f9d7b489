"""The command line, run as a user would: a subprocess, real files, exit codes.

Failures are one line on stderr naming what is wrong and what to do, exit code 2, no traceback
(unless --debug); the product goes to stdout, notes to stderr.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SAMPLES = REPO / "sample_pcaps"
SMALL = SAMPLES / "reflection_mix.pcap"  # 10,728 packets, one VLAN (10), three MACs


def run(*args: str, cwd: Path = REPO, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=None if env is None else {**os.environ, **env},
    )


def run_patched(patch: str, *args: str) -> subprocess.CompletedProcess:
    """The CLI with one function replaced (``patch`` is Python run after importing it as ``cli``)."""
    code = f"import sys, workbench.cli as cli\n{patch}\nsys.exit(cli.main({list(args)!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120
    )


def assert_one_line_failure(done: subprocess.CompletedProcess, *expected: str) -> None:
    """Exit code 2, one line on stderr holding every expected piece, no traceback, no product."""
    assert done.returncode == 2, (done.returncode, done.stderr)
    assert "Traceback" not in done.stderr, done.stderr
    assert done.stderr.endswith("\n") and done.stderr.count("\n") == 1, done.stderr
    for piece in expected:
        assert piece in done.stderr, (piece, done.stderr)
    assert done.stdout == ""


def test_demo_writes_report_and_timeline_and_says_where(tmp_path) -> None:
    done = run("demo", "--out", str(tmp_path / "out"))
    assert done.returncode == 0, done.stderr
    out = tmp_path / "out"
    for name in (
        "report.json",
        "report.html",
        "timeline.jsonl",
        "timeline.csv",
        "fingerprint.json",
        "stix_bundle.json",
        "attack.pcapng",
    ):
        assert (out / name).stat().st_size > 100, name
        assert str(out / name) in done.stderr  # "wrote ...": a note, not the product
    report = json.loads((out / "report.json").read_text())
    assert [p["kind"] for p in report["phases"]][-1] == "mitigated"
    assert "report.html in a browser" in done.stdout


def test_analyze_prints_the_summary_only_and_json_when_asked(tmp_path) -> None:
    import workbench as wb

    plain = run("analyze", str(SMALL), "--link", "1G")
    assert plain.returncode == 0, plain.stderr
    summary = wb.analyze(str(SMALL), link_capacity="1G").summary()
    assert plain.stdout == summary + "\n"  # the human summary and nothing else
    assert '"workbench_version"' not in plain.stdout + plain.stderr

    machine = run("analyze", str(SMALL), "--link", "1G", "--json", "-", "--timeline",
                  str(tmp_path / "t.csv"))  # fmt: skip
    assert machine.returncode == 0, machine.stderr
    report = json.loads(machine.stdout)  # stdout is the JSON alone: `| jq` works
    assert report["parameters"]["link_capacity_bps"] == 1e9
    assert f"wrote forensic timeline: {tmp_path / 't.csv'}" in machine.stderr


def test_analyze_imports_the_charts_only_for_the_html_report(tmp_path) -> None:
    # Altair (the HTML report's charts) took 1.2-1.5 s to import: `analyze --json` (and the
    # timeline, STIX, fingerprint) never needs it
    def imports_altair(*args: str) -> bool:
        done = run_patched(
            "import atexit\natexit.register(lambda: print('altair' in sys.modules))", *args
        )
        assert done.returncode == 0, done.stderr
        return done.stdout.strip().splitlines()[-1] == "True"

    base = ["analyze", str(SMALL), "--link", "1G", "--json", str(tmp_path / "r.json")]
    assert not imports_altair(*base, "--timeline", str(tmp_path / "t.csv"), "--stix",
                              str(tmp_path / "s.json"))  # fmt: skip
    assert json.loads((tmp_path / "r.json").read_text())["vectors"]
    assert imports_altair(*base, "--html", str(tmp_path / "r.html"))
    assert "<svg" in (tmp_path / "r.html").read_text()  # its charts drawn


def test_the_analysis_bar_goes_to_a_terminal_never_to_a_log() -> None:
    # shown at once (no wait for a long analysis): a terminal sees it, a log file does not
    at_once = "import workbench.analysis.progress as p; p.SHOW_AFTER_S = 0\n"
    logged = run_patched(at_once, "analyze", str(SMALL))
    assert logged.returncode == 0 and "analyse:" not in logged.stderr, logged.stderr
    terminal = run_patched(at_once + "cli.commands.progress_wanted = lambda: True",
                           "analyze", str(SMALL))  # fmt: skip
    assert terminal.returncode == 0 and "analyse:" in terminal.stderr, terminal.stderr
    assert "assembly" in terminal.stderr  # followed to the last step
    assert terminal.stdout == logged.stdout  # the summary, whatever the bar


def test_analyze_with_link_and_exports(tmp_path, shared_captures) -> None:
    capture = shared_captures / "amp.UDP.isakmp.pcap"
    done = run(
        "analyze",
        str(capture),
        "--link",
        "1G",
        "--json",
        str(tmp_path / "r.json"),
        "--timeline",
        str(tmp_path / "t.csv"),
    )
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "r.json").read_text())
    assert report["parameters"]["link_capacity_bps"] == 1e9
    assert report["vectors"][0]["vector"] == "isakmp_amplification"  # UDP 500/4500: IKE
    assert report["vectors"][0]["service"] == "isakmp" and report["vectors"][0]["distributed"]
    assert (tmp_path / "t.csv").read_text().startswith("datetime,")


def test_synth_list_and_write(tmp_path) -> None:
    listed = run("synth", "--list")
    assert listed.returncode == 0 and "mailprovider-2015" in listed.stdout
    done = run(
        "synth", "fragments", "-o", str(tmp_path / "f.pcap"), "--seed", "3", "--scale", "0.05"
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "f.truth.json").is_file() and (tmp_path / "f.labels.parquet").is_file()


def _capinfos(path: Path) -> dict:
    """capinfos' own figures: packets, data size, first and last packet (ns since the epoch)."""
    line = subprocess.run(
        ["/usr/bin/capinfos", "-T", "-r", "-M", "-c", "-d", "-a", "-e", "-S", str(path)],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip
    _, packets, data_size, first, last = line.split("\t")
    ns = lambda text: int(Decimal(text) * 10**9)  # noqa: E731
    return {"packets": int(packets), "bytes": int(data_size), "first": ns(first), "last": ns(last)}


@pytest.mark.parametrize(
    "name", ["mailprovider_2015.pcapng.gz", "tcp_state_floods.pcap"]
)  # gzip pcapng with nanoseconds and drops; pcap with a snaplen under the frame lengths
def test_info_agrees_with_capinfos(name: str) -> None:
    if not Path("/usr/bin/capinfos").is_file():
        pytest.skip("capinfos (Wireshark's tools) is not installed")
    path = SAMPLES / name
    theirs = _capinfos(path)
    human = run("info", str(path))
    assert human.returncode == 0, human.stderr
    rows = dict(line.split(":", 1) for line in human.stdout.splitlines())
    rows = {label: value.strip() for label, value in rows.items()}
    assert rows["Packets"] == f"{theirs['packets']:,}"
    assert f"({theirs['bytes']:,} bytes on the wire)" in rows["Data size"]
    for label, ns in (("First packet", theirs["first"]), ("Last packet", theirs["last"])):
        seconds, fraction = divmod(ns, 10**9)
        stamp = datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%d %H:%M:%S")
        digits = 9 if name.endswith(".gz") else 6  # as capinfos: the file's own precision
        assert rows[label] == f"{stamp}.{fraction // 10 ** (9 - digits):0{digits}d} UTC"
    assert rows["SHA-256"] == (subprocess.run(["sha256sum", str(path)], capture_output=True,
                                              text=True).stdout.split()[0])  # fmt: skip
    for label in ("File format", "Link types", "Duration", "Average data rate",
                  "Average packet rate", "Average packet size", "Capture drops"):  # fmt: skip
        assert rows[label], label

    machine = json.loads(run("info", str(path), "--json").stdout)
    ours = machine["files"][0]
    assert (ours["packets"], ours["bytes"]) == (theirs["packets"], theirs["bytes"])
    assert (ours["first_ns"], ours["last_ns"]) == (theirs["first"], theirs["last"])
    assert (
        machine["sha256"] == {str(path): rows["SHA-256"]}
        and machine["packets"] == theirs["packets"]
    )
    assert machine["duration_s"] == pytest.approx((theirs["last"] - theirs["first"]) / 1e9)
    if name.endswith(".gz"):
        assert rows["File format"] == "pcapng (gzip compressed)"
        assert rows["Capture drops"].startswith(f"{ours['drops']:,} (")
    else:
        assert rows["Capture drops"] == "not recorded (pcap has no drop counter)"


# --- every failure: one line, what is wrong and what to do, exit code 2 ---------------------


def test_missing_file(tmp_path) -> None:
    done = run("info", str(tmp_path / "missing.pcap"))
    assert_one_line_failure(done, "missing.pcap", "no such file")


def test_folder_points_to_ingest(tmp_path) -> None:
    assert_one_line_failure(run("analyze", str(tmp_path)), str(tmp_path), "is a folder",
                            f"workbench ingest {tmp_path} -o DATASET")  # fmt: skip


def test_empty_file(tmp_path) -> None:
    (tmp_path / "empty.pcap").touch()
    assert_one_line_failure(run("analyze", str(tmp_path / "empty.pcap")), "empty.pcap", "is empty")


def test_not_a_capture_points_to_the_tshark_engine(tmp_path) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"this is not a capture at all")
    assert_one_line_failure(run("analyze", str(bad)), "bad.pcap", "not a pcap or pcapng file",
                            "byte offset 0", "`--engine tshark` reads other formats")  # fmt: skip


def test_a_pipe_is_not_a_capture_file(tmp_path) -> None:
    os.mkfifo(tmp_path / "live")
    assert_one_line_failure(run("info", str(tmp_path / "live")), "not a regular file",
                            "save the capture to a file first")  # fmt: skip


def test_capture_cut_inside_its_file_header(tmp_path) -> None:
    cut = tmp_path / "cut.pcap"
    cut.write_bytes((SAMPLES / "tcp_state_floods.pcap").read_bytes()[:10])
    assert_one_line_failure(run("info", str(cut)), "cut.pcap", "header cut short", "byte offset")


def test_bad_link_syntax_fails_before_reading(tmp_path) -> None:
    missing = tmp_path / "not-read-yet.pcap"  # the link is checked first: the file is not opened
    assert_one_line_failure(run("analyze", str(missing), "--link", "10X"), "--link 10X",
                            "write it like 10G")  # fmt: skip


def test_html_into_a_missing_folder_fails_at_once_in_one_line(tmp_path) -> None:
    done = run("analyze", str(SMALL), "--json", str(tmp_path / "r.json"),
               "--html", str(tmp_path / "missing" / "r.html"))  # fmt: skip
    assert_one_line_failure(done, "--html", "does not exist", "mkdir -p")
    assert not (tmp_path / "r.json").exists()  # before any analysis


def test_unwritable_output_folder(tmp_path) -> None:
    folder = tmp_path / "locked"
    folder.mkdir(mode=0o555)
    if os.access(folder, os.W_OK):  # root writes anywhere; procfs refuses even root
        folder = Path("/proc/self")
    done = run("analyze", str(SMALL), "--stix", str(folder / "s.json"))
    assert_one_line_failure(done, "--stix", "is not writable", "write elsewhere")


def test_output_onto_the_evidence_is_refused(tmp_path) -> None:
    evidence = tmp_path / "evidence.pcap"
    shutil.copyfile(SAMPLES / "tcp_state_floods.pcap", evidence)
    done = run("analyze", str(evidence), "--json", str(evidence))
    assert_one_line_failure(done, "is one of the captures", "never overwritten")
    assert evidence.read_bytes() == (SAMPLES / "tcp_state_floods.pcap").read_bytes()


def test_dataset_option_on_a_capture_file() -> None:
    assert_one_line_failure(run("analyze", str(SMALL), "--workers", "2"),
                            "--workers is for a dataset folder", "workbench ingest")  # fmt: skip


@pytest.mark.parametrize(
    ("link", "expected"),
    [
        ("vlan:300=1G", ["no frame of this capture is tagged VLAN 300", "its VLANs are 10 ("]),
        ("mac:00:11:22:33:44:55=1G", ["from or to 00:11:22:33:44:55", "00:1b:21:aa:00:01 ("]),
        ("eth0=1G", ["no interface of this capture is named 'eth0'", "iface:0"]),
        ("iface:3=1G", ["this capture has no interface 3", "it has iface:0"]),
    ],
)
def test_link_the_capture_does_not_have_lists_what_it_has(link: str, expected: list) -> None:
    assert_one_line_failure(run("analyze", str(SMALL), "--link", link), f"--link {link.split('=')[0]}",
                            *expected)  # fmt: skip


def test_usage_errors_are_one_line() -> None:
    assert_one_line_failure(run("analyze"), "required: CAPTURE", "workbench analyze --help")
    assert_one_line_failure(run("analyze", str(SMALL), "--dissect", "-1"), "--dissect")
    assert_one_line_failure(run("synth", "no-such-scenario", "-o", "x.pcap"),
                            "unknown scenario", "workbench synth --list")  # fmt: skip


def test_unexpected_exception_is_one_line_and_debug_shows_the_traceback() -> None:
    patch = "def boom(*a, **k): raise ZeroDivisionError('division by zero')\nimport workbench.cli.info as info\ninfo.check_captures = boom"
    quiet = run_patched(patch, "info", str(SMALL))
    assert_one_line_failure(quiet, "internal error (ZeroDivisionError", "--debug")
    loud = run_patched(patch, "--debug", "info", str(SMALL))
    assert loud.returncode == 2 and "Traceback" in loud.stderr and "in boom" in loud.stderr
    assert loud.stderr.rstrip().splitlines()[-1].startswith("workbench: error: internal error")
    after = run_patched(patch, "info", str(SMALL), "--debug")  # also accepted after the command
    assert "Traceback" in after.stderr


def test_debug_traceback_for_a_plain_error(tmp_path) -> None:
    done = run("--debug", "info", str(tmp_path / "missing.pcap"))
    assert done.returncode == 2 and "Traceback" in done.stderr and "no such file" in done.stderr


def test_interrupt_is_one_line_exit_130() -> None:
    patch = "def stop(*a, **k): raise KeyboardInterrupt\nimport workbench.cli.info as info\ninfo.check_captures = stop"
    done = run_patched(patch, "info", str(SMALL))
    assert done.returncode == 130 and done.stderr == "workbench: interrupted\n"


def test_every_option_has_help_and_every_command_shows_examples() -> None:
    from workbench.cli.parser import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in {"workbench": parser, **commands}.items():
        for action in sub._actions:
            assert action.help, (name, action.option_strings or action.dest)
        assert "examples:\n  workbench " in sub.format_help(), name
    shown = run("analyze", "--help")
    assert shown.returncode == 0 and "examples:\n  workbench analyze" in shown.stdout
    assert "--json - | jq" in shown.stdout


def test_dataset_with_link_and_html_report(tmp_path) -> None:
    assert run("ingest", str(SMALL), "-o", str(tmp_path / "ds")).returncode == 0
    done = run("analyze", str(tmp_path / "ds"), "--link", "10G", "--html", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr  # was: AttributeError, LazyFrame has no height
    assert "<h2>Link saturation</h2>" in (tmp_path / "r.html").read_text()
    absent = run("analyze", str(tmp_path / "ds"), "--link", "vlan:300=1G")
    assert_one_line_failure(absent, "tagged VLAN 300", "its VLANs are 10 (")
    info = run("info", str(tmp_path / "ds"))
    assert_one_line_failure(info, "is a dataset folder", f"workbench analyze {tmp_path / 'ds'}")


# --- the one-time compile of the reader ------------------------------------------------------


def _compiled(cache_dir: Path | None, which: str = "kernel_cache.reader_compiled(['pcap'])") -> str:
    env = {**os.environ}
    if cache_dir is not None:
        env["NUMBA_CACHE_DIR"] = str(cache_dir)
    code = f"from workbench.capture import kernel_cache; from workbench.analysis import progress; print({which})"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                          text=True, check=True).stdout.strip()  # fmt: skip


def test_compile_detection_reads_numbas_cache(tmp_path) -> None:
    assert run("info", str(SAMPLES / "tcp_state_floods.pcap")).returncode == 0  # cache filled
    assert _compiled(None) == "True"
    assert _compiled(tmp_path / "empty-cache") == "False"  # nothing compiled there yet


def test_analysis_compile_detection_reads_numbas_cache(tmp_path) -> None:
    done = run(
        "analyze", str(SAMPLES / "tcp_state_floods.pcap"), "--json", str(tmp_path / "r.json")
    )
    assert done.returncode == 0, done.stderr  # the analysis' kernels are in the cache now
    assert _compiled(None, "progress.analysis_compiled()") == "True"
    assert _compiled(tmp_path / "empty-cache", "progress.analysis_compiled()") == "False"


@pytest.mark.slow  # compiles the pcap reader from nothing (~12 s)
def test_first_run_says_it_is_compiling_and_the_second_does_not(tmp_path) -> None:
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    first = run("info", str(SAMPLES / "tcp_state_floods.pcap"), env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith("workbench: compiling the capture reader, once, ~12 s")
    second = run("info", str(SAMPLES / "tcp_state_floods.pcap"), env=env)
    assert second.returncode == 0 and "compiling" not in second.stderr
    assert second.stdout == first.stdout


@pytest.mark.slow  # compiles the reader and the analysis from nothing (~22 s)
def test_first_analysis_says_it_is_compiling_the_analysis_too(tmp_path) -> None:
    env = {"NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    report = str(tmp_path / "r.json")
    first = run("analyze", str(SAMPLES / "tcp_state_floods.pcap"), "--json", report, env=env)
    assert first.returncode == 0, first.stderr
    assert first.stderr.startswith(
        "workbench: compiling the capture reader and the analysis, once, ~22 s"
    )
    second = run("analyze", str(SAMPLES / "tcp_state_floods.pcap"), "--json", report, env=env)
    assert second.returncode == 0 and "compiling" not in second.stderr
    dataset = tmp_path / "ds"  # a dataset needs no reader: the analysis alone, when not compiled
    assert run("ingest", str(SAMPLES / "tcp_state_floods.pcap"), "-o", str(dataset)).returncode == 0
    cold = {"NUMBA_CACHE_DIR": str(tmp_path / "numba-2")}
    alone = run("analyze", str(dataset), "--json", report, env=cold)
    assert alone.returncode == 0, alone.stderr
    assert alone.stderr.startswith("workbench: compiling the analysis, once, ~10 s")


def test_a_capture_too_large_for_memory_is_analysed_in_windows(tmp_path) -> None:
    # with 100 kB of memory left, the capture is read once into the dataset cache (bounded
    # memory) and analysed there in windows as large as that memory holds (here the least the
    # fallback takes, 100,000 packets: two windows of the sample): the same attack, the same
    # evidence hash
    import hashlib

    import workbench as wb

    cache = tmp_path / "cache"
    low = f"import os\nos.environ['WORKBENCH_CACHE'] = {str(cache)!r}\n" + (
        "import workbench.capture.memory as m\nm.available = lambda: 100_000"
    )
    out = tmp_path / "r.json"
    sample = SAMPLES / "mailprovider_2015.pcapng.gz"
    done = run_patched(low, "analyze", str(sample), "--link", "10G", "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert f"reading it once into the dataset cache {cache}" in done.stderr
    assert "windows" in done.stderr
    report = json.loads(out.read_text())
    expected = wb.analyze(str(sample), link_capacity="10G")
    found = [(v["vector"], v["targets"]) for v in report["vectors"]]
    assert found == [(v.vector, list(v.targets)) for v in expected.vectors]
    assert found  # the sample's six vectors
    assert report["parameters"]["window_packets"] == 100_000
    assert report["parameters"]["analysis_windows"] == 2
    digest = hashlib.sha256(sample.read_bytes()).hexdigest()
    assert report["capture"]["sha256"] == {str(sample): digest}
    assert (cache / digest).is_dir()
    # what windows cannot do keeps the refusal and its advice: the attack's packets copied
    # from the capture
    refused = run_patched(low, "analyze", str(SMALL), "--pcap", str(tmp_path / "a.pcapng"))
    assert_one_line_failure(refused, "workbench ingest")


def test_captures_too_large_for_memory_together_are_analysed_together_in_windows(tmp_path) -> None:
    # several captures (a rotating capture's files) that do not fit together are each read once
    # into the cache and analysed together, as `workbench ingest` then `analyze` would: the same
    # findings as in memory, every capture's hash, and no other cached capture read with them
    import hashlib

    import workbench as wb

    cache = tmp_path / "cache"
    low = f"import os\nos.environ['WORKBENCH_CACHE'] = {str(cache)!r}\n" + (
        "import workbench.capture.memory as m\nm.available = lambda: 100_000"
    )
    captures = [SMALL, SAMPLES / "fragments.pcap"]
    other = run_patched(low, "analyze", str(SAMPLES / "tcp_state_floods.pcap"), "--json",
                        str(tmp_path / "other.json"))  # fmt: skip
    assert other.returncode == 0, other.stderr  # a third capture in the same cache
    out = tmp_path / "r.json"
    done = run_patched(low, "analyze", *map(str, captures), "--json", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 captures: about" in done.stderr and "analysing them together" in done.stderr
    report = json.loads(out.read_text())
    assert report["capture"]["sha256"] == {
        str(path): hashlib.sha256(path.read_bytes()).hexdigest() for path in captures
    }
    expected = wb.analyze([str(path) for path in captures])
    found = [(v["vector"], v["targets"]) for v in report["vectors"]]
    assert found == [(v.vector, list(v.targets)) for v in expected.vectors]
    assert len(found) >= 8  # both captures' attacks
    assert report["capture"]["packets"] == expected.capture["packets"]
    [linked] = (cache / "sets").iterdir()
    assert sorted(p.name for p in linked.iterdir()) == sorted(report["capture"]["sha256"].values())
