"""One error hierarchy for the workbench.

Every error inherits ``WorkbenchError`` and the matching builtin, so a caller's
``except ValueError`` or ``except FileNotFoundError`` keeps working.
"""

from __future__ import annotations

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


class ToolMissingError(WorkbenchError, RuntimeError):
    """An outside program (tshark) the call needs is not installed."""


class ParameterError(WorkbenchError, ValueError):
    """A user-supplied parameter (capacity, bin size, ...) cannot be understood."""
