"""The one-time compile of the reader and of the analysis, said before a command starts, in
one line for both (``kernel_cache.say_compiling``: the Python API then says nothing again)."""

from __future__ import annotations

from collections.abc import Sequence


def announce_compile(formats: Sequence[str | None], analysis: bool = False) -> None:
    """Say what the first run is doing instead of leaving a progress bar stuck at 0 %:
    compiling the reader these ``formats`` need and, when it will run (``analysis``), the
    analysis."""
    # imported here: the command line starts without the analysis' modules
    from workbench.analysis.progress import ANALYSIS, ANALYSIS_COMPILE_S, analysis_compiled
    from workbench.capture.kernel_cache import (
        READER,
        READER_COMPILE_S,
        reader_compiled,
        say_compiling,
    )

    parts = [] if reader_compiled(formats) else [(READER, READER_COMPILE_S)]
    if analysis and not analysis_compiled():
        parts.append((ANALYSIS, ANALYSIS_COMPILE_S))
    say_compiling(parts)
