"""Write (or check) the golden reports: every bundled sample analysed, its report JSON stored in
``tests/analysis/golden/`` without the fields that change run to run (the time it was generated).
A behaviour-preserving change (refactoring, speed work) leaves them byte for byte unchanged;
a change of the method rewrites them on purpose, in the same commit, with its reason.

    python scripts/golden_reports.py            # rewrite
    python scripts/golden_reports.py --check    # exit 1 and name what differs
"""

from __future__ import annotations

import json
import sys
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
GOLDEN = REPO / "tests" / "analysis" / "golden"
SAMPLES = sorted(p.name for p in (REPO / "sample_pcaps").glob("*.pcap*"))


def report_text(name: str) -> str:
    """The report JSON of one sample against its truth's link capacity, as stored
    (``generated`` left out)."""
    import os

    import workbench as wb

    os.chdir(REPO)  # paths in the report are as given: relative to the checkout
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        truth = json.loads((REPO / "sample_pcaps" / f"{name.split('.')[0]}.truth.json").read_text())
        capacity = truth["capacity_bps"]  # the link the sample's truth names
        report = wb.analyze(wb.load(f"sample_pcaps/{name}"), link_capacity=capacity)
    data = report.to_dict()
    data.pop("generated", None)
    return json.dumps(data, indent=1, sort_keys=True, default=str) + "\n"


def main(argv: list[str]) -> int:
    check = "--check" in argv
    GOLDEN.mkdir(parents=True, exist_ok=True)
    differ = []
    for name in SAMPLES:
        path = GOLDEN / f"{name.split('.')[0]}.json"
        text = report_text(name)
        if check:
            if not path.is_file() or path.read_text() != text:
                differ.append(name)
        else:
            path.write_text(text)
    for name in differ:
        print(f"report of {name} differs from {GOLDEN / name.split('.')[0]}.json")
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
