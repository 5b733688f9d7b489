"""Findings out: forensic timeline, offline HTML report, fingerprint, STIX 2.1, Parquet, and the
attack's packets as pcapng.

The functions are the API (``wb.export.html(rep, path)``); each lives in a module named
for what it writes (``html_report``, ``stix_bundle``, ...), so no function shadows its
module: ``from workbench.export import html`` is the function, and
``workbench.export.html_report`` the module.
"""

from workbench.export.evidence import evidence_block
from workbench.export.fingerprint_json import fingerprint, fingerprints
from workbench.export.html_report import html
from workbench.export.parquet_file import parquet, read_parquet
from workbench.export.pcap_file import pcap
from workbench.export.stix_bundle import stix
from workbench.export.timeline_events import events, timeline

__all__ = [
    "events",
    "evidence_block",
    "fingerprint",
    "fingerprints",
    "html",
    "parquet",
    "pcap",
    "read_parquet",
    "stix",
    "timeline",
]
