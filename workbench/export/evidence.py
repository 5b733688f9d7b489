"""The evidence block every export carries: input hashes, version, parameters."""

from __future__ import annotations

import time

from workbench import formatting as fmt
from workbench._version import __version__
from workbench.errors import expect


def as_dict(report) -> dict:
    """A Report or its JSON as a dict (a saved report); anything else is an
    ``ArgumentTypeError`` naming what the export takes."""
    if hasattr(report, "to_dict"):
        return report.to_dict()
    if isinstance(report, dict) and "phases" in report and "vectors" in report:
        return report
    expect(report, (), "report", "export", "a Report (wb.analyze) or its JSON read as a dict")
    return report


def evidence_block(report) -> dict:
    """Inputs (path, SHA-256, size, packets), workbench version, parameters and times."""
    data = as_dict(report)
    capture = data.get("capture", {})
    files = capture.get("files") or [
        {"path": p, "sha256": h} for p, h in capture.get("sha256", {}).items()
    ]
    return {
        "inputs": [
            {
                k: f.get(k)
                for k in (
                    "path",
                    "sha256",
                    "size",
                    "format",
                    "compression",
                    "packets",
                    "start",
                    "end",
                    "drops",
                )
            }
            for f in files
        ],
        "workbench_version": data.get("workbench_version", __version__),
        "parameters": data.get("parameters", {}),
        "analysed_at": data.get("generated"),
        "exported_at": fmt.iso(time.time_ns()),
        "geolocation": data.get("sources", {}).get("geography_note"),
    }
