"""Outputs written whole or not at all (every layer writes through here: the report JSON, exports, the CLI).

Every file an export writes is first written under a temporary name in the same folder, then
renamed over the target (``os.replace``, atomic on one filesystem): an analysis killed mid-write
leaves the previous file or none, never a half-written report that looks complete.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from workbench.errors import ParameterError, expect, out_of_space


def check_destination(path: str | os.PathLike) -> Path:
    """The output path, after checking its folder exists and is writable (a clear error before
    any work is done, not a traceback after it)."""
    expect(path, (str, os.PathLike), "path", "export", "a file path (str or pathlib.Path)")
    path = Path(path)
    folder = path.parent if str(path.parent) else Path(".")
    if path.is_dir():
        raise ParameterError(f"cannot write {path}: it is a folder; give a file name")
    if not folder.is_dir():
        raise ParameterError(
            f"cannot write {path}: the folder {folder} does not exist (create it first)"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ParameterError(f"cannot write {path}: the folder {folder} is not writable")
    return path


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; renamed onto ``path`` if the block
    completes, removed if it raises.

        with atomic_path("report.html") as tmp:
            tmp.write_text(text)
    """
    path = check_destination(path)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.partial")
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as error:
        tmp.unlink(missing_ok=True)
        full = out_of_space(error, path, "the output")
        if full is not None:
            raise full from error
        raise


def write_text(path: str | os.PathLike, text: str, encoding: str = "utf-8") -> Path:
    """Write ``text`` to ``path`` atomically (flushed to disk before the rename)."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding) as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
    return Path(path)


@contextmanager
def open_atomic(path: str | os.PathLike, encoding: str = "utf-8") -> Iterator:
    """A text file to stream into, in place of ``path`` once closed without error."""
    with atomic_path(path) as tmp:
        with open(tmp, "w", encoding=encoding) as out:
            yield out
            out.flush()
            os.fsync(out.fileno())
