"""Where ``analyze`` spends its time: each step timed when somebody asks (``recorded``), free
when nobody does. ``make bench`` prints the table; nothing of it reaches the report.

    with steps.recorded() as times:
        wb.analyze(cap, link_capacity="10G")
    times  # {"classify": 4.1, "classify/candidates": 1.9, ..., "phases": 0.8, ...}

A listener (``listening``) hears each step begin and end: the analysis' progress bar
(``analysis.progress``) follows them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_times: ContextVar[dict[str, float] | None] = ContextVar("workbench_step_times", default=None)
_path: ContextVar[tuple[str, ...]] = ContextVar("workbench_step_path", default=())
Listener = Callable[[str, bool], None]  # (the step's key, whether it ended)
_listener: ContextVar[Listener | None] = ContextVar("workbench_step_listener", default=None)


@contextmanager
def step(name: str) -> Iterator[None]:
    """Time the block as ``name`` (under the step it runs in: ``classify/evidence``) when the
    caller is ``recorded``; a step that runs twice adds up. A ``listening`` caller hears it
    begin and end."""
    times, listener = _times.get(), _listener.get()
    if times is None and listener is None:
        yield
        return
    path = (*_path.get(), name)
    key = "/".join(path)
    if times is not None:
        times.setdefault(key, 0.0)  # in the order the steps begin
    if listener is not None:
        listener(key, False)
    token = _path.set(path)
    started = time.perf_counter()
    try:
        yield
    finally:
        _path.reset(token)
        if times is not None:
            times[key] += time.perf_counter() - started
        if listener is not None:
            listener(key, True)


@contextmanager
def recorded() -> Iterator[dict[str, float]]:
    """Seconds per step of what runs inside, in the order the steps began."""
    times: dict[str, float] = {}
    token = _times.set(times)
    try:
        yield times
    finally:
        _times.reset(token)


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    """Call ``listener(key, ended)`` as each step inside begins (False) and ends (True); a
    listener already listening (the analysis' progress bar inside a benchmark's) still hears
    them, after it."""
    outer = _listener.get()
    if outer is not None:
        inner = listener

        def listener(key: str, ended: bool) -> None:
            outer(key, ended)
            inner(key, ended)

    token = _listener.set(listener)
    try:
        yield
    finally:
        _listener.reset(token)
