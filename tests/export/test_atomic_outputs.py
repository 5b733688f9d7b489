"""Outputs are whole or absent: a failure or a kill mid-write leaves the previous file (or none),
never a half-written report, timeline, fingerprint, STIX bundle or Parquet file."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

import workbench as wb
from workbench import atomic
from workbench.errors import OutOfSpaceError

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "reflection_mix.pcap"


@pytest.fixture(scope="module")
def analysed():
    capture = wb.load(SAMPLE)
    return capture, wb.analyze(capture, link_capacity="1G")


class DiskFullError(RuntimeError):
    pass


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".partial"))


EXPORTS = {
    "html": lambda rep, cap, p: wb.export.html(rep, p),
    "timeline.jsonl": lambda rep, cap, p: wb.export.timeline(rep, p),
    "timeline.csv": lambda rep, cap, p: wb.export.timeline(rep, p),
    "fingerprint": lambda rep, cap, p: wb.export.fingerprint(rep, p, capture=cap),
    "stix": lambda rep, cap, p: wb.export.stix(rep, p),
    "parquet": lambda rep, cap, p: wb.export.parquet(cap, p),
}


@pytest.mark.parametrize("kind", list(EXPORTS))
def test_a_failed_write_keeps_the_previous_file(analysed, tmp_path, monkeypatch, kind) -> None:
    capture, report = analysed
    path = tmp_path / f"out.{kind}"
    EXPORTS[kind](report, capture, path)  # a complete earlier output
    before = path.read_bytes()
    real_open = open

    def failing_open(file, mode="r", *args, **kwargs):  # the disk fills after a few bytes
        handle = real_open(file, mode, *args, **kwargs)
        if "w" in mode and str(file).endswith(".partial"):
            handle.write("half" if "b" not in mode else b"half")
            raise DiskFullError("no space left on device")
        return handle

    monkeypatch.setattr("builtins.open", failing_open)
    if kind == "parquet":
        monkeypatch.setattr(
            pl.DataFrame,
            "write_parquet",
            lambda self, file, **kw: (
                Path(file).write_bytes(b"PAR1half"),
                (_ for _ in ()).throw(DiskFullError("no space left on device")),
            ),
        )
    with pytest.raises(
        OutOfSpaceError, match=f"cannot write .*{re.escape(path.name)}.*: out of space"
    ):
        EXPORTS[kind](report, capture, path)
    assert path.read_bytes() == before
    assert _leftovers(tmp_path) == []


def test_write_text_replaces_whole(tmp_path) -> None:
    path = tmp_path / "r.json"
    atomic.write_text(path, "old")
    atomic.write_text(path, json.dumps({"new": 1}))
    assert json.loads(path.read_text()) == {"new": 1} and _leftovers(tmp_path) == []
    assert oct(path.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def _umask() -> int:
    old = os.umask(0)
    os.umask(old)
    return old


def test_missing_folder_is_a_clear_error_before_writing(analysed, tmp_path) -> None:
    _, report = analysed
    for kind, export in EXPORTS.items():
        with pytest.raises(wb.WorkbenchError, match=r"folder .* does not exist"):
            export(report, None, tmp_path / "nowhere" / f"out.{kind}")
    with pytest.raises(wb.WorkbenchError, match="is a folder"):
        wb.export.html(report, tmp_path)


KILLED_WRITER = """
import sys, numpy as np, polars as pl
import workbench as wb
n = 40_000_000
frame = pl.DataFrame({f"c{k}": np.arange(n, dtype=np.int64) * (k + 1) for k in range(4)})
print("ready", flush=True)
wb.export.parquet(frame, sys.argv[1])
print("done", flush=True)
"""


def test_killed_during_a_large_export_leaves_the_previous_file(tmp_path) -> None:
    path = tmp_path / "packets.parquet"
    pl.DataFrame({"previous": [1, 2, 3]}).write_parquet(path)
    before = path.read_bytes()
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED_WRITER, str(path)], stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == "ready"
    deadline = time.monotonic() + 60
    while not _leftovers(tmp_path) and time.monotonic() < deadline:  # the export is under way
        time.sleep(0.005)
    assert _leftovers(tmp_path), "the export never started writing"
    time.sleep(0.05)
    child.send_signal(signal.SIGKILL)
    child.wait()
    assert path.read_bytes() == before  # the earlier file, untouched
    # what a kill leaves is a hidden, clearly named scratch file, never the output's name
    assert all(name.startswith(".packets.parquet.") for name in _leftovers(tmp_path))
