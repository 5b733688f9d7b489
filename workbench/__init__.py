"""DDoS attack forensics workbench.

    import workbench as wb
    cap = wb.load("sample_pcaps/mailprovider_2015.pcapng.gz")
    rep = wb.analyze(cap, link_capacity="10G")
    rep.to_json("report.json")
    wb.Dashboard(cap, rep)

Heavy parts (Numba kernels, Altair, widgets) are imported on first use.
"""

from __future__ import annotations

import importlib
from typing import Any

from workbench import _allocator  # noqa: F401  (first: it configures Polars before it loads)
from workbench._version import __version__
from workbench.enrich import ip_namespace as _ip_namespace  # noqa: F401  (registers `ip`)
from workbench.errors import (
    CaptureError,
    CaptureFormatError,
    CaptureNotFoundError,
    ParameterError,
    ToolMissingError,
    WorkbenchError,
)

# public name -> module that defines it
_LAZY_ATTRS = {
    "load": "workbench.capture",
    "scan": "workbench.capture",
    "Capture": "workbench.capture",
    "analyze": "workbench.analysis",
    "Report": "workbench.analysis",
    "AnalysisConfig": "workbench.analysis",
    "Dashboard": "workbench.ui",
}
_SUBMODULES = {
    "capture",
    "enrich",
    "analysis",
    "viz",
    "ui",
    "export",
    "synth",
    "dissection",
    "cli",
    "evaluation",
}

__all__ = [
    "CaptureError",
    "CaptureFormatError",
    "CaptureNotFoundError",
    "ParameterError",
    "ToolMissingError",
    "WorkbenchError",
    "__version__",
    "dissect",
    *_LAZY_ATTRS,
]


def dissect(capture, selection=None, *, fields=None, sample_per_vector: int | None = 200,
            progress: bool | None = None):  # fmt: skip
    """Application fields of the selected packets, read by tshark (``workbench.dissection.dissect``),
    each vector's Wireshark fields taken from the vector table: the package root joins the two,
    since dissection sits below the analysis and knows no vectors.

        rep = wb.analyze(cap)
        dns = wb.dissect(cap, rep.packets, sample_per_vector=100)
    """
    from workbench.analysis.vector_table import VECTORS
    from workbench.dissection import dissect as dissect_selection

    per_vector = {rule.name: rule.dissect for rule in VECTORS if rule.dissect}
    return dissect_selection(capture, selection, fields=fields, fields_per_vector=per_vector,
                             sample_per_vector=sample_per_vector, progress=progress)  # fmt: skip


def __getattr__(name: str) -> Any:
    if name in _LAZY_ATTRS:
        return getattr(importlib.import_module(_LAZY_ATTRS[name]), name)
    if name in _SUBMODULES:
        return importlib.import_module(f"workbench.{name}")
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
