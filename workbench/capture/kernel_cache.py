"""Whether Numba's on-disk cache holds the compiled kernels, and the one-time notice when it
does not: a first run compiles the reader (~12 s) and the analysis (~10 s), and sat silent that
long, its progress bar stuck at 0 % or not yet shown (a notebook's first ``wb.load`` of a small
sample drew none). Said once per process, by the command line before it starts or by the
Python API when it gets there, whichever comes first."""

from __future__ import annotations

import sys
from collections.abc import Sequence

# what the reader's compile took from an empty Numba cache (2 cores, 2026-12-05: `workbench
# info` of a pcap 12.1 s, of the pcapng sample 13.8 s)
READER_COMPILE_S = 12
READER = "the capture reader"

_said: set[str] = set()  # what this process has already said it compiles


def cached(kernels) -> bool:
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
                continue  # compiled, or loaded from the cache, in this process already
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
    return cached(kernels)


def say_compiling(parts: Sequence[tuple[str, int]]) -> None:
    """Say on stderr that ``parts`` (what, seconds it takes) compile now, those not said before
    in this process: stderr keeps stdout the summary or the JSON, and shows in a notebook."""
    fresh = [(what, seconds) for what, seconds in parts if what not in _said]
    if not fresh:
        return
    _said.update(what for what, _ in fresh)
    names = " and ".join(what for what, _ in fresh)
    seconds = sum(seconds for _, seconds in fresh)
    print(f"workbench: compiling {names}, once, ~{seconds} s (kept in Numba's cache for next time)",
          file=sys.stderr, flush=True)  # fmt: skip


def announce_reader(formats: Sequence[str | None], progress: bool | None) -> None:
    """The notice for the reader these ``formats`` need, when it is not compiled yet and the
    caller did not ask for silence (``progress=False``)."""
    if progress is not False and not reader_compiled(formats):
        say_compiling([(READER, READER_COMPILE_S)])
