"""``analysis.steps``: where ``analyze`` spends its time, for ``make bench``."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

import workbench as wb
from workbench.analysis import steps

SAMPLE = Path(__file__).resolve().parents[2] / "sample_pcaps" / "mailprovider_2015.pcapng.gz"


def test_every_step_of_an_analysis_is_timed_in_order() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cap = wb.load(SAMPLE, progress=False)
        with steps.recorded() as times:
            wb.analyze(cap, link_capacity="3M")
    names = list(times)
    for step in ("classify", "classify/candidates", "classify/context", "classify/evidence",
                 "classify/verdicts", "classify/labels", "series", "phases", "confine", "senders",
                 "targets", "vectors", "spoofing", "sources", "geography", "saturation", "assembly"):  # fmt: skip
        assert step in names, step
        assert times[step] >= 0.0
    # in the order the steps began; a step's parts within its own time
    assert names.index("classify") < names.index("classify/candidates") < names.index("phases")
    parts = sum(v for k, v in times.items() if k.startswith("classify/"))
    assert 0 < parts <= times["classify"] * 1.01


def test_nothing_is_recorded_unless_asked() -> None:
    with steps.step("alone"):
        pass
    with steps.recorded() as times:
        with steps.step("outer"), steps.step("inner"):
            pass
        with steps.step("outer"):  # a step that runs twice adds up
            pass
    assert list(times) == ["outer", "outer/inner"]


def test_listeners_nest_each_hears_every_step() -> None:
    # a benchmark's listener around an analysis whose progress bar listens too
    heard: dict[str, list] = {"outer": [], "inner": []}
    with steps.listening(lambda key, ended: heard["outer"].append((key, ended))):
        with steps.step("load"):
            pass
        with steps.listening(lambda key, ended: heard["inner"].append((key, ended))):
            with steps.step("classify"):
                pass
    assert heard["outer"] == [
        ("load", False),
        ("load", True),
        ("classify", False),
        ("classify", True),
    ]
    assert heard["inner"] == [("classify", False), ("classify", True)]


def test_the_cycle_collector_is_paused_while_analysing_and_left_as_found(monkeypatch) -> None:
    # paused while the findings are made (thousands of phases make as many small dicts, each
    # full collection walks them all), back as it was after, after a failure there too
    import gc

    from workbench.analysis import report

    seen = []
    segment = report.phases_mod.segment

    def spy(*args, **kwargs):
        seen.append(gc.isenabled())
        if len(seen) == 3:
            raise RuntimeError("a step failed")
        return segment(*args, **kwargs)

    monkeypatch.setattr(report.phases_mod, "segment", spy)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        cap = wb.load(SAMPLE, progress=False)
        assert gc.isenabled()
        wb.analyze(cap, link_capacity="3M")
        assert seen == [False] and gc.isenabled()
        gc.disable()
        try:
            wb.analyze(cap, link_capacity="3M")
            assert not gc.isenabled()
        finally:
            gc.enable()
        with pytest.raises(RuntimeError):
            wb.analyze(cap, link_capacity="3M")
        assert seen == [False, False, False] and gc.isenabled()
