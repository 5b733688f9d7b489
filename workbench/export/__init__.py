"""Findings out: forensic timeline, offline HTML report, fingerprint, STIX 2.1, Parquet."""

from workbench.export.evidence import evidence_block
from workbench.export.fingerprint import fingerprint, fingerprints
from workbench.export.html import html
from workbench.export.parquet import parquet, read_parquet
from workbench.export.stix import stix
from workbench.export.timeline import events, timeline

__all__ = [
    "events",
    "evidence_block",
    "fingerprint",
    "fingerprints",
    "html",
    "parquet",
    "read_parquet",
    "stix",
    "timeline",
]
