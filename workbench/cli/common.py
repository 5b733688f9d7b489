"""What every command shares: exit codes, the advice in command-line terms, notes on stderr."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path

from workbench.errors import ParameterError, WorkbenchError

DEMO_SAMPLE = "mailprovider_2015.pcapng.gz"
DEMO_CAPACITY = "3M"
EXIT_FAILURE = 2  # as argparse, capinfos and tshark: the command could not do what was asked
EXIT_INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C
LISTED = 8  # VLANs or MACs named in an error before "... N in all"

# the library's advice in Python terms, and the same advice on the command line
CLI_TERMS = (
    ("try engine='tshark'", "`--engine tshark` reads other formats (snoop, ERF, NetMon, ...)"),
    ("use engine='tshark'", "use `--engine tshark`"),
    ("(use wb.scan for folders)", "(run `workbench ingest FOLDER -o DATASET` first)"),
)


def fail(message: str) -> ParameterError:
    """An argument the command cannot use; ``message`` says what to do instead."""
    return ParameterError(message)


def note(message: str) -> None:
    """A line for the analyst, not the product: stderr, so stdout stays the summary or JSON."""
    print(message, file=sys.stderr, flush=True)


def quoted(path: str | Path) -> str:
    return shlex.quote(str(path))


def sample_dir() -> Path:
    """sample_pcaps/ of the checkout (or of the current folder when run elsewhere)."""
    for base in (Path.cwd(), Path(__file__).resolve().parents[2]):
        if (base / "sample_pcaps" / DEMO_SAMPLE).is_file():
            return base / "sample_pcaps"
    raise WorkbenchError(
        f"the bundled sample {DEMO_SAMPLE} was not found in ./sample_pcaps: "
        "run `workbench demo` from the repository checkout"
    )


def progress_wanted() -> bool:
    """Progress bars only for a person watching (a terminal), never into a log file."""
    return sys.stderr.isatty()
