"""The evidence never changes: every command a user runs leaves each capture file with the same
bytes, size, mode, inode and timestamps (access time included: evidence is read with O_NOATIME),
and puts nothing beside it."""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench.capture.ingest import ingest

SAMPLES = Path(__file__).resolve().parents[1] / "sample_pcaps"
NAMES = ("reflection_mix.pcap", "mailprovider_2015.pcapng.gz")


def _state(folder: Path) -> dict:
    out = {}
    for path in sorted(folder.iterdir()):
        st = path.stat()
        out[path.name] = (
            hashlib.sha256(path.read_bytes()).hexdigest(),
            st.st_size, st.st_mode, st.st_ino, st.st_mtime_ns, st.st_ctime_ns, st.st_atime_ns,
        )  # fmt: skip
    return out


@pytest.fixture(scope="module")
def evidence(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("evidence")
    for name in NAMES:
        shutil.copyfile(SAMPLES / name, folder / name)
        # an access time older than the modification time: any ordinary read would now move it
        # (Linux's relatime updates atime when it is not newer than mtime)
        st = (folder / name).stat()
        os.utime(folder / name, ns=(st.st_mtime_ns - 10**12, st.st_mtime_ns))
    os.chmod(folder, 0o755)
    return folder


def _read_state(folder: Path) -> dict:
    """The state without reading the files through an atime-updating open."""
    out = {}
    for path in sorted(folder.iterdir()):
        st = path.stat()
        out[path.name] = (
            st.st_size,
            st.st_mode,
            st.st_ino,
            st.st_mtime_ns,
            st.st_ctime_ns,
            st.st_atime_ns,
        )
    return out


def _commands(evidence: Path, out: Path):
    pcap, gz = (evidence / n for n in NAMES)

    def analyze_with_every_export():
        cap = wb.load(gz)
        rep = wb.analyze(cap, link_capacity="3M")
        wb.export.html(rep, out / "r.html")
        wb.export.timeline(rep, out / "t.jsonl")
        wb.export.timeline(rep, out / "t.csv")
        wb.export.fingerprint(rep, out / "f.json", capture=cap)
        wb.export.stix(rep, out / "s.json")
        wb.export.parquet(cap, out / "p.parquet")
        wb.export.pcap(cap, rep, out / "a.pcapng")
        rep.to_json(out / "r.json")

    def dashboard():
        from workbench.ui import Dashboard

        cap = wb.load(pcap)
        board = Dashboard(cap, wb.analyze(cap))
        board.dissect_selection(per_vector=5)

    def cli():
        done = subprocess.run(
            [sys.executable, "-m", "workbench.cli", "analyze", str(pcap), "--link", "1G",
             "--json", str(out / "c.json"), "--html", str(out / "c.html"), "--dissect", "20",
             "--timeline", str(out / "c.csv"), "--stix", str(out / "c.stix.json"),
             "--pcap", str(out / "c.pcapng")],
            capture_output=True, text=True, timeout=600, cwd=out,
        )  # fmt: skip
        assert done.returncode == 0, done.stderr
        info = subprocess.run([sys.executable, "-m", "workbench.cli", "info", str(gz)], capture_output=True,
                              text=True, timeout=300, cwd=out)  # fmt: skip
        assert info.returncode == 0, info.stderr

    return {
        "load": lambda: wb.load([pcap, gz]),
        "load with tshark": lambda: wb.load(pcap, engine="tshark"),
        "scan": lambda: wb.scan([pcap, gz], cache_dir=out / "cache", progress=False).collect(),
        "ingest": lambda: ingest(evidence, out / "dataset", progress=False).collect(),
        "analyze and export": analyze_with_every_export,
        "dissect": lambda: wb.dissect(wb.load(pcap), [0, 1, 2, 50, 51]),
        "dashboard": dashboard,
        "command line": cli,
    }


@pytest.mark.parametrize(
    "command",
    ["load", "load with tshark", "scan", "ingest", "analyze and export", "dissect", "dashboard", "command line"],
)  # fmt: skip
def test_the_evidence_is_unchanged_by(command, evidence, tmp_path) -> None:
    before = _read_state(evidence)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        _commands(evidence, tmp_path)[command]()
    after = _read_state(evidence)
    assert after == before  # same files, sizes, modes, inodes, mtimes, ctimes and atimes


def test_the_evidence_bytes_are_those_copied(evidence) -> None:
    # last (module order): after every command above, the bytes are the originals'
    for name in NAMES:
        assert (
            _state(evidence)[name][0] == hashlib.sha256((SAMPLES / name).read_bytes()).hexdigest()
        )
