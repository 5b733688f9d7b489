"""The one-time compile of the reader, said instead of a progress bar stuck at 0 %."""

from __future__ import annotations

from collections.abc import Sequence

from workbench.cli.common import note


def reader_compiled(formats: Sequence[str | None]) -> bool:
    """Whether Numba's on-disk cache already holds the reader kernels these formats need.

    ``walk.py`` and ``decode.py`` compile with ``@njit(cache=True)``: an index (``*.nbi``) and
    the machine code (``*.nbc``) go to ``__pycache__`` beside the module, or under
    ``NUMBA_CACHE_DIR``. An index for this source, this Numba and this CPU means no compile.
    Anything this cannot tell (JIT disabled, another Numba's internals) counts as compiled:
    better no notice than a wrong one."""
    from workbench.capture import decode, walk

    walkers = {"pcap": walk.walk_pcap, "pcapng": walk.walk_pcapng}
    kernels = [decode.decode_frames, *{walkers[f] for f in formats if f in walkers}]
    if len(kernels) == 1:
        return True  # tshark reads it, or a dataset: the reader is not used
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


def announce_compile(formats: Sequence[str | None]) -> None:
    """Say what the first run is doing instead of leaving a progress bar stuck at 0 %."""
    if not reader_compiled(formats):
        note("workbench: compiling the capture reader, once, ~10 s (kept in Numba's cache for next time)")  # fmt: skip
