"""Findings out: forensic timeline, offline HTML report, fingerprint, STIX 2.1, Parquet, and the
attack's packets as pcapng.

The functions are the API (``wb.export.html(rep, path)``); each lives in a module named
for what it writes (``html_report``, ``stix_bundle``, ...), so no function shadows its
module: ``from workbench.export import html`` is the function, and
``workbench.export.html_report`` the module.
"""

from __future__ import annotations

import importlib
from typing import Any

# public name -> the module that defines it, imported on first use: the HTML report's charts
# need Altair (1.2-1.5 s to import), which `workbench analyze --json` never asks for
_LAZY_ATTRS = {
    "events": "workbench.export.timeline_events",
    "evidence_block": "workbench.export.evidence",
    "fingerprint": "workbench.export.fingerprint_json",
    "fingerprints": "workbench.export.fingerprint_json",
    "html": "workbench.export.html_report",
    "parquet": "workbench.export.parquet_file",
    "pcap": "workbench.export.pcap_file",
    "read_parquet": "workbench.export.parquet_file",
    "stix": "workbench.export.stix_bundle",
    "timeline": "workbench.export.timeline_events",
}

__all__ = sorted(_LAZY_ATTRS)


def __getattr__(name: str) -> Any:
    if name in _LAZY_ATTRS:
        value = getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
        globals()[name] = value  # imported once
        return value
    raise AttributeError(f"module 'workbench.export' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_LAZY_ATTRS])
