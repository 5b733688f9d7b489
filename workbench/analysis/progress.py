"""The analysis' progress bar (``tqdm.auto``: a widget in Jupyter, text in a terminal): it
moves as each step of ``analyze`` ends, by that step's usual share of the whole, and names the
step running. 10.96 M packets take 7-9 s to analyse in memory, a 50 M-packet capture a minute:
without it, a notebook cell sat silent that long.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from workbench.analysis import steps
from workbench.capture import kernel_cache

# seconds each step took on the 10.96 M-packet mailprovider capture (in memory, 2 cores; the
# mean of 2 runs, ``benchmarks/analysis.py``): the share of the bar each one moves it. A step
# not listed (``dissect``) is named while it runs but moves nothing
STEP_SECONDS = {
    "classify/candidates": 1.30, "classify/context": 1.50, "classify/evidence": 1.45,
    "classify/verdicts": 0.17, "classify/labels": 0.50, "series": 0.27, "phases": 0.53,
    "confine": 0.08, "senders": 0.85, "targets": 0.22, "vectors": 0.38, "spoofing": 0.23,
    "sources": 0.11, "geography": 0.20, "saturation": 0.28, "assembly": 0.26,
}  # fmt: skip
SHOW_AFTER_S = 2.0  # progress=None: the bar appears once the analysis has run this long
# what the analysis' compile took from an empty Numba cache (2 cores, 2026-12-05: `wb.analyze`
# of the pcapng sample 9.9 s, 0.7 s compiled)
ANALYSIS_COMPILE_S = 10
ANALYSIS = "the analysis"


def analysis_compiled() -> bool:
    """Whether the analysis kernels are compiled: the first one every analysis runs (the vector
    table's matcher) and the labels' verdict lookup; the others compile in the same first run."""
    from workbench.analysis.vectors import pair_kernel, rule_kernel

    return kernel_cache.cached([rule_kernel._first_rows, pair_kernel._named])


def announce_analysis(progress: bool | None) -> None:
    """Say that the analysis compiles now, when it is not compiled yet and the caller did not
    ask for silence (``progress=False``): its bar would sit at 0 % for ~10 s meanwhile."""
    if progress is not False and not analysis_compiled():
        kernel_cache.say_compiling([(ANALYSIS, ANALYSIS_COMPILE_S)])


@contextmanager
def analysis_bar(progress: bool | None, windowed: bool = False) -> Iterator[None]:
    """A bar over the steps of the analysis run inside: shown at once when asked
    (``progress=True``), after ``SHOW_AFTER_S`` when not said (None), never for False.
    ``windowed``: a dataset's classification has a bar of its own (its windows): this one
    leaves it out and covers the rest."""
    announce_analysis(progress)
    if progress is False:
        yield
        return
    from tqdm.auto import tqdm

    shares = {k: s for k, s in STEP_SECONDS.items() if not (windowed and k.startswith("classify"))}
    whole = sum(shares.values())
    done: set[str] = set()
    bar = None  # made at the first step: a file is read before (with its own bar)

    def heard(key: str, ended: bool) -> None:
        nonlocal bar
        if windowed and key.startswith("classify"):
            return  # the windows' bar follows the classification
        if bar is None:
            bar = tqdm(total=100, desc="analyse", unit="%", leave=False,
                       delay=0 if progress else SHOW_AFTER_S,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {elapsed}{postfix}")  # fmt: skip
        if not ended:  # drawn now only when the bar is due (a refresh draws it at once)
            bar.set_postfix_str(key.rsplit("/", 1)[-1], refresh=_due(bar))
        elif key in shares and key not in done:  # a step that runs again moves it once
            done.add(key)
            bar.update(100 * shares[key] / whole)

    try:
        with steps.listening(heard):
            yield
        if bar is not None:
            bar.update(bar.total - bar.n)  # what did not run (no phases: no senders by phase)
    finally:
        if bar is not None:
            bar.close()


def _due(bar) -> bool:
    """Whether the bar may be drawn now: asked at once, or past its delay (tqdm's clock)."""
    delay = getattr(bar, "delay", 0)
    return delay <= 0 or time.time() - getattr(bar, "start_t", 0.0) >= delay
