"""Byte progress bars for long reads (``tqdm.auto``: a widget in Jupyter, text in a terminal):
the fast reader's walk, tshark and editcap reading the evidence, a packet export."""

from __future__ import annotations

PROGRESS_BYTES = 64 << 20  # show a progress bar for captures larger than this


def progress_bar(size: int, desc: str, progress: bool | None):
    """A byte progress bar of ``size`` when asked (``progress=True``), or (``progress=None``)
    when ``size`` is over ``PROGRESS_BYTES``; None otherwise."""
    if progress or (progress is None and size > PROGRESS_BYTES):
        from tqdm.auto import tqdm

        return tqdm(total=size, unit="B", unit_scale=True, desc=desc, leave=False)
    return None
