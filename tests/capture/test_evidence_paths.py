"""Evidence file names are never read as options: ``-w``, ``-``, ``-w evil.pcap``, spaces,
non-ASCII, through the fast reader, the tshark engine and dissection (editcap + tshark)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

import workbench as wb

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "tcp_state_floods.pcap"
NAMES = ["-w", "-", "-w evil.pcap", "--help", "capture with spaces.pcap", "Überfall 攻撃 ☠.pcap"]


@pytest.mark.parametrize("name", NAMES)
def test_hostile_file_names_load_and_dissect(tmp_path, monkeypatch, tshark, name) -> None:
    shutil.copyfile(SAMPLE, tmp_path / name)
    monkeypatch.chdir(tmp_path)  # the name as a user would type it, relative
    fast = wb.load(name)
    assert fast.packets.height == wb.load(SAMPLE).packets.height
    assert fast.meta.files[0].path == name
    if name != "-":  # see test_tshark_engine_reads_a_file_named_dash
        slow = wb.load(name, engine="tshark")
        assert slow.packets.height == fast.packets.height
    out = wb.dissect(name, [0, 1, 2])
    assert out["packet"].to_list() == [0, 1, 2]
    assert sorted(p.name for p in tmp_path.iterdir()) == [name]  # nothing written beside it


def test_tshark_engine_reads_a_file_named_dash(tmp_path, monkeypatch, tshark) -> None:
    shutil.copyfile(SAMPLE, tmp_path / "-")
    monkeypatch.chdir(tmp_path)
    assert wb.load("-", engine="tshark").packets.height == wb.load("-").packets.height


def test_dissection_gives_tools_the_evidence_on_stdin(tmp_path, monkeypatch) -> None:
    import os

    import workbench.dissection as dissection

    calls = []

    def run(argv, evidence, bar=None, base=0):  # what editcap gets: "-", the evidence on stdin
        calls.append((argv, os.fstat(evidence.fileno()).st_ino))
        return subprocess.CompletedProcess(argv, 0, b"", b"")

    monkeypatch.setattr(dissection, "run_watched", run)
    monkeypatch.setattr(
        dissection,
        "tshark_fields",
        lambda path, fields: calls.append(([path], None)) or _empty(fields),
    )
    monkeypatch.setattr(dissection, "wireshark_tool", lambda name: name)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "-w").write_bytes(b"evidence")
    dissection.dissect("-w", [0])
    (editcap, inode), (tshark, _) = calls
    assert editcap[1:3] == ["-r", "-"] and inode == (tmp_path / "-w").stat().st_ino
    assert Path(editcap[3]).is_absolute() and "-w" not in editcap
    assert Path(tshark[0]).is_absolute()


def _empty(fields):
    import polars as pl

    return pl.DataFrame(schema={f: pl.String for f in fields})
