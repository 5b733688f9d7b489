"""How long the allocator keeps freed memory before it gives it back to the system. Imported
first by the package: the setting is read once, when Polars loads.

Polars' allocator (jemalloc) returns freed pages after 0.5 s. An analysis frees and takes
back hundreds of MB per step (a step is 0.1-1 s), so nearly every fresh column faults in
new pages: on a 2-core virtual machine, 1.4 M page faults and 5 s of system time per 11 M
packets analysed. Kept longer, those pages are reused. jemalloc gives them back gradually over
the decay time, not all at its end, so a decay about as long as the whole analysis is what
keeps them: on 10.96 M packets, in a fresh process as ``make bench`` runs it, ``wb.analyze``
took 9.07-9.44 s with 3 s (810-830 k faults, peak 83-87 bytes per packet above the frame),
8.25-8.31 s with 10 s (452-467 k faults, 119-123 bytes per packet), 8.18-8.20 s with 30 s
(142 bytes per packet: little faster, near the 150 bytes per packet budget of issue #17).

Set ``_RJEM_MALLOC_CONF`` yourself to choose otherwise (it is then left as it is); nothing
changes when Polars was loaded before the workbench.
"""

from __future__ import annotations

import os
import sys

DIRTY_DECAY_MS = 10_000  # freed pages kept this long for reuse (Polars' own default: 500)


def configure() -> None:
    """Ask Polars' allocator to keep freed pages for ``DIRTY_DECAY_MS``, unless Polars is
    already loaded or the user set the allocator's options."""
    if "polars" in sys.modules or "_RJEM_MALLOC_CONF" in os.environ:
        return
    os.environ["_RJEM_MALLOC_CONF"] = f"dirty_decay_ms:{DIRTY_DECAY_MS}"


configure()
