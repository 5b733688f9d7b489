"""The analysis' progress bar: it follows the steps of ``analyze`` to the end, names each,
and stays out of the way of a short analysis and of a dataset's window bar."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench.analysis import progress, steps
from workbench.capture.ingest import ingest

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


def _analysed(source, **options):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with steps.recorded() as times:
            report = wb.analyze(source, link_capacity="3M", **options)
    return report, times


def test_the_bar_follows_every_step_to_the_end(capture, progress_bars) -> None:
    report, times = _analysed(capture, progress=True)
    assert report.vectors  # the analysis ran whole
    [bar] = progress_bars
    assert bar.total == 100 and bar.closed and bar.options["delay"] == 0
    # it moves at each step's end, never back, and ends full
    assert len(bar.seen) >= len(progress.STEP_SECONDS)
    assert bar.seen == sorted(bar.seen) and bar.seen[-1] == pytest.approx(100)
    # each step named as it begins, in the order they ran
    named = [key.rsplit("/", 1)[-1] for key in times]
    assert [p for p in dict.fromkeys(bar.postfixes)] == list(dict.fromkeys(named))
    # every step the bar weighs ran: a step renamed or gone would leave its share unmoved
    assert set(progress.STEP_SECONDS) <= set(times)


def test_a_short_analysis_shows_none_unless_asked(capture, progress_bars) -> None:
    _analysed(capture)  # not said: made, shown only past SHOW_AFTER_S
    [bar] = progress_bars
    assert bar.options["delay"] == progress.SHOW_AFTER_S > 0 and bar.closed
    _analysed(capture, progress=False)
    assert len(progress_bars) == 1


def test_a_failed_step_closes_the_bar(capture, progress_bars, monkeypatch) -> None:
    from workbench.analysis import report

    def broken(*args, **kwargs):
        raise RuntimeError("a step failed")

    monkeypatch.setattr(report.phases_mod, "segment", broken)
    with pytest.raises(RuntimeError):
        _analysed(capture, progress=True)
    [bar] = progress_bars
    assert bar.closed and bar.n < 100


def test_a_dataset_bar_leaves_the_windows_to_theirs(tmp_path, progress_bars) -> None:
    evidence = tmp_path / "evidence"
    evidence.mkdir()
    (evidence / "sample.pcapng.gz").symlink_to(SAMPLE)
    ingest(evidence, tmp_path / "dataset", progress=False)
    _, times = _analysed(tmp_path / "dataset", window_packets=60_000, workdir=tmp_path / "work",
                         progress=True)  # fmt: skip
    windows, bar = progress_bars  # the windows' bar, then the steps'
    assert windows.closed and windows.n == windows.total
    assert bar.closed and bar.seen[-1] == pytest.approx(100)
    assert not any(p in ("classify", "candidates", "evidence") for p in bar.postfixes)
    # the windows ran their steps (heard, and left to their own bar)
    assert "senders" in bar.postfixes and any(k.startswith("classify/") for k in times)


def test_nothing_is_drawn_before_the_delay(capture, capsys, monkeypatch) -> None:
    """With tqdm itself: an analysis shorter than the delay draws nothing (naming a step must
    not draw the bar early); asked at once, it is drawn. The delay made a minute here: the
    sample's analysis (0.5-0.8 s alone) passed the 2 s of ``SHOW_AFTER_S`` on a loaded 2-core
    machine."""
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 60.0)
    _analysed(capture)
    assert "analyse:" not in capsys.readouterr().err
    monkeypatch.setattr(progress, "SHOW_AFTER_S", 0.0)
    _analysed(capture)
    assert "analyse:" in capsys.readouterr().err
