"""How long the allocator keeps freed memory before it gives it back to the system. Imported
first by the package: the setting is read once, when Polars loads.

Polars' allocator (jemalloc) returns freed pages after 0.5 s. An analysis frees and takes
back hundreds of MB per step (a step is 0.1-1 s), so nearly every fresh column faults in
new pages: on a 2-core virtual machine, 1.4 M page faults and 5 s of system time per 11 M
packets analysed. Kept for 3 s, those pages are reused: ``wb.analyze`` on 10.96 M packets
took 7.1-7.3 s instead of 7.8-7.9 s (interleaved runs), for ~250 MB more peak memory (2.9 ->
3.2 GB, still under 150 bytes per packet above the frame).

Set ``_RJEM_MALLOC_CONF`` yourself to choose otherwise (it is then left as it is); nothing
changes when Polars was loaded before the workbench.
"""

from __future__ import annotations

import os
import sys

DIRTY_DECAY_MS = 3000  # freed pages kept this long for reuse (Polars' own default: 500)


def configure() -> None:
    """Ask Polars' allocator to keep freed pages for ``DIRTY_DECAY_MS``, unless Polars is
    already loaded or the user set the allocator's options."""
    if "polars" in sys.modules or "_RJEM_MALLOC_CONF" in os.environ:
        return
    os.environ["_RJEM_MALLOC_CONF"] = f"dirty_decay_ms:{DIRTY_DECAY_MS}"


configure()
