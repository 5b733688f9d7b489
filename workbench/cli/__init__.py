"""The command line, over the same public API the notebooks use.

    workbench info CAPTURE... [--json]
    workbench analyze CAPTURE... [--link 10G] [--json FILE|-] [--html FILE] [--timeline FILE]
    workbench analyze DATASET [--window-packets N] [--workers N | --scheduler ADDR] ...
    workbench ingest CAPTURE... -o DATASET
    workbench synth SCENARIO -o FILE [--seed N] [--scale F] [--format pcap|pcapng]
    workbench demo [--out DIR]
    workbench lab

It behaves like capinfos, tshark and zeek: every argument is checked before a capture is read;
the product goes to stdout (the summary, or JSON when asked), notes and warnings to stderr;
every failure is one line on stderr naming what is wrong and what to do, exit code 2 (130 when
interrupted); ``--debug`` adds the traceback.
"""

from __future__ import annotations

import errno
import os
import sys
import traceback
import warnings
from collections.abc import Sequence

from workbench.cli.common import CLI_TERMS, EXIT_FAILURE, EXIT_INTERRUPTED, note
from workbench.cli.parser import build_parser
from workbench.errors import CaptureFormatError, WorkbenchError


def one_line(error: BaseException) -> str:
    """What went wrong and what to do, on one line, in command-line terms."""
    if isinstance(error, WorkbenchError):
        text = str(error)
        if (
            isinstance(error, CaptureFormatError)
            and "--engine" not in text
            and "engine=" not in text
        ):
            text += ": check the copy against the original's SHA-256, or try `--engine tshark`"
    elif isinstance(error, MemoryError):
        text = ("out of memory: run `workbench ingest CAPTURE... -o DATASET`, then "
                "`workbench analyze DATASET` (read in windows of bounded memory)")  # fmt: skip
    elif isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        where = f" writing {error.filename}" if error.filename else ""
        text = f"out of space{where} ({error.strerror}): free space there (`df -h`) or write elsewhere"  # fmt: skip
    elif isinstance(error, PermissionError):
        text = f"{error.filename or 'a file'}: permission denied: check its rights (`ls -l`) or use another path"  # fmt: skip
    elif isinstance(error, OSError) and error.filename:
        text = f"{error.filename}: {error.strerror or error}"
    else:
        text = (f"internal error ({type(error).__name__}: {error}): a bug; run again with "
                "`workbench --debug ...` and report the traceback")  # fmt: skip
    for python, command_line in CLI_TERMS:
        text = text.replace(python, command_line)
    return " ".join(text.split())


def _one_line_warning(message, category, filename, lineno, file=None, line=None) -> None:
    """Warnings (a damaged capture read up to the fault, ...) as one line, not a source excerpt."""
    text = str(message)
    for python, command_line in CLI_TERMS:
        text = text.replace(python, command_line)
    note(f"workbench: warning: {' '.join(text.split())}")


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    with warnings.catch_warnings():
        warnings.showwarning = _one_line_warning
        try:
            return int(args.func(args) or 0)
        except KeyboardInterrupt:
            if args.debug:
                traceback.print_exc()
            note("workbench: interrupted")
            return EXIT_INTERRUPTED
        except BrokenPipeError:
            # `workbench info big.pcap | head`: the reader left; stop quietly, as cat does
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            return EXIT_FAILURE
        except Exception as error:
            if args.debug:
                traceback.print_exc()
            note(f"workbench: error: {one_line(error)}")
            return EXIT_FAILURE
