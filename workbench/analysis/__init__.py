"""Findings from frames: traffic series, vectors, targets, phases, spoofing, saturation."""

from workbench.analysis.capacity import parse_pps, parse_rate
from workbench.analysis.config import AnalysisConfig
from workbench.analysis.report import Report, analyze
from workbench.analysis.series import rate_series, rollup
from workbench.analysis.vectors import VECTORS, classify

__all__ = [
    "VECTORS",
    "AnalysisConfig",
    "Report",
    "analyze",
    "classify",
    "parse_pps",
    "parse_rate",
    "rate_series",
    "rollup",
]
