"""The command line, run as a user would: a subprocess, real files, exit codes."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def run(*args: str, cwd: Path = REPO) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "workbench.cli", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
    )


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
    ):
        assert (out / name).stat().st_size > 100, name
        assert str(out / name) in done.stdout or name in done.stdout
    report = json.loads((out / "report.json").read_text())
    assert [p["kind"] for p in report["phases"]][-1] == "mitigated"
    assert "phase 1 attack" in done.stdout


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


def test_info_prints_hashes(tmp_path) -> None:
    done = run("info", str(REPO / "sample_pcaps" / "tcp_state_floods.pcap"))
    meta = json.loads(done.stdout)
    assert meta["packets"] > 1000 and len(next(iter(meta["sha256"].values()))) == 64


def test_bad_input_is_a_clear_error_not_a_traceback(tmp_path) -> None:
    bad = tmp_path / "bad.pcap"
    bad.write_bytes(b"this is not a capture at all")
    done = run("analyze", str(bad))
    assert done.returncode == 2
    assert (
        "bad.pcap" in done.stderr
        and "byte offset 0" in done.stderr
        and "Traceback" not in done.stderr
    )
    missing = run("info", str(tmp_path / "missing.pcap"))
    assert missing.returncode == 2 and "no such file" in missing.stderr


def test_html_into_a_missing_folder_fails_at_once_in_one_line(tmp_path) -> None:
    sample = REPO / "sample_pcaps" / "reflection_mix.pcap"
    done = run("analyze", str(sample), "--json", str(tmp_path / "r.json"),
               "--html", str(tmp_path / "missing" / "r.html"))  # fmt: skip
    assert done.returncode == 2
    assert done.stderr.strip().count("\n") == 0 and "Traceback" not in done.stderr
    assert "does not exist" in done.stderr and "missing" in done.stderr
    assert done.stdout == "" and not (tmp_path / "r.json").exists()  # before any analysis


def test_dataset_with_link_and_html_report(tmp_path) -> None:
    sample = REPO / "sample_pcaps" / "reflection_mix.pcap"
    assert run("ingest", str(sample), "-o", str(tmp_path / "ds")).returncode == 0
    done = run("analyze", str(tmp_path / "ds"), "--link", "10G", "--html", str(tmp_path / "r.html"))
    assert done.returncode == 0, done.stderr  # was: AttributeError, LazyFrame has no height
    assert "<h2>Link saturation</h2>" in (tmp_path / "r.html").read_text()
