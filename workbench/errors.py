"""One error hierarchy for the workbench.

Every error inherits ``WorkbenchError`` and the matching builtin, so a caller's
``except ValueError`` or ``except FileNotFoundError`` keeps working.
"""

from __future__ import annotations

import errno
import os
from pathlib import Path


class WorkbenchError(Exception):
    """Base of every error the workbench raises on purpose."""


class CaptureError(WorkbenchError):
    """A capture could not be opened or read."""


class CaptureFormatError(CaptureError, ValueError):
    """The bytes of a capture are not what its format says.

    ``offset`` is the byte offset of the fault in the (decompressed) file,
    ``packets_read`` how many packets were decoded before it.
    """

    def __init__(self, path: str | Path, offset: int, reason: str, packets_read: int = 0):
        self.path = str(path)
        self.offset = int(offset)
        self.reason = reason
        self.packets_read = int(packets_read)
        super().__init__(
            f"{self.path}: {reason} at byte offset {self.offset}"
            f" (after {self.packets_read} packets)"
        )


class CaptureNotFoundError(CaptureError, FileNotFoundError):
    """The capture path does not exist or is not a regular file."""

    def __init__(self, path: str | Path, reason: str = "no such file"):
        self.path = str(path)
        self.reason = reason
        super().__init__(f"{self.path}: {reason}")


class CaptureTooLargeError(CaptureError, MemoryError):
    """The capture will not fit in memory: it is refused before reading, with advice (``scan``).

    ``needed`` is the memory its frame would take, ``room`` what was left (bytes)."""

    def __init__(self, message: str, needed: int = 0, room: int = 0):
        self.needed = int(needed)
        self.room = int(room)
        super().__init__(message)


class ToolMissingError(WorkbenchError, RuntimeError):
    """An outside program (tshark) the call needs is not installed."""


class ParameterError(WorkbenchError, ValueError):
    """A user-supplied parameter (capacity, bin size, ...) cannot be understood."""


class OutOfSpaceError(WorkbenchError, OSError):
    """A write failed for want of space (disk full, quota, file-size limit); nothing partial is
    left behind."""


# errno values of "no room to write": no space, file too large (a size limit), quota exceeded
_NO_SPACE_ERRNOS = {errno.ENOSPC, errno.EFBIG, getattr(errno, "EDQUOT", 122)}
_NO_SPACE_TEXTS = ("os error 28)", "os error 27)", "os error 122)", "no space left on device")


def out_of_space(error: BaseException, path: str | Path, what: str) -> OutOfSpaceError | None:
    """An ``OutOfSpaceError`` for ``error`` if it says the disk (or a quota, or a file-size
    limit) is full, naming what was being written and where; None for any other error.
    Polars reports these as a ``ComputeError`` carrying ``(os error 28)``, Python as ``OSError``."""
    errno = getattr(error, "errno", None)
    text = str(error).lower()
    if errno not in _NO_SPACE_ERRNOS and not any(t in text for t in _NO_SPACE_TEXTS):
        return None
    reason = getattr(error, "strerror", None) or str(error)
    return OutOfSpaceError(
        f"cannot write {what} to {path}: out of space ({reason}); nothing partial was kept."
        " Free space there, or write elsewhere"
    )


class ArgumentTypeError(ParameterError, TypeError):
    """A public function was given an argument of the wrong type (``except TypeError`` works)."""


def expect(value: object, kinds: type | tuple[type, ...], name: str, where: str, what: str) -> None:
    """Raise ``ArgumentTypeError`` naming the function, the argument, what it takes and what it
    got, unless ``value`` is one of ``kinds``.

        expect(path, (str, os.PathLike), "path", "wb.export.html", "a file path")
    """
    if isinstance(value, bool) and bool not in (kinds if isinstance(kinds, tuple) else (kinds,)):
        ok = False  # True is an int to Python, never a count or a path to us
    else:
        ok = isinstance(value, kinds)
    if not ok:
        shown = repr(value)
        shown = shown if len(shown) <= 60 else shown[:57] + "..."
        raise ArgumentTypeError(
            f"{where}: {name} must be {what}, not {type(value).__name__} {shown}"
        )


def expect_paths(value: object, name: str, where: str) -> None:
    """A path, or a non-empty list/tuple of paths (str or ``os.PathLike``)."""
    what = "a path or a list of paths (str or pathlib.Path)"
    if isinstance(value, (list, tuple)):
        if not value:
            raise ParameterError(f"{where}: {name} is empty: give at least one capture")
        for item in value:
            expect(item, (str, os.PathLike), name, where, what)
    else:
        expect(value, (str, os.PathLike), name, where, what)
