"""The one-time compile said in a notebook too: on an empty Numba cache, ``wb.load`` and
``wb.analyze`` say what they compile (once per process; nothing when asked for silence), where a
first cell sat silent for ~22 s."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

import workbench as wb
from workbench.capture import kernel_cache
from workbench.capture.ingest import ingest
from workbench.cli.compiling import announce_compile

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_pcaps" / "tcp_state_floods.pcap"
READER_LINE = "workbench: compiling the capture reader, once, ~12 s"
ANALYSIS_LINE = "workbench: compiling the analysis, once, ~10 s"


@pytest.fixture
def empty_cache(monkeypatch):
    """This process as on an empty Numba cache that has said nothing yet (the kernels are
    compiled already: only what the cache check answers changes)."""
    monkeypatch.setattr(kernel_cache, "_said", set())
    monkeypatch.setattr(kernel_cache, "cached", lambda kernels: False)


def test_load_then_analyze_say_once_what_they_compile(empty_cache, capsys) -> None:
    cap = wb.load(SAMPLE)  # a small sample: no progress bar of its own
    assert capsys.readouterr().err.startswith(READER_LINE)
    wb.load(SAMPLE)
    assert "compiling" not in capsys.readouterr().err  # said once
    wb.analyze(cap)
    assert capsys.readouterr().err.startswith(ANALYSIS_LINE)
    wb.analyze(cap)
    assert "compiling" not in capsys.readouterr().err


def test_ingest_says_it_too_before_it_reads(empty_cache, capsys, tmp_path) -> None:
    ingest(SAMPLE, tmp_path / "quiet", progress=False)
    assert "compiling" not in capsys.readouterr().err
    ingest(SAMPLE, tmp_path / "dataset")  # each file is read with progress=False
    assert capsys.readouterr().err.startswith(READER_LINE)


def test_progress_false_keeps_silent(empty_cache, capsys) -> None:
    wb.analyze(wb.load(SAMPLE, progress=False), progress=False)
    assert capsys.readouterr().err == ""


def test_the_command_lines_one_line_is_not_said_again(empty_cache, capsys) -> None:
    announce_compile(["pcap"], analysis=True)  # what `workbench analyze` says before it starts
    wb.analyze(wb.load(SAMPLE))
    err = capsys.readouterr().err
    assert err.startswith("workbench: compiling the capture reader and the analysis, once, ~22 s")
    assert err.count("compiling") == 1


def test_nothing_is_said_when_compiled(monkeypatch, capsys) -> None:
    monkeypatch.setattr(kernel_cache, "_said", set())
    wb.analyze(wb.load(SAMPLE))  # the kernels are in Numba's cache (or this process) already
    assert "compiling" not in capsys.readouterr().err


@pytest.mark.slow  # compiles the reader and the analysis from nothing (~22 s)
def test_a_notebooks_first_load_and_analysis_say_they_compile(tmp_path) -> None:
    env = {**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "numba")}
    code = f"import workbench as wb; wb.analyze(wb.load({str(SAMPLE)!r}))"

    def first_lines() -> list[str]:
        done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                              text=True, check=True)  # fmt: skip
        return [line for line in done.stderr.splitlines() if "compiling" in line]

    said = first_lines()
    assert len(said) == 2 and said[0].startswith(READER_LINE) and said[1].startswith(ANALYSIS_LINE)
    assert first_lines() == []  # compiled into that cache: nothing to say
