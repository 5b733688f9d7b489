"""The one-time compile of the reader and of the analysis, said instead of a progress bar stuck
at 0 % (a first run sat silent for the ~20 s they take together)."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.cli.common import note

# what each compile took from an empty Numba cache (2 cores, 2026-12-05: `workbench info` of a
# pcap 12.1 s, of the pcapng sample 13.8 s; `wb.analyze` of the sample 9.9 s, 0.7 s compiled)
READER_COMPILE_S = 12
ANALYSIS_COMPILE_S = 10


def _cached(kernels) -> bool:
    """Whether Numba's on-disk cache already holds every one of ``kernels`` (``@njit(cache=True)``:
    an index (``*.nbi``) and the machine code (``*.nbc``) go to ``__pycache__`` beside the
    module, or under ``NUMBA_CACHE_DIR``). An index for this source, this Numba and this CPU
    means no compile. Anything this cannot tell (JIT disabled, another Numba's internals)
    counts as cached: better no notice than a wrong one."""
    try:
        from numba.core.registry import cpu_target

        machine = cpu_target.target_context.codegen().magic_tuple()
        for kernel in kernels:
            cache = getattr(kernel, "_cache", None)
            if cache is None or kernel.overloads:
                continue
            index = cache._cache_file._load_index()  # {} when missing or stale
            if not any(key[1] == machine for key in index):
                return False
    except Exception:
        return True
    return True


def reader_compiled(formats: Sequence[str | None]) -> bool:
    """Whether the reader kernels these formats need are compiled (``walk.py``, ``decode.py``)."""
    from workbench.capture import decode, walk

    walkers = {"pcap": walk.walk_pcap, "pcapng": walk.walk_pcapng}
    kernels = [decode.decode_frames, *{walkers[f] for f in formats if f in walkers}]
    if len(kernels) == 1:
        return True  # tshark reads it, or a dataset: the reader is not used
    return _cached(kernels)


def analysis_compiled() -> bool:
    """Whether the analysis kernels are compiled: the first one every analysis runs (the vector
    table's matcher) and the labels' verdict lookup; the others compile in the same first run."""
    from workbench.analysis.vectors import pair_kernel, rule_kernel

    return _cached([rule_kernel._first_rows, pair_kernel._named])


def announce_compile(formats: Sequence[str | None], analysis: bool = False) -> None:
    """Say what the first run is doing instead of leaving a progress bar stuck at 0 %:
    compiling the reader these ``formats`` need and, when it will run (``analysis``), the
    analysis."""
    what, seconds = [], 0
    if not reader_compiled(formats):
        what, seconds = ["the capture reader"], READER_COMPILE_S
    if analysis and not analysis_compiled():
        what, seconds = [*what, "the analysis"], seconds + ANALYSIS_COMPILE_S
    if what:
        note(f"workbench: compiling {' and '.join(what)}, once, ~{seconds} s "
             "(kept in Numba's cache for next time)")  # fmt: skip
